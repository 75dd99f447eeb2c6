use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::semantics::authorization::source_path;

declare_rule! {
    /// An AuthorizationPolicy principal is in a trust domain the mesh does not have.
    ///
    /// ## What it checks
    /// Every `principals` and `notPrincipals` entry of the form
    /// `TRUST_DOMAIN/ns/NAMESPACE/sa/ACCOUNT` whose trust domain (no `*` in
    /// it) is neither the mesh config's `trustDomain` (`cluster.local`
    /// without `--mesh-config`) nor one of its `trustDomainAliases`.
    ///
    /// ## Why it matters
    /// Peers present identities of the mesh's trust domain: a principal of
    /// another never matches. In an ALLOW rule the callers it names are
    /// denied; in a DENY rule they get through. A trust domain changed
    /// without aliases, or a copied policy, is the usual cause.
    ///
    /// ## Example
    /// ```yaml
    /// # meshConfig.trustDomain: prod.example.com
    /// - from:
    ///   - source:
    ///       principals: ["cluster.local/ns/shop/sa/frontend"]
    /// ```
    ///
    /// ## How to fix
    /// Write the mesh's trust domain (or `*/ns/NAMESPACE/sa/ACCOUNT`), or list
    /// the old trust domain in `trustDomainAliases`.
    pub static RULE = { code: "MESH108", name: "principal-in-foreign-trust-domain", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let mesh = &context.index.mesh_config;
    let ours = |domain: &str| {
        domain == mesh.trust_domain || mesh.trust_domain_aliases.iter().any(|a| a == domain)
    };
    for object in &context.index.objects {
        let Spec::AuthorizationPolicy(policy) = &object.spec else {
            continue;
        };
        for (i, rule) in policy.rules.iter().enumerate() {
            for (j, from) in rule.from.iter().enumerate() {
                let Some(source) = &from.source else { continue };
                for (field, list) in [
                    ("principals", &source.principals),
                    ("notPrincipals", &source.not_principals),
                ] {
                    for (k, principal) in list.iter().enumerate() {
                        let Some((domain, _)) = principal.split_once("/ns/") else {
                            continue;
                        };
                        if domain.is_empty() || domain.contains('*') || ours(domain) {
                            continue;
                        }
                        findings
                            .report(
                                object,
                                &source_path(i, j).field(field).index(k),
                                format!(
                                    "Principal {principal:?} is in trust domain {domain:?}, not the mesh's {:?}: it never matches",
                                    mesh.trust_domain
                                ),
                            )
                            .help = Some(
                            "use the mesh's trust domain, or add this one to trustDomainAliases (--mesh-config gives the mesh config)"
                                .to_string(),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "principal-in-foreign-trust-domain";

    #[test]
    fn reports_principals_of_other_trust_domains() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [finding(
                "MESH108",
                "AuthorizationPolicy shop/reviews",
                12,
                "spec.rules[0].from[0].source.principals[1]",
                "Principal \"prod.example.com/ns/shop/sa/frontend\" is in trust domain \"prod.example.com\", not the mesh's \"cluster.local\": it never matches",
            )]
        );
    }

    #[test]
    fn silent_for_the_mesh_trust_domain_and_wildcards() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
