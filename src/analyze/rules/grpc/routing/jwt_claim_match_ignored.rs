use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;

use super::scope::{match_path, mesh_virtual_services, JWT_CLAIM_PREFIX};

declare_rule! {
    /// A VirtualService match on @request.auth.claims is ignored by proxyless gRPC clients, so the route matches every request.
    ///
    /// ## What it checks
    /// `http[].match[].headers` and `withoutHeaders` keys starting with
    /// `@request.auth.claims` in a VirtualService bound to `mesh` whose hosts
    /// proxyless gRPC clients call.
    ///
    /// ## Why it matters
    /// istiod turns JWT-claim matches into `dynamic_metadata` matchers, filled
    /// by Envoy's JWT filter. gRPC has no JWT filter and ignores
    /// `dynamic_metadata` (gRFC A28 ignores the route fields it does not
    /// cover), so the condition is dropped and the route matches requests from
    /// anyone: traffic meant for one set of users reaches the route's
    /// destination for all of them.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - match: [{headers: {"@request.auth.claims.group": {exact: admin}}}]
    ///   route: [{destination: {host: echo, subset: admin}}]
    /// ```
    ///
    /// ## How to fix
    /// Route on a custom header the client sets (and authorize on the server),
    /// not on JWT claims.
    pub static RULE = { code: "GRPC009", name: "jwt-claim-match-ignored", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, j, matcher, clients) in vs.matches() {
            for (field, map, effect) in [
                (
                    "headers",
                    &matcher.headers,
                    "the route takes RPCs from every caller",
                ),
                (
                    "withoutHeaders",
                    &matcher.without_headers,
                    "the route takes RPCs whatever the claim",
                ),
            ] {
                for key in map.keys().filter(|k| k.starts_with(JWT_CLAIM_PREFIX)) {
                    let Some(impact) = context.feature_gaps(&clients, Feature::JwtAuthentication)
                    else {
                        continue;
                    };
                    findings
                        .report(
                            vs.object,
                            &match_path(i, j).field(field).field(key),
                            format!(
                                "the JWT claim condition {key:?} becomes a dynamic_metadata matcher, {}: gRPC has no JWT filter, so the condition is dropped and {effect}; this {}",
                                impact.runtimes(),
                                impact.affects(context, "clients"),
                            ),
                        )
                        .help = Some("route on a custom header the client sets instead of a JWT claim".into());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn claims_in_headers_and_without_headers() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - match:
    - headers: {'@request.auth.claims.group': {exact: admin}, x-a: {exact: b}}
      withoutHeaders: {'@request.auth.claims.sub': {exact: bob}}
    route: [{destination: {host: echo}}]
";
        let found = run_rule_as("GRPC009", "any", &mesh(vs));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0].1,
            "spec.http[0].match[0].headers[\"@request.auth.claims.group\"]"
        );
        assert!(
            found[0].2.contains("ignored by every gRPC runtime"),
            "{}",
            found[0].2
        );
    }
}
