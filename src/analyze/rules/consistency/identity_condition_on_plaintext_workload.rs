use super::sidecar_servers::{client_tls, decided_by, server_ports, sidecar_workloads};
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::ClientTLSMode;
use crate::model::security::{AuthorizationPolicyAction, MutualTLSMode};
use crate::model::Spec;
use crate::semantics::authorization::{
    applies, peer_identity_conditions, rule_matches_port, PeerIdentityCondition,
};
use crate::source::FieldPath;

declare_rule! {
    /// An AuthorizationPolicy matches peer identity on workloads that receive plaintext.
    ///
    /// ## What it checks
    /// An ALLOW or DENY AuthorizationPolicy rule with a condition on the
    /// caller's mTLS identity (`principals`, `namespaces`,
    /// `serviceAccounts`, `trustDomains`, their `not` forms, `when` on
    /// `source.principal` / `source.namespace`) that applies to a workload
    /// (not a proxyless gRPC server: GRPC059 checks those) receiving
    /// plaintext on a port the rule can match:
    /// - its effective PeerAuthentication is DISABLE there; or
    /// - it is PERMISSIVE and the DestinationRule of some namespace's
    ///   clients sets `tls.mode: DISABLE` towards it.
    ///
    /// ## Why it matters
    /// Identity conditions need the peer certificate of an mTLS connection.
    /// On plaintext a positive one never matches and a negated one always
    /// does: an ALLOW rule refuses those callers (403), a DENY rule lets
    /// them through, or a negated DENY denies them all.
    ///
    /// ## Example
    /// ```yaml
    /// kind: AuthorizationPolicy
    /// metadata: {name: same-namespace, namespace: shop}
    /// spec:
    ///   rules: [{from: [{source: {namespaces: [shop]}}]}]
    /// ---
    /// kind: PeerAuthentication
    /// metadata: {namespace: shop}
    /// spec: {mtls: {mode: DISABLE}}
    /// ```
    ///
    /// ## How to fix
    /// Serve mTLS (STRICT, or PERMISSIVE with mTLS clients), or match on
    /// what plaintext carries (`ipBlocks`, headers).
    pub static RULE = { code: "MESH110", name: "identity-condition-on-plaintext-workload", level: Warning, check: check };
}

fn effect(action: AuthorizationPolicyAction, negated: bool) -> &'static str {
    match (action, negated) {
        (AuthorizationPolicyAction::Deny, false) => "this DENY rule never denies them",
        (AuthorizationPolicyAction::Deny, true) => "this DENY rule denies them all",
        (_, false) => "this ALLOW rule refuses them (403)",
        (_, true) => "this ALLOW rule allows them all",
    }
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let servers: Vec<_> = sidecar_workloads(index)
        .map(|workload| (workload, server_ports(index, workload)))
        .filter(|(_, ports)| !ports.is_empty())
        .collect();
    for object in &index.objects {
        let Spec::AuthorizationPolicy(policy) = &object.spec else {
            continue;
        };
        let action = policy.action.unwrap_or_default();
        if !matches!(
            action,
            AuthorizationPolicyAction::Allow | AuthorizationPolicyAction::Deny
        ) {
            continue;
        }
        let selected: Vec<_> = servers
            .iter()
            .filter(|(workload, _)| applies(index, object, &workload.namespace, &workload.labels))
            .collect();
        if selected.is_empty() {
            continue;
        }
        for (i, rule) in policy.rules.iter().enumerate() {
            let rule_path = FieldPath::root().field("spec").field("rules").index(i);
            let conditions = peer_identity_conditions(rule, &rule_path);
            if conditions.is_empty() {
                continue;
            }
            // Each workload receiving plaintext on a port the rule matches, and why.
            let mut plaintext: Vec<String> = Vec::new();
            for (workload, ports) in &selected {
                let why = ports
                    .iter()
                    .filter(|port| rule_matches_port(rule, port.target))
                    .find_map(|port| match port.tls.mode {
                        MutualTLSMode::Disable => Some(decided_by(&port.tls)),
                        MutualTLSMode::Permissive => client_tls(index, port)
                            .into_iter()
                            .find(|client| client.mode == ClientTLSMode::Disable)
                            .map(|client| {
                                format!(
                                    "{}, and DestinationRule {}/{} sends plaintext from {}",
                                    decided_by(&port.tls),
                                    client
                                        .source
                                        .object
                                        .namespace_or(crate::index::DEFAULT_NAMESPACE),
                                    client.source.object.meta.name,
                                    client.namespace
                                )
                            }),
                        _ => None,
                    });
                if let Some(why) = why {
                    plaintext.push(format!("{}/{} ({why})", workload.namespace, workload.name));
                }
            }
            if plaintext.is_empty() {
                continue;
            }
            for PeerIdentityCondition {
                path,
                name,
                negated,
            } in conditions
            {
                let outcome = if negated {
                    "always matches"
                } else {
                    "never matches"
                };
                findings
                    .report(
                        object,
                        &path,
                        format!(
                            "{name} needs the caller's mTLS identity, but {} receive plaintext: on plaintext requests it {outcome}, so {}",
                            plaintext.join(", "),
                            effect(action, negated)
                        ),
                    )
                    .help = Some(
                    "serve mTLS (STRICT, or ISTIO_MUTUAL clients), or match on ipBlocks or headers"
                        .to_string(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "identity-condition-on-plaintext-workload";

    #[test]
    fn reports_identity_conditions_on_plaintext_workloads() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [
                finding(
                    "MESH110",
                    "AuthorizationPolicy shop/same-namespace",
                    25,
                    "spec.rules[0].from[0].source.namespaces",
                    "namespaces needs the caller's mTLS identity, but shop/reviews (PeerAuthentication shop/off sets DISABLE) receive plaintext: on plaintext requests it never matches, so this ALLOW rule refuses them (403)",
                ),
                finding(
                    "MESH110",
                    "AuthorizationPolicy books/deny-others",
                    54,
                    "spec.rules[0].from[0].source.notPrincipals",
                    "notPrincipals needs the caller's mTLS identity, but books/ratings (no PeerAuthentication sets a mode: PERMISSIVE, and DestinationRule books/ratings sends plaintext from books) receive plaintext: on plaintext requests it always matches, so this DENY rule denies them all",
                ),
            ]
        );
    }

    #[test]
    fn silent_on_mtls_workloads_and_proxyless_servers() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
