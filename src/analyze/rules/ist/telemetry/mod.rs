//! Rules on Telemetry resources: what their selectors select, namespace
//! defaults, access-log and tracing providers.

mod conflicting_selectors;
mod empty_providers;
mod lightstep;
mod multiple_without_selector;
mod selector_not_found;

use std::collections::BTreeMap;

use crate::analyze::registry::Rule;
use crate::analyze::rules::ist::authorization_policy::in_mesh::{selectable, Selectable};
use crate::index::{labels_match, Index, DEFAULT_NAMESPACE};
use crate::model::Object;
use crate::semantics::telemetry::{attachment, is_telemetry, Attachment};

pub static RULES: &[&Rule] = &[
    &selector_not_found::RULE,
    &conflicting_selectors::RULE,
    &multiple_without_selector::RULE,
    &empty_providers::RULE,
    &lightstep::RULE,
];

/// A Telemetry and how it attaches.
struct Telemetry<'a> {
    object: &'a Object,
    namespace: &'a str,
    attachment: Attachment,
}

fn telemetries(index: &Index) -> impl Iterator<Item = Telemetry<'_>> {
    index
        .objects
        .iter()
        .filter(|object| is_telemetry(object))
        .map(|object| Telemetry {
            object,
            namespace: object.namespace_or(DEFAULT_NAMESPACE),
            attachment: attachment(object),
        })
}

/// Telemetries with a selector, with the workloads of their namespace it
/// matches, as indexes into `workloads`.
fn selecting<'a>(
    index: &'a Index,
    workloads: &[Selectable<'a>],
) -> Vec<(Telemetry<'a>, BTreeMap<String, String>, Vec<usize>)> {
    telemetries(index)
        .filter_map(|telemetry| {
            let Attachment::Selector(labels) = &telemetry.attachment else {
                return None;
            };
            let labels = labels.clone();
            let selected = workloads
                .iter()
                .enumerate()
                .filter(|(_, w)| {
                    w.namespace == telemetry.namespace && labels_match(&labels, &w.labels)
                })
                .map(|(i, _)| i)
                .collect();
            Some((telemetry, labels, selected))
        })
        .collect()
}

/// The workloads a selector may match: Pods, pod templates, WorkloadEntries.
fn workloads(index: &Index) -> Vec<Selectable<'_>> {
    selectable(index)
}

/// Go's `%v` of a list of names: `[a b]`.
fn go_list(names: &[&str]) -> String {
    format!("[{}]", names.join(" "))
}

#[cfg(test)]
mod testing {
    use crate::model::MeshConfig;

    /// A mesh config with `key` set to the JSON `value`.
    pub(super) fn mesh_config_with(key: &str, value: serde_json::Value) -> MeshConfig {
        let mut config = MeshConfig::default();
        config.other.insert(key.to_string(), value);
        config
    }
}
