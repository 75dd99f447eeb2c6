use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;

use super::scope;

declare_rule! {
    /// A consistentHash DestinationRule reaches gRPC clients without ring hash support, which reject (NACK) the cluster.
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients with
    /// `loadBalancer.consistentHash` (other than `maglev`, GRPC024), when some
    /// of those clients run a gRPC without ring hash load balancing (gRFC
    /// A42): C++ and Python before 1.40, Java before 1.40.1, Go before 1.41,
    /// Node before 1.10, and Ruby and PHP in no release.
    ///
    /// With the default `--grpc any`, Ruby and PHP count: they are gRPC xDS
    /// runtimes that never got ring hash, so a consistentHash rule is flagged
    /// unless you say which runtime your clients use (`--grpc go`, or the
    /// `mesh.dev/grpc-runtime` annotation on the client workloads). A NACKed
    /// cluster is an outage for those clients; staying quiet about it would be
    /// the costlier mistake.
    ///
    /// ## Why it matters
    /// istiod sends `lb_policy: RING_HASH` for every consistentHash except
    /// Maglev. An unsupported cluster LB policy is a NACK: the client refuses
    /// the cluster and keeps its last good copy, or, for a new cluster, has
    /// none and its RPCs fail UNAVAILABLE.
    ///
    /// ## Example
    /// ```yaml
    /// # mesh analyze --grpc go@1.40
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     loadBalancer:
    ///       consistentHash: {httpHeaderName: x-user}
    /// ```
    ///
    /// ## How to fix
    /// Upgrade the clients (C++/Python 1.40, Java 1.40.1, Go 1.41, Node 1.10),
    /// or use ROUND_ROBIN for hosts that Ruby or PHP clients call; state the
    /// runtime with `--grpc` or the `mesh.dev/grpc-runtime` annotation.
    pub static RULE = { code: "GRPC026", name: "ring-hash-unsupported-runtime", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            let Some(said) = context.cluster_model_says(
                rule.object,
                &policy.path,
                &rule.host,
                &rule.clients,
                "GRPC026",
            ) else {
                continue;
            };
            let Some(impact) = context.feature_gaps(&said.clients, Feature::RingHash) else {
                continue;
            };
            findings
                .report(
                    rule.object,
                    &policy.path.field("loadBalancer").field("consistentHash"),
                    format!(
                        "consistentHash (RING_HASH, gRFC A42) is {}: the cluster for {} is refused, leaving those clients on their last good config or, for a new cluster, failing RPCs UNAVAILABLE; {}",
                        impact.runtimes(),
                        policy.scope,
                        impact.affects(context, "clients")
                    ),
                )
                .help = Some(
                "upgrade the clients (C++/Python 1.40, Java 1.40.1, Go 1.41, Node 1.10) and state their runtime with --grpc or mesh.dev/grpc-runtime, or use ROUND_ROBIN".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = concat!(
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
    loadBalancer: {consistentHash: {httpHeaderName: x-user}}
"
    );

    #[test]
    fn version_gate_per_runtime() {
        for (runtime, fires) in [
            ("go@1.41", false),
            ("go@1.40", true),
            ("java@1.40.1", false),
            ("java@1.40", true),
            ("node@1.10", false),
            ("ruby@1.70", true),
            ("php", true),
            ("any", false),
            ("go", false),
        ] {
            let found = run_rule("GRPC026", "t.yaml", &BASE.replace("RUNTIME", runtime));
            assert_eq!(found.len(), usize::from(fires), "{runtime}: {found:?}");
        }
        let ruby = run_rule("GRPC026", "t.yaml", &BASE.replace("RUNTIME", "ruby@1.70"));
        assert!(
            ruby[0].4.contains("rejected (NACK) by gRPC Ruby 1.70"),
            "{}",
            ruby[0].4
        );
    }
}
