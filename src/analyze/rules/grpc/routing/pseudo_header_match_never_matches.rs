use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope::{clients_text, describe_string_match, match_path, mesh_virtual_services};

declare_rule! {
    /// A VirtualService match on method, authority or scheme never matches for proxyless gRPC clients.
    ///
    /// ## What it checks
    /// `http[].match[].method`, `.authority` and `.scheme` in a VirtualService
    /// bound to `mesh` whose hosts proxyless gRPC clients call.
    ///
    /// ## Why it matters
    /// istiod turns them into header matchers on the `:method`, `:authority`
    /// and `:scheme` pseudo-headers. gRPC's xDS client matches headers only
    /// against custom metadata (gRFC A28: "only custom metadata is
    /// considered"), where pseudo-headers never appear, so the match is
    /// always false: the route never applies and the RPCs go to the next route,
    /// or fail with UNAVAILABLE when none is left.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - match: [{method: {exact: POST}, uri: {prefix: /echo.Echo/}}]
    ///   route: [{destination: {host: echo, subset: v2}}]
    /// ```
    ///
    /// ## How to fix
    /// Remove the method/authority/scheme condition (gRPC calls are always
    /// POST over the target's authority), or match a custom header instead.
    pub static RULE = { code: "GRPC007", name: "pseudo-header-match-never-matches", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, j, matcher, clients) in vs.matches() {
            for (field, header, value) in [
                ("method", ":method", &matcher.method),
                ("authority", ":authority", &matcher.authority),
                ("scheme", ":scheme", &matcher.scheme),
            ] {
                let Some(value) = value else { continue };
                findings
                    .report(
                        vs.object,
                        &match_path(i, j).field(field),
                        format!(
                            "{field} ({}) becomes a match on the {header} pseudo-header, which gRPC never sees (gRFC A28 matches custom metadata only): this match never applies for {}, whose RPCs fall through to the next route or fail with UNAVAILABLE",
                            describe_string_match(value),
                            clients_text(context, &clients)
                        ),
                    )
                    .help = Some(format!("remove the {field} condition or match a custom header instead"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn every_pseudo_header_is_reported() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - match:
    - method: {exact: POST}
      authority: {prefix: echo}
      scheme: {exact: http}
    route: [{destination: {host: echo}}]
";
        let found = run_rule_as("GRPC007", "any", &mesh(vs));
        let fields: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spec.http[0].match[0].method",
                "spec.http[0].match[0].authority",
                "spec.http[0].match[0].scheme"
            ]
        );
        assert!(found[0]
            .2
            .starts_with("method (exact \"POST\") becomes a match on the :method pseudo-header"));
    }
}
