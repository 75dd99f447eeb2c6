use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::lookup::{gateway_workloads, istio_gateways, selector_text};

declare_rule! {
    /// A Gateway's selector matches no workload.
    ///
    /// ## What it checks
    /// The `selector` of every Istio Gateway must match the labels of some
    /// Pod or pod template, in any namespace (istioctl's IST0101 on
    /// `selector`, which its gateway port, secret and conflict analyzers all
    /// report). As istioctl does for files, a default ingress gateway
    /// (`istio: ingressgateway` in `istio-system`) is assumed when the inputs
    /// hold no workload the selector matches, unless the mesh config sets
    /// `ingressControllerMode: OFF`.
    ///
    /// ## Why it matters
    /// No proxy picks the Gateway up: its servers are never opened, and every
    /// VirtualService bound to it is dead.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   selector:
    ///     istio: ingresgateway   # typo
    /// ```
    ///
    /// ## How to fix
    /// Use the labels of the gateway deployment's pods in `selector`.
    pub static RULE = { code: "IST0101", name: "gateway-selector-no-workload", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for (object, gateway) in istio_gateways(index) {
        if gateway.selector.is_empty() || !gateway_workloads(index, &gateway.selector).is_empty() {
            continue;
        }
        let selector = selector_text(&gateway.selector);
        findings
            .report(
                object,
                &FieldPath::root().field("spec").field("selector"),
                format!("Referenced selector not found: {selector:?}"),
            )
            .help = Some("no Pod or pod template in the inputs carries these labels".to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::virtual_service::testing::{fixture, run, run_with};
    use crate::model::MeshConfig;

    const RULE: &str = "gateway-selector-no-workload";

    #[test]
    fn reports_selectors_that_match_no_workload() {
        let found = run(RULE, &fixture("gateway-selector-no-workload.yaml"));
        assert_eq!(
            found,
            [(
                "IST0101",
                "Gateway edge/typo".to_string(),
                33,
                "spec.selector".to_string(),
                "Referenced selector not found: \"istio=ingresgateway\"".to_string(),
            )]
        );
    }

    #[test]
    fn no_default_ingress_when_the_ingress_controller_is_off() {
        let mut mesh = MeshConfig::default();
        mesh.other
            .insert("ingressControllerMode".into(), "OFF".into());
        let text = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: x}\nspec:\n  selector: {istio: ingressgateway}\n";
        let found = run_with(RULE, text, mesh);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].4,
            "Referenced selector not found: \"istio=ingressgateway\""
        );
    }
}
