use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope;

use crate::xds::client::acceptance::MAX_RING_SIZE;

declare_rule! {
    /// A ring hash DestinationRule asks for a ring larger than gRPC accepts (8M), which gRPC rejects (NACK).
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients whose
    /// `consistentHash.ringHash.minimumRingSize` (or the deprecated
    /// `consistentHash.minimumRingSize`) is above 8388608.
    ///
    /// ## Why it matters
    /// istiod copies the size into `ring_hash_lb_config.minimum_ring_size`.
    /// gRFC A42 caps ring sizes at 8M and a larger value makes the cluster
    /// invalid: every gRPC runtime NACKs it and keeps its last good copy, or,
    /// for a new cluster, fails RPCs UNAVAILABLE.
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
    ///         ringHash: {minimumRingSize: 10000000}
    /// ```
    ///
    /// ## How to fix
    /// Keep `minimumRingSize` at or below 8388608; the default 1024 is enough
    /// for most services.
    pub static RULE = { code: "GRPC039", name: "ring-size-too-large", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            let Some(said) = context.cluster_model_says(
                rule.object,
                &policy.path,
                &rule.host,
                &rule.clients,
                "GRPC039",
            ) else {
                continue;
            };
            // Back from the cluster's minimum_ring_size to the field it came from.
            let Some(hash) = policy
                .load_balancer
                .and_then(|lb| lb.consistent_hash.as_ref())
            else {
                continue;
            };
            let hash_path = policy.path.field("loadBalancer").field("consistentHash");
            let (size, path) = match (
                hash.ring_hash.as_ref().and_then(|r| r.minimum_ring_size),
                hash.minimum_ring_size,
            ) {
                (Some(size), _) => (size, hash_path.field("ringHash").field("minimumRingSize")),
                (None, Some(size)) => (size, hash_path.field("minimumRingSize")),
                (None, None) => continue,
            };
            findings
                .report(
                    rule.object,
                    &path,
                    format!(
                        "minimumRingSize {size} is above gRPC's limit of {MAX_RING_SIZE} (gRFC A42): every gRPC runtime rejects (NACK) the cluster for {}, leaving proxyless clients {} on their last good config or, for a new cluster, failing RPCs UNAVAILABLE",
                        policy.scope,
                        context.workload_names(&said.clients)
                    ),
                )
                .help = Some(format!("set minimumRingSize to {MAX_RING_SIZE} or less"));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    #[test]
    fn limit_is_inclusive_and_legacy_field_counts() {
        let base = concat!(
            "
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ns, annotations: {inject.istio.io/templates: grpc-agent}}
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
    loadBalancer: {consistentHash: {httpHeaderName: x, HASH}}
"
        );
        let at_limit = base.replace("HASH", "ringHash: {minimumRingSize: 8388608}");
        assert_eq!(run_rule("GRPC039", "t.yaml", &at_limit), vec![]);
        let legacy = base.replace("HASH", "minimumRingSize: 8388609");
        let found = run_rule("GRPC039", "t.yaml", &legacy);
        assert_eq!(
            found[0].3,
            "spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize"
        );
    }
}
