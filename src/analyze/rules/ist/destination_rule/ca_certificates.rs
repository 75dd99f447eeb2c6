use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::DEFAULT_NAMESPACE;
use crate::model::networking::{ClientTLSMode, ClientTLSSettings, DestinationRuleSpec};
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A DestinationRule originates TLS without caCertificates, so the server certificate is not verified.
    ///
    /// ## What it checks
    /// `spec.trafficPolicy.tls` with mode `SIMPLE` or `MUTUAL` must set
    /// `caCertificates`, unless it sets `credentialName` on a DestinationRule
    /// with a `workloadSelector` (a gateway reads the CA from that Secret)
    /// (istioctl's IST0128).
    ///
    /// ## Why it matters
    /// Without a CA the proxy accepts any certificate the server presents, so
    /// the connection is encrypted but open to a man in the middle.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   host: db.prod.svc.cluster.local
    ///   trafficPolicy:
    ///     tls:
    ///       mode: SIMPLE   # no caCertificates
    /// ```
    ///
    /// ## How to fix
    /// Set `caCertificates` to the CA bundle that signed the server's certificate.
    pub static RULE = { code: "IST0128", name: "destination-rule-tls-without-ca", level: Warning, check: check };
}

/// The TLS mode name when these settings originate TLS without a CA to
/// verify the server (`credentialName` with a workloadSelector supplies one).
pub(super) fn unverified_mode(
    tls: &ClientTLSSettings,
    rule: &DestinationRuleSpec,
) -> Option<&'static str> {
    let mode = match tls.mode {
        Some(ClientTLSMode::Simple) => "SIMPLE",
        Some(ClientTLSMode::Mutual) => "MUTUAL",
        _ => return None,
    };
    let has_ca = tls
        .ca_certificates
        .as_deref()
        .is_some_and(|ca| !ca.is_empty());
    let gateway_credential = tls
        .credential_name
        .as_deref()
        .is_some_and(|c| !c.is_empty())
        && rule.workload_selector.is_some();
    (!has_ca && !gateway_credential).then_some(mode)
}

pub(super) const HELP: &str =
    "set caCertificates; on a gateway, credentialName with a workloadSelector also supplies the CA";

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::DestinationRule(rule) = &object.spec else {
            continue;
        };
        let Some(tls) = rule.traffic_policy.as_ref().and_then(|p| p.tls.as_ref()) else {
            continue;
        };
        let Some(mode) = unverified_mode(tls, rule) else {
            continue;
        };
        let path = FieldPath::root()
            .field("spec")
            .field("trafficPolicy")
            .field("tls")
            .field("mode");
        findings
            .report(
                object,
                &path,
                format!(
                    "DestinationRule {} in namespace {} has TLS mode set to {mode} but no caCertificates are set to validate server identity for host: {}",
                    object.display_name(),
                    object.namespace_or(DEFAULT_NAMESPACE),
                    rule.host.as_deref().unwrap_or_default()
                ),
            )
            .help = Some(HELP.to_string());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/destination-rule-tls-without-ca.yaml"
    );

    #[test]
    fn reports_simple_and_mutual_tls_without_a_ca() {
        assert_eq!(
            findings("destination-rule-tls-without-ca", FIXTURE),
            [
                "IST0128 DestinationRule prod/db-tls 10 spec.trafficPolicy.tls.mode DestinationRule db-tls in namespace prod has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: db.prod.svc.cluster.local",
                "IST0128 DestinationRule db-mtls 20 spec.trafficPolicy.tls.mode DestinationRule db-mtls in namespace default has TLS mode set to MUTUAL but no caCertificates are set to validate server identity for host: db.prod.svc.cluster.local",
                "IST0128 DestinationRule prod/credential-sidecar 32 spec.trafficPolicy.tls.mode DestinationRule credential-sidecar in namespace prod has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: api.example.com",
            ]
        );
    }
}
