use super::scope;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::ClientTLSMode;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A DestinationRule sends ISTIO_MUTUAL to proxyless gRPC servers that accept only plaintext.
    ///
    /// ## What it checks
    /// A DestinationRule whose `trafficPolicy.tls.mode` is `ISTIO_MUTUAL` for a
    /// host served by proxyless gRPC workloads that no STRICT
    /// PeerAuthentication selects (and that lack the
    /// `security.istio.io/tlsMode: istio` label).
    ///
    /// ## Why it matters
    /// A proxyless gRPC server has no PERMISSIVE mode: istiod gives it a
    /// plaintext listener unless PeerAuthentication says STRICT (Istio's
    /// proxyless gRPC blog, "no auto-mTLS or PERMISSIVE"). Clients that follow
    /// the DestinationRule start a TLS handshake the server does not answer, and
    /// every RPC fails with "all SubConns are in TransientFailure". mTLS must be
    /// explicit on both sides.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo-mtls, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     tls: {mode: ISTIO_MUTUAL}
    /// # ...and no PeerAuthentication with mtls.mode STRICT in echo-grpc
    /// ```
    ///
    /// ## How to fix
    /// Add a PeerAuthentication with `mtls.mode: STRICT` that selects the servers
    /// (in their namespace, or mesh-wide in the root namespace), or set the
    /// DestinationRule's `tls.mode` to `DISABLE`.
    pub static RULE = { code: "GRPC040", name: "istio-mutual-to-plaintext-server", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for object in &index.objects {
        let Spec::DestinationRule(rule) = &object.spec else {
            continue;
        };
        let Some(host) = &rule.host else { continue };
        let tls_mode = rule
            .traffic_policy
            .as_ref()
            .and_then(|p| p.tls.as_ref())
            .and_then(|t| t.mode);
        if tls_mode != Some(ClientTLSMode::IstioMutual) {
            continue;
        }
        let fqdn = index.config_host_fqdn(host, object.namespace_or("default"));
        // Each server with the first of its ports behind the host that
        // takes plaintext (the port-level mode counts, spec §2.4).
        let plaintext: Vec<_> = context
            .proxyless_servers(&fqdn)
            .into_iter()
            .filter_map(|server| {
                scope::server_ports(context, server, Some(&fqdn))
                    .into_iter()
                    .map(|port| context.server_mtls(server, port))
                    .find(|tls| !tls.mtls)
                    .map(|tls| (server, tls))
            })
            .collect();
        let Some((_, first)) = plaintext.first() else {
            continue;
        };
        let decided_by = match first.policy {
            Some(policy) => format!(
                "PeerAuthentication {}/{} sets {}",
                policy.namespace_or("default"),
                policy.meta.name,
                scope::mode_name(first.mode)
            ),
            None => "no STRICT PeerAuthentication selects them".to_string(),
        };
        let plaintext: Vec<_> = plaintext.iter().map(|(server, _)| *server).collect();
        let clients = context.proxyless_clients(object, &fqdn);
        let who = if clients.is_empty() {
            "every client that follows it".to_string()
        } else {
            format!("proxyless clients {}", context.workload_names(&clients))
        };
        findings
            .report(
                object,
                &FieldPath::root()
                    .field("spec")
                    .field("trafficPolicy")
                    .field("tls")
                    .field("mode"),
                format!(
                    "DestinationRule sends ISTIO_MUTUAL to {fqdn}, but its proxyless servers {} accept only plaintext ({decided_by}); every RPC from {who} fails (\"all SubConns are in TransientFailure\")",
                    context.workload_names(&plaintext)
                ),
            )
            .help = Some(
            "add a PeerAuthentication with mtls.mode STRICT selecting the servers, or set tls.mode DISABLE".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const SERVERS: &str = "
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo-v1, namespace: echo-grpc}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: echo}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo-mtls, namespace: echo-grpc}
spec:
  host: echo.echo-grpc.svc.cluster.local
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
";

    #[test]
    fn istio_mutual_without_strict_server_fails() {
        let found = run_rule("GRPC040", "t.yaml", SERVERS);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "DestinationRule echo-grpc/echo-mtls");
        assert_eq!(found[0].2, 27);
        assert_eq!(found[0].3, "spec.trafficPolicy.tls.mode");
        assert!(found[0].4.contains("proxyless servers echo-grpc/echo-v1 accept only plaintext (no STRICT PeerAuthentication selects them)"), "{}", found[0].4);
        assert!(found[0]
            .4
            .contains("every RPC from proxyless clients echo-grpc/echo-v1 fails"));
    }

    #[test]
    fn strict_peer_authentication_or_label_silences_it() {
        let strict = format!(
            "{SERVERS}---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: strict, namespace: istio-system}}\nspec: {{mtls: {{mode: STRICT}}}}\n"
        );
        assert_eq!(run_rule("GRPC040", "t.yaml", &strict), vec![]);
        let labelled = SERVERS.replace(
            "labels: {app: echo}",
            "labels: {app: echo, security.istio.io/tlsMode: istio}",
        );
        assert_eq!(run_rule("GRPC040", "t.yaml", &labelled), vec![]);
    }

    #[test]
    fn permissive_policy_is_named() {
        let permissive = format!(
            "{SERVERS}---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: open, namespace: echo-grpc}}\nspec: {{mtls: {{mode: PERMISSIVE}}}}\n"
        );
        let found = run_rule("GRPC040", "t.yaml", &permissive);
        assert!(
            found[0]
                .4
                .contains("(PeerAuthentication echo-grpc/open sets PERMISSIVE)"),
            "{}",
            found[0].4
        );
    }
}
