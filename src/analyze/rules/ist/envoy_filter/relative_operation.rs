use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::patches::{report, Issue};

declare_rule! {
    /// An EnvoyFilter without a priority uses a relative patch operation.
    ///
    /// ## What it checks
    /// An EnvoyFilter with no `priority` (or priority 0) and a patch whose
    /// operation is INSERT_BEFORE, INSERT_AFTER, REPLACE or REMOVE (REPLACE
    /// and REMOVE where they apply), reported once per EnvoyFilter
    /// (istioctl's IST0151). When another patch pins the same filter name to
    /// a `proxyVersion`, the finding is
    /// `envoy-filter-relative-operation-with-proxy-version` instead.
    ///
    /// ## Why it matters
    /// A relative operation works on what earlier EnvoyFilters produced.
    /// Filters of equal priority are applied in creation order, so the filter
    /// the patch expects may not be there yet, and the patch silently does
    /// nothing.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1alpha3
    /// kind: EnvoyFilter
    /// metadata: {name: lua, namespace: shop}
    /// spec:
    ///   configPatches:
    ///   - applyTo: HTTP_FILTER
    ///     match:
    ///       listener:
    ///         filterChain:
    ///           filter: {name: envoy.filters.network.http_connection_manager}
    ///     patch:
    ///       operation: INSERT_BEFORE
    ///       value: {name: envoy.lua}
    /// ```
    ///
    /// ## How to fix
    /// Set `priority` on the EnvoyFilter, or use INSERT_FIRST or ADD, which do not depend on other filters.
    pub static RULE = { code: "IST0151", name: "envoy-filter-relative-operation-without-priority", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    report(
        context.index,
        findings,
        Issue::Relative,
        "This EnvoyFilter does not have a priority and has a relative patch operation set which can cause the EnvoyFilter not to be applied. Using the INSERT_FIRST or ADD option or setting the priority may help in ensuring the EnvoyFilter is applied correctly.",
    );
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/envoy-filter-operations.yaml"
    );

    #[test]
    fn reports_relative_operations_without_priority_once_per_filter() {
        assert_eq!(
            findings("envoy-filter-relative-operation-without-priority", FIXTURE),
            [
                "IST0151 EnvoyFilter shop/no-priority 16 spec.configPatches[0].patch.operation This EnvoyFilter does not have a priority and has a relative patch operation set which can cause the EnvoyFilter not to be applied. Using the INSERT_FIRST or ADD option or setting the priority may help in ensuring the EnvoyFilter is applied correctly.",
            ]
        );
    }
}
