use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A Sidecar sets `outboundTrafficPolicy.egressProxy`, which Istio ignores.
    ///
    /// ## What it checks
    /// `spec.outboundTrafficPolicy.egressProxy` on a Sidecar (istioctl's IST0002).
    ///
    /// ## Why it matters
    /// Istio does not implement the field: traffic to unknown destinations is
    /// not sent through the named egress proxy, so whatever it was meant to
    /// control or log is bypassed.
    ///
    /// ## Example
    /// ```yaml
    /// outboundTrafficPolicy:
    ///   mode: ALLOW_ANY
    ///   egressProxy:
    ///     host: egress.example.com
    /// ```
    ///
    /// ## How to fix
    /// Remove `egressProxy`; route external traffic through an egress gateway with a ServiceEntry and VirtualService.
    pub static RULE = { code: "IST0002", name: "sidecar-egress-proxy-ignored", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::Sidecar(sidecar) = &object.spec else {
            continue;
        };
        if sidecar
            .outbound_traffic_policy
            .as_ref()
            .and_then(|p| p.egress_proxy.as_ref())
            .is_none()
        {
            continue;
        }
        let path = FieldPath::root()
            .field("spec")
            .field("outboundTrafficPolicy")
            .field("egressProxy");
        findings
            .report(
                object,
                &path,
                "Deprecated: OutboundTrafficPolicy.EgressProxy ignored",
            )
            .help = Some("use an egress gateway instead".to_string());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/sidecar-egress-proxy-ignored.yaml"
    );

    #[test]
    fn reports_egress_proxy() {
        assert_eq!(findings("sidecar-egress-proxy-ignored", FIXTURE), [
                "IST0002 Sidecar shop/default 9 spec.outboundTrafficPolicy.egressProxy Deprecated: OutboundTrafficPolicy.EgressProxy ignored",
            ]);
    }
}
