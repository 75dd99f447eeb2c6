use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::ClientTLSMode;

use super::scope;

declare_rule! {
    /// A DestinationRule with ISTIO_MUTUAL sets TLS fields that proxyless gRPC clients never receive.
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients whose `tls.mode` is
    /// `ISTIO_MUTUAL` and that also sets `sni`, `subjectAltNames`,
    /// `credentialName`, `caCertificates`, `clientCertificate`, `privateKey`,
    /// `caCrl` or `insecureSkipVerify`.
    ///
    /// ## Why it matters
    /// istiod's gRPC generator reads only `tls.mode`. For ISTIO_MUTUAL it sends
    /// the mesh certificates and, as the accepted server identities, the
    /// service accounts of the host's workloads (gRFC A29); it sends no SNI.
    /// The extra fields are silently ignored: a `subjectAltNames` override does
    /// not change which server identities the client accepts, and `sni` is not
    /// sent.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     tls:
    ///       mode: ISTIO_MUTUAL
    ///       subjectAltNames: [spiffe://cluster.local/ns/echo-grpc/sa/echo]
    /// ```
    ///
    /// ## How to fix
    /// Remove the fields, or rely on the server workloads' service accounts for
    /// identity checks and on AuthorizationPolicy for access control.
    pub static RULE = { code: "GRPC021", name: "istio-mutual-tls-settings-ignored", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            let Some(tls) = policy.tls else { continue };
            if tls.mode != Some(ClientTLSMode::IstioMutual) {
                continue;
            }
            let set = [
                ("sni", tls.sni.is_some()),
                ("subjectAltNames", !tls.subject_alt_names.is_empty()),
                ("credentialName", tls.credential_name.is_some()),
                ("caCertificates", tls.ca_certificates.is_some()),
                ("clientCertificate", tls.client_certificate.is_some()),
                ("privateKey", tls.private_key.is_some()),
                ("caCrl", tls.ca_crl.is_some()),
                ("insecureSkipVerify", tls.insecure_skip_verify.is_some()),
            ];
            for (field, present) in set {
                if !present {
                    continue;
                }
                findings
                    .report(
                        rule.object,
                        &policy.path.field("tls").field(field),
                        format!(
                            "tls.{field} is ignored for proxyless gRPC: istiod reads only tls.mode, so the ISTIO_MUTUAL cluster for {} checks the mesh identities of the host's workloads and nothing else; affects proxyless clients {}",
                            policy.scope,
                            context.workload_names(&rule.clients)
                        ),
                    )
                    .help = Some(format!("remove tls.{field}; proxyless clients verify the servers' mesh identities"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = concat!(
        "
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: ns}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata:
      labels: {app: client}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: app}]
---
",
        crate::echo_service_yaml!(),
        "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: ns}
spec:
  host: echo
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL, sni: echo.example.com, subjectAltNames: [spiffe://x]}
"
    );

    #[test]
    fn each_ignored_field_is_reported() {
        let found = run_rule("GRPC021", "t.yaml", BASE);
        let paths: Vec<&str> = found.iter().map(|f| f.3.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.trafficPolicy.tls.sni",
                "spec.trafficPolicy.tls.subjectAltNames"
            ]
        );
    }

    #[test]
    fn simple_mode_is_left_to_grpc020() {
        let simple = BASE.replace("ISTIO_MUTUAL", "SIMPLE");
        assert_eq!(run_rule("GRPC021", "t.yaml", &simple), vec![]);
    }
}
