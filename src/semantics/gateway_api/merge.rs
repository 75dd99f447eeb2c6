//! Merging HTTP and gRPC VirtualServices that share a key, and Gateway
//! API precedence inside them (`mergeHTTPRoutes`, `sortHTTPRoutes`).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::{Generated, GeneratedSpec, SourceField, PARENTS_ANNOTATION};
use crate::model::networking as net;

/// A VirtualService of one route before merging (`RouteWithKey`).
pub(super) struct Base {
    /// `ROUTE_NS[/PORT]/HOST` (mesh) or `GW_NS/INTERNAL_NAME/HOST`.
    pub key: String,
    /// Creation time, namespace and pre-merge name: the merge order.
    pub order: (Option<(i64, u32)>, String, String),
    pub generated: Generated,
}

/// One VirtualService per key: the oldest route's metadata, every route's
/// `http` entries in precedence order, the parents joined.
pub(super) fn merge(bases: Vec<Base>) -> Vec<Generated> {
    let mut by_key: BTreeMap<String, Vec<Base>> = BTreeMap::new();
    for base in bases {
        by_key.entry(base.key.clone()).or_default().push(base);
    }
    let mut merged = Vec::new();
    for (key, mut group) in by_key {
        group.sort_by(|a, b| a.order.cmp(&b.order));
        let mut pieces = group.into_iter();
        let Some(first) = pieces.next() else { continue };
        let mut out = first.generated;
        let mut entries = take_http(&mut out);
        for piece in pieces {
            let mut generated = piece.generated;
            entries.append(&mut take_http(&mut generated));
            if let (Some(ours), Some(theirs)) = (
                out.annotations.get(PARENTS_ANNOTATION).cloned(),
                generated.annotations.get(PARENTS_ANNOTATION),
            ) {
                out.annotations
                    .insert(PARENTS_ANNOTATION.to_string(), format!("{ours},{theirs}"));
            }
        }
        entries.sort_by(|a, b| precedence(&a.0, &b.0));
        let (routes, sources): (Vec<_>, Vec<_>) = entries.into_iter().unzip();
        if let GeneratedSpec::VirtualService(spec) = &mut out.spec {
            spec.http = routes;
        }
        out.sources = sources;
        out.name = key.replace('/', "~");
        merged.push(out);
    }
    merged
}

/// The `http` entries of a generated VirtualService with their sources.
fn take_http(generated: &mut Generated) -> Vec<(net::HTTPRoute, SourceField)> {
    let sources = std::mem::take(&mut generated.sources);
    match &mut generated.spec {
        GeneratedSpec::VirtualService(spec) => std::mem::take(&mut spec.http)
            .into_iter()
            .zip(sources)
            .collect(),
        _ => Vec::new(),
    }
}

/// Gateway API precedence (`sortHTTPRoutes`, used with a stable sort):
/// entries with a match first; then exact over prefix over regex paths,
/// longer paths, a method match, more header matches, more query matches.
pub(super) fn precedence(a: &net::HTTPRoute, b: &net::HTTPRoute) -> Ordering {
    match (a.r#match.first(), b.r#match.first()) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(m1), Some(m2)) => uri_rank(m2)
            .cmp(&uri_rank(m1))
            .then(uri_length(m2).cmp(&uri_length(m1)))
            .then(m2.method.is_some().cmp(&m1.method.is_some()))
            .then(m2.headers.len().cmp(&m1.headers.len()))
            .then(m2.query_params.len().cmp(&m1.query_params.len())),
    }
}

fn uri_rank(m: &net::HTTPMatchRequest) -> i32 {
    match &m.uri {
        Some(uri) if uri.exact.is_some() => 3,
        Some(uri) if uri.prefix.is_some() => 2,
        Some(uri) if uri.regex.is_some() => 1,
        _ => -1,
    }
}

fn uri_length(m: &net::HTTPMatchRequest) -> usize {
    m.uri
        .as_ref()
        .and_then(|uri| {
            uri.exact
                .as_ref()
                .or(uri.prefix.as_ref())
                .or(uri.regex.as_ref())
        })
        .map_or(0, String::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, uri: Option<net::StringMatch>, headers: usize) -> net::HTTPRoute {
        net::HTTPRoute {
            name: Some(name.into()),
            r#match: uri
                .map(|uri| {
                    vec![net::HTTPMatchRequest {
                        uri: Some(uri),
                        headers: (0..headers)
                            .map(|i| (format!("h{i}"), net::StringMatch::default()))
                            .collect(),
                        ..Default::default()
                    }]
                })
                .unwrap_or_default(),
            ..Default::default()
        }
    }

    #[test]
    fn precedence_is_exact_prefix_regex_then_length_then_headers_and_stable() {
        let exact = |v: &str| net::StringMatch {
            exact: Some(v.into()),
            ..Default::default()
        };
        let prefix = |v: &str| net::StringMatch {
            prefix: Some(v.into()),
            ..Default::default()
        };
        let regex = |v: &str| net::StringMatch {
            regex: Some(v.into()),
            ..Default::default()
        };
        let mut routes = [
            entry("none", None, 0),
            entry("regex", Some(regex(".*foo")), 0),
            entry("short", Some(prefix("/")), 0),
            entry("long", Some(prefix("/foo")), 0),
            entry("exact", Some(exact("/a")), 0),
            entry("headers", Some(prefix("/")), 2),
            entry("short-again", Some(prefix("/")), 0),
        ];
        routes.sort_by(precedence);
        let names: Vec<_> = routes.iter().filter_map(|r| r.name.as_deref()).collect();
        assert_eq!(
            names,
            [
                "exact",
                "long",
                "headers",
                "short",
                "short-again",
                "regex",
                "none"
            ]
        );
    }
}
