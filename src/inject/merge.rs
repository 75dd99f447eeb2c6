//! Strategic merge patch on a Pod, as Kubernetes' `strategicpatch` applies
//! it: maps merge, `null` deletes, lists of objects with a merge key
//! (containers by `name`, volume mounts by `mountPath`, ...) merge item by
//! item, other lists are replaced, and `$patch: replace|delete` directives
//! are honoured. Item order follows `normalizeElementOrder`: patch items in
//! patch order, with items only in the original slotted back by their
//! original order.

use serde_json::{Map, Value as Json};

/// The merge key of a Pod list field, by field name.
fn merge_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims"
        | "schedulingGates"
        | "claims" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "ports" => "containerPort",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "ownerReferences" => "uid",
        _ => return None,
    })
}

/// Applies `patch` to `target` in place.
pub fn apply(target: &mut Json, patch: &Json) {
    merge_value(target, patch, "");
}

fn merge_value(target: &mut Json, patch: &Json, field: &str) {
    match (target, patch) {
        (Json::Object(target), Json::Object(patch)) => merge_map(target, patch),
        (Json::Array(target), Json::Array(patch)) if merge_key(field).is_some() => {
            let key = merge_key(field).unwrap_or("name");
            let merged = merge_list(std::mem::take(target), patch, key);
            *target = merged;
        }
        (target, patch) => *target = without_directives(patch),
    }
}

fn merge_map(target: &mut Map<String, Json>, patch: &Map<String, Json>) {
    if patch.get("$patch").and_then(Json::as_str) == Some("replace") {
        *target = match without_directives(&Json::Object(patch.clone())) {
            Json::Object(map) => map,
            _ => Map::new(),
        };
        return;
    }
    for (key, value) in patch {
        if key.starts_with('$') {
            continue;
        }
        if value.is_null() {
            target.remove(key);
            continue;
        }
        match target.get_mut(key) {
            Some(existing) if existing.is_object() && value.is_object() => {
                merge_value(existing, value, key)
            }
            Some(existing) if existing.is_array() && value.is_array() => {
                merge_value(existing, value, key)
            }
            _ => {
                target.insert(key.clone(), without_directives(value));
            }
        }
    }
}

fn key_of<'a>(item: &'a Json, key: &str) -> Option<&'a Json> {
    item.as_object()?.get(key)
}

fn merge_list(original: Vec<Json>, patch: &[Json], key: &str) -> Vec<Json> {
    // `{"$patch": "replace"}` as an item replaces the whole list.
    if patch
        .iter()
        .any(|i| i.get("$patch").and_then(Json::as_str) == Some("replace"))
    {
        return patch
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .map(without_directives)
            .collect();
    }
    let mut merged = original.clone();
    let mut patch_keys: Vec<Json> = Vec::new();
    for item in patch {
        let Some(id) = key_of(item, key) else {
            // Without its merge key an item cannot be matched; add it as is.
            merged.push(without_directives(item));
            continue;
        };
        if item.get("$patch").and_then(Json::as_str) == Some("delete") {
            merged.retain(|m| key_of(m, key) != Some(id));
            continue;
        }
        match merged.iter_mut().find(|m| key_of(m, key) == Some(id)) {
            Some(existing) => merge_value(existing, item, ""),
            None => merged.push(without_directives(item)),
        }
        if !patch_keys.contains(id) {
            patch_keys.push(id.clone());
        }
    }
    // Order: patch items in patch order; original-only items slotted in by
    // their original position (`mergeSortedSlice`).
    let position_in_original = |item: &Json| -> Option<usize> {
        let id = key_of(item, key)?;
        original.iter().position(|o| key_of(o, key) == Some(id))
    };
    let (patch_items, server_only): (Vec<Json>, Vec<Json>) = merged
        .into_iter()
        .partition(|m| key_of(m, key).is_some_and(|id| patch_keys.contains(id)));
    let mut patch_items_ordered: Vec<Json> = Vec::with_capacity(patch_items.len());
    for id in &patch_keys {
        if let Some(item) = patch_items.iter().find(|m| key_of(m, key) == Some(id)) {
            patch_items_ordered.push(item.clone());
        }
    }
    let mut out = Vec::with_capacity(patch_items_ordered.len() + server_only.len());
    let (mut i, mut j) = (0, 0);
    while i < server_only.len() || j < patch_items_ordered.len() {
        if i >= server_only.len() {
            out.push(patch_items_ordered[j].clone());
            j += 1;
        } else if j >= patch_items_ordered.len() {
            out.push(server_only[i].clone());
            i += 1;
        } else {
            let left = position_in_original(&server_only[i]);
            let right = position_in_original(&patch_items_ordered[j]);
            match (left, right) {
                (Some(l), Some(r)) if l < r => {
                    out.push(server_only[i].clone());
                    i += 1;
                }
                _ => {
                    out.push(patch_items_ordered[j].clone());
                    j += 1;
                }
            }
        }
    }
    out
}

/// A patch value as it lands in the result: directives removed.
fn without_directives(value: &Json) -> Json {
    match value {
        Json::Object(map) => Json::Object(
            map.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), without_directives(v)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(without_directives).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_merge_by_name_and_new_patch_items_come_first() {
        let mut pod = json!({"spec": {"containers": [{"name": "app", "image": "a"}], "volumes": [{"name": "data"}]}});
        apply(
            &mut pod,
            &json!({"spec": {
            "containers": [{"name": "istio-proxy", "image": "p"}, {"name": "app", "env": [{"name": "X", "value": "1"}]}],
            "volumes": [{"name": "v1"}, {"name": "v2"}]}}),
        );
        assert_eq!(
            pod,
            json!({"spec": {
            "containers": [{"name": "istio-proxy", "image": "p"}, {"name": "app", "image": "a", "env": [{"name": "X", "value": "1"}]}],
            "volumes": [{"name": "v1"}, {"name": "v2"}, {"name": "data"}]}})
        );
    }

    #[test]
    fn original_only_items_keep_their_place_among_matched_ones() {
        let mut list = json!({"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]});
        apply(
            &mut list,
            &json!({"containers": [{"name": "c", "x": 1}, {"name": "a", "x": 2}]}),
        );
        let names: Vec<&str> = list["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        // `mergeSortedSlice`: `b` came before `c` in the original, so it
        // goes ahead of the patch's items from there on.
        assert_eq!(names, vec!["b", "c", "a"]);
    }

    #[test]
    fn null_deletes_and_other_lists_replace() {
        let mut value = json!({"a": 1, "b": {"c": 2}, "args": ["x"]});
        apply(
            &mut value,
            &json!({"a": null, "b": {"d": 3}, "args": ["y", "z"]}),
        );
        assert_eq!(value, json!({"b": {"c": 2, "d": 3}, "args": ["y", "z"]}));
    }

    #[test]
    fn patch_directives() {
        let mut value = json!({"containers": [{"name": "a"}, {"name": "b"}], "m": {"x": 1}});
        apply(
            &mut value,
            &json!({"containers": [{"name": "a", "$patch": "delete"}], "m": {"$patch": "replace", "y": 2}}),
        );
        assert_eq!(value, json!({"containers": [{"name": "b"}], "m": {"y": 2}}));
    }
}
