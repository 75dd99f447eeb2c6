use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope::{clients_text, http_path, mesh_virtual_services};

declare_rule! {
    /// A VirtualService redirect or directResponse makes matching RPCs of proxyless gRPC clients fail with UNAVAILABLE.
    ///
    /// ## What it checks
    /// `http[].redirect` and `http[].directResponse` in a VirtualService bound
    /// to `mesh` whose hosts proxyless gRPC clients call.
    ///
    /// ## Why it matters
    /// gRPC's xDS client supports only the `route` action. A route whose
    /// action is a redirect or a direct response is kept, but "RPCs matching
    /// that route … fail with UNAVAILABLE" (gRFC A36; grpc-go
    /// `RouteActionUnsupported`). The client neither follows the redirect nor
    /// sees the canned response: it gets an error.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - match: [{uri: {prefix: /echo.v1.Echo/}}]
    ///   redirect: {authority: echo-v2}
    /// ```
    ///
    /// ## How to fix
    /// Replace the redirect with a `route` to the new destination (gRPC follows
    /// weighted routes); answer fixed responses from a server.
    pub static RULE = { code: "GRPC005", name: "redirect-or-direct-response-fails", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, route, clients) in vs.routes() {
            let (field, what) = if route.redirect.is_some() {
                ("redirect", "a redirect")
            } else if route.direct_response.is_some() {
                ("directResponse", "a direct response")
            } else {
                continue;
            };
            findings
                .report(
                    vs.object,
                    &http_path(i).field(field),
                    format!(
                        "gRPC supports only the route action, not {what} (gRFC A36): every RPC this route matches fails with UNAVAILABLE for {}",
                        clients_text(context, &clients)
                    ),
                )
                .help = Some("use a route to the intended destination instead".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn redirect_and_direct_response_fail() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - match: [{uri: {prefix: /a.A/}}]
    redirect: {authority: other}
  - match: [{uri: {prefix: /b.B/}, sourceNamespace: other}]
    directResponse: {status: 503}
  - directResponse: {status: 503}
";
        let found = run_rule_as("GRPC005", "any", &mesh(vs));
        let fields: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        // The second route is for clients in another namespace only.
        assert_eq!(
            fields,
            ["spec.http[0].redirect", "spec.http[2].directResponse"]
        );
        assert!(found[1].2.contains("not a direct response"));
    }
}
