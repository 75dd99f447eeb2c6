//! Injection facts the index does not hold yet: whether a namespace is
//! enabled for sidecar injection, what the injector config says, and whether
//! a pod (template) is in the mesh, with or without an `istio-proxy`
//! container. Candidates for the index once other consumers need them.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;
use serde_json::Value as Json;

use crate::analyze::rules::ist::service::protocol::SYSTEM_NAMESPACES;
use crate::index::Index;
use crate::model::Spec;

/// The namespace label of the default injector: `enabled` or `disabled`.
pub(crate) const INJECTION_LABEL: &str = "istio-injection";
/// The namespace label naming a control-plane revision to inject from.
pub(crate) const REVISION_LABEL: &str = "istio.io/rev";
/// The namespace label putting a namespace in ambient mode.
pub(crate) const DATAPLANE_MODE_LABEL: &str = "istio.io/dataplane-mode";
/// The pod label (or, deprecated, annotation) turning injection on or off.
pub(crate) const SIDECAR_INJECT: &str = "sidecar.istio.io/inject";
/// The name of the injected proxy container.
/// The injector ConfigMap of the default revision.
const INJECTOR_CONFIG_MAP: &str = "istio-sidecar-injector";

/// Namespaces the injection rules never report on: Kubernetes' own, and the
/// Istio control plane's.
pub(crate) fn is_system_namespace(index: &Index, name: &str) -> bool {
    SYSTEM_NAMESPACES.contains(&name)
        || name == "istio-system"
        || name == index.mesh_config.root_namespace
}

fn is_ambient(labels: &BTreeMap<String, String>) -> bool {
    labels
        .get(DATAPLANE_MODE_LABEL)
        .is_some_and(|m| m == "ambient")
}

/// A namespace with none of the labels that choose a data plane
/// (`istio-injection`, `istio.io/rev`, `istio.io/dataplane-mode: ambient`).
pub(crate) fn is_unlabeled(labels: &BTreeMap<String, String>) -> bool {
    !labels.contains_key(INJECTION_LABEL)
        && !labels.contains_key(REVISION_LABEL)
        && !is_ambient(labels)
}

/// The data-plane labels a namespace carries, in a fixed order; empty when
/// `istio-injection: disabled` switches injection off whatever else is set.
pub(crate) fn data_plane_labels(labels: &BTreeMap<String, String>) -> Vec<&'static str> {
    if labels.get(INJECTION_LABEL).is_some_and(|v| v == "disabled") {
        return Vec::new();
    }
    let mut found = Vec::new();
    if labels.contains_key(INJECTION_LABEL) {
        found.push(INJECTION_LABEL);
    }
    if labels.contains_key(REVISION_LABEL) {
        found.push(REVISION_LABEL);
    }
    if is_ambient(labels) {
        found.push(DATAPLANE_MODE_LABEL);
    }
    found
}

/// Injection as the inputs configure it; built once per rule run, since the
/// injector config is looked up among all objects.
pub(crate) struct Injection<'a> {
    index: &'a Index,
    by_default: bool,
}

impl<'a> Injection<'a> {
    pub(crate) fn new(index: &'a Index) -> Injection<'a> {
        Injection {
            index,
            by_default: enables_namespaces_by_default(index),
        }
    }

    /// Whether the injector config enables unlabeled namespaces.
    pub(crate) fn by_default(&self) -> bool {
        self.by_default
    }

    /// Whether the injector adds a sidecar to pods of `namespace`: it is
    /// labelled `istio-injection: enabled` or `istio.io/rev`, or it is
    /// unlabeled and the injector config enables namespaces by default.
    /// Undeclared namespaces are unknown, hence not injected.
    pub(crate) fn namespace_injects(&self, namespace: &str) -> bool {
        let Some(info) = self
            .index
            .namespace(namespace)
            .filter(|info| info.object.is_some())
        else {
            return false;
        };
        let labels = &info.labels;
        match labels.get(INJECTION_LABEL).map(String::as_str) {
            Some("enabled") => true,
            Some(_) => false,
            None if labels.contains_key(REVISION_LABEL) => true,
            None => {
                self.by_default
                    && is_unlabeled(labels)
                    && !is_system_namespace(self.index, namespace)
            }
        }
    }

    /// Whether a pod (template) is in the mesh, as istioctl's `util.PodInMesh`
    /// decides it, counting proxyless gRPC pods in: it has a proxy or an xDS
    /// bootstrap, else its own injection switch decides, else its namespace's.
    pub(crate) fn in_mesh(
        &self,
        namespace: &str,
        labels: &BTreeMap<String, String>,
        annotations: &BTreeMap<String, String>,
        spec: &PodSpec,
    ) -> bool {
        if has_istio_proxy(spec) || has_xds_bootstrap(spec) {
            return true;
        }
        if let Some(switch) = inject_switch(labels, annotations).and_then(parse_go_bool) {
            return switch;
        }
        self.namespace_injects(namespace)
    }
}

/// `sidecarInjectorWebhook.enableNamespacesByDefault` from the `values` of the
/// injector ConfigMap (`istio-sidecar-injector`) among the inputs.
fn enables_namespaces_by_default(index: &Index) -> bool {
    index.objects.iter().any(|object| {
        let Spec::ConfigMap(map) = &object.spec else {
            return false;
        };
        if object.meta.name != INJECTOR_CONFIG_MAP {
            return false;
        }
        let Some(values) = map.data.as_ref().and_then(|d| d.get("values")) else {
            return false;
        };
        // The values are JSON in practice; YAML (a superset) is read too.
        let parsed: Option<Json> = serde_json::from_str(values).ok().or_else(|| {
            crate::source::yaml::parse_values(values)
                .documents
                .into_iter()
                .next()
                .and_then(|d| d.root)
        });
        parsed
            .as_ref()
            .and_then(|v| v.get("sidecarInjectorWebhook"))
            .and_then(|v| v.get("enableNamespacesByDefault"))
            .and_then(Json::as_bool)
            .unwrap_or(false)
    })
}

pub(crate) use crate::model::pod::{
    has_istio_proxy, has_xds_bootstrap, is_proxyless, parse_go_bool,
};

/// The pod's own injection switch: the `sidecar.istio.io/inject` label, else
/// the deprecated annotation, as written.
pub(crate) fn inject_switch<'a>(
    labels: &'a BTreeMap<String, String>,
    annotations: &'a BTreeMap<String, String>,
) -> Option<&'a str> {
    labels
        .get(SIDECAR_INJECT)
        .or_else(|| annotations.get(SIDECAR_INJECT))
        .map(String::as_str)
}
