use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::xds::rbac::is_path_template;

use super::scope::{authorization_policies, rule_path, servers_the_model_flags};

declare_rule! {
    /// An AuthorizationPolicy path with a `{*}` or `{**}` template gets the proxyless gRPC server Listener rejected (NACK).
    ///
    /// ## What it checks
    /// `to.operation.paths` or `notPaths` values containing the path templates
    /// `{*}` or `{**}` in an ALLOW or DENY AuthorizationPolicy selecting
    /// proxyless gRPC servers.
    ///
    /// ## Why it matters
    /// Istio translates path templates into the RBAC `uri_template`
    /// permission. gRPC's RBAC filter knows no such rule type (gRFC A41;
    /// grpc-go: "unsupported permission rule type") and rejects (NACK) the
    /// whole server Listener: a running server keeps its last good
    /// configuration, a new one never starts serving.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: admin, namespace: echo-grpc}
    /// spec:
    ///   action: DENY
    ///   rules: [{to: [{operation: {paths: ["/admin.{*}/Delete"]}}]}]
    /// ```
    ///
    /// ## How to fix
    /// Use exact paths (`/package.Service/Method`), a prefix (`/package.Service/*`)
    /// or a suffix (`*/Delete`) instead of templates.
    pub static RULE = { code: "GRPC049", name: "path-template-rejected", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for policy in authorization_policies(context) {
        for (i, rule) in policy.spec.rules.iter().enumerate() {
            let refusing = servers_the_model_flags(context, policy, i, "GRPC049");
            if refusing.is_empty() {
                continue;
            }
            for (j, to) in rule.to.iter().enumerate() {
                let Some(operation) = &to.operation else {
                    continue;
                };
                let base = rule_path(i).field("to").index(j).field("operation");
                for (field, values) in [
                    ("paths", &operation.paths),
                    ("notPaths", &operation.not_paths),
                ] {
                    for (k, path) in values.iter().enumerate() {
                        if !is_path_template(path) {
                            continue;
                        }
                        findings
                            .report(
                                policy.object,
                                &base.field(field).index(k),
                                format!(
                                    "the path template {path:?} becomes an RBAC uri_template permission, which gRPC rejects (NACK): the server Listener of proxyless servers {} is refused, leaving them on their last good config or not serving",
                                    context.workload_names(&refusing)
                                ),
                            )
                            .help = Some(
                            "use an exact path, a prefix (/pkg.Service/*) or a suffix (*/Method)".into(),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::xds::rbac::is_path_template as is_template;

    #[test]
    fn templates_are_recognised() {
        assert!(is_template("/admin.{*}/Delete"));
        assert!(is_template("/pkg.Service/{**}"));
        assert!(!is_template("/pkg.Service/*"));
        assert!(!is_template("*/Delete"));
    }
}
