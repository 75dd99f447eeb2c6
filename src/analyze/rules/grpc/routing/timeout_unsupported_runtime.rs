use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;

use super::scope::{http_path, mesh_virtual_services};

declare_rule! {
    /// A VirtualService timeout is silently ignored by proxyless gRPC clients older than gRFC A31 (C++/Java 1.37.1, Go 1.37, Node 1.4).
    ///
    /// ## What it checks
    /// `http[].timeout` (other than 0) in a VirtualService bound to `mesh`
    /// whose hosts are called by proxyless gRPC clients on a runtime without
    /// `max_stream_duration` (per `--grpc` or the workload's
    /// `mesh.dev/grpc-runtime` annotation). Silent with `--grpc any`, since
    /// every language supports it in current releases.
    ///
    /// ## Why it matters
    /// For proxyless clients istiod copies the timeout into the route's
    /// `max_stream_duration`, which gRPC applies as a deadline since gRFC A31
    /// (it ignores the Envoy `timeout` field). Older clients ignore it: RPCs
    /// run until the application's own deadline, or forever without one.
    ///
    /// ## Example
    /// ```yaml
    /// # mesh analyze --grpc node@1.3
    /// http:
    /// - route: [{destination: {host: echo}}]
    ///   timeout: 2s
    /// ```
    ///
    /// ## How to fix
    /// Upgrade the clients (C++/Python/Ruby/PHP and Java 1.37.1, Go 1.37,
    /// Node grpc-js-xds 1.4), or set a deadline on each call in the
    /// application.
    pub static RULE = { code: "GRPC019", name: "timeout-unsupported-runtime", level: Warning, check: check };
}

/// Whether a duration is zero (`0s`, `0`, `0ms`...), which disables the timeout.
fn is_zero(duration: &str) -> bool {
    duration
        .trim()
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .parse::<f64>()
        .is_ok_and(|v| v == 0.0)
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, route, clients) in vs.routes() {
            let Some(timeout) = route.timeout.as_deref().filter(|t| !is_zero(t)) else {
                continue;
            };
            let Some(ignoring) =
                context.route_model_says(vs.object, vs.spec, i, None, &clients, RULE.code)
            else {
                continue;
            };
            let Some(impact) = context.feature_gaps(&ignoring, Feature::MaxStreamDuration) else {
                continue;
            };
            findings
                .report(
                    vs.object,
                    &http_path(i).field("timeout"),
                    format!(
                        "timeout {timeout} reaches gRPC as max_stream_duration (gRFC A31), which is {}: RPCs run until the application's own deadline; this {}",
                        impact.runtimes(),
                        impact.affects(context, "clients"),
                    ),
                )
                .help = Some("upgrade the clients to a release with gRFC A31, or set call deadlines in the application".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};
    use super::is_zero;

    #[test]
    fn zero_timeouts() {
        assert!(is_zero("0s"));
        assert!(is_zero("0"));
        assert!(is_zero("0.0ms"));
        assert!(!is_zero("1.5s"));
    }

    #[test]
    fn gated_by_runtime() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - route: [{destination: {host: echo}}]
    timeout: 2s
";
        assert!(run_rule_as("GRPC019", "any", &mesh(vs)).is_empty());
        assert!(run_rule_as("GRPC019", "node@1.4", &mesh(vs)).is_empty());
        let old = run_rule_as("GRPC019", "node@1.3", &mesh(vs));
        assert_eq!(old.len(), 1, "{old:?}");
        assert_eq!(old[0].1, "spec.http[0].timeout");
        assert!(
            old[0].2.contains("ignored by gRPC Node 1.3 (added in 1.4)"),
            "{}",
            old[0].2
        );
    }
}
