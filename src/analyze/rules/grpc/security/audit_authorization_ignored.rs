use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::security::AuthorizationPolicyAction;
use crate::source::FieldPath;

use super::scope::authorization_policies;

declare_rule! {
    /// An AUDIT AuthorizationPolicy is ignored by proxyless gRPC servers.
    ///
    /// ## What it checks
    /// An AuthorizationPolicy with `action: AUDIT` that selects proxyless gRPC
    /// servers.
    ///
    /// ## Why it matters
    /// istiod's gRPC generator uses only ALLOW and DENY policies (spec §2.5),
    /// and gRPC's RBAC filter treats `LOG` as no effect (gRFC A41). Requests
    /// to proxyless servers are never audited.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: audit, namespace: echo-grpc}
    /// spec:
    ///   selector: {matchLabels: {app: echo}}
    ///   action: AUDIT
    ///   rules: [{}]
    /// ```
    ///
    /// ## How to fix
    /// Log requests in the application (a gRPC server interceptor) or remove
    /// the policy for proxyless servers.
    pub static RULE = { code: "GRPC045", name: "audit-authorization-ignored", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for policy in authorization_policies(context) {
        if policy.action != AuthorizationPolicyAction::Audit {
            continue;
        }
        findings
            .report(
                policy.object,
                &FieldPath::root().field("spec").field("action"),
                format!(
                    "AUDIT is ignored for proxyless gRPC servers {}: istiod builds RBAC for ALLOW and DENY only, so their requests are never audited",
                    context.workload_names(&policy.servers)
                ),
            )
            .help = Some("log requests in a gRPC server interceptor instead".into());
    }
}
