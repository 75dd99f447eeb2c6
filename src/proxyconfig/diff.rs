//! What a running client holds (a [`Dump`]) against what `mesh xds render`
//! says it should hold, resource by resource.
//!
//! Only names the client holds or asked for are compared: the intended
//! render walks every service port, and a client asks only for the
//! listeners of its targets and what those name. Both sides are brought to
//! the same canonical JSON (parsed into the Envoy protos and written back),
//! so casing, field order and number formats do not count as differences.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::{Dump, Resource, ResourceKind};
use crate::index::Index;
use crate::xds::json::{any_to_json, json_to_any};
use crate::xds::names::{ListenerName, SERVER_LISTENER_PREFIX};
use crate::xds::render::RenderOptions;
use crate::xds::{NamedResource, Proxy, ResourceType, WorkloadRef, XdsError};

/// What the comparison found.
#[derive(Debug, Default)]
pub struct Comparison {
    /// `only live: …`, `only intended: …` lines and unified diffs (`a/` is
    /// live, `b/` intended); empty when the two agree.
    pub report: String,
    /// How many (type, name) pairs were compared.
    pub compared: usize,
    /// How many of them differ.
    pub differences: usize,
    /// The first that differs, `TYPE/NAME` (`rds/…`), in the report's order.
    pub first_difference: Option<String>,
}

/// The node of the first CSDS client config (gRPC reports the same node
/// for every target).
fn node(raw: &Json) -> Option<&Json> {
    raw.get("config")?.as_array()?.first()?.get("node")
}

/// The node id the client reports (`sidecar~IP~POD.NS~NS.svc.DOMAIN`).
pub fn node_id(dump: &Dump) -> Option<String> {
    node(&dump.raw)?.get("id")?.as_str().map(str::to_string)
}

/// `node.metadata.LABELS`, for a pod that is in no manifest.
fn node_labels(raw: &Json) -> Option<BTreeMap<String, String>> {
    crate::model::string_map(node(raw)?.get("metadata")?.get("LABELS")?)
}

/// What `mesh xds render` gives the workload `reference` (the client's
/// own node id where the caller has no other) for the listeners the
/// client asked for: the intended config to compare a dump with.
pub fn intended(
    index: &Index,
    dump: &Dump,
    reference: &WorkloadRef,
) -> Result<Vec<NamedResource>, XdsError> {
    let labels = node_labels(&dump.raw);
    let proxy = Proxy::find(index, reference, labels.as_ref())?;
    let (targets, server_address) = render_targets(dump);
    let options = RenderOptions {
        targets,
        server_address,
    };
    Ok(crate::xds::render(index, &proxy, &options)?.packed(&ResourceType::ALL))
}

/// The listener names to render for: the client listeners the client asked
/// for (gRPC asks by target), and the address its server listeners use.
pub fn render_targets(dump: &Dump) -> (Vec<String>, Option<String>) {
    let mut targets = BTreeSet::new();
    let mut server_address = None;
    for resource in dump
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Listener)
    {
        match ListenerName::parse(&resource.name) {
            Ok(ListenerName::Server { address, .. }) => {
                server_address.get_or_insert(address);
            }
            // A name the renderer cannot parse is reported as "only live".
            Ok(_) if !resource.name.starts_with(SERVER_LISTENER_PREFIX) => {
                targets.insert(resource.name.clone());
            }
            _ => {}
        }
    }
    (targets.into_iter().collect(), server_address)
}

fn resource_type(kind: &ResourceKind) -> Option<ResourceType> {
    match kind {
        ResourceKind::Listener => Some(ResourceType::Listener),
        ResourceKind::Route => Some(ResourceType::Route),
        ResourceKind::Cluster => Some(ResourceType::Cluster),
        ResourceKind::Endpoint => Some(ResourceType::Endpoint),
        _ => None,
    }
}

/// Canonical pretty JSON of a live resource: parsed into its proto and
/// written back as `mesh xds render` writes it; JSON we have no descriptor
/// for is compared as written, keys sorted.
fn canonical_live(config: &Json) -> String {
    let value = json_to_any(config)
        .ok()
        .and_then(|any| any_to_json(&any).ok())
        .unwrap_or_else(|| sorted(config.clone()));
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

fn sorted(value: Json) -> Json {
    match value {
        Json::Object(map) => {
            let entries: BTreeMap<String, Json> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Json::Object(entries.into_iter().collect())
        }
        Json::Array(items) => Json::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Compares the live resources (already filtered by the caller) with the
/// intended ones.
pub fn compare(
    live: &[&Resource],
    intended: &[NamedResource],
) -> Result<Comparison, crate::xds::json::JsonError> {
    let mut intended_texts: BTreeMap<(ResourceType, &str), String> = BTreeMap::new();
    for resource in intended {
        let json = any_to_json(&resource.any)?;
        let text = serde_json::to_string_pretty(&json).unwrap_or_default() + "\n";
        intended_texts.insert((resource.kind, resource.name.as_str()), text);
    }
    // Every copy the client holds, per name: gRPC keeps one xDS client per
    // target, so the same cluster may be held in several scopes.
    let mut held: BTreeMap<(ResourceType, &str), Vec<&Resource>> = BTreeMap::new();
    for resource in live {
        if let Some(kind) = resource_type(&resource.kind) {
            held.entry((kind, resource.name.as_str()))
                .or_default()
                .push(resource);
        }
    }
    let mut comparison = Comparison::default();
    for ((kind, name), copies) in &held {
        comparison.compared += 1;
        let label = format!("{}/{name}", kind.short_name());
        let intended = intended_texts.get(&(*kind, *name));
        let mut texts: Vec<(&str, String)> = copies
            .iter()
            .filter_map(|r| {
                r.config
                    .as_ref()
                    .map(|c| (r.scope.as_str(), canonical_live(c)))
            })
            .collect();
        texts.sort_by(|a, b| a.1.cmp(&b.1));
        texts.dedup_by(|a, b| a.1 == b.1);
        let before = comparison.report.len();
        match (texts.is_empty(), intended) {
            // Asked for, nothing accepted, and nothing intended: they agree.
            (true, None) => {}
            (true, Some(_)) => {
                let first = copies[0];
                let mut line = format!("only intended: {label} (live: {}", first.status);
                if !first.error.is_empty() {
                    line.push_str(&format!(": {}", first.error));
                }
                line.push_str(")\n");
                comparison.report.push_str(&line);
            }
            (false, None) => {
                comparison.report.push_str(&format!(
                    "only live: {label} (the intended config has no such resource)\n"
                ));
            }
            (false, Some(intended)) => {
                let several = texts.len() > 1;
                for (scope, text) in &texts {
                    if text == intended {
                        continue;
                    }
                    let label = if several {
                        format!("{label} (scope {scope})")
                    } else {
                        label.clone()
                    };
                    comparison.report.push_str(&crate::xds::diff::unified(
                        &label,
                        Some(text),
                        Some(intended),
                    ));
                }
            }
        }
        if comparison.report.len() > before {
            comparison.differences += 1;
            comparison.first_difference.get_or_insert(label);
        }
    }
    Ok(comparison)
}

#[cfg(test)]
mod tests {
    use super::*;
    use envoy_types::pb::envoy::config::cluster::v3::Cluster;

    fn cluster(name: &str, seconds: i64) -> NamedResource {
        let cluster = Cluster {
            name: name.into(),
            connect_timeout: Some(envoy_types::pb::google::protobuf::Duration {
                seconds,
                nanos: 0,
            }),
            ..Default::default()
        };
        NamedResource {
            kind: ResourceType::Cluster,
            name: name.into(),
            any: crate::xds::json::pack(&cluster),
            summary: String::new(),
        }
    }

    fn live(name: &str, config: Option<Json>, status: &str) -> Resource {
        Resource {
            scope: "xds:/a:1".into(),
            kind: ResourceKind::Cluster,
            name: name.into(),
            version: "1".into(),
            status: status.into(),
            last_updated: String::new(),
            error: String::new(),
            rejected_version: String::new(),
            config: config.into(),
        }
    }

    #[test]
    fn casing_and_formatting_do_not_count() {
        // snake_case and a duration written with fractions: the same proto.
        let held = live(
            "c",
            Some(serde_json::json!({
                "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
                "connect_timeout": "5.000s",
                "name": "c",
            })),
            "ACKED",
        );
        let found = compare(&[&held], &[cluster("c", 5), cluster("unasked", 1)]).unwrap();
        assert_eq!(
            (found.compared, found.differences),
            (1, 0),
            "{}",
            found.report
        );
        assert!(found.report.is_empty());
        assert_eq!(found.first_difference, None);
    }

    #[test]
    fn changes_and_one_sided_names_are_reported() {
        let changed = live(
            "c",
            Some(serde_json::json!({
                "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
                "name": "c", "connectTimeout": "5s",
            })),
            "ACKED",
        );
        let gone = live(
            "gone",
            Some(serde_json::json!({
                "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
                "name": "gone",
            })),
            "ACKED",
        );
        let nacked = live("new", None, "NACKED");
        let found = compare(
            &[&changed, &gone, &nacked],
            &[cluster("c", 7), cluster("new", 1)],
        )
        .unwrap();
        assert_eq!(found.differences, 3, "{}", found.report);
        assert!(found.report.contains("--- a/cds/c\n+++ b/cds/c\n"));
        assert!(found.report.contains("-  \"connectTimeout\": \"5s\""));
        assert!(found.report.contains("+  \"connectTimeout\": \"7s\""));
        assert!(found.report.contains("only live: cds/gone"));
        assert!(found
            .report
            .contains("only intended: cds/new (live: NACKED)"));
        assert_eq!(found.first_difference.as_deref(), Some("cds/c"));
    }
}
