use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::ClientTLSMode;

use super::scope;

declare_rule! {
    /// A DestinationRule asks proxyless gRPC clients for SIMPLE or MUTUAL TLS, which they never get: they send plaintext.
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients whose `tls.mode` is
    /// `SIMPLE` or `MUTUAL`, at the top level, in a subset or in a
    /// `portLevelSettings` entry.
    ///
    /// ## Why it matters
    /// istiod's gRPC generator implements only `ISTIO_MUTUAL` ("TODO support
    /// this" for SIMPLE and MUTUAL): the cluster gets no transport socket, and
    /// `sni`, `subjectAltNames`, `credentialName` and the certificate files are
    /// never read. Istio's proxyless gRPC blog: "other modes will be treated as
    /// DISABLE". The clients send plaintext to a server that expects TLS, so
    /// the handshake fails and every RPC fails, or, worse, the traffic the
    /// rule meant to encrypt goes out in the clear.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: payments, namespace: shop}
    /// spec:
    ///   host: payments.shop.svc.cluster.local
    ///   trafficPolicy:
    ///     tls: {mode: SIMPLE, sni: payments.example.com}
    /// ```
    ///
    /// ## How to fix
    /// Use `ISTIO_MUTUAL` towards mesh workloads; for TLS to anything else,
    /// let the application open the channel with its own TLS credentials
    /// instead of `xds:///`, or route through a sidecar or egress gateway.
    pub static RULE = { code: "GRPC020", name: "tls-simple-or-mutual-sends-plaintext", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            let Some(tls) = policy.tls else { continue };
            let mode = match tls.mode {
                Some(ClientTLSMode::Simple) => "SIMPLE",
                Some(ClientTLSMode::Mutual) => "MUTUAL",
                _ => continue,
            };
            let unread: Vec<&str> = [
                ("sni", tls.sni.is_some()),
                ("subjectAltNames", !tls.subject_alt_names.is_empty()),
                ("credentialName", tls.credential_name.is_some()),
                ("caCertificates", tls.ca_certificates.is_some()),
                ("clientCertificate", tls.client_certificate.is_some()),
                ("privateKey", tls.private_key.is_some()),
            ]
            .into_iter()
            .filter_map(|(name, set)| set.then_some(name))
            .collect();
            let unread = if unread.is_empty() {
                String::new()
            } else {
                format!(" ({} never read)", unread.join(", "))
            };
            findings
                .report(
                    rule.object,
                    &policy.path.field("tls").field("mode"),
                    format!(
                        "tls.mode {mode} is not implemented for proxyless gRPC: istiod sends the cluster for {} without TLS{unread}, so proxyless clients {} send plaintext (RPCs fail against a TLS server, or go out unencrypted)",
                        policy.scope,
                        context.workload_names(&rule.clients)
                    ),
                )
                .help = Some(
                "use ISTIO_MUTUAL for mesh servers; for other TLS servers dial them with the application's own TLS credentials instead of xds:///".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ns}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070}]
---
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
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: ns}
spec:
  host: echo
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings:
    - port: {number: 7070}
      tls: {mode: MUTUAL}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      tls: {mode: SIMPLE}
";

    #[test]
    fn unread_tls_fields_are_named() {
        let with_sni = BASE.replace(
            "tls: {mode: SIMPLE}",
            "tls: {mode: SIMPLE, sni: a.example.com, credentialName: cert}",
        );
        let found = run_rule("GRPC020", "t.yaml", &with_sni);
        assert!(
            found[1]
                .4
                .contains("without TLS (sni, credentialName never read)"),
            "{}",
            found[1].4
        );
    }

    #[test]
    fn reports_port_level_and_subset_modes() {
        let found = run_rule("GRPC020", "t.yaml", BASE);
        let paths: Vec<&str> = found.iter().map(|f| f.3.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.trafficPolicy.portLevelSettings[0].tls.mode",
                "spec.subsets[0].trafficPolicy.tls.mode"
            ]
        );
        assert!(found[0]
            .4
            .contains("port 7070 of echo.ns.svc.cluster.local"));
        assert!(found[1]
            .4
            .contains("subset v1 of echo.ns.svc.cluster.local"));
        assert!(found[1]
            .4
            .contains("proxyless clients ns/client send plaintext"));
    }

    #[test]
    fn workload_selector_that_selects_no_proxyless_client_is_silent() {
        let selected = BASE.replace(
            "  host: echo\n",
            "  host: echo\n  workloadSelector: {matchLabels: {app: other}}\n",
        );
        assert_eq!(run_rule("GRPC020", "t.yaml", &selected), vec![]);
    }
}
