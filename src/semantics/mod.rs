//! istiod's decisions, made once and asked by everyone: the renderer
//! ([`crate::xds`]), `xds serve`, and every rule of [`crate::analyze`].
//!
//! The [`crate::index`] holds lookups (objects by kind, host, namespace,
//! labels); this layer answers the questions istiod answers with them:
//!
//! - [`protocol`]: the protocol of a Service or ServiceEntry port, and
//!   whether a proxyless client gets a route for it or a gRPC server is
//!   assumed behind it;
//! - [`peer_authentication`]: the effective mTLS mode of a workload's port
//!   (narrowest scope, oldest policy, UNSET inherits, port-level by target
//!   port, the `security.istio.io/tlsMode` label);
//! - [`authorization`]: which AuthorizationPolicies apply to a workload;
//! - [`destination_rule`]: the DestinationRule a client uses for a host
//!   (namespace order, exportTo, workloadSelector, merging) and a cluster's
//!   traffic policy;
//! - [`visibility`]: which services a client sees (exportTo, Sidecar
//!   egress hosts);
//! - [`workload`]: the pod spec, containers and target ports of a workload;
//! - [`routing`]: whether a VirtualService or one of its matches is bound
//!   to the mesh and reaches a client, and which VirtualService a client
//!   uses for a host;
//! - [`telemetry`]: what a Telemetry resource attaches to (selector,
//!   target references, or its whole namespace);
//! - [`persistent_session`]: the stateful session a persistent-session
//!   label asks for, and whether proxyless clients get it;
//! - [`assumed`]: the proxyless workloads `--assume-proxyless` takes the
//!   inputs to imply;
//! - [`istiod_release`]: the istiod release (`--istio`) and what changed
//!   in what it sends, release by release.
//!
//! Nothing here depends on `analyze` or `xds`.

pub mod assumed;
pub mod authorization;
pub mod destination_rule;
pub mod gateway_api;
pub mod istiod_release;
pub mod peer_authentication;
pub mod persistent_session;
pub mod protocol;
pub mod routing;
pub mod telemetry;
pub mod visibility;
pub mod workload;

pub use istiod_release::IstioRelease;
pub use peer_authentication::ServerMtls;
pub use protocol::Protocol;

use crate::model::Object;

/// The order istiod gives configs where the oldest wins: creation time
/// (none, as for files, is the oldest), then name, then namespace.
pub fn creation_order(object: &Object) -> (Option<(i64, u32)>, &str, &str) {
    (
        object
            .meta
            .creation_timestamp
            .as_deref()
            .and_then(parse_rfc3339),
        object.meta.name.as_str(),
        object.meta.namespace.as_deref().unwrap_or(""),
    )
}

/// Seconds and nanoseconds since the epoch of an RFC 3339 time
/// (`2024-01-02T03:04:05Z`, `...05.25+01:00`); `None` when unreadable.
fn parse_rfc3339(text: &str) -> Option<(i64, u32)> {
    let number = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-');
    let year = number(date_parts.next()?)?;
    let month = number(date_parts.next()?)?;
    let day = number(date_parts.next()?)?;
    let zone_at = time.find(['Z', 'z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut clock_parts = clock.splitn(3, ':');
    let hour = number(clock_parts.next()?)?;
    let minute = number(clock_parts.next()?)?;
    let second = number(clock_parts.next()?)?;
    // RFC 3339 years have four digits: larger ones would overflow below.
    if year > 9999
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let offset = match zone {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (h, m) = zone[1..].split_once(':')?;
            let (h, m) = (number(h)?, number(m)?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let nanos = if fraction.is_empty() {
        0
    } else if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        // Checked before the cut below, which must fall between characters.
        return None;
    } else {
        let digits = &fraction[..fraction.len().min(9)];
        number(digits)? as u32 * 10u32.pow(9 - digits.len() as u32)
    };
    // Days since the epoch of a proleptic Gregorian date.
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some((
        days * 86_400 + hour * 3600 + minute * 60 + second - offset,
        nanos,
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;

    #[test]
    fn creation_times_order_as_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(
            parse_rfc3339("2024-03-01T00:00:00Z"),
            Some((1_709_251_200, 0))
        );
        assert_eq!(
            parse_rfc3339("2024-03-01T01:00:00.5+01:00"),
            Some((1_709_251_200, 500_000_000))
        );
        assert!(parse_rfc3339("2024-01-02T00:00:00Z") < parse_rfc3339("2024-01-10T00:00:00Z"));
        // Years and offsets past RFC 3339's overflowed (a panic in debug
        // builds; fuzz/regressions/analyze).
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-01-01",
            "99999999999999-01-01T00:00:00Z",
            "9223372036854775807-01-01T00:00:00Z",
            "2024-01-01T00:00:00+99999999999999999:00",
            "2024-01-01T00:00:00-00:9999999999999999999",
            // A fraction cut inside a character was a panic.
            "2024-01-01T00:00:00.12345678\u{e9}",
            "2024-01-01T00:00:00.5x",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
