use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::security::AuthorizationPolicyAction;

use crate::xds::client::acceptance::GRPC_REQUESTED_SERVER_NAME;

use super::scope::{action_name, authorization_policies, rule_path, servers_the_model_flags};

declare_rule! {
    /// `connection.sni` and `experimental.envoy.filters.*` conditions never match on proxyless gRPC servers.
    ///
    /// ## What it checks
    /// `when` conditions on `connection.sni` or `experimental.envoy.filters.*`
    /// in an ALLOW or DENY AuthorizationPolicy selecting proxyless gRPC
    /// servers.
    ///
    /// ## Why it matters
    /// gRPC's RBAC filter sees the requested server name as `""` and has no
    /// Envoy filter metadata (gRFC A41). A `values` condition never matches
    /// (unless it accepts the empty name) and a `notValues` condition always
    /// matches, so the rule is silently dead or vacuous.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: by-sni, namespace: echo-grpc}
    /// spec:
    ///   rules: [{when: [{key: connection.sni, values: ["echo.example.com"]}]}]
    /// ```
    ///
    /// ## How to fix
    /// Drop the condition for proxyless servers; match on `to.operation.hosts`
    /// (the `:authority`) or on mTLS identity instead.
    pub static RULE = { code: "GRPC051", name: "sni-or-envoy-metadata-condition", level: Warning, check: check };
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
            for (k, condition) in rule.when.iter().enumerate() {
                let Some(key) = condition.key.as_deref() else {
                    continue;
                };
                let what = if key == "connection.sni" {
                    if condition
                        .values
                        .iter()
                        .any(|v| v == GRPC_REQUESTED_SERVER_NAME)
                        // The model finds the requested_server_name matcher
                        // in the RBAC policy istiod builds from this rule.
                        || servers_the_model_flags(context, policy, i, "GRPC051").is_empty()
                    {
                        continue;
                    }
                    "gRPC sees an empty requested server name"
                } else if key.starts_with("experimental.envoy.filters.") {
                    // istiod turns these into Envoy filter metadata matchers,
                    // which mesh does not render: the rule alone decides.
                    "gRPC has no Envoy filter metadata"
                } else {
                    continue;
                };
                let outcome = if condition.values.is_empty() && !condition.not_values.is_empty() {
                    "always matches"
                } else {
                    "never matches"
                };
                findings
                    .report(
                        policy.object,
                        &rule_path(i).field("when").index(k).field("key"),
                        format!(
                            "{key} {outcome} on proxyless gRPC servers {} ({what}), so this {} rule {}",
                            context.workload_names(&policy.servers),
                            action_name(policy.action),
                            if outcome == "never matches" { "never applies" } else { "ignores the condition" }
                        ),
                    )
                    .help = Some(
                    "match on to.operation.hosts or on mTLS identity instead".into(),
                );
            }
        }
    }
}
