//! The gRPC client model: what a proxyless client of a given runtime does
//! with the resources istiod sends it — which it accepts, which fields it
//! ignores, which it rejects ([`acceptance`]) — and where an RPC goes
//! ([`matching`], [`route_verdict`]). Route verdicts, `mesh test` and the
//! rules that judge rendered resources all ask this one model.

pub mod acceptance;
pub mod matching;

use envoy_types::pb::envoy::config::endpoint::v3::ClusterLoadAssignment;
use envoy_types::pb::envoy::config::route::v3::{route, route_action, Route, RouteAction};
use envoy_types::pb::envoy::extensions::filters::http::fault::v3::{fault_abort, HttpFault};
use envoy_types::pb::envoy::r#type::v3::{fractional_percent::DenominatorType, FractionalPercent};
use envoy_types::pb::google::protobuf::Duration;
use serde::Serialize;

use crate::grpc_support::{Feature, Language, Runtime, STATUS_NAMES};
use crate::index::Index;
use crate::source::FieldPath;

pub use acceptance::{Effect, FieldVerdict};
pub use matching::{RouteMatch, Rpc};

use super::names::ClusterKey;
use super::render::{RenderOptions, Renderer};
use super::{lds, Proxy, Resources, XdsError};

/// The share of a fractional percent, 0–100.
pub fn fraction_percent(percent: &FractionalPercent) -> f64 {
    let denominator = match DenominatorType::try_from(percent.denominator) {
        Ok(DenominatorType::TenThousand) => 10_000.0,
        Ok(DenominatorType::Million) => 1_000_000.0,
        _ => 100.0,
    };
    (f64::from(percent.numerator) * 100.0 / denominator).min(100.0)
}

/// Why some RPCs fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureCause {
    /// The route's fault injection aborts them.
    Abort,
    /// The route's deadline ends them.
    Deadline,
    /// They are sent to a cluster that fails (absent, rejected, no endpoints).
    Cluster,
}

/// What one RPC of one client meets.
#[derive(Debug, Clone, Serialize)]
pub struct RouteVerdict {
    /// `HOST:PORT`, as in `xds:///HOST:PORT`.
    pub target: String,
    pub method: String,
    /// The client, as istiod identifies it.
    pub client: String,
    /// The `--grpc` runtime the verdict is for.
    pub runtime: String,
    pub listener: Option<String>,
    pub route_configuration: Option<String>,
    pub virtual_host: Option<String>,
    /// Routes tried before the one that matched, with why each did not.
    pub tried: Vec<TriedRoute>,
    pub matched: Option<MatchedRoute>,
    pub destinations: Vec<Destination>,
    /// What gRPC applies on the matched route, in words.
    pub applied: Vec<Applied>,
    /// The route's deadline gRPC applies, in seconds; `None`: the
    /// application's own.
    pub timeout_seconds: Option<f64>,
    /// The retries gRPC makes on the matched route.
    pub retry: Option<RetryVerdict>,
    /// Fields of the matched route (and its clusters) gRPC ignores or rejects.
    pub fields: Vec<FieldVerdict>,
    /// Whether the RPC reaches a backend, or the status it fails with.
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize)]
pub struct TriedRoute {
    pub index: usize,
    pub name: String,
    pub source: Option<RouteSource>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatchedRoute {
    pub index: usize,
    pub name: String,
    pub source: Option<RouteSource>,
    /// `prefix "/pkg.Svc/"` and header conditions, as gRPC evaluates them.
    pub conditions: Vec<String>,
    /// Below 100 when a runtime fraction lets only part of the RPCs match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_percent: Option<f64>,
}

/// Where a route comes from: the rule a user wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteSource {
    /// `VirtualService ns/name`, `GRPCRoute ns/name`, or `istiod default route`.
    pub origin: String,
    /// `spec.http[1].match[0]`, `spec.rules[2]`; empty for the default route.
    pub field: String,
    /// `file:line:column`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl std::fmt::Display for RouteSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.origin)?;
        if !self.field.is_empty() {
            write!(f, " {}", self.field)?;
        }
        if let Some(location) = &self.location {
            write!(f, " ({location})")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Destination {
    pub cluster: String,
    /// Share of the RPCs in percent.
    pub weight_percent: f64,
    pub host: Option<String>,
    pub subset: Option<String>,
    pub lb_policy: Option<String>,
    /// The endpoints gRPC balances over.
    pub endpoints: Vec<EndpointInfo>,
    /// Endpoints istiod sends that gRPC drops on reading them (UNHEALTHY:
    /// pods not ready, [`grpc_uses_endpoint`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_endpoints: Vec<EndpointInfo>,
    /// Workloads whose pods would be the endpoints once they run (the
    /// inputs hold their templates, not their pods' addresses).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pods_of: Vec<String>,
    /// Why RPCs sent here fail, when they do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EndpointInfo {
    pub address: String,
    pub locality: String,
    pub weight: u32,
    pub health: String,
    #[serde(skip)]
    used_by_grpc: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    /// `timeout`, `retry`, `fault delay`, `fault abort`, `hash`.
    pub what: String,
    pub detail: String,
}

/// A route's retry policy as gRPC runs it (gRFC A44).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetryVerdict {
    /// Attempts in all, the first included (at most 5).
    pub attempts: u32,
    /// The statuses retried.
    pub on: Vec<String>,
    pub initial_backoff_ms: f64,
    pub max_backoff_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub reaches_backend: bool,
    /// The status RPCs fail with, when they do (`UNAVAILABLE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub reason: String,
    /// RPCs that fail although the route reaches a backend: a share of
    /// them, or every RPC of some client processes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partial_failures: Vec<PartialFailure>,
}

/// Some of the RPCs fail, with one status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartialFailure {
    pub status: String,
    pub cause: FailureCause,
    /// The share of RPCs in percent; `None` when it is not the RPC but the
    /// client process (or, for `--grpc any`, the runtime) that decides:
    /// then some clients fail every such RPC and others none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    pub reason: String,
}

impl RouteVerdict {
    /// A verdict of an RPC that reaches a backend, before anything is known
    /// of its route.
    pub fn new(target: &str, method: &str, client: &str, runtime: Runtime) -> RouteVerdict {
        RouteVerdict {
            target: target.to_string(),
            method: method.to_string(),
            client: client.to_string(),
            runtime: runtime.to_string(),
            listener: None,
            route_configuration: None,
            virtual_host: None,
            tried: Vec::new(),
            matched: None,
            destinations: Vec::new(),
            applied: Vec::new(),
            timeout_seconds: None,
            retry: None,
            fields: Vec::new(),
            outcome: Outcome {
                reaches_backend: true,
                status: None,
                reason: String::new(),
                partial_failures: Vec::new(),
            },
        }
    }
}

/// Where `rpc` to `target` goes for `proxy`'s client of `runtime`, read
/// from the resources istiod would send it.
pub fn route_verdict(
    index: &Index,
    proxy: &Proxy,
    target: &str,
    rpc: &Rpc,
    runtime: Runtime,
) -> Result<RouteVerdict, XdsError> {
    let resources = super::render(
        index,
        proxy,
        &RenderOptions {
            targets: vec![target.to_string()],
            server_address: None,
        },
    )?;
    Ok(verdict_on(index, proxy, &resources, target, rpc, runtime))
}

fn failing(verdict: &mut RouteVerdict, status: &str, reason: String) {
    verdict.outcome = Outcome {
        reaches_backend: false,
        status: Some(status.to_string()),
        reason,
        partial_failures: Vec::new(),
    };
}

/// [`route_verdict`] on resources already rendered for `target`.
pub fn verdict_on(
    index: &Index,
    proxy: &Proxy,
    resources: &Resources,
    target: &str,
    rpc: &Rpc,
    runtime: Runtime,
) -> RouteVerdict {
    let mut verdict = RouteVerdict::new(target, &rpc.path, &proxy.id, runtime);
    let Some(listener) = resources.listeners.iter().find(|l| l.name == target) else {
        let why = resources.notes.join("; ");
        failing(
            &mut verdict,
            "UNAVAILABLE",
            format!(
                "istiod sends no listener {target}: the channel cannot resolve the target{}",
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" ({why})")
                }
            ),
        );
        return verdict;
    };
    verdict.listener = Some(listener.name.clone());
    let listener_fields = acceptance::listener_fields(listener, runtime);
    let rejected = acceptance::rejections(&listener_fields).next().cloned();
    if let Some(rejected) = rejected {
        failing(
            &mut verdict,
            "UNAVAILABLE",
            format!(
                "{} rejects (NACKs) listener {} ({}, {}): the client keeps the copy it had before, or with none its RPCs fail UNAVAILABLE",
                rejected.runtimes, listener.name, rejected.field, rejected.rule
            ),
        );
        verdict.fields = listener_fields;
        return verdict;
    }
    let Some(config_name) = lds::route_names(std::slice::from_ref(listener))
        .into_iter()
        .next()
    else {
        failing(
            &mut verdict,
            "UNAVAILABLE",
            "the listener names no route configuration".into(),
        );
        return verdict;
    };
    verdict.route_configuration = Some(config_name.clone());
    let Some(config) = resources.routes.iter().find(|r| r.name == config_name) else {
        failing(
            &mut verdict,
            "UNAVAILABLE",
            format!("istiod sends no route configuration {config_name}"),
        );
        return verdict;
    };
    let rejected: Vec<FieldVerdict> =
        acceptance::rejections(&acceptance::route_configuration(config, runtime))
            .cloned()
            .collect();
    let Some(host) = matching::select_virtual_host(&config.virtual_hosts, target) else {
        failing(
            &mut verdict,
            "UNAVAILABLE",
            format!(
                "no virtual host of {config_name} has a domain matching {target}{}",
                if config.virtual_hosts.is_empty() {
                    " (it has none: the port is not HTTP or gRPC, or no Service is visible)"
                } else {
                    ""
                }
            ),
        );
        return verdict;
    };
    verdict.virtual_host = Some(host.name.clone());
    let sources = route_sources(index, proxy, &config_name, host.routes.len());
    let source_of = |i: usize| sources.get(i).cloned().flatten();
    let mut chosen: Option<(usize, &Route)> = None;
    for (i, candidate) in host.routes.iter().enumerate() {
        match matching::match_route(candidate, rpc) {
            RouteMatch::Matched => {
                chosen = Some((i, candidate));
                break;
            }
            RouteMatch::MatchedSometimes(percent) => {
                verdict.matched = Some(matched_route(i, candidate, source_of(i), Some(percent)));
                chosen = Some((i, candidate));
                break;
            }
            RouteMatch::PathDiffers(why)
            | RouteMatch::HeaderDiffers(why)
            | RouteMatch::Skipped(why) => verdict.tried.push(TriedRoute {
                index: i,
                name: candidate.name.clone(),
                source: source_of(i),
                reason: why,
            }),
        }
    }
    let Some((index_in_host, route)) = chosen else {
        failing(
            &mut verdict,
            "UNAVAILABLE",
            format!(
                "no route of {} matches {}{}",
                host.name,
                rpc.path,
                if host.routes.is_empty() {
                    " (it has no routes)"
                } else {
                    ""
                }
            ),
        );
        reject_if(&mut verdict, &rejected, &config_name);
        return verdict;
    };
    if verdict.matched.is_none() {
        verdict.matched = Some(matched_route(
            index_in_host,
            route,
            source_of(index_in_host),
            None,
        ));
    }
    let host_at = config
        .virtual_hosts
        .iter()
        .position(|h| std::ptr::eq(h, host))
        .unwrap_or_default();
    verdict.fields = acceptance::route_fields(
        route,
        &format!("virtual_hosts[{host_at}].routes[{index_in_host}]"),
        runtime,
    );
    let action = match &route.action {
        Some(route::Action::Route(action)) => action,
        Some(other) => {
            let kind = match other {
                route::Action::Redirect(_) => "a redirect",
                route::Action::DirectResponse(_) => "a direct response",
                _ => "a non-forwarding action",
            };
            failing(
                &mut verdict,
                "UNAVAILABLE",
                format!("the route's action is {kind}, which gRPC cannot carry out (GRPC005)"),
            );
            reject_if(&mut verdict, &rejected, &config_name);
            return verdict;
        }
        None => {
            failing(
                &mut verdict,
                "UNAVAILABLE",
                "the route has no action".into(),
            );
            return verdict;
        }
    };
    verdict.destinations = destinations(
        &Renderer::new(index, proxy),
        resources,
        action,
        runtime,
        &mut verdict.fields,
    );
    verdict.timeout_seconds = effective_timeout(action, runtime);
    verdict.retry = effective_retry(action, runtime);
    verdict.applied = applied(route, action, runtime);
    settle_outcome(&mut verdict, route, action, runtime);
    reject_if(&mut verdict, &rejected, &config_name);
    verdict
}

/// A rejected route configuration overrides every other outcome: the
/// client never holds it.
fn reject_if(verdict: &mut RouteVerdict, rejected: &[FieldVerdict], config_name: &str) {
    let Some(first) = rejected.first() else {
        return;
    };
    let fields: Vec<String> = rejected
        .iter()
        .map(|r| format!("{} ({}, {})", r.field, r.rule, r.runtimes))
        .collect();
    failing(
        verdict,
        "UNAVAILABLE",
        format!(
            "{} rejects (NACKs) route configuration {config_name} for {}: the client keeps the copy it had before, or with none its RPCs fail UNAVAILABLE",
            first.runtimes,
            fields.join("; ")
        ),
    );
    for field in rejected {
        if !verdict.fields.contains(field) {
            verdict.fields.push(field.clone());
        }
    }
}

fn matched_route(
    index: usize,
    route: &Route,
    source: Option<RouteSource>,
    match_percent: Option<f64>,
) -> MatchedRoute {
    let mut conditions = Vec::new();
    if let Some(m) = &route.r#match {
        let case_sensitive = m.case_sensitive.as_ref().is_none_or(|b| b.value);
        conditions.push(matching::describe_path(
            m.path_specifier.as_ref(),
            case_sensitive,
        ));
        conditions.extend(m.headers.iter().map(matching::describe_header));
    }
    MatchedRoute {
        index,
        name: route.name.clone(),
        source,
        conditions,
        match_percent,
    }
}

/// The clusters a route action sends RPCs to, with their shares and the
/// endpoints behind each.
fn destinations(
    renderer: &Renderer<'_>,
    resources: &Resources,
    action: &RouteAction,
    runtime: Runtime,
    fields: &mut Vec<FieldVerdict>,
) -> Vec<Destination> {
    let targets: Vec<(String, f64)> = match &action.cluster_specifier {
        Some(route_action::ClusterSpecifier::Cluster(name)) => vec![(name.clone(), 100.0)],
        Some(route_action::ClusterSpecifier::WeightedClusters(weighted)) => {
            let total: u64 = weighted
                .clusters
                .iter()
                .map(|c| u64::from(c.weight.as_ref().map_or(0, |w| w.value)))
                .sum();
            weighted
                .clusters
                .iter()
                .map(|c| {
                    let weight = u64::from(c.weight.as_ref().map_or(0, |w| w.value));
                    let share = if total == 0 {
                        0.0
                    } else {
                        weight as f64 * 100.0 / total as f64
                    };
                    (c.name.clone(), share)
                })
                .collect()
        }
        _ => Vec::new(),
    };
    targets
        .into_iter()
        .map(|(name, share)| {
            let key = ClusterKey::parse(&name);
            let mut destination = Destination {
                cluster: name.clone(),
                weight_percent: share,
                host: key.as_ref().map(|k| k.host.clone()),
                subset: key.as_ref().map(|k| k.subset.clone()).filter(|s| !s.is_empty()),
                lb_policy: None,
                endpoints: Vec::new(),
                skipped_endpoints: Vec::new(),
                pods_of: Vec::new(),
                failure: None,
            };
            let Some(cluster) = resources.clusters.iter().find(|c| c.name == name) else {
                destination.failure = Some(format!(
                    "istiod sends no cluster {name}{}: RPCs sent here fail UNAVAILABLE",
                    if name == super::rds::UNKNOWN_SERVICE_CLUSTER {
                        " (the route names a backend istiod could not resolve)"
                    } else {
                        ""
                    }
                ));
                return destination;
            };
            let lb = envoy_types::pb::envoy::config::cluster::v3::cluster::LbPolicy::try_from(
                cluster.lb_policy,
            )
            .map(|p| p.as_str_name().to_string())
            .unwrap_or_else(|_| cluster.lb_policy.to_string());
            destination.lb_policy = Some(lb);
            let cluster_verdicts = acceptance::cluster_fields(cluster, runtime);
            if let Some(rejected) = acceptance::rejections(&cluster_verdicts).next() {
                destination.failure = Some(format!(
                    "{} rejects (NACKs) cluster {name} ({}, {}): RPCs sent here fail UNAVAILABLE",
                    rejected.runtimes, rejected.field, rejected.rule
                ));
            }
            for mut verdict in cluster_verdicts {
                verdict.field = format!("cluster {name}: {}", verdict.field);
                fields.push(verdict);
            }
            let service_name = cluster
                .eds_cluster_config
                .as_ref()
                .map(|e| e.service_name.clone())
                .unwrap_or_else(|| name.clone());
            match resources.endpoints.iter().find(|e| e.cluster_name == service_name) {
                Some(assignment) => {
                    (destination.endpoints, destination.skipped_endpoints) = endpoints_of(assignment)
                        .into_iter()
                        .partition(|e| e.used_by_grpc);
                }
                None => {
                    destination.failure.get_or_insert_with(|| {
                        format!("istiod sends no endpoints for {service_name}: RPCs sent here fail UNAVAILABLE")
                    });
                }
            }
            // Pods that are there but not ready are no pods to come.
            if destination.endpoints.is_empty()
                && destination.skipped_endpoints.is_empty()
                && destination.failure.is_none()
            {
                destination.pods_of = key
                    .as_ref()
                    .map(|key| super::eds::template_workloads(renderer, key))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|w| renderer.index.object(w.object).origin().to_string())
                    .collect();
            }
            if destination.endpoints.is_empty()
                && destination.pods_of.is_empty()
                && destination.failure.is_none()
            {
                destination.failure = Some(if destination.skipped_endpoints.is_empty() {
                    format!("cluster {name} has no endpoints: RPCs sent here fail UNAVAILABLE")
                } else {
                    format!(
                        "cluster {name} has no endpoint gRPC uses ({} UNHEALTHY, skipped): RPCs sent here fail UNAVAILABLE",
                        destination.skipped_endpoints.len()
                    )
                });
            }
            destination
        })
        .collect()
}

/// Whether gRPC balances over an endpoint of this EDS health status: only
/// HEALTHY and UNKNOWN; the others are dropped as EDS is read (gRFC A27;
/// DRAINING is kept only for session affinity, A55, which istiod's
/// proxyless output never enables).
pub fn grpc_uses_endpoint(health_status: i32) -> bool {
    use envoy_types::pb::envoy::config::core::v3::HealthStatus;
    matches!(
        HealthStatus::try_from(health_status),
        Ok(HealthStatus::Healthy | HealthStatus::Unknown)
    )
}

fn endpoints_of(assignment: &ClusterLoadAssignment) -> Vec<EndpointInfo> {
    use envoy_types::pb::envoy::config::core::v3::{address, HealthStatus};
    let mut out = Vec::new();
    for group in &assignment.endpoints {
        let locality = group
            .locality
            .as_ref()
            .map(|l| {
                [l.region.as_str(), l.zone.as_str(), l.sub_zone.as_str()]
                    .iter()
                    .filter(|p| !p.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default();
        for endpoint in &group.lb_endpoints {
            let address = match endpoint.host_identifier.as_ref() {
                Some(envoy_types::pb::envoy::config::endpoint::v3::lb_endpoint::HostIdentifier::Endpoint(e)) => {
                    match e.address.as_ref().and_then(|a| a.address.as_ref()) {
                        Some(address::Address::SocketAddress(s)) => {
                            let port = match &s.port_specifier {
                                Some(envoy_types::pb::envoy::config::core::v3::socket_address::PortSpecifier::PortValue(p)) => *p,
                                _ => 0,
                            };
                            super::names::join_host_port(&s.address, port)
                        }
                        _ => "?".into(),
                    }
                }
                _ => "?".into(),
            };
            out.push(EndpointInfo {
                address,
                locality: locality.clone(),
                weight: endpoint
                    .load_balancing_weight
                    .as_ref()
                    .map_or(1, |w| w.value),
                health: HealthStatus::try_from(endpoint.health_status)
                    .map(|h| h.as_str_name().to_string())
                    .unwrap_or_default(),
                used_by_grpc: grpc_uses_endpoint(endpoint.health_status),
            });
        }
    }
    out
}

fn seconds(duration: &Duration) -> f64 {
    duration.seconds as f64 + f64::from(duration.nanos) / 1e9
}

/// `1.5s`, `100ms`.
fn show_duration(duration: &Duration) -> String {
    let s = seconds(duration);
    if s != 0.0 && s < 1.0 {
        format!("{}ms", (s * 1000.0).round())
    } else {
        format!("{s}s")
    }
}

/// gRPC's retry codes (A44): only these `retry_on` values mean anything to it.
const GRPC_RETRY_CONDITIONS: [(&str, &str); 5] = [
    ("cancelled", "CANCELLED"),
    ("deadline-exceeded", "DEADLINE_EXCEEDED"),
    ("internal", "INTERNAL"),
    ("resource-exhausted", "RESOURCE_EXHAUSTED"),
    ("unavailable", "UNAVAILABLE"),
];

/// The gRPC status a `retry_on` condition names, when gRPC acts on it
/// (A44); `None` for Envoy's HTTP conditions, which gRPC drops.
pub fn grpc_retry_status(condition: &str) -> Option<&'static str> {
    GRPC_RETRY_CONDITIONS
        .iter()
        .find(|(name, _)| *name == condition.trim())
        .map(|(_, status)| *status)
}

/// The route's deadline gRPC applies (A31): `max_stream_duration` when
/// above zero and the runtime reads it; `route.timeout` never.
fn effective_timeout(action: &RouteAction, runtime: Runtime) -> Option<f64> {
    let duration = action
        .max_stream_duration
        .as_ref()
        .and_then(|m| m.max_stream_duration.as_ref())
        .map(seconds)
        .filter(|s| *s > 0.0)?;
    runtime
        .supports(Feature::MaxStreamDuration)
        .then_some(duration)
}

/// The retry policy gRPC builds from the route's (A44): only gRPC status
/// conditions count, attempts are capped at 5, backoff defaults to 25 ms
/// rising to ten times the base.
fn effective_retry(action: &RouteAction, runtime: Runtime) -> Option<RetryVerdict> {
    let policy = action.retry_policy.as_ref()?;
    if !runtime.supports(Feature::Retry) {
        return None;
    }
    let on: Vec<String> = policy
        .retry_on
        .split(',')
        .filter_map(|c| grpc_retry_status(c).map(str::to_string))
        .collect();
    if on.is_empty() {
        return None;
    }
    let retries = policy.num_retries.as_ref().map_or(1, |n| n.value);
    let base = policy
        .retry_back_off
        .as_ref()
        .and_then(|b| b.base_interval.as_ref())
        .map_or(0.025, seconds);
    let max = policy
        .retry_back_off
        .as_ref()
        .and_then(|b| b.max_interval.as_ref())
        .map_or(base * 10.0, seconds);
    Some(RetryVerdict {
        attempts: retries.saturating_add(1).min(5),
        on,
        initial_backoff_ms: (base * 1000.0).round(),
        max_backoff_ms: (max * 1000.0).round(),
    })
}

/// What gRPC applies on the route: the deadline, retries, faults, hashing.
fn applied(route: &Route, action: &RouteAction, runtime: Runtime) -> Vec<Applied> {
    let mut out = Vec::new();
    let timeout = action
        .max_stream_duration
        .as_ref()
        .and_then(|m| m.max_stream_duration.as_ref())
        .filter(|d| seconds(d) > 0.0);
    out.push(Applied {
        what: "timeout".into(),
        detail: match timeout {
            Some(d) if runtime.supports(Feature::MaxStreamDuration) => {
                let mut detail = format!(
                    "deadline is the smaller of the application's and {} (max_stream_duration)",
                    show_duration(d)
                );
                if deadline_lead(runtime).1 > 0.0 {
                    detail.push_str(&format!(
                        "; {} it 1-2 s early, by an amount fixed in each client process",
                        early_enders(runtime)
                    ));
                }
                detail
            }
            Some(d) => format!(
                "max_stream_duration {} is ignored by this runtime (GRPC019): the application's deadline only",
                show_duration(d)
            ),
            None => "the application's deadline (the route sets no max_stream_duration above 0; gRPC ignores route.timeout)".into(),
        },
    });
    if let Some(policy) = &action.retry_policy {
        let detail = if !runtime.supports(Feature::Retry) {
            "ignored by this runtime (GRPC018): no retries".to_string()
        } else {
            match effective_retry(action, runtime) {
                Some(retry) => format!(
                    "on {} up to {} attempts in all, backoff {}ms to {}ms",
                    retry.on.join(", "),
                    retry.attempts,
                    retry.initial_backoff_ms,
                    retry.max_backoff_ms
                ),
                None => format!(
                    "none: retry_on {:?} names no gRPC status (GRPC011)",
                    policy.retry_on
                ),
            }
        };
        out.push(Applied {
            what: "retry".into(),
            detail,
        });
    }
    if let Some(fault) = fault_of(route) {
        let supported = runtime.supports(Feature::FaultInjection);
        if let Some(delay) = &fault.delay {
            let fixed = match &delay.fault_delay_secifier {
                Some(envoy_types::pb::envoy::extensions::filters::common::fault::v3::fault_delay::FaultDelaySecifier::FixedDelay(d)) => show_duration(d),
                _ => "a header-given delay".into(),
            };
            let share = fault_share(delay.percentage.as_ref());
            out.push(Applied {
                what: "fault delay".into(),
                detail: if supported {
                    format!("{fixed} on {share}% of RPCs")
                } else {
                    "ignored by this runtime (GRPC017)".into()
                },
            });
        }
        if let Some(abort) = &fault.abort {
            let share = fault_share(abort.percentage.as_ref());
            out.push(Applied {
                what: "fault abort".into(),
                detail: if supported {
                    match abort_effect(abort.error_type.as_ref(), runtime) {
                        AbortEffect::Fails(status) => format!("{status} on {share}% of RPCs"),
                        AbortEffect::Nothing => {
                            "none: C-core takes the abort's status as OK and lets RPCs through".into()
                        }
                        AbortEffect::ByRuntime(status) => format!(
                            "{status} on {share}% of RPCs, except on C-core runtimes, which take the abort's status as OK and let RPCs through"
                        ),
                    }
                } else {
                    "ignored by this runtime (GRPC017)".into()
                },
            });
        }
    }
    for policy in &action.hash_policy {
        use route_action::hash_policy::PolicySpecifier;
        let detail = match &policy.policy_specifier {
            Some(PolicySpecifier::Header(h)) => format!("ring hash on metadata {}", h.header_name),
            Some(PolicySpecifier::FilterState(f)) if f.key == "io.grpc.channel_id" => {
                "ring hash on the channel".into()
            }
            _ => "a key gRPC cannot read: each RPC gets a random hash (GRPC025)".into(),
        };
        out.push(Applied {
            what: "hash".into(),
            detail,
        });
    }
    out
}

fn fault_of(route: &Route) -> Option<HttpFault> {
    let any = route
        .typed_per_filter_config
        .get("envoy.filters.http.fault")?;
    prost::Message::decode(any.value.as_slice()).ok()
}

/// What an abort fault does on `runtime`.
#[derive(Debug, Clone, PartialEq)]
enum AbortEffect {
    /// Fails the RPCs it applies to with this status.
    Fails(String),
    /// Aborts nothing: C-core takes its status as OK (`grpc_status` 0, or
    /// HTTP 200, which C-core maps to OK) and lets the RPC through (seen
    /// with grpcio 1.85).
    Nothing,
    /// `--grpc any`: C-core runtimes abort nothing, the others fail with
    /// this status.
    ByRuntime(String),
}

fn abort_effect(error: Option<&fault_abort::ErrorType>, runtime: Runtime) -> AbortEffect {
    let status = abort_status(error);
    let ok_in_c_core = matches!(
        error,
        Some(fault_abort::ErrorType::GrpcStatus(0)) | Some(fault_abort::ErrorType::HttpStatus(200))
    );
    if !ok_in_c_core {
        return AbortEffect::Fails(status);
    }
    match runtime {
        Runtime::Any => AbortEffect::ByRuntime(status),
        _ if is_c_core(runtime) => AbortEffect::Nothing,
        _ => AbortEffect::Fails(status),
    }
}

/// The gRPC status an abort fault gives: its `grpc_status`, or its HTTP
/// status mapped as gRPC maps HTTP statuses.
fn abort_status(error: Option<&fault_abort::ErrorType>) -> String {
    match error {
        Some(fault_abort::ErrorType::GrpcStatus(code)) => STATUS_NAMES
            .get(*code as usize)
            .map_or_else(|| format!("status {code}"), |n| n.to_string()),
        Some(fault_abort::ErrorType::HttpStatus(code)) => http_to_grpc(*code).to_string(),
        _ => "UNKNOWN".into(),
    }
}

/// gRPC's HTTP-to-status mapping (doc/http-grpc-status-mapping.md).
pub fn http_to_grpc(code: u32) -> &'static str {
    match code {
        400 => "INTERNAL",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "UNIMPLEMENTED",
        429 | 502 | 503 | 504 => "UNAVAILABLE",
        _ => "UNKNOWN",
    }
}

/// The share of RPCs a fault delay or abort applies to: none when it sets
/// no percentage (C-core's and Envoy's default; seen with grpcio 1.85: an
/// abort without a percentage aborts nothing).
fn fault_share(percentage: Option<&FractionalPercent>) -> f64 {
    percentage.map_or(0.0, fraction_percent)
}

/// How much sooner than the route says a runtime ends an RPC on the
/// route's deadline, in seconds: `(least, most)`.
///
/// C-core (C++, Python, Ruby, PHP) adds the route's duration to the call's
/// start as its cycle counter reads it, and that counter's timestamps lag
/// its clock by the process epoch's rounding: the epoch is the clock's
/// second at start-up, set back one (`src/core/util/time.cc`; the client
/// channel's `ResetDeadline`). So the deadline comes 1 s plus the
/// sub-second part of the clock at start-up early, the same for every RPC
/// of a process. Seen with grpcio 1.85: a route timeout of 1 s fails every
/// RPC at once, one of 1.5 s in some processes only, one of 4 s ends a
/// longer fault delay after 2-3 s.
fn deadline_lead(runtime: Runtime) -> (f64, f64) {
    match runtime {
        _ if is_c_core(runtime) => (1.0, 2.0),
        // C++ and Python early, Java, Go and Node on time.
        Runtime::Any => (0.0, 2.0),
        Runtime::Exact(..) | Runtime::Latest(_) => (0.0, 0.0),
    }
}

/// Whether the runtime is one C-core language (C++, Python, Ruby, PHP).
fn is_c_core(runtime: Runtime) -> bool {
    match runtime {
        Runtime::Exact(language, _) | Runtime::Latest(language) => matches!(
            language,
            Language::Cpp | Language::Python | Language::Ruby | Language::Php
        ),
        Runtime::Any => false,
    }
}

/// Who ends route deadlines early, in words, for `runtime`.
fn early_enders(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::Any => "C-core runtimes (C++, Python) end",
        _ => "C-core ends",
    }
}

/// Whether RPCs that wait `wait` seconds before they are sent (a fault
/// delay) outlive a route deadline that really ends them between `soonest`
/// and `latest` seconds after they start.
#[derive(Debug, Clone, Copy, PartialEq)]
enum DeadlineFate {
    Answered,
    /// Depends on the client process (or runtime): some fail every such RPC.
    Sometimes,
    Exceeded,
}

fn deadline_fate(wait: f64, soonest: f64, latest: f64) -> DeadlineFate {
    if wait >= latest {
        DeadlineFate::Exceeded
    } else if wait > soonest {
        DeadlineFate::Sometimes
    } else {
        DeadlineFate::Answered
    }
}

/// The RPCs of a route that wait alike before they are sent (a fault delay
/// on a share of them, or none), against the route's deadline.
#[derive(Debug, Clone, Copy)]
struct DeadlineGroup {
    /// Seconds waited first.
    wait: f64,
    /// Share of the route's RPCs, in percent.
    share: f64,
    fate: DeadlineFate,
}

/// The route's RPCs grouped by what they wait (A33: the delay comes first,
/// the deadline runs through it), each with its fate under the deadline.
fn deadline_groups(
    timeout: f64,
    delay: Option<(f64, f64)>,
    runtime: Runtime,
) -> Vec<DeadlineGroup> {
    let (least, most) = deadline_lead(runtime);
    let (soonest, latest) = (timeout - most, timeout - least);
    let waits: Vec<(f64, f64)> = match delay {
        Some((seconds, share)) if share >= 100.0 => vec![(seconds, 100.0)],
        Some((seconds, share)) if share > 0.0 => vec![(seconds, share), (0.0, 100.0 - share)],
        _ => vec![(0.0, 100.0)],
    };
    waits
        .into_iter()
        .map(|(wait, share)| DeadlineGroup {
            wait,
            share,
            fate: deadline_fate(wait, soonest, latest),
        })
        .collect()
}

/// Why the deadline fails RPCs that wait `wait` seconds, in words.
fn deadline_reason(timeout: f64, wait: f64, fate: DeadlineFate, runtime: Runtime) -> String {
    let early = deadline_lead(runtime).1 > 0.0;
    match fate {
        DeadlineFate::Sometimes => format!(
            "{} the route's {timeout}s deadline 1-2 s early, by an amount fixed in each client process: in some processes every RPC {}fails DEADLINE_EXCEEDED",
            early_enders(runtime),
            if wait > 0.0 {
                format!("delayed {wait}s ")
            } else {
                String::new()
            }
        ),
        _ => {
            let early = if early {
                format!(", which {} 1-2 s early", early_enders(runtime))
            } else {
                String::new()
            };
            if wait > 0.0 {
                format!("the route's fault delay ({wait}s) outlasts its {timeout}s deadline{early}")
            } else {
                format!("the route's {timeout}s deadline{early}, has passed when the RPC starts")
            }
        }
    }
}

/// The partial failures the deadline gives `groups` (those it fails in
/// part, or in some processes).
fn deadline_failures(
    timeout: f64,
    groups: &[DeadlineGroup],
    runtime: Runtime,
) -> Vec<PartialFailure> {
    groups
        .iter()
        .filter(|g| g.fate != DeadlineFate::Answered)
        .map(|g| PartialFailure {
            status: "DEADLINE_EXCEEDED".into(),
            cause: FailureCause::Deadline,
            percent: (g.fate == DeadlineFate::Exceeded).then_some(g.share),
            reason: deadline_reason(timeout, g.wait, g.fate, runtime),
        })
        .collect()
}

/// The outcome once the route is known. What comes first decides (seen
/// with grpcio 1.85): a fault delay the deadline ends, then a fault abort
/// (even past a deadline that has passed when the RPC starts: the abort is
/// immediate, the expiry a timer), then a deadline that has passed, then
/// clusters that all fail (the pick comes last).
fn settle_outcome(
    verdict: &mut RouteVerdict,
    route: &Route,
    action: &RouteAction,
    runtime: Runtime,
) {
    let fault = if runtime.supports(Feature::FaultInjection) {
        fault_of(route)
    } else {
        None
    };
    let delay = fault.as_ref().and_then(|f| f.delay.as_ref()).and_then(|d| {
        use envoy_types::pb::envoy::extensions::filters::common::fault::v3::fault_delay::FaultDelaySecifier;
        match &d.fault_delay_secifier {
            Some(FaultDelaySecifier::FixedDelay(fixed)) => {
                Some((seconds(fixed), fault_share(d.percentage.as_ref())))
            }
            _ => None,
        }
    });
    let share_of =
        |a: &envoy_types::pb::envoy::extensions::filters::http::fault::v3::FaultAbort| {
            fault_share(a.percentage.as_ref())
        };
    let abort_fault = fault.as_ref().and_then(|f| f.abort.as_ref());
    // (status, share) of an abort every client of the runtime makes.
    let abort = abort_fault.and_then(|a| match abort_effect(a.error_type.as_ref(), runtime) {
        AbortEffect::Fails(status) => Some((status, share_of(a))),
        AbortEffect::Nothing | AbortEffect::ByRuntime(_) => None,
    });
    // An abort only some runtimes make.
    let abort_by_runtime = abort_fault.and_then(|a| match abort_effect(a.error_type.as_ref(), runtime) {
        AbortEffect::ByRuntime(status) if share_of(a) > 0.0 => Some(PartialFailure {
            status,
            cause: FailureCause::Abort,
            percent: None,
            reason: format!(
                "the route's fault injection aborts {}% of RPCs, except on C-core runtimes, which take the abort's status as OK",
                share_of(a)
            ),
        }),
        _ => None,
    });
    let timeout = effective_timeout(action, runtime);
    let groups = timeout.map_or_else(Vec::new, |t| deadline_groups(t, delay, runtime));
    let deadline_fails =
        |groups: &[DeadlineGroup]| deadline_failures(timeout.unwrap_or(0.0), groups, runtime);
    let every_exceeded =
        !groups.is_empty() && groups.iter().all(|g| g.fate == DeadlineFate::Exceeded);
    if every_exceeded && groups.iter().all(|g| g.wait > 0.0) {
        let reason = deadline_reason(
            timeout.unwrap_or(0.0),
            groups[0].wait,
            DeadlineFate::Exceeded,
            runtime,
        );
        failing(verdict, "DEADLINE_EXCEEDED", reason);
        return;
    }
    if let Some((status, share)) = &abort {
        if *share >= 100.0 {
            failing(
                verdict,
                status,
                "the route's fault injection aborts every RPC".to_string(),
            );
            // Those delayed first may meet the deadline before the abort.
            let delayed: Vec<DeadlineGroup> =
                groups.iter().copied().filter(|g| g.wait > 0.0).collect();
            verdict.outcome.partial_failures = deadline_fails(&delayed);
            return;
        }
    }
    if every_exceeded {
        let reason = deadline_reason(
            timeout.unwrap_or(0.0),
            groups[0].wait,
            DeadlineFate::Exceeded,
            runtime,
        );
        failing(verdict, "DEADLINE_EXCEEDED", reason);
        return;
    }
    let mut partial = deadline_fails(&groups);
    // An RPC that fails anyway fails DEADLINE_EXCEEDED instead in the
    // client processes whose route deadline has passed before it fails.
    let by_process: Vec<PartialFailure> = partial
        .iter()
        .filter(|p| p.percent.is_none())
        .cloned()
        .collect();
    let fail = |verdict: &mut RouteVerdict, status: &str, reason: String| {
        failing(verdict, status, reason);
        verdict.outcome.partial_failures = by_process.clone();
    };
    if verdict.destinations.is_empty() {
        fail(
            verdict,
            "UNAVAILABLE",
            "the route names no cluster gRPC can use".into(),
        );
        return;
    }
    let reachable: Vec<&Destination> = verdict
        .destinations
        .iter()
        .filter(|d| d.failure.is_none() && d.weight_percent > 0.0)
        .collect();
    if reachable.is_empty() {
        let reasons: Vec<String> = verdict
            .destinations
            .iter()
            .filter_map(|d| d.failure.clone())
            .collect();
        fail(verdict, "UNAVAILABLE", reasons.join("; "));
        return;
    }
    let failing_share: f64 = verdict
        .destinations
        .iter()
        .filter(|d| d.failure.is_some())
        .map(|d| d.weight_percent)
        .sum();
    let mut reason = String::from("reaches a backend");
    if failing_share > 0.0 {
        reason.push_str(&format!(
            "; {failing_share:.0}% of RPCs go to clusters that fail UNAVAILABLE"
        ));
        partial.push(PartialFailure {
            status: "UNAVAILABLE".into(),
            cause: FailureCause::Cluster,
            percent: Some(failing_share),
            reason: "sent to clusters that fail".into(),
        });
    }
    if let Some(failure) = abort_by_runtime {
        reason.push_str(&format!("; {}", failure.reason));
        partial.push(failure);
    }
    if let Some((status, share)) = abort {
        reason.push_str(&format!(
            "; {share}% of RPCs are aborted with {status} (fault injection)"
        ));
        if share > 0.0 {
            partial.push(PartialFailure {
                status,
                cause: FailureCause::Abort,
                percent: Some(share),
                reason: "aborted by the route's fault injection".into(),
            });
        }
    }
    for failure in &partial {
        if failure.status == "DEADLINE_EXCEEDED" {
            reason.push_str(&format!("; {}", failure.reason));
        }
    }
    verdict.outcome.reason = reason;
    verdict.outcome.partial_failures = partial;
}

/// The source of each route of the virtual host gRPC gets for a route
/// configuration, in order: asked of the semantics layer, which decided
/// the routes istiod builds. `None` where it cannot be told.
fn route_sources(
    index: &Index,
    proxy: &Proxy,
    config_name: &str,
    count: usize,
) -> Vec<Option<RouteSource>> {
    let Some(key) = ClusterKey::parse(config_name) else {
        return vec![None; count];
    };
    let renderer = Renderer::new(index, proxy);
    let Some(service) = renderer.service(&key.host) else {
        return vec![None; count];
    };
    let Some((id, spec)) =
        crate::semantics::routing::virtual_service_for(index, &proxy.namespace, &service.host)
    else {
        let default = RouteSource {
            origin: format!(
                "istiod's default route for {}:{} (no VirtualService applies)",
                service.host, key.port
            ),
            field: String::new(),
            location: None,
        };
        return vec![Some(default); count];
    };
    let object = index.object(id);
    let client = crate::semantics::routing::RouteClient {
        namespace: &proxy.namespace,
        labels: &proxy.labels,
        port: Some(key.port),
    };
    let emitted = crate::semantics::routing::emitted_routes(spec, client);
    if emitted.len() != count {
        return vec![None; count];
    }
    emitted
        .iter()
        .map(|route| {
            let field = match route.match_index {
                Some(j) => format!("spec.http[{}].match[{j}]", route.http_index),
                None => format!("spec.http[{}]", route.http_index),
            };
            Some(source_of(object, &field))
        })
        .collect()
}

/// A field of an object, told at what the user wrote: a generated
/// VirtualService's route at the Gateway API rule it comes from.
fn source_of(object: &crate::model::Object, field: &str) -> RouteSource {
    let Ok(path) = FieldPath::parse(field) else {
        return RouteSource {
            origin: object.origin().to_string(),
            field: field.to_string(),
            location: None,
        };
    };
    if let Some(part) = object.generated.as_ref().and_then(|g| g.part_for(&path)) {
        let pos = part.source.locate(&part.source_field).value;
        return RouteSource {
            origin: part.source_origin.to_string(),
            field: part.source_field.to_string(),
            location: Some(format!(
                "{}:{}:{}",
                part.source.file.name, pos.line, pos.column
            )),
        };
    }
    let pos = object.doc.locate(&path).value;
    RouteSource {
        origin: object.origin().to_string(),
        field: field.to_string(),
        location: Some(format!(
            "{}:{}:{}",
            object.doc.file.name, pos.line, pos.column
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use envoy_types::pb::envoy::extensions::filters::common::fault::v3::{
        fault_delay::FaultDelaySecifier, FaultDelay,
    };
    use envoy_types::pb::envoy::extensions::filters::http::fault::v3::FaultAbort;

    fn runtime(text: &str) -> Runtime {
        text.parse().unwrap()
    }

    fn duration(seconds: f64) -> Duration {
        Duration {
            seconds: seconds.trunc() as i64,
            nanos: (seconds.fract() * 1e9).round() as i32,
        }
    }

    fn percent(value: u32) -> Option<FractionalPercent> {
        Some(FractionalPercent {
            numerator: value,
            denominator: DenominatorType::Hundred as i32,
        })
    }

    /// A route to one reachable cluster, with `fault` and a route timeout.
    fn route(fault: HttpFault, timeout: Option<f64>) -> (Route, RouteAction) {
        let action = RouteAction {
            cluster_specifier: Some(route_action::ClusterSpecifier::Cluster("c".into())),
            max_stream_duration: timeout.map(|t| route_action::MaxStreamDuration {
                max_stream_duration: Some(duration(t)),
                ..Default::default()
            }),
            ..Default::default()
        };
        let route = Route {
            typed_per_filter_config: [(
                "envoy.filters.http.fault".to_string(),
                crate::xds::json::pack(&fault),
            )]
            .into(),
            action: Some(route::Action::Route(action.clone())),
            ..Default::default()
        };
        (route, action)
    }

    /// A verdict whose one destination is a rejected cluster.
    fn verdict_to_nowhere() -> RouteVerdict {
        let mut verdict = verdict("python@1.85");
        verdict.destinations[0].pods_of.clear();
        verdict.destinations[0].failure = Some("rejected".into());
        verdict
    }

    fn outcome(fault: HttpFault, timeout: Option<f64>, grpc: &str) -> Outcome {
        let (route, action) = route(fault, timeout);
        let mut verdict = verdict(grpc);
        settle_outcome(&mut verdict, &route, &action, runtime(grpc));
        verdict.outcome
    }

    /// A verdict with one reachable destination, before its outcome.
    fn verdict(grpc: &str) -> RouteVerdict {
        let mut verdict = RouteVerdict::new("echo:7070", "/a.B/C", "client", grpc.parse().unwrap());
        verdict.destinations = vec![Destination {
            cluster: "c".into(),
            weight_percent: 100.0,
            host: None,
            subset: None,
            lb_policy: None,
            endpoints: Vec::new(),
            skipped_endpoints: Vec::new(),
            pods_of: vec!["Deployment ns/echo".into()],
            failure: None,
        }];
        verdict
    }

    fn delay(seconds: f64, share: Option<FractionalPercent>) -> HttpFault {
        HttpFault {
            delay: Some(FaultDelay {
                percentage: share,
                fault_delay_secifier: Some(FaultDelaySecifier::FixedDelay(duration(seconds))),
            }),
            ..Default::default()
        }
    }

    fn deadline_failure(outcome: &Outcome) -> Option<Option<f64>> {
        outcome
            .partial_failures
            .iter()
            .find(|p| p.status == "DEADLINE_EXCEEDED" && p.cause == FailureCause::Deadline)
            .map(|p| p.percent)
    }

    #[test]
    fn an_abort_without_a_percentage_aborts_nothing() {
        let abort = |share| HttpFault {
            abort: Some(FaultAbort {
                percentage: share,
                error_type: Some(fault_abort::ErrorType::GrpcStatus(12)),
                ..Default::default()
            }),
            ..Default::default()
        };
        // Seen with grpcio 1.85: every RPC answered.
        let unset = outcome(abort(None), None, "python@1.85");
        assert!(unset.reaches_backend, "{unset:?}");
        assert!(unset.partial_failures.is_empty(), "{unset:?}");
        let all = outcome(abort(percent(100)), None, "python@1.85");
        assert_eq!(all.status.as_deref(), Some("UNIMPLEMENTED"));
        let half = outcome(abort(percent(50)), None, "python@1.85");
        assert!(half.reaches_backend);
        assert_eq!(half.partial_failures[0].percent, Some(50.0));
        assert_eq!(half.partial_failures[0].cause, FailureCause::Abort);
    }

    #[test]
    fn c_core_ends_a_route_deadline_one_to_two_seconds_early() {
        let none = HttpFault::default();
        // 1 s or less: the deadline has passed when the RPC starts.
        let one = outcome(none.clone(), Some(1.0), "python@1.85");
        assert_eq!(one.status.as_deref(), Some("DEADLINE_EXCEEDED"), "{one:?}");
        assert!(
            one.reason.contains("has passed when the RPC starts"),
            "{one:?}"
        );
        // Between 1 and 2 s: it depends on the process.
        let between = outcome(none.clone(), Some(1.5), "cpp@1.70");
        assert!(between.reaches_backend);
        assert_eq!(deadline_failure(&between), Some(None), "{between:?}");
        // 2 s and more leave an RPC that waits for nothing time enough.
        let two = outcome(none.clone(), Some(2.0), "python@1.85");
        assert!(
            two.reaches_backend && two.partial_failures.is_empty(),
            "{two:?}"
        );
        // Go, Java and Node end it on time.
        let go = outcome(none.clone(), Some(1.0), "go@1.70");
        assert!(
            go.reaches_backend && go.partial_failures.is_empty(),
            "{go:?}"
        );
        // `any` holds C-core runtimes and the others: some clients fail.
        let any = outcome(none, Some(1.0), "any");
        assert!(any.reaches_backend);
        assert_eq!(deadline_failure(&any), Some(None), "{any:?}");
    }

    #[test]
    fn a_fault_delay_past_the_route_deadline_fails_deadline_exceeded() {
        // vs-delay.yaml: 10 s delay, 4 s timeout.
        let past = outcome(delay(10.0, percent(100)), Some(4.0), "python@1.85");
        assert_eq!(
            past.status.as_deref(),
            Some("DEADLINE_EXCEEDED"),
            "{past:?}"
        );
        assert!(past
            .reason
            .contains("fault delay (10s) outlasts its 4s deadline"));
        // C-core: 3 s is past a 4 s deadline ended a second or more early.
        let close = outcome(delay(3.0, percent(100)), Some(4.0), "python@1.85");
        assert_eq!(
            close.status.as_deref(),
            Some("DEADLINE_EXCEEDED"),
            "{close:?}"
        );
        let on_time = outcome(delay(3.0, percent(100)), Some(4.0), "go@1.70");
        assert!(on_time.reaches_backend && on_time.partial_failures.is_empty());
        // 2.5 s against 4 s: between one and two seconds early.
        let maybe = outcome(delay(2.5, percent(100)), Some(4.0), "python@1.85");
        assert_eq!(deadline_failure(&maybe), Some(None), "{maybe:?}");
        // A delay on half the RPCs fails that half.
        let half = outcome(delay(10.0, percent(50)), Some(4.0), "python@1.85");
        assert!(half.reaches_backend);
        assert_eq!(deadline_failure(&half), Some(Some(50.0)), "{half:?}");
        // A delay with no percentage delays nothing.
        let unset = outcome(delay(10.0, None), Some(4.0), "python@1.85");
        assert!(unset.reaches_backend && unset.partial_failures.is_empty());
        // Without a route deadline only the application's own applies.
        let untimed = outcome(delay(10.0, percent(100)), None, "python@1.85");
        assert!(untimed.reaches_backend && untimed.partial_failures.is_empty());
    }

    #[test]
    fn an_rpc_that_fails_anyway_fails_deadline_exceeded_where_the_deadline_passed_first() {
        // Seen with grpcio 1.85: a 1.5 s route timeout, every cluster of the
        // route rejected (LEAST_REQUEST): DEADLINE_EXCEEDED in one process.
        let settled = |timeout: f64| {
            let (taken, action) = route(HttpFault::default(), Some(timeout));
            let mut verdict = verdict_to_nowhere();
            settle_outcome(&mut verdict, &taken, &action, runtime("python@1.85"));
            verdict.outcome
        };
        let sometimes = settled(1.5);
        assert_eq!(sometimes.status.as_deref(), Some("UNAVAILABLE"));
        assert_eq!(deadline_failure(&sometimes), Some(None));
        // A deadline C-core always keeps leaves the failure alone.
        assert!(settled(3.0).partial_failures.is_empty());
    }

    #[test]
    fn an_abort_comes_before_a_passed_deadline_and_after_a_delay_it_ends() {
        // Seen with grpcio 1.85: 0.5 s timeout and an abort on every RPC.
        let abort = FaultAbort {
            percentage: percent(100),
            error_type: Some(fault_abort::ErrorType::HttpStatus(400)),
            ..Default::default()
        };
        let aborted = HttpFault {
            abort: Some(abort.clone()),
            ..Default::default()
        };
        let first = outcome(aborted, Some(0.5), "python@1.85");
        assert_eq!(first.status.as_deref(), Some("INTERNAL"), "{first:?}");
        let mut delayed = delay(0.3, percent(100));
        delayed.abort = Some(abort);
        let ended = outcome(delayed, Some(0.5), "python@1.85");
        assert_eq!(
            ended.status.as_deref(),
            Some("DEADLINE_EXCEEDED"),
            "{ended:?}"
        );
        assert!(
            ended.reason.contains("fault delay (0.3s) outlasts"),
            "{ended:?}"
        );
    }

    #[test]
    fn c_core_aborts_nothing_with_an_ok_status() {
        // Seen with grpcio 1.85: grpcStatus OK and httpStatus 200 at 100 %
        // answer every RPC.
        let abort = |error| HttpFault {
            abort: Some(FaultAbort {
                percentage: percent(100),
                error_type: Some(error),
                ..Default::default()
            }),
            ..Default::default()
        };
        for error in [
            fault_abort::ErrorType::HttpStatus(200),
            fault_abort::ErrorType::GrpcStatus(0),
        ] {
            let python = outcome(abort(error), None, "python@1.85");
            assert!(python.reaches_backend, "{python:?}");
            assert!(python.partial_failures.is_empty(), "{python:?}");
            // Other runtimes keep their mapping (HTTP 200 is UNKNOWN to Go).
            let go = outcome(abort(error), None, "go@1.70");
            assert!(!go.reaches_backend, "{go:?}");
            // `any`: some runtimes fail, C-core does not.
            let any = outcome(abort(error), None, "any");
            assert!(any.reaches_backend, "{any:?}");
            assert_eq!(any.partial_failures[0].percent, None, "{any:?}");
        }
        let denied = outcome(
            abort(fault_abort::ErrorType::HttpStatus(403)),
            None,
            "python@1.85",
        );
        assert_eq!(denied.status.as_deref(), Some("PERMISSION_DENIED"));
    }
}
