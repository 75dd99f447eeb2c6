use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;

use super::scope;

declare_rule! {
    /// A DestinationRule asks for Maglev consistent hashing, which every gRPC runtime rejects (NACK).
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients with
    /// `loadBalancer.consistentHash.maglev`.
    ///
    /// ## Why it matters
    /// istiod sends `lb_policy: MAGLEV`. No gRPC LB policy registry has Maglev,
    /// and an unsupported cluster LB policy is a NACK in every language: the
    /// clients refuse the cluster and stay on their last good copy, or, for a
    /// new cluster, have none and fail RPCs UNAVAILABLE.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     loadBalancer:
    ///       consistentHash:
    ///         httpHeaderName: x-user
    ///         maglev: {tableSize: 65537}
    /// ```
    ///
    /// ## How to fix
    /// Replace `maglev` with `ringHash` (gRPC's ring hash, gRFC A42), keeping
    /// an `httpHeaderName` key.
    pub static RULE = { code: "GRPC024", name: "maglev-lb-rejected", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            let Some(said) = context.cluster_model_says(
                rule.object,
                &policy.path,
                &rule.host,
                &rule.clients,
                "GRPC024",
            ) else {
                continue;
            };
            let Some(impact) = context.feature_gaps(&said.clients, Feature::Maglev) else {
                continue;
            };
            findings
                .report(
                    rule.object,
                    &policy
                        .path
                        .field("loadBalancer")
                        .field("consistentHash")
                        .field("maglev"),
                    format!(
                        "maglev is {}: the MAGLEV cluster for {} is refused, leaving the clients on their last good config or, for a new cluster, failing RPCs UNAVAILABLE; {}",
                        impact.runtimes(),
                        policy.scope,
                        impact.affects(context, "clients")
                    ),
                )
                .help = Some("use consistentHash.ringHash with an httpHeaderName key".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    #[test]
    fn maglev_is_rejected_even_by_the_newest_go() {
        let yaml = concat!(
        "
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ns, annotations: {inject.istio.io/templates: grpc-agent, mesh.dev/grpc-runtime: go@1.80}}
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
    loadBalancer: {consistentHash: {httpHeaderName: x-user, maglev: {tableSize: 65537}}}
"
    );
        let found = run_rule("GRPC024", "t.yaml", yaml);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0]
            .4
            .starts_with("maglev is rejected (NACK) by gRPC Go"));
    }
}
