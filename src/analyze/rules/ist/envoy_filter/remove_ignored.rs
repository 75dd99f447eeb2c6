use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::patches::{report, Issue};

declare_rule! {
    /// An EnvoyFilter patch uses REMOVE on a route configuration or HTTP route, where istiod ignores it.
    ///
    /// ## What it checks
    /// A patch with `operation: REMOVE` and `applyTo: ROUTE_CONFIGURATION` or
    /// `HTTP_ROUTE`, reported once per EnvoyFilter (istioctl's IST0154).
    ///
    /// ## Why it matters
    /// The EnvoyFilter API ignores REMOVE for these: the route stays.
    ///
    /// ## Example
    /// ```yaml
    /// configPatches:
    /// - applyTo: ROUTE_CONFIGURATION
    ///   match: {context: GATEWAY}
    ///   patch: {operation: REMOVE}
    /// ```
    ///
    /// ## How to fix
    /// Remove the route from the VirtualService that produces it, or REMOVE the VIRTUAL_HOST that holds it.
    pub static RULE = { code: "IST0154", name: "envoy-filter-remove-ignored", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    report(
        context.index,
        findings,
        Issue::RemoveIgnored,
        "The REMOVE operation will be ignored when applyTo is set to ROUTE_CONFIGURATION or HTTP_ROUTE.",
    );
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/envoy-filter-operations.yaml"
    );

    #[test]
    fn reports_remove_on_routes() {
        assert_eq!(
            findings("envoy-filter-remove-ignored", FIXTURE),
            [
                "IST0154 EnvoyFilter shop/route-level 101 spec.configPatches[1].patch.operation The REMOVE operation will be ignored when applyTo is set to ROUTE_CONFIGURATION or HTTP_ROUTE.",
            ]
        );
    }
}
