//! `mesh proxy-status`: one row per workload — what it holds per resource
//! type and status, the version and age of its config, and whether it holds
//! what `mesh xds render` says it should ([`super::diff`], the comparison
//! `proxy-config diff` makes).
//!
//! Fetching belongs to the caller (a pod through a port-forward, an
//! `--addr`, a saved dump); this module judges what came back.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::{diff, Dump, Resource, ResourceKind};
use crate::index::Index;
use crate::xds::WorkloadRef;

/// The row's verdict, worst first in [`Sync::rank`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// A resource was rejected: the workload runs on older config or none.
    Nacked,
    /// It holds something other than the intended config.
    Stale,
    /// It could not be asked (or its dump could not be read).
    Unreachable,
    /// It holds exactly the intended config, for every resource it asked for.
    Synced,
    /// Nothing to compare with: no intended config given, an Envoy (whose
    /// rows show counts only), or the intended config could not be rendered.
    NotCompared,
}

impl Sync {
    /// The word printed, in tables and JSON.
    pub fn word(self) -> &'static str {
        match self {
            Sync::Nacked => "NACKED",
            Sync::Stale => "STALE",
            Sync::Unreachable => "UNREACHABLE",
            Sync::Synced => "SYNCED",
            Sync::NotCompared => "NOT_COMPARED",
        }
    }

    /// NACKED and STALE fail the run.
    pub fn fails(self) -> bool {
        matches!(self, Sync::Nacked | Sync::Stale)
    }
}

/// What serves the config the row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proxy {
    /// A proxyless gRPC app, over CSDS.
    Proxyless,
    /// Envoy, over its admin API (or a saved `/config_dump`).
    Envoy,
}

impl Proxy {
    pub fn word(self) -> &'static str {
        match self {
            Proxy::Proxyless => "proxyless",
            Proxy::Envoy => "envoy",
        }
    }
}

/// One workload's line.
#[derive(Debug, Clone)]
pub struct Row {
    /// `POD.NS`, the `NAME=` of an `--addr`, the address, or the dump's path.
    pub name: String,
    /// Where it was asked: `pod NS/NAME port P`, `HOST:PORT` or a path.
    pub address: String,
    /// `None` when it could not be asked.
    pub proxy: Option<Proxy>,
    /// The node id it reports (CSDS).
    pub node: Option<String>,
    /// Per resource type (`listener`, `route`…), how many resources have
    /// each status (`ACKED`, `NACKED`, `REQUESTED`, `DOES_NOT_EXIST`…).
    pub counts: BTreeMap<ResourceKind, BTreeMap<String, usize>>,
    /// The version of its newest update.
    pub version: String,
    /// When that update came (RFC 3339, as the workload reports it).
    pub last_updated: String,
    /// How long ago that was, when the time could be read.
    pub age: Option<Duration>,
    pub sync: Sync,
    /// Why: the first rejected or differing resource (`rds/NAME…`), the
    /// reason it could not be asked or compared; empty when synced.
    pub detail: String,
    /// With an intended config: (resources compared, how many differ).
    pub compared: Option<(usize, usize)>,
}

/// The status a resource counts under: CSDS's own; for Envoy, an active
/// dynamic resource is ACKED and one whose last update was rejected
/// (`error_state`) NACKED, while STATIC, WARMING and DRAINING stay as Envoy
/// says.
pub fn sync_status(resource: &Resource, from_csds: bool) -> &str {
    if from_csds {
        return &resource.status;
    }
    if !resource.error.is_empty() {
        return "NACKED";
    }
    match resource.status.as_str() {
        "ACTIVE" => "ACKED",
        other => other,
    }
}

/// `rds/NAME`, as `proxy-config diff` names resources.
fn label(resource: &Resource) -> String {
    let short = match resource.kind {
        ResourceKind::Listener => "lds",
        ResourceKind::Route => "rds",
        ResourceKind::Cluster => "cds",
        ResourceKind::Endpoint => "eds",
        ResourceKind::Secret => "sds",
        ResourceKind::ExtensionConfig => "ecds",
        ResourceKind::Other(ref name) => name.as_str(),
    };
    format!("{short}/{}", resource.name)
}

/// The row of a target that could not be asked.
pub fn unreachable(name: &str, address: &str, error: &str) -> Row {
    Row {
        name: name.into(),
        address: address.into(),
        proxy: None,
        node: None,
        counts: BTreeMap::new(),
        version: String::new(),
        last_updated: String::new(),
        age: None,
        sync: Sync::Unreachable,
        detail: error.into(),
        compared: None,
    }
}

/// Judges what a target holds: NACKED when it rejected a resource; with
/// `intended` (the index of the intended config) a proxyless app is SYNCED
/// or STALE; otherwise not compared.
pub fn judge(
    name: &str,
    address: &str,
    dump: &Dump,
    intended: Option<&Index>,
    now: SystemTime,
) -> Row {
    let mut counts: BTreeMap<ResourceKind, BTreeMap<String, usize>> = BTreeMap::new();
    for resource in &dump.resources {
        *counts
            .entry(resource.kind.clone())
            .or_default()
            .entry(sync_status(resource, dump.from_csds).to_string())
            .or_default() += 1;
    }
    let (version, last_updated, age) = newest_update(&dump.resources, now);
    let mut row = Row {
        name: name.into(),
        address: address.into(),
        proxy: Some(if dump.from_csds {
            Proxy::Proxyless
        } else {
            Proxy::Envoy
        }),
        node: diff::node_id(dump),
        counts,
        version,
        last_updated,
        age,
        sync: Sync::NotCompared,
        detail: String::new(),
        compared: None,
    };
    // Kind order, then name: the first rejected resource names the row.
    let mut rejected: Vec<&Resource> = dump
        .resources
        .iter()
        .filter(|r| sync_status(r, dump.from_csds) == "NACKED")
        .collect();
    rejected.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
    if let Some(first) = rejected.first() {
        row.sync = Sync::Nacked;
        row.detail = nack_detail(first, rejected.len());
        return row;
    }
    let Some(index) = intended else {
        return row;
    };
    if !dump.from_csds {
        return row;
    }
    match compare(index, dump) {
        Ok(found) => {
            row.compared = Some((found.compared, found.differences));
            match found.first_difference {
                None => row.sync = Sync::Synced,
                Some(first) => {
                    row.sync = Sync::Stale;
                    row.detail = match found.differences {
                        1 => first,
                        n => format!("{first} (and {} more)", n - 1),
                    };
                }
            }
        }
        Err(error) => row.detail = format!("cannot compare: {error}"),
    }
    row
}

/// `rds/NAME: reason (version V rejected)`, and how many more were rejected.
fn nack_detail(first: &Resource, rejected: usize) -> String {
    let mut text = label(first);
    let reason = first.error.replace(['\n', '\t'], " ");
    if !reason.is_empty() {
        text.push_str(": ");
        text.push_str(reason.trim());
    }
    if !first.rejected_version.is_empty() {
        text.push_str(&format!(" (version {} rejected)", first.rejected_version));
    }
    if rejected > 1 {
        text.push_str(&format!(" (and {} more NACKED)", rejected - 1));
    }
    text
}

/// The dump against the render of its own node, as `proxy-config diff` does.
fn compare(index: &Index, dump: &Dump) -> Result<diff::Comparison, String> {
    let id = diff::node_id(dump).ok_or("the workload reports no node id")?;
    let intended =
        diff::intended(index, dump, &WorkloadRef::NodeId(id)).map_err(|e| e.to_string())?;
    let live: Vec<&Resource> = dump.resources.iter().collect();
    diff::compare(&live, &intended).map_err(|e| e.to_string())
}

/// The version and time of the newest update, and its age at `now`; the
/// version alone when no time can be read and every resource has the same.
fn newest_update(resources: &[Resource], now: SystemTime) -> (String, String, Option<Duration>) {
    let newest = resources
        .iter()
        .filter_map(|r| Some((parse_time(&r.last_updated)?, r)))
        .max_by(|a, b| a.0.cmp(&b.0));
    if let Some((time, resource)) = newest {
        let age = now.duration_since(time).unwrap_or_default();
        return (
            resource.version.clone(),
            resource.last_updated.clone(),
            Some(age),
        );
    }
    let mut versions = resources
        .iter()
        .map(|r| r.version.as_str())
        .filter(|v| !v.is_empty());
    let first = versions.next().unwrap_or_default();
    let version = if versions.all(|v| v == first) {
        first
    } else {
        ""
    };
    (version.to_string(), String::new(), None)
}

/// An RFC 3339 time as proto3 JSON (and Envoy) write them.
fn parse_time(text: &str) -> Option<SystemTime> {
    if text.is_empty() {
        return None;
    }
    let timestamp: prost_reflect::prost_types::Timestamp = text.parse().ok()?;
    SystemTime::try_from(timestamp).ok()
}

/// An age as kubectl prints one: `45s`, `3m12s`, `2h5m`, `3d4h`, `40d`.
pub fn human_age(age: Duration) -> String {
    let seconds = age.as_secs();
    let (minutes, hours, days) = (seconds / 60, seconds / 3600, seconds / 86_400);
    if seconds < 120 {
        format!("{seconds}s")
    } else if minutes < 10 {
        format!("{minutes}m{}s", seconds % 60)
    } else if hours < 3 {
        format!("{minutes}m")
    } else if hours < 8 {
        format!("{hours}h{}m", minutes % 60)
    } else if hours < 48 {
        format!("{hours}h")
    } else if days < 8 {
        format!("{days}d{}h", hours % 24)
    } else {
        format!("{days}d")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(kind: ResourceKind, name: &str, status: &str, updated: &str) -> Resource {
        Resource {
            scope: String::new(),
            kind,
            name: name.into(),
            version: updated.get(17..19).unwrap_or_default().into(),
            status: status.into(),
            last_updated: updated.into(),
            error: String::new(),
            rejected_version: String::new(),
            config: None.into(),
        }
    }

    fn dump(resources: Vec<Resource>, from_csds: bool) -> Dump {
        Dump {
            resources,
            raw: serde_json::json!({}).into(),
            from_csds,
            bootstrap: None,
            hosts: Vec::new(),
        }
    }

    fn at(text: &str) -> SystemTime {
        parse_time(text).unwrap()
    }

    #[test]
    fn counts_version_and_age_come_from_what_it_holds() {
        let held = dump(
            vec![
                resource(
                    ResourceKind::Listener,
                    "a:1",
                    "ACKED",
                    "2026-01-01T00:00:10Z",
                ),
                resource(ResourceKind::Route, "r", "ACKED", "2026-01-01T00:00:30.5Z"),
                resource(ResourceKind::Cluster, "c", "REQUESTED", ""),
                resource(
                    ResourceKind::Cluster,
                    "d",
                    "DOES_NOT_EXIST",
                    "2026-01-01T00:00:30Z",
                ),
            ],
            true,
        );
        let row = judge(
            "app",
            "127.0.0.1:1",
            &held,
            None,
            at("2026-01-01T00:03:31Z"),
        );
        assert_eq!(row.sync, Sync::NotCompared);
        assert_eq!(row.proxy, Some(Proxy::Proxyless));
        assert_eq!(
            row.counts[&ResourceKind::Cluster],
            BTreeMap::from([
                ("DOES_NOT_EXIST".to_string(), 1),
                ("REQUESTED".to_string(), 1)
            ])
        );
        // The newest update is the route's (half a second after the cluster's).
        assert_eq!(row.last_updated, "2026-01-01T00:00:30.5Z");
        assert_eq!(row.version, "30");
        assert_eq!(row.age.map(human_age).as_deref(), Some("3m0s"));
    }

    #[test]
    fn a_rejected_resource_names_the_row_nacked() {
        let mut route = resource(ResourceKind::Route, "r", "NACKED", "");
        route.error = "no filter\nfor cors".into();
        route.rejected_version = "7".into();
        let mut cluster = resource(ResourceKind::Cluster, "c", "NACKED", "");
        cluster.error = "bad".into();
        let row = judge(
            "app",
            "a",
            &dump(vec![cluster, route], true),
            None,
            SystemTime::now(),
        );
        assert_eq!(row.sync, Sync::Nacked);
        assert_eq!(
            row.detail,
            "rds/r: no filter for cors (version 7 rejected) (and 1 more NACKED)"
        );
        assert!(row.sync.fails());
    }

    #[test]
    fn envoy_counts_active_as_acked_and_rejected_updates_as_nacked() {
        let mut rejected = resource(ResourceKind::Cluster, "c", "ACTIVE", "");
        rejected.error = "bad update".into();
        let held = dump(
            vec![
                resource(ResourceKind::Cluster, "a", "ACTIVE", ""),
                resource(ResourceKind::Cluster, "s", "STATIC", ""),
                rejected,
            ],
            false,
        );
        let row = judge("sidecar", "a", &held, None, SystemTime::now());
        assert_eq!(row.proxy, Some(Proxy::Envoy));
        assert_eq!(
            row.counts[&ResourceKind::Cluster],
            BTreeMap::from([
                ("ACKED".to_string(), 1),
                ("NACKED".to_string(), 1),
                ("STATIC".to_string(), 1)
            ])
        );
        assert_eq!(row.sync, Sync::Nacked);
    }

    #[test]
    fn ages_read_as_kubectl_prints_them() {
        let age = |s| human_age(Duration::from_secs(s));
        assert_eq!(
            [
                age(0),
                age(119),
                age(125),
                age(3599),
                age(4 * 3600 + 60),
                age(30 * 3600),
                age(3 * 86_400 + 3600),
                age(40 * 86_400)
            ],
            ["0s", "119s", "2m5s", "59m", "4h1m", "30h", "3d1h", "40d"]
        );
        // A clock behind the workload's reads as no age, not a panic.
        let future = dump(
            vec![resource(
                ResourceKind::Listener,
                "l",
                "ACKED",
                "2099-01-01T00:00:00Z",
            )],
            true,
        );
        let row = judge("a", "a", &future, None, at("2026-01-01T00:00:00Z"));
        assert_eq!(row.age, Some(Duration::ZERO));
    }
}
