//! Endpoints (spec §5): the instances behind a cluster, grouped by locality,
//! from Pods (`status.podIP`), EndpointSlices, WorkloadEntries (selected by
//! a ServiceEntry's `workloadSelector` or a Kubernetes Service's selector)
//! and ServiceEntry endpoints.

use std::collections::{BTreeMap, HashMap};

use envoy_types::pb::envoy::config::core::v3::{HealthStatus, Locality, Metadata};
use envoy_types::pb::envoy::config::endpoint::v3::{
    lb_endpoint, ClusterLoadAssignment, Endpoint, LbEndpoint, LocalityLbEndpoints,
};
use envoy_types::pb::google::protobuf::{value, Struct, UInt32Value, Value as ProtoValue};

use crate::index::{labels_match, Service, ServiceSource, Workload, WorkloadKind};
use crate::model::networking::ServiceEntryResolution;
use crate::model::Spec;

use super::cds::subset_labels;
use super::lds::socket_address;
use super::names::ClusterKey;
use super::render::Renderer;

const TLS_MODE_LABEL: &str = "security.istio.io/tlsMode";
const CLUSTER_ID: &str = "Kubernetes";

/// One instance of a service port.
#[derive(Debug, Clone, PartialEq)]
struct Instance {
    address: String,
    port: u32,
    labels: BTreeMap<String, String>,
    /// `region/zone/subzone`.
    locality: String,
    weight: u32,
    healthy: bool,
    workload_name: String,
    namespace: String,
}

/// Workloads a service selects (pods, pod templates, WorkloadEntries),
/// plus a ServiceEntry's own endpoints.
pub fn service_workloads<'a>(renderer: &Renderer<'a>, service: &'a Service) -> Vec<&'a Workload> {
    let index = renderer.index;
    let mut out: Vec<&Workload> = Vec::new();
    if let Some(selector) = service.selector.as_ref().filter(|s| !s.is_empty()) {
        out.extend(
            index
                .workloads_matching(&service.namespace, selector)
                .filter(|w| {
                    matches!(
                        w.kind,
                        WorkloadKind::Pod | WorkloadKind::PodTemplate | WorkloadKind::WorkloadEntry
                    )
                }),
        );
    }
    if service.source == ServiceSource::ServiceEntry {
        out.extend(index.workloads_in(&service.namespace).filter(|w| {
            w.kind == WorkloadKind::ServiceEntryEndpoint && w.object == service.object
        }));
    }
    out
}

/// The pod templates (Deployments and the like) behind a cluster: istiod
/// takes no endpoints from them, only from their running pods, so offline
/// they say which workloads would serve it.
pub fn template_workloads<'a>(renderer: &Renderer<'a>, key: &ClusterKey) -> Vec<&'a Workload> {
    let Some(service) = renderer.service(&key.host) else {
        return Vec::new();
    };
    let Some(subset) = subset_labels(renderer, key) else {
        return Vec::new();
    };
    service_workloads(renderer, service)
        .into_iter()
        .filter(|w| w.kind == WorkloadKind::PodTemplate && labels_match(&subset, &w.labels))
        .collect()
}

fn locality_of(labels: &BTreeMap<String, String>) -> String {
    if let Some(value) = labels.get("istio-locality") {
        return value.replace('.', "/");
    }
    let get = |k: &str| labels.get(k).cloned().unwrap_or_default();
    let parts = [
        get("topology.kubernetes.io/region"),
        get("topology.kubernetes.io/zone"),
        get("topology.istio.io/subzone"),
    ];
    if parts.iter().all(String::is_empty) {
        String::new()
    } else {
        parts.join("/")
    }
}

fn is_ip(text: &str) -> bool {
    text.parse::<std::net::IpAddr>().is_ok()
}

/// The instances of a service port, each with its labels.
fn instances(
    renderer: &Renderer<'_>,
    service: &Service,
    port: u32,
    notes: &mut Vec<String>,
) -> Vec<Instance> {
    let index = renderer.index;
    let Some(service_port) = service.ports.iter().find(|p| p.port == port) else {
        return Vec::new();
    };
    let object = index.object(service.object);
    if let Spec::ServiceEntry(entry) = &object.spec {
        if matches!(
            entry.resolution,
            Some(ServiceEntryResolution::Dns | ServiceEntryResolution::DnsRoundRobin)
        ) {
            notes.push(format!(
                "endpoints of {}: DNS resolution, which istiod sends to gRPC as no endpoints",
                service.host
            ));
            return Vec::new();
        }
    }
    let mut out: Vec<Instance> = Vec::new();
    for workload in service_workloads(renderer, service) {
        let Some(address) = workload.address.clone().filter(|a| is_ip(a)) else {
            continue;
        };
        let workload_object = index.object(workload.object);
        let mut instance = Instance {
            address,
            port,
            labels: workload.labels.clone(),
            locality: locality_of(&workload.labels),
            weight: 1,
            healthy: true,
            workload_name: workload.name.clone(),
            namespace: workload.namespace.clone(),
        };
        // WorkloadEntry-like specs name ports by the service port name.
        let we_spec = match (&workload_object.spec, workload.kind) {
            (Spec::WorkloadEntry(spec), _) => Some(spec.as_ref()),
            (Spec::ServiceEntry(entry), WorkloadKind::ServiceEntryEndpoint) => workload
                .name
                .rsplit_once('[')
                .and_then(|(_, i)| i.trim_end_matches(']').parse::<usize>().ok())
                .and_then(|i| entry.endpoints.get(i)),
            _ => None,
        };
        let target = service_port.target_port.as_deref();
        match (&workload_object.spec, we_spec) {
            (Spec::Pod(pod), _) => {
                let named = |name: &str| {
                    pod.spec.as_ref().and_then(|s| {
                        s.containers
                            .iter()
                            .flat_map(|c| c.ports.iter().flatten())
                            .find(|p| p.name.as_deref() == Some(name))
                            .and_then(|p| u32::try_from(p.container_port).ok())
                    })
                };
                instance.port = match target {
                    Some(t) => match t.parse() {
                        Ok(n) => n,
                        Err(_) => match named(t) {
                            Some(n) => n,
                            None => continue,
                        },
                    },
                    None => port,
                };
                let status = pod.status.as_ref();
                instance.healthy = !status
                    .and_then(|s| s.conditions.as_ref())
                    .into_iter()
                    .flatten()
                    .any(|c| c.type_ == "Ready" && c.status == "False");
                if pod.metadata.deletion_timestamp.is_some() {
                    continue;
                }
                if let Some(owner) = pod.metadata.owner_references.iter().flatten().next() {
                    instance.workload_name = if owner.kind == "ReplicaSet" {
                        owner
                            .name
                            .rsplit_once('-')
                            .map_or(owner.name.clone(), |(head, _)| head.to_string())
                    } else {
                        owner.name.clone()
                    };
                }
            }
            (_, Some(spec)) => {
                instance.port = service_port
                    .name
                    .as_deref()
                    .and_then(|name| spec.ports.get(name).copied())
                    .or_else(|| target.and_then(|t| t.parse().ok()))
                    .unwrap_or(port);
                instance.weight = spec.weight.filter(|w| *w > 0).unwrap_or(1);
                if let Some(locality) = &spec.locality {
                    instance.locality = locality.clone();
                }
            }
            _ => continue,
        }
        out.push(instance);
    }
    if service.source == ServiceSource::Kubernetes {
        out.extend(slice_instances(renderer, service, port, &out));
    }
    out
}

/// Instances from the service's EndpointSlices not already known from a Pod.
fn slice_instances(
    renderer: &Renderer<'_>,
    service: &Service,
    port: u32,
    known: &[Instance],
) -> Vec<Instance> {
    let index = renderer.index;
    let Some(service_port) = service.ports.iter().find(|p| p.port == port) else {
        return Vec::new();
    };
    let service_name = index.object(service.object).meta.name.clone();
    let mut out = Vec::new();
    for &id in index.endpoint_slices(&service.namespace, &service_name) {
        let Spec::EndpointSlice(slice) = &index.object(id).spec else {
            continue;
        };
        let slice_port = slice.ports.iter().flatten().find(|p| {
            p.name.as_deref().unwrap_or_default()
                == service_port.name.as_deref().unwrap_or_default()
        });
        let Some(target) = slice_port
            .and_then(|p| p.port)
            .and_then(|p| u32::try_from(p).ok())
        else {
            continue;
        };
        for endpoint in &slice.endpoints {
            let Some(address) = endpoint.addresses.first().filter(|a| is_ip(a)) else {
                continue;
            };
            if known
                .iter()
                .any(|k| &k.address == address && k.port == target)
            {
                continue;
            }
            let conditions = endpoint.conditions.as_ref();
            let ready = conditions.and_then(|c| c.ready) != Some(false);
            let terminating = conditions.and_then(|c| c.terminating);
            // istiod takes a not-ready endpoint whose `terminating` is not
            // `false` for a terminating one, which it never sends
            // (`endpointHealthStatus`); only `ready: false, terminating:
            // false` (a pod not ready yet) is UNHEALTHY.
            if terminating == Some(true) || (!ready && terminating != Some(false)) {
                continue;
            }
            let pod = endpoint
                .target_ref
                .as_ref()
                .filter(|r| r.kind.as_deref() == Some("Pod"))
                .and_then(|r| r.name.as_deref())
                .and_then(|name| {
                    index
                        .workloads_in(&service.namespace)
                        .find(|w| w.kind == WorkloadKind::Pod && w.name == name)
                });
            let labels = pod.map(|w| w.labels.clone()).unwrap_or_default();
            let mut locality = locality_of(&labels);
            if locality.is_empty() {
                if let Some(zone) = &endpoint.zone {
                    locality = format!("/{zone}/");
                }
            }
            out.push(Instance {
                address: address.clone(),
                port: target,
                locality,
                weight: 1,
                healthy: ready,
                workload_name: pod.map_or(service_name.clone(), |w| w.name.clone()),
                namespace: service.namespace.clone(),
                labels,
            });
        }
    }
    out
}

fn string_value(text: String) -> ProtoValue {
    ProtoValue {
        kind: Some(value::Kind::StringValue(text)),
    }
}

fn metadata(instance: &Instance) -> Metadata {
    let label = |keys: &[&str], default: &str| {
        keys.iter()
            .find_map(|k| instance.labels.get(*k).cloned())
            .unwrap_or_else(|| default.to_string())
    };
    let canonical = label(
        &[
            "service.istio.io/canonical-name",
            "app.kubernetes.io/name",
            "app",
        ],
        &instance.workload_name,
    );
    let revision = label(
        &[
            "service.istio.io/canonical-revision",
            "app.kubernetes.io/version",
            "version",
        ],
        "latest",
    );
    let mut filter_metadata = HashMap::from([(
        "istio".to_string(),
        Struct {
            fields: HashMap::from([(
                "workload".to_string(),
                string_value(format!(
                    "{};{};{canonical};{revision};{CLUSTER_ID}",
                    instance.workload_name, instance.namespace
                )),
            )]),
        },
    )]);
    if instance
        .labels
        .get(TLS_MODE_LABEL)
        .is_some_and(|m| m != "disabled")
    {
        filter_metadata.insert(
            "envoy.transport_socket_match".into(),
            Struct {
                fields: HashMap::from([("tlsMode".to_string(), string_value("istio".into()))]),
            },
        );
    }
    Metadata {
        filter_metadata,
        ..Default::default()
    }
}

/// The ClusterLoadAssignment for a cluster name (empty when nothing matches).
pub fn load_assignment(
    renderer: &Renderer<'_>,
    name: &str,
    key: &ClusterKey,
    notes: &mut Vec<String>,
) -> ClusterLoadAssignment {
    let mut assignment = ClusterLoadAssignment {
        cluster_name: name.to_string(),
        ..Default::default()
    };
    let Some(service) = renderer.service(&key.host) else {
        return assignment;
    };
    let Some(subset) = subset_labels(renderer, key) else {
        return assignment;
    };
    let sends_unhealthy = super::cds::effective_policy(renderer, &key.host, key.port, &key.subset)
        .sends_unhealthy_endpoints(&renderer.index.istio_release);
    let mut by_locality: BTreeMap<String, Vec<Instance>> = BTreeMap::new();
    for instance in instances(renderer, service, key.port, notes) {
        if (instance.healthy || sends_unhealthy) && labels_match(&subset, &instance.labels) {
            by_locality
                .entry(instance.locality.clone())
                .or_default()
                .push(instance);
        }
    }
    for (locality, mut instances) in by_locality {
        instances.sort_by(|a, b| (&a.address, a.port).cmp(&(&b.address, b.port)));
        instances.dedup_by(|a, b| a.address == b.address && a.port == b.port);
        let mut parts = locality.splitn(3, '/').map(str::to_string);
        // Envoy wants the sum within u32; endpoint weights up to u32::MAX
        // (WorkloadEntry `weight`) would overflow it.
        let weight = instances
            .iter()
            .fold(0u32, |sum, i| sum.saturating_add(i.weight));
        assignment.endpoints.push(LocalityLbEndpoints {
            locality: Some(Locality {
                region: parts.next().unwrap_or_default(),
                zone: parts.next().unwrap_or_default(),
                sub_zone: parts.next().unwrap_or_default(),
            }),
            lb_endpoints: instances
                .iter()
                .map(|i| LbEndpoint {
                    host_identifier: Some(lb_endpoint::HostIdentifier::Endpoint(Endpoint {
                        address: Some(socket_address(&i.address, i.port)),
                        ..Default::default()
                    })),
                    health_status: if i.healthy {
                        HealthStatus::Healthy as i32
                    } else {
                        HealthStatus::Unhealthy as i32
                    },
                    metadata: Some(metadata(i)),
                    load_balancing_weight: Some(UInt32Value { value: i.weight }),
                })
                .collect(),
            load_balancing_weight: Some(UInt32Value { value: weight }),
            ..Default::default()
        });
    }
    assignment
}

/// One line for `-o table`.
pub fn summary(assignment: &ClusterLoadAssignment) -> String {
    let addresses: Vec<String> = assignment
        .endpoints
        .iter()
        .flat_map(|l| &l.lb_endpoints)
        .filter_map(|e| match &e.host_identifier {
            Some(lb_endpoint::HostIdentifier::Endpoint(endpoint)) => {
                Some((endpoint.address.as_ref()?, e.health_status))
            }
            _ => None,
        })
        .filter_map(|(a, health)| match &a.address {
            Some(envoy_types::pb::envoy::config::core::v3::address::Address::SocketAddress(s)) => {
                let address = match &s.port_specifier {
                    Some(envoy_types::pb::envoy::config::core::v3::socket_address::PortSpecifier::PortValue(p)) => {
                        super::names::join_host_port(&s.address, *p)
                    }
                    _ => s.address.clone(),
                };
                Some(match HealthStatus::try_from(health) {
                    Ok(HealthStatus::Healthy) | Err(_) => address,
                    Ok(other) => format!("{address}({})", other.as_str_name()),
                })
            }
            _ => None,
        })
        .collect();
    if addresses.is_empty() {
        return "no endpoints".into();
    }
    format!("{} endpoints: {}", addresses.len(), addresses.join(" "))
}
