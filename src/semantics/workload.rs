//! What runs in a workload: its pod spec, the containers that serve ports,
//! and the container ports Services target — the facts istiod takes from
//! the pod (through the endpoints) to build a server's listeners.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec};

use crate::index::{labels_match, Index, Service, ServicePort};
use crate::model::{Object, Spec};
use crate::source::FieldPath;

/// The pod spec of a Pod or of a workload controller's pod template.
pub fn pod_spec(object: &Object) -> Option<&PodSpec> {
    match &object.spec {
        Spec::Pod(pod) => pod.spec.as_ref(),
        spec => crate::index::pod_template(spec).and_then(|t| t.spec.as_ref()),
    }
}

/// Where a workload's pod metadata sits in its object: `metadata` for a
/// Pod, the pod template's for a controller (a CronJob's is in its job
/// template).
pub fn pod_metadata_path(object: &Object) -> FieldPath {
    let spec = FieldPath::root().field("spec");
    let template = match &object.spec {
        Spec::Pod(_) => return FieldPath::root().field("metadata"),
        Spec::CronJob(_) => spec.field("jobTemplate").field("spec").field("template"),
        _ => spec.field("template"),
    };
    template.field("metadata")
}

/// The containers whose ports a Service can target: the app containers and
/// native sidecars (init containers that keep running).
pub fn serving_containers(spec: &PodSpec) -> impl Iterator<Item = &Container> {
    spec.containers.iter().chain(
        spec.init_containers
            .iter()
            .flatten()
            .filter(|c| c.restart_policy.as_deref() == Some("Always")),
    )
}

/// The container ports of a pod spec: (name, number).
pub fn container_ports(spec: &PodSpec) -> Vec<(Option<String>, u32)> {
    serving_containers(spec)
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| Some((p.name.clone(), u32::try_from(p.container_port).ok()?)))
        .collect()
}

/// The container port a Service `targetPort` (a number, or the name of a
/// container port) names; a name no container declares names none.
pub fn resolve_target_port(target: &str, ports: &[(Option<String>, u32)]) -> Option<u32> {
    target.parse().ok().or_else(|| {
        ports
            .iter()
            .find(|(name, _)| name.as_deref() == Some(target))
            .map(|(_, number)| *number)
    })
}

/// One port a workload serves: a port of a Service that selects it, and the
/// container port it targets.
#[derive(Debug, Clone, Copy)]
pub struct ServedPort<'a> {
    /// The container port (the Service's `targetPort`, else its `port`).
    pub target: u32,
    pub service: &'a Service,
    /// Where the port is in `service.ports`.
    pub position: usize,
}

impl<'a> ServedPort<'a> {
    pub fn port(&self) -> &'a ServicePort {
        &self.service.ports[self.position]
    }
}

/// The ports of every Service selecting a workload in `namespace` with
/// `labels` and `container_ports` (spec §2.3: a server Listener exists only
/// for these), by Service host.
pub fn served_ports<'a>(
    index: &'a Index,
    namespace: &str,
    labels: &BTreeMap<String, String>,
    container_ports: &[(Option<String>, u32)],
) -> Vec<ServedPort<'a>> {
    let mut services: Vec<&Service> = index
        .services_in(namespace)
        .filter(|s| {
            s.selector
                .as_ref()
                .is_some_and(|sel| !sel.is_empty() && labels_match(sel, labels))
        })
        .collect();
    services.sort_by(|a, b| a.host.cmp(&b.host));
    let mut served = Vec::new();
    for service in services {
        for (position, port) in service.ports.iter().enumerate() {
            let target = match &port.target_port {
                Some(target) => resolve_target_port(target, container_ports),
                None => Some(port.port),
            };
            if let Some(target) = target {
                served.push(ServedPort {
                    target,
                    service,
                    position,
                });
            }
        }
    }
    served
}
