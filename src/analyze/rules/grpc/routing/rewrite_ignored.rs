use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope::{clients_text, http_path, mesh_virtual_services};

declare_rule! {
    /// A VirtualService rewrite (uri, uriRegexRewrite, authority) is silently ignored by proxyless gRPC clients.
    ///
    /// ## What it checks
    /// `http[].rewrite.uri`, `http[].rewrite.uriRegexRewrite` and
    /// `http[].rewrite.authority` in a VirtualService bound to `mesh` whose
    /// hosts proxyless gRPC clients call.
    ///
    /// ## Why it matters
    /// istiod emits `prefix_rewrite`, `regex_rewrite` and
    /// `host_rewrite_literal`, which gRPC's xDS client does not implement: gRFC
    /// A28 ignores every route field it does not cover, and gRFC A81 supports
    /// only `auto_host_rewrite` (with a trusted xDS server). The RPC keeps its
    /// `/package.Service/Method` path and authority, so a backend that expects
    /// the rewritten name answers UNIMPLEMENTED. Istio's proxyless gRPC blog
    /// lists rewrites as unsupported; they still are.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - match: [{uri: {prefix: /echo.v1.Echo/}}]
    ///   rewrite: {uri: /echo.v2.Echo/}
    ///   route: [{destination: {host: echo}}]
    /// ```
    ///
    /// ## How to fix
    /// Have clients call the final method name (or register the old service
    /// name on the server) and remove the rewrite.
    pub static RULE = { code: "GRPC002", name: "rewrite-ignored", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, route, clients) in vs.routes() {
            let Some(rewrite) = &route.rewrite else {
                continue;
            };
            let Some(ignoring) =
                context.route_model_says(vs.object, vs.spec, i, None, &clients, RULE.code)
            else {
                continue;
            };
            let who = clients_text(context, &ignoring);
            let path = http_path(i).field("rewrite");
            if let Some(uri) = &rewrite.uri {
                findings
                    .report(
                        vs.object,
                        &path.field("uri"),
                        format!(
                            "rewrite.uri {uri:?} is ignored by every gRPC runtime (gRFC A28 has no path rewrite): RPCs from {who} keep their original /package.Service/Method path"
                        ),
                    )
                    .help = Some("call the final method path from the client, or serve the old name on the server".into());
            }
            if rewrite.uri_regex_rewrite.is_some() {
                findings
                    .report(
                        vs.object,
                        &path.field("uriRegexRewrite"),
                        format!(
                            "rewrite.uriRegexRewrite is ignored by every gRPC runtime (gRFC A28 has no regex rewrite): RPCs from {who} keep their original /package.Service/Method path"
                        ),
                    )
                    .help = Some("call the final method path from the client, or serve the old name on the server".into());
            }
            if let Some(authority) = &rewrite.authority {
                findings
                    .report(
                        vs.object,
                        &path.field("authority"),
                        format!(
                            "rewrite.authority {authority:?} is ignored by every gRPC runtime (gRFC A81 supports only auto_host_rewrite): RPCs from {who} keep the authority of their xds:/// target"
                        ),
                    )
                    .help = Some("dial the wanted authority from the client and remove the rewrite".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn each_rewrite_field_is_reported() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - rewrite:
      uri: /b.B/
      authority: other
      uriRegexRewrite: {match: '^/a', rewrite: /b}
    route: [{destination: {host: echo}}]
";
        let found = run_rule_as("GRPC002", "any", &mesh(vs));
        let fields: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spec.http[0].rewrite.uri",
                "spec.http[0].rewrite.authority",
                "spec.http[0].rewrite.uriRegexRewrite"
            ]
        );
        assert!(found[0].2.contains("proxyless clients ns/app"));
    }
}
