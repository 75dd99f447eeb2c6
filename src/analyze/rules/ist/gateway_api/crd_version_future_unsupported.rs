use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// A Gateway API CRD does not serve v1, which Istio will need for Gateway, GatewayClass, HTTPRoute and GRPCRoute.
    ///
    /// ## What it checks
    /// A CustomResourceDefinition of `gateway.networking.k8s.io` among the
    /// inputs, for Gateway, GatewayClass, HTTPRoute or GRPCRoute, whose
    /// served versions lack `v1` (`istioctl x precheck`'s IST0172).
    ///
    /// ## Why it matters
    /// Istio moves to reading these kinds as `v1` only; with CRDs that do
    /// not serve it, an upgrade of Istio stops converting them.
    ///
    /// ## Example
    /// ```yaml
    /// kind: CustomResourceDefinition
    /// metadata: {name: httproutes.gateway.networking.k8s.io}
    /// spec:
    ///   group: gateway.networking.k8s.io
    ///   names: {kind: HTTPRoute}
    ///   versions: [{name: v1beta1, served: true}]
    /// ```
    ///
    /// ## How to fix
    /// Install the Gateway API CRDs of the release Istio is built against.
    pub static RULE = { code: "IST0172", name: "gateway-api-crd-version-future-unsupported", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    super::report_unserved(
        context,
        findings,
        &["Gateway", "GatewayClass", "HTTPRoute", "GRPCRoute"],
        "v1",
    );
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/gateway-api/crd-served-versions.yaml");

    #[test]
    fn reports_crds_that_do_not_serve_v1() {
        assert_eq!(
            findings("gateway-api-crd-version-future-unsupported", FIXTURE),
            [
                "IST0172 CustomResourceDefinition gateways.gateway.networking.k8s.io 9 spec.versions The Gateway API CRD version v1alpha2 is lower than the minimum version: v1",
                "IST0172 CustomResourceDefinition httproutes.gateway.networking.k8s.io 20 spec.versions The Gateway API CRD version v1beta1 is lower than the minimum version: v1",
            ]
        );
    }
}
