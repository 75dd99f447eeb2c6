use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope::{clients_text, match_path, mesh_virtual_services};

declare_rule! {
    /// A VirtualService match on queryParams never matches for proxyless gRPC clients.
    ///
    /// ## What it checks
    /// `http[].match[].queryParams` in a VirtualService bound to `mesh` whose
    /// hosts proxyless gRPC clients call.
    ///
    /// ## Why it matters
    /// RPCs have no query string. gRFC A28 tells the client to skip any route
    /// whose match has `query_parameters`, so the route built from this match
    /// never applies and the RPCs fall through to the next route (or fail with
    /// UNAVAILABLE "no matching route" when there is none).
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - match: [{queryParams: {canary: {exact: "true"}}}]
    ///   route: [{destination: {host: echo, subset: v2}}]
    /// ```
    ///
    /// ## How to fix
    /// Match on a request header (gRPC metadata) instead, e.g.
    /// `headers: {x-canary: {exact: "true"}}`.
    pub static RULE = { code: "GRPC006", name: "query-param-match-never-matches", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, j, matcher, clients) in vs.matches() {
            if matcher.query_params.is_empty() {
                continue;
            }
            let names: Vec<&str> = matcher.query_params.keys().map(String::as_str).collect();
            findings
                .report(
                    vs.object,
                    &match_path(i, j).field("queryParams"),
                    format!(
                        "gRPC skips routes that match on query parameters (gRFC A28): this match on {} never applies for {}, whose RPCs fall through to the next route",
                        names.join(", "),
                        clients_text(context, &clients)
                    ),
                )
                .help = Some("match on a request header (gRPC metadata) instead".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn query_params_reported_per_match() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - match:
    - headers: {x-a: {exact: '1'}}
    - queryParams: {b: {exact: '2'}, a: {prefix: x}}
    route: [{destination: {host: echo}}]
";
        let found = run_rule_as("GRPC006", "any", &mesh(vs));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "spec.http[0].match[1].queryParams");
        assert!(found[0]
            .2
            .contains("match on a, b never applies for proxyless clients ns/app"));
    }
}
