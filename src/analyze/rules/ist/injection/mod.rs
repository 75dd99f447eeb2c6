//! Rules on injection config: namespaces' injection labels and pods missing
//! their proxy.

mod image_auto;
mod image_auto_deployment;
mod image_auto_pod;
pub(crate) mod lookup;
mod namespace_injected_by_default;
mod namespace_multiple_injection_labels;
mod namespace_not_injected;
mod pod_missing_proxy;
mod proxy_image_mismatch;

use crate::analyze::registry::Rule;
use crate::index::Index;
use crate::model::Object;
use crate::source::FieldPath;

pub static RULES: &[&Rule] = &[
    &namespace_not_injected::RULE,
    &pod_missing_proxy::RULE,
    &namespace_multiple_injection_labels::RULE,
    &namespace_injected_by_default::RULE,
    &image_auto_deployment::RULE,
    &image_auto_pod::RULE,
    &proxy_image_mismatch::RULE,
];

/// Declared Namespace objects the injection rules look at (system namespaces aside).
fn user_namespaces(index: &Index) -> impl Iterator<Item = (&str, &Object)> {
    index.namespaces().filter_map(move |(name, info)| {
        let id = info.object?;
        (!lookup::is_system_namespace(index, name)).then(|| (name, index.object(id)))
    })
}

/// Where a namespace finding points: its labels, or its name when it has none.
fn labels_path(object: &Object) -> FieldPath {
    let metadata = FieldPath::root().field("metadata");
    if object.meta.labels.is_empty() {
        metadata.field("name")
    } else {
        metadata.field("labels")
    }
}

#[cfg(test)]
pub(crate) use crate::analyze::testing::run_rule;
