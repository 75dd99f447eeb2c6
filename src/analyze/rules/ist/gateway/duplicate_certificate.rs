use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::labels_match;
use crate::model::networking::ServerTLSSettings;
use crate::source::FieldPath;

use super::lookup::{full_name, identity, istio_gateways};

declare_rule! {
    /// Gateways on the same workloads serve the same TLS certificate.
    ///
    /// ## What it checks
    /// A Gateway server whose TLS credential (`credentialName`, or the
    /// `serverCertificate` file when neither uses a credential name) is also
    /// used by a server of another Gateway whose selector includes this
    /// Gateway's selector, so both run on the same workloads (istioctl's IST0138).
    ///
    /// ## Why it matters
    /// Browsers reuse an HTTP/2 connection for every host a certificate
    /// covers. When the hosts live in different Gateways, Envoy has separate
    /// filter chains for them and answers the reused connection with 404.
    ///
    /// ## Example
    /// ```yaml
    /// # gateway-a: hosts [a.example.com], gateway-b: hosts [b.example.com]
    /// tls: {mode: SIMPLE, credentialName: wildcard-example-com}   # in both
    /// ```
    ///
    /// ## How to fix
    /// Serve the hosts of one certificate from one Gateway, or give each Gateway its own certificate.
    pub static RULE = { code: "IST0138", name: "gateway-duplicate-certificate", level: Warning, check: check };
}

/// istioctl's test: the same credential name, or, when neither names a
/// credential, the same certificate file.
fn same_certificate(a: &ServerTLSSettings, b: &ServerTLSSettings) -> bool {
    let name = |t: &ServerTLSSettings| t.credential_name.clone().filter(|n| !n.is_empty());
    let file = |t: &ServerTLSSettings| t.server_certificate.clone().filter(|n| !n.is_empty());
    match (name(a), name(b)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => matches!((file(a), file(b)), (Some(x), Some(y)) if x == y),
        _ => false,
    }
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let gateways: Vec<_> = istio_gateways(context.index).collect();
    for &(object, gateway) in &gateways {
        let own = identity(object);
        for (i, server) in gateway.servers.iter().enumerate() {
            let Some(tls) = &server.tls else { continue };
            let mut others: Vec<String> = gateways
                .iter()
                .filter(|(other, spec)| {
                    identity(other) != own
                        && labels_match(&gateway.selector, &spec.selector)
                        && spec
                            .servers
                            .iter()
                            .filter_map(|s| s.tls.as_ref())
                            .any(|t| same_certificate(tls, t))
                })
                .map(|(other, _)| full_name(other))
                .collect();
            others.sort_unstable();
            others.dedup();
            let field = if tls.credential_name.is_some() {
                "credentialName"
            } else {
                "serverCertificate"
            };
            let path = FieldPath::root()
                .field("spec")
                .field("servers")
                .index(i)
                .field("tls")
                .field(field);
            for other in others {
                findings.report(
                    object,
                    &path,
                    format!(
                        "Duplicate certificate in multiple gateways [{} {other}] may cause 404s if clients re-use HTTP2 connections.",
                        full_name(object)
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::virtual_service::testing::{fixture, run};

    #[test]
    fn reports_certificates_shared_across_gateways_of_the_same_workloads() {
        let found = run(
            "gateway-duplicate-certificate",
            &fixture("gateway-duplicate-certificate.yaml"),
        );
        let message = |a: &str, b: &str| {
            format!("Duplicate certificate in multiple gateways [{a} {b}] may cause 404s if clients re-use HTTP2 connections.")
        };
        let at = |gateway: &str, line: u32, other: &str| {
            (
                "IST0138",
                format!("Gateway {gateway}"),
                line,
                "spec.servers[0].tls.credentialName".to_string(),
                message(gateway, other),
            )
        };
        assert_eq!(
            found,
            [
                at("edge/shop", 10, "edge/blog"),
                at("edge/shop", 10, "edge/internal"),
                at("edge/blog", 20, "edge/internal"),
                at("edge/blog", 20, "edge/shop"),
            ]
        );
    }
}
