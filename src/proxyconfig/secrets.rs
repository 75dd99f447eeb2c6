//! Secrets and bootstrap of an Envoy dump: certificate metadata (never the
//! keys), the versions istioctl's `bootstrap` prints, and the redaction of
//! private keys applied to every dump before anything can print it.

use base64::Engine as _;
use serde_json::Value as Json;
use x509_parser::pem::Pem;

use super::dump::{field, text};
use super::Resource;

/// What replaces private key material.
pub const REDACTED: &str = "[redacted]";

/// Replaces every private key in a dump: `private_key` (and other key-ish
/// fields) of any secret, and any string holding a PEM private key, in plain
/// text or base64 (`inline_bytes`). Envoy redacts its own dumps, but a saved
/// or hand-made dump may not be.
pub fn redact_private_keys(value: &mut Json) {
    match value {
        Json::Object(map) => {
            for (key, child) in map.iter_mut() {
                if is_key_field(key) {
                    redact_all(child);
                } else {
                    redact_private_keys(child);
                }
            }
        }
        Json::Array(items) => items.iter_mut().for_each(redact_private_keys),
        Json::String(text) if holds_private_key(text) => *text = REDACTED.into(),
        _ => {}
    }
}

fn is_key_field(key: &str) -> bool {
    matches!(
        key,
        "private_key" | "privateKey" | "pkey" | "password" | "private_key_provider"
    ) || key == "privateKeyProvider"
}

/// Every string under a key field; names of files (`filename`) stay.
fn redact_all(value: &mut Json) {
    match value {
        Json::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key != "filename" && key != "@type" {
                    redact_all(child);
                }
            }
        }
        Json::Array(items) => items.iter_mut().for_each(redact_all),
        Json::String(text) if text != REDACTED => *text = REDACTED.into(),
        _ => {}
    }
}

fn holds_private_key(text: &str) -> bool {
    const MARK: &str = "PRIVATE KEY-----";
    if text.contains(MARK) {
        return true;
    }
    // base64 of a PEM key ("-----BEGIN " encodes to "LS0tLS1CRUdJTi").
    text.len() > 64
        && text.contains("LS0tLS1CRUdJTi")
        && base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(MARK))
}

/// One row of istioctl's secret table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRow {
    pub name: String,
    /// `Cert Chain` or `CA`.
    pub kind: String,
    /// `ACTIVE`, `WARMING` or `UNINITIALIZED`.
    pub status: String,
    pub valid: bool,
    /// `%032x` as istioctl writes it; `-` without a certificate.
    pub serial: String,
    /// RFC 3339; `-` without a certificate.
    pub not_after: String,
    pub not_before: String,
}

impl SecretRow {
    /// The record printed by `-o json|yaml`: metadata only.
    pub fn to_json(&self) -> Json {
        serde_json::json!({
            "name": self.name,
            "type": self.kind,
            "status": self.status,
            "validCert": self.valid,
            "serialNumber": self.serial,
            "notAfter": self.not_after,
            "notBefore": self.not_before,
        })
    }
}

/// One row per secret resource, from the first certificate of its chain or CA.
pub fn secret_rows(resources: &[&Resource]) -> Vec<SecretRow> {
    let now = x509_parser::time::ASN1Time::now();
    resources
        .iter()
        .map(|resource| {
            let secret = resource.config.as_ref().unwrap_or(&Json::Null);
            let (kind, source) = if let Some(tls) = field(secret, "tls_certificate") {
                ("Cert Chain", field(tls, "certificate_chain"))
            } else if let Some(validation) = field(secret, "validation_context") {
                ("CA", field(validation, "trusted_ca"))
            } else {
                ("-", None)
            };
            let certificate = source.and_then(data_source_bytes);
            let status = match (resource.status.as_str(), &certificate) {
                (_, None) => "UNINITIALIZED",
                ("STATIC" | "ACTIVE", _) => "ACTIVE",
                (other, _) => other,
            }
            .to_string();
            let mut row = SecretRow {
                name: resource.name.clone(),
                kind: kind.into(),
                status,
                valid: false,
                serial: "-".into(),
                not_after: "-".into(),
                not_before: "-".into(),
            };
            if let Some(facts) = certificate.as_deref().and_then(first_certificate) {
                row.valid = facts.not_before <= now && now <= facts.not_after;
                row.serial = facts.serial;
                row.not_after = rfc3339(facts.not_after);
                row.not_before = rfc3339(facts.not_before);
            }
            row
        })
        .collect()
}

/// The bytes of an inline data source (`inline_bytes` is base64 in JSON).
pub(crate) fn data_source_bytes(source: &Json) -> Option<Vec<u8>> {
    if let Some(Json::String(encoded)) = field(source, "inline_bytes") {
        return base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok();
    }
    match field(source, "inline_string") {
        Some(Json::String(plain)) => Some(plain.as_bytes().to_vec()),
        _ => None,
    }
}

struct CertificateFacts {
    serial: String,
    not_before: x509_parser::time::ASN1Time,
    not_after: x509_parser::time::ASN1Time,
}

fn first_certificate(pem_bytes: &[u8]) -> Option<CertificateFacts> {
    let pem: Pem = Pem::iter_from_buffer(pem_bytes)
        .filter_map(Result::ok)
        .find(|p| p.label == "CERTIFICATE")?;
    let certificate = pem.parse_x509().ok()?;
    let hex: String = certificate
        .raw_serial()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let digits = hex.trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    Some(CertificateFacts {
        serial: format!("{digits:0>32}"),
        not_before: certificate.validity().not_before,
        not_after: certificate.validity().not_after,
    })
}

fn rfc3339(time: x509_parser::time::ASN1Time) -> String {
    super::csds::timestamp(&envoy_types::pb::google::protobuf::Timestamp {
        seconds: time.timestamp(),
        nanos: 0,
    })
}

/// istioctl's short bootstrap: Istio, Istio proxy and Envoy versions.
pub fn bootstrap_summary(bootstrap_dump: &Json) -> String {
    let node = field(bootstrap_dump, "bootstrap")
        .and_then(|b| field(b, "node"))
        .unwrap_or(&Json::Null);
    let metadata = field(node, "metadata").unwrap_or(&Json::Null);
    let or_unknown = |s: String| if s.is_empty() { "unknown".into() } else { s };
    format!(
        "Istio Version: {}\nIstio Proxy Version: {}\nEnvoy Version: {}\n",
        or_unknown(text(metadata, "ISTIO_VERSION")),
        or_unknown(text(metadata, "ISTIO_PROXY_SHA")),
        or_unknown(envoy_version(node)),
    )
}

/// `major.minor.patch[-label][/revision.status][/build.type][/ssl.version]`.
fn envoy_version(node: &Json) -> String {
    let Some(build) = field(node, "user_agent_build_version") else {
        return String::new();
    };
    let version = field(build, "version").unwrap_or(&Json::Null);
    let number = |key: &str| match text(version, key) {
        n if n.is_empty() => "0".to_string(),
        n => n,
    };
    let mut out = format!(
        "{}.{}.{}",
        number("major_number"),
        number("minor_number"),
        number("patch")
    );
    let metadata = field(build, "metadata").unwrap_or(&Json::Null);
    // Keys hold dots, so they are read as they are, never camel-cased.
    let meta = |key: &str| {
        metadata
            .get(key)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let label = meta("build.label");
    if !label.is_empty() {
        out.push('-');
        out.push_str(&label);
    }
    for key in ["revision.status", "build.type", "ssl.version"] {
        let part = meta(key);
        if !part.is_empty() {
            out.push('/');
            out.push_str(&part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn private_keys_are_redacted_wherever_they_hide() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(pem.repeat(3));
        let mut dump = json!({"a": [{"private_key": {"inline_string": "x", "filename": "/k"}},
            {"note": pem}, {"inline_bytes": encoded}, {"privateKey": {"inlineBytes": "eA=="}}]});
        redact_private_keys(&mut dump);
        let text = dump.to_string();
        assert!(!text.contains("MIIE") && !text.contains("eA==") && !text.contains("\"x\""));
        assert!(text.contains("/k"), "{text}");
    }

    #[test]
    fn envoy_version_as_istioctl_writes_it() {
        let node = json!({"user_agent_build_version": {"version": {"major_number": 1, "minor_number": 40},
            "metadata": {"revision.status": "Clean", "build.type": "RELEASE", "ssl.version": "BoringSSL"}}});
        assert_eq!(envoy_version(&node), "1.40.0/Clean/RELEASE/BoringSSL");
        let summary = bootstrap_summary(&json!({"bootstrap": {"node": node}}));
        assert_eq!(
            summary,
            "Istio Version: unknown\nIstio Proxy Version: unknown\nEnvoy Version: 1.40.0/Clean/RELEASE/BoringSSL\n"
        );
    }
}
