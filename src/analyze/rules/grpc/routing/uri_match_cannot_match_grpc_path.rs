use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;

use super::scope::{clients_text, match_path, mesh_virtual_services};

declare_rule! {
    /// A VirtualService URI match that no gRPC method path (/package.Service/Method) can satisfy, or that old gRPC runtimes reject.
    ///
    /// ## What it checks
    /// In a VirtualService bound to `mesh` whose hosts proxyless gRPC clients
    /// call, each `http[].match[].uri`:
    /// - `exact` or `prefix` not starting with `/`;
    /// - `exact` that is not `/service/method` (no method segment, like
    ///   `/echo.EchoService` or `/echo.EchoService/`, or more than two
    ///   segments, like a REST path `/api/v1/users`);
    /// - `prefix` with more than two segments or an empty service name;
    ///
    /// and `ignoreUriCase: true` when a client's runtime predates
    /// case-insensitive path matching (C++/Java/Go 1.34, Node 1.3; per
    /// `--grpc` or the `mesh.dev/grpc-runtime` annotation).
    ///
    /// ## Why it matters
    /// A gRPC client matches routes against the RPC's path, which is always
    /// `/package.Service/Method` (gRFC A28). A URI that cannot have that shape
    /// never matches: the RPCs skip the route and go to the next one, or fail
    /// with UNAVAILABLE when none is left. Istio's proxyless gRPC blog shows URI
    /// matches as `/ServiceName/RPCName`. `ignoreUriCase` makes istiod send
    /// `case_sensitive: false`, which runtimes older than the feature reject
    /// (NACK) with the whole route configuration.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - match: [{uri: {exact: /proto.EchoTestService}}]
    ///   route: [{destination: {host: echo, subset: v2}}]
    /// ```
    ///
    /// ## How to fix
    /// Match `prefix: /package.Service/` for a whole service, or
    /// `exact: /package.Service/Method` for one method; drop `ignoreUriCase`
    /// for old clients.
    pub static RULE = { code: "GRPC016", name: "uri-match-cannot-match-grpc-path", level: Warning, check: check };
}

/// Why no gRPC path can equal `path`, if none can.
pub fn exact_problem(path: &str) -> Option<&'static str> {
    let Some(rest) = path.strip_prefix('/') else {
        return Some("does not start with /");
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [_] | [_, ""] => Some("has no method segment"),
        ["", _] => Some("has an empty service name"),
        [_, _] => None,
        _ => Some("has more than two segments"),
    }
}

/// Why no gRPC path can start with `prefix`, if none can.
pub fn prefix_problem(prefix: &str) -> Option<&'static str> {
    if prefix.is_empty() {
        return None;
    }
    let Some(rest) = prefix.strip_prefix('/') else {
        return Some("does not start with /");
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [_] => None,
        ["", _] => Some("has an empty service name"),
        [_, _] => None,
        _ => Some("has more than two segments"),
    }
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, j, matcher, clients) in vs.matches() {
            let uri = matcher.uri.as_ref();
            let problem = uri
                .and_then(|u| u.exact.as_deref().map(|v| ("exact", v, exact_problem(v))))
                .or_else(|| {
                    uri.and_then(|u| {
                        u.prefix
                            .as_deref()
                            .map(|v| ("prefix", v, prefix_problem(v)))
                    })
                });
            if let Some((field, value, Some(problem))) = problem {
                findings
                    .report(
                        vs.object,
                        &match_path(i, j).field("uri").field(field),
                        format!(
                            "uri {field} {value:?} {problem}, so it never matches a gRPC method path /package.Service/Method (gRFC A28): RPCs from {} skip this route",
                            clients_text(context, &clients)
                        ),
                    )
                    .help = Some("match prefix /package.Service/ or exact /package.Service/Method".into());
            }
            if matcher.ignore_uri_case == Some(true) {
                if let Some(impact) =
                    context.feature_gaps(&clients, Feature::CaseInsensitivePathMatching)
                {
                    findings
                        .report(
                            vs.object,
                            &match_path(i, j).field("ignoreUriCase"),
                            format!(
                                "ignoreUriCase makes istiod send case_sensitive: false, which is {}: the route configuration for {} is refused; this {}",
                                impact.runtimes(),
                                vs.hosts_text(),
                                impact.affects(context, "clients"),
                            ),
                        )
                        .help = Some("drop ignoreUriCase (gRPC method paths are case-sensitive) or upgrade the clients".into());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};
    use super::{exact_problem, prefix_problem};

    #[test]
    fn grpc_path_shapes() {
        assert_eq!(exact_problem("/echo.Echo/Call"), None);
        assert_eq!(
            exact_problem("echo.Echo/Call"),
            Some("does not start with /")
        );
        assert_eq!(exact_problem("/echo.Echo"), Some("has no method segment"));
        assert_eq!(exact_problem("/echo.Echo/"), Some("has no method segment"));
        assert_eq!(exact_problem("/"), Some("has no method segment"));
        assert_eq!(exact_problem("//Call"), Some("has an empty service name"));
        assert_eq!(
            exact_problem("/api/v1/users"),
            Some("has more than two segments")
        );
        assert_eq!(prefix_problem("/"), None);
        assert_eq!(prefix_problem("/echo.Echo"), None);
        assert_eq!(prefix_problem("/echo.Echo/"), None);
        assert_eq!(prefix_problem("/echo.Echo/Ca"), None);
        assert_eq!(prefix_problem(""), None);
        assert_eq!(prefix_problem("echo"), Some("does not start with /"));
        assert_eq!(
            prefix_problem("/api/v1/"),
            Some("has more than two segments")
        );
        assert_eq!(prefix_problem("//"), Some("has an empty service name"));
    }

    #[test]
    fn ignore_uri_case_gated_by_version() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - match: [{uri: {prefix: /echo.Echo/}, ignoreUriCase: true}]
    route: [{destination: {host: echo}}]
";
        assert!(run_rule_as("GRPC016", "any", &mesh(vs)).is_empty());
        assert!(run_rule_as("GRPC016", "cpp@1.34", &mesh(vs)).is_empty());
        let old = run_rule_as("GRPC016", "cpp@1.33", &mesh(vs));
        assert_eq!(old.len(), 1, "{old:?}");
        assert_eq!(old[0].1, "spec.http[0].match[0].ignoreUriCase");
        assert!(
            old[0]
                .2
                .contains("rejected (NACK) by gRPC C++ 1.33 (added in 1.34)"),
            "{}",
            old[0].2
        );
    }
}
