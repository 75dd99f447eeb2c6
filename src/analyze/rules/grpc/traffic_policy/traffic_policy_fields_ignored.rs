use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope;

declare_rule! {
    /// A DestinationRule sets warmup, tunnel, proxyProtocol or retryBudget, which proxyless gRPC clients never receive.
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients that sets
    /// `loadBalancer.warmup`, `loadBalancer.warmupDurationSecs`, `tunnel`,
    /// `proxyProtocol` or `retryBudget` in a traffic policy. (TLS modes other
    /// than ISTIO_MUTUAL and DISABLE, including in `portLevelSettings`, are
    /// GRPC020.)
    ///
    /// ## Why it matters
    /// istiod's gRPC generator copies only the load-balancing algorithm,
    /// `http2MaxRequests` and the ISTIO_MUTUAL transport socket into the
    /// cluster. Slow start, HTTP CONNECT tunnelling (no tunnel support for
    /// proxyless clients), the PROXY protocol header and retry budgets are
    /// silently ignored.
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
    ///       simple: ROUND_ROBIN
    ///       warmup: {duration: 60s}
    /// ```
    ///
    /// ## How to fix
    /// Remove the fields for hosts that proxyless clients call, or accept that
    /// only Envoy sidecars apply them.
    pub static RULE = { code: "GRPC030", name: "traffic-policy-fields-ignored", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            let lb = policy.load_balancer;
            let whole = policy.whole;
            let fields = [
                (
                    "loadBalancer.warmup",
                    lb.is_some_and(|lb| lb.warmup.is_some()),
                ),
                (
                    "loadBalancer.warmupDurationSecs",
                    lb.is_some_and(|lb| lb.warmup_duration_secs.is_some()),
                ),
                ("tunnel", whole.is_some_and(|p| p.tunnel.is_some())),
                (
                    "proxyProtocol",
                    whole.is_some_and(|p| p.proxy_protocol.is_some()),
                ),
                (
                    "retryBudget",
                    whole.is_some_and(|p| p.retry_budget.is_some()),
                ),
            ];
            for (field, set) in fields {
                if !set {
                    continue;
                }
                let mut path = policy.path.clone();
                for part in field.split('.') {
                    path = path.field(part);
                }
                findings
                    .report(
                        rule.object,
                        &path,
                        format!(
                            "{field} is ignored for proxyless gRPC: istiod does not send it in the cluster for {}; affects proxyless clients {}",
                            policy.scope,
                            context.workload_names(&rule.clients)
                        ),
                    )
                    .help = Some(format!("remove {field}; only Envoy sidecars apply it"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    #[test]
    fn each_field_at_its_path() {
        let yaml = concat!(
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
    loadBalancer: {simple: ROUND_ROBIN, warmup: {duration: 10s}}
    tunnel: {targetHost: x, targetPort: 80}
"
        );
        let found = run_rule("GRPC030", "t.yaml", yaml);
        let paths: Vec<&str> = found.iter().map(|f| f.3.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.trafficPolicy.loadBalancer.warmup",
                "spec.trafficPolicy.tunnel"
            ]
        );
    }
}
