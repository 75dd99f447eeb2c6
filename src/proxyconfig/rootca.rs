//! `mesh proxy-config rootca-compare`: the root certificates two workloads
//! trust, and whether they share one (mutual TLS between them can only be
//! verified when they do). An Envoy's roots are its `ROOTCA` secret (the
//! name Istio's agent serves the mesh roots under); a proxyless app's are
//! the `root-cert.pem` its agent writes beside it; either can be a file.

use serde_json::Value as Json;
use x509_parser::pem::Pem;

use super::dump::field;
use super::{Dump, ResourceKind};

/// The secret Istio's agent serves the mesh's root certificates as.
pub const ROOTCA_SECRET: &str = "ROOTCA";
/// The largest PEM bundle read as roots.
pub const MAX_PEM_BYTES: usize = 1024 * 1024;

/// One root certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// The subject as RFC 4514 text (`CN=..., O=...`).
    pub subject: String,
    /// SHA-256 of the DER, hex.
    pub fingerprint: String,
    /// RFC 3339.
    pub not_after: String,
    der: Vec<u8>,
}

impl Root {
    /// `SUBJECT (SHA-256 0123456789abcdef…)`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} (SHA-256 {}…)",
            self.subject,
            &self.fingerprint[..16.min(self.fingerprint.len())]
        )
    }

    pub fn to_json(&self) -> Json {
        serde_json::json!({
            "subject": self.subject,
            "sha256": self.fingerprint,
            "notAfter": self.not_after,
        })
    }
}

/// The roots of an Envoy dump: its `ROOTCA` secret's trusted CA.
pub fn of_dump(dump: &Dump) -> Result<Vec<Root>, String> {
    if dump.from_csds {
        return Err(
            "is a CSDS response: gRPC's CSDS carries no certificates (a proxyless app's roots are the root-cert.pem its agent writes)"
                .into(),
        );
    }
    let secret = dump
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Secret && r.name == ROOTCA_SECRET)
        // A warming secret is not served yet: prefer the one in use.
        .min_by_key(|r| r.status == "WARMING")
        .ok_or_else(|| format!("holds no {ROOTCA_SECRET} secret (Istio's mesh roots)"))?;
    let bytes = secret
        .config
        .as_ref()
        .and_then(|s| field(s, "validation_context"))
        .and_then(|v| field(v, "trusted_ca"))
        .and_then(super::secrets::data_source_bytes)
        .ok_or_else(|| {
            format!(
                "holds a {ROOTCA_SECRET} secret without an inline trusted CA ({})",
                secret.status
            )
        })?;
    of_pem(&bytes).map_err(|e| format!("holds a {ROOTCA_SECRET} secret that does not read: {e}"))
}

/// The certificates of a PEM bundle, such as `root-cert.pem`.
pub fn of_pem(bytes: &[u8]) -> Result<Vec<Root>, String> {
    let mut roots = Vec::new();
    for (index, pem) in Pem::iter_from_buffer(bytes).enumerate() {
        let pem = pem.map_err(|e| format!("PEM block {}: {e}", index + 1))?;
        if pem.label != "CERTIFICATE" {
            continue;
        }
        let certificate = pem
            .parse_x509()
            .map_err(|e| format!("certificate {}: {e}", index + 1))?;
        let digest = ring::digest::digest(&ring::digest::SHA256, &pem.contents);
        roots.push(Root {
            subject: certificate.subject().to_string(),
            fingerprint: digest.as_ref().iter().map(|b| format!("{b:02x}")).collect(),
            not_after: super::csds::timestamp(&envoy_types::pb::google::protobuf::Timestamp {
                seconds: certificate.validity().not_after.timestamp(),
                nanos: 0,
            }),
            der: pem.contents.clone(),
        });
    }
    if roots.is_empty() {
        return Err("no PEM certificate".into());
    }
    Ok(roots)
}

/// Where a proxyless pod's agent writes the roots its app trusts: the
/// istio-proxy container and `OUTPUT_CERTS/root-cert.pem` (the file the
/// app's gRPC bootstrap names as its CA). `None` without an agent
/// (grpc-simple: plaintext xDS, no certificates).
pub fn agent_root_file(pod: &k8s_openapi::api::core::v1::Pod) -> Option<(String, String)> {
    let spec = pod.spec.as_ref()?;
    let agent = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|c| c.name == "istio-proxy")?;
    let dir = agent
        .env
        .iter()
        .flatten()
        .find(|e| e.name == "OUTPUT_CERTS")
        .and_then(|e| e.value.clone())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| crate::xds::bootstrap::DEFAULT_CERT_DIR.to_string());
    Some((
        agent.name.clone(),
        format!("{}/root-cert.pem", dir.trim_end_matches('/')),
    ))
}

/// Whether `text` reads as PEM rather than a JSON dump.
pub fn looks_like_pem(text: &str) -> bool {
    text.trim_start().starts_with("-----BEGIN ")
}

/// The roots of `first` that `second` trusts too (as istioctl: the same
/// certificate, byte for byte).
pub fn common<'a>(first: &'a [Root], second: &[Root]) -> Vec<&'a Root> {
    first
        .iter()
        .filter(|a| second.iter().any(|b| a.der == b.der))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT_A: &str = include_str!("../../testdata/proxy-config/roots/root-a.pem");
    const ROOT_B: &str = include_str!("../../testdata/proxy-config/roots/root-b.pem");

    #[test]
    fn bundles_share_a_root_or_not() {
        let a = of_pem(ROOT_A.as_bytes()).unwrap();
        let b = of_pem(ROOT_B.as_bytes()).unwrap();
        let both = of_pem(format!("{ROOT_B}{ROOT_A}").as_bytes()).unwrap();
        assert_eq!(a.len(), 1);
        assert!(a[0].subject.contains("CN=Root CA a"), "{}", a[0].subject);
        assert_eq!(a[0].fingerprint.len(), 64);
        assert!(common(&a, &b).is_empty());
        assert_eq!(common(&both, &a), vec![&a[0]]);
        assert!(of_pem(b"not a certificate").is_err());
        assert!(looks_like_pem(ROOT_A) && !looks_like_pem("{\"configs\": []}"));
    }
}
