use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::SimpleLB;
use crate::xds::cds::sent_lb_policy;
use envoy_types::pb::envoy::config::cluster::v3::cluster::LbPolicy;

use super::scope;

declare_rule! {
    /// Before Istio 1.29, istiod sends LEAST_REQUEST to proxyless gRPC as round robin; 1.29 sends it as written.
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients with
    /// `loadBalancer.simple: LEAST_REQUEST` (a mesh-wide one in the root
    /// namespace too), when the istiod release (`--istio`,
    /// `MESH_ISTIO_VERSION`) is 1.28 or older.
    ///
    /// ## Why it matters
    /// Up to 1.28 istiod's gRPC generator logs a warning and sends the
    /// cluster without an `lb_policy`: clients balance round robin, whatever
    /// the rule says. Istio 1.29 (istio/istio#58052, commit `b10251b3f61`)
    /// sends `lb_policy: LEAST_REQUEST`, which gRPC C-core (C++, Python, Ruby,
    /// PHP) rejects at every release, and grpc-go and grpc-java 1.72 or older
    /// reject unless `GRPC_EXPERIMENTAL_ENABLE_LEAST_REQUEST=true`: the
    /// upgrade turns a silent no-op into a NACK of the cluster (GRPC022).
    ///
    /// ## Example
    /// ```yaml
    /// # mesh analyze --istio 1.28
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
    /// Write `ROUND_ROBIN`, which is what the clients get, or, before
    /// upgrading istiod to 1.29, check the clients' runtimes with
    /// `mesh analyze --istio 1.29` (GRPC022).
    pub static RULE = { code: "GRPC080", name: "least-request-is-round-robin", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let release = context.index.istio_release;
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            let Some(lb) = policy.load_balancer else {
                continue;
            };
            // What the renderer puts in the cluster decides, for this release.
            if lb.simple != Some(SimpleLB::LeastRequest)
                || sent_lb_policy(Some(lb), release) != LbPolicy::RoundRobin
            {
                continue;
            }
            findings
                .report(
                    rule.object,
                    &policy.path.field("loadBalancer").field("simple"),
                    format!(
                        "istiod {release} sends the cluster for {} round robin, not LEAST_REQUEST; from Istio 1.29 it sends LEAST_REQUEST, which clients without least-request support refuse (GRPC022); affects proxyless clients {}",
                        policy.scope,
                        context.workload_names(&rule.clients)
                    ),
                )
                .help = Some(
                "write ROUND_ROBIN, and before upgrading istiod run mesh analyze --istio 1.29".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule_with;

    const CONFIG: &str = concat!(
        "
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: ns}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata:
      labels: {app: client}
      annotations: {inject.istio.io/templates: grpc-agent, mesh.dev/grpc-runtime: python@1.70}
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
    fn round_robin_until_1_29_then_a_nack() {
        let old = run_rule_with("GRPC080", "1.28", CONFIG);
        assert_eq!(old.len(), 1, "{old:?}");
        assert!(
            old[0].4.starts_with("istiod 1.28 sends the cluster for"),
            "{}",
            old[0].4
        );
        assert!(run_rule_with("GRPC022", "1.28", CONFIG).is_empty());
        assert!(run_rule_with("GRPC080", "1.29", CONFIG).is_empty());
        assert_eq!(run_rule_with("GRPC022", "1.29", CONFIG).len(), 1);
    }
}
