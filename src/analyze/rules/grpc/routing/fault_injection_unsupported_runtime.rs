use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;

use super::scope::{http_path, mesh_virtual_services};

declare_rule! {
    /// A VirtualService fault is silently ignored by proxyless gRPC clients older than gRFC A33 (C++/Java 1.37.1, Go 1.37, Node 1.4).
    ///
    /// ## What it checks
    /// `http[].fault` in a VirtualService bound to `mesh` whose hosts are called
    /// by proxyless gRPC clients on a runtime without fault injection (per
    /// `--grpc` or the workload's `mesh.dev/grpc-runtime` annotation). Silent
    /// with `--grpc any`, since every language supports it in current releases.
    ///
    /// ## Why it matters
    /// istiod sends the fault as a per-route `envoy.filters.http.fault`
    /// override, which gRPC implements since gRFC A33. Older clients have no
    /// fault filter and ignore it: the delays and aborts a resilience test
    /// relies on never happen for them.
    ///
    /// ## Example
    /// ```yaml
    /// # mesh analyze --grpc go@1.36
    /// http:
    /// - route: [{destination: {host: echo}}]
    ///   fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 10}}}
    /// ```
    ///
    /// ## How to fix
    /// Upgrade the clients (C++/Python/Ruby/PHP and Java 1.37.1, Go 1.37,
    /// Node grpc-js-xds 1.4), or inject the faults another way for them.
    pub static RULE = { code: "GRPC017", name: "fault-injection-unsupported-runtime", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, _, clients) in vs.routes() {
            let Some(ignoring) =
                context.route_model_says(vs.object, vs.spec, i, None, &clients, RULE.code)
            else {
                continue;
            };
            let Some(impact) = context.feature_gaps(&ignoring, Feature::FaultInjection) else {
                continue;
            };
            findings
                .report(
                    vs.object,
                    &http_path(i).field("fault"),
                    format!(
                        "fault injection (gRFC A33) is {}: the injected delays and aborts do not happen; this {}",
                        impact.runtimes(),
                        impact.affects(context, "clients"),
                    ),
                )
                .help = Some("upgrade the clients to a release with gRFC A33 (C++/Java 1.37.1, Go 1.37, Node 1.4)".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn gated_by_runtime_and_annotation() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - route: [{destination: {host: echo}}]
    fault: {delay: {fixedDelay: 1s, percentage: {value: 10}}}
";
        assert!(run_rule_as("GRPC017", "any", &mesh(vs)).is_empty());
        assert!(run_rule_as("GRPC017", "go@1.37", &mesh(vs)).is_empty());
        let old = run_rule_as("GRPC017", "go@1.36", &mesh(vs));
        assert_eq!(old.len(), 1, "{old:?}");
        assert_eq!(old[0].1, "spec.http[0].fault");
        assert!(
            old[0].2.contains("ignored by gRPC Go 1.36 (added in 1.37)"),
            "{}",
            old[0].2
        );
        let annotated = mesh(vs).replace(
            "inject.istio.io/templates: grpc-agent",
            "inject.istio.io/templates: grpc-agent, mesh.dev/grpc-runtime: node@1.3",
        );
        let found = run_rule_as("GRPC017", "any", &annotated);
        assert!(
            found[0].2.contains("gRPC Node 1.3 (added in 1.4)"),
            "{found:?}"
        );
    }
}
