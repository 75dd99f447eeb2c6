//! How a config change changes what a client receives: rendered resources
//! compared one by one, as unified diffs of their JSON.

use std::collections::BTreeMap;

use similar::TextDiff;

use super::json::{any_to_json, JsonError};
use super::{NamedResource, ResourceType};

/// Pretty JSON of each resource, keyed by type and name.
fn texts(
    resources: &[NamedResource],
) -> Result<BTreeMap<(ResourceType, String), String>, JsonError> {
    resources
        .iter()
        .map(|r| {
            let json = any_to_json(&r.any)?;
            let text = serde_json::to_string_pretty(&json).unwrap_or_default() + "\n";
            Ok(((r.kind, r.name.clone()), text))
        })
        .collect()
}

/// Unified diffs, one per resource that was added, removed or changed;
/// empty when the two renders are equal.
pub fn diff(old: &[NamedResource], new: &[NamedResource]) -> Result<String, JsonError> {
    let old = texts(old)?;
    let new = texts(new)?;
    let mut keys: Vec<&(ResourceType, String)> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = String::new();
    for key in keys {
        let (kind, name) = key;
        let before = old.get(key).map_or("", String::as_str);
        let after = new.get(key).map_or("", String::as_str);
        if before == after {
            continue;
        }
        let label = format!("{}/{name}", kind.short_name());
        let text = unified(
            &label,
            old.contains_key(key).then_some(before),
            new.contains_key(key).then_some(after),
        );
        out.push_str(&text);
    }
    Ok(out)
}

/// One resource's unified diff with git-style `a/LABEL` / `b/LABEL`
/// headers; a side that does not exist (`None`) is `/dev/null`.
pub fn unified(label: &str, before: Option<&str>, after: Option<&str>) -> String {
    let old_label = before.map_or_else(|| "/dev/null".into(), |_| format!("a/{label}"));
    let new_label = after.map_or_else(|| "/dev/null".into(), |_| format!("b/{label}"));
    TextDiff::from_lines(before.unwrap_or(""), after.unwrap_or(""))
        .unified_diff()
        .context_radius(3)
        .header(&old_label, &new_label)
        .to_string()
}
