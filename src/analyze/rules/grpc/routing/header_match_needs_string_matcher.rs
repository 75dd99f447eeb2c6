use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;

use super::scope::{is_presence_match, match_path, mesh_virtual_services, JWT_CLAIM_PREFIX};

declare_rule! {
    /// A VirtualService header match is rejected by proxyless gRPC clients older than gRFC A63 (C++ 1.56, Java 1.53, Go 1.56, Node 1.9).
    ///
    /// ## What it checks
    /// `http[].match[].headers` and `withoutHeaders` entries with an `exact`,
    /// `prefix` or `regex` value, in a VirtualService bound to `mesh` whose
    /// hosts are called by proxyless gRPC clients on a runtime without
    /// `HeaderMatcher.string_match` (per `--grpc` or the workload's
    /// `mesh.dev/grpc-runtime` annotation). Silent with `--grpc any`, since
    /// every language supports it in current releases.
    ///
    /// ## Why it matters
    /// istiod writes these matches as `HeaderMatcher.string_match` (gRFC A63).
    /// Older clients do not know that header-match specifier and reject (NACK)
    /// the whole RouteConfiguration: every route of the host stays at its last
    /// good version, or there is none and every RPC fails.
    ///
    /// ## Example
    /// ```yaml
    /// # mesh analyze --grpc go@1.50
    /// http:
    /// - match: [{headers: {x-canary: {exact: "true"}}}]
    ///   route: [{destination: {host: echo, subset: v2}}]
    /// ```
    ///
    /// ## How to fix
    /// Upgrade the clients (C++/Python/Ruby/PHP 1.56, Java 1.53, Go 1.56,
    /// Node grpc-js-xds 1.9), or use only presence matches (`regex: "*"`) for
    /// them.
    pub static RULE = { code: "GRPC008", name: "header-match-needs-string-matcher", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, j, matcher, clients) in vs.matches() {
            let string_matches = |map: &std::collections::BTreeMap<String, _>| -> Vec<String> {
                map.iter()
                    .filter(|(k, v)| !k.starts_with(JWT_CLAIM_PREFIX) && !is_presence_match(v))
                    .map(|(k, _)| k.clone())
                    .collect()
            };
            let headers = string_matches(&matcher.headers);
            let without = string_matches(&matcher.without_headers);
            let (field, first) = match (headers.first(), without.first()) {
                (Some(first), _) => ("headers", first),
                (None, Some(first)) => ("withoutHeaders", first),
                (None, None) => continue,
            };
            let Some(rejecting) =
                context.route_model_says(vs.object, vs.spec, i, Some(j), &clients, RULE.code)
            else {
                continue;
            };
            let Some(impact) = context.feature_gaps(&rejecting, Feature::HeaderStringMatcher)
            else {
                continue;
            };
            let mut names = headers.clone();
            names.extend(without.iter().cloned());
            findings
                .report(
                    vs.object,
                    &match_path(i, j).field(field).field(first),
                    format!(
                        "the header match on {} is sent as HeaderMatcher.string_match (gRFC A63), which is {}: the whole route configuration for {} is refused; this {}, which stay on their last good routes (or have none and fail every RPC)",
                        names.join(", "),
                        impact.runtimes(),
                        vs.hosts_text(),
                        impact.affects(context, "clients"),
                    ),
                )
                .help = Some("upgrade the clients past gRFC A63 (C++ 1.56, Java 1.53, Go 1.56, Node 1.9), or match only on presence".into());
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
  - match:
    - headers: {x-canary: {exact: 'true'}, x-any: {regex: '*'}}
    route: [{destination: {host: echo}}]
";

    #[test]
    fn gated_by_runtime_version() {
        assert!(run_rule_as("GRPC008", "any", &mesh(VS)).is_empty());
        assert!(run_rule_as("GRPC008", "go@1.56", &mesh(VS)).is_empty());
        assert!(run_rule_as("GRPC008", "java@1.53", &mesh(VS)).is_empty());
        let old = run_rule_as("GRPC008", "java@1.52", &mesh(VS));
        assert_eq!(old.len(), 1, "{old:?}");
        assert_eq!(old[0].1, "spec.http[0].match[0].headers.x-canary");
        assert!(
            old[0].2.contains("the header match on x-canary is sent"),
            "{}",
            old[0].2
        );
        assert!(
            old[0]
                .2
                .contains("rejected (NACK) by gRPC Java 1.52 (added in 1.53)"),
            "{}",
            old[0].2
        );
    }

    #[test]
    fn presence_and_claim_matches_are_not_string_matches() {
        let presence = VS.replace(
            "x-canary: {exact: 'true'}",
            "'@request.auth.claims.sub': {exact: a}",
        );
        assert!(run_rule_as("GRPC008", "go@1.50", &mesh(&presence)).is_empty());
    }
}
