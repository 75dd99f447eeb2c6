use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// A Gateway API CRD does not serve v1beta1, which Istio needs for Gateway, GatewayClass, HTTPRoute and ReferenceGrant.
    ///
    /// ## What it checks
    /// A CustomResourceDefinition of `gateway.networking.k8s.io` among the
    /// inputs, for Gateway, GatewayClass, HTTPRoute or ReferenceGrant, whose
    /// served versions lack `v1beta1` (`istioctl x precheck`'s IST0156).
    ///
    /// ## Why it matters
    /// Istio reads these kinds in a version the CRD does not serve: its
    /// controller cannot list them, and the routes and gateways they define
    /// are not converted.
    ///
    /// ## Example
    /// ```yaml
    /// kind: CustomResourceDefinition
    /// metadata: {name: gateways.gateway.networking.k8s.io}
    /// spec:
    ///   group: gateway.networking.k8s.io
    ///   names: {kind: Gateway}
    ///   versions: [{name: v1alpha2, served: true}]
    /// ```
    ///
    /// ## How to fix
    /// Install the Gateway API CRDs of the release Istio is built against.
    pub static RULE = { code: "IST0156", name: "gateway-api-crd-version-unsupported", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    super::report_unserved(
        context,
        findings,
        &["Gateway", "GatewayClass", "HTTPRoute", "ReferenceGrant"],
        "v1beta1",
    );
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/gateway-api/crd-served-versions.yaml");

    #[test]
    fn reports_crds_that_do_not_serve_v1beta1() {
        assert_eq!(
            findings("gateway-api-crd-version-unsupported", FIXTURE),
            ["IST0156 CustomResourceDefinition gateways.gateway.networking.k8s.io 9 spec.versions The Gateway API CRD version v1alpha2 is lower than the minimum version: v1beta1"]
        );
    }
}
