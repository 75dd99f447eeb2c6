use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;

use super::scope;

declare_rule! {
    /// A DestinationRule's http2MaxRequests circuit breaker reaches gRPC clients that ignore circuit breaking.
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients with
    /// `connectionPool.http.http2MaxRequests` above 0, when some of those
    /// clients run a gRPC without circuit breaking (gRFC A32): PHP in no
    /// release, C++, Python, Ruby and Java before 1.37.1, Go before 1.37, Node
    /// before 1.4.
    ///
    /// ## Why it matters
    /// From Istio 1.29 (istio/istio#58052, commit `b10251b3f61`) istiod turns
    /// `http2MaxRequests` into the cluster's `max_requests` circuit breaker;
    /// earlier releases send nothing (`--istio 1.28` leaves this rule
    /// silent). A client without A32 silently ignores it: nothing caps
    /// its concurrent RPCs to the host, so the protection the rule promises is
    /// not there for those clients.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     connectionPool:
    ///       http: {http2MaxRequests: 100}
    /// ```
    ///
    /// ## How to fix
    /// Upgrade the clients, or limit concurrency in the client application
    /// (PHP has no xDS circuit breaking); state the runtime with `--grpc` or
    /// the `mesh.dev/grpc-runtime` annotation.
    pub static RULE = { code: "GRPC028", name: "circuit-breaking-unsupported-runtime", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            // The model judges the clusters istiod builds: max_requests
            // reaches them only from 1.29 (`--istio`).
            let Some(said) = context.cluster_model_says(
                rule.object,
                &policy.path,
                &rule.host,
                &rule.clients,
                "GRPC028",
            ) else {
                continue;
            };
            let Some(impact) = context.feature_gaps(&said.clients, Feature::CircuitBreaking) else {
                continue;
            };
            findings
                .report(
                    rule.object,
                    &policy
                        .path
                        .field("connectionPool")
                        .field("http")
                        .field("http2MaxRequests"),
                    format!(
                        "http2MaxRequests (the max_requests circuit breaker, gRFC A32) is {}: nothing caps those clients' concurrent RPCs to {}; {}",
                        impact.runtimes(),
                        policy.scope,
                        impact.affects(context, "clients")
                    ),
                )
                .help = Some(
                "upgrade the clients or cap concurrency in the application; state the runtime with --grpc or mesh.dev/grpc-runtime".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    #[test]
    fn php_never_and_go_from_1_37() {
        let base = concat!(
        "
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ns, annotations: {inject.istio.io/templates: grpc-agent, mesh.dev/grpc-runtime: RUNTIME}}
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
    connectionPool: {http: {http2MaxRequests: 10}}
"
    );
        for (runtime, fires) in [
            ("php", true),
            ("go@1.37", false),
            ("go@1.36", true),
            ("cpp", false),
        ] {
            let found = run_rule("GRPC028", "t.yaml", &base.replace("RUNTIME", runtime));
            assert_eq!(found.len(), usize::from(fires), "{runtime}");
        }
    }
}
