use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;

use super::scope;

declare_rule! {
    /// A DestinationRule sets LEAST_REQUEST, which gRPC C-core and Node reject (NACK).
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients with
    /// `loadBalancer.simple: LEAST_REQUEST`, when some of those clients run a
    /// gRPC that lacks least-request load balancing (gRFC A48): C++, Python,
    /// Ruby and PHP (C-core) never, Node never, Go and Java before 1.73 (where
    /// it needs `GRPC_EXPERIMENTAL_ENABLE_LEAST_REQUEST=true`).
    ///
    /// ## Why it matters
    /// From Istio 1.29 (istio/istio#58052, commit `b10251b3f61`) istiod sends
    /// `lb_policy: LEAST_REQUEST` in the cluster; earlier releases send round
    /// robin instead (GRPC080), so `--istio 1.28` and older leave this rule
    /// silent. An unsupported
    /// cluster LB policy is a NACK: C-core answers "LB policy is not
    /// supported". The client refuses the cluster and keeps its last good
    /// copy, or, for a new cluster, has none and its RPCs fail UNAVAILABLE.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     loadBalancer: {simple: LEAST_REQUEST}
    /// ```
    ///
    /// ## How to fix
    /// Use `ROUND_ROBIN` (or remove `loadBalancer`) for hosts that C-core or Node
    /// clients call, or move those clients to grpc-go or grpc-java 1.73 or later
    /// and say so with `--grpc` or the `mesh.dev/grpc-runtime` annotation.
    pub static RULE = { code: "GRPC022", name: "least-request-lb-rejected", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            // The model judges the clusters istiod builds: LEAST_REQUEST
            // reaches them only from 1.29 (`--istio`).
            let Some(said) = context.cluster_model_says(
                rule.object,
                &policy.path,
                &rule.host,
                &rule.clients,
                "GRPC022",
            ) else {
                continue;
            };
            let Some(impact) = context.feature_gaps(&said.clients, Feature::LeastRequest) else {
                continue;
            };
            findings
                .report(
                    rule.object,
                    &policy.path.field("loadBalancer").field("simple"),
                    format!(
                        "LEAST_REQUEST (gRFC A48) is {}: the cluster for {} is refused, leaving those clients on their last good config or, for a new cluster, failing RPCs UNAVAILABLE; {}",
                        impact.runtimes(),
                        policy.scope,
                        impact.affects(context, "clients")
                    ),
                )
                .help = Some(
                "use ROUND_ROBIN, or run grpc-go / grpc-java 1.73 or later on every client (--grpc go@1.73)".into(),
            );
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
      annotations: {inject.istio.io/templates: grpc-agent, mesh.dev/grpc-runtime: RUNTIME}
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
    loadBalancer: {simple: LEAST_REQUEST}
"
    );

    #[test]
    fn go_from_1_73_accepts_it() {
        let go_new = BASE.replace("RUNTIME", "go@1.73");
        assert_eq!(run_rule("GRPC022", "t.yaml", &go_new), vec![]);
        let go_old = BASE.replace("RUNTIME", "go@1.70");
        let found = run_rule("GRPC022", "t.yaml", &go_old);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].4.starts_with(
                "LEAST_REQUEST (gRFC A48) is rejected (NACK) by gRPC Go 1.70 (added in 1.73):"
            ),
            "{}",
            found[0].4
        );
    }

    #[test]
    fn cpp_never_accepts_it() {
        let cpp = BASE.replace("RUNTIME", "cpp@1.80");
        let found = run_rule("GRPC022", "t.yaml", &cpp);
        assert!(found[0].4.contains("gRPC C++ 1.80"), "{}", found[0].4);
        assert!(found[0].4.ends_with("affects proxyless clients ns/client"));
    }
}
