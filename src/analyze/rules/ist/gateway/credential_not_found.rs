use crate::analyze::unresolved::Referenced;
use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::credentials::credential_refs;
use super::lookup::{Credential, Credentials};

declare_rule! {
    /// A Gateway names a TLS credential that is not where its workloads read it.
    ///
    /// ## What it checks
    /// Every `tls.credentialName` (and `credentialNames` entry) of a Gateway
    /// server must be a Secret in each namespace where the workloads the
    /// Gateway selects run, since a gateway reads Secrets from its own
    /// namespace (istioctl's IST0101 on `credentialName`). A cert-manager
    /// Certificate writing that Secret counts. When the inputs hold no Secret
    /// and no Certificate at all, these findings are set aside and counted in
    /// the run summary; `--report-unresolved Secret` reports them (as
    /// istioctl does), `--ignore-unresolved Secret` sets them aside even when
    /// the inputs hold some (README, Partial inputs).
    ///
    /// ## Why it matters
    /// Without the Secret the gateway has no certificate for the server: TLS
    /// handshakes for its hosts fail.
    ///
    /// ## Example
    /// ```yaml
    /// # the ingress gateway runs in istio-system; the Secret is in default
    /// tls: {mode: SIMPLE, credentialName: shop-cert}
    /// ```
    ///
    /// ## How to fix
    /// Create the Secret in the gateway workloads' namespace, or correct the name.
    pub static RULE = { code: "IST0101", name: "gateway-credential-not-found", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let credentials = Credentials::build(index);
    for reference in credential_refs(index) {
        let missing: Vec<&str> = reference
            .namespaces
            .iter()
            .filter(|ns| matches!(credentials.get(ns, reference.name), Credential::Missing))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            continue;
        }
        findings
            .report_unresolved(
                reference.object,
                &reference.path,
                format!("Referenced credentialName not found: {:?}", reference.name),
                Referenced::Secret,
            )
            .help = Some(format!(
            "the gateway workloads read Secrets from namespace {}, which has no Secret `{}`",
            missing.join(", "),
            reference.name
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::virtual_service::testing::{fixture, run};

    #[test]
    fn reports_credentials_missing_from_the_gateway_namespace() {
        let found = run(
            "gateway-credential-not-found",
            &fixture("gateway-credential-not-found.yaml"),
        );
        assert_eq!(
            found,
            [
                (
                    "IST0101",
                    "Gateway shop/wrong-namespace".to_string(),
                    46,
                    "spec.servers[0].tls.credentialName".to_string(),
                    "Referenced credentialName not found: \"shop-cert\"".to_string(),
                ),
                (
                    "IST0101",
                    "Gateway payments/no-credentials-here".to_string(),
                    83,
                    "spec.servers[0].tls.credentialName".to_string(),
                    "Referenced credentialName not found: \"pay-cert\"".to_string(),
                ),
            ]
        );
    }
}
