//! Route configurations (spec §3): one virtual host for the service port,
//! routes from the VirtualService that applies, or istiod's default route.

use std::collections::HashMap;

use envoy_types::pb::envoy::config::core::v3::{
    data_source, header_value_option, DataSource, HeaderValue, HeaderValueOption, Metadata,
    RuntimeFractionalPercent,
};
use envoy_types::pb::envoy::config::route::v3::{
    header_matcher::HeaderMatchSpecifier, query_parameter_matcher, redirect_action, retry_policy,
    route, route_action, route_match::PathSpecifier, weighted_cluster, Decorator,
    DirectResponseAction, HeaderMatcher, QueryParameterMatcher, RedirectAction, RetryPolicy, Route,
    RouteAction, RouteConfiguration, RouteMatch, VirtualHost, WeightedCluster,
};
use envoy_types::pb::envoy::extensions::filters::common::fault::v3::{fault_delay, FaultDelay};
use envoy_types::pb::envoy::extensions::filters::http::cors::v3::CorsPolicy;
use envoy_types::pb::envoy::extensions::filters::http::fault::v3::{
    fault_abort, FaultAbort, HttpFault,
};
use envoy_types::pb::envoy::extensions::filters::http::stateful_session::v3::{
    stateful_session_per_route, StatefulSessionPerRoute,
};
use envoy_types::pb::envoy::extensions::retry::host::previous_hosts::v3::PreviousHostsPredicate;
use envoy_types::pb::envoy::r#type::matcher::v3::{
    string_matcher::MatchPattern, RegexMatchAndSubstitute, RegexMatcher, StringMatcher,
};
use envoy_types::pb::envoy::r#type::v3::{fractional_percent::DenominatorType, FractionalPercent};
use envoy_types::pb::google::protobuf::{
    value, Any, BoolValue, Duration, Struct, UInt32Value, Value as ProtoValue,
};

use crate::index::{ObjectId, Service};
use crate::model::networking::{
    HTTPFaultInjection, HTTPMatchRequest, HTTPRetry, HTTPRoute, HeaderOperations, Headers, Percent,
    StringMatch, VirtualServiceSpec,
};
use crate::model::{Object, Spec};
use crate::semantics::istiod_release::{IstioRelease, RdsScope};
use crate::semantics::persistent_session::SessionState;
use crate::source::FieldPath;

use super::cds::{self, EffectivePolicy};
use super::json::pack;
use super::lds::{self, FAULT_FILTER, STATEFUL_SESSION_FILTER};
use super::names::{join_host_port, ClusterKey};
use super::render::Renderer;
use super::{parse_duration, XdsError};

const CORS_FILTER: &str = "envoy.filters.http.cors";
const DEFAULT_RETRY_ON: &str =
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
/// istiod's cluster name for a destination without a host.
pub const UNKNOWN_SERVICE_CLUSTER: &str = "UnknownService";
const PREVIOUS_HOSTS: &str = "envoy.retry_host_predicates.previous_hosts";

/// The route configuration gRPC asked for by name (`outbound|PORT||HOST`).
pub fn route_configuration(
    renderer: &Renderer<'_>,
    name: &str,
    key: &ClusterKey,
    notes: &mut Vec<String>,
) -> Result<RouteConfiguration, XdsError> {
    let mut config = RouteConfiguration {
        name: name.to_string(),
        ..Default::default()
    };
    let Some(service) = renderer.service(&key.host) else {
        notes.push(format!("route {name}: no service {} visible", key.host));
        return Ok(config);
    };
    let Some(port) = service.ports.iter().find(|p| p.port == key.port) else {
        notes.push(format!(
            "route {name}: service {} has no port {}",
            key.host, key.port
        ));
        return Ok(config);
    };
    // Only HTTP-ish ports get a virtual host, with or without a
    // VirtualService (§3.2).
    if !port.protocol.is_http_or_sniffed() {
        notes.push(format!(
            "route {name}: port {} is {}, not HTTP or gRPC: no virtual host",
            key.port, port.protocol
        ));
        return Ok(config);
    }
    config
        .virtual_hosts
        .push(virtual_host(renderer, service, key.port)?);
    if renderer.index.istio_release.rds_scope() == RdsScope::Port {
        config
            .virtual_hosts
            .extend(port_neighbours(renderer, service, key.port, name, notes));
    }
    Ok(config)
}

/// The virtual host of a service port: the VirtualService's routes, or
/// istiod's default route.
fn virtual_host(
    renderer: &Renderer<'_>,
    service: &Service,
    port: u32,
) -> Result<VirtualHost, XdsError> {
    let routes = match virtual_service(renderer, &service.host) {
        Some((id, spec)) => vs_routes(renderer, port, renderer.index.object(id), spec)?,
        None => vec![default_route(renderer, service, port)],
    };
    Ok(VirtualHost {
        name: join_host_port(&service.host, port),
        domains: domains(renderer, service, port),
        routes,
        typed_per_filter_config: lds::session_state(renderer, service)
            .map(|state| {
                (
                    STATEFUL_SESSION_FILTER.to_string(),
                    session_override(&state),
                )
            })
            .into_iter()
            .collect(),
        ..Default::default()
    })
}

/// A virtual host's or route's stateful-session override (§3.2).
fn session_override(state: &SessionState) -> Any {
    pack(&StatefulSessionPerRoute {
        r#override: Some(stateful_session_per_route::Override::StatefulSession(
            lds::stateful_session(state),
        )),
    })
}

/// The session state of a route, from its destinations' Services as
/// istiod's `TranslateRoute` loop leaves it: each destination's replaces
/// the last (even with none), except that a second one found stops it.
fn route_session(renderer: &Renderer<'_>, action: &route::Action) -> Option<SessionState> {
    let route::Action::Route(action) = action else {
        return None;
    };
    let clusters: Vec<&str> = match &action.cluster_specifier {
        Some(route_action::ClusterSpecifier::Cluster(name)) => vec![name.as_str()],
        Some(route_action::ClusterSpecifier::WeightedClusters(weighted)) => {
            weighted.clusters.iter().map(|c| c.name.as_str()).collect()
        }
        _ => Vec::new(),
    };
    let mut chosen = None;
    for name in clusters {
        let state = ClusterKey::parse(name)
            .and_then(|key| renderer.service(&key.host))
            .and_then(|service| lds::session_state(renderer, service));
        if state.is_some() && chosen.is_some() {
            break;
        }
        chosen = state;
    }
    chosen
}

/// Before Istio 1.31 a RouteConfiguration named for one host carried the
/// virtual hosts of every HTTP service on its port that the client sees
/// ([`crate::semantics::istiod_release::HOST_SCOPED_RDS`]), so one that a
/// client rejects takes the others down with it. In host order.
fn port_neighbours(
    renderer: &Renderer<'_>,
    requested: &Service,
    port: u32,
    name: &str,
    notes: &mut Vec<String>,
) -> Vec<VirtualHost> {
    let mut neighbours: Vec<&Service> = renderer
        .index
        .all_services()
        .filter(|s| s.host != requested.host && !s.host.starts_with('*'))
        .filter(|s| renderer.visible(s))
        .filter(|s| {
            s.ports
                .iter()
                .any(|p| p.port == port && p.protocol.is_http_or_sniffed())
        })
        .collect();
    neighbours.sort_by(|a, b| (&a.host, &a.namespace).cmp(&(&b.host, &b.namespace)));
    // The service a host names for this client, once per host.
    neighbours.dedup_by(|a, b| a.host == b.host);
    let mut out = Vec::new();
    for neighbour in neighbours {
        let Some(service) = renderer.service(&neighbour.host) else {
            continue;
        };
        match virtual_host(renderer, service, port) {
            Ok(host) => out.push(host),
            Err(error) => notes.push(format!(
                "route {name}: the virtual host of {} on port {port} is left out: {error}",
                service.host
            )),
        }
    }
    out
}

/// The VirtualService bound to the mesh for a host, the proxy's namespace first.
fn virtual_service<'a>(
    renderer: &Renderer<'a>,
    host: &str,
) -> Option<(ObjectId, &'a VirtualServiceSpec)> {
    crate::semantics::routing::virtual_service_for(renderer.index, &renderer.proxy.namespace, host)
}

/// Virtual host domains for a proxyless client (§3.2), ports kept.
pub fn domains(renderer: &Renderer<'_>, service: &Service, port: u32) -> Vec<String> {
    let mut names = vec![service.host.clone(), format!("{}.", service.host)];
    let proxy_domain = renderer.proxy.dns_domain.as_str();
    let suffix = format!(".svc.{}", renderer.index.cluster_domain);
    if let (Some(short), true) = (
        service.host.strip_suffix(&suffix),
        proxy_domain.contains(".svc."),
    ) {
        if let Some((name, namespace)) = short.split_once('.') {
            if !namespace.contains('.') && proxy_domain.ends_with(&suffix) {
                if namespace == renderer.proxy.namespace {
                    names.push(name.to_string());
                    names.push(format!("{name}.{namespace}.svc"));
                    names.push(format!("{name}.{namespace}"));
                } else {
                    names.push(format!("{name}.{namespace}"));
                    names.push(format!("{name}.{namespace}.svc"));
                }
            }
        }
    }
    if let Some(vip) = service_vip(renderer, service) {
        names.push(vip);
    }
    let mut out = Vec::new();
    for name in names {
        out.push(name.clone());
        out.push(join_host_port(&name, port));
    }
    out
}

fn service_vip(renderer: &Renderer<'_>, service: &Service) -> Option<String> {
    match &renderer.index.object(service.object).spec {
        Spec::Service(svc) => svc
            .spec
            .as_ref()
            .and_then(|s| s.cluster_ip.clone())
            .filter(|ip| ip != "None" && !ip.is_empty()),
        Spec::ServiceEntry(entry) => entry.addresses.iter().find(|a| !a.contains('/')).cloned(),
        _ => None,
    }
}

fn proto_duration(seconds: i64) -> Duration {
    Duration { seconds, nanos: 0 }
}

fn previous_hosts() -> retry_policy::RetryHostPredicate {
    retry_policy::RetryHostPredicate {
        name: PREVIOUS_HOSTS.into(),
        config_type: Some(retry_policy::retry_host_predicate::ConfigType::TypedConfig(
            pack(&PreviousHostsPredicate::default()),
        )),
    }
}

/// istiod's cached default retry policy.
fn default_retry(consistent_hash: bool) -> RetryPolicy {
    RetryPolicy {
        retry_on: DEFAULT_RETRY_ON.into(),
        num_retries: Some(UInt32Value { value: 2 }),
        host_selection_retry_max_attempts: 5,
        retry_host_predicate: if consistent_hash {
            Vec::new()
        } else {
            vec![previous_hosts()]
        },
        ..Default::default()
    }
}

/// `retry.ConvertPolicy` (§3.5).
fn retry_policy(
    retries: Option<&HTTPRetry>,
    consistent_hash: bool,
    release: IstioRelease,
    bad: &dyn Fn(&str, &str) -> XdsError,
) -> Result<Option<RetryPolicy>, XdsError> {
    let Some(retries) = retries else {
        return Ok(Some(default_retry(consistent_hash)));
    };
    let attempts = retries.attempts.unwrap_or(0);
    if attempts <= 0 {
        return Ok(None);
    }
    let mut out = default_retry(consistent_hash);
    out.num_retries = Some(UInt32Value {
        value: attempts as u32,
    });
    if let Some(retry_on) = retries.retry_on.as_deref().filter(|r| !r.is_empty()) {
        let mut conditions = Vec::new();
        for item in retry_on.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item.parse::<u32>() {
                Ok(code) if (100..=599).contains(&code) => out.retriable_status_codes.push(code),
                _ => conditions.push(item),
            }
        }
        if !out.retriable_status_codes.is_empty() {
            conditions.push("retriable-status-codes");
        }
        out.retry_on = conditions.join(",");
    }
    if let Some(timeout) = &retries.per_try_timeout {
        out.per_try_timeout =
            Some(parse_duration(timeout).ok_or_else(|| bad("retries.perTryTimeout", timeout))?);
    }
    if retries.retry_ignore_previous_hosts == Some(false) {
        out.retry_host_predicate.clear();
    }
    if let Some(backoff) = retries.backoff.as_ref().filter(|_| release.retry_backoff()) {
        out.retry_back_off = Some(retry_policy::RetryBackOff {
            base_interval: Some(
                parse_duration(backoff).ok_or_else(|| bad("retries.backoff", backoff))?,
            ),
            ..Default::default()
        });
    }
    Ok(Some(out))
}

/// `hash_policy` from a DestinationRule's consistentHash (§3.5).
fn hash_policy(policy: &EffectivePolicy) -> Vec<route_action::HashPolicy> {
    use route_action::hash_policy::{
        ConnectionProperties, Cookie, Header, PolicySpecifier, QueryParameter,
    };
    let Some(hash) = policy
        .load_balancer
        .as_ref()
        .and_then(|lb| lb.consistent_hash.as_ref())
    else {
        return Vec::new();
    };
    let specifier = if let Some(name) = &hash.http_header_name {
        PolicySpecifier::Header(Header {
            header_name: name.clone(),
            ..Default::default()
        })
    } else if let Some(cookie) = &hash.http_cookie {
        PolicySpecifier::Cookie(Cookie {
            name: cookie.name.clone().unwrap_or_default(),
            ttl: cookie.ttl.as_deref().and_then(parse_duration),
            path: cookie.path.clone().unwrap_or_default(),
            ..Default::default()
        })
    } else if hash.use_source_ip == Some(true) {
        PolicySpecifier::ConnectionProperties(ConnectionProperties { source_ip: true })
    } else if let Some(name) = &hash.http_query_parameter_name {
        PolicySpecifier::QueryParameter(QueryParameter { name: name.clone() })
    } else {
        return Vec::new();
    };
    vec![route_action::HashPolicy {
        policy_specifier: Some(specifier),
        terminal: false,
    }]
}

/// The route istiod adds when no VirtualService applies (§3.3): Envoy's
/// timeout branch, the default retry policy, the DR's hash policy.
fn default_route(renderer: &Renderer<'_>, service: &Service, port: u32) -> Route {
    let cluster = ClusterKey::new(&service.host, port, "");
    let policy = cds::effective_policy(renderer, &service.host, port, "");
    let hash = hash_policy(&policy);
    #[allow(deprecated)] // max_grpc_timeout: istiod still sets it on this route
    let action = RouteAction {
        cluster_specifier: Some(route_action::ClusterSpecifier::Cluster(cluster.to_string())),
        timeout: Some(proto_duration(0)),
        max_grpc_timeout: Some(proto_duration(0)),
        retry_policy: Some(default_retry(!hash.is_empty())),
        hash_policy: hash,
        ..Default::default()
    };
    Route {
        name: "default".into(),
        r#match: Some(RouteMatch {
            path_specifier: Some(PathSpecifier::Prefix("/".into())),
            ..Default::default()
        }),
        action: Some(route::Action::Route(action)),
        decorator: Some(Decorator {
            operation: format!("{}:{port}/*", service.host),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Routes of a VirtualService for one listener port (§3.3, §3.4).
fn vs_routes(
    renderer: &Renderer<'_>,
    port: u32,
    object: &Object,
    spec: &VirtualServiceSpec,
) -> Result<Vec<Route>, XdsError> {
    let client = crate::semantics::routing::RouteClient {
        namespace: &renderer.proxy.namespace,
        labels: &renderer.proxy.labels,
        port: Some(port),
    };
    crate::semantics::routing::emitted_routes(spec, client)
        .into_iter()
        .map(|emitted| emitted_route(renderer, port, object, emitted))
        .collect()
}

/// The route istiod builds from one match of a VirtualService (or from a
/// route without matches) for a client dialling `port`: also what the
/// rules hand the gRPC client model, field for field what clients get.
pub fn emitted_route(
    renderer: &Renderer<'_>,
    port: u32,
    object: &Object,
    emitted: crate::semantics::routing::EmittedRoute<'_>,
) -> Result<Route, XdsError> {
    let vs_namespace = object.namespace_or(crate::index::DEFAULT_NAMESPACE);
    let metadata = Metadata {
        filter_metadata: HashMap::from([(
            "istio".to_string(),
            Struct {
                fields: HashMap::from([(
                    "config".to_string(),
                    ProtoValue {
                        kind: Some(value::Kind::StringValue(format!(
                            "/apis/networking.istio.io/v1/namespaces/{vs_namespace}/virtual-service/{}",
                            object.meta.name
                        ))),
                    },
                )]),
            },
        )]),
        ..Default::default()
    };
    let gateway_semantics = crate::semantics::routing::uses_gateway_semantics(object);
    let (i, http, m) = (emitted.http_index, emitted.http, emitted.matcher);
    let at = |field: &str| format!("spec.http[{i}].{field}");
    let bad = |field: &str, value: &str| {
        bad_field(
            object,
            &at(field),
            &format!("{value:?} is not a duration such as \"1.5s\" or \"100ms\""),
        )
    };
    let mut route = Route {
        name: match m.and_then(|m| m.name.as_deref()) {
            Some(match_name) => {
                format!("{}.{match_name}", http.name.as_deref().unwrap_or_default())
            }
            None => http.name.clone().unwrap_or_default(),
        },
        r#match: Some(route_match(m, gateway_semantics)),
        metadata: Some(metadata),
        ..Default::default()
    };
    route.action = Some(route_action(
        renderer,
        http,
        vs_namespace,
        port,
        gateway_semantics,
        &bad,
    )?);
    // Header operations: gRPC ignores them, but istiod sends them, so the
    // client gets them (§3.4). A single destination's own go on the route.
    let mut operations: Vec<&Headers> = http.headers.iter().collect();
    if http.route.len() == 1 {
        operations.extend(http.route[0].headers.iter());
    }
    for headers in operations {
        let (add, remove) = header_operations(headers.request.as_ref());
        route.request_headers_to_add.extend(add);
        route.request_headers_to_remove.extend(remove);
        let (add, remove) = header_operations(headers.response.as_ref());
        route.response_headers_to_add.extend(add);
        route.response_headers_to_remove.extend(remove);
    }
    if let Some(fault) = &http.fault {
        route
            .typed_per_filter_config
            .insert(FAULT_FILTER.into(), pack(&fault_config(fault)));
    }
    if let Some(cors) = &http.cors_policy {
        let policy = CorsPolicy {
            allow_origin_string_match: cors
                .allow_origins
                .iter()
                .filter_map(convert_string_match)
                .chain(
                    cors.allow_origin
                        .iter()
                        .map(|o| string_matcher(MatchPattern::Exact(o.clone()))),
                )
                .collect(),
            allow_methods: cors.allow_methods.join(","),
            allow_headers: cors.allow_headers.join(","),
            expose_headers: cors.expose_headers.join(","),
            max_age: cors
                .max_age
                .as_deref()
                .and_then(parse_duration)
                .map(|d| d.seconds.to_string())
                .unwrap_or_default(),
            allow_credentials: cors.allow_credentials.map(|value| BoolValue { value }),
            ..Default::default()
        };
        route
            .typed_per_filter_config
            .insert(CORS_FILTER.into(), pack(&policy));
    }
    if let Some(state) = route
        .action
        .as_ref()
        .and_then(|a| route_session(renderer, a))
    {
        route
            .typed_per_filter_config
            .insert(STATEFUL_SESSION_FILTER.into(), session_override(&state));
    }
    route.decorator = Some(Decorator {
        operation: operation(&route, &object.meta.name, port),
        ..Default::default()
    });
    Ok(route)
}

/// Envoy's header operations for a VirtualService's `set`, `add` and
/// `remove` (istiod's `translateHeadersOperations`; `:authority` and `host`
/// become a host rewrite instead, see [`host_rewrite`]).
fn header_operations(
    operations: Option<&HeaderOperations>,
) -> (Vec<HeaderValueOption>, Vec<String>) {
    let Some(operations) = operations else {
        return (Vec::new(), Vec::new());
    };
    let is_authority =
        |name: &str| name.eq_ignore_ascii_case(":authority") || name.eq_ignore_ascii_case("host");
    let option = |name: &str, value: &str, action: header_value_option::HeaderAppendAction| {
        HeaderValueOption {
            header: Some(HeaderValue {
                key: name.to_string(),
                value: value.to_string(),
                ..Default::default()
            }),
            append_action: action as i32,
            ..Default::default()
        }
    };
    let mut add: Vec<HeaderValueOption> = operations
        .set
        .iter()
        .filter(|(name, _)| !is_authority(name))
        .map(|(name, value)| {
            option(
                name,
                value,
                header_value_option::HeaderAppendAction::OverwriteIfExistsOrAdd,
            )
        })
        .collect();
    add.extend(operations.add.iter().map(|(name, value)| {
        option(
            name,
            value,
            header_value_option::HeaderAppendAction::AppendIfExistsOrAdd,
        )
    }));
    (add, operations.remove.clone())
}

/// The authority a route's `headers.request.set` or `rewrite.authority`
/// asks for: Envoy's `host_rewrite_literal`.
fn host_rewrite(http: &HTTPRoute) -> Option<String> {
    let from_headers = http
        .headers
        .iter()
        .chain(if http.route.len() == 1 {
            http.route[0].headers.as_ref()
        } else {
            None
        })
        .filter_map(|h| h.request.as_ref())
        .flat_map(|r| &r.set)
        .find(|(name, _)| {
            name.eq_ignore_ascii_case(":authority") || name.eq_ignore_ascii_case("host")
        })
        .map(|(_, value)| value.clone());
    http.rewrite
        .as_ref()
        .and_then(|r| r.authority.clone())
        .or(from_headers)
}

fn bad_field(object: &Object, field: &str, message: &str) -> XdsError {
    let located = FieldPath::parse(field)
        .map(|path| object.doc.locate(&path).value)
        .unwrap_or(object.doc.pos);
    XdsError::BadField {
        location: format!(
            "{}:{}:{}",
            object.doc.file.name, located.line, located.column
        ),
        origin: object.origin().to_string(),
        field: field.to_string(),
        message: message.to_string(),
    }
}

fn string_matcher(pattern: MatchPattern) -> StringMatcher {
    StringMatcher {
        match_pattern: Some(pattern),
        ignore_case: false,
    }
}

fn convert_string_match(m: &StringMatch) -> Option<StringMatcher> {
    let pattern = if let Some(exact) = &m.exact {
        MatchPattern::Exact(exact.clone())
    } else if let Some(prefix) = &m.prefix {
        MatchPattern::Prefix(prefix.clone())
    } else if let Some(regex) = &m.regex {
        MatchPattern::SafeRegex(RegexMatcher {
            regex: regex.clone(),
            ..Default::default()
        })
    } else {
        return None;
    };
    Some(string_matcher(pattern))
}

fn header_matcher(name: &str, m: &StringMatch, invert: bool) -> HeaderMatcher {
    let present = m.exact.is_none()
        && m.prefix.is_none()
        && m.regex.as_deref().is_none_or(|r| r == "*" || r.is_empty());
    HeaderMatcher {
        name: name.to_string(),
        invert_match: invert,
        treat_missing_header_as_empty: invert && !present,
        header_match_specifier: Some(if present {
            HeaderMatchSpecifier::PresentMatch(true)
        } else {
            HeaderMatchSpecifier::StringMatch(convert_string_match(m).unwrap_or_default())
        }),
    }
}

/// `TranslateRouteMatch`.
fn route_match(m: Option<&HTTPMatchRequest>, gateway_semantics: bool) -> RouteMatch {
    let Some(m) = m else {
        return RouteMatch {
            path_specifier: Some(PathSpecifier::Prefix("/".into())),
            ..Default::default()
        };
    };
    let path = match &m.uri {
        Some(StringMatch { exact: Some(e), .. }) => PathSpecifier::Path(e.clone()),
        Some(StringMatch {
            prefix: Some(p), ..
        }) => match crate::semantics::routing::path_separated_prefix(p, gateway_semantics) {
            Some(segments) => PathSpecifier::PathSeparatedPrefix(segments.to_string()),
            None => PathSpecifier::Prefix(p.clone()),
        },
        Some(StringMatch { regex: Some(r), .. }) => PathSpecifier::SafeRegex(RegexMatcher {
            regex: r.clone(),
            ..Default::default()
        }),
        _ => PathSpecifier::Prefix("/".into()),
    };
    let mut headers: Vec<HeaderMatcher> = m
        .headers
        .iter()
        // JWT claims are dynamic metadata, which gRPC does not have (§3.4).
        .filter(|(name, _)| !name.starts_with(crate::semantics::routing::JWT_CLAIM_PREFIX))
        .map(|(name, value)| header_matcher(name, value, false))
        .collect();
    headers.extend(
        m.without_headers
            .iter()
            .filter(|(name, _)| !name.starts_with(crate::semantics::routing::JWT_CLAIM_PREFIX))
            .map(|(name, value)| header_matcher(name, value, true)),
    );
    headers.sort_by(|a, b| a.name.cmp(&b.name));
    for (name, value) in [
        (":method", &m.method),
        (":authority", &m.authority),
        (":scheme", &m.scheme),
    ] {
        if let Some(value) = value {
            headers.push(header_matcher(name, value, false));
        }
    }
    RouteMatch {
        path_specifier: Some(path),
        case_sensitive: Some(BoolValue {
            value: !m.ignore_uri_case.unwrap_or(false),
        }),
        headers,
        query_parameters: m
            .query_params
            .iter()
            .map(|(name, value)| QueryParameterMatcher {
                name: name.clone(),
                query_parameter_match_specifier: Some(match convert_string_match(value) {
                    Some(matcher) => {
                        query_parameter_matcher::QueryParameterMatchSpecifier::StringMatch(matcher)
                    }
                    None => {
                        query_parameter_matcher::QueryParameterMatchSpecifier::PresentMatch(true)
                    }
                }),
            })
            .collect(),
        ..Default::default()
    }
}

/// The route's action: a redirect, a direct response, or clusters (§3.4).
fn route_action(
    renderer: &Renderer<'_>,
    http: &HTTPRoute,
    vs_namespace: &str,
    port: u32,
    gateway_semantics: bool,
    bad: &dyn Fn(&str, &str) -> XdsError,
) -> Result<route::Action, XdsError> {
    if let Some(redirect) = &http.redirect {
        let code = match redirect.redirect_code.unwrap_or(301) {
            302 => redirect_action::RedirectResponseCode::Found,
            303 => redirect_action::RedirectResponseCode::SeeOther,
            307 => redirect_action::RedirectResponseCode::TemporaryRedirect,
            308 => redirect_action::RedirectResponseCode::PermanentRedirect,
            _ => redirect_action::RedirectResponseCode::MovedPermanently,
        };
        return Ok(route::Action::Redirect(RedirectAction {
            host_redirect: redirect.authority.clone().unwrap_or_default(),
            path_rewrite_specifier: redirect
                .uri
                .clone()
                .map(redirect_action::PathRewriteSpecifier::PathRedirect),
            response_code: code as i32,
            ..Default::default()
        }));
    }
    if let Some(response) = &http.direct_response {
        return Ok(route::Action::DirectResponse(DirectResponseAction {
            status: response.status.unwrap_or(200),
            body: response
                .body
                .as_ref()
                .and_then(|b| b.string.clone())
                .map(|s| DataSource {
                    specifier: Some(data_source::Specifier::InlineString(s)),
                    ..Default::default()
                }),
            ..Default::default()
        }));
    }
    // A destination without a host is how istiod's conversion writes an
    // invalid Gateway API backendRef; istiod routes it to a cluster that
    // does not exist.
    let unknown_service = http
        .route
        .iter()
        .find(|d| d.destination.as_ref().is_some_and(|d| d.host.is_none()));
    let destinations: Vec<(ClusterKey, u32, Option<&Headers>)> = http
        .route
        .iter()
        .filter_map(|d| {
            let destination = d.destination.as_ref()?;
            let host = renderer
                .index
                .config_host_fqdn(destination.host.as_deref()?, vs_namespace);
            let dest_port = destination
                .port
                .as_ref()
                .and_then(|p| p.number)
                .or_else(|| {
                    let service = renderer.service(&host)?;
                    (service.ports.len() == 1).then(|| service.ports[0].port)
                })
                .unwrap_or(port);
            let subset = destination.subset.clone().unwrap_or_default();
            Some((
                ClusterKey::new(&host, dest_port, &subset),
                d.weight.unwrap_or(0).max(0) as u32,
                d.headers.as_ref(),
            ))
        })
        .collect();
    let policies: Vec<EffectivePolicy> = destinations
        .iter()
        .map(|(key, _, _)| cds::effective_policy(renderer, &key.host, key.port, &key.subset))
        .collect();
    let hashes: Vec<_> = policies.iter().map(hash_policy).collect();
    // A weighted route hashes only when every destination hashes alike.
    let hash = match hashes.split_first() {
        Some((first, rest)) if rest.iter().all(|h| h == first) => first.clone(),
        _ => Vec::new(),
    };
    let mut clusters: Vec<(String, u32, Option<&Headers>)> = destinations
        .iter()
        .map(|(key, weight, headers)| (key.to_string(), *weight, *headers))
        .collect();
    if let Some(route) = unknown_service {
        clusters.push((
            UNKNOWN_SERVICE_CLUSTER.to_string(),
            route.weight.unwrap_or(0).max(0) as u32,
            route.headers.as_ref(),
        ));
    }
    let cluster_specifier = if clusters.len() == 1 {
        route_action::ClusterSpecifier::Cluster(clusters.remove(0).0)
    } else {
        route_action::ClusterSpecifier::WeightedClusters(WeightedCluster {
            clusters: clusters
                .into_iter()
                .filter(|(_, weight, _)| *weight > 0)
                .map(|(name, weight, headers)| {
                    let (request_add, request_remove) =
                        header_operations(headers.and_then(|h| h.request.as_ref()));
                    let (response_add, response_remove) =
                        header_operations(headers.and_then(|h| h.response.as_ref()));
                    weighted_cluster::ClusterWeight {
                        name,
                        weight: Some(UInt32Value { value: weight }),
                        request_headers_to_add: request_add,
                        request_headers_to_remove: request_remove,
                        response_headers_to_add: response_add,
                        response_headers_to_remove: response_remove,
                        ..Default::default()
                    }
                })
                .collect(),
            ..Default::default()
        })
    };
    let timeout = match &http.timeout {
        Some(text) => parse_duration(text).ok_or_else(|| bad("timeout", text))?,
        None => proto_duration(0),
    };
    let mesh_default = renderer
        .index
        .mesh_config
        .other
        .get("defaultHttpRetryPolicy")
        .and_then(|v| serde_json::from_value::<HTTPRetry>(v.clone()).ok());
    let retries = http.retries.as_ref().or(mesh_default.as_ref());
    // Mirrors: one `mirror` with `mirrorPercentage` (or the old integer
    // percent), then each of `mirrors` with its own percentage.
    let mirror_policy = |destination: &crate::model::networking::Destination,
                         percent: Option<f64>| {
        let host = renderer.index.config_host_fqdn(
            destination.host.as_deref().unwrap_or_default(),
            vs_namespace,
        );
        let mirror_port = destination
            .port
            .as_ref()
            .and_then(|p| p.number)
            .unwrap_or(port);
        route_action::RequestMirrorPolicy {
            cluster: ClusterKey::new(
                &host,
                mirror_port,
                destination.subset.as_deref().unwrap_or_default(),
            )
            .to_string(),
            runtime_fraction: percent.map(|value| RuntimeFractionalPercent {
                default_value: Some(FractionalPercent {
                    numerator: (value * 10_000.0).round() as u32,
                    denominator: DenominatorType::Million as i32,
                }),
                ..Default::default()
            }),
            trace_sampled: Some(BoolValue { value: false }),
            ..Default::default()
        }
    };
    let mut request_mirror_policies = Vec::new();
    if let Some(mirror) = &http.mirror {
        let percent = http
            .mirror_percentage
            .as_ref()
            .and_then(|p| p.value)
            .or(http
                .mirror_percent
                .or(http.mirror_percent_snake)
                .map(f64::from));
        request_mirror_policies.push(mirror_policy(mirror, percent));
    }
    for mirror in &http.mirrors {
        if let Some(destination) = &mirror.destination {
            request_mirror_policies.push(mirror_policy(
                destination,
                mirror.percentage.as_ref().and_then(|p| p.value),
            ));
        }
    }
    let rewrite = http.rewrite.as_ref();
    let regex_rewrite =
        rewrite
            .and_then(|r| r.uri_regex_rewrite.as_ref())
            .map(|r| RegexMatchAndSubstitute {
                pattern: Some(RegexMatcher {
                    regex: r.r#match.clone().unwrap_or_default(),
                    ..Default::default()
                }),
                substitution: r.rewrite.clone().unwrap_or_default(),
            });
    Ok(route::Action::Route(RouteAction {
        request_mirror_policies,
        prefix_rewrite: rewrite.and_then(|r| r.uri.clone()).unwrap_or_default(),
        regex_rewrite,
        host_rewrite_specifier: host_rewrite(http)
            .map(route_action::HostRewriteSpecifier::HostRewriteLiteral),
        cluster_specifier: Some(cluster_specifier),
        timeout: Some(timeout),
        max_stream_duration: Some(route_action::MaxStreamDuration {
            max_stream_duration: Some(timeout),
            ..Default::default()
        }),
        retry_policy: retry_policy(retries, !hash.is_empty(), renderer.index.istio_release, bad)?,
        hash_policy: hash,
        // A backend istiod cannot resolve answers 500, not 503, under
        // Gateway API semantics.
        cluster_not_found_response_code: if gateway_semantics {
            route_action::ClusterNotFoundResponseCode::InternalServerError as i32
        } else {
            0
        },
        ..Default::default()
    }))
}

fn fractional(percent: Option<&Percent>, legacy: Option<i32>) -> Option<FractionalPercent> {
    match (percent.and_then(|p| p.value), legacy) {
        (Some(value), _) => Some(FractionalPercent {
            numerator: (value * 10_000.0).round().clamp(0.0, 1_000_000.0) as u32,
            denominator: DenominatorType::Million as i32,
        }),
        (None, Some(legacy)) => Some(FractionalPercent {
            numerator: legacy.clamp(0, 100) as u32,
            denominator: DenominatorType::Hundred as i32,
        }),
        (None, None) => None,
    }
}

/// gRPC status names as VirtualServices spell them (or their numbers).
pub fn grpc_status_code(name: &str) -> Option<u32> {
    name.parse::<u32>()
        .ok()
        .filter(|n| (*n as usize) < crate::grpc_support::STATUS_NAMES.len())
        .or_else(|| crate::grpc_support::status_code(name))
}

/// `TranslateFault` (§3.5): exponential delays are dropped, as istiod does.
fn fault_config(fault: &HTTPFaultInjection) -> HttpFault {
    let delay = fault.delay.as_ref().and_then(|d| {
        let fixed = d.fixed_delay.as_deref().and_then(parse_duration)?;
        Some(FaultDelay {
            percentage: fractional(d.percentage.as_ref(), Some(d.percent.unwrap_or(0))),
            fault_delay_secifier: Some(fault_delay::FaultDelaySecifier::FixedDelay(fixed)),
        })
    });
    let abort = fault.abort.as_ref().and_then(|a| {
        let error_type = if let Some(code) = a.grpc_status.as_deref().and_then(grpc_status_code) {
            fault_abort::ErrorType::GrpcStatus(code)
        } else {
            fault_abort::ErrorType::HttpStatus(u32::try_from(a.http_status?).ok()?)
        };
        Some(FaultAbort {
            percentage: fractional(a.percentage.as_ref(), None),
            error_type: Some(error_type),
            ..Default::default()
        })
    });
    HttpFault {
        delay,
        abort,
        ..Default::default()
    }
}

/// `getRouteOperation`: `host:port/path` for one cluster, else the VS name.
fn operation(route: &Route, vs_name: &str, port: u32) -> String {
    let path = match route
        .r#match
        .as_ref()
        .and_then(|m| m.path_specifier.as_ref())
    {
        Some(PathSpecifier::Prefix(p)) => format!("{p}*"),
        Some(PathSpecifier::Path(p)) => p.clone(),
        Some(PathSpecifier::SafeRegex(r)) => r.regex.clone(),
        _ => "/*".to_string(),
    };
    if let Some(route::Action::Route(action)) = &route.action {
        if let Some(route_action::ClusterSpecifier::Cluster(cluster)) = &action.cluster_specifier {
            if let Some(key) = ClusterKey::parse(cluster) {
                return format!("{}:{}{path}", key.host, key.port);
            }
        }
    }
    format!("{vs_name}:{port}{path}")
}

/// Clusters the routes send to. Of a RouteConfiguration that also carries
/// other hosts of its port (before Istio 1.31), only the requested host's:
/// gRPC follows the virtual host that matches its target.
pub fn cluster_names(routes: &[RouteConfiguration]) -> Vec<String> {
    let mut out = Vec::new();
    for config in routes {
        let requested = ClusterKey::parse(&config.name).map(|k| join_host_port(&k.host, k.port));
        let hosts = config
            .virtual_hosts
            .iter()
            .filter(|v| requested.as_ref().is_none_or(|name| &v.name == name));
        for route in hosts.flat_map(|v| &v.routes) {
            if let Some(route::Action::Route(action)) = &route.action {
                match &action.cluster_specifier {
                    Some(route_action::ClusterSpecifier::Cluster(c)) => out.push(c.clone()),
                    Some(route_action::ClusterSpecifier::WeightedClusters(w)) => {
                        out.extend(w.clusters.iter().map(|c| c.name.clone()))
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// One line for `-o table`.
pub fn summary(config: &RouteConfiguration) -> String {
    let routes: Vec<String> = config
        .virtual_hosts
        .iter()
        .flat_map(|v| &v.routes)
        .map(|route| {
            let target = match &route.action {
                Some(route::Action::Route(action)) => match &action.cluster_specifier {
                    Some(route_action::ClusterSpecifier::Cluster(c)) => c.clone(),
                    Some(route_action::ClusterSpecifier::WeightedClusters(w)) => w
                        .clusters
                        .iter()
                        .map(|c| format!("{}={}", c.name, c.weight.as_ref().map_or(0, |w| w.value)))
                        .collect::<Vec<_>>()
                        .join(" "),
                    _ => String::new(),
                },
                Some(route::Action::Redirect(_)) => "redirect".into(),
                Some(route::Action::DirectResponse(_)) => "direct response".into(),
                _ => String::new(),
            };
            let path = match route
                .r#match
                .as_ref()
                .and_then(|m| m.path_specifier.as_ref())
            {
                Some(PathSpecifier::Prefix(p)) => p.clone(),
                Some(PathSpecifier::Path(p)) => format!("={p}"),
                Some(PathSpecifier::SafeRegex(r)) => format!("~{}", r.regex),
                Some(PathSpecifier::PathSeparatedPrefix(p)) => format!("{p} (path-separated)"),
                _ => String::new(),
            };
            let headers: Vec<&str> = route
                .r#match
                .iter()
                .flat_map(|m| &m.headers)
                .map(|h| h.name.as_str())
                .collect();
            if headers.is_empty() {
                format!("{path} → {target}")
            } else {
                format!("{path} [{}] → {target}", headers.join(","))
            }
        })
        .collect();
    if routes.is_empty() {
        return "no virtual host".into();
    }
    routes.join("; ")
}
