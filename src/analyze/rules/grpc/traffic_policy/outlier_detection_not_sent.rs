use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope;

declare_rule! {
    /// A DestinationRule's outlierDetection is never sent to proxyless gRPC clients, yet switches on locality failover for them.
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients with
    /// `outlierDetection`, at the top level, in a subset or in a
    /// `portLevelSettings` entry.
    ///
    /// ## Why it matters
    /// istiod's gRPC generator emits no outlier detection in the cluster,
    /// although gRPC supports success-rate and failure-percentage ejection
    /// (gRFC A50): no endpoint is ever ejected. It still has a side effect:
    /// with outlier detection set, istiod turns on locality failover in the
    /// endpoints (EDS priorities by locality, with the default mesh
    /// `localityLbSetting`), so proxyless clients start sending all RPCs to
    /// their own zone and fail over only when connections fail, not on errors.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     outlierDetection: {consecutive5xxErrors: 5, interval: 10s}
    /// ```
    ///
    /// ## How to fix
    /// Do not count on ejection for proxyless clients; handle failing
    /// endpoints with retries and health checks. Keep `outlierDetection` only
    /// if locality failover is what you want.
    pub static RULE = { code: "GRPC029", name: "outlier-detection-not-sent", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            if policy.outlier_detection.is_none() {
                continue;
            }
            findings
                .report(
                    rule.object,
                    &policy.path.field("outlierDetection"),
                    format!(
                        "outlierDetection is never sent to proxyless gRPC clients {}: no endpoint of {} is ejected; it only turns on locality failover priorities, so those clients prefer their own locality and fail over on connection failures alone",
                        context.workload_names(&rule.clients),
                        policy.scope
                    ),
                )
                .help = Some(
                "rely on retries and health checks for proxyless clients; keep outlierDetection only for locality failover".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    #[test]
    fn port_level_outlier_detection_is_found() {
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
    portLevelSettings:
    - port: {number: 7070}
      outlierDetection: {interval: 10s}
"
        );
        let found = run_rule("GRPC029", "t.yaml", yaml);
        assert_eq!(
            found[0].3,
            "spec.trafficPolicy.portLevelSettings[0].outlierDetection"
        );
        assert!(found[0]
            .4
            .contains("port 7070 of echo.ns.svc.cluster.local"));
    }
}
