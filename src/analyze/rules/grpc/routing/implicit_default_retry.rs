use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope::{clients_text, http_path, mesh_virtual_services};

declare_rule! {
    /// A VirtualService route that tunes timeouts or retries elsewhere but not here still retries UNAVAILABLE and CANCELLED RPCs twice.
    ///
    /// ## What it checks
    /// An `http[]` route without `retries`, in a VirtualService bound to `mesh`
    /// whose hosts proxyless gRPC clients call, when the mesh sets no
    /// `defaultHttpRetryPolicy` and the author evidently manages resilience:
    /// the route sets a `timeout`, or another route of the same
    /// VirtualService sets `retries`. Routes that configure neither are left
    /// alone, to keep this advice quiet.
    ///
    /// ## Why it matters
    /// With no `retries`, istiod gives the route its built-in default policy:
    /// `retry_on: connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes`,
    /// two retries. gRPC keeps the gRPC conditions (gRFC A44), so proxyless
    /// clients retry UNAVAILABLE and CANCELLED RPCs up to 3 attempts in total,
    /// within the call's deadline — including non-idempotent methods, and on
    /// top of any retry the application does itself.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - route: [{destination: {host: echo}}]
    ///   timeout: 2s
    /// ```
    ///
    /// ## How to fix
    /// State the policy: `retries: {attempts: 0}` to disable retries, or
    /// `retries: {attempts: 2, retryOn: unavailable}` to keep them explicitly.
    pub static RULE = { code: "GRPC012", name: "implicit-default-retry", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    if context
        .index
        .mesh_config
        .other
        .contains_key("defaultHttpRetryPolicy")
    {
        return;
    }
    for vs in mesh_virtual_services(context) {
        let sibling_retries = vs.spec.http.iter().any(|r| r.retries.is_some());
        for (i, route, clients) in vs.routes() {
            if route.retries.is_some()
                || route.redirect.is_some()
                || route.direct_response.is_some()
            {
                continue;
            }
            let (path, why) = match &route.timeout {
                Some(timeout) => (
                    http_path(i).field("timeout"),
                    format!("this route sets timeout {timeout} but no retries"),
                ),
                None if sibling_retries => (
                    http_path(i),
                    "other routes of this VirtualService set retries, this one does not"
                        .to_string(),
                ),
                None => continue,
            };
            findings
                .report(
                    vs.object,
                    &path,
                    format!(
                        "{why}, so istiod applies its default retry policy: {} retry UNAVAILABLE and CANCELLED RPCs up to 3 attempts (gRFC A44), non-idempotent methods included",
                        clients_text(context, &clients)
                    ),
                )
                .help = Some("set retries explicitly: {attempts: 0} to disable, or the policy you want".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn only_routes_that_tune_resilience() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - match: [{headers: {x-canary: {exact: \"1\"}}}]
    route: [{destination: {host: echo}}]
    timeout: 2s
  - route: [{destination: {host: echo}}]
";
        let found = run_rule_as("GRPC012", "any", &mesh(vs));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "spec.http[0].timeout");
        let sibling = vs.replace("timeout: 2s", "retries: {attempts: 1}");
        let found = run_rule_as("GRPC012", "any", &mesh(&sibling));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "spec.http[1]");
        let plain = vs.replace("    timeout: 2s\n", "");
        assert!(run_rule_as("GRPC012", "any", &mesh(&plain)).is_empty());
    }
}
