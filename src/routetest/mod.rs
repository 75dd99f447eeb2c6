//! `mesh test`: routing test files run against the gRPC client model, and
//! route coverage. A case is one RPC of one client; its expectations are
//! checked against the route verdict of `xds::client`, the one model of
//! where an RPC goes.

pub mod file;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::grpc_support::Runtime;
use crate::index::Index;
use crate::model::Spec;
use crate::semantics::routing::binds_mesh;
use crate::xds::client::{self, RouteVerdict, Rpc};
use crate::xds::{Proxy, WorkloadRef};

pub use file::{Expectation, TestCase, TestFile};

/// The result of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The test file and the line of the case.
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub name: String,
    pub passed: bool,
    /// Each expectation that did not hold, in words.
    pub failures: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<RouteVerdict>,
}

/// A case located in its file.
#[derive(Debug, Clone)]
pub struct LocatedCase {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub case: TestCase,
}

impl LocatedCase {
    pub fn name(&self) -> String {
        self.case
            .name
            .clone()
            .unwrap_or_else(|| format!("{} to {}", self.case.method, self.case.target))
    }
}

/// Runs one case against the index of its config.
pub fn run_case(index: &Index, located: &LocatedCase) -> CaseResult {
    let mut result = CaseResult {
        file: located.file.clone(),
        line: located.line,
        column: located.column,
        name: located.name(),
        passed: false,
        failures: Vec::new(),
        verdict: None,
    };
    match verdict_for(index, &located.case) {
        Ok(verdict) => {
            result.failures = check(&located.case.expect, &verdict);
            result.passed = result.failures.is_empty();
            result.verdict = Some(verdict);
        }
        Err(message) => result.failures.push(message),
    }
    result
}

fn verdict_for(index: &Index, case: &TestCase) -> Result<RouteVerdict, String> {
    let client = &case.client;
    let reference = match (&client.workload, &client.pod, &client.namespace) {
        (Some(w), None, None) => {
            let (namespace, name) = WorkloadRef::parse_namespaced(w).map_err(|e| e.to_string())?;
            WorkloadRef::Workload { namespace, name }
        }
        (None, Some(p), None) => {
            let (namespace, name) = WorkloadRef::parse_namespaced(p).map_err(|e| e.to_string())?;
            WorkloadRef::Pod { namespace, name }
        }
        (None, None, Some(namespace)) => WorkloadRef::NodeId(crate::xds::names::NodeId::format(
            crate::xds::proxy::DEFAULT_IP,
            "proxyless-clients",
            namespace,
            &index.cluster_domain,
        )),
        _ => return Err("client: give exactly one of workload, pod or namespace".into()),
    };
    let runtime: Runtime = match &case.grpc {
        Some(text) => text.parse().map_err(|e| format!("grpc: {e}"))?,
        None => Runtime::Any,
    };
    let path = method_path(&case.method)?;
    crate::xds::names::ListenerName::parse(&case.target).map_err(|e| format!("target: {e}"))?;
    let rpc = Rpc {
        path,
        headers: case
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect(),
    };
    let proxy = Proxy::find(index, &reference, None).map_err(|e| e.to_string())?;
    client::route_verdict(index, &proxy, &case.target, &rpc, runtime).map_err(|e| e.to_string())
}

/// A method path as gRPC sends it: `/package.Service/Method`.
pub fn method_path(text: &str) -> Result<String, String> {
    let path = if text.starts_with('/') {
        text.to_string()
    } else {
        format!("/{text}")
    };
    match path[1..].split('/').collect::<Vec<_>>().as_slice() {
        [service, method] if !service.is_empty() && !method.is_empty() => Ok(path),
        _ => Err(format!(
            "method: expected a method path /package.Service/Method, found {text:?}"
        )),
    }
}

/// Whether `host` (a full name) is the host a test names: the same, or
/// its first label.
fn same_host(expected: &str, host: &str) -> bool {
    host == expected || host.split('.').next() == Some(expected)
}

/// Each expectation that does not hold.
pub fn check(expect: &Expectation, verdict: &RouteVerdict) -> Vec<String> {
    let mut out = Vec::new();
    let status = verdict.outcome.status.as_deref().unwrap_or("OK");
    if let Some(wanted) = &expect.status {
        if !wanted.eq_ignore_ascii_case(status) {
            out.push(format!(
                "status: expected {wanted}, got {status} ({})",
                verdict.outcome.reason
            ));
        }
    }
    let matched = verdict.matched.as_ref();
    if let Some(wanted) = &expect.route {
        let got = matched.map(|m| m.name.as_str());
        if got != Some(wanted.as_str()) {
            out.push(format!(
                "route: expected {wanted:?}, got {}",
                got.map_or("no route".to_string(), |n| format!("{n:?}"))
            ));
        }
    }
    if let Some(wanted) = &expect.source {
        let got = matched
            .and_then(|m| m.source.as_ref())
            .map(|s| format!("{} {}", s.origin, s.field));
        if !got
            .as_deref()
            .is_some_and(|g| g.starts_with(wanted.as_str()))
        {
            out.push(format!(
                "source: expected {wanted:?}, got {}",
                got.map_or("none".to_string(), |g| format!("{:?}", g.trim_end()))
            ));
        }
    }
    if let Some(wanted) = &expect.destinations {
        out.extend(check_destinations(wanted, verdict));
    }
    if let Some(wanted) = &expect.timeout {
        let got = verdict.timeout_seconds;
        let holds = if wanted.eq_ignore_ascii_case("none") {
            got.is_none()
        } else {
            match crate::xds::parse_duration(wanted) {
                Some(d) => got.is_some_and(|g| {
                    (g - (d.seconds as f64 + f64::from(d.nanos) / 1e9)).abs() < 1e-6
                }),
                None => {
                    out.push(format!(
                        "timeout: {wanted:?} is not a duration such as 2s or 500ms, or none"
                    ));
                    true
                }
            }
        };
        if !holds {
            out.push(format!(
                "timeout: expected {wanted}, got {}",
                got.map_or(
                    "none (the application's deadline)".to_string(),
                    |g| format!("{g}s")
                )
            ));
        }
    }
    if let Some(wanted) = &expect.retries {
        let got_attempts = verdict.retry.as_ref().map_or(1, |r| r.attempts);
        let wanted_attempts = wanted.attempts.max(1);
        if got_attempts != wanted_attempts {
            out.push(format!(
                "retries: expected {wanted_attempts} attempts in all, got {got_attempts}"
            ));
        }
        if let Some(on) = &wanted.on {
            let got: BTreeSet<String> = verdict
                .retry
                .as_ref()
                .map(|r| r.on.iter().cloned().collect())
                .unwrap_or_default();
            let want: BTreeSet<String> = on.iter().map(|c| c.to_ascii_uppercase()).collect();
            if got != want {
                out.push(format!(
                    "retries: expected on {}, got on {}",
                    want.into_iter().collect::<Vec<_>>().join(", "),
                    if got.is_empty() {
                        "nothing".to_string()
                    } else {
                        got.into_iter().collect::<Vec<_>>().join(", ")
                    }
                ));
            }
        }
    }
    out
}

fn check_destinations(wanted: &[file::ExpectedDestination], verdict: &RouteVerdict) -> Vec<String> {
    let got: Vec<String> = verdict
        .destinations
        .iter()
        .map(|d| {
            format!(
                "{}{} {:.1}%",
                d.host.as_deref().unwrap_or(&d.cluster),
                d.subset
                    .as_ref()
                    .map(|s| format!(" subset {s}"))
                    .unwrap_or_default(),
                d.weight_percent
            )
        })
        .collect();
    let mut unmatched: Vec<usize> = (0..verdict.destinations.len()).collect();
    let single = wanted.len() == 1;
    for want in wanted {
        let weight = want.weight.or(single.then_some(100.0));
        let found = unmatched.iter().position(|&i| {
            let d = &verdict.destinations[i];
            d.host.as_deref().is_some_and(|h| same_host(&want.host, h))
                && d.subset == want.subset
                && weight.is_none_or(|w| (d.weight_percent - w).abs() <= 0.5)
        });
        match found {
            Some(at) => {
                unmatched.remove(at);
            }
            None => {
                return vec![format!(
                    "destinations: expected {}{}{}, got {}",
                    want.host,
                    want.subset
                        .as_ref()
                        .map(|s| format!(" subset {s}"))
                        .unwrap_or_default(),
                    weight.map(|w| format!(" {w:.1}%")).unwrap_or_default(),
                    if got.is_empty() {
                        "none".to_string()
                    } else {
                        got.join(", ")
                    }
                )]
            }
        }
    }
    if !unmatched.is_empty() {
        return vec![format!(
            "destinations: not expected: {}",
            unmatched
                .iter()
                .map(|&i| got[i].clone())
                .collect::<Vec<_>>()
                .join(", ")
        )];
    }
    Vec::new()
}

/// A route a test can reach: a VirtualService `http` route bound to the
/// mesh, or a Gateway API rule that istiod turns into one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RouteUnit {
    pub file: String,
    pub origin: String,
    /// `spec.http[1]`, `spec.rules[0]`.
    pub field: String,
    pub line: u32,
    pub column: u32,
}

/// Coverage of one config file's routes.
#[derive(Debug, Clone, Serialize)]
pub struct FileCoverage {
    pub file: String,
    pub routes: usize,
    pub reached: usize,
    pub not_reached: Vec<RouteUnit>,
}

/// `spec.http[1].match[0]` → `spec.http[1]`: coverage counts routes and
/// rules, not their matches.
fn route_field(field: &str) -> String {
    let mut depth = 0;
    for (i, c) in field.char_indices() {
        if c == ']' {
            depth += 1;
            if depth == 1 {
                return field[..=i].to_string();
            }
        }
    }
    field.to_string()
}

/// A route's coverage key: its file, origin and field (objects of the same
/// name in different files are different routes).
pub type RouteKey = (String, String, String);

/// Every route tests could reach in the index, keyed by file, origin and
/// field.
pub fn route_units(index: &Index) -> BTreeMap<RouteKey, RouteUnit> {
    let mut units = BTreeMap::new();
    for object in &index.objects {
        let Spec::VirtualService(spec) = &object.spec else {
            continue;
        };
        if !binds_mesh(&spec.gateways) {
            continue;
        }
        match &object.generated {
            Some(provenance) => {
                for part in &provenance.parts {
                    let field = route_field(&part.source_field.to_string());
                    if !field.starts_with("spec.rules[") {
                        continue;
                    }
                    let pos = part
                        .source
                        .locate(&crate::source::FieldPath::parse(&field).unwrap_or_default())
                        .value;
                    let origin = part.source_origin.to_string();
                    let file = part.source.file.name.to_string();
                    units
                        .entry((file.clone(), origin.clone(), field.clone()))
                        .or_insert(RouteUnit {
                            file,
                            origin,
                            field,
                            line: pos.line,
                            column: pos.column,
                        });
                }
            }
            None => {
                for i in 0..spec.http.len() {
                    let field = format!("spec.http[{i}]");
                    let pos = object
                        .doc
                        .locate(&crate::source::FieldPath::parse(&field).unwrap_or_default())
                        .value;
                    let origin = object.origin().to_string();
                    let file = object.doc.file.name.to_string();
                    units.insert(
                        (file.clone(), origin.clone(), field.clone()),
                        RouteUnit {
                            file,
                            origin,
                            field,
                            line: pos.line,
                            column: pos.column,
                        },
                    );
                }
            }
        }
    }
    units
}

/// The routes each verdict took, as coverage keys (the file from the
/// source's `file:line:column`).
pub fn reached(results: &[CaseResult]) -> BTreeSet<RouteKey> {
    results
        .iter()
        .filter_map(|r| r.verdict.as_ref()?.matched.as_ref()?.source.as_ref())
        .filter_map(|s| {
            let mut parts = s.location.as_deref()?.rsplitn(3, ':');
            let (_column, _line, file) = (parts.next()?, parts.next()?, parts.next()?);
            Some((file.to_string(), s.origin.clone(), route_field(&s.field)))
        })
        .collect()
}

/// Coverage per config file, files in name order.
pub fn coverage(
    units: &BTreeMap<RouteKey, RouteUnit>,
    reached: &BTreeSet<RouteKey>,
) -> Vec<FileCoverage> {
    let mut by_file: BTreeMap<String, FileCoverage> = BTreeMap::new();
    for (key, unit) in units {
        let entry = by_file.entry(unit.file.clone()).or_insert(FileCoverage {
            file: unit.file.clone(),
            routes: 0,
            reached: 0,
            not_reached: Vec::new(),
        });
        entry.routes += 1;
        if reached.contains(key) {
            entry.reached += 1;
        } else {
            entry.not_reached.push(unit.clone());
        }
    }
    by_file.into_values().collect()
}

/// Reached routes over all routes, in percent (100 with no routes).
pub fn coverage_percent(files: &[FileCoverage]) -> f64 {
    let routes: usize = files.iter().map(|f| f.routes).sum();
    let reached: usize = files.iter().map(|f| f.reached).sum();
    if routes == 0 {
        100.0
    } else {
        reached as f64 * 100.0 / routes as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_counts_routes_not_matches() {
        assert_eq!(route_field("spec.http[1].match[0]"), "spec.http[1]");
        assert_eq!(route_field("spec.rules[10].matches[2]"), "spec.rules[10]");
        assert_eq!(route_field("spec.http[3]"), "spec.http[3]");
    }

    #[test]
    fn hosts_match_by_full_name_or_first_label() {
        assert!(same_host("echo", "echo.prod.svc.cluster.local"));
        assert!(same_host(
            "echo.prod.svc.cluster.local",
            "echo.prod.svc.cluster.local"
        ));
        assert!(!same_host("ech", "echo.prod.svc.cluster.local"));
    }

    #[test]
    fn method_paths_need_a_service_and_a_method() {
        assert_eq!(method_path("pkg.Svc/Get").unwrap(), "/pkg.Svc/Get");
        assert!(method_path("/pkg.Svc").is_err());
        assert!(method_path("/pkg.Svc/").is_err());
    }
}
