use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::DEFAULT_NAMESPACE;
use crate::model::Spec;
use crate::source::FieldPath;

use super::ca_certificates::{unverified_mode, HELP};

declare_rule! {
    /// A DestinationRule port originates TLS without caCertificates, so the server certificate is not verified.
    ///
    /// ## What it checks
    /// Each `spec.trafficPolicy.portLevelSettings[].tls` with mode `SIMPLE` or
    /// `MUTUAL` must set `caCertificates`, unless it sets `credentialName` on a
    /// DestinationRule with a `workloadSelector` (istioctl's IST0129).
    ///
    /// ## Why it matters
    /// Without a CA the proxy accepts any certificate the server presents on
    /// that port, so the connection is encrypted but open to a man in the middle.
    ///
    /// ## Example
    /// ```yaml
    /// trafficPolicy:
    ///   portLevelSettings:
    ///   - port: {number: 443}
    ///     tls:
    ///       mode: MUTUAL   # no caCertificates
    ///       clientCertificate: /etc/certs/client.pem
    ///       privateKey: /etc/certs/key.pem
    /// ```
    ///
    /// ## How to fix
    /// Set `caCertificates` in the port's TLS settings to the CA bundle that signed the server's certificate.
    pub static RULE = { code: "IST0129", name: "destination-rule-port-tls-without-ca", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::DestinationRule(rule) = &object.spec else {
            continue;
        };
        let Some(policy) = rule.traffic_policy.as_ref() else {
            continue;
        };
        for (i, port) in policy.port_level_settings.iter().enumerate() {
            let Some(mode) = port.tls.as_ref().and_then(|tls| unverified_mode(tls, rule)) else {
                continue;
            };
            let path = FieldPath::root()
                .field("spec")
                .field("trafficPolicy")
                .field("portLevelSettings")
                .index(i)
                .field("tls")
                .field("mode");
            let number = port
                .port
                .as_ref()
                .and_then(|p| p.number)
                .map_or_else(String::new, |n| n.to_string());
            findings
                .report(
                    object,
                    &path,
                    format!(
                        "DestinationRule {} in namespace {} has TLS mode set to {mode} but no caCertificates are set to validate server identity for host: {} at port {number}",
                        object.display_name(),
                        object.namespace_or(DEFAULT_NAMESPACE),
                        rule.host.as_deref().unwrap_or_default()
                    ),
                )
                .help = Some(HELP.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/destination-rule-port-tls-without-ca.yaml"
    );

    #[test]
    fn reports_port_level_tls_without_a_ca() {
        assert_eq!(
            findings("destination-rule-port-tls-without-ca", FIXTURE),
            [
                "IST0129 DestinationRule prod/db 15 spec.trafficPolicy.portLevelSettings[0].tls.mode DestinationRule db in namespace prod has TLS mode set to MUTUAL but no caCertificates are set to validate server identity for host: db.prod.svc.cluster.local at port 443",
            ]
        );
    }
}
