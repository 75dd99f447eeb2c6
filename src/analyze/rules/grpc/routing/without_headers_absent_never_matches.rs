use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope::{
    clients_text, describe_string_match, is_presence_match, match_path, mesh_virtual_services,
    JWT_CLAIM_PREFIX,
};

declare_rule! {
    /// A VirtualService withoutHeaders condition does not match RPCs that lack the header on proxyless gRPC clients, unlike Envoy.
    ///
    /// ## What it checks
    /// `http[].match[].withoutHeaders` entries with an `exact`, `prefix` or
    /// `regex` value in a VirtualService bound to `mesh` whose hosts proxyless
    /// gRPC clients call.
    ///
    /// ## Why it matters
    /// istiod sends an inverted header matcher with
    /// `treat_missing_header_as_empty: true`, so Envoy matches requests that do
    /// not carry the header at all. gRPC ignores that field (gRFC A28): a
    /// missing header fails the matcher even inverted, so RPCs without the
    /// header skip this route and land on the next one, or fail with
    /// UNAVAILABLE when none is left.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - match: [{withoutHeaders: {x-canary: {exact: "true"}}}]
    ///   route: [{destination: {host: echo, subset: v1}}]
    /// - route: [{destination: {host: echo, subset: v2}}]
    /// ```
    ///
    /// ## How to fix
    /// Put the positive match first (`headers: {x-canary: {exact: "true"}}` to
    /// the canary) and let a catch-all route take every other RPC.
    pub static RULE = { code: "GRPC010", name: "without-headers-absent-never-matches", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, j, matcher, clients) in vs.matches() {
            for (key, value) in &matcher.without_headers {
                if key.starts_with(JWT_CLAIM_PREFIX) || is_presence_match(value) {
                    continue;
                }
                findings
                    .report(
                        vs.object,
                        &match_path(i, j).field("withoutHeaders").field(key),
                        format!(
                            "withoutHeaders {key} ({}) does not match RPCs that lack the header on {}: gRPC ignores treat_missing_header_as_empty (gRFC A28), so those RPCs skip this route, where Envoy would take it",
                            describe_string_match(value),
                            clients_text(context, &clients)
                        ),
                    )
                    .help = Some("match the header positively on an earlier route and make this one a catch-all".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn presence_without_headers_work() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - match:
    - withoutHeaders: {x-a: {regex: '*'}, x-b: {}, x-c: {exact: 'no'}}
    route: [{destination: {host: echo}}]
";
        let found = run_rule_as("GRPC010", "any", &mesh(vs));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "spec.http[0].match[0].withoutHeaders.x-c");
    }
}
