use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::security::AuthorizationPolicyAction;

use crate::xds::client::acceptance::GRPC_REQUEST_METHOD;

use super::scope::{action_name, authorization_policies, rule_path, servers_the_model_flags};

declare_rule! {
    /// An AuthorizationPolicy `methods` value other than POST never matches a gRPC request.
    ///
    /// ## What it checks
    /// `to.operation.methods` values other than `POST`, and `notMethods`
    /// containing `POST`, in an ALLOW or DENY AuthorizationPolicy selecting
    /// proxyless gRPC servers.
    ///
    /// ## Why it matters
    /// Istio matches methods on the `:method` header, and every gRPC request
    /// is an HTTP/2 `POST` (gRFC A41). A method such as `GET` (or a gRPC
    /// method name) never matches, and `notMethods: [POST]` excludes every
    /// request: the operation is silently dead.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: read-only, namespace: echo-grpc}
    /// spec:
    ///   rules: [{to: [{operation: {methods: ["GET"]}}]}]
    /// ```
    ///
    /// ## How to fix
    /// Select gRPC methods by path (`/package.Service/Method`) in
    /// `to.operation.paths`.
    pub static RULE = { code: "GRPC052", name: "method-other-than-post", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for policy in authorization_policies(context) {
        if !matches!(
            policy.action,
            AuthorizationPolicyAction::Allow | AuthorizationPolicyAction::Deny
        ) {
            continue;
        }
        for (i, rule) in policy.spec.rules.iter().enumerate() {
            // The model finds the :method matchers in the RBAC policy istiod
            // builds from this rule, on the servers it reaches.
            let flagged = servers_the_model_flags(context, policy, i, "GRPC052");
            if flagged.is_empty() {
                continue;
            }
            let servers = context.workload_names(&flagged);
            for (j, to) in rule.to.iter().enumerate() {
                let Some(operation) = &to.operation else {
                    continue;
                };
                let base = rule_path(i).field("to").index(j).field("operation");
                for (k, method) in operation.methods.iter().enumerate() {
                    if method == GRPC_REQUEST_METHOD {
                        continue;
                    }
                    findings
                        .report(
                            policy.object,
                            &base.field("methods").index(k),
                            format!(
                                "method {method:?} never matches on proxyless gRPC servers {servers}: every gRPC request is a POST, so this part of the {} rule never applies",
                                action_name(policy.action)
                            ),
                        )
                        .help = Some("select gRPC methods by path: /package.Service/Method".into());
                }
                for (k, method) in operation.not_methods.iter().enumerate() {
                    if method != GRPC_REQUEST_METHOD {
                        continue;
                    }
                    findings
                        .report(
                            policy.object,
                            &base.field("notMethods").index(k),
                            format!(
                                "notMethods POST excludes every request on proxyless gRPC servers {servers}: every gRPC request is a POST, so this part of the {} rule never applies",
                                action_name(policy.action)
                            ),
                        )
                        .help = Some("select gRPC methods by path: /package.Service/Method".into());
                }
            }
        }
    }
}
