use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::patches::{report, Issue};

declare_rule! {
    /// An EnvoyFilter patch uses ADD on a route configuration or HTTP route, where istiod ignores it.
    ///
    /// ## What it checks
    /// A patch with `operation: ADD` and `applyTo: ROUTE_CONFIGURATION` or
    /// `HTTP_ROUTE`, reported once per EnvoyFilter (istioctl's IST0153).
    ///
    /// ## Why it matters
    /// The EnvoyFilter API ignores ADD for these: the patch has no effect.
    ///
    /// ## Example
    /// ```yaml
    /// configPatches:
    /// - applyTo: HTTP_ROUTE
    ///   patch:
    ///     operation: ADD
    ///     value: {name: extra}
    /// ```
    ///
    /// ## How to fix
    /// Use MERGE on the route configuration, or add routes through a VIRTUAL_HOST patch or a VirtualService.
    pub static RULE = { code: "IST0153", name: "envoy-filter-add-ignored", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    report(
        context.index,
        findings,
        Issue::AddIgnored,
        "The ADD operation will be ignored when applyTo is set to ROUTE_CONFIGURATION or HTTP_ROUTE.",
    );
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/envoy-filter-operations.yaml"
    );

    #[test]
    fn reports_add_on_routes() {
        assert_eq!(
            findings("envoy-filter-add-ignored", FIXTURE),
            [
                "IST0153 EnvoyFilter shop/route-level 98 spec.configPatches[0].patch.operation The ADD operation will be ignored when applyTo is set to ROUTE_CONFIGURATION or HTTP_ROUTE.",
            ]
        );
    }
}
