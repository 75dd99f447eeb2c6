use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::patches::{report, Issue};

declare_rule! {
    /// An EnvoyFilter patch uses REPLACE on something other than an HTTP filter, network filter or virtual host.
    ///
    /// ## What it checks
    /// A patch with `operation: REPLACE` whose `applyTo` is not HTTP_FILTER,
    /// NETWORK_FILTER or VIRTUAL_HOST, reported once per EnvoyFilter
    /// (istioctl's IST0152).
    ///
    /// ## Why it matters
    /// istiod implements REPLACE only for those three; on a cluster, listener
    /// or route the patch is skipped and the object is left as it was.
    ///
    /// ## Example
    /// ```yaml
    /// configPatches:
    /// - applyTo: CLUSTER
    ///   patch:
    ///     operation: REPLACE
    ///     value: {name: lua_cluster, type: STRICT_DNS}
    /// ```
    ///
    /// ## How to fix
    /// Use MERGE to change the object, or REMOVE then ADD to replace it.
    pub static RULE = { code: "IST0152", name: "envoy-filter-replace-unsupported", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    report(
        context.index,
        findings,
        Issue::ReplaceMisused,
        "The REPLACE operation is only valid for HTTP_FILTER, NETWORK_FILTER and VIRTUAL_HOST.",
    );
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/envoy-filter-operations.yaml"
    );

    #[test]
    fn reports_replace_outside_filters_and_virtual_hosts() {
        assert_eq!(
            findings("envoy-filter-replace-unsupported", FIXTURE),
            [
                "IST0152 EnvoyFilter shop/misused 82 spec.configPatches[0].patch.operation The REPLACE operation is only valid for HTTP_FILTER, NETWORK_FILTER and VIRTUAL_HOST.",
            ]
        );
    }
}
