//! Routes → VirtualServices (`HTTPRouteCollection`, `GRPCRouteCollection`,
//! `TCPRouteCollection`, `TLSRouteCollection`, `computeRoute`,
//! `convertHTTPRoute`, `convertGRPCRoute`): rules converted once for mesh
//! parents (no ReferenceGrant checks) and once for Gateway parents; a hard
//! error drops every rule of that variant.

use std::collections::BTreeMap;

use super::backends::{self, BackendFields, Referrer};
use super::conditions::{self, Condition, ConfigError, ParentResult, INVALID_FILTER};
use super::filters;
use super::matches;
use super::merge::{self, Base};
use super::parents::{self, host_subset_of, ParentKind, RouteParent, RouteParents};
use super::world::{World, DEFAULT_NAMESPACE};
use super::{
    Generated, GeneratedSpec, SourceField, GENERATED_SUFFIX, PARENTS_ANNOTATION,
    ROUTE_SEMANTICS_ANNOTATION,
};
use crate::model::gateway_api as gw;
use crate::model::networking as net;
use crate::model::{Object, Spec};
use crate::source::FieldPath;

/// The converted rules of one variant (mesh or gateway).
struct Converted<R> {
    routes: Vec<(R, SourceField)>,
    error: Option<ConfigError>,
}

impl<R> Default for Converted<R> {
    fn default() -> Self {
        Converted {
            routes: Vec::new(),
            error: None,
        }
    }
}

/// Every route's VirtualServices; the routes' conditions go to `conditions`.
pub(super) fn convert_routes(
    world: &World<'_>,
    parents: &RouteParents,
    conditions: &mut Vec<Condition>,
) -> Vec<Generated> {
    let mut bases = Vec::new();
    let mut out = Vec::new();
    for (id, object) in world.ordered(Some) {
        match &object.spec {
            Spec::HTTPRoute(spec) => {
                let common = Common::new(
                    world,
                    parents,
                    id,
                    object,
                    "HTTPRoute",
                    &spec.parent_refs,
                    &spec.hostnames,
                );
                let convert = |mesh: bool| {
                    rules_with_matches(
                        &spec.rules,
                        |r| r.matches.len(),
                        |index, rule, m| {
                            http_rule(
                                world,
                                object,
                                &common.referrer(mesh),
                                index,
                                rule,
                                m.map(|i| &rule.matches[i]),
                            )
                        },
                    )
                };
                bases.extend(common.http_virtual_services(world, convert, conditions));
            }
            Spec::GRPCRoute(spec) => {
                let common = Common::new(
                    world,
                    parents,
                    id,
                    object,
                    "GRPCRoute",
                    &spec.parent_refs,
                    &spec.hostnames,
                );
                let convert = |mesh: bool| {
                    rules_with_matches(
                        &spec.rules,
                        |r| r.matches.len(),
                        |index, rule, m| {
                            grpc_rule(
                                world,
                                object,
                                &common.referrer(mesh),
                                index,
                                rule,
                                m.map(|i| &rule.matches[i]),
                            )
                        },
                    )
                };
                bases.extend(common.http_virtual_services(world, convert, conditions));
            }
            Spec::TCPRoute(spec) => {
                let common = Common::new(
                    world,
                    parents,
                    id,
                    object,
                    "TCPRoute",
                    &spec.parent_refs,
                    &[],
                );
                out.extend(common.l4_virtual_services(world, &spec.rules, false, conditions));
            }
            Spec::TLSRoute(spec) => {
                let common = Common::new(
                    world,
                    parents,
                    id,
                    object,
                    "TLSRoute",
                    &spec.parent_refs,
                    &spec.hostnames,
                );
                out.extend(common.l4_virtual_services(world, &spec.rules, true, conditions));
            }
            _ => {}
        }
    }
    out.extend(merge::merge(bases));
    out
}

/// Converts each rule, once per match (a rule with N matches gives N
/// entries, all named after the rule); the first hard error ends it.
fn rules_with_matches<Rule>(
    rules: &[Rule],
    match_count: impl Fn(&Rule) -> usize,
    mut convert: impl FnMut(
        usize,
        &Rule,
        Option<usize>,
    ) -> Result<(net::HTTPRoute, Option<ConfigError>), ConfigError>,
) -> Converted<net::HTTPRoute> {
    let mut out = Converted::default();
    for (index, rule) in rules.iter().enumerate() {
        let count = match_count(rule);
        let matches: Vec<Option<usize>> = if count == 0 {
            vec![None]
        } else {
            (0..count).map(Some).collect()
        };
        for m in matches {
            match convert(index, rule, m) {
                Ok((route, soft)) => {
                    let mut field = FieldPath::root().field("spec").field("rules").index(index);
                    if let Some(m) = m {
                        field = field.field("matches").index(m);
                    }
                    out.routes.push((
                        route,
                        SourceField {
                            object: usize::MAX,
                            field,
                        },
                    ));
                    if soft.is_some() {
                        out.error = soft;
                    }
                }
                Err(hard) => {
                    return Converted {
                        routes: Vec::new(),
                        error: Some(hard),
                    }
                }
            }
        }
    }
    out
}

/// What every route kind shares: its parents and how it reports.
struct Common<'a> {
    id: usize,
    object: &'a Object,
    kind: &'static str,
    namespace: String,
    hostnames: &'a [String],
    parents: Vec<RouteParent<'a>>,
}

impl<'a> Common<'a> {
    fn new(
        world: &World<'_>,
        route_parents: &RouteParents,
        id: usize,
        object: &'a Object,
        kind: &'static str,
        references: &'a [gw::ParentReference],
        hostnames: &'a [String],
    ) -> Common<'a> {
        let namespace = object.namespace_or(DEFAULT_NAMESPACE).to_string();
        let parents = parents::resolve(
            world,
            route_parents,
            kind,
            references,
            hostnames,
            &namespace,
        );
        Common {
            id,
            object,
            kind,
            namespace,
            hostnames,
            parents,
        }
    }

    fn referrer(&self, mesh: bool) -> Referrer<'_> {
        Referrer {
            kind: self.kind,
            namespace: &self.namespace,
            enforce_grants: !mesh,
        }
    }

    /// Converts the rules for the variants the parents need, and reports.
    fn variants<R>(
        &self,
        convert: impl Fn(bool) -> Converted<R>,
        conditions: &mut Vec<Condition>,
    ) -> (Converted<R>, Converted<R>) {
        let needs_mesh = self.parents.iter().any(RouteParent::is_mesh);
        let needs_gateway = self.parents.iter().any(|p| !p.is_mesh());
        let mesh = if needs_mesh {
            convert(true)
        } else {
            Converted::default()
        };
        let gateway = if needs_gateway {
            convert(false)
        } else {
            Converted::default()
        };
        let results = self
            .parents
            .iter()
            .map(|parent| ParentResult {
                reference: parent.reference,
                reference_index: parent.reference_index,
                denied: parent.denied.clone(),
                route_error: if parent.is_mesh() {
                    mesh.error.clone()
                } else {
                    gateway.error.clone()
                },
            })
            .collect();
        let origin = format!("{} {}/{}", self.kind, self.namespace, self.object.meta.name);
        conditions::route_conditions(self.id, &origin, &self.namespace, results, conditions);
        (mesh, gateway)
    }

    fn annotations(&self) -> BTreeMap<String, String> {
        let mut annotations = BTreeMap::new();
        annotations.insert(
            PARENTS_ANNOTATION.to_string(),
            format!("{}/{}.{}", self.kind, self.object.meta.name, self.namespace),
        );
        annotations.insert(
            ROUTE_SEMANTICS_ANNOTATION.to_string(),
            "gateway".to_string(),
        );
        annotations
    }

    /// The hosts of a mesh parent: the Service's name, or the
    /// ServiceEntry's hosts.
    fn mesh_hosts(&self, world: &World<'_>, parent: &RouteParent<'_>) -> Vec<String> {
        let name = parent.reference.name.as_deref().unwrap_or_default();
        let namespace = parent.namespace(&self.namespace);
        match parent.kind {
            ParentKind::ServiceEntry => match world.service_entry(namespace, name).map(|o| &o.spec)
            {
                Some(Spec::ServiceEntry(entry)) => entry.hosts.clone(),
                _ => Vec::new(),
            },
            _ => vec![crate::index::service_host(name, namespace, &world.domain)],
        }
    }

    fn with_sources<R>(&self, routes: &[(R, SourceField)]) -> Vec<SourceField> {
        routes
            .iter()
            .map(|(_, source)| SourceField {
                object: self.id,
                field: source.field.clone(),
            })
            .collect()
    }

    /// HTTP and gRPC routes: pre-merge VirtualServices, one per parent and host.
    fn http_virtual_services(
        &self,
        world: &World<'_>,
        convert: impl Fn(bool) -> Converted<net::HTTPRoute>,
        conditions: &mut Vec<Condition>,
    ) -> Vec<Base> {
        let (mesh, gateway) = self.variants(convert, conditions);
        let mut bases = Vec::new();
        let mut count = 0;
        for parent in parents::accepted(&self.parents) {
            let (mut routes, key, hosts) = if parent.is_mesh() {
                let mut routes = mesh.routes.clone();
                let mut key = self.namespace.clone();
                if let Some(port) = parent.reference.port {
                    let port = u32::try_from(port).ok();
                    for (route, _) in &mut routes {
                        if route.r#match.is_empty() {
                            route.r#match.push(net::HTTPMatchRequest::default());
                        }
                        for m in &mut route.r#match {
                            m.port = port;
                        }
                    }
                    key = format!("{key}/{}", port.unwrap_or_default());
                }
                (routes, key, self.mesh_hosts(world, parent))
            } else {
                let hosts = if self.hostnames.is_empty() {
                    vec!["*".to_string()]
                } else {
                    self.hostnames.to_vec()
                };
                (gateway.routes.clone(), parent.internal_name.clone(), hosts)
            };
            if routes.is_empty() {
                continue;
            }
            routes.sort_by(|a, b| merge::precedence(&a.0, &b.0));
            for host in hosts {
                if !parent.host_allowed_by_isolation(&host) {
                    continue;
                }
                let name = format!("{}~{count}~{GENERATED_SUFFIX}", self.object.meta.name);
                count += 1;
                let generated = Generated {
                    name: name.clone(),
                    namespace: self.namespace.clone(),
                    annotations: self.annotations(),
                    spec: GeneratedSpec::VirtualService(net::VirtualServiceSpec {
                        hosts: vec![host.clone()],
                        gateways: vec![parent.internal_name.clone()],
                        http: routes.iter().map(|(r, _)| r.clone()).collect(),
                        ..Default::default()
                    }),
                    sources: self.with_sources(&routes),
                };
                bases.push(Base {
                    key: format!("{key}/{host}"),
                    order: (
                        crate::semantics::creation_order(self.object).0,
                        self.namespace.clone(),
                        name,
                    ),
                    generated,
                });
            }
        }
        bases
    }

    /// TCP and TLS routes: one VirtualService per parent and host, not merged.
    fn l4_virtual_services(
        &self,
        world: &World<'_>,
        rules: &[gw::L4RouteRule],
        tls: bool,
        conditions: &mut Vec<Condition>,
    ) -> Vec<Generated> {
        let sni_hosts = if self.hostnames.is_empty() {
            vec!["*".to_string()]
        } else {
            self.hostnames.to_vec()
        };
        let convert = |mesh: bool| {
            let referrer = self.referrer(mesh);
            let mut out = Converted::default();
            for (index, rule) in rules.iter().enumerate() {
                match l4_rule(world, &referrer, rule) {
                    Ok((route, soft)) => {
                        let field = FieldPath::root().field("spec").field("rules").index(index);
                        out.routes.push((
                            route,
                            SourceField {
                                object: self.id,
                                field,
                            },
                        ));
                        if soft.is_some() {
                            out.error = soft;
                        }
                    }
                    Err(hard) => {
                        return Converted {
                            routes: Vec::new(),
                            error: Some(hard),
                        }
                    }
                }
            }
            out
        };
        let (mesh, gateway) = self.variants(convert, conditions);
        let mut out = Vec::new();
        let mut count = 0;
        let label = if tls { "tls" } else { "tcp" };
        for parent in parents::accepted(&self.parents) {
            let port = parent.reference.port.and_then(|p| u32::try_from(p).ok());
            let (routes, hosts) = if parent.is_mesh() {
                let hosts = self.mesh_hosts(world, parent);
                (mesh.routes.clone(), hosts)
            } else if tls && !parent.hostname.is_empty() {
                let hosts = intersection(&sni_hosts, std::slice::from_ref(&parent.hostname));
                (gateway.routes.clone(), hosts)
            } else if tls {
                (gateway.routes.clone(), sni_hosts.clone())
            } else {
                (gateway.routes.clone(), vec!["*".to_string()])
            };
            for host in &hosts {
                let name = format!(
                    "{}~{label}~{count}~{GENERATED_SUFFIX}",
                    self.object.meta.name
                );
                count += 1;
                let mut spec = net::VirtualServiceSpec {
                    hosts: vec![host.clone()],
                    gateways: vec![parent.internal_name.clone()],
                    ..Default::default()
                };
                for (route, _) in &routes {
                    let destinations = route.clone();
                    if tls {
                        let mut sni = sni_hosts.clone();
                        if parent.is_mesh() {
                            // Without route hostnames, the parent's hosts.
                            if sni == ["*"] {
                                sni = hosts.clone();
                            }
                            if sni.len() > 1 {
                                sni.retain(|h| parents::host_matches(host, h));
                            }
                        } else if !parent.hostname.is_empty() {
                            sni = intersection(&sni, std::slice::from_ref(&parent.hostname));
                            if sni.is_empty() {
                                continue;
                            }
                        }
                        spec.tls.push(net::TLSRoute {
                            r#match: vec![net::TLSMatchAttributes {
                                sni_hosts: sni,
                                port: if parent.is_mesh() { port } else { None },
                                ..Default::default()
                            }],
                            route: destinations,
                        });
                    } else {
                        let r#match = match (parent.is_mesh(), port) {
                            (true, Some(port)) => vec![net::L4MatchAttributes {
                                port: Some(port),
                                ..Default::default()
                            }],
                            _ => Vec::new(),
                        };
                        spec.tcp.push(net::TCPRoute {
                            r#match,
                            route: destinations,
                        });
                    }
                }
                out.push(Generated {
                    name,
                    namespace: self.namespace.clone(),
                    annotations: self.annotations(),
                    spec: GeneratedSpec::VirtualService(spec),
                    sources: self.with_sources(&routes),
                });
            }
        }
        out
    }
}

/// Istio's `host.Names.Intersection`.
fn intersection(ours: &[String], theirs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in ours {
        for b in theirs {
            let pick = if host_subset_of(a, b) {
                Some(a)
            } else if host_subset_of(b, a) {
                Some(b)
            } else {
                None
            };
            if let Some(pick) = pick {
                if !out.contains(pick) {
                    out.push(pick.clone());
                }
            }
        }
    }
    out
}

/// A rule's route name: its `name`, else `NAMESPACE.ROUTE.INDEX`.
fn rule_name(object: &Object, name: &Option<String>, index: usize) -> String {
    name.clone().unwrap_or_else(|| {
        format!(
            "{}.{}.{index}",
            object.namespace_or(DEFAULT_NAMESPACE),
            object.meta.name
        )
    })
}

/// The weighted destinations of a rule's backendRefs, and the last soft error.
fn http_destinations(
    world: &World<'_>,
    referrer: &Referrer<'_>,
    backends: &[BackendFields<'_>],
    filters_of: impl Fn(usize) -> Result<Option<net::Headers>, ConfigError>,
) -> Result<(Vec<net::HTTPRouteDestination>, Option<ConfigError>), ConfigError> {
    let mut soft = None;
    let mut out = Vec::new();
    for (index, weight) in backends::weights(backends) {
        let (destination, problem) = backends::destination(world, &backends[index], referrer);
        if let Some(problem) = problem {
            if !problem.is_invalid_backend() {
                return Err(problem);
            }
            soft = Some(problem);
        }
        out.push(net::HTTPRouteDestination {
            destination: Some(destination),
            weight,
            headers: filters_of(index)?,
        });
    }
    Ok((out, soft))
}

/// Request/response header filters of a backendRef; anything else is invalid.
fn backend_headers<'f>(
    filters: impl Iterator<
        Item = (
            &'f str,
            Option<&'f gw::HTTPHeaderFilter>,
            Option<&'f gw::HTTPHeaderFilter>,
        ),
    >,
) -> Result<Option<net::Headers>, ConfigError> {
    let mut headers: Option<net::Headers> = None;
    for (kind, request, response) in filters {
        match kind {
            "RequestHeaderModifier" => {
                if let Some(ops) = filters::header_operations(request)? {
                    headers.get_or_insert_with(Default::default).request = Some(ops);
                }
            }
            "ResponseHeaderModifier" => {
                if let Some(ops) = filters::header_operations(response)? {
                    headers.get_or_insert_with(Default::default).response = Some(ops);
                }
            }
            other => {
                return Err(ConfigError::new(
                    INVALID_FILTER,
                    format!("unsupported filter type {other:?}"),
                ))
            }
        }
    }
    Ok(headers)
}

/// `convertHTTPRoute` for one rule and (at most) one of its matches.
fn http_rule(
    world: &World<'_>,
    object: &Object,
    referrer: &Referrer<'_>,
    index: usize,
    rule: &gw::HTTPRouteRule,
    m: Option<&gw::HTTPRouteMatch>,
) -> Result<(net::HTTPRoute, Option<ConfigError>), ConfigError> {
    let mut route = net::HTTPRoute {
        name: Some(rule_name(object, &rule.name, index)),
        r#match: m.map(matches::http_match).into_iter().collect(),
        ..Default::default()
    };
    let mut mirror_error = None;
    for filter in &rule.filters {
        match filter.r#type {
            Some(gw::HTTPRouteFilterType::RequestHeaderModifier) => {
                if let Some(ops) =
                    filters::header_operations(filter.request_header_modifier.as_ref())?
                {
                    route.headers.get_or_insert_with(Default::default).request = Some(ops);
                }
            }
            Some(gw::HTTPRouteFilterType::ResponseHeaderModifier) => {
                if let Some(ops) =
                    filters::header_operations(filter.response_header_modifier.as_ref())?
                {
                    route.headers.get_or_insert_with(Default::default).response = Some(ops);
                }
            }
            Some(gw::HTTPRouteFilterType::RequestRedirect) => {
                route.redirect = filter.request_redirect.as_ref().map(filters::redirect);
            }
            Some(gw::HTTPRouteFilterType::RequestMirror) => {
                if let Some(mirror) = &filter.request_mirror {
                    // An invalid mirror backend drops the mirror, not the route.
                    match backends::mirror(world, mirror, referrer) {
                        Ok(policy) => route.mirrors.push(policy),
                        Err(error) => mirror_error = Some(error),
                    }
                }
            }
            Some(gw::HTTPRouteFilterType::URLRewrite) => {
                route.rewrite = filter.url_rewrite.as_ref().and_then(filters::rewrite);
            }
            Some(gw::HTTPRouteFilterType::CORS) => {
                route.cors_policy = filter.cors.as_ref().map(filters::cors);
            }
            other => {
                return Err(ConfigError::new(
                    INVALID_FILTER,
                    format!(
                        "unsupported filter type {:?}",
                        other.map(|t| format!("{t:?}")).unwrap_or_default()
                    ),
                ))
            }
        }
    }
    if let Some(retry) = &rule.retry {
        route.retries = Some(filters::retries(retry));
    }
    if let Some(timeouts) = &rule.timeouts {
        filters::apply_timeouts(timeouts, &mut route);
    }
    let backends: Vec<BackendFields<'_>> = rule
        .backend_refs
        .iter()
        .map(BackendFields::of_http)
        .collect();
    if backends::weight_sum(&backends) == 0 && route.redirect.is_none() {
        // "when there are no >0 weight backends return 500"
        route.direct_response = Some(net::HTTPDirectResponse {
            status: Some(500),
            body: None,
        });
        return Ok((route, mirror_error));
    }
    let (destinations, soft) = http_destinations(world, referrer, &backends, |i| {
        backend_headers(rule.backend_refs[i].filters.iter().map(|f| {
            (
                filter_type_name(f.r#type.map(|t| format!("{t:?}"))),
                f.request_header_modifier.as_ref(),
                f.response_header_modifier.as_ref(),
            )
        }))
    })?;
    route.route = destinations;
    Ok((route, ConfigError::join(soft, mirror_error)))
}

fn filter_type_name(name: Option<String>) -> &'static str {
    match name.as_deref() {
        Some("RequestHeaderModifier") => "RequestHeaderModifier",
        Some("ResponseHeaderModifier") => "ResponseHeaderModifier",
        Some("RequestMirror") => "RequestMirror",
        Some("RequestRedirect") => "RequestRedirect",
        Some("URLRewrite") => "URLRewrite",
        Some("CORS") => "CORS",
        Some("ExternalAuth") => "ExternalAuth",
        Some("ExtensionRef") => "ExtensionRef",
        _ => "",
    }
}

/// `convertGRPCRoute` for one rule and (at most) one of its matches.
fn grpc_rule(
    world: &World<'_>,
    object: &Object,
    referrer: &Referrer<'_>,
    index: usize,
    rule: &gw::GRPCRouteRule,
    m: Option<&gw::GRPCRouteMatch>,
) -> Result<(net::HTTPRoute, Option<ConfigError>), ConfigError> {
    let mut route = net::HTTPRoute {
        name: Some(rule_name(object, &rule.name, index)),
        r#match: match m {
            Some(m) => vec![matches::grpc_match(m)?],
            None => Vec::new(),
        },
        ..Default::default()
    };
    for filter in &rule.filters {
        match filter.r#type {
            Some(gw::GRPCRouteFilterType::RequestHeaderModifier) => {
                if let Some(ops) =
                    filters::header_operations(filter.request_header_modifier.as_ref())?
                {
                    route.headers.get_or_insert_with(Default::default).request = Some(ops);
                }
            }
            Some(gw::GRPCRouteFilterType::ResponseHeaderModifier) => {
                if let Some(ops) =
                    filters::header_operations(filter.response_header_modifier.as_ref())?
                {
                    route.headers.get_or_insert_with(Default::default).response = Some(ops);
                }
            }
            Some(gw::GRPCRouteFilterType::RequestMirror) => {
                if let Some(mirror) = &filter.request_mirror {
                    // For gRPC an invalid mirror backend is a hard error.
                    route
                        .mirrors
                        .push(backends::mirror(world, mirror, referrer)?);
                }
            }
            other => {
                return Err(ConfigError::new(
                    INVALID_FILTER,
                    format!(
                        "unsupported filter type {:?}",
                        other.map(|t| format!("{t:?}")).unwrap_or_default()
                    ),
                ))
            }
        }
    }
    let backends: Vec<BackendFields<'_>> = rule
        .backend_refs
        .iter()
        .map(BackendFields::of_grpc)
        .collect();
    if backends::weight_sum(&backends) == 0 {
        route.direct_response = Some(net::HTTPDirectResponse {
            status: Some(500),
            body: None,
        });
        return Ok((route, None));
    }
    let (destinations, soft) = http_destinations(world, referrer, &backends, |i| {
        backend_headers(rule.backend_refs[i].filters.iter().map(|f| {
            (
                filter_type_name(f.r#type.map(|t| format!("{t:?}"))),
                f.request_header_modifier.as_ref(),
                f.response_header_modifier.as_ref(),
            )
        }))
    })?;
    route.route = destinations;
    Ok((route, soft))
}

/// `convertTCPRoute` / `convertTLSRoute`: the destinations of one rule;
/// no weight left sends to a blackhole cluster.
fn l4_rule(
    world: &World<'_>,
    referrer: &Referrer<'_>,
    rule: &gw::L4RouteRule,
) -> Result<(Vec<net::RouteDestination>, Option<ConfigError>), ConfigError> {
    let backends: Vec<BackendFields<'_>> =
        rule.backend_refs.iter().map(BackendFields::of_l4).collect();
    if backends::weight_sum(&backends) == 0 {
        return Ok((
            vec![net::RouteDestination {
                destination: Some(net::Destination {
                    host: Some("internal.cluster.local".into()),
                    subset: Some("zero-weight".into()),
                    port: Some(net::PortSelector {
                        number: Some(65535),
                    }),
                }),
                weight: None,
            }],
            None,
        ));
    }
    let mut soft = None;
    let mut out = Vec::new();
    for (index, weight) in backends::weights(&backends) {
        let (destination, problem) = backends::destination(world, &backends[index], referrer);
        if let Some(problem) = problem {
            if !problem.is_invalid_backend() {
                return Err(problem);
            }
            soft = Some(problem);
        }
        out.push(net::RouteDestination {
            destination: Some(destination),
            weight,
        });
    }
    Ok((out, soft))
}
