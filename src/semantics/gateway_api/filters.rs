//! Rule filters, retries and timeouts → VirtualService route fields
//! (`createHeadersFilter`, `createRedirectFilter`, `createRewriteFilter`,
//! `createCorsFilter`, the retry and timeout handling of `convertHTTPRoute`).

use std::collections::BTreeMap;

use super::conditions::{ConfigError, INVALID_FILTER};
use crate::model::gateway_api as gw;
use crate::model::networking as net;

/// `createHeadersFilter`: header names lower-cased in `set` and `add`, a
/// repeated name keeps its first value.
pub(super) fn header_operations(
    filter: Option<&gw::HTTPHeaderFilter>,
) -> Result<Option<net::HeaderOperations>, ConfigError> {
    let Some(filter) = filter else {
        return Ok(None);
    };
    for header in filter.set.iter().chain(&filter.add) {
        if !valid_header_value(header.value.as_deref().unwrap_or_default()) {
            return Err(ConfigError::new(
                INVALID_FILTER,
                format!(
                    "header {:?} value contains invalid characters",
                    header.name.as_deref().unwrap_or_default()
                ),
            ));
        }
    }
    let to_map = |headers: &[gw::HTTPHeader]| {
        let mut map = BTreeMap::new();
        for header in headers {
            map.entry(header.name.as_deref().unwrap_or_default().to_lowercase())
                .or_insert_with(|| header.value.clone().unwrap_or_default());
        }
        map
    };
    Ok(Some(net::HeaderOperations {
        set: to_map(&filter.set),
        add: to_map(&filter.add),
        remove: filter.remove.clone(),
    }))
}

/// `isValidHeaderValue`: tab and visible characters only.
fn valid_header_value(value: &str) -> bool {
    value.bytes().all(|c| c == 0x09 || (c >= 0x20 && c != 0x7f))
}

/// `createRedirectFilter`.
pub(super) fn redirect(filter: &gw::HTTPRequestRedirectFilter) -> net::HTTPRedirect {
    let mut out = net::HTTPRedirect {
        redirect_code: filter.status_code.and_then(|c| u32::try_from(c).ok()),
        authority: filter.hostname.clone(),
        scheme: filter.scheme.map(|scheme| match scheme {
            gw::RedirectScheme::Http => "http".to_string(),
            gw::RedirectScheme::Https => "https".to_string(),
        }),
        ..Default::default()
    };
    match filter.port {
        Some(port) => out.port = u32::try_from(port).ok(),
        // "When empty, port (if specified) of the request is used."
        None if filter.scheme.is_some() => {
            out.derive_port = Some(net::RedirectPortSelection::FromProtocolDefault)
        }
        None => out.derive_port = Some(net::RedirectPortSelection::FromRequestPort),
    }
    if let Some(path) = &filter.path {
        match path.r#type {
            Some(gw::HTTPPathModifierType::ReplaceFullPath) => {
                out.uri = path.replace_full_path.clone()
            }
            Some(gw::HTTPPathModifierType::ReplacePrefixMatch) => {
                out.prefix_rewrite = path.replace_prefix_match.clone()
            }
            None => {}
        }
    }
    out
}

/// `createRewriteFilter`; `None` when it changes nothing.
pub(super) fn rewrite(filter: &gw::HTTPURLRewriteFilter) -> Option<net::HTTPRewrite> {
    let mut out = net::HTTPRewrite::default();
    if let Some(path) = &filter.path {
        match path.r#type {
            Some(gw::HTTPPathModifierType::ReplacePrefixMatch) => {
                let value = path.replace_prefix_match.as_deref().unwrap_or_default();
                let trimmed = value.strip_suffix('/').unwrap_or(value);
                // `/` means removing the prefix.
                out.uri = Some(if trimmed.is_empty() { "/" } else { trimmed }.to_string());
            }
            Some(gw::HTTPPathModifierType::ReplaceFullPath) => {
                out.uri_regex_rewrite = Some(net::RegexRewrite {
                    r#match: Some("/.*".to_string()),
                    rewrite: path.replace_full_path.clone(),
                });
            }
            None => {}
        }
    }
    out.authority = filter.hostname.clone();
    (out.uri.is_some() || out.uri_regex_rewrite.is_some() || out.authority.is_some()).then_some(out)
}

/// `createCorsFilter`.
pub(super) fn cors(filter: &gw::HTTPCORSFilter) -> net::CorsPolicy {
    let mut out = net::CorsPolicy::default();
    for origin in &filter.allow_origins {
        if origin.is_empty() {
            continue;
        }
        let matcher = if origin == "*" {
            net::StringMatch {
                regex: Some(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s?#]+$".to_string()),
                ..Default::default()
            }
        } else if !origin.contains('*') {
            net::StringMatch {
                exact: Some(origin.clone()),
                ..Default::default()
            }
        } else if origin.matches('*').count() == 1 && origin.ends_with('*') {
            net::StringMatch {
                prefix: Some(origin.trim_end_matches('*').to_string()),
                ..Default::default()
            }
        } else {
            let pattern = go_quote_meta(origin).replace(r"\*", ".*");
            net::StringMatch {
                regex: Some(format!("^{pattern}$")),
                ..Default::default()
            }
        };
        out.allow_origins.push(matcher);
    }
    if filter.allow_credentials == Some(true) {
        out.allow_credentials = Some(true);
    }
    out.allow_methods = filter
        .allow_methods
        .iter()
        .map(|method| match method {
            gw::HTTPMethodWithWildcard::Any => "*".to_string(),
            other => format!("{other:?}"),
        })
        .collect();
    out.allow_headers = filter.allow_headers.clone();
    out.expose_headers = filter.expose_headers.clone();
    if let Some(age) = filter.max_age.filter(|age| *age > 0) {
        out.max_age = Some(format!("{age}s"));
    }
    out.unmatched_preflights = Some(net::UnmatchedPreflights::Ignore);
    out
}

/// Go's `regexp.QuoteMeta`, as istiod escapes CORS origins: unlike
/// `regex::escape` it leaves `-`, `#`, `&` and `~` as they are, so the
/// generated VirtualService reads as istiod's.
fn go_quote_meta(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The retry policy of a rule with `retry` (`convertHTTPRoute`).
pub(super) fn retries(retry: &gw::HTTPRouteRetry) -> net::HTTPRetry {
    let mut retry_on = vec![
        "connect-failure".to_string(),
        "refused-stream".to_string(),
        "unavailable".to_string(),
        "cancelled".to_string(),
    ];
    retry_on.extend(retry.codes.iter().map(i64::to_string));
    // istiod's default retry count when `retry` does not say.
    let attempts = retry.attempts.unwrap_or(2);
    net::HTTPRetry {
        attempts: i32::try_from(attempts).ok(),
        // A policy without attempts may not name conditions.
        retry_on: (attempts != 0).then(|| retry_on.join(",")),
        backoff: retry
            .backoff
            .as_deref()
            .map(|b| proto_duration(parse_duration(b))),
        ..Default::default()
    }
}

/// Timeouts: `request` → `timeout`; `backendRequest` → the per-try timeout
/// with retries, else it replaces `timeout`. Zero means none.
pub(super) fn apply_timeouts(timeouts: &gw::HTTPRouteTimeouts, route: &mut net::HTTPRoute) {
    let nonzero = |text: &Option<String>| {
        text.as_deref()
            .map(parse_duration)
            .filter(|nanos| *nanos != 0)
            .map(proto_duration)
    };
    if let Some(request) = nonzero(&timeouts.request) {
        route.timeout = Some(request);
    }
    if let Some(backend) = nonzero(&timeouts.backend_request) {
        match &mut route.retries {
            Some(retries) => retries.per_try_timeout = Some(backend),
            None => route.timeout = Some(backend),
        }
    }
}

/// A Gateway API duration (`1h30m`, `500ms`; Go's `time.ParseDuration`
/// grammar) in nanoseconds; 0 when unreadable, as istiod ignores the error.
pub(super) fn parse_duration(text: &str) -> i128 {
    try_parse_duration(text).unwrap_or(0)
}

/// A Gateway API duration in nanoseconds; `None` when unreadable.
pub(super) fn try_parse_duration(text: &str) -> Option<i128> {
    let mut total: i128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if digits == 0 {
            return None;
        }
        let number = rest[..digits].parse::<f64>().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphabetic() || *b == 0xc2 || *b == 0xb5)
            .count();
        let scale: f64 = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        // Bounded: the CRD allows at most 4 groups of 5 digits.
        total = total.saturating_add((number * scale).min(1e30) as i128);
    }
    Some(total)
}

/// A duration as protobuf JSON writes it: seconds with 0, 3, 6 or 9 fraction digits.
pub(super) fn proto_duration(nanos: i128) -> String {
    let seconds = nanos / 1_000_000_000;
    let fraction = (nanos % 1_000_000_000).unsigned_abs();
    if fraction == 0 {
        format!("{seconds}s")
    } else if fraction.is_multiple_of(1_000_000) {
        format!("{seconds}.{:03}s", fraction / 1_000_000)
    } else if fraction.is_multiple_of(1_000) {
        format!("{seconds}.{:06}s", fraction / 1_000)
    } else {
        format!("{seconds}.{fraction:09}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_as_istiod_writes_them() {
        assert_eq!(proto_duration(parse_duration("1ms")), "0.001s");
        assert_eq!(proto_duration(parse_duration("50s")), "50s");
        assert_eq!(proto_duration(parse_duration("1h1m")), "3660s");
        assert_eq!(proto_duration(parse_duration("1500us")), "0.001500s");
        assert_eq!(parse_duration("bogus"), 0);
    }

    #[test]
    fn an_empty_retry_gets_two_attempts_and_the_four_base_conditions() {
        let retry = retries(&gw::HTTPRouteRetry::default());
        assert_eq!(retry.attempts, Some(2));
        assert_eq!(
            retry.retry_on.as_deref(),
            Some("connect-failure,refused-stream,unavailable,cancelled")
        );
        let retry = retries(&gw::HTTPRouteRetry {
            attempts: Some(0),
            codes: vec![503],
            ..Default::default()
        });
        assert_eq!(retry.retry_on, None);
    }

    #[test]
    fn backend_request_replaces_the_timeout_without_retries() {
        let mut route = net::HTTPRoute::default();
        apply_timeouts(
            &gw::HTTPRouteTimeouts {
                request: Some("2ms".into()),
                backend_request: Some("1ms".into()),
            },
            &mut route,
        );
        assert_eq!(route.timeout.as_deref(), Some("0.001s"));
        let mut route = net::HTTPRoute {
            retries: Some(net::HTTPRetry::default()),
            ..Default::default()
        };
        apply_timeouts(
            &gw::HTTPRouteTimeouts {
                request: Some("2ms".into()),
                backend_request: Some("1ms".into()),
            },
            &mut route,
        );
        assert_eq!(route.timeout.as_deref(), Some("0.002s"));
        assert_eq!(
            route.retries.and_then(|r| r.per_try_timeout).as_deref(),
            Some("0.001s")
        );
    }

    #[test]
    fn header_names_are_lower_cased_and_the_first_value_kept() {
        let filter = gw::HTTPHeaderFilter {
            set: vec![
                gw::HTTPHeader {
                    name: Some("X-A".into()),
                    value: Some("1".into()),
                },
                gw::HTTPHeader {
                    name: Some("x-a".into()),
                    value: Some("2".into()),
                },
            ],
            ..Default::default()
        };
        let ops = header_operations(Some(&filter)).unwrap().unwrap();
        assert_eq!(ops.set.get("x-a").map(String::as_str), Some("1"));
        let bad = gw::HTTPHeaderFilter {
            add: vec![gw::HTTPHeader {
                name: Some("x".into()),
                value: Some("a\nb".into()),
            }],
            ..Default::default()
        };
        assert_eq!(
            header_operations(Some(&bad)).unwrap_err().reason,
            INVALID_FILTER
        );
    }
    fn cors_of(filter: serde_json::Value) -> serde_json::Value {
        let filter: gw::HTTPCORSFilter = serde_json::from_value(filter).expect("a CORS filter");
        serde_json::to_value(cors(&filter)).expect("JSON")
    }

    #[test]
    fn cors_origins_become_exact_prefix_or_regex_matches_as_istiod_writes_them() {
        let policy = cors_of(serde_json::json!({
            "allowOrigins": ["*", "https://a.example", "https://*", "https://*.my-site.com:*", ""],
            "allowMethods": ["GET", "*"],
            "allowHeaders": ["x-a"],
            "exposeHeaders": ["x-b"],
            "allowCredentials": true,
            "maxAge": 10,
        }));
        assert_eq!(
            policy,
            serde_json::json!({
                "allowOrigins": [
                    // "*" matches any well-formed origin, not any string.
                    {"regex": r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s?#]+$"},
                    {"exact": "https://a.example"},
                    {"prefix": "https://"},
                    // Escaped as Go's QuoteMeta escapes: `-` stays as it is.
                    {"regex": r"^https://.*\.my-site\.com:.*$"},
                ],
                "allowMethods": ["GET", "*"],
                "allowHeaders": ["x-a"],
                "exposeHeaders": ["x-b"],
                "allowCredentials": true,
                "maxAge": "10s",
                "unmatchedPreflights": "IGNORE",
            })
        );
    }

    #[test]
    fn cors_without_credentials_or_max_age_leaves_them_out() {
        let policy = cors_of(serde_json::json!({
            "allowOrigins": ["https://a.example"],
            "allowCredentials": false,
            "maxAge": 0,
        }));
        assert_eq!(
            policy,
            serde_json::json!({
                "allowOrigins": [{"exact": "https://a.example"}],
                "unmatchedPreflights": "IGNORE",
            })
        );
    }

    /// The `mirrors` of the mesh VirtualService of an HTTPRoute with
    /// `filters`, and the conditions reported.
    fn mirrors_of(filters: &str) -> (serde_json::Value, Vec<String>) {
        let yaml = format!("apiVersion: v1\nkind: Service\nmetadata: {{name: echo, namespace: default}}\nspec: {{ports: [{{name: http, port: 80}}]}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r, namespace: default}}\nspec:\n  parentRefs: [{{group: \"\", kind: Service, name: echo, port: 80}}]\n  rules: [{{filters: {filters}, backendRefs: [{{name: echo, port: 80}}]}}]\n");
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new("t.yaml", yaml)]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let options = super::super::Options {
            domain_suffix: "cluster.local".into(),
            features: Default::default(),
        };
        let conversion = super::super::convert(&loaded.objects, &options);
        let virtual_service = conversion
            .generated
            .iter()
            .find(|g| g.kind() == super::super::GeneratedKind::VirtualService)
            .expect("a VirtualService")
            .to_json();
        let conditions = conversion
            .conditions
            .iter()
            .map(|c| format!("{} {}: {}", c.condition_type, c.reason, c.message))
            .collect();
        (
            virtual_service["spec"]["http"][0]["mirrors"].clone(),
            conditions,
        )
    }

    #[test]
    fn a_mirror_fraction_becomes_a_percentage_of_the_mirrored_destination() {
        let (mirrors, conditions) = mirrors_of(
            "[{type: RequestMirror, requestMirror: {backendRef: {name: echo, port: 80}, fraction: {numerator: 1, denominator: 4}}}, {type: RequestMirror, requestMirror: {backendRef: {name: echo, port: 80}, percent: 30}}, {type: RequestMirror, requestMirror: {backendRef: {name: echo, port: 80}}}]",
        );
        let destination =
            serde_json::json!({"host": "echo.default.svc.cluster.local", "port": {"number": 80}});
        assert_eq!(
            mirrors,
            serde_json::json!([
                {"destination": destination, "percentage": {"value": 25.0}},
                {"destination": destination, "percentage": {"value": 30.0}},
                // No fraction or percent: every request is mirrored.
                {"destination": destination},
            ])
        );
        assert!(conditions.is_empty(), "{conditions:?}");
    }

    #[test]
    fn an_http_mirror_to_a_missing_backend_is_dropped_and_reported() {
        let (mirrors, conditions) = mirrors_of(
            "[{type: RequestMirror, requestMirror: {backendRef: {name: missing, port: 80}, percent: 50}}]",
        );
        // The route is kept, without the mirror.
        assert_eq!(mirrors, serde_json::Value::Null);
        assert_eq!(
            conditions,
            ["ResolvedRefs BackendNotFound: backend(missing.default.svc.cluster.local) not found"]
        );
    }
}
