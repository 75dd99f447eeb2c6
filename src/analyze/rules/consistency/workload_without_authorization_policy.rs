use std::collections::BTreeMap;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::{Workload, WorkloadKind};
use crate::model::security::AuthorizationPolicyAction;
use crate::model::{Object, Spec};
use crate::semantics::authorization::policies_for;
use crate::source::FieldPath;

declare_rule! {
    /// A workload no AuthorizationPolicy covers, while others of its namespace are covered.
    ///
    /// ## What it checks
    /// The pods, workload controllers and WorkloadEntries of each namespace:
    /// when an ALLOW or DENY AuthorizationPolicy applies to some of them (a
    /// policy with a selector; a namespace-wide or mesh-wide one covers them
    /// all), each workload none applies to is reported, naming a covered one.
    /// AUDIT and CUSTOM policies, and policies attached by `targetRef`, do
    /// not count.
    ///
    /// ## Why it matters
    /// Without any ALLOW policy a workload accepts every request. When its
    /// neighbours are locked down one by one, the one left out is usually an
    /// oversight (a new workload, or labels that changed), not a decision.
    ///
    /// ## Example
    /// ```yaml
    /// # AuthorizationPolicy shop/reviews selects app: reviews;
    /// # Deployment shop/ratings (app: ratings) has none.
    /// ```
    ///
    /// ## How to fix
    /// Add a policy for the workload, or a namespace-wide one (an ALLOW
    /// policy without rules denies everything not allowed elsewhere).
    pub static RULE = { code: "MESH112", name: "workload-without-authorization-policy", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let mut by_namespace: BTreeMap<&str, Vec<(&Workload, Option<&Object>)>> = BTreeMap::new();
    for workload in index.workloads() {
        if workload.assumed || workload.kind == WorkloadKind::ServiceEntryEndpoint {
            continue;
        }
        let covering = policies_for(index, &workload.namespace, &workload.labels)
            .into_iter()
            .find(|policy| {
                matches!(&policy.spec, Spec::AuthorizationPolicy(spec) if matches!(
                    spec.action.unwrap_or_default(),
                    AuthorizationPolicyAction::Allow | AuthorizationPolicyAction::Deny
                ))
            });
        by_namespace
            .entry(&workload.namespace)
            .or_default()
            .push((workload, covering));
    }
    for workloads in by_namespace.values() {
        let Some((covered, policy)) = workloads
            .iter()
            .find_map(|(workload, policy)| Some((*workload, (*policy)?)))
        else {
            continue;
        };
        for (workload, _) in workloads.iter().filter(|(_, policy)| policy.is_none()) {
            let object = index.object(workload.object);
            findings
                .report(
                    object,
                    &labels_path(workload, object),
                    format!(
                        "No AuthorizationPolicy applies to workload {}/{}, while {}/{} of its namespace has one (AuthorizationPolicy {}/{}): it accepts every request",
                        workload.namespace,
                        workload.name,
                        covered.namespace,
                        covered.name,
                        policy.namespace_or(crate::index::DEFAULT_NAMESPACE),
                        policy.meta.name
                    ),
                )
                .help = Some(
                "add an AuthorizationPolicy selecting it, or a namespace-wide one".to_string(),
            );
        }
    }
}

/// The labels AuthorizationPolicy selectors match, in the workload's object.
fn labels_path(workload: &Workload, object: &Object) -> FieldPath {
    match workload.kind {
        WorkloadKind::WorkloadEntry => FieldPath::root().field("spec").field("labels"),
        _ => crate::semantics::workload::pod_metadata_path(object).field("labels"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "workload-without-authorization-policy";

    #[test]
    fn reports_the_workload_left_out() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [finding(
                "MESH112",
                "Deployment shop/ratings",
                23,
                "spec.template.metadata.labels",
                "No AuthorizationPolicy applies to workload shop/ratings, while shop/reviews of its namespace has one (AuthorizationPolicy shop/reviews): it accepts every request",
            )]
        );
    }

    #[test]
    fn silent_when_all_or_none_are_covered() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
