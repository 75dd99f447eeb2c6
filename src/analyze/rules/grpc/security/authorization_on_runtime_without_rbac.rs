use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::{Feature, Language};
use crate::model::security::AuthorizationPolicyAction;
use crate::source::FieldPath;

use super::scope::{authorization_policies, gaps_text, known_runtime_gaps};

declare_rule! {
    /// An AuthorizationPolicy reaches proxyless gRPC servers whose runtime has no RBAC support (gRFC A41).
    ///
    /// ## What it checks
    /// An ALLOW or DENY AuthorizationPolicy with rules that selects proxyless
    /// gRPC servers whose runtime (from `--grpc` or the
    /// `mesh.dev/grpc-runtime` annotation) lacks xDS authorization: C++ and
    /// Python before 1.51, Java and Go before 1.42, and Ruby, PHP and Node.
    /// With `--grpc any` the rule stays silent: it assumes a current C++, Java
    /// or Go release.
    ///
    /// ## Why it matters
    /// istiod puts the policy in the server Listener as an RBAC HTTP filter
    /// (spec §2.5). A server without A41 does not know that filter, and the
    /// filter is not optional, so it rejects (NACK) the whole Listener: a
    /// running server keeps its last good config (without the policy), a new
    /// one never starts serving. gRPC Node has no xDS server, so nothing
    /// enforces the policy.
    ///
    /// ## Example
    /// ```yaml
    /// # server pod template annotated mesh.dev/grpc-runtime: cpp@1.50
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: deny-other-ns, namespace: echo-grpc}
    /// spec:
    ///   action: DENY
    ///   rules: [{from: [{source: {notNamespaces: [echo-grpc]}}]}]
    /// ```
    ///
    /// ## How to fix
    /// Upgrade the servers (C++/Python 1.51, Java/Go 1.42 or later), or keep
    /// them out of the policy's selector and authorize in the application.
    pub static RULE = { code: "GRPC057", name: "authorization-on-runtime-without-rbac", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for policy in authorization_policies(context) {
        if !matches!(
            policy.action,
            AuthorizationPolicyAction::Allow | AuthorizationPolicyAction::Deny
        ) || policy.spec.rules.is_empty()
        {
            continue;
        }
        // The model judges the RBAC filters of each server's rendered
        // listeners; the matrix only words the runtimes it found.
        let refusing: Vec<_> = policy
            .servers
            .iter()
            .copied()
            .filter(|server| !context.server_model_says(server, "GRPC057").is_empty())
            .collect();
        let Some((affected, gaps)) = known_runtime_gaps(context, &refusing, Feature::Authorization)
        else {
            continue;
        };
        let node = if gaps.iter().any(|g| g.language == Language::Node) {
            "; gRPC Node has no xDS server at all, so nothing enforces the policy there"
        } else {
            ""
        };
        findings
            .report(
                policy.object,
                &FieldPath::root().field("spec").field("rules"),
                format!(
                    "the RBAC filter this policy becomes is {} (no xDS authorization, gRFC A41): the server Listener of proxyless servers {} is refused, leaving them on their last good config without the policy, or not serving{node}",
                    gaps_text(Feature::Authorization, &gaps),
                    context.workload_names(&affected)
                ),
            )
            .help = Some(
            "upgrade the servers (C++/Python 1.51+, Java/Go 1.42+) or authorize in the application".into(),
        );
    }
}
