//! Which workloads each Sidecar selects, computed once per rule.

use std::collections::BTreeMap;

use crate::analyze::rules::ist::authorization_policy::in_mesh::{selectable, Selectable};
use crate::index::{labels_match, Index, DEFAULT_NAMESPACE};
use crate::model::{Object, Spec};
use crate::source::FieldPath;

/// A Sidecar and what it applies to.
pub(super) struct SidecarSelection<'a> {
    pub object: &'a Object,
    pub namespace: &'a str,
    /// `workloadSelector.labels`; `None` when absent or empty (namespace-wide).
    pub selector: Option<&'a BTreeMap<String, String>>,
    /// Workloads in its namespace that the selector matches (empty without one).
    pub selected: Vec<usize>,
}

/// Every Sidecar with the workloads it selects, as indexes into `workloads`.
pub(super) fn sidecars<'a>(
    index: &'a Index,
    workloads: &[Selectable<'a>],
) -> Vec<SidecarSelection<'a>> {
    index
        .objects
        .iter()
        .filter_map(|object| {
            let Spec::Sidecar(sidecar) = &object.spec else {
                return None;
            };
            let namespace = object.namespace_or(DEFAULT_NAMESPACE);
            let selector = sidecar
                .workload_selector
                .as_ref()
                .map(|s| &s.labels)
                .filter(|labels| !labels.is_empty());
            let selected = selector.map_or_else(Vec::new, |labels| {
                workloads
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| w.namespace == namespace && labels_match(labels, &w.labels))
                    .map(|(i, _)| i)
                    .collect()
            });
            Some(SidecarSelection {
                object,
                namespace,
                selector,
                selected,
            })
        })
        .collect()
}

/// The workloads a selector may match: Pods, pod templates, WorkloadEntries.
pub(super) fn workloads(index: &Index) -> Vec<Selectable<'_>> {
    selectable(index)
}

pub(super) fn selector_path() -> FieldPath {
    FieldPath::root()
        .field("spec")
        .field("workloadSelector")
        .field("labels")
}

/// Go's `%v` of a list of names: `[a b]`.
pub(super) fn go_list(names: &[&str]) -> String {
    format!("[{}]", names.join(" "))
}
