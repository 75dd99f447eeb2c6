//! What a gRPC runtime does with a rendered resource: accepts it, ignores a
//! field, or rejects (NACKs) the whole resource. Each verdict comes from the
//! feature matrix (`grpc_support`), never from a version compared here, and
//! names the GRPC rule that explains it to users.

use envoy_types::pb::envoy::config::cluster::v3::{cluster, Cluster};
use envoy_types::pb::envoy::config::route::v3::{
    header_matcher::HeaderMatchSpecifier, route, route_match::PathSpecifier, Route,
    RouteConfiguration,
};

use envoy_types::pb::envoy::config::core::v3::{transport_socket, TransportSocket};
use envoy_types::pb::envoy::config::listener::v3::{filter, Listener};
use envoy_types::pb::envoy::config::rbac::v3::{permission, principal, Permission, Principal};
use envoy_types::pb::envoy::extensions::filters::http::rbac::v3::Rbac;
use envoy_types::pb::envoy::extensions::filters::http::stateful_session::v3::{
    stateful_session_per_route, StatefulSession, StatefulSessionPerRoute,
};
use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::{
    http_filter, HttpConnectionManager,
};
use envoy_types::pb::envoy::extensions::transport_sockets::tls::v3::{
    common_tls_context::ValidationContextType, CommonTlsContext, DownstreamTlsContext,
    UpstreamTlsContext,
};
use envoy_types::pb::google::protobuf::Any;
use prost::Message;

use crate::grpc_support::{
    describe_gaps, row, Feature, Gap, Language, Runtime, Unsupported, Version,
};

/// What the client does with one field of a resource.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldVerdict {
    /// Where in the resource: `routes[2].typed_per_filter_config[envoy.filters.http.cors]`.
    pub field: String,
    /// `ignored` or `rejected`.
    pub effect: Effect,
    /// Which runtimes, in words (`gRPC Go before 1.56`, `every gRPC runtime`).
    pub runtimes: String,
    /// The rule that explains it (`mesh explain GRPC001`).
    pub rule: &'static str,
    /// What part of the route or cluster, for mapping it back to the config
    /// it comes from.
    #[serde(skip)]
    pub part: Part,
}

/// The part of a rendered route (or cluster) a verdict is about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Part {
    #[default]
    Other,
    PathSeparatedPrefix,
    CaseInsensitivePath,
    /// A header condition sent as `string_match`, by header name.
    HeaderStringMatch(String),
    /// A per-route filter override, by filter name.
    FilterOverride(String),
    HeaderOperations,
    MaxStreamDuration,
    RetryPolicy,
    Mirrors,
    Rewrite,
    /// Header operations of one weighted cluster, by its position.
    WeightedClusterHeaderOperations(usize),
    LbPolicy,
    /// The ring hash's `minimum_ring_size`.
    RingSize,
    CircuitBreakers,
    /// A TLS context (upstream in a cluster, downstream in a server
    /// listener's filter chain).
    Tls,
    /// A TLS context's certificate-provider fields.
    TlsProviderFields,
    /// An RBAC filter of a server listener, by filter name.
    RbacFilter(String),
    /// A `uri_template` permission, by RBAC policy name.
    RbacUriTemplate(String),
    /// A header matcher on a reserved header, by RBAC policy name.
    RbacReservedHeader(String),
    /// A matcher on something a gRPC request always has the same value for,
    /// by RBAC policy name.
    RbacConstantInput(String, ConstantInput),
}

/// What a gRPC server's RBAC engine sees the same way for every request,
/// where Envoy's sees it vary (gRFC A41): a matcher on it is decided before
/// any request arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConstantInput {
    /// `:method`: every gRPC request is [`GRPC_REQUEST_METHOD`].
    Method,
    /// The requested server name: always [`GRPC_REQUESTED_SERVER_NAME`].
    RequestedServerName,
    /// Filter metadata of Istio's JWT authentication (`istio_authn`): gRPC
    /// has no such filter, so none is ever set.
    JwtMetadata,
    /// Any other filter metadata: none is ever set.
    FilterMetadata,
}

/// The `:method` of every gRPC request (an HTTP/2 POST).
pub const GRPC_REQUEST_METHOD: &str = "POST";
/// The requested server name gRPC's RBAC engine sees (gRFC A41).
pub const GRPC_REQUESTED_SERVER_NAME: &str = "";
/// The filter Istio's JWT attributes are read from.
const JWT_METADATA_FILTER: &str = "istio_authn";

impl ConstantInput {
    fn describe(self) -> &'static str {
        match self {
            ConstantInput::Method => "a :method matcher: every gRPC request is a POST",
            ConstantInput::RequestedServerName => {
                "a requested_server_name matcher: gRPC sees it empty"
            }
            ConstantInput::JwtMetadata => "a JWT metadata matcher: gRPC has no JWT filter",
            ConstantInput::FilterMetadata => {
                "a filter metadata matcher: gRPC sets no filter metadata"
            }
        }
    }

    /// The rule that explains it.
    pub fn rule(self) -> &'static str {
        match self {
            ConstantInput::Method => "GRPC052",
            ConstantInput::RequestedServerName | ConstantInput::FilterMetadata => "GRPC051",
            ConstantInput::JwtMetadata => "GRPC048",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    Ignored,
    Rejected,
}

impl FieldVerdict {
    fn of(
        field: String,
        part: Part,
        feature: Feature,
        runtime: Runtime,
        rule: &'static str,
    ) -> Option<Self> {
        let gaps = runtime.gaps(feature);
        if gaps.is_empty() {
            return None;
        }
        let effect = match row(feature).when_unsupported {
            Unsupported::Ignored => Effect::Ignored,
            Unsupported::Rejected | Unsupported::Fails => Effect::Rejected,
        };
        Some(FieldVerdict {
            field,
            effect,
            runtimes: describe_gaps(&gaps),
            rule,
            part,
        })
    }

    /// A field every gRPC runtime rejects.
    fn rejected_everywhere(field: String, part: Part, rule: &'static str) -> Self {
        FieldVerdict {
            field,
            effect: Effect::Rejected,
            runtimes: "every gRPC runtime".into(),
            rule,
            part,
        }
    }

    /// A field no gRPC runtime reads.
    fn ignored_everywhere(field: String, part: Part, rule: &'static str) -> Self {
        FieldVerdict {
            field,
            effect: Effect::Ignored,
            runtimes: "every gRPC runtime".into(),
            rule,
            part,
        }
    }
}

/// The largest ring a gRPC ring hash accepts (gRFC A42: `minimum_ring_size`
/// and `maximum_ring_size` above 8M are rejected).
pub const MAX_RING_SIZE: u64 = 8 * 1024 * 1024;

const CORS_FILTER: &str = "envoy.filters.http.cors";
const FAULT_FILTER: &str = "envoy.filters.http.fault";
const STATEFUL_SESSION_FILTER: &str = crate::xds::lds::STATEFUL_SESSION_FILTER;
const COOKIE_SESSION_STATE: &str = "envoy.http.stateful_session.cookie";

/// The verdicts on one route's fields (`at` prefixes each field).
pub fn route_fields(route: &Route, at: &str, runtime: Runtime) -> Vec<FieldVerdict> {
    let mut out = Vec::new();
    let mut everywhere = Vec::new();
    // Stateful-session verdicts depend on the config, not only the filter.
    let mut sessions = Vec::new();
    let mut check = |field: String, part: Part, feature: Feature, rule: &'static str| {
        out.extend(FieldVerdict::of(field, part, feature, runtime, rule));
    };
    if let Some(conditions) = &route.r#match {
        if let Some(PathSpecifier::PathSeparatedPrefix(_)) = conditions.path_specifier {
            check(
                format!("{at}.match.path_separated_prefix"),
                Part::PathSeparatedPrefix,
                Feature::PathSeparatedPrefix,
                "GRPC079",
            );
        }
        if conditions.case_sensitive.as_ref().is_some_and(|b| !b.value) {
            check(
                format!("{at}.match.case_sensitive"),
                Part::CaseInsensitivePath,
                Feature::CaseInsensitivePathMatching,
                "GRPC016",
            );
        }
        for (i, header) in conditions.headers.iter().enumerate() {
            if let Some(HeaderMatchSpecifier::StringMatch(_)) = header.header_match_specifier {
                check(
                    format!("{at}.match.headers[{i}].string_match"),
                    Part::HeaderStringMatch(header.name.clone()),
                    Feature::HeaderStringMatcher,
                    "GRPC008",
                );
            }
        }
    }
    for (name, config) in &route.typed_per_filter_config {
        let field = format!("{at}.typed_per_filter_config[{name}]");
        let part = Part::FilterOverride(name.clone());
        match name.as_str() {
            CORS_FILTER => check(field, part, Feature::Cors, "GRPC001"),
            STATEFUL_SESSION_FILTER => sessions.extend(session_verdict(
                field,
                part,
                override_session(config),
                runtime,
            )),
            FAULT_FILTER => check(field, part, Feature::FaultInjection, "GRPC017"),
            _ => {}
        }
    }
    if !route.request_headers_to_add.is_empty()
        || !route.request_headers_to_remove.is_empty()
        || !route.response_headers_to_add.is_empty()
        || !route.response_headers_to_remove.is_empty()
    {
        everywhere.push(FieldVerdict::ignored_everywhere(
            format!("{at}.request/response_headers_to_add/remove"),
            Part::HeaderOperations,
            "GRPC004",
        ));
    }
    if let Some(route::Action::Route(action)) = &route.action {
        if action.max_stream_duration.is_some() {
            check(
                format!("{at}.route.max_stream_duration"),
                Part::MaxStreamDuration,
                Feature::MaxStreamDuration,
                "GRPC019",
            );
        }
        if action.retry_policy.is_some() {
            check(
                format!("{at}.route.retry_policy"),
                Part::RetryPolicy,
                Feature::Retry,
                "GRPC018",
            );
        }
        if !action.request_mirror_policies.is_empty() {
            check(
                format!("{at}.route.request_mirror_policies"),
                Part::Mirrors,
                Feature::Mirroring,
                "GRPC003",
            );
        }
        let rewrites = !action.prefix_rewrite.is_empty()
            || action.regex_rewrite.is_some()
            || action.host_rewrite_specifier.is_some();
        if rewrites {
            check(
                format!("{at}.route.rewrite"),
                Part::Rewrite,
                Feature::Rewrites,
                "GRPC002",
            );
        }
        if let Some(envoy_types::pb::envoy::config::route::v3::route_action::ClusterSpecifier::WeightedClusters(weighted)) =
            &action.cluster_specifier
        {
            for (i, cluster) in weighted.clusters.iter().enumerate() {
                if !cluster.request_headers_to_add.is_empty()
                    || !cluster.request_headers_to_remove.is_empty()
                    || !cluster.response_headers_to_add.is_empty()
                    || !cluster.response_headers_to_remove.is_empty()
                    || cluster.host_rewrite_specifier.is_some()
                {
                    everywhere.push(FieldVerdict::ignored_everywhere(
                        format!("{at}.route.weighted_clusters.clusters[{i}] header operations"),
                        Part::WeightedClusterHeaderOperations(i),
                        "GRPC004",
                    ));
                }
            }
        }
    }
    out.extend(sessions);
    out.extend(everywhere);
    out
}

/// The name of the session state a stateful-session filter config uses
/// (`envoy.http.stateful_session.cookie`); empty when it names none.
fn session_state_name(config: &StatefulSession) -> &str {
    config
        .session_state
        .as_ref()
        .map_or("", |state| state.name.as_str())
}

/// The session state of a stateful-session override.
fn override_session(config: &Any) -> Option<StatefulSession> {
    match StatefulSessionPerRoute::decode(config.value.as_slice())
        .ok()?
        .r#override?
    {
        stateful_session_per_route::Override::StatefulSession(session) => Some(session),
        stateful_session_per_route::Override::Disabled(_) => None,
    }
}

/// What a runtime does with a stateful-session filter or override: a
/// cookie is read by runtimes with session affinity (A55), anything else
/// (a header) by none.
fn session_verdict(
    field: String,
    part: Part,
    session: Option<StatefulSession>,
    runtime: Runtime,
) -> Option<FieldVerdict> {
    let session = session?;
    if session_state_name(&session) == COOKIE_SESSION_STATE {
        FieldVerdict::of(field, part, Feature::StatefulSession, runtime, "GRPC038")
    } else {
        Some(FieldVerdict::rejected_everywhere(field, part, "GRPC038"))
    }
}

/// The verdicts on a client listener's HTTP filters: the stateful-session
/// filter is the one istiod may add that gRPC does not know everywhere.
pub fn listener_fields(listener: &Listener, runtime: Runtime) -> Vec<FieldVerdict> {
    let Some(manager) = listener
        .api_listener
        .as_ref()
        .and_then(|api| api.api_listener.as_ref())
        .and_then(|any| HttpConnectionManager::decode(any.value.as_slice()).ok())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, filter) in manager.http_filters.iter().enumerate() {
        if filter.name != STATEFUL_SESSION_FILTER {
            continue;
        }
        let session = match &filter.config_type {
            Some(http_filter::ConfigType::TypedConfig(any)) => {
                StatefulSession::decode(any.value.as_slice()).ok()
            }
            _ => None,
        };
        out.extend(session_verdict(
            format!("http_filters[{i}] {STATEFUL_SESSION_FILTER}"),
            Part::Other,
            session,
            runtime,
        ));
    }
    out
}

/// The verdicts on every route of a route configuration: one rejected field
/// rejects the whole configuration (gRPC validates every route it keeps).
///
/// A route with query parameter conditions is dropped before anything else
/// in it is read (gRFC A28; C-core's and grpc-go's RDS parsers), so nothing
/// in it gets the configuration rejected. Seen with grpcio 1.85: a
/// `path_separated_prefix` beside a query condition is ACKed.
pub fn route_configuration(config: &RouteConfiguration, runtime: Runtime) -> Vec<FieldVerdict> {
    let mut out = Vec::new();
    for (h, host) in config.virtual_hosts.iter().enumerate() {
        if let Some(config) = host.typed_per_filter_config.get(STATEFUL_SESSION_FILTER) {
            out.extend(session_verdict(
                format!("virtual_hosts[{h}].typed_per_filter_config[{STATEFUL_SESSION_FILTER}]"),
                Part::FilterOverride(STATEFUL_SESSION_FILTER.into()),
                override_session(config),
                runtime,
            ));
        }
        for (r, route) in host.routes.iter().enumerate() {
            if dropped_by_grpc(route) {
                continue;
            }
            out.extend(route_fields(
                route,
                &format!("virtual_hosts[{h}].routes[{r}]"),
                runtime,
            ));
        }
    }
    out
}

/// Whether gRPC drops the route on reading it: it has query parameter
/// conditions, which gRPC cannot evaluate.
pub fn dropped_by_grpc(route: &Route) -> bool {
    route
        .r#match
        .as_ref()
        .is_some_and(|m| !m.query_parameters.is_empty())
}

/// The verdicts on a cluster's fields.
pub fn cluster_fields(cluster: &Cluster, runtime: Runtime) -> Vec<FieldVerdict> {
    let mut out = Vec::new();
    let lb =
        cluster::LbPolicy::try_from(cluster.lb_policy).unwrap_or(cluster::LbPolicy::RoundRobin);
    let feature = match lb {
        cluster::LbPolicy::RingHash => Some((Feature::RingHash, "GRPC026")),
        cluster::LbPolicy::LeastRequest => Some((Feature::LeastRequest, "GRPC022")),
        cluster::LbPolicy::Maglev => Some((Feature::Maglev, "GRPC024")),
        _ => None,
    };
    if let Some((feature, rule)) = feature {
        out.extend(FieldVerdict::of(
            format!("lb_policy {}", lb.as_str_name()),
            Part::LbPolicy,
            feature,
            runtime,
            rule,
        ));
    }
    if let Some(cluster::LbConfig::RingHashLbConfig(ring)) = &cluster.lb_config {
        if let Some(size) = ring.minimum_ring_size.filter(|s| s.value > MAX_RING_SIZE) {
            out.push(FieldVerdict {
                field: format!("ring_hash_lb_config.minimum_ring_size {}", size.value),
                effect: Effect::Rejected,
                runtimes: "every gRPC runtime".into(),
                rule: "GRPC039",
                part: Part::RingSize,
            });
        }
    }
    if cluster.transport_socket.is_some() {
        out.extend(FieldVerdict::of(
            "transport_socket".into(),
            Part::Tls,
            Feature::Security,
            runtime,
            "GRPC055",
        ));
    }
    if let Some(context) = cluster
        .transport_socket
        .as_ref()
        .and_then(|socket| common_tls_context(socket, false))
    {
        if reads_only_current_tls_fields(runtime) && lacks_ca_provider(&context) {
            out.push(FieldVerdict {
                field: "transport_socket (no ca_certificate_provider_instance)".into(),
                effect: Effect::Rejected,
                runtimes: describe_gaps(&exact_gap(runtime)),
                rule: "GRPC081",
                part: Part::TlsProviderFields,
            });
        }
    }
    if cluster.circuit_breakers.is_some() {
        out.extend(FieldVerdict::of(
            "circuit_breakers".into(),
            Part::CircuitBreakers,
            Feature::CircuitBreaking,
            runtime,
            "GRPC028",
        ));
    }
    out
}

/// gRPC Java 1.73.0 to 1.76.x read only the current certificate-provider
/// fields (grpc-java 65d0bb8a4d removed the deprecated ones; #12435 and its
/// 1.77 backport brought them back); every other runtime falls back to the
/// deprecated ones (shared/spec/istiod-versions.md §3).
pub fn reads_only_current_tls_fields(runtime: Runtime) -> bool {
    let Runtime::Exact(Language::Java, version) = runtime else {
        return false;
    };
    (Version::new(1, 73, 0)..Version::new(1, 77, 0)).contains(&version)
}

/// A header an RBAC matcher must not name (gRFC A41): `grpc-*` and
/// `:scheme`. C-core and Java reject the matcher; grpc-go accepts it.
pub fn reserved_rbac_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("grpc-") || lower == ":scheme"
}

/// The one runtime of an exact runtime, as a gap (for wording).
fn exact_gap(runtime: Runtime) -> Vec<Gap> {
    match runtime {
        Runtime::Exact(language, version) => vec![Gap {
            language,
            fixed_in: None,
            version: Some(version),
        }],
        _ => Vec::new(),
    }
}

/// The common TLS context of a transport socket: downstream for a server's
/// filter chain, upstream for a cluster.
fn common_tls_context(socket: &TransportSocket, server: bool) -> Option<CommonTlsContext> {
    let Some(transport_socket::ConfigType::TypedConfig(any)) = &socket.config_type else {
        return None;
    };
    if server {
        DownstreamTlsContext::decode(any.value.as_slice())
            .ok()?
            .common_tls_context
    } else {
        UpstreamTlsContext::decode(any.value.as_slice())
            .ok()?
            .common_tls_context
    }
}

/// Whether a client context lacks `ca_certificate_provider_instance`.
fn lacks_ca_provider(context: &CommonTlsContext) -> bool {
    let default_context = match &context.validation_context_type {
        Some(ValidationContextType::CombinedValidationContext(combined)) => {
            combined.default_validation_context.as_ref()
        }
        Some(ValidationContextType::ValidationContext(validation)) => Some(validation),
        _ => None,
    };
    default_context.is_none_or(|v| v.ca_certificate_provider_instance.is_none())
}

/// The verdicts on a server listener's fields (what an xDS-enabled gRPC
/// server does with the inbound listener istiod sends it).
pub fn server_listener_fields(listener: &Listener, runtime: Runtime) -> Vec<FieldVerdict> {
    let mut out = Vec::new();
    for (c, chain) in listener.filter_chains.iter().enumerate() {
        let at = format!("filter_chains[{c}]");
        if let Some(socket) = &chain.transport_socket {
            out.extend(FieldVerdict::of(
                format!("{at}.transport_socket"),
                Part::Tls,
                Feature::Security,
                runtime,
                "GRPC056",
            ));
            if reads_only_current_tls_fields(runtime)
                && common_tls_context(socket, true)
                    .is_some_and(|c| c.tls_certificate_provider_instance.is_none())
            {
                out.push(FieldVerdict {
                    field: format!("{at}.transport_socket (no tls_certificate_provider_instance)"),
                    effect: Effect::Rejected,
                    runtimes: describe_gaps(&exact_gap(runtime)),
                    rule: "GRPC081",
                    part: Part::TlsProviderFields,
                });
            }
        }
        for (f, network_filter) in chain.filters.iter().enumerate() {
            let Some(filter::ConfigType::TypedConfig(any)) = &network_filter.config_type else {
                continue;
            };
            let Ok(manager) = HttpConnectionManager::decode(any.value.as_slice()) else {
                continue;
            };
            for (h, http) in manager.http_filters.iter().enumerate() {
                let Some(http_filter::ConfigType::TypedConfig(any)) = &http.config_type else {
                    continue;
                };
                if !any
                    .type_url
                    .ends_with("envoy.extensions.filters.http.rbac.v3.RBAC")
                {
                    continue;
                }
                let field = format!("{at}.filters[{f}].http_filters[{h}]");
                out.extend(FieldVerdict::of(
                    format!("{field} ({})", http.name),
                    Part::RbacFilter(http.name.clone()),
                    Feature::Authorization,
                    runtime,
                    "GRPC057",
                ));
                let Ok(rbac) = Rbac::decode(any.value.as_slice()) else {
                    continue;
                };
                let mut policies: Vec<_> = rbac.rules.iter().flat_map(|r| &r.policies).collect();
                policies.sort_by(|a, b| a.0.cmp(b.0));
                for (name, policy) in policies {
                    let at = format!("{field}.rules.policies[{name}]");
                    if policy.permissions.iter().any(has_uri_template) {
                        out.push(FieldVerdict {
                            field: format!("{at}.permissions (uri_template)"),
                            effect: Effect::Rejected,
                            runtimes: "every gRPC runtime".into(),
                            rule: "GRPC049",
                            part: Part::RbacUriTemplate(name.clone()),
                        });
                    }
                    let reserved = policy.permissions.iter().any(names_reserved_header)
                        || policy
                            .principals
                            .iter()
                            .any(principal_names_reserved_header);
                    if reserved {
                        let rejecting = reserved_header_rejecters(runtime);
                        if !rejecting.is_empty() {
                            out.push(FieldVerdict {
                                field: format!("{at} (header matcher on a reserved header)"),
                                effect: Effect::Rejected,
                                runtimes: describe_gaps(&rejecting),
                                rule: "GRPC050",
                                part: Part::RbacReservedHeader(name.clone()),
                            });
                        }
                    }
                    let mut unmatched = Vec::new();
                    for permission in &policy.permissions {
                        permission_inputs_grpc_lacks(permission, &mut unmatched);
                    }
                    for principal in &policy.principals {
                        principal_inputs_grpc_lacks(principal, &mut unmatched);
                    }
                    unmatched.sort();
                    unmatched.dedup();
                    for input in unmatched {
                        out.push(FieldVerdict {
                            field: format!("{at} ({})", input.describe()),
                            effect: Effect::Ignored,
                            runtimes: "every gRPC runtime".into(),
                            rule: input.rule(),
                            part: Part::RbacConstantInput(name.clone(), input),
                        });
                    }
                }
            }
        }
    }
    out
}

/// The languages of `runtime` that reject an RBAC header matcher on a
/// reserved header: C-core and Java, not Go (Node serves no xDS).
fn reserved_header_rejecters(runtime: Runtime) -> Vec<Gap> {
    let (languages, version) = match runtime {
        Runtime::Any => (Language::ANY.to_vec(), None),
        Runtime::Latest(language) => (vec![language], None),
        Runtime::Exact(language, version) => (vec![language], Some(version)),
    };
    languages
        .into_iter()
        .filter(|l| !matches!(l, Language::Go | Language::Node))
        .map(|language| Gap {
            language,
            fixed_in: None,
            version,
        })
        .collect()
}

/// Calls `visit` on every leaf rule of a permission (through and, or, not).
fn each_permission_leaf(permission: &Permission, visit: &mut impl FnMut(&permission::Rule)) {
    match &permission.rule {
        Some(permission::Rule::AndRules(set) | permission::Rule::OrRules(set)) => {
            for rule in &set.rules {
                each_permission_leaf(rule, visit);
            }
        }
        Some(permission::Rule::NotRule(inner)) => each_permission_leaf(inner, visit),
        Some(leaf) => visit(leaf),
        None => {}
    }
}

/// Calls `visit` on every leaf identifier of a principal (through and, or, not).
fn each_principal_leaf(principal: &Principal, visit: &mut impl FnMut(&principal::Identifier)) {
    match &principal.identifier {
        Some(principal::Identifier::AndIds(set) | principal::Identifier::OrIds(set)) => {
            for id in &set.ids {
                each_principal_leaf(id, visit);
            }
        }
        Some(principal::Identifier::NotId(inner)) => each_principal_leaf(inner, visit),
        Some(leaf) => visit(leaf),
        None => {}
    }
}

/// The inputs of `permission` that gRPC sees the same for every request.
#[allow(deprecated)] // `metadata` is what istiod still emits
fn permission_inputs_grpc_lacks(permission: &Permission, out: &mut Vec<ConstantInput>) {
    each_permission_leaf(permission, &mut |leaf| match leaf {
        permission::Rule::Header(header) if header.name.eq_ignore_ascii_case(":method") => {
            out.push(ConstantInput::Method)
        }
        permission::Rule::RequestedServerName(_) => out.push(ConstantInput::RequestedServerName),
        permission::Rule::Metadata(metadata) => out.push(metadata_input(&metadata.filter)),
        _ => {}
    });
}

/// The inputs of `principal` that gRPC sees the same for every request.
#[allow(deprecated)] // `metadata` is what istiod still emits for JWT fields
fn principal_inputs_grpc_lacks(principal: &Principal, out: &mut Vec<ConstantInput>) {
    each_principal_leaf(principal, &mut |leaf| {
        if let principal::Identifier::Metadata(metadata) = leaf {
            out.push(metadata_input(&metadata.filter));
        }
    });
}

fn metadata_input(filter: &str) -> ConstantInput {
    if filter == JWT_METADATA_FILTER {
        ConstantInput::JwtMetadata
    } else {
        ConstantInput::FilterMetadata
    }
}

fn has_uri_template(permission: &Permission) -> bool {
    let mut found = false;
    each_permission_leaf(permission, &mut |leaf| {
        found |= matches!(leaf, permission::Rule::UriTemplate(_));
    });
    found
}

fn names_reserved_header(permission: &Permission) -> bool {
    let mut found = false;
    each_permission_leaf(permission, &mut |leaf| {
        found |= matches!(leaf, permission::Rule::Header(h) if reserved_rbac_header(&h.name));
    });
    found
}

fn principal_names_reserved_header(principal: &Principal) -> bool {
    let mut found = false;
    each_principal_leaf(principal, &mut |leaf| {
        found |= matches!(leaf, principal::Identifier::Header(h) if reserved_rbac_header(&h.name));
    });
    found
}

/// The fields that get a resource rejected.
pub fn rejections(verdicts: &[FieldVerdict]) -> impl Iterator<Item = &FieldVerdict> {
    verdicts.iter().filter(|v| v.effect == Effect::Rejected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use envoy_types::pb::envoy::config::route::v3::{
        QueryParameterMatcher, RouteMatch, VirtualHost,
    };

    fn configuration(routes: Vec<Route>) -> RouteConfiguration {
        RouteConfiguration {
            virtual_hosts: vec![VirtualHost {
                routes,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn separated_prefix(query: bool) -> Route {
        Route {
            r#match: Some(RouteMatch {
                path_specifier: Some(PathSpecifier::PathSeparatedPrefix("/echo.Echo".into())),
                query_parameters: if query {
                    vec![QueryParameterMatcher {
                        name: "debug".into(),
                        ..Default::default()
                    }]
                } else {
                    Vec::new()
                },
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_route_grpc_drops_for_its_query_conditions_rejects_nothing() {
        let runtime: Runtime = "python@1.85".parse().unwrap();
        let kept = route_configuration(&configuration(vec![separated_prefix(false)]), runtime);
        assert_eq!(rejections(&kept).count(), 1, "{kept:?}");
        assert_eq!(
            kept[0].field,
            "virtual_hosts[0].routes[0].match.path_separated_prefix"
        );
        let dropped = route_configuration(
            &configuration(vec![separated_prefix(true), Route::default()]),
            runtime,
        );
        assert!(dropped.is_empty(), "{dropped:?}");
    }
}
