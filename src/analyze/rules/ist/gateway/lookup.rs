//! Lookups shared by the gateway and virtual-service rules: the workloads a
//! Gateway selects (with istioctl's default ingress gateway standing in when
//! the inputs have none), the ports their Services expose, Gateways by name,
//! credentials, and Istio's host matching. They compute from the index; they
//! belong in it once another family needs them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::index::{labels_match, Index, ServiceSource, WorkloadKind, DEFAULT_NAMESPACE};
use crate::model::credentials::CredentialProblem;
use crate::model::networking::GatewaySpec;
use crate::model::{Object, Spec};

/// Where istioctl expects the control plane and its default ingress gateway.
pub(crate) const ISTIO_NAMESPACE: &str = "istio-system";
/// The label of the default ingress gateway pods.
const DEFAULT_INGRESS_LABEL: (&str, &str) = ("istio", "ingressgateway");
/// Ports of the default ingress gateway Service istioctl adds in file mode.
const DEFAULT_INGRESS_PORTS: [u32; 4] = [80, 443, 31400, 15443];

/// A workload a Gateway selector picks.
#[derive(Debug, Clone)]
pub(crate) struct GatewayWorkload {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// The default ingress gateway, standing in for the cluster's when the
    /// inputs hold no workload the selector picks.
    pub stand_in: bool,
}

impl GatewayWorkload {
    /// `namespace/name`, as istioctl names a pod.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// The `ingressControllerMode: OFF` mesh setting turns the default ingress off.
fn default_ingress_enabled(index: &Index) -> bool {
    !index
        .mesh_config
        .other
        .get("ingressControllerMode")
        .and_then(|v| v.as_str())
        .is_some_and(|mode| mode.eq_ignore_ascii_case("OFF"))
}

/// The default ingress gateway pod, as istioctl adds it in file mode.
fn default_ingress(index: &Index) -> Option<GatewayWorkload> {
    default_ingress_enabled(index).then(|| GatewayWorkload {
        namespace: ISTIO_NAMESPACE.to_string(),
        name: format!("{}-dummypod", index.mesh_config.ingress_service),
        labels: BTreeMap::from([(
            DEFAULT_INGRESS_LABEL.0.to_string(),
            DEFAULT_INGRESS_LABEL.1.to_string(),
        )]),
        stand_in: true,
    })
}

/// The workloads (Pods and pod templates, in every namespace, as gateways
/// select across namespaces) whose labels match `selector`; when there are
/// none, the default ingress gateway if the selector picks it.
pub(crate) fn gateway_workloads(
    index: &Index,
    selector: &BTreeMap<String, String>,
) -> Vec<GatewayWorkload> {
    let mut found: Vec<GatewayWorkload> = index
        .workloads()
        .iter()
        .filter(|w| matches!(w.kind, WorkloadKind::Pod | WorkloadKind::PodTemplate))
        .filter(|w| labels_match(selector, &w.labels))
        .map(|w| GatewayWorkload {
            namespace: w.namespace.clone(),
            name: w.name.clone(),
            labels: w.labels.clone(),
            stand_in: false,
        })
        .collect();
    found.extend(
        unindexed_workloads(index)
            .into_iter()
            .filter(|w| labels_match(selector, &w.labels)),
    );
    if !found.is_empty() {
        return found;
    }
    default_ingress(index)
        .filter(|d| labels_match(selector, &d.labels))
        .into_iter()
        .collect()
}

/// Pods and workload controllers whose spec did not fit its schema (reported
/// as IST0106 elsewhere): the index holds no workload for them, but their pod
/// labels are still what a gateway selector is written against.
fn unindexed_workloads(index: &Index) -> Vec<GatewayWorkload> {
    index
        .objects
        .iter()
        .filter_map(|object| {
            if !matches!(object.spec, Spec::Raw) || object.kind_info.is_none() {
                return None;
            }
            let labels = match object.kind() {
                "Pod" => object.meta.labels.clone(),
                "CronJob" => {
                    template_labels(object, "/spec/jobTemplate/spec/template/metadata/labels")?
                }
                "Deployment"
                | "StatefulSet"
                | "DaemonSet"
                | "ReplicaSet"
                | "Job"
                | "ReplicationController" => {
                    template_labels(object, "/spec/template/metadata/labels")?
                }
                _ => return None,
            };
            Some(GatewayWorkload {
                namespace: object.namespace_or(DEFAULT_NAMESPACE).to_string(),
                name: object.meta.name.clone(),
                labels,
                stand_in: false,
            })
        })
        .collect()
}

fn template_labels(object: &Object, pointer: &str) -> Option<BTreeMap<String, String>> {
    crate::model::string_map(object.doc.raw.pointer(pointer)?)
}

/// The ports a gateway workload can be reached on through the Kubernetes
/// Services that select it: each TCP port's number and numeric targetPort.
/// `None` when no Service in the inputs selects it (nothing to judge by).
pub(crate) fn exposed_ports(index: &Index, workload: &GatewayWorkload) -> Option<BTreeSet<u32>> {
    let mut ports = BTreeSet::new();
    let mut selected = false;
    let mut default_service_declared = false;
    for service in index.all_services() {
        if service.source != ServiceSource::Kubernetes || service.namespace != workload.namespace {
            continue;
        }
        let object = index.object(service.object);
        if workload.stand_in && object.meta.name == index.mesh_config.ingress_service {
            default_service_declared = true;
        }
        let Spec::Service(service) = &object.spec else {
            continue;
        };
        let Some(spec) = &service.spec else { continue };
        let Some(selector) = spec.selector.as_ref().filter(|s| !s.is_empty()) else {
            continue;
        };
        if !labels_match(selector, &workload.labels) {
            continue;
        }
        selected = true;
        for port in spec.ports.iter().flatten() {
            if port.protocol.as_deref().is_some_and(|p| p != "TCP") {
                continue;
            }
            ports.extend(u32::try_from(port.port).ok());
            if let Some(IntOrString::Int(target)) = &port.target_port {
                ports.extend(u32::try_from(*target).ok());
            }
        }
    }
    if workload.stand_in && !default_service_declared {
        selected = true;
        ports.extend(DEFAULT_INGRESS_PORTS);
    }
    selected.then_some(ports)
}

/// Every Istio Gateway with its typed spec.
pub(crate) fn istio_gateways(index: &Index) -> impl Iterator<Item = (&Object, &GatewaySpec)> {
    index
        .objects
        .iter()
        .filter_map(|object| match &object.spec {
            Spec::Gateway(gateway) => Some((object, gateway.as_ref())),
            _ => None,
        })
}

/// A label selector as Kubernetes prints it: `k=v,k2=v2`, keys sorted.
pub(crate) fn selector_text(selector: &BTreeMap<String, String>) -> String {
    selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Istio's `host.Name.Matches`: equal names, or a wildcard covering the other
/// (both may be wildcards, then the longer suffix must end with the shorter).
pub(crate) fn hosts_overlap(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(a), Some(b)) => {
            if a.len() < b.len() {
                b.ends_with(a)
            } else {
                a.ends_with(b)
            }
        }
        (Some(a), None) => b.ends_with(a),
        (None, Some(b)) => a.ends_with(b),
        (None, None) => a == b,
    }
}

/// `namespace/name` of an object, its namespace defaulting to `default`.
pub(crate) fn identity(object: &Object) -> (String, String) {
    (
        object.namespace_or(DEFAULT_NAMESPACE).to_string(),
        object.meta.name.clone(),
    )
}

/// A resource's name as istioctl prints it: `ns/name`, or `name` without a namespace.
pub(crate) fn full_name(object: &Object) -> String {
    match &object.meta.namespace {
        Some(ns) => format!("{ns}/{}", object.meta.name),
        None => object.meta.name.clone(),
    }
}

/// Istio Gateways (`networking.istio.io`) and Kubernetes Gateways
/// (`gateway.networking.k8s.io`) by namespace and name.
#[derive(Default)]
pub(crate) struct Gateways<'a> {
    pub istio: HashMap<(String, String), Vec<&'a Object>>,
    pub kubernetes: HashMap<(String, String), Vec<&'a Object>>,
}

impl<'a> Gateways<'a> {
    pub fn build(index: &'a Index) -> Gateways<'a> {
        let mut gateways = Gateways::default();
        for object in &index.objects {
            if object.kind() != "Gateway" {
                continue;
            }
            let table = match object.group() {
                "networking.istio.io" => &mut gateways.istio,
                "gateway.networking.k8s.io" => &mut gateways.kubernetes,
                _ => continue,
            };
            table.entry(identity(object)).or_default().push(object);
        }
        gateways
    }

    pub fn exists(&self, key: &(String, String)) -> bool {
        self.istio.contains_key(key) || self.kubernetes.contains_key(key)
    }

    /// The hosts the named gateway accepts for routes of a VirtualService in
    /// `vs_namespace`; `None` when a gateway's hosts cannot be read (it did
    /// not fit its schema).
    pub fn hosts_for(&self, key: &(String, String), vs_namespace: &str) -> Option<Vec<String>> {
        let mut hosts = Vec::new();
        for object in self.istio.get(key).into_iter().flatten() {
            let Spec::Gateway(gateway) = &object.spec else {
                return None;
            };
            for server in &gateway.servers {
                for host in &server.hosts {
                    let (namespace, name) = match host.split_once('/') {
                        Some((ns, name)) => (ns, name),
                        None => ("*", host.as_str()),
                    };
                    let applies = match namespace {
                        "*" => true,
                        "." => key.0 == vs_namespace,
                        ns => ns == vs_namespace,
                    };
                    if applies {
                        hosts.push(name.to_string());
                    }
                }
            }
        }
        for object in self.kubernetes.get(key).into_iter().flatten() {
            let Spec::KubernetesGateway(gateway) = &object.spec else {
                return None;
            };
            // A listener without a hostname accepts every host.
            hosts.extend(
                gateway
                    .listeners
                    .iter()
                    .map(|listener| listener.hostname.clone().unwrap_or_else(|| "*".into())),
            );
        }
        Some(hosts)
    }
}

/// A gateway reference in a VirtualService as istiod resolves it: `ns/name`,
/// `./name`, a short name in the VirtualService's namespace, or the legacy
/// `name.ns.svc.cluster.local` form.
pub(crate) fn resolve_gateway(reference: &str, vs_namespace: &str) -> (String, String) {
    if let Some((ns, name)) = reference.split_once('/') {
        let ns = if ns == "." { vs_namespace } else { ns };
        return (ns.to_string(), name.to_string());
    }
    match reference.split_once('.') {
        None => (vs_namespace.to_string(), reference.to_string()),
        Some((name, rest)) => {
            let ns = rest.split('.').next().unwrap_or(rest);
            (ns.to_string(), name.to_string())
        }
    }
}

/// Secrets and the credentials promised by cert-manager Certificates, by
/// namespace and name.
#[derive(Default)]
pub(crate) struct Credentials<'a> {
    secrets: HashMap<(String, String), &'a Object>,
    /// Secret names a cert-manager `Certificate` will write.
    issued: BTreeSet<(String, String)>,
}

/// What the inputs say about one credential.
pub(crate) enum Credential<'a> {
    /// A Secret with these key names, and what is wrong with its certificates.
    Secret(&'a [String], &'a [CredentialProblem]),
    /// A cert-manager Certificate will create it; its keys are unknown.
    Issued,
    /// The inputs hold no such credential.
    Missing,
}

impl<'a> Credentials<'a> {
    pub fn build(index: &'a Index) -> Credentials<'a> {
        let mut credentials = Credentials::default();
        for object in &index.objects {
            let key = identity(object);
            match &object.spec {
                Spec::Secret { .. } => {
                    credentials.secrets.insert(key, object);
                }
                _ if object.kind() == "Certificate" && object.group() == "cert-manager.io" => {
                    if let Some(secret) = object
                        .doc
                        .raw
                        .pointer("/spec/secretName")
                        .and_then(|s| s.as_str())
                    {
                        credentials.issued.insert((key.0, secret.to_string()));
                    }
                }
                _ => {}
            }
        }
        credentials
    }

    pub fn get(&self, namespace: &str, name: &str) -> Credential<'a> {
        let key = (namespace.to_string(), name.to_string());
        if let Some(object) = self.secrets.get(&key) {
            if let Spec::Secret {
                keys,
                credential_problems,
                ..
            } = &object.spec
            {
                return Credential::Secret(keys, credential_problems);
            }
        }
        if self.issued.contains(&key) {
            Credential::Issued
        } else {
            Credential::Missing
        }
    }
}

/// Whether a RequestAuthentication applies to a workload with these labels in
/// `namespace`: one in its namespace whose selector matches (or that has
/// none), or a selector-less one in the root namespace.
pub(crate) fn has_request_authentication(
    index: &Index,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    let applies = |ns: &str, root: bool| {
        index
            .policies_in(ns)
            .iter()
            .any(|&id| match &index.object(id).spec {
                Spec::RequestAuthentication(ra) => {
                    if !ra.target_refs.is_empty() || ra.target_ref.is_some() {
                        return false;
                    }
                    match ra.selector.as_ref().filter(|s| !s.match_labels.is_empty()) {
                        Some(selector) => !root && labels_match(&selector.match_labels, labels),
                        None => true,
                    }
                }
                _ => false,
            })
    };
    let root = index.mesh_config.root_namespace.as_str();
    applies(namespace, false) || (namespace != root && applies(root, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_matching_follows_istio() {
        assert!(hosts_overlap("*.d", "*.productpage.d"));
        assert!(hosts_overlap("*.productpage.d", "*.d"));
        assert!(hosts_overlap("web.testing-02.com", "*.testing-02.com"));
        assert!(hosts_overlap("*", "foo.com"));
        assert!(!hosts_overlap("web.wrong.com", "*.testing-02.com"));
        assert!(!hosts_overlap("a.com", "b.com"));
    }

    #[test]
    fn gateway_references_resolve_as_istiod_does() {
        let cases = [
            ("gw", ("vs", "gw")),
            ("./gw", ("vs", "gw")),
            ("other/gw", ("other", "gw")),
            ("gw.other.svc.cluster.local", ("other", "gw")),
            ("gw.other", ("other", "gw")),
        ];
        for (reference, (ns, name)) in cases {
            assert_eq!(
                resolve_gateway(reference, "vs"),
                (ns.to_string(), name.to_string()),
                "{reference}"
            );
        }
    }

    #[test]
    fn selectors_print_sorted() {
        let selector = BTreeMap::from([
            ("istio".to_string(), "ingressgateway".to_string()),
            ("app".to_string(), "gw".to_string()),
        ]);
        assert_eq!(selector_text(&selector), "app=gw,istio=ingressgateway");
    }
}
