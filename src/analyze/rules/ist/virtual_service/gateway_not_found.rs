use crate::analyze::unresolved::Referenced;
use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::super::gateway::lookup::Gateways;
use super::gateway_refs::gateway_refs;

declare_rule! {
    /// A VirtualService is bound to a gateway that does not exist.
    ///
    /// ## What it checks
    /// Every entry of `gateways` other than `mesh` must name an Istio Gateway
    /// or a Kubernetes Gateway (`ns/name`, `./name`, a name in the
    /// VirtualService's namespace, or the legacy `name.ns.svc.cluster.local`
    /// form), as istioctl's IST0101 on `gateway`. When the inputs hold no
    /// gateway at all, these findings are set aside and counted in the run
    /// summary; `--report-unresolved Gateway` reports them (as istioctl
    /// does), `--ignore-unresolved Gateway` sets them aside even when the
    /// inputs hold some (README, Partial inputs).
    ///
    /// ## Why it matters
    /// Routes bound to a missing gateway are never programmed anywhere: the
    /// traffic they were meant for gets a 404 at the edge.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   gateways: [istio-system/publc-gateway]   # typo
    /// ```
    ///
    /// ## How to fix
    /// Correct the reference, or create the Gateway it names.
    pub static RULE = { code: "IST0101", name: "virtual-service-gateway-not-found", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let gateways = Gateways::build(index);
    for reference in gateway_refs(index) {
        if reference.internal || gateways.exists(&reference.key) {
            continue;
        }
        findings
            .report_unresolved(
                reference.object,
                &reference.path,
                format!("Referenced gateway not found: {:?}", reference.name),
                Referenced::Gateway,
            )
            .help = Some(format!(
            "no Gateway named `{}` in namespace `{}`",
            reference.key.1, reference.key.0
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, run};

    #[test]
    fn reports_references_to_missing_gateways() {
        let found = run(
            "virtual-service-gateway-not-found",
            &fixture("virtual-service-gateway-not-found.yaml"),
        );
        assert_eq!(
            found,
            [(
                "IST0101",
                "VirtualService web/typo".to_string(),
                41,
                "spec.gateways[0]".to_string(),
                "Referenced gateway not found: \"istio-system/publc\"".to_string(),
            )]
        );
    }
}
