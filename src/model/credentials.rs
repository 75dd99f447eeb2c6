//! What a TLS Secret's data is worth, worked out once while typing the Secret
//! so that the data itself is never kept: which certificates parse, which have
//! expired, which keys are PEM private keys. Messages never quote the data.

use serde_json::Value as Json;
use x509_parser::pem::Pem;

use base64::Engine as _;

/// The keys gateway credentials use for certificates, private keys and CAs.
const CERTIFICATE_KEYS: [&str; 4] = ["tls.crt", "cert", "ca.crt", "cacert"];
const PRIVATE_KEY_KEYS: [&str; 2] = ["tls.key", "key"];

/// A problem with one key of a Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialProblem {
    pub key: String,
    pub problem: String,
}

/// Checks the certificate and key entries of a Secret's `data` (base64) and
/// `stringData` (plain).
pub fn check_secret(secret: &Json) -> Vec<CredentialProblem> {
    let mut problems = Vec::new();
    let now = x509_parser::time::ASN1Time::now();
    for (field, encoded) in [("data", true), ("stringData", false)] {
        let Some(entries) = secret.get(field).and_then(Json::as_object) else {
            continue;
        };
        for (key, value) in entries {
            let is_cert = CERTIFICATE_KEYS.contains(&key.as_str());
            let is_key = PRIVATE_KEY_KEYS.contains(&key.as_str());
            if !is_cert && !is_key {
                continue;
            }
            let text = value.as_str().unwrap_or("");
            let bytes = if encoded {
                match base64::engine::general_purpose::STANDARD.decode(text.trim()) {
                    Ok(bytes) => bytes,
                    Err(_) => {
                        problems.push(problem(key, "is not valid base64"));
                        continue;
                    }
                }
            } else {
                text.as_bytes().to_vec()
            };
            let found = if is_cert {
                certificate_problem(&bytes, now)
            } else {
                private_key_problem(&bytes)
            };
            if let Some(found) = found {
                problems.push(problem(key, &found));
            }
        }
    }
    problems
}

fn problem(key: &str, text: &str) -> CredentialProblem {
    CredentialProblem {
        key: key.to_string(),
        problem: text.to_string(),
    }
}

fn certificate_problem(bytes: &[u8], now: x509_parser::time::ASN1Time) -> Option<String> {
    let mut found_any = false;
    for pem in Pem::iter_from_buffer(bytes) {
        let Ok(pem) = pem else {
            return Some("is not a PEM certificate".into());
        };
        if pem.label != "CERTIFICATE" {
            continue;
        }
        found_any = true;
        let Ok(certificate) = pem.parse_x509() else {
            return Some("holds a certificate that does not parse".into());
        };
        let not_after = certificate.validity().not_after;
        if not_after < now {
            return Some(format!(
                "holds a certificate that expired on {}",
                not_after.to_datetime().date()
            ));
        }
    }
    (!found_any).then(|| "is not a PEM certificate".into())
}

fn private_key_problem(bytes: &[u8]) -> Option<String> {
    match Pem::iter_from_buffer(bytes).next() {
        Some(Ok(pem)) if pem.label.ends_with("PRIVATE KEY") && !pem.contents.is_empty() => None,
        _ => Some("is not a PEM private key".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn garbage_is_reported_without_quoting_it() {
        let secret = json!({"data": {"cert": "aHVzaCBodXNoIGh1c2gK", "key": "c2VjcmV0IHNlY3JldAo=", "other": "eA=="}});
        let problems = check_secret(&secret);
        assert_eq!(
            problems,
            [
                problem("cert", "is not a PEM certificate"),
                problem("key", "is not a PEM private key")
            ]
        );
        assert!(problems.iter().all(|p| !p.problem.contains("hush")));
    }

    #[test]
    fn bad_base64_is_reported() {
        let problems = check_secret(&json!({"data": {"tls.crt": "!!!"}}));
        assert_eq!(problems, [problem("tls.crt", "is not valid base64")]);
    }
}

#[cfg(test)]
mod certificate_tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/testdata/rules/credentials/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).unwrap()
    }

    fn encoded(name: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(fixture(name))
    }

    #[test]
    fn a_valid_pair_has_no_problem() {
        let secret = json!({"data": {"tls.crt": encoded("valid-cert.pem"), "tls.key": encoded("test-key.pem")}});
        assert_eq!(check_secret(&secret), []);
        let secret = json!({"stringData": {"cert": fixture("valid-cert.pem"), "key": fixture("test-key.pem")}});
        assert_eq!(check_secret(&secret), []);
    }

    #[test]
    fn an_expired_certificate_is_named_with_its_date() {
        let secret = json!({"data": {"tls.crt": encoded("expired-cert.pem"), "tls.key": encoded("test-key.pem")}});
        assert_eq!(
            check_secret(&secret),
            [CredentialProblem {
                key: "tls.crt".into(),
                problem: "holds a certificate that expired on 2020-01-02".into(),
            }]
        );
    }
}
