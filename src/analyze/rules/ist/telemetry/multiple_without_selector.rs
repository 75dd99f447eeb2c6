use std::collections::BTreeMap;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::semantics::telemetry::Attachment;
use crate::source::FieldPath;

use super::{go_list, telemetries, Telemetry};

declare_rule! {
    /// More than one Telemetry in a namespace has no selector.
    ///
    /// ## What it checks
    /// A namespace may hold at most one Telemetry that applies to the whole
    /// namespace: no `selector.matchLabels` and no `targetRef`/`targetRefs`.
    /// Each of them is reported (istioctl's IST0160; istioctl also counts
    /// Telemetries attached by target references, which istiod does not apply
    /// namespace-wide, and not those with an empty selector, which it does).
    ///
    /// ## Why it matters
    /// istiod uses one namespace-wide Telemetry per namespace (per mesh, in
    /// the root namespace): the others are ignored, and which one wins is not
    /// what the configuration says.
    ///
    /// ## Example
    /// ```yaml
    /// # two of these in namespace shop
    /// apiVersion: telemetry.istio.io/v1
    /// kind: Telemetry
    /// metadata: {name: metrics, namespace: shop}
    /// spec:
    ///   metrics:
    ///   - providers: [{name: prometheus}]
    /// ```
    ///
    /// ## How to fix
    /// Merge the namespace-wide Telemetries into one, or give all but one a selector.
    pub static RULE = { code: "IST0160", name: "multiple-telemetries-without-selector", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let mut by_namespace: BTreeMap<&str, Vec<Telemetry<'_>>> = BTreeMap::new();
    for telemetry in telemetries(context.index) {
        if telemetry.attachment == Attachment::NamespaceWide {
            by_namespace
                .entry(telemetry.namespace)
                .or_default()
                .push(telemetry);
        }
    }
    for (namespace, list) in by_namespace {
        if list.len() < 2 {
            continue;
        }
        let mut names: Vec<&str> = list.iter().map(|t| t.object.display_name()).collect();
        names.sort_unstable();
        let message = format!(
            "The Telemetries {} in namespace {namespace:?} have no workload selector, which can lead to undefined behavior.",
            go_list(&names)
        );
        for telemetry in &list {
            findings
                .report(
                    telemetry.object,
                    &FieldPath::root().field("spec"),
                    message.clone(),
                )
                .help =
                Some("keep one namespace-wide Telemetry; give the others a selector".to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/traffic-and-policy/telemetry-selectors.yaml");

    #[test]
    fn reports_every_namespace_wide_telemetry_in_a_namespace_with_two() {
        assert_eq!(
            findings("multiple-telemetries-without-selector", FIXTURE),
            [
                "IST0160 Telemetry shop/metrics 106 spec The Telemetries [logs metrics] in namespace \"shop\" have no workload selector, which can lead to undefined behavior.",
                "IST0160 Telemetry shop/logs 113 spec The Telemetries [logs metrics] in namespace \"shop\" have no workload selector, which can lead to undefined behavior.",
            ]
        );
    }
}
