use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::pod::parse_go_bool;
use crate::model::security::AuthorizationPolicyAction;
use crate::source::FieldPath;

use super::scope::{action_name, authorization_policies};

/// The annotation that makes an AuthorizationPolicy dry-run for Envoy.
const DRY_RUN: &str = "istio.io/dry-run";

declare_rule! {
    /// A dry-run AuthorizationPolicy is enforced on proxyless gRPC servers.
    ///
    /// ## What it checks
    /// An ALLOW or DENY AuthorizationPolicy annotated
    /// `istio.io/dry-run: "true"` that selects proxyless gRPC servers.
    ///
    /// ## Why it matters
    /// Envoy sidecars only log what a dry-run policy would do. istiod's gRPC
    /// generator never reads the annotation (spec §2.5): proxyless servers
    /// get the policy as a real RBAC filter, so a policy being tried out
    /// already denies requests (RPCs fail with PERMISSION_DENIED).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata:
    ///   name: try-deny
    ///   namespace: echo-grpc
    ///   annotations: {istio.io/dry-run: "true"}
    /// spec:
    ///   action: DENY
    ///   rules: [{from: [{source: {notNamespaces: [echo-grpc]}}]}]
    /// ```
    ///
    /// ## How to fix
    /// Try the policy on Envoy workloads first, or exclude the proxyless
    /// servers with the selector until it is meant to be enforced.
    pub static RULE = { code: "GRPC047", name: "dry-run-policy-enforced", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for policy in authorization_policies(context) {
        if !matches!(
            policy.action,
            AuthorizationPolicyAction::Allow | AuthorizationPolicyAction::Deny
        ) {
            continue;
        }
        let dry_run = policy
            .object
            .meta
            .annotations
            .get(DRY_RUN)
            .and_then(|v| parse_go_bool(v))
            .unwrap_or(false);
        if !dry_run {
            continue;
        }
        let effect = match policy.action {
            AuthorizationPolicyAction::Deny => "requests it matches are denied",
            _ => "requests it does not allow are denied",
        };
        findings
            .report(
                policy.object,
                &FieldPath::root()
                    .field("metadata")
                    .field("annotations")
                    .field(DRY_RUN),
                format!(
                    "istio.io/dry-run is not honoured by proxyless gRPC: this {} policy is enforced on proxyless servers {}, so {effect} (PERMISSION_DENIED) instead of only being logged",
                    action_name(policy.action),
                    context.workload_names(&policy.servers)
                ),
            )
            .help = Some(
            "exclude the proxyless servers with the selector until the policy is meant to be enforced".into(),
        );
    }
}
