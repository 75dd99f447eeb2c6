use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;

use super::scope::{http_path, mesh_virtual_services};

declare_rule! {
    /// A VirtualService route with a corsPolicy gets its whole route configuration rejected by proxyless gRPC clients.
    ///
    /// ## What it checks
    /// An `http[].corsPolicy` in a VirtualService bound to `mesh` whose hosts
    /// proxyless gRPC clients call.
    ///
    /// ## Why it matters
    /// istiod sends the policy as a per-route override for the
    /// `envoy.filters.http.cors` filter. No gRPC runtime has a CORS filter, and
    /// an override of an unknown filter type that is not marked optional makes
    /// the client reject (NACK) the whole RouteConfiguration (gRFC A39; grpc-go
    /// `processHTTPFilterOverrides`). The clients stay on their last good
    /// routes, or have none and fail every RPC. Istio's own integration test
    /// for CORS excludes proxyless clients.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hosts: [echo.echo-grpc.svc.cluster.local]
    ///   http:
    ///   - corsPolicy:
    ///       allowOrigins: [{exact: https://example.com}]
    ///     route: [{destination: {host: echo.echo-grpc.svc.cluster.local}}]
    /// ```
    ///
    /// ## How to fix
    /// Remove `corsPolicy` from VirtualServices that proxyless clients use; put
    /// CORS on the gateway's VirtualService (bound to the gateway only) instead.
    pub static RULE = { code: "GRPC001", name: "cors-policy-rejected", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, _, clients) in vs.routes() {
            let Some(rejecting) =
                context.route_model_says(vs.object, vs.spec, i, None, &clients, RULE.code)
            else {
                continue;
            };
            let Some(impact) = context.feature_gaps(&rejecting, Feature::Cors) else {
                continue;
            };
            findings
                .report(
                    vs.object,
                    &http_path(i).field("corsPolicy"),
                    format!(
                        "corsPolicy is {}: istiod sends it as a CORS filter override gRPC does not know, so the route configuration for {} is refused; this {} and leaves them on their last good config (or none, failing every RPC)",
                        impact.runtimes(),
                        vs.hosts_text(),
                        impact.affects(context, "clients"),
                    ),
                )
                .help = Some("remove corsPolicy from routes proxyless clients use".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    const VS: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - corsPolicy: {allowOrigins: [{exact: 'https://a.example'}]}
    route: [{destination: {host: echo}}]
";

    #[test]
    fn cors_is_rejected_by_every_runtime() {
        let found = run_rule_as("GRPC001", "any", &mesh(VS));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "spec.http[0].corsPolicy");
        assert!(
            found[0]
                .2
                .starts_with("corsPolicy is rejected (NACK) by every gRPC runtime"),
            "{}",
            found[0].2
        );
        let go = run_rule_as("GRPC001", "go@1.66", &mesh(VS));
        assert!(
            go[0].2.contains("rejected (NACK) by gRPC Go 1.66"),
            "{}",
            go[0].2
        );
    }

    #[test]
    fn gateway_only_virtual_service_is_silent() {
        let gateway = VS.replace("hosts: [echo]", "hosts: [echo]\n  gateways: [ingress]");
        assert!(run_rule_as("GRPC001", "any", &mesh(&gateway)).is_empty());
    }
}
