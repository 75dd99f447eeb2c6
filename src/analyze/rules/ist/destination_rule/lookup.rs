//! The services a DestinationRule's host names, and the endpoints a subset
//! selects, with pod labels augmented by node topology as pilot does.
//! Candidates for the index.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use crate::analyze::rules::ist::authorization_policy::in_mesh::{Selectable, SelectableKind};
use crate::index::{
    exported_everywhere, is_exported_to, Index, Service, ServiceSource, DEFAULT_NAMESPACE,
};
use crate::model::networking::DestinationRuleSpec;
use crate::model::{Object, Spec};

/// The services a DestinationRule's host names, seen from the namespaces the
/// rule is exported to; `None` for a wildcard or missing host, which names
/// no one service.
pub(super) fn rule_services<'a>(
    index: &'a Index,
    object: &Object,
    rule: &DestinationRuleSpec,
) -> Option<Vec<&'a Service>> {
    let host = rule
        .host
        .as_deref()
        .filter(|h| !h.is_empty() && !h.starts_with('*'))?;
    let namespace = object.namespace_or(DEFAULT_NAMESPACE);
    let fqdn = index.config_host_fqdn(host, namespace);
    let export_to = index.export_to(object);
    Some(
        index
            .services(&fqdn)
            .iter()
            .filter(|s| scopes_overlap(export_to, namespace, &s.export_to, &s.namespace))
            .collect(),
    )
}

/// Whether some namespace sees both an object exported to `a` from `a_owner`
/// and one exported to `b` from `b_owner` (`*` all, `.` own, `~` none).
pub(crate) fn scopes_overlap(a: &[String], a_owner: &str, b: &[String], b_owner: &str) -> bool {
    if exported_everywhere(a) && exported_everywhere(b) {
        return true;
    }
    a.iter()
        .chain(b)
        .map(String::as_str)
        .filter(|n| !matches!(*n, "*" | "." | "~"))
        .chain([a_owner, b_owner])
        .any(|candidate| {
            is_exported_to(a, a_owner, candidate) && is_exported_to(b, b_owner, candidate)
        })
}

const REGION: &str = "topology.kubernetes.io/region";
const ZONE: &str = "topology.kubernetes.io/zone";
const SUBZONE: &str = "topology.istio.io/subzone";
const HOSTNAME: &str = "kubernetes.io/hostname";
const CLUSTER: &str = "topology.istio.io/cluster";
const NETWORK: &str = "topology.istio.io/network";
const LEGACY_REGION: &str = "failure-domain.beta.kubernetes.io/region";
const LEGACY_ZONE: &str = "failure-domain.beta.kubernetes.io/zone";
/// A pod label that overrides the node's locality (`region.zone.subzone`).
const LOCALITY_LABEL: &str = "istio-locality";

/// A label pilot adds to an endpoint from where it runs.
#[derive(Debug, Clone, PartialEq)]
enum Derived {
    /// Pilot sets it to this value, or leaves the endpoint's own label (`None`).
    Known(Option<String>),
    /// The inputs do not say (no Node, not scheduled): any value may match.
    Unknown,
}

/// An endpoint a subset may select: its labels and where it runs.
#[derive(Debug, Clone)]
pub(super) struct Endpoint<'a> {
    labels: Cow<'a, BTreeMap<String, String>>,
    topology: HashMap<&'static str, Derived>,
}

impl Endpoint<'_> {
    /// Whether the endpoint's labels, augmented as pilot does, include `selector`.
    pub fn matches(&self, selector: &BTreeMap<String, String>) -> bool {
        selector.iter().all(|(key, value)| {
            match self
                .topology
                .get(key.as_str())
                .unwrap_or(&Derived::Known(None))
            {
                Derived::Known(Some(derived)) => derived == value,
                Derived::Known(None) => self.labels.get(key) == Some(value),
                Derived::Unknown => true,
            }
        })
    }
}

/// Node labels by node name (Node objects among the inputs).
pub(super) fn nodes(index: &Index) -> HashMap<&str, &BTreeMap<String, String>> {
    index
        .objects
        .iter()
        .filter(|o| o.kind() == "Node" && o.doc.api_version == "v1")
        .map(|o| (o.meta.name.as_str(), &o.meta.labels))
        .collect()
}

/// The endpoints of every selectable workload (istioctl's default gateway
/// pod aside), by namespace: built once, whatever number of services each
/// namespace has.
pub(super) fn endpoints_by_namespace<'a>(
    nodes: &HashMap<&str, &BTreeMap<String, String>>,
    workloads: &[Selectable<'a>],
) -> HashMap<&'a str, Vec<Endpoint<'a>>> {
    let mut by_namespace: HashMap<&'a str, Vec<Endpoint<'a>>> = HashMap::new();
    for workload in workloads {
        if workload.kind != SelectableKind::DefaultGateway {
            by_namespace
                .entry(workload.namespace)
                .or_default()
                .push(workload_endpoint(nodes, workload));
        }
    }
    by_namespace
}

/// A service's selector (empty for a ServiceEntry's inline endpoints) and
/// the endpoints it may select.
pub(super) type SelectedEndpoints<'c, 'a> = (BTreeMap<String, String>, Cow<'c, [Endpoint<'a>]>);

/// The endpoints a service selects, before subset labels: the workloads its
/// selector may pick in its namespace (from [`endpoints_by_namespace`]), or
/// a ServiceEntry's inline endpoints. `None` when the inputs cannot tell (a
/// Service without selector, a ServiceEntry resolved by DNS without
/// endpoints).
pub(super) fn service_endpoints<'a, 'c>(
    index: &'a Index,
    by_namespace: &'c HashMap<&'a str, Vec<Endpoint<'a>>>,
    service: &Service,
) -> Option<SelectedEndpoints<'c, 'a>> {
    let selector = service.selector.clone().filter(|s| !s.is_empty());
    match (service.source, selector) {
        (_, Some(selector)) => {
            let endpoints = by_namespace
                .get(service.namespace.as_str())
                .map_or(&[][..], Vec::as_slice);
            Some((selector, Cow::Borrowed(endpoints)))
        }
        (ServiceSource::ServiceEntry, None) => {
            let Spec::ServiceEntry(entry) = &index.object(service.object).spec else {
                return None;
            };
            if entry.endpoints.is_empty() {
                return None;
            }
            let endpoints = entry
                .endpoints
                .iter()
                .map(|e| Endpoint {
                    labels: Cow::Borrowed(&e.labels),
                    topology: entry_topology(e.locality.as_deref(), e.network.as_deref()),
                })
                .collect();
            Some((BTreeMap::new(), Cow::Owned(endpoints)))
        }
        (ServiceSource::Kubernetes, None) => None,
    }
}

fn workload_endpoint<'a>(
    nodes: &HashMap<&str, &BTreeMap<String, String>>,
    workload: &Selectable<'a>,
) -> Endpoint<'a> {
    let locality = || {
        workload
            .labels
            .get(LOCALITY_LABEL)
            .map(|l| l.replace('.', "/"))
    };
    let topology = match (workload.kind, workload.object.map(|o| &o.spec)) {
        (SelectableKind::WorkloadEntry, Some(Spec::WorkloadEntry(entry))) => {
            entry_topology(entry.locality.as_deref(), entry.network.as_deref())
        }
        (SelectableKind::Pod, _) => {
            let node_name = workload.node_name();
            let mut topology =
                locality_topology(locality(), node_name.and_then(|n| nodes.get(n)).copied());
            topology.insert(
                HOSTNAME,
                node_name.map_or(Derived::Unknown, |n| Derived::Known(Some(n.to_string()))),
            );
            topology
        }
        _ => {
            let mut topology = locality_topology(locality(), None);
            topology.insert(HOSTNAME, Derived::Unknown);
            topology
        }
    };
    Endpoint {
        labels: workload.labels.clone(),
        topology,
    }
}

/// Region, zone and subzone from a `region/zone/subzone` locality, else from
/// the node's labels; unknown when neither is given.
fn locality_topology(
    locality: Option<String>,
    node: Option<&BTreeMap<String, String>>,
) -> HashMap<&'static str, Derived> {
    let parts: Option<[String; 3]> = match (locality, node) {
        (Some(locality), _) => Some(split_locality(&locality)),
        (None, Some(labels)) => {
            let get = |keys: &[&str]| {
                keys.iter()
                    .find_map(|k| labels.get(*k).filter(|v| !v.is_empty()))
                    .cloned()
                    .unwrap_or_default()
            };
            Some([
                get(&[REGION, LEGACY_REGION]),
                get(&[ZONE, LEGACY_ZONE]),
                get(&[SUBZONE]),
            ])
        }
        (None, None) => None,
    };
    let mut topology = HashMap::from([(CLUSTER, Derived::Unknown), (NETWORK, Derived::Unknown)]);
    for (key, value) in [REGION, ZONE, SUBZONE]
        .into_iter()
        .zip(parts.map_or([None, None, None], |p| p.map(Some)))
    {
        topology.insert(
            key,
            match value {
                Some(v) => Derived::Known(Some(v).filter(|v| !v.is_empty())),
                None => Derived::Unknown,
            },
        );
    }
    topology
}

fn entry_topology(locality: Option<&str>, network: Option<&str>) -> HashMap<&'static str, Derived> {
    let mut topology = locality_topology(Some(locality.unwrap_or_default().to_string()), None);
    topology.insert(HOSTNAME, Derived::Known(None));
    if let Some(network) = network.filter(|n| !n.is_empty()) {
        topology.insert(NETWORK, Derived::Known(Some(network.to_string())));
    }
    topology
}

fn split_locality(locality: &str) -> [String; 3] {
    let mut parts = locality.splitn(3, '/').map(str::to_string);
    [
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn export_scopes_overlap_where_one_namespace_sees_both() {
        assert!(scopes_overlap(&[], "a", &strings(&["*"]), "b"));
        assert!(scopes_overlap(&strings(&["."]), "a", &[], "b"));
        assert!(!scopes_overlap(
            &strings(&["."]),
            "a",
            &strings(&["."]),
            "b"
        ));
        assert!(scopes_overlap(&strings(&["."]), "a", &strings(&["a"]), "b"));
        assert!(!scopes_overlap(&strings(&["~"]), "a", &[], "b"));
    }

    #[test]
    fn node_labels_become_topology_labels_unless_empty() {
        let node = BTreeMap::from([
            (REGION.to_string(), String::new()),
            (ZONE.to_string(), "z1".to_string()),
        ]);
        let topology = locality_topology(None, Some(&node));
        assert_eq!(topology[REGION], Derived::Known(None));
        assert_eq!(topology[ZONE], Derived::Known(Some("z1".to_string())));
        let topology = locality_topology(Some("r/z".to_string()), None);
        assert_eq!(topology[REGION], Derived::Known(Some("r".to_string())));
        assert_eq!(topology[SUBZONE], Derived::Known(None));
        assert_eq!(locality_topology(None, None)[REGION], Derived::Unknown);
    }
}
