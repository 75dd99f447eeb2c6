use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::security::AuthorizationPolicyAction;
use crate::semantics::authorization::{
    peer_identity_conditions, rule_matches_port, PeerIdentityCondition,
};

use super::scope::{authorization_policies, rule_path, server_ports};

declare_rule! {
    /// An AuthorizationPolicy matches peer identity on proxyless gRPC servers that serve plaintext.
    ///
    /// ## What it checks
    /// An ALLOW or DENY AuthorizationPolicy whose rules match the peer's mTLS
    /// identity (`principals`, `namespaces`, `serviceAccounts`,
    /// `trustDomains`, their `not` forms, or `when` on `source.principal` /
    /// `source.namespace`) and that selects proxyless gRPC servers with a
    /// plaintext port (DISABLE, PERMISSIVE without the
    /// `security.istio.io/tlsMode: istio` label, or no PeerAuthentication).
    ///
    /// ## Why it matters
    /// Istio turns identities into RBAC `authenticated.principal_name`
    /// matchers, which need the peer certificate of an mTLS connection (spec
    /// §2.5, gRFC A41). On a plaintext Listener a positive match never matches
    /// and a negated one always does: an ALLOW rule refuses every caller
    /// (PERMISSION_DENIED), a DENY rule never denies, or a `not` DENY denies
    /// everyone. Envoy sidecars in PERMISSIVE mode would still see mTLS
    /// identities; proxyless servers do not.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: same-ns, namespace: echo-grpc}
    /// spec:
    ///   rules: [{from: [{source: {namespaces: [echo-grpc]}}]}]
    /// # ...and no STRICT PeerAuthentication for the servers
    /// ```
    ///
    /// ## How to fix
    /// Make the servers STRICT (PeerAuthentication) with a DestinationRule
    /// `ISTIO_MUTUAL` for their clients, or match on something plaintext
    /// carries (`ipBlocks`, headers).
    pub static RULE = { code: "GRPC059", name: "identity-match-on-plaintext-server", level: Error, check: check };
}

fn effect(action: AuthorizationPolicyAction, negated: bool) -> &'static str {
    match (action, negated) {
        (AuthorizationPolicyAction::Deny, false) => "this DENY rule never denies",
        (AuthorizationPolicyAction::Deny, true) => "this DENY rule denies every caller",
        (_, false) => "this ALLOW rule refuses every caller (PERMISSION_DENIED)",
        (_, true) => "this ALLOW rule allows every caller",
    }
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
            // Servers plaintext on a port this rule can match (`to` ports).
            let plaintext: Vec<_> = policy
                .servers
                .iter()
                .copied()
                .filter(|&server| {
                    server_ports(context, server, None).into_iter().any(|port| {
                        port.is_none_or(|p| rule_matches_port(rule, p))
                            && !context.server_mtls(server, port).mtls
                    })
                })
                .collect();
            if plaintext.is_empty() {
                continue;
            }
            let servers = context.workload_names(&plaintext);
            let hits = peer_identity_conditions(rule, &rule_path(i));
            for PeerIdentityCondition {
                path,
                name: what,
                negated,
            } in hits
            {
                let outcome = if negated {
                    "always matches"
                } else {
                    "never matches"
                };
                findings
                    .report(
                        policy.object,
                        &path,
                        format!(
                            "{what} needs the peer's mTLS certificate, but proxyless gRPC servers {servers} serve plaintext: it {outcome}, so {}",
                            effect(policy.action, negated)
                        ),
                    )
                    .help = Some(
                    "make the servers STRICT (with ISTIO_MUTUAL clients), or match on ipBlocks or headers".into(),
                );
            }
        }
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
metadata: {name: deny-others, namespace: echo-grpc}
spec:
  action: DENY
  rules: [{from: [{source: {notNamespaces: [echo-grpc]}}]}]
"
    );

    #[test]
    fn negated_deny_denies_everyone_until_strict() {
        let found = run_rule("GRPC059", "t.yaml", BASE);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0]
            .4
            .contains("always matches, so this DENY rule denies every caller"));
        let strict = format!(
            "{BASE}---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: s, namespace: echo-grpc}}\nspec: {{mtls: {{mode: STRICT}}}}\n"
        );
        assert_eq!(run_rule("GRPC059", "t.yaml", &strict), vec![]);
    }
}
