//! VirtualService rules (Istio's `ValidateVirtualService` and the CRD's CEL rules).
use std::collections::BTreeMap;

use super::common::{self, spec_path, Errors};
use crate::model::networking::{
    CorsPolicy, Destination, HTTPFaultInjection, HTTPMatchRequest, HTTPRetry, HTTPRoute,
    HTTPRouteDestination, L4MatchAttributes, RouteDestination, StringMatch, TCPRoute,
    TLSMatchAttributes, TLSRoute, VirtualServiceSpec,
};
use crate::model::Object;
use crate::source::FieldPath;

/// Retry conditions Envoy understands for HTTP and gRPC.
const RETRY_ON: &[&str] = &[
    "5xx",
    "gateway-error",
    "reset",
    "reset-before-request",
    "connect-failure",
    "envoy-ratelimited",
    "retriable-4xx",
    "refused-stream",
    "retriable-status-codes",
    "retriable-headers",
    "http3-post-connect-failure",
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
];

const HTTP_METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

const REDIRECT_CODES: &[u32] = &[301, 302, 303, 307, 308];

use crate::semantics::routing::JWT_CLAIM_PREFIX;

pub(super) fn check(object: &Object, spec: &VirtualServiceSpec, out: &mut Errors) {
    let root = spec_path();
    let delegate = spec.hosts.is_empty();
    if delegate {
        if !spec.gateways.is_empty() {
            out.error(
                &root.field("gateways"),
                "delegate virtual service must have no gateways specified",
            );
        }
        if !spec.tls.is_empty() {
            out.error(
                &root.field("tls"),
                "delegate virtual service must have no tls route specified",
            );
        }
        if !spec.tcp.is_empty() {
            out.error(
                &root.field("tcp"),
                "delegate virtual service must have no tcp route specified",
            );
        }
    }

    let mut applies_to_mesh = spec.gateways.is_empty();
    let mut applies_to_gateway = false;
    for (i, gateway) in spec.gateways.iter().enumerate() {
        if gateway == crate::semantics::routing::MESH_GATEWAY {
            applies_to_mesh = true;
        } else {
            applies_to_gateway = true;
            common::gateway_name(out, &root.field("gateways").index(i), gateway);
        }
    }

    let mut all_hosts_valid = true;
    for (i, host) in spec.hosts.iter().enumerate() {
        let path = root.field("hosts").index(i);
        match common::wildcard_domain(host) {
            // Istio accepts IP addresses as VirtualService hosts.
            Err(_) if common::is_ip(host) => {}
            Err(message) => {
                out.error(&path, message);
                all_hosts_valid = false;
            }
            Ok(()) if applies_to_mesh && host == "*" => {
                out.error(
                    &path,
                    "wildcard host * is not allowed for virtual services bound to the mesh gateway",
                );
                all_hosts_valid = false;
            }
            Ok(()) => {}
        }
    }
    if all_hosts_valid {
        for (j, later) in spec.hosts.iter().enumerate() {
            if let Some(earlier) = spec.hosts[..j]
                .iter()
                .find(|earlier| common::hosts_overlap(earlier, later))
            {
                out.error(
                    &root.field("hosts").index(j),
                    format!("duplicate hosts in virtual service: {earlier} & {later}"),
                );
            }
        }
    }

    if spec.http.is_empty() && spec.tcp.is_empty() && spec.tls.is_empty() {
        out.error(
            &root,
            "http, tcp or tls must be provided in virtual service",
        );
    }
    for (i, route) in spec.http.iter().enumerate() {
        let path = root.field("http").index(i);
        http_route(out, &path, route, delegate);
        if !applies_to_gateway {
            jwt_claim_routes(out, &path, route, &spec.gateways);
        }
    }
    for (i, route) in spec.tls.iter().enumerate() {
        tls_route(out, &root.field("tls").index(i), route, &spec.hosts);
    }
    for (i, route) in spec.tcp.iter().enumerate() {
        tcp_route(out, &root.field("tcp").index(i), route);
    }
    common::export_to(
        out,
        &root.field("exportTo"),
        &spec.export_to,
        object.meta.namespace.as_deref(),
        false,
    );
}

fn is_jwt_claim(name: &str) -> bool {
    name.starts_with(JWT_CLAIM_PREFIX)
}

/// Routing on JWT claims (`@request.auth.claims.*` headers) works only on gateways.
fn jwt_claim_routes(out: &mut Errors, path: &FieldPath, route: &HTTPRoute, gateways: &[String]) {
    for (j, m) in route.r#match.iter().enumerate() {
        let match_path = path.field("match").index(j);
        for (field, headers) in [
            ("headers", &m.headers),
            ("withoutHeaders", &m.without_headers),
        ] {
            for name in headers.keys().filter(|name| is_jwt_claim(name)) {
                out.error(
                    &match_path.field(field).field(name),
                    format!(
                        "JWT claim based routing (key: {name}) is only supported for gateway, found no gateways: {gateways:?}"
                    ),
                );
            }
        }
    }
}

fn http_route(out: &mut Errors, path: &FieldPath, route: &HTTPRoute, delegate_vs: bool) {
    let has_route = !route.route.is_empty();
    if route.redirect.is_some() {
        let at = path.field("redirect");
        if has_route {
            out.error(&at, "HTTP route cannot contain both route and redirect");
        }
        if route.fault.is_some() {
            out.error(&at, "HTTP route cannot contain both fault and redirect");
        }
        if route.rewrite.is_some() {
            out.error(
                &at,
                "HTTP route rule cannot contain both rewrite and redirect",
            );
        }
    }
    if route.direct_response.is_some() {
        let at = path.field("directResponse");
        if has_route {
            out.error(
                &at,
                "HTTP route cannot contain both route and direct_response",
            );
        }
        if route.fault.is_some() {
            out.error(
                &at,
                "HTTP route cannot contain both fault and direct_response",
            );
        }
        if route.rewrite.is_some() {
            out.error(
                &at,
                "HTTP route rule cannot contain both rewrite and direct_response",
            );
        }
        if route.redirect.is_some() {
            out.error(
                &at,
                "HTTP route rule cannot contain both direct_response and redirect",
            );
        }
    }
    if let Some(delegate) = &route.delegate {
        let at = path.field("delegate");
        if delegate_vs {
            out.error(&at, "delegate virtual service does not support delegate");
        }
        if has_route || route.redirect.is_some() || route.direct_response.is_some() {
            out.error(
                &at,
                "HTTP route cannot contain delegate together with route, redirect or direct_response",
            );
        }
        match delegate.name.as_deref() {
            None | Some("") => out.error(&at.field("name"), "delegate name is required"),
            Some(name) if !common::is_k8s_dns1123_subdomain(name) => {
                out.error(&at.field("name"), format!("invalid delegate name {name:?}"))
            }
            Some(_) => {}
        }
        if let Some(ns) = delegate.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            if !common::is_k8s_dns1123_label(ns) {
                out.error(
                    &at.field("namespace"),
                    format!("invalid delegate namespace {ns:?}"),
                );
            }
        }
    }
    if !has_route
        && route.redirect.is_none()
        && route.direct_response.is_none()
        && route.delegate.is_none()
    {
        out.error(
            path,
            "HTTP route, redirect, direct_response or delegate is required",
        );
    }

    for (j, m) in route.r#match.iter().enumerate() {
        http_match(out, &path.field("match").index(j), m);
    }
    http_route_destinations(out, &path.field("route"), &route.route);

    common::opt_duration(
        out,
        &path.field("timeout"),
        route.timeout.as_ref(),
        common::duration_min_1ms,
    );
    if let Some(retries) = &route.retries {
        http_retry(out, &path.field("retries"), retries);
    }
    if let Some(fault) = &route.fault {
        fault_injection(out, &path.field("fault"), fault);
    }

    if let Some(mirror) = &route.mirror {
        common::destination(out, &path.field("mirror"), mirror);
        if !route.mirrors.is_empty() {
            out.error(
                &path.field("mirrors"),
                "cannot specify both mirror and mirrors",
            );
        }
    }
    for (j, mirror) in route.mirrors.iter().enumerate() {
        let at = path.field("mirrors").index(j);
        match &mirror.destination {
            Some(d) => common::destination(out, &at.field("destination"), d),
            None => out.error(
                &at.field("destination"),
                "destination is required for mirrors",
            ),
        }
        if let Some(percentage) = &mirror.percentage {
            out.check(&at.field("percentage"), common::percentage(percentage));
        }
    }
    for (field, value) in [
        ("mirrorPercent", route.mirror_percent),
        ("mirror_percent", route.mirror_percent_snake),
    ] {
        if let Some(value) = value.filter(|v| *v > 100) {
            out.error(
                &path.field(field),
                format!("mirror_percent must have a max value of 100 (it has {value})"),
            );
        }
    }
    if let Some(percentage) = &route.mirror_percentage {
        out.check(
            &path.field("mirrorPercentage"),
            common::percentage(percentage),
        );
    }

    if let Some(redirect) = &route.redirect {
        let at = path.field("redirect");
        if redirect.uri.is_none()
            && redirect.authority.is_none()
            && redirect.port.is_none()
            && redirect.derive_port.is_none()
            && redirect.scheme.is_none()
            && redirect.prefix_rewrite.is_none()
        {
            out.error(&at, "redirect must specify URI, authority, scheme, or port");
        }
        if let Some(code) = redirect.redirect_code {
            if !REDIRECT_CODES.contains(&code) {
                out.error(
                    &at.field("redirectCode"),
                    format!("redirect code {code} is not supported, must be one of 301, 302, 303, 307 or 308"),
                );
            }
        }
        if let Some(scheme) = &redirect.scheme {
            if scheme != "http" && scheme != "https" {
                out.error(
                    &at.field("scheme"),
                    format!("invalid redirect scheme {scheme:?}, must be \"http\" or \"https\""),
                );
            }
        }
        if let Some(number) = redirect.port {
            out.check(&at.field("port"), common::port(number));
        }
        if redirect.port.is_some() && redirect.derive_port.is_some() {
            out.error(&at, "redirect may only contain one of port or derivePort");
        }
    }

    if let Some(direct) = &route.direct_response {
        let at = path.field("directResponse");
        match direct.status {
            Some(status) if (200..=599).contains(&status) => {}
            Some(status) => out.error(
                &at.field("status"),
                format!("HTTP status {status} is not in range 200-599"),
            ),
            None => out.error(&at.field("status"), "direct_response status is required"),
        }
        if let Some(body) = &direct.body {
            if body.string.is_some() && body.bytes.is_some() {
                out.error(
                    &at.field("body"),
                    "body may only contain one of string or bytes",
                );
            }
            let size = body
                .string
                .as_ref()
                .or(body.bytes.as_ref())
                .map_or(0, String::len);
            if size > 1024 * 1024 {
                out.error(
                    &at.field("body"),
                    "large direct_responses may impact control plane performance, must be less than 1MB",
                );
            } else if size > 100 * 1024 {
                out.warning(
                    &at.field("body"),
                    "large direct_responses may impact control plane performance",
                );
            }
        }
    }

    if let Some(rewrite) = &route.rewrite {
        let at = path.field("rewrite");
        let has_uri = rewrite.uri.as_deref().is_some_and(|u| !u.is_empty());
        if has_uri && rewrite.uri_regex_rewrite.is_some() {
            out.error(
                &at,
                "rewrite may only contain one of URI or UriRegexRewrite",
            );
        }
        if !has_uri && rewrite.uri_regex_rewrite.is_none() && rewrite.authority.is_none() {
            out.error(
                &at,
                "rewrite must specify at least one of URI, UriRegexRewrite, or authority",
            );
        }
        if let Some(regex_rewrite) = &rewrite.uri_regex_rewrite {
            let rp = at.field("uriRegexRewrite");
            match (&regex_rewrite.r#match, &regex_rewrite.rewrite) {
                (Some(pattern), Some(_)) if !pattern.is_empty() => {
                    out.check(&rp.field("match"), common::regex(pattern));
                }
                _ => out.error(
                    &rp,
                    "UriRegexRewrite requires both Rewrite and Match fields to be specified",
                ),
            }
        }
    }

    if let Some(cors) = &route.cors_policy {
        cors_policy(out, &path.field("corsPolicy"), cors);
    }
}

fn header_matches(out: &mut Errors, path: &FieldPath, headers: &BTreeMap<String, StringMatch>) {
    for (name, m) in headers {
        let at = path.field(name);
        if !is_jwt_claim(name) {
            match common::header_name(name) {
                Err(message) => out.error(&at, message),
                Ok(()) if name.chars().any(|c| c.is_ascii_uppercase()) => out.warning(
                    &at,
                    format!(
                        "header name {name:?} is not lowercase; Envoy lowercases header names, so use {:?}",
                        name.to_ascii_lowercase()
                    ),
                ),
                Ok(()) => {}
            }
        }
        common::string_match(out, &at, m, true);
    }
}

fn http_match(out: &mut Errors, path: &FieldPath, m: &HTTPMatchRequest) {
    for (field, value) in [
        ("uri", &m.uri),
        ("scheme", &m.scheme),
        ("method", &m.method),
        ("authority", &m.authority),
    ] {
        if let Some(value) = value {
            common::string_match(out, &path.field(field), value, false);
        }
    }
    header_matches(out, &path.field("headers"), &m.headers);
    header_matches(out, &path.field("withoutHeaders"), &m.without_headers);
    for (name, value) in &m.query_params {
        common::string_match(out, &path.field("queryParams").field(name), value, true);
    }
    match_common(
        out,
        path,
        m.port,
        &m.source_labels,
        &m.gateways,
        m.source_namespace.as_deref(),
    );
}

/// Fields every kind of route match has: port, sourceLabels, gateways, sourceNamespace.
fn match_common(
    out: &mut Errors,
    path: &FieldPath,
    port: Option<u32>,
    source_labels: &BTreeMap<String, String>,
    gateways: &[String],
    source_namespace: Option<&str>,
) {
    if let Some(number) = port.filter(|p| *p != 0) {
        out.check(&path.field("port"), common::port(number));
    }
    common::labels(out, &path.field("sourceLabels"), source_labels);
    for (i, gateway) in gateways.iter().enumerate() {
        if gateway != "mesh" {
            common::gateway_name(out, &path.field("gateways").index(i), gateway);
        }
    }
    if let Some(ns) = source_namespace.filter(|ns| !ns.is_empty()) {
        if !common::is_dns1123_label(ns) {
            out.error(
                &path.field("sourceNamespace"),
                format!("sourceNamespace match {ns:?} is not a valid DNS label"),
            );
        }
    }
}

fn route_destinations(
    out: &mut Errors,
    path: &FieldPath,
    items: &[(Option<&Destination>, Option<i32>)],
) {
    let mut total: i64 = 0;
    for (k, (destination, weight)) in items.iter().enumerate() {
        let at = path.index(k);
        match destination {
            Some(d) => common::destination(out, &at.field("destination"), d),
            None => out.error(&at.field("destination"), "destination is required"),
        }
        if let Some(weight) = weight {
            if *weight < 0 {
                out.error(&at.field("weight"), format!("weight {weight} < 0"));
            }
            total += i64::from(*weight);
        }
    }
    if items.len() > 1 && total == 0 {
        out.error(path, "total destination weight = 0");
    }
}

fn http_route_destinations(out: &mut Errors, path: &FieldPath, route: &[HTTPRouteDestination]) {
    let items: Vec<_> = route
        .iter()
        .map(|r| (r.destination.as_ref(), r.weight))
        .collect();
    route_destinations(out, path, &items);
}

fn l4_route_destinations(out: &mut Errors, path: &FieldPath, route: &[RouteDestination]) {
    let items: Vec<_> = route
        .iter()
        .map(|r| (r.destination.as_ref(), r.weight))
        .collect();
    route_destinations(out, path, &items);
}

fn http_retry(out: &mut Errors, path: &FieldPath, retries: &HTTPRetry) {
    match retries.attempts {
        Some(attempts) if attempts < 0 => {
            out.error(&path.field("attempts"), "attempts cannot be negative");
        }
        Some(0)
            if retries.per_try_timeout.is_some()
                || retries.retry_on.is_some()
                || retries.retry_remote_localities.is_some() =>
        {
            out.warning(
                &path.field("attempts"),
                "http retry policy configured when attempts are set to 0 (disabled). Retry policy will be ignored",
            );
        }
        _ => {}
    }
    common::opt_duration(
        out,
        &path.field("perTryTimeout"),
        retries.per_try_timeout.as_ref(),
        common::duration_min_1ms,
    );
    common::opt_duration(
        out,
        &path.field("backoff"),
        retries.backoff.as_ref(),
        common::duration_min_1ms,
    );
    if let Some(retry_on) = &retries.retry_on {
        for policy in retry_on.split(',').map(str::trim) {
            let status_code = policy
                .parse::<u32>()
                .is_ok_and(|code| (100..=599).contains(&code));
            if !RETRY_ON.contains(&policy) && !status_code {
                out.error(
                    &path.field("retryOn"),
                    format!("{policy:?} is not a valid retryOn policy"),
                );
            }
        }
    }
}

fn fault_injection(out: &mut Errors, path: &FieldPath, fault: &HTTPFaultInjection) {
    if fault.abort.is_none() && fault.delay.is_none() {
        out.error(
            path,
            "HTTP fault injection must have an abort and/or a delay",
        );
    }
    if let Some(delay) = &fault.delay {
        let at = path.field("delay");
        if let Some(percentage) = &delay.percentage {
            out.check(&at.field("percentage"), common::percentage(percentage));
        }
        if let Some(percent) = delay.percent {
            out.check(
                &at.field("percent"),
                common::percent_0_100(i64::from(percent)),
            );
        }
        match (&delay.fixed_delay, &delay.exponential_delay) {
            (None, None) => out.error(&at, "delay must specify fixedDelay"),
            (Some(_), Some(_)) => out.error(
                &at,
                "delay may only contain one of fixedDelay or exponentialDelay",
            ),
            (Some(fixed), None) => {
                out.check(&at.field("fixedDelay"), common::duration_min_1ms(fixed));
            }
            (None, Some(exponential)) => {
                let ep = at.field("exponentialDelay");
                out.check(&ep, common::duration_min_1ms(exponential));
                out.error(&ep, "exponentialDelay not supported yet");
            }
        }
    }
    if let Some(abort) = &fault.abort {
        let at = path.field("abort");
        if let Some(percentage) = &abort.percentage {
            out.check(&at.field("percentage"), common::percentage(percentage));
        }
        let set = [
            abort.http_status.is_some(),
            abort.grpc_status.is_some(),
            abort.http2_error.is_some(),
        ]
        .iter()
        .filter(|s| **s)
        .count();
        match set {
            0 => out.error(
                &at,
                "abort must specify httpStatus, grpcStatus or http2Error",
            ),
            1 => {}
            _ => out.error(
                &at,
                "abort may only contain one of httpStatus, grpcStatus or http2Error",
            ),
        }
        if let Some(status) = abort.http_status {
            if !(200..=599).contains(&status) {
                out.error(
                    &at.field("httpStatus"),
                    format!("HTTP status {status} is not in range 200-599"),
                );
            }
        }
        if let Some(status) = &abort.grpc_status {
            if !crate::grpc_support::STATUS_NAMES.contains(&status.as_str()) {
                out.error(
                    &at.field("grpcStatus"),
                    format!(
                        "gRPC status {status:?} is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md \
                         for a list of supported codes, for example 'NOT_FOUND'"
                    ),
                );
            }
        }
        if abort.http2_error.is_some() {
            out.error(
                &at.field("http2Error"),
                "HTTP/2 abort fault injection not supported yet",
            );
        }
    }
}

fn cors_policy(out: &mut Errors, path: &FieldPath, cors: &CorsPolicy) {
    for (i, origin) in cors.allow_origins.iter().enumerate() {
        common::string_match(out, &path.field("allowOrigins").index(i), origin, false);
    }
    for (i, method) in cors.allow_methods.iter().enumerate() {
        if !HTTP_METHODS.contains(&method.as_str()) {
            out.error(
                &path.field("allowMethods").index(i),
                format!("{method:?} is not a supported HTTP method"),
            );
        }
    }
    for (field, headers) in [
        ("allowHeaders", &cors.allow_headers),
        ("exposeHeaders", &cors.expose_headers),
    ] {
        for (i, header) in headers.iter().enumerate() {
            out.check(&path.field(field).index(i), common::header_name(header));
        }
    }
    if let Some(max_age) = &cors.max_age {
        let at = path.field("maxAge");
        match common::duration_min_1ms(max_age) {
            Err(message) => out.error(&at, message),
            Ok(()) => {
                if common::parse_duration(max_age).is_ok_and(|n| n % 1_000_000_000 != 0) {
                    out.error(
                        &at,
                        "max_age duration is accurate only to seconds precision",
                    );
                }
            }
        }
    }
}

fn tls_route(out: &mut Errors, path: &FieldPath, route: &TLSRoute, hosts: &[String]) {
    if route.r#match.is_empty() {
        out.error(
            &path.field("match"),
            "TLS route must have at least one match condition",
        );
    }
    for (j, m) in route.r#match.iter().enumerate() {
        tls_match(out, &path.field("match").index(j), m, hosts);
    }
    if route.route.is_empty() {
        out.error(&path.field("route"), "TLS route is required");
    }
    l4_route_destinations(out, &path.field("route"), &route.route);
}

fn tls_match(out: &mut Errors, path: &FieldPath, m: &TLSMatchAttributes, hosts: &[String]) {
    if m.sni_hosts.is_empty() {
        out.error(
            &path.field("sniHosts"),
            "TLS match must have at least one SNI host",
        );
    }
    for (k, sni) in m.sni_hosts.iter().enumerate() {
        let at = path.field("sniHosts").index(k);
        if let Err(message) = common::wildcard_domain(sni) {
            if common::is_ip(sni) {
                out.warning(
                    &at,
                    format!("using an IP address ({sni:?}) goes against SNI spec and most clients do not support this"),
                );
            } else {
                out.error(&at, message);
            }
            continue;
        }
        if !hosts.iter().any(|host| common::host_subset_of(sni, host)) {
            out.error(
                &at,
                format!(
                    "SNI host {sni:?} is not a compatible subset of any of the virtual service hosts: [{}]",
                    hosts.join(", ")
                ),
            );
        }
    }
    for (k, subnet) in m.destination_subnets.iter().enumerate() {
        out.check(
            &path.field("destinationSubnets").index(k),
            common::ip_or_cidr(subnet),
        );
    }
    match_common(
        out,
        path,
        m.port,
        &m.source_labels,
        &m.gateways,
        m.source_namespace.as_deref(),
    );
}

fn tcp_route(out: &mut Errors, path: &FieldPath, route: &TCPRoute) {
    for (j, m) in route.r#match.iter().enumerate() {
        tcp_match(out, &path.field("match").index(j), m);
    }
    if route.route.is_empty() {
        out.error(&path.field("route"), "TCP route is required");
    }
    l4_route_destinations(out, &path.field("route"), &route.route);
}

fn tcp_match(out: &mut Errors, path: &FieldPath, m: &L4MatchAttributes) {
    for (k, subnet) in m.destination_subnets.iter().enumerate() {
        out.check(
            &path.field("destinationSubnets").index(k),
            common::ip_or_cidr(subnet),
        );
    }
    if let Some(subnet) = m.source_subnet.as_deref().filter(|s| !s.is_empty()) {
        out.check(&path.field("sourceSubnet"), common::ip_or_cidr(subnet));
    }
    match_common(
        out,
        path,
        m.port,
        &m.source_labels,
        &m.gateways,
        m.source_namespace.as_deref(),
    );
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    fn vs(spec: &str) -> Vec<super::super::FieldError> {
        check_spec("VirtualService", spec)
    }

    #[test]
    fn realistic_virtual_service_is_clean() {
        assert_clean(&vs(r#"
hosts:
- reviews.prod.svc.cluster.local
- reviews.example.com
gateways:
- mesh
- istio-system/public-gw
exportTo: ["."]
http:
- name: reviews-v2-for-jason
  match:
  - headers:
      end-user:
        exact: jason
      x-present: {}
    uri:
      prefix: /reviews
    method:
      regex: "GET|HEAD"
    queryParams:
      debug:
        exact: "1"
    port: 9080
    sourceLabels:
      app: productpage
    sourceNamespace: bookinfo
  route:
  - destination:
      host: reviews
      subset: v2
      port:
        number: 9080
    weight: 90
  - destination:
      host: reviews
      subset: v3
    weight: 10
  timeout: 10s
  retries:
    attempts: 3
    perTryTimeout: 2s
    retryOn: gateway-error,connect-failure,refused-stream,503
    backoff: 25ms
  fault:
    delay:
      fixedDelay: 5s
      percentage:
        value: 0.1
    abort:
      httpStatus: 503
      percentage:
        value: 1.5
  mirror:
    host: reviews-shadow
  mirrorPercentage:
    value: 25.0
  corsPolicy:
    allowOrigins:
    - exact: https://example.com
    - regex: "https://.*\\.example\\.org"
    allowMethods: [GET, POST]
    allowHeaders: [x-custom]
    maxAge: 24h
  rewrite:
    uri: /v2/reviews
    authority: reviews.internal
- match:
  - uri:
      exact: /old
  redirect:
    uri: /new
    redirectCode: 308
- match:
  - uri:
      prefix: /regex
  rewrite:
    uriRegexRewrite:
      match: "^/regex/(.*)$"
      rewrite: "/\\1"
  route:
  - destination:
      host: regex-svc
- match:
  - uri:
      exact: /healthz
  directResponse:
    status: 200
    body:
      string: ok
tls:
- match:
  - sniHosts: [reviews.example.com]
    port: 443
    destinationSubnets: [10.0.0.0/8]
  route:
  - destination:
      host: login.prod.svc.cluster.local
      port:
        number: 8443
tcp:
- match:
  - port: 27017
    sourceSubnet: 10.1.0.0/16
  route:
  - destination:
      host: mongo.backup.svc.cluster.local
      port:
        number: 5555
    weight: 100
"#));
    }

    #[test]
    fn delegate_cannot_have_gateways_or_l4_routes() {
        let errors = vs(r#"
gateways: [my-gw]
http:
- route:
  - destination: {host: a}
tls:
- match: [{sniHosts: [a.com]}]
  route: [{destination: {host: a}}]
tcp:
- route: [{destination: {host: a}}]
"#);
        assert_error(
            &errors,
            "spec.gateways",
            "delegate virtual service must have no gateways",
        );
        assert_error(&errors, "spec.tls", "no tls route");
        assert_error(&errors, "spec.tcp", "no tcp route");
    }

    #[test]
    fn delegate_routes_cannot_delegate() {
        let errors = vs("http:\n- delegate: {name: other}\n");
        assert_error(
            &errors,
            "spec.http[0].delegate",
            "delegate virtual service does not support delegate",
        );
    }

    #[test]
    fn delegate_needs_a_name() {
        let errors = vs("hosts: [a]\nhttp:\n- delegate: {namespace: ns}\n");
        assert_error(
            &errors,
            "spec.http[0].delegate.name",
            "delegate name is required",
        );
    }

    #[test]
    fn hosts_must_be_domain_names() {
        let errors =
            vs("hosts: [\"foo_bar.com\", 10.0.0.1]\nhttp:\n- route: [{destination: {host: a}}]\n");
        assert_error(
            &errors,
            "spec.hosts[0]",
            "domain name \"foo_bar.com\" invalid",
        );
        assert!(!errors.iter().any(|e| e.path.to_string() == "spec.hosts[1]"));
    }

    #[test]
    fn wildcard_host_not_allowed_for_mesh() {
        let errors = vs("hosts: [\"*\"]\nhttp:\n- route: [{destination: {host: a}}]\n");
        assert_error(&errors, "spec.hosts[0]", "wildcard host * is not allowed");
        let on_gateway =
            vs("hosts: [\"*\"]\ngateways: [gw]\nhttp:\n- route: [{destination: {host: a}}]\n");
        assert_clean(&on_gateway);
    }

    #[test]
    fn duplicate_hosts() {
        let errors =
            vs("hosts: [\"*.foo.com\", a.foo.com]\nhttp:\n- route: [{destination: {host: a}}]\n");
        assert_error(
            &errors,
            "spec.hosts[1]",
            "duplicate hosts in virtual service",
        );
    }

    #[test]
    fn gateway_names() {
        let errors = vs("hosts: [a]\ngateways: [\"Bad_NS/gw\", \"ns/\", gw.istio-system]\nhttp:\n- route: [{destination: {host: a}}]\n");
        assert_error(
            &errors,
            "spec.gateways[0]",
            "invalid value for namespace: \"Bad_NS\"",
        );
        assert_error(&errors, "spec.gateways[1]", "cannot be empty");
        assert_warning(&errors, "spec.gateways[2]", "legacy gatewayName format");
    }

    #[test]
    fn needs_some_routes() {
        let errors = vs("hosts: [a]\n");
        assert_error(&errors, "spec", "http, tcp or tls must be provided");
    }

    #[test]
    fn http_route_needs_an_action() {
        let errors = vs("hosts: [a]\nhttp:\n- match: [{uri: {prefix: /}}]\n");
        assert_error(
            &errors,
            "spec.http[0]",
            "HTTP route, redirect, direct_response or delegate is required",
        );
    }

    #[test]
    fn redirect_and_route_are_exclusive() {
        let errors =
            vs("hosts: [a]\nhttp:\n- redirect: {uri: /x}\n  route: [{destination: {host: a}}]\n");
        assert_error(
            &errors,
            "spec.http[0].redirect",
            "cannot contain both route and redirect",
        );
    }

    #[test]
    fn direct_response_and_route_are_exclusive() {
        let errors = vs("hosts: [a]\nhttp:\n- directResponse: {status: 200}\n  route: [{destination: {host: a}}]\n");
        assert_error(
            &errors,
            "spec.http[0].directResponse",
            "cannot contain both route and direct_response",
        );
    }

    #[test]
    fn destination_host_required() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {subset: v1}}]\n");
        assert_error(
            &errors,
            "spec.http[0].route[0].destination.host",
            "destination host is required",
        );
    }

    #[test]
    fn destination_must_be_set() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{weight: 100}]\n");
        assert_error(
            &errors,
            "spec.http[0].route[0].destination",
            "destination is required",
        );
    }

    #[test]
    fn subset_must_be_a_dns_label() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a, subset: v1.0}}]\n");
        assert_error(
            &errors,
            "spec.http[0].route[0].destination.subset",
            "subset name is invalid: \"v1.0\"",
        );
    }

    #[test]
    fn destination_port_in_range() {
        let errors =
            vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a, port: {number: 70000}}}]\n");
        assert_error(
            &errors,
            "spec.http[0].route[0].destination.port.number",
            "port number 70000",
        );
    }

    #[test]
    fn weights_not_negative_and_not_all_zero() {
        let errors = vs("hosts: [a]\nhttp:\n- route:\n  - {destination: {host: a}, weight: -1}\n  - {destination: {host: b}, weight: 1}\n");
        assert_error(&errors, "spec.http[0].route[0].weight", "weight -1 < 0");
        let zero = vs("hosts: [a]\nhttp:\n- route:\n  - {destination: {host: a}, weight: 0}\n  - {destination: {host: b}, weight: 0}\n");
        assert_error(&zero, "spec.http[0].route", "total destination weight = 0");
    }

    #[test]
    fn timeout_is_a_duration_of_at_least_1ms() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  timeout: 0s\n");
        assert_error(&errors, "spec.http[0].timeout", "must be greater than 1ms");
        let bad =
            vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  timeout: 10 seconds\n");
        assert_error(
            &bad,
            "spec.http[0].timeout",
            "invalid duration \"10 seconds\"",
        );
    }

    #[test]
    fn retries() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  retries: {attempts: -1, perTryTimeout: 0.5ms, retryOn: \"5xx,bogus,503,999\"}\n");
        assert_error(
            &errors,
            "spec.http[0].retries.attempts",
            "attempts cannot be negative",
        );
        assert_error(
            &errors,
            "spec.http[0].retries.perTryTimeout",
            "greater than 1ms",
        );
        assert_error(
            &errors,
            "spec.http[0].retries.retryOn",
            "\"bogus\" is not a valid retryOn policy",
        );
        assert_error(
            &errors,
            "spec.http[0].retries.retryOn",
            "\"999\" is not a valid retryOn policy",
        );
        assert!(!errors.iter().any(|e| e.message.contains("\"503\"")));
    }

    #[test]
    fn retries_disabled_with_policy_warns() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  retries: {attempts: 0, retryOn: 5xx}\n");
        assert_warning(
            &errors,
            "spec.http[0].retries.attempts",
            "Retry policy will be ignored",
        );
    }

    #[test]
    fn fault_needs_delay_or_abort() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  fault: {}\n");
        assert_error(
            &errors,
            "spec.http[0].fault",
            "must have an abort and/or a delay",
        );
    }

    #[test]
    fn fault_delay_needs_a_value() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  fault: {delay: {percentage: {value: 50}}}\n");
        assert_error(
            &errors,
            "spec.http[0].fault.delay",
            "delay must specify fixedDelay",
        );
        let short = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  fault: {delay: {fixedDelay: 0s}}\n");
        assert_error(
            &short,
            "spec.http[0].fault.delay.fixedDelay",
            "greater than 1ms",
        );
    }

    #[test]
    fn fault_abort_needs_a_status() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  fault: {abort: {percentage: {value: 50}}}\n");
        assert_error(
            &errors,
            "spec.http[0].fault.abort",
            "abort must specify httpStatus, grpcStatus or http2Error",
        );
        let bad = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  fault: {abort: {httpStatus: 600}}\n");
        assert_error(
            &bad,
            "spec.http[0].fault.abort.httpStatus",
            "HTTP status 600 is not in range 200-599",
        );
        let grpc = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  fault: {abort: {grpcStatus: NOPE}}\n");
        assert_error(
            &grpc,
            "spec.http[0].fault.abort.grpcStatus",
            "gRPC status \"NOPE\" is not supported",
        );
    }

    #[test]
    fn fault_percentage_in_range() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  fault: {abort: {httpStatus: 503, percentage: {value: 150}}}\n");
        assert_error(
            &errors,
            "spec.http[0].fault.abort.percentage",
            "percentage 150 is neither 0.0",
        );
    }

    #[test]
    fn mirror_percentage_in_range() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  mirror: {host: b}\n  mirrorPercentage: {value: 101}\n");
        assert_error(&errors, "spec.http[0].mirrorPercentage", "percentage 101");
    }

    #[test]
    fn rewrite_uri_and_regex_are_exclusive() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  rewrite: {uri: /x, uriRegexRewrite: {match: a, rewrite: b}}\n");
        assert_error(
            &errors,
            "spec.http[0].rewrite",
            "rewrite may only contain one of URI or UriRegexRewrite",
        );
    }

    #[test]
    fn redirect_code_is_a_supported_3xx() {
        let errors = vs("hosts: [a]\nhttp:\n- redirect: {uri: /x, redirectCode: 305}\n");
        assert_error(
            &errors,
            "spec.http[0].redirect.redirectCode",
            "redirect code 305 is not supported",
        );
    }

    #[test]
    fn string_match_needs_exactly_one_kind() {
        let errors = vs("hosts: [a]\nhttp:\n- match:\n  - uri: {exact: /a, prefix: /b}\n    authority: {}\n    queryParams: {q: {exact: a, regex: b}}\n  route: [{destination: {host: a}}]\n");
        assert_error(
            &errors,
            "spec.http[0].match[0].uri",
            "exactly one of exact, prefix or regex, found 2",
        );
        assert_error(&errors, "spec.http[0].match[0].authority", "found 0");
        assert_error(&errors, "spec.http[0].match[0].queryParams.q", "found 2");
    }

    #[test]
    fn string_match_regex_must_compile() {
        let errors = vs("hosts: [a]\nhttp:\n- match:\n  - headers: {x-id: {regex: \"a(b\"}}\n  route: [{destination: {host: a}}]\n");
        assert_error(
            &errors,
            "spec.http[0].match[0].headers.x-id.regex",
            "invalid regex \"a(b\"",
        );
    }

    #[test]
    fn header_names_should_be_lowercase() {
        let errors = vs("hosts: [a]\nhttp:\n- match:\n  - headers: {X-User: {exact: a}}\n  route: [{destination: {host: a}}]\n");
        assert_warning(
            &errors,
            "spec.http[0].match[0].headers.X-User",
            "not lowercase",
        );
    }

    #[test]
    fn jwt_claim_routing_needs_a_gateway() {
        let errors = vs("hosts: [a]\nhttp:\n- match:\n  - headers: {\"@request.auth.claims.group\": {exact: admin}}\n  route: [{destination: {host: a}}]\n");
        assert_error(
            &errors,
            "spec.http[0].match[0].headers[\"@request.auth.claims.group\"]",
            "JWT claim based routing",
        );
    }

    #[test]
    fn tls_routes_need_sni_hosts_matching_the_hosts() {
        let errors = vs("hosts: [a.example.com]\ntls:\n- match: [{sniHosts: [b.example.com]}, {port: 443}]\n  route: [{destination: {host: a}}]\n- route: [{destination: {host: a}}]\n");
        assert_error(
            &errors,
            "spec.tls[0].match[0].sniHosts[0]",
            "SNI host \"b.example.com\" is not a compatible subset",
        );
        assert_error(
            &errors,
            "spec.tls[0].match[1].sniHosts",
            "at least one SNI host",
        );
        assert_error(&errors, "spec.tls[1].match", "at least one match condition");
    }

    #[test]
    fn tcp_route_destinations_are_checked() {
        let errors = vs("hosts: [a]\ntcp:\n- match: [{sourceSubnet: 10.0.0.0/40}]\n  route: [{destination: {host: \"*\"}}]\n- {}\n");
        assert_error(
            &errors,
            "spec.tcp[0].route[0].destination.host",
            "invalid destination host \"*\"",
        );
        assert_error(
            &errors,
            "spec.tcp[0].match[0].sourceSubnet",
            "not a valid CIDR block",
        );
        assert_error(&errors, "spec.tcp[1].route", "TCP route is required");
    }

    #[test]
    fn cors_methods_and_max_age() {
        let errors = vs("hosts: [a]\nhttp:\n- route: [{destination: {host: a}}]\n  corsPolicy: {allowMethods: [FETCH], maxAge: 1500ms}\n");
        assert_error(
            &errors,
            "spec.http[0].corsPolicy.allowMethods[0]",
            "\"FETCH\" is not a supported HTTP method",
        );
        assert_error(
            &errors,
            "spec.http[0].corsPolicy.maxAge",
            "seconds precision",
        );
    }

    #[test]
    fn direct_response_status_in_range() {
        let errors = vs("hosts: [a]\nhttp:\n- directResponse: {status: 700}\n");
        assert_error(
            &errors,
            "spec.http[0].directResponse.status",
            "HTTP status 700",
        );
    }
}
