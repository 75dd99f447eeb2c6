use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::credentials::credential_refs;
use super::lookup::{Credential, Credentials};

declare_rule! {
    /// A Gateway's TLS credential Secret lacks the keys a gateway reads, or holds a bad certificate.
    ///
    /// ## What it checks
    /// A Secret named by a Gateway server's `credentialName`, in the namespace
    /// of the gateway workloads, must hold a certificate and key under
    /// `tls.crt` and `tls.key`, or under `cert` and `key`. For `MUTUAL` and
    /// `OPTIONAL_MUTUAL` servers it must also hold a CA (`ca.crt` or
    /// `cacert`), unless `caCertCredentialName` or a `<name>-cacert` Secret
    /// provides it (istioctl's IST0161). The certificate must parse as PEM
    /// X.509 and not have expired, and the key must be a PEM private key. The
    /// Secret's data is checked while it is read and then dropped: findings
    /// name the key and the problem, never the content.
    ///
    /// ## Why it matters
    /// The gateway cannot load the credential, so TLS handshakes for the
    /// server's hosts fail.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Secret
    /// type: kubernetes.io/tls
    /// data:
    ///   tls.cert: ...   # should be tls.crt
    ///   tls.key: ...
    /// ```
    ///
    /// ## How to fix
    /// Store a valid, current certificate and its key under `tls.crt` and `tls.key` (and the CA under `ca.crt` for mutual TLS).
    pub static RULE = { code: "IST0161", name: "gateway-credential-invalid", level: Error, check: check };
}

fn has(keys: &[String], key: &str) -> bool {
    keys.iter().any(|k| k == key)
}

fn has_ca(keys: &[String]) -> bool {
    has(keys, "ca.crt") || has(keys, "cacert")
}

/// What is wrong with a credential's keys, if anything.
fn problem(keys: &[String], needs_ca: bool) -> Option<String> {
    let pair =
        (has(keys, "tls.crt") && has(keys, "tls.key")) || (has(keys, "cert") && has(keys, "key"));
    if !pair {
        let found = if keys.is_empty() {
            "none".to_string()
        } else {
            keys.join(", ")
        };
        return Some(format!(
            "the Secret has neither `tls.crt` and `tls.key` nor `cert` and `key` (its keys: {found})"
        ));
    }
    if needs_ca && !has_ca(keys) {
        return Some(
            "mutual TLS needs a CA: add `ca.crt` to the Secret, create a `<name>-cacert` Secret, \
             or set `caCertCredentialName`"
                .to_string(),
        );
    }
    None
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let credentials = Credentials::build(index);
    for reference in credential_refs(index) {
        for namespace in &reference.namespaces {
            let Credential::Secret(keys, problems) = credentials.get(namespace, reference.name)
            else {
                continue;
            };
            let ca_elsewhere = reference.tls.ca_cert_credential_name.is_some()
                || match credentials.get(namespace, &format!("{}-cacert", reference.name)) {
                    Credential::Secret(keys, _) => has_ca(keys),
                    Credential::Issued => true,
                    Credential::Missing => false,
                };
            // Missing keys first; then certificates that do not parse or have expired.
            let Some(problem) = problem(keys, reference.mutual() && !ca_elsewhere).or_else(|| {
                problems
                    .first()
                    .map(|p| format!("`{}` {}", p.key, p.problem))
            }) else {
                continue;
            };
            findings
                .report(
                    reference.object,
                    &reference.path,
                    format!(
                        "The credential referenced by the Gateway {} in namespace {namespace} is invalid, \
                         which can cause the traffic not to work as expected.",
                        reference.object.meta.name
                    ),
                )
                .help = Some(format!("Secret {namespace}/{}: {problem}", reference.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::virtual_service::testing::{fixture, run};

    #[test]
    fn reports_missing_keys_and_expired_certificates() {
        let found = run(
            "gateway-credential-invalid",
            &fixture("gateway-credential-invalid.yaml"),
        );
        let message = |gateway: &str| {
            format!(
                "The credential referenced by the Gateway {gateway} in namespace istio-system is invalid, \
                 which can cause the traffic not to work as expected."
            )
        };
        assert_eq!(
            found,
            [
                (
                    "IST0161",
                    "Gateway edge/misnamed-keys".to_string(),
                    69,
                    "spec.servers[0].tls.credentialName".to_string(),
                    message("misnamed-keys"),
                ),
                (
                    "IST0161",
                    "Gateway edge/mutual-without-ca".to_string(),
                    82,
                    "spec.servers[0].tls.credentialName".to_string(),
                    message("mutual-without-ca"),
                ),
                (
                    "IST0161",
                    "Gateway edge/expired-certificate".to_string(),
                    99,
                    "spec.servers[0].tls.credentialName".to_string(),
                    message("expired-certificate"),
                ),
            ]
        );
    }
}
