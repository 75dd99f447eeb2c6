use crate::analyze::unresolved::{Referenced, Unresolved};
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

use super::lookup::rule_services;

declare_rule! {
    /// A DestinationRule's host matches no Service or ServiceEntry.
    ///
    /// ## What it checks
    /// `spec.host` of a DestinationRule, made fully qualified in the rule's
    /// namespace and the cluster domain, must be the host of a Kubernetes
    /// Service or a ServiceEntry visible where the rule is exported to
    /// (`exportTo` honoured on both sides). Wildcard hosts are not checked:
    /// they set defaults for many services (istioctl's IST0174). Reported
    /// even when the inputs hold no Service at all, since the finding is on
    /// the rule itself (Istio's own test expects it on a DestinationRule
    /// alone); `--ignore-unresolved Service` sets these findings aside.
    ///
    /// ## Why it matters
    /// A rule for a host no service has is never applied: its load balancing,
    /// TLS and subsets are silently ignored, often because of a typo or a
    /// short name written in another namespace.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: reviews, namespace: default}
    /// spec:
    ///   host: reviewz   # no Service reviewz in default
    /// ```
    ///
    /// ## How to fix
    /// Correct the host (use the full `name.namespace.svc.cluster.local` for a service in another namespace), or add the ServiceEntry.
    pub static RULE = { code: "IST0174", name: "destination-rule-host-not-found", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for object in &index.objects {
        let Spec::DestinationRule(rule) = &object.spec else {
            continue;
        };
        let Some(services) = rule_services(index, object, rule) else {
            continue;
        };
        if !services.is_empty() {
            continue;
        }
        let host = rule.host.as_deref().unwrap_or_default();
        let diagnostic = findings.report(
            object,
            &FieldPath::root().field("spec").field("host"),
            format!(
                "The host {host} defined in the DestinationRule does not match any services in the mesh."
            ),
        );
        // A warning on the rule itself (it configures nothing), which Istio's
        // own test expects on a DestinationRule alone: inputs without any
        // Service are no reason to set it aside.
        diagnostic.unresolved = Some(Unresolved {
            referenced: Referenced::Service,
            stands_without_the_kind: true,
        });
        diagnostic.help = Some(format!(
            "no Service or ServiceEntry visible here has the host {:?}",
            index.config_host_fqdn(host, object.namespace_or(crate::index::DEFAULT_NAMESPACE))
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/destination-rule-host-not-found.yaml"
    );

    #[test]
    fn reports_hosts_no_service_has() {
        assert_eq!(findings("destination-rule-host-not-found", FIXTURE), [
                "IST0174 DestinationRule default/typo 55 spec.host The host reviewz defined in the DestinationRule does not match any services in the mesh.",
                "IST0174 DestinationRule other/short-elsewhere 62 spec.host The host reviews defined in the DestinationRule does not match any services in the mesh.",
                "IST0174 DestinationRule other/private 69 spec.host The host private.team.svc.cluster.local defined in the DestinationRule does not match any services in the mesh.",
            ]);
    }
}
