use std::collections::BTreeMap;

use crate::analyze::rules::ist::gateway::lookup::full_name;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::DEFAULT_NAMESPACE;
use crate::model::{Object, Spec};
use crate::semantics::creation_order;
use crate::source::FieldPath;

declare_rule! {
    /// Two DestinationRules of one namespace define the same subset for the same host.
    ///
    /// ## What it checks
    /// DestinationRules in one namespace, for the same host (made fully
    /// qualified) and without a `workloadSelector`, are merged by istiod into
    /// one. A subset name they both define is reported on every rule but the
    /// oldest (creation time, then name), whose subset istiod keeps.
    ///
    /// ## Why it matters
    /// istiod drops the later definition without a word: its labels and
    /// traffic policy never apply, and which one wins depends on creation
    /// order.
    ///
    /// ## Example
    /// ```yaml
    /// # reviews-a: subsets [{name: v1, labels: {version: v1}}]
    /// # reviews-b: subsets [{name: v1, labels: {version: v1-canary}}]
    /// ```
    ///
    /// ## How to fix
    /// Define each subset once per host, or merge the rules into one.
    pub static RULE = { code: "MESH102", name: "duplicate-destination-rule-subset", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    // Rules istiod merges: same namespace and host, no workloadSelector.
    let mut merged: BTreeMap<(&str, String), Vec<&Object>> = BTreeMap::new();
    for object in &index.objects {
        let Spec::DestinationRule(rule) = &object.spec else {
            continue;
        };
        let Some(host) = rule.host.as_deref() else {
            continue;
        };
        if rule.workload_selector.is_some() {
            continue;
        }
        let namespace = object.namespace_or(DEFAULT_NAMESPACE);
        merged
            .entry((namespace, index.config_host_fqdn(host, namespace)))
            .or_default()
            .push(object);
    }
    for ((_, host), mut rules) in merged {
        if rules.len() < 2 {
            continue;
        }
        rules.sort_by(|a, b| creation_order(a).cmp(&creation_order(b)));
        let mut kept: BTreeMap<&str, &Object> = BTreeMap::new();
        for object in rules {
            let Spec::DestinationRule(rule) = &object.spec else {
                continue;
            };
            for (i, subset) in rule.subsets.iter().enumerate() {
                let Some(name) = subset.name.as_deref() else {
                    continue;
                };
                match kept.get(name) {
                    Some(first) if !std::ptr::eq(*first, object) => {
                        findings
                            .report(
                                object,
                                &FieldPath::root()
                                    .field("spec")
                                    .field("subsets")
                                    .index(i)
                                    .field("name"),
                                format!(
                                    "Subset {name:?} of {host} is also defined by DestinationRule {}; istiod keeps that one",
                                    full_name(first)
                                ),
                            )
                            .help = Some("define each subset of a host once".to_string());
                    }
                    Some(_) => {}
                    None => {
                        kept.insert(name, object);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "duplicate-destination-rule-subset";

    #[test]
    fn reports_the_later_definition_of_a_subset() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [finding(
                "MESH102",
                "DestinationRule shop/reviews-b",
                18,
                "spec.subsets[0].name",
                "Subset \"v1\" of reviews.shop.svc.cluster.local is also defined by DestinationRule shop/reviews-a; istiod keeps that one",
            )]
        );
    }

    #[test]
    fn silent_for_distinct_subsets_namespaces_and_selectors() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
