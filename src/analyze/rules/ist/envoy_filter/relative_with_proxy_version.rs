use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::patches::{report, Issue};

declare_rule! {
    /// An EnvoyFilter without a priority uses a relative patch operation on a filter that a patch pins to a proxyVersion.
    ///
    /// ## What it checks
    /// As `envoy-filter-relative-operation-without-priority`, when the
    /// patched filter name (`patch.value.name`, else the matched listener
    /// filter's name) is also patched with a `match.proxy.proxyVersion` by an
    /// earlier patch of the same EnvoyFilter or by another EnvoyFilter;
    /// reported once per EnvoyFilter (istioctl's IST0155).
    ///
    /// ## Why it matters
    /// Filters pinned to a proxy version are used for upgrades: while old and
    /// new proxies run side by side, a different set of patches applies to
    /// each, and a relative operation without a priority may find nothing to
    /// act on, on one of them.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   configPatches:
    ///   - applyTo: HTTP_FILTER
    ///     match:
    ///       proxy: {proxyVersion: '^1\.11.*'}
    ///     patch: {operation: REPLACE, value: {name: envoy.lua}}
    ///   - applyTo: HTTP_FILTER
    ///     patch: {operation: REPLACE, value: {name: envoy.lua}}
    /// ```
    ///
    /// ## How to fix
    /// Set `priority` on the EnvoyFilters, or use INSERT_FIRST or ADD.
    pub static RULE = { code: "IST0155", name: "envoy-filter-relative-operation-with-proxy-version", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    report(
        context.index,
        findings,
        Issue::RelativeWithProxyVersion,
        "This EnvoyFilter does not have a priority and has a relative patch operation (INSERT_BEFORE/AFTER, REPLACE, REMOVE) and proxyVersion set which can cause the EnvoyFilter not to be applied during an upgrade. Using the INSERT_FIRST or ADD option or setting the priority may help in ensuring the EnvoyFilter is applied correctly.",
    );
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/envoy-filter-operations.yaml"
    );

    #[test]
    fn reports_relative_operations_on_pinned_filters() {
        assert_eq!(
            findings("envoy-filter-relative-operation-with-proxy-version", FIXTURE),
            [
                "IST0155 EnvoyFilter shop/pinned 70 spec.configPatches[1].patch.operation This EnvoyFilter does not have a priority and has a relative patch operation (INSERT_BEFORE/AFTER, REPLACE, REMOVE) and proxyVersion set which can cause the EnvoyFilter not to be applied during an upgrade. Using the INSERT_FIRST or ADD option or setting the priority may help in ensuring the EnvoyFilter is applied correctly.",
            ]
        );
    }
}
