use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::security::AuthorizationPolicyAction;
use crate::source::FieldPath;

use super::scope::authorization_policies;

declare_rule! {
    /// A CUSTOM AuthorizationPolicy is not enforced on proxyless gRPC servers.
    ///
    /// ## What it checks
    /// An AuthorizationPolicy with `action: CUSTOM` (external authorization)
    /// that selects proxyless gRPC servers.
    ///
    /// ## Why it matters
    /// istiod's gRPC generator turns only ALLOW and DENY policies into RBAC
    /// filters (`buildInboundFilterChain`, spec §2.5); gRPC has no ext_authz
    /// filter for Istio to configure. The external authorizer is never
    /// called: every request it should have checked is let through.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: ext-authz, namespace: echo-grpc}
    /// spec:
    ///   selector: {matchLabels: {app: echo}}
    ///   action: CUSTOM
    ///   provider: {name: my-ext-authz}
    ///   rules: [{to: [{operation: {paths: ["/admin.Admin/*"]}}]}]
    /// ```
    ///
    /// ## How to fix
    /// Express the check as ALLOW/DENY rules, or do the authorization in the
    /// application (a gRPC server interceptor).
    pub static RULE = { code: "GRPC044", name: "custom-authorization-not-enforced", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for policy in authorization_policies(context) {
        if policy.action != AuthorizationPolicyAction::Custom {
            continue;
        }
        findings
            .report(
                policy.object,
                &FieldPath::root().field("spec").field("action"),
                format!(
                    "CUSTOM (external authorization) is not enforced on proxyless gRPC servers {}: istiod builds RBAC for ALLOW and DENY only and gRPC has no ext_authz filter, so the provider is never called and every request is let through",
                    context.workload_names(&policy.servers)
                ),
            )
            .help = Some(
            "use ALLOW/DENY rules, or authorize in a gRPC server interceptor".into(),
        );
    }
}
