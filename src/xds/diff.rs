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
        let old_label = if old.contains_key(key) {
            format!("a/{label}")
        } else {
            "/dev/null".into()
        };
        let new_label = if new.contains_key(key) {
            format!("b/{label}")
        } else {
            "/dev/null".into()
        };
        let text = TextDiff::from_lines(before, after)
            .unified_diff()
            .context_radius(3)
            .header(&old_label, &new_label)
            .to_string();
        out.push_str(&text);
    }
    Ok(out)
}
