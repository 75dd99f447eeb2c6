//! Checks shared by several kinds, and the metadata rules of every Istio object.
//!
//! Value checks return `Result<(), String>` with Istio's message; the
//! [`Errors`] collector turns them into findings at a path.
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use super::FieldError;
use crate::diagnostic::Level;
use crate::model::networking::{
    Destination, Percent, PolicyTargetReference, StringMatch, WorkloadSelector,
};
use crate::model::Object;
use crate::source::FieldPath;

/// Collects findings; every finding carries a path from the object root.
#[derive(Debug, Default)]
pub(super) struct Errors(Vec<FieldError>);

impl Errors {
    pub(super) fn error(&mut self, path: &FieldPath, message: impl Into<String>) {
        self.push(path, message.into(), Level::Error);
    }

    pub(super) fn warning(&mut self, path: &FieldPath, message: impl Into<String>) {
        self.push(path, message.into(), Level::Warning);
    }

    /// An Error at `path` when the check failed.
    pub(super) fn check(&mut self, path: &FieldPath, result: Result<(), String>) {
        if let Err(message) = result {
            self.error(path, message);
        }
    }

    fn push(&mut self, path: &FieldPath, message: String, level: Level) {
        self.0.push(FieldError {
            path: path.clone(),
            message,
            level,
        });
    }

    pub(super) fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

/// `spec`, where every kind's rules start.
pub(super) fn spec_path() -> FieldPath {
    FieldPath::root().field("spec")
}

// ---------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------

/// Istio validates the objects of its own API groups (`*.istio.io`).
pub(super) fn is_istio(object: &Object) -> bool {
    let group = object.group();
    group == "istio.io" || group.ends_with(".istio.io")
}

/// `metadata.name` must be a DNS-1123 subdomain and `metadata.namespace` a
/// DNS-1123 label, as the API server requires.
pub(super) fn check_metadata(object: &Object, out: &mut Errors) {
    let meta_path = FieldPath::root().field("metadata");
    let name = object.meta.name.as_str();
    if !name.is_empty() && !is_k8s_dns1123_subdomain(name) {
        out.error(
            &meta_path.field("name"),
            format!(
                "invalid name {name:?}: a lowercase RFC 1123 subdomain must consist of lower case \
                 alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
            ),
        );
    }
    if let Some(namespace) = object.meta.namespace.as_deref() {
        if !namespace.is_empty() && !is_k8s_dns1123_label(namespace) {
            out.error(
                &meta_path.field("namespace"),
                format!(
                    "invalid namespace {namespace:?}: a lowercase RFC 1123 label must consist of lower case \
                     alphanumeric characters or '-', and must start and end with an alphanumeric character"
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

fn is_label_with(text: &str, allow_upper: bool) -> bool {
    let ok_char = |c: char| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || (allow_upper && c.is_ascii_uppercase())
    };
    !text.is_empty()
        && text.len() <= 63
        && text.starts_with(ok_char)
        && text.ends_with(ok_char)
        && text.chars().all(|c| ok_char(c) || c == '-')
}

/// Kubernetes' DNS-1123 label: lowercase alphanumerics and `-`, at most 63.
pub(super) fn is_k8s_dns1123_label(text: &str) -> bool {
    is_label_with(text, false)
}

/// Kubernetes' DNS-1123 subdomain: dot-separated labels, at most 253.
pub(super) fn is_k8s_dns1123_subdomain(text: &str) -> bool {
    !text.is_empty() && text.len() <= 253 && text.split('.').all(|l| is_label_with(l, false))
}

/// Istio's DNS-1123 label (`labels.IsDNS1123Label`), which also allows uppercase.
pub(super) fn is_dns1123_label(text: &str) -> bool {
    is_label_with(text, true)
}

/// `*`, `*foo`, `*-foo` or a DNS-1123 label: Istio's wildcard first label.
fn is_wildcard_dns1123_label(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    if text.len() > 63 {
        return false;
    }
    let rest = text
        .strip_prefix("*-")
        .or_else(|| text.strip_prefix('*'))
        .unwrap_or(text);
    is_dns1123_label(rest)
}

fn dns1123_preconditions(domain: &str) -> Result<(), String> {
    if domain.len() > 255 {
        return Err(format!("domain name {domain:?} too long (max 255)"));
    }
    if domain.is_empty() {
        return Err("empty domain name not allowed".to_string());
    }
    Ok(())
}

/// Dot-separated DNS-1123 labels; the top-level one may not be all-numeric
/// and a trailing dot is allowed.
fn dns1123_labels(domain: &str, whole: &str) -> Result<(), String> {
    let parts: Vec<&str> = domain.split('.').collect();
    let last = parts.len().saturating_sub(1);
    if let Some(top) = parts.last() {
        if !top.is_empty() && top.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "domain name {whole:?} invalid (top level domain {top:?} cannot be all-numeric)"
            ));
        }
    }
    for (i, label) in parts.iter().enumerate() {
        if i == last && label.is_empty() && i > 0 {
            return Ok(());
        }
        if !is_dns1123_label(label) {
            return Err(format!(
                "domain name {whole:?} invalid (label {label:?} invalid)"
            ));
        }
    }
    Ok(())
}

/// A fully qualified domain name (no wildcard).
pub(super) fn fqdn(domain: &str) -> Result<(), String> {
    dns1123_preconditions(domain)?;
    dns1123_labels(domain, domain)
}

/// A domain name whose first label may be a wildcard (`*`, `*.example.com`).
pub(super) fn wildcard_domain(domain: &str) -> Result<(), String> {
    dns1123_preconditions(domain)?;
    let (first, rest) = match domain.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (domain, None),
    };
    if !is_wildcard_dns1123_label(first) {
        return Err(format!(
            "domain name {domain:?} invalid (label {first:?} invalid)"
        ));
    }
    match rest {
        Some(rest) => dns1123_labels(rest, domain),
        None => Ok(()),
    }
}

/// `*foo.com` is a partial wildcard, which Istio does not support.
pub(super) fn partial_wildcard(domain: &str) -> Result<(), String> {
    if domain.starts_with('*') && domain.len() > 1 && !domain.starts_with("*.") {
        return Err(format!("partial wildcard {domain:?} not allowed"));
    }
    Ok(())
}

/// Whether two hosts overlap (Istio's `host.Name.Matches`).
pub(super) fn hosts_overlap(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(a_rest), Some(b_rest)) => {
            if a_rest.len() < b_rest.len() {
                b_rest.ends_with(a_rest)
            } else {
                a_rest.ends_with(b_rest)
            }
        }
        (Some(a_rest), None) => b.ends_with(a_rest),
        (None, Some(b_rest)) => a.ends_with(b_rest),
        (None, None) => a == b,
    }
}

/// Whether every host `a` matches is also matched by `b` (`host.Name.SubsetOf`).
pub(super) fn host_subset_of(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(a_rest), Some(b_rest)) => a.len() >= b.len() && a_rest.ends_with(b_rest),
        (Some(_), None) => false,
        (None, Some(b_rest)) => a.ends_with(b_rest),
        (None, None) => a == b,
    }
}

/// A Gateway reference in a VirtualService: `name`, `ns/name` or `mesh`.
pub(super) fn gateway_name(out: &mut Errors, path: &FieldPath, name: &str) {
    match name.split_once('/') {
        None => {
            if let Some((short, ns)) = name.split_once('.') {
                let ns = ns.split('.').next().unwrap_or(ns);
                out.warning(
                    path,
                    format!(
                        "using legacy gatewayName format {name:?}; prefer the <namespace>/<name> format: \"{ns}/{short}\""
                    ),
                );
            }
            out.check(path, fqdn(name));
        }
        Some((ns, gateway)) => {
            if ns.is_empty() || gateway.is_empty() {
                out.error(path, "config namespace and gateway name cannot be empty");
                return;
            }
            if !is_dns1123_label(ns) {
                out.error(path, format!("invalid value for namespace: {ns:?}"));
            }
            if !is_dns1123_label(gateway) {
                out.error(path, format!("invalid value for gateway name: {gateway:?}"));
            }
        }
    }
}

/// `namespace/dnsName` as Sidecar egress and Gateway server hosts are written.
/// `tilde_ok`: Sidecars accept `~` (no namespace); Gateways written by users do not.
pub(super) fn namespace_slash_host(host: &str, kind: &str, tilde_ok: bool) -> Result<(), String> {
    let Some((ns, dns)) = host.split_once('/') else {
        return Err(format!("host {host:?} must be of form namespace/dnsName"));
    };
    if ns.is_empty() || dns.is_empty() {
        return Err(format!(
            "config namespace and dnsName in host entry cannot be empty, found {host:?}"
        ));
    }
    let special = ns == "*" || ns == "." || (tilde_ok && ns == "~");
    if !special && !is_dns1123_label(ns) {
        return Err(format!("invalid namespace value {ns:?} in {kind}"));
    }
    wildcard_domain(dns)
}

// ---------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------

const MILLISECOND: i128 = 1_000_000;

/// Parses a Go duration (`300ms`, `1.5h`, `2h45m`, `0`) into nanoseconds.
pub(super) fn parse_duration(text: &str) -> Result<i128, String> {
    let invalid = || format!("invalid duration {text:?}");
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (int_digits, after) = rest.split_at(int_len);
        let (frac_digits, after) = match after.strip_prefix('.') {
            Some(frac) => {
                let len = frac
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(frac.len());
                frac.split_at(len)
            }
            None => ("", after),
        };
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(invalid());
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => MILLISECOND,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(format!("invalid duration {text:?}: missing unit")),
            _ => return Err(format!("invalid duration {text:?}: unknown unit {unit:?}")),
        };
        let mut value: i128 = 0;
        for digit in int_digits.bytes() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(i128::from(digit - b'0')))
                .filter(|v| *v <= i128::from(i64::MAX))
                .ok_or_else(invalid)?;
        }
        value = value.checked_mul(scale).ok_or_else(invalid)?;
        // Fraction: keep enough digits for nanosecond precision of any unit.
        let mut fraction: i128 = 0;
        let mut divisor: i128 = 1;
        for digit in frac_digits.bytes().take(18) {
            fraction = fraction * 10 + i128::from(digit - b'0');
            divisor *= 10;
        }
        value += fraction * scale / divisor;
        total = total.checked_add(value).ok_or_else(invalid)?;
        if total > i128::from(i64::MAX) {
            return Err(invalid());
        }
        rest = after;
    }
    Ok(if negative { -total } else { total })
}

/// A valid Go duration of any length (`0s` included).
pub(super) fn duration(text: &str) -> Result<(), String> {
    parse_duration(text).map(|_| ())
}

/// Istio's `ValidateDuration`: at least 1ms, in whole milliseconds.
pub(super) fn duration_min_1ms(text: &str) -> Result<(), String> {
    let nanos = parse_duration(text)?;
    if nanos < MILLISECOND {
        return Err(format!("duration {text:?} must be greater than 1ms"));
    }
    if nanos % MILLISECOND != 0 {
        return Err(format!(
            "duration {text:?}: only durations to ms precision are supported"
        ));
    }
    Ok(())
}

/// Checks an optional duration field with `rule`.
pub(super) fn opt_duration(
    out: &mut Errors,
    path: &FieldPath,
    value: Option<&String>,
    rule: fn(&str) -> Result<(), String>,
) {
    if let Some(text) = value {
        out.check(path, rule(text));
    }
}

// ---------------------------------------------------------------------------
// Addresses, ports, protocols, percentages
// ---------------------------------------------------------------------------

pub(super) fn is_ip(text: &str) -> bool {
    text.parse::<IpAddr>().is_ok()
}

/// An IP address, or a CIDR block `address/bits`.
pub(super) fn ip_or_cidr(text: &str) -> Result<(), String> {
    match text.split_once('/') {
        Some((address, bits)) => {
            let max = match address.parse::<IpAddr>() {
                Ok(IpAddr::V4(_)) => 32,
                Ok(IpAddr::V6(_)) => 128,
                Err(_) => return Err(format!("{text:?} is not a valid CIDR block")),
            };
            let digits_only = !bits.is_empty() && bits.chars().all(|c| c.is_ascii_digit());
            match bits.parse::<u8>() {
                Ok(n) if digits_only && n <= max => Ok(()),
                _ => Err(format!("{text:?} is not a valid CIDR block")),
            }
        }
        None if is_ip(text) => Ok(()),
        None => Err(format!("{text:?} is not a valid IP")),
    }
}

/// Port numbers are 1–65535.
pub(super) fn port(number: u32) -> Result<(), String> {
    if (1..=65535).contains(&number) {
        Ok(())
    } else {
        Err(format!(
            "port number {number} must be in the range 1..65535"
        ))
    }
}

/// A port name: a DNS-1123 label.
pub(super) fn port_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        Err("port name must be set".to_string())
    } else if is_dns1123_label(name) {
        Ok(())
    } else {
        Err(format!("invalid port name: {name:?}"))
    }
}

/// Protocols Istio's `protocol.Parse` recognises (case-insensitive).
pub(super) fn parse_protocol(text: &str) -> Option<&'static str> {
    const KNOWN: &[&str] = &[
        "TCP",
        "UDP",
        "GRPC",
        "GRPC-WEB",
        "HTTP",
        "HTTP_PROXY",
        "HTTP2",
        "HTTPS",
        "TLS",
        "MONGO",
        "REDIS",
        "MYSQL",
    ];
    KNOWN
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(text))
}

pub(super) fn is_http_protocol(protocol: &str) -> bool {
    matches!(
        parse_protocol(protocol),
        Some("HTTP" | "HTTP2" | "GRPC" | "GRPC-WEB" | "HTTP_PROXY")
    )
}

pub(super) fn is_tls_protocol(protocol: &str) -> bool {
    matches!(parse_protocol(protocol), Some("HTTPS" | "TLS"))
}

/// A port protocol of a ServiceEntry or Sidecar (empty means sniffed).
pub(super) fn protocol(text: &str) -> Result<(), String> {
    if text.is_empty() || parse_protocol(text).is_some() {
        Ok(())
    } else {
        Err(format!("unrecognized protocol {text:?}"))
    }
}

/// Istio's `validatePercentage`: 0, or 0.0001–100.
pub(super) fn percentage(percent: &Percent) -> Result<(), String> {
    let value = percent.value.unwrap_or(0.0);
    if !(0.0..=100.0).contains(&value) || (value > 0.0 && value < 0.0001) {
        return Err(format!(
            "percentage {value} is neither 0.0, nor in range [0.0001, 100.0]"
        ));
    }
    Ok(())
}

/// Istio's `ValidatePercent` for integer percentages.
pub(super) fn percent_0_100(value: i64) -> Result<(), String> {
    if (0..=100).contains(&value) {
        Ok(())
    } else {
        Err(format!("percentage {value} is not in range 0..100"))
    }
}

// ---------------------------------------------------------------------------
// HTTP: headers, string matches, regexes
// ---------------------------------------------------------------------------

/// A header name: an RFC 7230 token (pseudo-headers such as `:authority` allowed).
pub(super) fn header_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".to_string());
    }
    let token = name.strip_prefix(':').unwrap_or(name);
    let ok = !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!("header name {name:?} is not a valid header name"))
    }
}

/// A regex Envoy will accept: RE2 syntax, at most 1024 characters.
pub(super) fn regex(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("regex string match should not be empty".to_string());
    }
    if pattern.len() > 1024 {
        return Err("regex is too large, max length allowed is 1024".to_string());
    }
    match regex::Regex::new(pattern) {
        Ok(_) => Ok(()),
        Err(error) => {
            let text = error.to_string();
            let reason = text
                .lines()
                .find_map(|line| line.trim().strip_prefix("error: "))
                .unwrap_or_else(|| text.lines().last().unwrap_or("invalid regex"))
                .trim()
                .to_string();
            Err(format!(
                "invalid regex {pattern:?}: {reason}; Istio uses RE2 style regex-based match \
                 (https://github.com/google/re2/wiki/Syntax)"
            ))
        }
    }
}

/// A StringMatch sets one of `exact`, `prefix` or `regex`. `may_be_empty`:
/// header and query-parameter matches may set none (a presence match).
pub(super) fn string_match(
    out: &mut Errors,
    path: &FieldPath,
    m: &StringMatch,
    may_be_empty: bool,
) {
    let set = [m.exact.is_some(), m.prefix.is_some(), m.regex.is_some()]
        .iter()
        .filter(|s| **s)
        .count();
    if set > 1 || (set == 0 && !may_be_empty) {
        out.error(
            path,
            format!("string match must set exactly one of exact, prefix or regex, found {set}"),
        );
    }
    if let Some(pattern) = &m.regex {
        out.check(&path.field("regex"), regex(pattern));
    }
}

// ---------------------------------------------------------------------------
// Labels and selectors
// ---------------------------------------------------------------------------

fn is_qualified_name(text: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric();
    !text.is_empty()
        && text.len() <= 63
        && text.starts_with(ok)
        && text.ends_with(ok)
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A Kubernetes label key: `[prefix/]name`.
pub(super) fn label_key(key: &str) -> Result<(), String> {
    let valid = match key.split_once('/') {
        Some((prefix, name)) => is_k8s_dns1123_subdomain(prefix) && is_qualified_name(name),
        None => is_qualified_name(key),
    };
    if valid {
        Ok(())
    } else {
        Err(format!("invalid tag key: {key:?}"))
    }
}

/// A Kubernetes label value (may be empty).
pub(super) fn label_value(value: &str) -> Result<(), String> {
    if value.is_empty() || is_qualified_name(value) {
        Ok(())
    } else {
        Err(format!("invalid tag value: {value:?}"))
    }
}

/// Labels (`labels.Instance.Validate`): keys and values of a label map at `path`.
pub(super) fn labels(out: &mut Errors, path: &FieldPath, labels: &BTreeMap<String, String>) {
    for (key, value) in labels {
        let key_path = path.field(key);
        out.check(&key_path, label_key(key));
        out.check(&key_path, label_value(value));
    }
}

/// A workload selector's labels at `path`: no empty keys, no wildcards, valid labels.
pub(super) fn selector_labels(
    out: &mut Errors,
    path: &FieldPath,
    labels: &BTreeMap<String, String>,
) {
    for (key, value) in labels {
        let key_path = path.field(key);
        if key.is_empty() {
            out.error(
                &key_path,
                format!("empty key is not supported in selector: \"{key}={value}\""),
            );
            continue;
        }
        if key.contains('*') || value.contains('*') {
            out.error(
                &key_path,
                format!("wildcard is not supported in selector: \"{key}={value}\""),
            );
            continue;
        }
        out.check(&key_path, label_key(key));
        out.check(&key_path, label_value(value));
    }
}

// ---------------------------------------------------------------------------
// Destinations and exportTo
// ---------------------------------------------------------------------------

/// A route/mirror destination: a host, an optional subset and port.
pub(super) fn destination(out: &mut Errors, path: &FieldPath, d: &Destination) {
    let host_path = path.field("host");
    match d.host.as_deref() {
        None | Some("") => out.error(&host_path, "destination host is required"),
        Some("*") => out.error(&host_path, "invalid destination host \"*\""),
        Some(host) => out.check(&host_path, wildcard_domain(host)),
    }
    if let Some(subset) = &d.subset {
        out.check(&path.field("subset"), subset_name(subset));
    }
    if let Some(number) = d.port.as_ref().and_then(|p| p.number) {
        // An unset port selector reads as 0, which Istio accepts.
        if number != 0 {
            out.check(&path.field("port").field("number"), port(number));
        }
    }
}

/// A DestinationRule subset name: a DNS-1123 label.
pub(super) fn subset_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("subset name cannot be empty".to_string());
    }
    if !is_dns1123_label(name) {
        return Err(format!("subset name is invalid: {name:?}"));
    }
    Ok(())
}

/// `exportTo`: `.`, `*`, `~` (ServiceEntry only) or namespaces, without duplicates.
pub(super) fn export_to(
    out: &mut Errors,
    path: &FieldPath,
    values: &[String],
    namespace: Option<&str>,
    service_entry: bool,
) {
    let mut seen = BTreeSet::new();
    for (i, value) in values.iter().enumerate() {
        let item = path.index(i);
        let key = match (value.as_str(), namespace) {
            (".", Some(ns)) => ns,
            _ => value.as_str(),
        };
        if !seen.insert(key) {
            if key != value {
                out.error(
                    &item,
                    format!("duplicate entries in exportTo: . and current namespace {key}"),
                );
            } else {
                out.error(
                    &item,
                    format!("duplicate entries in exportTo for entry {value:?}"),
                );
            }
            continue;
        }
        match value.as_str() {
            "." | "*" => {}
            "~" if service_entry => {}
            "~" => out.error(
                &item,
                "exportTo ~ (none) is not allowed for Istio configuration objects",
            ),
            other if is_dns1123_label(other) => {}
            other => out.error(
                &item,
                format!("only .,*,~ or a valid DNS 1123 label is allowed as exportTo entry, found {other:?}"),
            ),
        }
    }
    if values.len() > 1 {
        if seen.contains("*") {
            out.error(
                path,
                "cannot have both public (*) and non-public exportTo values for a resource",
            );
        }
        if service_entry && seen.contains("~") {
            out.error(
                path,
                "cannot export service entry to no one (~) and someone",
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Policy attachment (AuthorizationPolicy, RequestAuthentication)
// ---------------------------------------------------------------------------

/// `selector`, `targetRef` and `targetRefs` are mutually exclusive; target
/// references name a supported kind in the policy's own namespace.
pub(super) fn policy_targets(
    out: &mut Errors,
    root: &FieldPath,
    selector: Option<&WorkloadSelector>,
    target_ref: Option<&PolicyTargetReference>,
    target_refs: &[PolicyTargetReference],
) {
    let set = [
        selector.is_some(),
        target_ref.is_some(),
        !target_refs.is_empty(),
    ];
    if set.iter().filter(|s| **s).count() > 1 {
        out.error(root, "only one of targetRefs or selector can be set");
    }
    if let Some(selector) = selector {
        selector_labels(
            out,
            &root.field("selector").field("matchLabels"),
            &selector.match_labels,
        );
    }
    if let Some(target) = target_ref {
        policy_target(out, &root.field("targetRef"), target);
    }
    for (i, target) in target_refs.iter().enumerate() {
        policy_target(out, &root.field("targetRefs").index(i), target);
    }
}

/// [`policy_targets`] for a kind kept raw (Telemetry, WasmPlugin): reads
/// `selector`, `targetRef` and `targetRefs` from its schema-checked `spec`.
pub(super) fn raw_policy_targets(out: &mut Errors, root: &FieldPath, spec: &serde_json::Value) {
    fn read<T: serde::de::DeserializeOwned>(spec: &serde_json::Value, field: &str) -> Option<T> {
        spec.get(field)
            .filter(|v| !v.is_null())
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }
    let selector: Option<WorkloadSelector> = read(spec, "selector");
    let target_ref: Option<PolicyTargetReference> = read(spec, "targetRef");
    let target_refs: Vec<PolicyTargetReference> = read(spec, "targetRefs").unwrap_or_default();
    policy_targets(
        out,
        root,
        selector.as_ref(),
        target_ref.as_ref(),
        &target_refs,
    );
}

fn policy_target(out: &mut Errors, path: &FieldPath, target: &PolicyTargetReference) {
    if target.name.as_deref().unwrap_or("").is_empty() {
        out.error(&path.field("name"), "targetRef name must be set");
    }
    if target.namespace.as_deref().is_some_and(|ns| !ns.is_empty()) {
        out.error(
            &path.field("namespace"),
            "cross namespace referencing is not currently supported",
        );
    }
    let kind = target.kind.as_deref().unwrap_or("");
    let group = target.group.as_deref().unwrap_or("");
    let want_group = match kind {
        "Gateway" | "GatewayClass" => "gateway.networking.k8s.io",
        "Service" => "",
        "ServiceEntry" => "networking.istio.io",
        _ => {
            out.error(
                &path.field("kind"),
                format!(
                    "targetRef must be to one of Gateway, GatewayClass, Service or ServiceEntry but was {kind:?}"
                ),
            );
            return;
        }
    };
    let group = if group == "core" { "" } else { group };
    if group != want_group {
        let shown = if want_group.is_empty() {
            "core"
        } else {
            want_group
        };
        out.error(
            &path.field("group"),
            format!("targetRef must be to a resource of group {shown:?}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_duration("1s"), Ok(1_000_000_000));
        assert_eq!(parse_duration("1.5h"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("2h45m"), Ok(9_900_000_000_000));
        assert_eq!(parse_duration("100ms"), Ok(100 * MILLISECOND));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("-1s"), Ok(-1_000_000_000));
        assert_eq!(parse_duration(".5s"), Ok(500 * MILLISECOND));
        assert_eq!(parse_duration("10\u{b5}s"), Ok(10_000));
        for bad in [
            "",
            "1",
            "s",
            "1x",
            "1.s.",
            "abc",
            "1 s",
            ".s",
            "99999999999999999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn durations_below_1ms_or_sub_ms_are_rejected() {
        assert!(duration_min_1ms("1ms").is_ok());
        assert!(duration_min_1ms("0.5s").is_ok());
        assert!(duration_min_1ms("0s").is_err_and(|e| e.contains("greater than 1ms")));
        assert!(duration_min_1ms("500us").is_err_and(|e| e.contains("greater than 1ms")));
        assert!(duration_min_1ms("1.5ms").is_err_and(|e| e.contains("ms precision")));
        assert!(duration_min_1ms("5 min").is_err_and(|e| e.contains("invalid duration")));
    }

    #[test]
    fn dns_names() {
        assert!(is_k8s_dns1123_label("a-1"));
        assert!(!is_k8s_dns1123_label("A"));
        assert!(!is_k8s_dns1123_label("-a"));
        assert!(!is_k8s_dns1123_label(&"a".repeat(64)));
        assert!(is_k8s_dns1123_subdomain("a.b-c.d"));
        assert!(!is_k8s_dns1123_subdomain("a..b"));
        assert!(!is_k8s_dns1123_subdomain("a_b"));
        assert!(is_dns1123_label("Reviews"));
    }

    #[test]
    fn wildcard_domains() {
        for ok in [
            "*",
            "*.example.com",
            "reviews",
            "reviews.prod.svc.cluster.local",
            "a.b.",
            "*-x.y",
            "Foo.com",
        ] {
            assert_eq!(wildcard_domain(ok), Ok(()), "{ok}");
        }
        assert!(wildcard_domain("").is_err_and(|e| e.contains("empty domain name")));
        assert!(wildcard_domain("a.*.com").is_err_and(|e| e.contains("label \"*\" invalid")));
        assert!(wildcard_domain("1.2.3.4").is_err_and(|e| e.contains("all-numeric")));
        assert!(wildcard_domain("foo_bar.com").is_err());
        assert!(fqdn("*.example.com").is_err());
        assert!(fqdn("example.com").is_ok());
    }

    #[test]
    fn host_overlap_and_subset() {
        assert!(hosts_overlap("*.foo.com", "a.foo.com"));
        assert!(hosts_overlap("*.com", "*.foo.com"));
        assert!(!hosts_overlap("a.com", "b.com"));
        assert!(host_subset_of("a.foo.com", "*.foo.com"));
        assert!(host_subset_of("*.a.foo.com", "*.foo.com"));
        assert!(!host_subset_of("*.foo.com", "a.foo.com"));
    }

    #[test]
    fn ips_and_cidrs() {
        for ok in [
            "10.0.0.1",
            "10.0.0.0/8",
            "::1",
            "2001:db8::/32",
            "0.0.0.0/0",
        ] {
            assert_eq!(ip_or_cidr(ok), Ok(()), "{ok}");
        }
        for bad in [
            "10.0.0.256",
            "10.0.0.0/33",
            "10.0.0.0/",
            "foo",
            "::1/129",
            "10.0.0.0/+8",
        ] {
            assert!(ip_or_cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ports_protocols_percentages() {
        assert!(port(1).is_ok() && port(65535).is_ok());
        assert!(port(0).is_err() && port(65536).is_err());
        assert_eq!(parse_protocol("grpc-web"), Some("GRPC-WEB"));
        assert!(protocol("FOO").is_err() && protocol("").is_ok());
        assert!(percentage(&Percent { value: Some(100.0) }).is_ok());
        assert!(percentage(&Percent { value: Some(100.5) }).is_err());
        assert!(percentage(&Percent { value: Some(-1.0) }).is_err());
        assert!(percent_0_100(101).is_err());
    }

    #[test]
    fn labels_and_headers() {
        assert!(label_key("app.kubernetes.io/name").is_ok());
        assert!(label_key("a/b/c").is_err());
        assert!(label_key("-a").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("bad value").is_err());
        assert!(header_name("x-user").is_ok());
        assert!(header_name(":authority").is_ok());
        assert!(header_name("bad header").is_err());
    }

    #[test]
    fn regexes_compile() {
        assert!(regex("^/api/v[0-9]+").is_ok());
        assert!(regex("a(b").is_err_and(|e| e.contains("RE2") && !e.contains('\n')));
        assert!(regex("").is_err());
        assert!(regex(&"a".repeat(1025)).is_err_and(|e| e.contains("too large")));
    }

    #[test]
    fn metadata_name_must_be_a_dns_subdomain() {
        let errors = check_yaml(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: Bad_Name\n  namespace: default\nspec:\n  host: reviews\n",
        );
        assert_error(&errors, "metadata.name", "invalid name \"Bad_Name\"");
    }

    #[test]
    fn metadata_namespace_must_be_a_dns_label() {
        let errors = check_yaml(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: reviews\n  namespace: my.ns\nspec:\n  host: reviews\n",
        );
        assert_error(&errors, "metadata.namespace", "invalid namespace \"my.ns\"");
    }

    #[test]
    fn metadata_rules_apply_to_untyped_istio_kinds_only() {
        let telemetry = check_yaml(
            "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: Mesh_Default\nspec: {}\n",
        );
        assert_error(&telemetry, "metadata.name", "invalid name");
        let config_map = check_yaml(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: default\ndata: {}\n",
        );
        assert_clean(&config_map);
    }

    #[test]
    fn export_to_rules() {
        let mut out = Errors::default();
        let path = FieldPath::root().field("exportTo");
        let values = [
            "*".to_string(),
            "Bad_ns".to_string(),
            ".".to_string(),
            "default".to_string(),
        ];
        export_to(&mut out, &path, &values, Some("default"), false);
        let errors = out.into_vec();
        assert_error(&errors, "exportTo[1]", "valid DNS 1123 label");
        assert_error(
            &errors,
            "exportTo[3]",
            "duplicate entries in exportTo for entry \"default\"",
        );
        assert_error(&errors, "exportTo", "cannot have both public (*)");
    }
}
