//! Which VirtualService routes reach a client: the binding to the `mesh`
//! gateway, a match's source and port conditions, and the VirtualService a
//! client uses for a host.

use std::collections::BTreeMap;

use crate::index::{is_exported_to, labels_match, Index, ObjectId, DEFAULT_NAMESPACE};
use crate::model::networking::{HTTPMatchRequest, HTTPRoute, VirtualServiceSpec};
use crate::model::{Object, Spec};

/// The gateway name that binds a VirtualService to sidecars and proxyless
/// clients.
pub const MESH_GATEWAY: &str = "mesh";

/// The annotation istiod puts on the VirtualServices it generates from
/// Gateway API routes; `gateway` switches on Gateway API semantics.
pub const ROUTE_SEMANTICS_ANNOTATION: &str = "internal.istio.io/route-semantics";

/// Whether istiod builds a VirtualService's routes with Gateway API
/// semantics (pilot's `UseGatewaySemantics`): the ones it converts from
/// HTTPRoutes and GRPCRoutes, or any carrying the annotation.
pub fn uses_gateway_semantics(object: &Object) -> bool {
    object
        .meta
        .annotations
        .get(ROUTE_SEMANTICS_ANNOTATION)
        .is_some_and(|value| value == "gateway")
}

/// The path-separated prefix istiod sends for a `uri.prefix` match: with
/// Gateway API semantics a prefix matches whole path segments, so every
/// prefix but `/` goes out as Envoy's `path_separated_prefix`, its
/// trailing `/` dropped (`/pkg.Svc/` becomes `/pkg.Svc`). `None`: sent as
/// a plain `prefix`.
pub fn path_separated_prefix(prefix: &str, gateway_semantics: bool) -> Option<&str> {
    (gateway_semantics && prefix != "/").then(|| prefix.strip_suffix('/').unwrap_or(prefix))
}

/// Whether a `gateways` list binds to `mesh` (an empty list does).
pub fn binds_mesh(gateways: &[String]) -> bool {
    gateways.is_empty() || gateways.iter().any(|g| g == MESH_GATEWAY)
}

/// The client a route is built for: where it runs, its labels, and the
/// port it dials (`None`: any port).
#[derive(Debug, Clone, Copy)]
pub struct RouteClient<'a> {
    pub namespace: &'a str,
    pub labels: &'a BTreeMap<String, String>,
    pub port: Option<u32>,
}

/// Whether istiod keeps `matcher` in the routes it builds for `client`:
/// its `gateways` (if any) name `mesh`, its `sourceLabels` are on the
/// client, its `sourceNamespace` is the client's, its `port` the one dialled.
pub fn match_reaches(matcher: &HTTPMatchRequest, client: RouteClient<'_>) -> bool {
    binds_mesh(&matcher.gateways)
        && labels_match(&matcher.source_labels, client.labels)
        && matcher
            .source_namespace
            .as_ref()
            .is_none_or(|ns| ns == client.namespace)
        && matcher
            .port
            .is_none_or(|p| client.port.is_none_or(|dialled| dialled == p))
}

/// The VirtualService bound to the mesh that a client in `namespace` uses
/// for `host` (exact hosts before wildcards, its own namespace's first, a
/// Gateway API route of its namespace before all).
/// A route with Gateway API semantics applies only as a consumer route (in
/// the client's namespace) or a producer route (a Service of the host in
/// its own namespace).
pub fn virtual_service_for<'a>(
    index: &'a Index,
    namespace: &str,
    host: &str,
) -> Option<(ObjectId, &'a VirtualServiceSpec)> {
    let mut found: Vec<(ObjectId, &VirtualServiceSpec, &str)> = index
        .virtual_services_matching(host)
        .into_iter()
        .filter_map(|id| {
            let object = index.object(id);
            let Spec::VirtualService(spec) = &object.spec else {
                return None;
            };
            let owner = object.namespace_or(DEFAULT_NAMESPACE);
            let export_to = index.export_to(object);
            let applies = !uses_gateway_semantics(object)
                || owner == namespace
                || index.services(host).iter().any(|s| s.namespace == owner);
            (applies && binds_mesh(&spec.gateways) && is_exported_to(export_to, owner, namespace))
                .then_some((id, spec.as_ref(), owner))
        })
        .collect();
    // A consumer route (Gateway API semantics, the client's namespace)
    // comes before every other (pilot's SelectVirtualServices).
    found.sort_by_key(|(id, _, owner)| {
        let consumer_route = *owner == namespace && uses_gateway_semantics(index.object(*id));
        (!consumer_route, *owner != namespace)
    });
    found.first().map(|(id, spec, _)| (*id, *spec))
}

/// Whether a match catches every request once istiod converts it (no more
/// routes are built after one): no match, or a path condition of prefix
/// `/` (or none) or regex `.*`, with no header (JWT claims aside, which
/// proxyless clients never get), query, method, authority or scheme
/// condition.
pub fn is_catch_all(matcher: Option<&HTTPMatchRequest>) -> bool {
    let Some(m) = matcher else { return true };
    let path = match &m.uri {
        Some(uri) if uri.exact.is_some() => false,
        Some(uri) if uri.prefix.is_some() => uri.prefix.as_deref() == Some("/"),
        Some(uri) if uri.regex.is_some() => uri.regex.as_deref() == Some(".*"),
        _ => true,
    };
    let is_claim = |name: &String| name.starts_with(JWT_CLAIM_PREFIX);
    path && m.headers.keys().all(is_claim)
        && m.without_headers.keys().all(is_claim)
        && m.query_params.is_empty()
        && m.method.is_none()
        && m.authority.is_none()
        && m.scheme.is_none()
}

/// Headers naming a JWT claim: istiod turns them into dynamic metadata
/// matches, which gRPC does not have, so proxyless clients never get them.
pub const JWT_CLAIM_PREFIX: &str = "@request.auth.claims";

/// One route istiod builds for a client from a VirtualService: the HTTP
/// route, and the match it is built from (`None`: the route has none).
#[derive(Debug, Clone, Copy)]
pub struct EmittedRoute<'a> {
    pub http_index: usize,
    pub http: &'a HTTPRoute,
    pub match_index: Option<usize>,
    pub matcher: Option<&'a HTTPMatchRequest>,
}

/// The routes istiod builds for `client` (on the port it dials) from a
/// VirtualService, in order: one per match that reaches the client (one for
/// a route without matches), none after a catch-all.
pub fn emitted_routes<'a>(
    spec: &'a VirtualServiceSpec,
    client: RouteClient<'_>,
) -> Vec<EmittedRoute<'a>> {
    let mut out = Vec::new();
    for (http_index, http) in spec.http.iter().enumerate() {
        let matches: Vec<(Option<usize>, Option<&HTTPMatchRequest>)> = if http.r#match.is_empty() {
            vec![(None, None)]
        } else {
            http.r#match
                .iter()
                .enumerate()
                .filter(|(_, m)| match_reaches(m, client))
                .map(|(j, m)| (Some(j), Some(m)))
                .collect()
        };
        for (match_index, matcher) in matches {
            out.push(EmittedRoute {
                http_index,
                http,
                match_index,
                matcher,
            });
            if is_catch_all(matcher) {
                return out;
            }
        }
    }
    out
}
