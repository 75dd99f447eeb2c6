use super::scan::sites;
use super::table::ANY;
use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// An Istio annotation has a value Istio cannot use.
    ///
    /// ## What it checks
    /// The values of correctly placed Istio annotations that the injector
    /// validates (istioctl's IST0125): integers for the
    /// `readiness.status.sidecar.istio.io/*` probe settings, booleans
    /// (`prometheus.istio.io/merge-metrics`, `sidecar.istio.io/enableCoreDump`,
    /// `sidecar.istio.io/rewriteAppHTTPProbers`...), `REDIRECT`/`TPROXY`/`NONE`
    /// for `sidecar.istio.io/interceptionMode`, ports for
    /// `status.sidecar.istio.io/port` and the `traffic.sidecar.istio.io/*Ports`
    /// lists, CIDRs for the `*IPRanges` lists, and a YAML or JSON object for
    /// `proxy.istio.io/config`.
    ///
    /// ## Why it matters
    /// The injector rejects the pod, or ignores the setting, so the pod starts
    /// without its sidecar or with defaults the author meant to change.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     readiness.status.sidecar.istio.io/initialDelaySeconds: soon
    /// ```
    ///
    /// ## How to fix
    /// Give the annotation a value of the kind the message names.
    pub static RULE = { code: "IST0125", name: "invalid-istio-annotation", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for site in sites(context.index) {
        let Some(definition) = site.definition else {
            continue;
        };
        let placed =
            definition.resources.contains(&ANY) || definition.resources.contains(&site.kind);
        let Some(problem) = definition
            .check
            .filter(|_| placed)
            .and_then(|c| c.problem(site.value))
        else {
            continue;
        };
        findings.report(
            site.object,
            &site.path,
            format!("Invalid annotation {}: {problem}", site.key),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::{finding, run_rule};

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/workloads/invalid-istio-annotation.yaml");

    #[test]
    fn reports_values_istio_cannot_use() {
        let found = run_rule("invalid-istio-annotation", "annotations.yaml", FIXTURE);
        assert_eq!(
            found,
            [
                finding(
                    "IST0125",
                    "Pod shop/probes",
                    8,
                    "metadata.annotations[\"readiness.status.sidecar.istio.io/initialDelaySeconds\"]",
                    "Invalid annotation readiness.status.sidecar.istio.io/initialDelaySeconds: expected a non-negative 32-bit integer, found \"bar\"",
                ),
                finding(
                    "IST0125",
                    "Deployment shop/web",
                    24,
                    "spec.template.metadata.annotations[\"sidecar.istio.io/interceptionMode\"]",
                    "Invalid annotation sidecar.istio.io/interceptionMode: interceptionMode invalid, use REDIRECT,TPROXY,NONE: redirect",
                ),
                finding(
                    "IST0125",
                    "Deployment shop/web",
                    25,
                    "spec.template.metadata.annotations[\"traffic.sidecar.istio.io/excludeOutboundIPRanges\"]",
                    "Invalid annotation traffic.sidecar.istio.io/excludeOutboundIPRanges: failed parsing cidr \"10.0.0.1\": expected an address/prefix-length",
                ),
            ]
        );
    }
}
