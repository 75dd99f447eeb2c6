//! `image: auto` proxies: containers named `istio-proxy` whose image the
//! injector fills in, which only works if the injector sees the pod.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;

use super::lookup::{inject_switch, parse_go_bool, Injection};
use crate::index::Index;
use crate::model::webhook;
use crate::source::FieldPath;

/// The index of the `istio-proxy` container with `image: auto`, if any.
pub(super) fn auto_image(spec: &PodSpec) -> Option<usize> {
    spec.containers
        .iter()
        .position(|c| c.name == "istio-proxy" && c.image.as_deref() == Some("auto"))
}

/// The path of that container's image under a pod spec at `spec`.
pub(super) fn image_path(spec: FieldPath, container: usize) -> FieldPath {
    spec.field("containers").index(container).field("image")
}

/// Whether no injector will fill in the proxy of a pod in `namespace` with
/// these labels. With Istio injector webhooks (named `*istio.io`) among the
/// inputs, as the API server decides it: no webhook's namespace and object
/// selectors both match. Without them, as the injection labels decide it,
/// reporting only what is known: the pod opts out, or its namespace is
/// declared and not enabled for injection.
pub(super) fn not_injected(
    index: &Index,
    injection: &Injection<'_>,
    namespace: &str,
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
) -> bool {
    let hooks: Vec<webhook::Webhook> = index
        .objects
        .iter()
        .filter(|o| webhook::is_mutating(o))
        .flat_map(webhook::webhooks)
        .filter(|w| w.name.ends_with("istio.io"))
        .collect();
    if !hooks.is_empty() {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        let namespace_labels = index
            .namespace(namespace)
            .filter(|info| info.object.is_some())
            .map_or(&NONE, |info| &info.labels);
        return !hooks.iter().any(|w| {
            webhook::selector_matches(w.namespace_selector.as_ref(), namespace_labels)
                && webhook::selector_matches(w.object_selector.as_ref(), labels)
        });
    }
    match inject_switch(labels, annotations).and_then(parse_go_bool) {
        Some(switch) => !switch,
        None => {
            index
                .namespace(namespace)
                .is_some_and(|info| info.object.is_some())
                && !injection.namespace_injects(namespace)
        }
    }
}
