use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::SimpleLB;
use crate::xds::cds::sent_lb_policy;
use envoy_types::pb::envoy::config::cluster::v3::cluster::LbPolicy;

use super::scope;

declare_rule! {
    /// A DestinationRule sets RANDOM, PASSTHROUGH or LEAST_CONN, which proxyless gRPC clients get as ROUND_ROBIN.
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients with
    /// `loadBalancer.simple` set to `RANDOM`, `PASSTHROUGH` or `LEAST_CONN`.
    ///
    /// ## Why it matters
    /// istiod's gRPC generator knows only ROUND_ROBIN, LEAST_REQUEST and
    /// consistent hashing; for anything else it logs "cannot apply LbPolicy"
    /// and sends the cluster with the default, ROUND_ROBIN. The setting is
    /// silently ignored. Note that `LEAST_CONN`, the deprecated alias of
    /// `LEAST_REQUEST` that Envoy sidecars honour, is *not* mapped to
    /// LEAST_REQUEST for proxyless clients.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     loadBalancer: {simple: RANDOM}
    /// ```
    ///
    /// ## How to fix
    /// Use `ROUND_ROBIN` (or remove `loadBalancer`) so the config says what
    /// proxyless clients do; for least-request balancing see GRPC022.
    pub static RULE = { code: "GRPC023", name: "simple-lb-falls-back-to-round-robin", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            let Some(lb) = policy.load_balancer else {
                continue;
            };
            let (name, note) = match lb.simple {
                Some(SimpleLB::Random) => ("RANDOM", ""),
                Some(SimpleLB::Passthrough) => ("PASSTHROUGH", ""),
                Some(SimpleLB::LeastConn) => (
                    "LEAST_CONN",
                    " (unlike for Envoy, LEAST_CONN is not mapped to LEAST_REQUEST)",
                ),
                _ => continue,
            };
            // What the renderer puts in the cluster decides (a consistent
            // hash beside `simple` wins).
            if sent_lb_policy(Some(lb), context.index.istio_release) != LbPolicy::RoundRobin {
                continue;
            }
            findings
                .report(
                    rule.object,
                    &policy.path.field("loadBalancer").field("simple"),
                    format!(
                        "{name} is ignored for proxyless gRPC{note}: istiod sends the cluster for {} with ROUND_ROBIN; affects proxyless clients {}",
                        policy.scope,
                        context.workload_names(&rule.clients)
                    ),
                )
                .help = Some("use ROUND_ROBIN, which is what proxyless clients get".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    #[test]
    fn least_conn_is_not_least_request() {
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
    loadBalancer: {simple: LEAST_CONN}
  subsets:
  - name: v1
    trafficPolicy:
      loadBalancer: {simple: ROUND_ROBIN}
"
        );
        let found = run_rule("GRPC023", "t.yaml", yaml);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].4.contains("not mapped to LEAST_REQUEST"));
        assert_eq!(found[0].3, "spec.trafficPolicy.loadBalancer.simple");
    }
}
