//! What each EnvoyFilter patch does, read once for the rules of this family:
//! operations istiod ignores for the patch's `applyTo`, and relative
//! operations whose effect depends on the order of filters.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::analyze::Findings;
use crate::index::Index;
use crate::model::{Object, Spec};
use crate::source::FieldPath;

/// What is wrong with one patch.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Issue {
    /// A relative operation (INSERT_BEFORE, INSERT_AFTER, REPLACE, REMOVE)
    /// in a filter without a priority.
    Relative,
    /// The same, on a filter name that another patch pins to a proxyVersion.
    RelativeWithProxyVersion,
    /// REPLACE with an `applyTo` other than HTTP_FILTER, NETWORK_FILTER or VIRTUAL_HOST.
    ReplaceMisused,
    /// ADD on ROUTE_CONFIGURATION or HTTP_ROUTE.
    AddIgnored,
    /// REMOVE on ROUTE_CONFIGURATION or HTTP_ROUTE.
    RemoveIgnored,
}

/// The Envoy filter a patch is about, to compare patches with each other:
/// `patch.value.name` as written, else the listener filter it matches
/// (empty when it names none). Both sources are kept apart, as istioctl
/// compares them in different forms.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Target {
    ValueName(String),
    MatchedFilter(String),
}

struct Patch<'a> {
    index: usize,
    operation: &'a str,
    apply_to: &'a str,
    target: Target,
    /// `match.proxy.proxyVersion` is set.
    pinned: bool,
}

/// A string field, empty when absent.
fn text(value: Option<&Json>) -> &str {
    value.and_then(Json::as_str).unwrap_or("")
}

/// The patches of an EnvoyFilter in order, up to the first without a `patch`
/// section (istioctl looks no further).
fn read_patches(patches: &[Json]) -> Vec<Patch<'_>> {
    let mut read = Vec::new();
    for (index, patch) in patches.iter().enumerate() {
        let Some(body) = patch.get("patch").filter(|p| !p.is_null()) else {
            break;
        };
        let target = match body.get("value").and_then(Json::as_object) {
            Some(value) => match value.get("name") {
                Some(name) => Target::ValueName(name.to_string()),
                None => Target::MatchedFilter(
                    text(patch.pointer("/match/listener/filterChain/filter/name")).to_string(),
                ),
            },
            None => Target::MatchedFilter(String::new()),
        };
        read.push(Patch {
            index,
            operation: text(body.get("operation")),
            apply_to: text(patch.get("applyTo")),
            target,
            pinned: !text(patch.pointer("/match/proxy/proxyVersion")).is_empty(),
        });
    }
    read
}

const ROUTE_LEVEL: [&str; 2] = ["ROUTE_CONFIGURATION", "HTTP_ROUTE"];
const REPLACEABLE: [&str; 3] = ["HTTP_FILTER", "NETWORK_FILTER", "VIRTUAL_HOST"];

/// Every EnvoyFilter with the issues of its patches, by patch index.
pub(super) fn issues(index: &Index) -> Vec<(&Object, Vec<(usize, Issue)>)> {
    let filters: Vec<(&Object, Option<i32>, Vec<Patch<'_>>)> = index
        .objects
        .iter()
        .filter_map(|object| match &object.spec {
            Spec::EnvoyFilter(spec) => {
                Some((object, spec.priority, read_patches(&spec.config_patches)))
            }
            _ => None,
        })
        .collect();
    // Which filters pin each target to a proxy version.
    let mut pinned_by: BTreeMap<&Target, BTreeSet<usize>> = BTreeMap::new();
    for (f, (_, _, patches)) in filters.iter().enumerate() {
        for patch in patches.iter().filter(|p| p.pinned) {
            pinned_by.entry(&patch.target).or_default().insert(f);
        }
    }
    filters
        .iter()
        .enumerate()
        .map(|(f, (object, priority, patches))| {
            let mut found = Vec::new();
            for (p, patch) in patches.iter().enumerate() {
                let route_level = ROUTE_LEVEL.contains(&patch.apply_to);
                let relative = match patch.operation {
                    "ADD" if route_level => {
                        found.push((patch.index, Issue::AddIgnored));
                        false
                    }
                    "REMOVE" if route_level => {
                        found.push((patch.index, Issue::RemoveIgnored));
                        false
                    }
                    "REPLACE" if !REPLACEABLE.contains(&patch.apply_to) => {
                        found.push((patch.index, Issue::ReplaceMisused));
                        false
                    }
                    "REMOVE" | "REPLACE" | "INSERT_BEFORE" | "INSERT_AFTER" => true,
                    _ => false,
                };
                if !relative || priority.unwrap_or(0) != 0 {
                    continue;
                }
                // Pinned by an earlier patch of this filter, or by another filter.
                let pinned = patches[..p]
                    .iter()
                    .any(|earlier| earlier.pinned && earlier.target == patch.target)
                    || pinned_by
                        .get(&patch.target)
                        .is_some_and(|by| by.iter().any(|&other| other != f));
                found.push((
                    patch.index,
                    if pinned {
                        Issue::RelativeWithProxyVersion
                    } else {
                        Issue::Relative
                    },
                ));
            }
            (*object, found)
        })
        .collect()
}

/// Reports `issue` once per EnvoyFilter, at the operation of its first patch
/// with it; the help names the patches when there are several.
pub(super) fn report(index: &Index, findings: &mut Findings, issue: Issue, message: &str) {
    for (object, found) in issues(index) {
        let patches: Vec<usize> = found
            .iter()
            .filter(|(_, i)| *i == issue)
            .map(|(p, _)| *p)
            .collect();
        let Some(&first) = patches.first() else {
            continue;
        };
        let path = FieldPath::root()
            .field("spec")
            .field("configPatches")
            .index(first)
            .field("patch")
            .field("operation");
        let diagnostic = findings.report(object, &path, message);
        if patches.len() > 1 {
            let list: Vec<String> = patches.iter().map(ToString::to_string).collect();
            diagnostic.help = Some(format!(
                "configPatches {} of this EnvoyFilter all have this issue",
                list.join(", ")
            ));
        }
    }
}
