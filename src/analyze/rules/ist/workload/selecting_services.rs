//! The Kubernetes Services that select a workload controller's pods, for the
//! rules comparing their ports (istioctl's `deployment.MultiServiceAnalyzer`).

use k8s_openapi::api::core::v1::{PodTemplateSpec, ServicePort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::analyze::rules::ist::injection::lookup::Injection;
use crate::index::{pod_template, Index, ServiceSource, WorkloadKind};
use crate::model::{Object, Spec};
use crate::source::FieldPath;

/// A workload controller in the mesh and the Services selecting its pods.
pub(super) struct Selected<'a> {
    pub object: &'a Object,
    pub template: &'a PodTemplateSpec,
    /// Kubernetes Services of the same namespace, sorted by name.
    pub services: Vec<(&'a str, &'a [ServicePort])>,
}

impl Selected<'_> {
    /// `deployment`, `statefulset`...: how the message names the workload.
    pub fn kind_word(&self) -> String {
        self.object.kind().to_ascii_lowercase()
    }

    /// The pod template's labels, which the Services select on.
    pub fn labels_path(&self) -> FieldPath {
        crate::semantics::workload::pod_metadata_path(self.object).field("labels")
    }

    /// A Service port's targetPort as a number where the pod template names it
    /// (`http` → the containerPort named `http`); an unset targetPort is the port.
    pub fn target_port(&self, port: &ServicePort) -> String {
        match &port.target_port {
            None => port.port.to_string(),
            Some(IntOrString::Int(0)) => port.port.to_string(),
            Some(IntOrString::Int(n)) => n.to_string(),
            Some(IntOrString::String(name)) => self
                .template
                .spec
                .iter()
                .flat_map(|spec| &spec.containers)
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| p.name.as_deref() == Some(name.as_str()))
                .map_or_else(|| name.clone(), |p| p.container_port.to_string()),
        }
    }
}

/// Workload controllers (Deployments, StatefulSets...) whose pods are in the
/// mesh, other than waypoints, with the Services that select them.
pub(super) fn selected(index: &Index) -> Vec<Selected<'_>> {
    let injection = Injection::new(index);
    let mut found = Vec::new();
    for workload in index.workloads() {
        if workload.kind != WorkloadKind::PodTemplate {
            continue;
        }
        let object = index.object(workload.object);
        if object
            .meta
            .labels
            .get("gateway.istio.io/managed")
            .is_some_and(|v| v == "istio.io-mesh-controller")
        {
            continue;
        }
        let Some(template) = pod_template(&object.spec) else {
            continue;
        };
        let Some(spec) = &template.spec else { continue };
        if !injection.in_mesh(
            &workload.namespace,
            &workload.labels,
            &workload.annotations,
            spec,
        ) {
            continue;
        }
        let mut services: Vec<(&str, &[ServicePort])> = index
            .services_selecting(workload)
            .filter(|s| s.source == ServiceSource::Kubernetes)
            .filter_map(|s| {
                let service = index.object(s.object);
                let Spec::Service(typed) = &service.spec else {
                    return None;
                };
                let ports = typed.spec.as_ref()?.ports.as_deref().unwrap_or_default();
                Some((service.meta.name.as_str(), ports))
            })
            .collect();
        services.sort_by_key(|(name, _)| *name);
        found.push(Selected {
            object,
            template,
            services,
        });
    }
    found
}
