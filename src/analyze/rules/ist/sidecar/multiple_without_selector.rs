use std::collections::BTreeMap;

use crate::analyze::rules::ist::authorization_policy::in_mesh::is_ambient_namespace;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::selection::{go_list, sidecars, workloads, SidecarSelection};

declare_rule! {
    /// More than one Sidecar in a namespace has no workloadSelector.
    ///
    /// ## What it checks
    /// A namespace may hold at most one Sidecar without a `workloadSelector`
    /// (or with empty labels): that Sidecar is the namespace default. Each of
    /// them is reported (istioctl's IST0111). Namespaces in ambient mode are
    /// left to `sidecar-on-ambient-workload`.
    ///
    /// ## Why it matters
    /// Istio uses only one default Sidecar per namespace and which one is not
    /// defined, so the namespace's egress config may change on any restart
    /// of istiod.
    ///
    /// ## Example
    /// ```yaml
    /// # two of these in namespace shop
    /// apiVersion: networking.istio.io/v1
    /// kind: Sidecar
    /// metadata: {name: default, namespace: shop}
    /// spec:
    ///   egress:
    ///   - hosts: ["./*"]
    /// ```
    ///
    /// ## How to fix
    /// Merge the namespace-wide Sidecars into one, or give all but one a workloadSelector.
    pub static RULE = { code: "IST0111", name: "multiple-sidecars-without-selector", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let workloads = workloads(index);
    let mut by_namespace: BTreeMap<&str, Vec<SidecarSelection<'_>>> = BTreeMap::new();
    for sidecar in sidecars(index, &workloads) {
        if sidecar.selector.is_none() {
            by_namespace
                .entry(sidecar.namespace)
                .or_default()
                .push(sidecar);
        }
    }
    for (namespace, list) in by_namespace {
        let ambient = index
            .namespace(namespace)
            .is_some_and(|info| is_ambient_namespace(&info.labels));
        if list.len() < 2 || ambient {
            continue;
        }
        let mut names: Vec<&str> = list.iter().map(|s| s.object.display_name()).collect();
        names.sort_unstable();
        let message = format!(
            "The Sidecars {} in namespace {namespace:?} have no workload selector, which can lead to undefined behavior.",
            go_list(&names)
        );
        for sidecar in &list {
            findings
                .report(
                    sidecar.object,
                    &FieldPath::root().field("spec"),
                    message.clone(),
                )
                .help = Some(
                "keep one namespace-wide Sidecar; give the others a workloadSelector".to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/multiple-sidecars-without-selector.yaml"
    );

    #[test]
    fn reports_every_namespace_wide_sidecar_in_a_namespace_with_two() {
        assert_eq!(
            findings("multiple-sidecars-without-selector", FIXTURE),
            [
                "IST0111 Sidecar shop/default 6 spec The Sidecars [default egress] in namespace \"shop\" have no workload selector, which can lead to undefined behavior.",
                "IST0111 Sidecar shop/egress 13 spec The Sidecars [default egress] in namespace \"shop\" have no workload selector, which can lead to undefined behavior.",
            ]
        );
    }
}
