use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::{ClientTLSMode, TrafficPolicy};
use crate::source::FieldPath;

use super::scope;

declare_rule! {
    /// A portLevelSettings entry omits settings of its traffic policy: for that port they are dropped, not inherited.
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients where a
    /// `portLevelSettings` entry leaves out `tls`, `loadBalancer`,
    /// `connectionPool` or `outlierDetection` that the enclosing traffic
    /// policy (top level or subset) sets.
    ///
    /// ## Why it matters
    /// istiod picks the matching port-level entry *instead of* the enclosing
    /// policy (`GetPortLevelTrafficPolicy`): the entry's four fields replace
    /// the policy, they are not merged into it. A top-level `tls:
    /// ISTIO_MUTUAL` with a port-level entry that only sets `connectionPool`
    /// therefore sends plaintext to that port, and its RPCs fail against a
    /// STRICT server.
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
    ///     portLevelSettings:
    ///     - port: {number: 7070}
    ///       connectionPool: {http: {http2MaxRequests: 100}}
    /// ```
    ///
    /// ## How to fix
    /// Repeat the settings the port needs (`tls`, `loadBalancer`...) inside the
    /// `portLevelSettings` entry.
    pub static RULE = { code: "GRPC031", name: "port-level-settings-replace-policy", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        let spec_path = FieldPath::root().field("spec");
        let mut policies: Vec<(FieldPath, &TrafficPolicy)> = Vec::new();
        if let Some(policy) = rule.spec.traffic_policy.as_deref() {
            policies.push((spec_path.field("trafficPolicy"), policy));
        }
        for (i, subset) in rule.spec.subsets.iter().enumerate() {
            if let Some(policy) = subset.traffic_policy.as_deref() {
                policies.push((
                    spec_path.field("subsets").index(i).field("trafficPolicy"),
                    policy,
                ));
            }
        }
        for (path, policy) in policies {
            for (i, entry) in policy.port_level_settings.iter().enumerate() {
                let mut dropped = Vec::new();
                if policy.tls.is_some() && entry.tls.is_none() {
                    let plaintext = policy
                        .tls
                        .as_ref()
                        .and_then(|t| t.mode)
                        .is_some_and(|m| m == ClientTLSMode::IstioMutual);
                    dropped.push(if plaintext {
                        "tls (ISTIO_MUTUAL becomes plaintext)"
                    } else {
                        "tls"
                    });
                }
                if policy.load_balancer.is_some() && entry.load_balancer.is_none() {
                    dropped.push("loadBalancer");
                }
                if policy.connection_pool.is_some() && entry.connection_pool.is_none() {
                    dropped.push("connectionPool");
                }
                if policy.outlier_detection.is_some() && entry.outlier_detection.is_none() {
                    dropped.push("outlierDetection");
                }
                if dropped.is_empty() {
                    continue;
                }
                let port = entry
                    .port
                    .as_ref()
                    .and_then(|p| p.number)
                    .map_or_else(|| "?".to_string(), |n| n.to_string());
                findings
                    .report(
                        rule.object,
                        &path.field("portLevelSettings").index(i),
                        format!(
                            "portLevelSettings for port {port} replaces its traffic policy instead of merging with it: proxyless clients {} lose {} on port {port} of {}",
                            context.workload_names(&rule.clients),
                            and_list(&dropped),
                            rule.host
                        ),
                    )
                    .help = Some(format!(
                    "repeat {} in the portLevelSettings entry",
                    dropped
                        .iter()
                        .map(|d| d.split(' ').next().unwrap_or(d))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = concat!(
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
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings:
    - port: {number: 7070}
      ENTRY
"
    );

    #[test]
    fn omitted_tls_is_plaintext_on_the_port() {
        let found = run_rule(
            "GRPC031",
            "t.yaml",
            &BASE.replace("ENTRY", "connectionPool: {http: {http2MaxRequests: 10}}"),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].3, "spec.trafficPolicy.portLevelSettings[0]");
        assert!(found[0]
            .4
            .contains("lose tls (ISTIO_MUTUAL becomes plaintext) on port 7070"));
        let repeated = BASE.replace("ENTRY", "tls: {mode: ISTIO_MUTUAL}");
        assert_eq!(run_rule("GRPC031", "t.yaml", &repeated), vec![]);
    }
}
