use crate::analyze::proxyless::among;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::Workload;
use crate::model::networking::ClientTLSMode;
use crate::model::Spec;
use crate::source::FieldPath;

use super::scope::{templates, GRPC_AGENT, GRPC_SIMPLE};

declare_rule! {
    /// A DestinationRule asks grpc-simple clients for ISTIO_MUTUAL, but their bootstrap has no certificates.
    ///
    /// ## What it checks
    /// A DestinationRule whose `trafficPolicy.tls.mode` is `ISTIO_MUTUAL` and
    /// that decides the TLS mode for proxyless gRPC clients injected with the
    /// `grpc-simple` template (and not `grpc-agent`).
    ///
    /// ## Why it matters
    /// grpc-simple's init container writes a bootstrap with plaintext xDS
    /// straight to istiod and no `certificate_providers` (spec section 6).
    /// For ISTIO_MUTUAL istiod puts an UpstreamTlsContext naming the
    /// certificate provider instance `default` in the Cluster; gRPC requires
    /// every instance name to exist in the bootstrap (gRFC A29), so it
    /// rejects (NACK) the Cluster and the client has no route to the service:
    /// its RPCs fail. Only `grpc-agent` gives the app Istio certificates.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     tls: {mode: ISTIO_MUTUAL}
    /// # clients: inject.istio.io/templates: grpc-simple
    /// ```
    ///
    /// ## How to fix
    /// Inject the clients with `grpc-agent` instead of `grpc-simple`, or do not
    /// require mTLS (`tls.mode: DISABLE`) for their destinations.
    pub static RULE = { code: "GRPC075", name: "grpc-simple-client-with-istio-mutual", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let simple: Vec<&Workload> = context
        .proxyless_workloads()
        .filter(|w| {
            let names = templates(w);
            names.contains(&GRPC_SIMPLE) && !names.contains(&GRPC_AGENT)
        })
        .collect();
    if simple.is_empty() {
        return;
    }
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
        let visible = context.proxyless_clients(object, &fqdn);
        let clients = context.clients_with_tls_from(among(&simple, &visible), &fqdn, object);
        if clients.is_empty() {
            continue;
        }
        findings
            .report(
                object,
                &FieldPath::root()
                    .field("spec")
                    .field("trafficPolicy")
                    .field("tls")
                    .field("mode"),
                format!(
                    "ISTIO_MUTUAL for {fqdn} is rejected (NACK) by grpc-simple clients {}: their bootstrap has no certificate_providers, so the Cluster's TLS context (instance \"default\") is refused and their RPCs to {fqdn} fail",
                    context.workload_names(&clients)
                ),
            )
            .help = Some("inject the clients with grpc-agent, or set tls.mode DISABLE for them".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "apiVersion: v1
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
      annotations: {inject.istio.io/templates: TEMPLATE}
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
";

    #[test]
    fn grpc_simple_only() {
        let found = run_rule(
            "GRPC075",
            "t.yaml",
            &BASE.replace("TEMPLATE", "grpc-simple"),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].4.contains("grpc-simple clients ns/client"));
        assert!(run_rule("GRPC075", "t.yaml", &BASE.replace("TEMPLATE", "grpc-agent")).is_empty());
    }

    #[test]
    fn a_closer_destination_rule_decides() {
        // A DestinationRule in the client's namespace overrides one in the
        // host's namespace: only the one that decides is reported.
        let yaml = BASE.replace("TEMPLATE", "grpc-simple").replace(
            "namespace: ns}\nspec:\n  selector: {matchLabels: {app: client}}",
            "namespace: apps}\nspec:\n  selector: {matchLabels: {app: client}}",
        ) + "---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: plain, namespace: apps}
spec:
  host: echo.ns.svc.cluster.local
  trafficPolicy:
    tls: {mode: DISABLE}
";
        assert!(
            run_rule("GRPC075", "t.yaml", &yaml).is_empty(),
            "{:?}",
            run_rule("GRPC075", "t.yaml", &yaml)
        );
    }
}
