use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;

use super::scope::{http_path, mesh_virtual_services};

declare_rule! {
    /// VirtualService retries are silently ignored by proxyless gRPC clients older than gRFC A44 (C++/Python 1.40, Java 1.40.1, Go 1.41, Node 1.8).
    ///
    /// ## What it checks
    /// `http[].retries` with `attempts` above 0 in a VirtualService bound to
    /// `mesh` whose hosts are called by proxyless gRPC clients on a runtime
    /// without xDS retry support (per `--grpc` or the workload's
    /// `mesh.dev/grpc-runtime` annotation). With `--grpc any` it names only
    /// the languages gRPC's feature table never lists for xDS retries (Ruby,
    /// PHP).
    ///
    /// ## Why it matters
    /// istiod sends the policy as the route's `retry_policy`, which gRPC
    /// honours since gRFC A44. Older clients, and languages without it, ignore
    /// it: failed RPCs are not retried, whatever the VirtualService says.
    ///
    /// ## Example
    /// ```yaml
    /// # mesh analyze --grpc go@1.40
    /// http:
    /// - route: [{destination: {host: echo}}]
    ///   retries: {attempts: 3, retryOn: unavailable}
    /// ```
    ///
    /// ## How to fix
    /// Upgrade the clients (C++/Python 1.40, Java 1.40.1, Go 1.41, Node
    /// grpc-js-xds 1.8), or configure retries in the client's service config.
    pub static RULE = { code: "GRPC018", name: "retry-unsupported-runtime", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, route, clients) in vs.routes() {
            // Only retries the route asks for: istiod's default policy is
            // GRPC012's.
            if route
                .retries
                .as_ref()
                .and_then(|r| r.attempts)
                .is_none_or(|a| a <= 0)
            {
                continue;
            }
            let Some(ignoring) =
                context.route_model_says(vs.object, vs.spec, i, None, &clients, RULE.code)
            else {
                continue;
            };
            let Some(impact) = context.feature_gaps(&ignoring, Feature::Retry) else {
                continue;
            };
            findings
                .report(
                    vs.object,
                    &http_path(i).field("retries"),
                    format!(
                        "xDS retries (gRFC A44) are {}: failed RPCs are not retried; this {}",
                        impact.runtimes(),
                        impact.affects(context, "clients"),
                    ),
                )
                .help = Some("upgrade the clients to a release with gRFC A44 (C++/Python 1.40, Java 1.40.1, Go 1.41, Node 1.8)".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn gated_by_runtime() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - route: [{destination: {host: echo}}]
    retries: {attempts: 2, retryOn: unavailable}
  - route: [{destination: {host: echo}}]
    retries: {attempts: 0}
";
        // Every runtime `any` covers has retries; gRPC's table lists none
        // for Ruby, which is checked when named.
        assert!(run_rule_as("GRPC018", "any", &mesh(vs)).is_empty());
        let ruby = run_rule_as("GRPC018", "ruby@1.66", &mesh(vs));
        assert_eq!(ruby.len(), 1, "{ruby:?}");
        assert!(
            ruby[0].2.contains("are ignored by gRPC Ruby 1.66:"),
            "{}",
            ruby[0].2
        );
        assert!(run_rule_as("GRPC018", "go", &mesh(vs)).is_empty());
        assert!(run_rule_as("GRPC018", "java@1.40.1", &mesh(vs)).is_empty());
        let old = run_rule_as("GRPC018", "java@1.40", &mesh(vs));
        assert_eq!(old.len(), 1, "{old:?}");
        assert_eq!(old[0].1, "spec.http[0].retries");
        assert!(
            old[0]
                .2
                .contains("ignored by gRPC Java 1.40 (added in 1.40.1)"),
            "{}",
            old[0].2
        );
    }
}
