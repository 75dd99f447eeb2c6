//! Route matches → VirtualService `match` entries (`createURIMatch`,
//! `createHeadersMatch`, `createQueryParamsMatch`, `createMethodMatch`,
//! `createGRPCURIMatch`).

use std::collections::BTreeMap;

use super::conditions::{ConfigError, INVALID_CONFIGURATION};
use crate::model::gateway_api as gw;
use crate::model::networking as net;

fn exact(value: &str) -> net::StringMatch {
    net::StringMatch {
        exact: Some(value.to_string()),
        ..Default::default()
    }
}

fn prefix(value: &str) -> net::StringMatch {
    net::StringMatch {
        prefix: Some(value.to_string()),
        ..Default::default()
    }
}

fn regex(value: &str) -> net::StringMatch {
    net::StringMatch {
        regex: Some(value.to_string()),
        ..Default::default()
    }
}

/// An HTTPRoute match. A missing path is the CRD's default, PathPrefix `/`.
pub(super) fn http_match(m: &gw::HTTPRouteMatch) -> net::HTTPMatchRequest {
    let path = m.path.clone().unwrap_or_default();
    let value = path.value.as_deref().unwrap_or("/");
    let uri = match path.r#type.unwrap_or(gw::PathMatchType::PathPrefix) {
        // "When specified, a trailing `/` is ignored."
        gw::PathMatchType::PathPrefix if value != "/" => {
            prefix(value.strip_suffix('/').unwrap_or(value))
        }
        gw::PathMatchType::PathPrefix => prefix(value),
        gw::PathMatchType::Exact => exact(value),
        gw::PathMatchType::RegularExpression => regex(value),
    };
    net::HTTPMatchRequest {
        uri: Some(uri),
        headers: header_matches(m.headers.iter().map(|h| (&h.name, h.r#type, &h.value))),
        query_params: header_matches(m.query_params.iter().map(|q| (&q.name, q.r#type, &q.value))),
        method: m.method.map(|method| exact(&format!("{method:?}"))),
        ..Default::default()
    }
}

/// Header or query-parameter matches by name, as written (the last of a
/// repeated name wins, as a Go map assignment does).
fn header_matches<'a>(
    entries: impl Iterator<
        Item = (
            &'a Option<String>,
            Option<gw::MatchType>,
            &'a Option<String>,
        ),
    >,
) -> BTreeMap<String, net::StringMatch> {
    entries
        .map(|(name, kind, value)| {
            let value = value.as_deref().unwrap_or_default();
            let matcher = match kind.unwrap_or(gw::MatchType::Exact) {
                gw::MatchType::Exact => exact(value),
                gw::MatchType::RegularExpression => regex(value),
            };
            (name.clone().unwrap_or_default(), matcher)
        })
        .collect()
}

/// A GRPCRoute match: the method match becomes a `/SERVICE/METHOD` URI match.
pub(super) fn grpc_match(m: &gw::GRPCRouteMatch) -> Result<net::HTTPMatchRequest, ConfigError> {
    let uri = match &m.method {
        None => None,
        Some(method) => Some(grpc_uri(method)?),
    };
    Ok(net::HTTPMatchRequest {
        uri,
        headers: header_matches(m.headers.iter().map(|h| (&h.name, h.r#type, &h.value))),
        ..Default::default()
    })
}

fn grpc_uri(method: &gw::GRPCMethodMatch) -> Result<net::StringMatch, ConfigError> {
    let service = method.service.as_deref();
    let name = method.method.as_deref();
    let kind = method.r#type.unwrap_or(gw::MatchType::Exact);
    Ok(match (kind, service, name) {
        (_, None, None) => {
            return Err(ConfigError::new(
                INVALID_CONFIGURATION,
                "gRPC match must have method or service defined",
            ))
        }
        (gw::MatchType::Exact, Some(service), None) => prefix(&format!("/{service}/")),
        (_, None, Some(name)) => regex(&format!("/[^/]+/{name}")),
        (gw::MatchType::Exact, Some(service), Some(name)) => exact(&format!("/{service}/{name}")),
        (gw::MatchType::RegularExpression, Some(service), None) => regex(&format!("/{service}/.+")),
        (gw::MatchType::RegularExpression, Some(service), Some(name)) => {
            regex(&format!("/{service}/{name}"))
        }
    })
}
