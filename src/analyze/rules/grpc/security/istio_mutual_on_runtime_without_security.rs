use crate::analyze::proxyless::among;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;
use crate::index::Workload;
use crate::model::networking::ClientTLSMode;
use crate::model::Spec;
use crate::source::FieldPath;

use super::scope::{gaps_text, known_runtime_gaps, listening_ports, port_tls};

declare_rule! {
    /// A DestinationRule ISTIO_MUTUAL reaches proxyless gRPC clients whose runtime has no xDS security, so they send plaintext.
    ///
    /// ## What it checks
    /// A DestinationRule with `trafficPolicy.tls.mode: ISTIO_MUTUAL` that
    /// decides the TLS of proxyless gRPC clients whose runtime (from `--grpc`
    /// or the `mesh.dev/grpc-runtime` annotation) lacks xDS security (gRFC
    /// A29): gRPC Node, Ruby and PHP, and C++, Python, Java and Go before
    /// 1.41; when the host's proxyless servers all serve plaintext (GRPC040
    /// reports that) it stays silent. With `--grpc any` the rule stays
    /// silent too: it assumes a current C++, Java or Go release.
    ///
    /// ## Why it matters
    /// A client without A29 ignores the Cluster's `transport_socket` and dials
    /// in plaintext (spec §7, §8: "Node clients ignore transport_socket").
    /// Servers that require mTLS (STRICT) refuse the connection and every
    /// RPC fails with "all SubConns are in TransientFailure".
    ///
    /// ## Example
    /// ```yaml
    /// # client pod template annotated mesh.dev/grpc-runtime: node@1.12
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo-mtls, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
    /// ```
    ///
    /// ## How to fix
    /// Upgrade the clients to a gRPC release with xDS security (C++, Python,
    /// Java, Go 1.41 or later), or serve them from plaintext (DISABLE) servers.
    pub static RULE = { code: "GRPC055", name: "istio-mutual-on-runtime-without-security", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    // Only clients with a named runtime that lacks security can be reported.
    let proxyless: Vec<&Workload> = context.proxyless_workloads().collect();
    let Some((lacking, _)) = known_runtime_gaps(context, &proxyless, Feature::Security) else {
        return;
    };
    for object in &index.objects {
        let Spec::DestinationRule(rule) = &object.spec else {
            continue;
        };
        let Some(host) = &rule.host else { continue };
        let mode = rule
            .traffic_policy
            .as_ref()
            .and_then(|p| p.tls.as_ref())
            .and_then(|t| t.mode);
        if mode != Some(ClientTLSMode::IstioMutual) {
            continue;
        }
        let fqdn = index.config_host_fqdn(host, object.namespace_or("default"));
        // Plaintext proxyless servers would accept these clients (GRPC040
        // reports the others); servers that are not proxyless, or proxyless
        // ones requiring mTLS, refuse them.
        let servers = context.proxyless_servers(&fqdn);
        let refused = servers.is_empty()
            || servers.iter().any(|&server| {
                listening_ports(context, server)
                    .iter()
                    .any(|(port, _, _)| port_tls(context, server, *port).mtls)
            });
        if !refused {
            continue;
        }
        let visible = context.proxyless_clients(object, &fqdn);
        let clients = context.clients_with_tls_from(among(&lacking, &visible), &fqdn, object);
        // The model judges the clusters these clients receive, with the TLS
        // context this rule's tls setting put there.
        let Some(said) = context.cluster_model_says(
            object,
            &FieldPath::root().field("spec").field("trafficPolicy"),
            &fqdn,
            &clients.into(),
            "GRPC055",
        ) else {
            continue;
        };
        let Some((affected, gaps)) = known_runtime_gaps(context, &said.clients, Feature::Security)
        else {
            continue;
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
                    "ISTIO_MUTUAL is {} (no xDS security, gRFC A29): proxyless clients {} send plaintext to {fqdn}, and servers that require mTLS refuse every RPC (\"all SubConns are in TransientFailure\")",
                    gaps_text(Feature::Security, &gaps),
                    context.workload_names(&affected)
                ),
            )
            .help = Some(
            "upgrade the clients to gRPC 1.41+ in C++, Python, Java or Go, or serve them in plaintext".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      annotations: {inject.istio.io/templates: grpc-agent, mesh.dev/grpc-runtime: node@1.12}
    spec:
      containers: [{name: app, image: echo}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo-mtls, namespace: echo-grpc}
spec:
  host: echo.echo-grpc.svc.cluster.local
  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
";

    #[test]
    fn only_when_some_server_requires_mtls() {
        assert_eq!(run_rule("GRPC055", "t.yaml", BASE), vec![]);
        let strict = format!(
            "{BASE}---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: s, namespace: echo-grpc}}\nspec: {{mtls: {{mode: STRICT}}}}\n"
        );
        let found = run_rule("GRPC055", "t.yaml", &strict);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].4.contains("ignored by gRPC Node 1.12"),
            "{}",
            found[0].4
        );
    }
}
