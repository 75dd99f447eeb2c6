use std::collections::BTreeSet;

use crate::analyze::unresolved::Referenced;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::Index;
use crate::model::Spec;
use crate::semantics::authorization::source_path;

declare_rule! {
    /// An AuthorizationPolicy names a service account nothing in the inputs has.
    ///
    /// ## What it checks
    /// Every `principals` and `notPrincipals` entry
    /// `TRUST_DOMAIN/ns/NAMESPACE/sa/ACCOUNT` in the mesh's trust domain, one
    /// of its aliases or a wildcard one (others are MESH108's), and every `serviceAccounts` and
    /// `notServiceAccounts` entry `NAMESPACE/ACCOUNT`, without `*`: a
    /// ServiceAccount of that name must exist in that namespace, or a
    /// workload there (pod, pod template, WorkloadEntry) must run as it.
    /// `default` exists in every namespace. When the inputs hold neither
    /// ServiceAccounts nor pods naming a `serviceAccountName`, these
    /// findings are set aside and counted in the run summary
    /// (`--report-unresolved ServiceAccount` reports them; README, Partial
    /// inputs).
    ///
    /// ## Why it matters
    /// Peers present the identity of the account their pod runs as. A
    /// misspelt or deleted account matches no caller: an ALLOW rule denies
    /// the callers it was written for, a DENY rule lets them through.
    ///
    /// ## Example
    /// ```yaml
    /// - from:
    ///   - source:
    ///       principals: ["cluster.local/ns/shop/sa/fronted"]   # typo
    /// ```
    ///
    /// ## How to fix
    /// Name the account the callers' pods run as (`serviceAccountName`), or
    /// create it.
    pub static RULE = { code: "MESH111", name: "principal-service-account-not-found", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let existing = existing_accounts(index);
    let mesh = &index.mesh_config;
    // A wildcard trust domain still needs the account to exist.
    let ours = |domain: &str| {
        domain.contains('*')
            || domain == mesh.trust_domain
            || mesh.trust_domain_aliases.iter().any(|a| a == domain)
    };
    for object in &index.objects {
        let Spec::AuthorizationPolicy(policy) = &object.spec else {
            continue;
        };
        for (i, rule) in policy.rules.iter().enumerate() {
            for (j, from) in rule.from.iter().enumerate() {
                let Some(source) = &from.source else { continue };
                for (field, list, spelling) in [
                    ("principals", &source.principals, Spelling::Principal),
                    ("notPrincipals", &source.not_principals, Spelling::Principal),
                    (
                        "serviceAccounts",
                        &source.service_accounts,
                        Spelling::Account,
                    ),
                    (
                        "notServiceAccounts",
                        &source.not_service_accounts,
                        Spelling::Account,
                    ),
                ] {
                    for (k, entry) in list.iter().enumerate() {
                        let Some((namespace, account)) = spelling.account(entry, ours) else {
                            continue;
                        };
                        if namespace.is_empty()
                            || account.is_empty()
                            || namespace.contains('*')
                            || account.contains('*')
                            || account == "default"
                            || existing.contains(&(namespace, account))
                        {
                            continue;
                        }
                        findings
                            .report_unresolved(
                                object,
                                &source_path(i, j).field(field).index(k),
                                format!(
                                    "{entry:?} names service account {namespace}/{account}, which no ServiceAccount or workload in the inputs has: it matches no caller"
                                ),
                                Referenced::ServiceAccount,
                            )
                            .help = Some(
                            "name the account the callers' pods run as (serviceAccountName), or create it".to_string(),
                        );
                    }
                }
            }
        }
    }
}

/// How a source field names a service account.
#[derive(Clone, Copy)]
enum Spelling {
    /// `TRUST_DOMAIN/ns/NAMESPACE/sa/ACCOUNT`.
    Principal,
    /// `NAMESPACE/ACCOUNT`.
    Account,
}

impl Spelling {
    /// The (namespace, account) an entry names; a principal of a trust
    /// domain that is not `ours` names none.
    fn account(self, entry: &str, ours: impl Fn(&str) -> bool) -> Option<(&str, &str)> {
        match self {
            Spelling::Principal => {
                let (domain, rest) = entry.split_once("/ns/")?;
                ours(domain).then(|| rest.split_once("/sa/")).flatten()
            }
            Spelling::Account => entry.split_once('/'),
        }
    }
}

/// (namespace, name) of every ServiceAccount in the inputs and every
/// account a workload runs as.
fn existing_accounts(index: &Index) -> BTreeSet<(&str, &str)> {
    let declared = index
        .objects
        .iter()
        .filter(|object| object.group().is_empty() && object.kind() == "ServiceAccount")
        .map(|object| {
            (
                object.namespace_or(crate::index::DEFAULT_NAMESPACE),
                object.meta.name.as_str(),
            )
        });
    let run_as = index.workloads().iter().filter_map(|workload| {
        Some((
            workload.namespace.as_str(),
            workload.service_account.as_deref()?,
        ))
    });
    declared.chain(run_as).collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "principal-service-account-not-found";

    #[test]
    fn reports_accounts_nothing_has() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [
                finding(
                    "MESH111",
                    "AuthorizationPolicy shop/reviews",
                    30,
                    "spec.rules[0].from[0].source.principals[2]",
                    "\"cluster.local/ns/shop/sa/fronted\" names service account shop/fronted, which no ServiceAccount or workload in the inputs has: it matches no caller",
                ),
                finding(
                    "MESH111",
                    "AuthorizationPolicy shop/reviews",
                    32,
                    "spec.rules[0].from[0].source.serviceAccounts[0]",
                    "\"shop/legacy\" names service account shop/legacy, which no ServiceAccount or workload in the inputs has: it matches no caller",
                ),
            ]
        );
    }

    #[test]
    fn silent_for_accounts_declared_or_run_as_wildcards_and_other_trust_domains() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
