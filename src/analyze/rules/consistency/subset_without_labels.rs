use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A DestinationRule subset has no labels, so it is every endpoint of its host.
    ///
    /// ## What it checks
    /// Every entry of a DestinationRule's `subsets` must set `labels`.
    ///
    /// ## Why it matters
    /// A subset is the host's endpoints that carry its labels. Without labels
    /// it holds all of them, so a route to `v2` also reaches `v1` pods: the
    /// split the routes promise does not happen.
    ///
    /// ## Example
    /// ```yaml
    /// subsets:
    /// - name: v2        # no labels: every pod of the host
    /// ```
    ///
    /// ## How to fix
    /// Give the subset the labels that tell its pods apart (`labels: {version: v2}`),
    /// or route to the host without a subset.
    pub static RULE = { code: "MESH101", name: "destination-rule-subset-without-labels", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::DestinationRule(rule) = &object.spec else {
            continue;
        };
        let host = rule.host.as_deref().unwrap_or_default();
        for (i, subset) in rule.subsets.iter().enumerate() {
            if !subset.labels.is_empty() {
                continue;
            }
            let name = subset.name.as_deref().unwrap_or_default();
            findings
                .report(
                    object,
                    &FieldPath::root().field("spec").field("subsets").index(i),
                    format!("Subset {name:?} has no labels: it holds every endpoint of {host}"),
                )
                .help = Some("add the labels that select the subset's pods".to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "destination-rule-subset-without-labels";

    #[test]
    fn reports_subsets_without_labels() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [finding(
                "MESH101",
                "DestinationRule shop/reviews",
                10,
                "spec.subsets[1]",
                "Subset \"v2\" has no labels: it holds every endpoint of reviews",
            )]
        );
    }

    #[test]
    fn silent_when_every_subset_has_labels() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
