//! Rules on injection config: namespaces' injection labels and pods missing
//! their proxy.

pub(crate) mod lookup;
mod namespace_injected_by_default;
mod namespace_multiple_injection_labels;
mod namespace_not_injected;
mod pod_missing_proxy;

use crate::analyze::registry::Rule;
use crate::index::Index;
use crate::model::Object;
use crate::source::FieldPath;

pub static RULES: &[&Rule] = &[
    &namespace_not_injected::RULE,
    &pod_missing_proxy::RULE,
    &namespace_multiple_injection_labels::RULE,
    &namespace_injected_by_default::RULE,
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

/// Runs one rule over a file and returns its findings as
/// (code, origin, line, field path, message), in source order.
#[cfg(test)]
pub(crate) fn run_rule(
    rule: &str,
    file: &str,
    text: &str,
) -> Vec<(String, String, u32, String, String)> {
    let loaded =
        crate::load::load_files(vec![crate::source::SourceFile::new(file, text.to_string())]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let index = crate::index::Index::build(loaded.objects, Default::default());
    let mut found: Vec<_> = crate::analyze::analyze(
        &index,
        &crate::analyze::Selection {
            select: vec![rule.into()],
            ignore: vec![],
        },
    )
    .into_iter()
    .map(|d| {
        (
            d.code.to_string(),
            d.origin.map(|o| o.to_string()).unwrap_or_default(),
            d.pos.map_or(0, |p| p.line),
            d.field.map(|f| f.to_string()).unwrap_or_default(),
            d.message,
        )
    })
    .collect();
    found.sort_by(|a, b| (a.2, &a.1, &a.3).cmp(&(b.2, &b.1, &b.3)));
    found
}
