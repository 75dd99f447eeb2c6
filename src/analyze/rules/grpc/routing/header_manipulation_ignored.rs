use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::Headers;
use crate::source::FieldPath;

use super::scope::{clients_text, http_path, mesh_virtual_services};

declare_rule! {
    /// VirtualService header manipulation (request/response set, add, remove) is silently ignored by proxyless gRPC clients.
    ///
    /// ## What it checks
    /// `http[].headers` and `http[].route[].headers` in a VirtualService bound
    /// to `mesh` whose hosts proxyless gRPC clients call.
    ///
    /// ## Why it matters
    /// istiod emits `request_headers_to_add`, `response_headers_to_remove` and
    /// friends (and `host_rewrite_literal` for `host`/`:authority`); gRPC's xDS
    /// client implements none of them and gRFC A28 ignores every route field
    /// it does not cover. The metadata the backend or the application expects
    /// is never added or removed for proxyless clients.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - headers:
    ///     request:
    ///       set: {x-tenant: blue}
    ///   route: [{destination: {host: echo}}]
    /// ```
    ///
    /// ## How to fix
    /// Set the metadata in the gRPC client (a client interceptor) or server
    /// instead, and remove the header rules for proxyless clients.
    pub static RULE = { code: "GRPC004", name: "header-manipulation-ignored", level: Warning, check: check };
}

/// "request set x-a, response remove x-b": what the rules do.
fn describe(headers: &Headers) -> Option<(String, bool)> {
    let mut parts = Vec::new();
    let mut authority = false;
    for (side, ops) in [
        ("request", &headers.request),
        ("response", &headers.response),
    ] {
        let Some(ops) = ops else { continue };
        for (verb, names) in [
            ("set", ops.set.keys().cloned().collect::<Vec<_>>()),
            ("add", ops.add.keys().cloned().collect()),
            ("remove", ops.remove.clone()),
        ] {
            if names.is_empty() {
                continue;
            }
            if side == "request"
                && verb != "remove"
                && names
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case("host") || n.eq_ignore_ascii_case(":authority"))
            {
                authority = true;
            }
            parts.push(format!("{side} {verb} {}", names.join(", ")));
        }
    }
    (!parts.is_empty()).then(|| (parts.join("; "), authority))
}

fn report(
    findings: &mut Findings,
    object: &crate::model::Object,
    path: FieldPath,
    headers: &Headers,
    who: &str,
) {
    let Some((what, authority)) = describe(headers) else {
        return;
    };
    let authority = if authority {
        " (the host/:authority rewrite too: gRFC A81 supports only auto_host_rewrite)"
    } else {
        ""
    };
    findings
        .report(
            object,
            &path,
            format!(
                "header manipulation ({what}) is ignored by every gRPC runtime{authority}: gRFC A28 ignores route fields it does not cover, so RPCs from {who} carry their metadata unchanged"
            ),
        )
        .help = Some("set or strip the metadata in a gRPC interceptor instead".into());
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, route, clients) in vs.routes() {
            // A `host` or `:authority` set becomes a host rewrite, which
            // the model tells as GRPC002's: ignored all the same.
            let says = |code| context.route_model_says(vs.object, vs.spec, i, None, &clients, code);
            let Some(ignoring) = says(RULE.code)
                .or_else(|| route.rewrite.is_none().then(|| says("GRPC002")).flatten())
            else {
                continue;
            };
            let who = clients_text(context, &ignoring);
            if let Some(headers) = &route.headers {
                report(
                    findings,
                    vs.object,
                    http_path(i).field("headers"),
                    headers,
                    &who,
                );
            }
            for (k, destination) in route.route.iter().enumerate() {
                if let Some(headers) = &destination.headers {
                    report(
                        findings,
                        vs.object,
                        http_path(i).field("route").index(k).field("headers"),
                        headers,
                        &who,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn route_and_destination_headers_with_authority() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - headers:
      request: {set: {host: other, x-a: '1'}, remove: [x-b]}
    route:
    - destination: {host: echo}
      headers: {response: {add: {x-c: '2'}}}
  - headers: {}
    route: [{destination: {host: echo}}]
";
        let found = run_rule_as("GRPC004", "any", &mesh(vs));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].1, "spec.http[0].headers");
        assert!(found[0].2.starts_with("header manipulation (request set host, x-a; request remove x-b) is ignored by every gRPC runtime (the host/:authority rewrite too"), "{}", found[0].2);
        assert_eq!(found[1].1, "spec.http[0].route[0].headers");
        assert!(
            found[1].2.starts_with(
                "header manipulation (response add x-c) is ignored by every gRPC runtime:"
            ),
            "{}",
            found[1].2
        );
    }
}
