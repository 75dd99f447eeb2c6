use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::security::AuthorizationPolicyAction;
use crate::source::FieldPath;

use super::scope::authorization_policies;

declare_rule! {
    /// An ALLOW AuthorizationPolicy without rules ("allow-nothing") allows everything on proxyless gRPC servers.
    ///
    /// ## What it checks
    /// An AuthorizationPolicy with action ALLOW (the default) and no `rules`
    /// that selects proxyless gRPC servers no other ALLOW policy with rules
    /// selects.
    ///
    /// ## Why it matters
    /// For Envoy an ALLOW policy without rules denies every request. istiod's
    /// gRPC generator emits the ALLOW RBAC filter only when some policy
    /// produced at least one RBAC policy (spec §2.5, `len(Policies) > 0`); a
    /// rule-less policy produces none, so proxyless servers get no ALLOW
    /// filter and accept every request: the opposite of what was asked.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: allow-nothing, namespace: echo-grpc}
    /// spec: {}
    /// ```
    ///
    /// ## How to fix
    /// Deny explicitly: `action: DENY` with `rules: [{}]` denies every
    /// request on proxyless servers, or add ALLOW rules for what must pass.
    pub static RULE = { code: "GRPC046", name: "allow-nothing-allows-everything", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let policies = authorization_policies(context);
    for policy in policies {
        if policy.action != AuthorizationPolicyAction::Allow || !policy.spec.rules.is_empty() {
            continue;
        }
        let open: Vec<_> = policy
            .servers
            .iter()
            .copied()
            .filter(|server| {
                !policies.iter().any(|other| {
                    other.action == AuthorizationPolicyAction::Allow
                        && !other.spec.rules.is_empty()
                        && other.servers.contains(server)
                })
            })
            .collect();
        if open.is_empty() {
            continue;
        }
        let field = if policy.spec.action.is_some() {
            FieldPath::root().field("spec").field("action")
        } else {
            FieldPath::root().field("spec")
        };
        findings
            .report(
                policy.object,
                &field,
                format!(
                    "this allow-nothing policy allows everything on proxyless gRPC servers {}: an ALLOW policy without rules yields no RBAC policy, istiod then emits no ALLOW filter, and every request is accepted (Envoy would deny them all)",
                    context.workload_names(&open)
                ),
            )
            .help = Some("use action: DENY with rules: [{}] to deny every request".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = concat!(
        crate::proxyless_echo_yaml!(),
        "---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-nothing, namespace: echo-grpc}
spec: {}
"
    );

    #[test]
    fn another_allow_policy_with_rules_restores_deny_by_default() {
        assert_eq!(run_rule("GRPC046", "t.yaml", BASE).len(), 1);
        let with_rules = format!(
            "{BASE}---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: allow-ns, namespace: echo-grpc}}\nspec:\n  rules: [{{from: [{{source: {{namespaces: [echo-grpc]}}}}]}}]\n"
        );
        assert_eq!(run_rule("GRPC046", "t.yaml", &with_rules), vec![]);
        let deny_only = format!(
            "{BASE}---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: deny, namespace: echo-grpc}}\nspec:\n  action: DENY\n  rules: [{{}}]\n"
        );
        assert_eq!(run_rule("GRPC046", "t.yaml", &deny_only).len(), 1);
    }
}
