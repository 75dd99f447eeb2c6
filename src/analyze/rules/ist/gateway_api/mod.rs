//! istioctl's Gateway API analyzers: selectors that cannot reach a
//! Kubernetes Gateway's pods (`k8sgateway.SelectorAnalyzer`), negative
//! conditions already in an object's status (`conditions.ConditionAnalyzer`)
//! and Gateway API CRDs older than Istio reads (`k8sgateway.CRDVersionAnalyzer`).
//!
//! They read the document as written (its position tree), so they apply
//! whether or not mesh types the kind, and to fields the typed model drops
//! (`status`).

mod crd_version_below_minimum;
mod ineffective_selector;
mod negative_condition;

use crate::analyze::registry::Rule;
use crate::model::Object;
use crate::source::node::{Node, Value};

pub static RULES: &[&Rule] = &[
    &ineffective_selector::RULE,
    &negative_condition::RULE,
    &crd_version_below_minimum::RULE,
];

/// The document as written.
fn document(object: &Object) -> Option<&Node> {
    object.doc.file.tree(object.doc.index, object.doc.item)
}

/// The items of a sequence node; none for anything else.
fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}
