//! istioctl's Gateway API analyzers: selectors that cannot reach a
//! Kubernetes Gateway's pods (`k8sgateway.SelectorAnalyzer`), negative
//! conditions already in an object's status (`conditions.ConditionAnalyzer`)
//! and Gateway API CRDs older than Istio reads (`k8sgateway.CRDVersionAnalyzer`).
//!
//! They read the document as written (its position tree), so they apply
//! whether or not mesh types the kind, and to fields the typed model drops
//! (`status`).

mod crd_version_below_minimum;
mod crd_version_future_unsupported;
mod crd_version_unsupported;
mod ineffective_selector;
mod negative_condition;

use crate::analyze::registry::Rule;
use crate::model::Object;
use crate::source::node::{Node, Value};

pub static RULES: &[&Rule] = &[
    &ineffective_selector::RULE,
    &negative_condition::RULE,
    &crd_version_below_minimum::RULE,
    &crd_version_unsupported::RULE,
    &crd_version_future_unsupported::RULE,
];

/// A Gateway API CustomResourceDefinition among the inputs: the kind it
/// defines and the versions it serves (sorted), as `istioctl x precheck`
/// reads them.
fn gateway_api_crd(object: &Object) -> Option<(&str, Vec<&str>)> {
    if (object.group(), object.kind()) != ("apiextensions.k8s.io", "CustomResourceDefinition") {
        return None;
    }
    let spec = object.doc.raw.get("spec")?;
    if spec.get("group")?.as_str()? != "gateway.networking.k8s.io" {
        return None;
    }
    let kind = spec.pointer("/names/kind")?.as_str()?;
    let mut served: Vec<&str> = spec
        .get("versions")?
        .as_array()?
        .iter()
        .filter(|v| v.get("served").and_then(|s| s.as_bool()) == Some(true))
        .filter_map(|v| v.get("name")?.as_str())
        .collect();
    served.sort_unstable();
    served.dedup();
    Some((kind, served))
}

/// precheck's message when a CRD does not serve `wanted` among `kinds`:
/// the finding at `spec.versions`.
fn report_unserved(
    context: &crate::analyze::Context<'_>,
    findings: &mut crate::analyze::Findings,
    kinds: &[&str],
    wanted: &str,
) {
    for object in &context.index.objects {
        let Some((kind, served)) = gateway_api_crd(object) else {
            continue;
        };
        if !kinds.contains(&kind) || served.contains(&wanted) {
            continue;
        }
        let has = if served.is_empty() {
            "none".to_string()
        } else {
            served.join(",")
        };
        findings.report(
            object,
            &crate::source::FieldPath::root()
                .field("spec")
                .field("versions"),
            format!(
                "The Gateway API CRD version {has} is lower than the minimum version: {wanted}"
            ),
        );
    }
}

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
