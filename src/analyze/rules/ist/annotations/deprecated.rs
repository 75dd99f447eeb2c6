use super::scan::sites;
use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// An Istio annotation is deprecated.
    ///
    /// ## What it checks
    /// Istio annotations that Istio's annotation list marks deprecated, on
    /// Namespaces, Services, Pods, workload controllers and their pod templates
    /// (istioctl's IST0135): `sidecar.istio.io/inject` (in favor of the label
    /// of the same name, and not reported when that label is also set),
    /// `sidecar.istio.io/statsInclusion*`, `sidecar.istio.io/discoveryAddress`,
    /// `sidecar.istio.io/controlPlaneAuthPolicy`,
    /// `traffic.sidecar.istio.io/kubevirtInterfaces` and the
    /// `alpha.istio.io/*-serviceaccounts` Service annotations.
    ///
    /// ## Why it matters
    /// Deprecated annotations may stop working in a future Istio release, and
    /// some already behave differently from their replacement.
    ///
    /// ## Example
    /// ```yaml
    /// template:
    ///   metadata:
    ///     annotations:
    ///       sidecar.istio.io/inject: "true"
    /// ```
    ///
    /// ## How to fix
    /// Use the replacement the help line names (for `sidecar.istio.io/inject`, the pod label).
    pub static RULE = { code: "IST0135", name: "deprecated-istio-annotation", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for site in sites(context.index) {
        let Some(definition) = site.definition else {
            continue;
        };
        let Some(extra) = definition.deprecated else {
            continue;
        };
        // Both the annotation and its replacement label: the author knows,
        // and keeps the annotation for older Istio versions.
        if site.key == "sidecar.istio.io/inject" && site.labels.contains_key(site.key) {
            continue;
        }
        let diagnostic = findings.report(
            site.object,
            &site.path,
            format!(
                "Annotation {:?} has been deprecated{extra} and may not work in future Istio versions.",
                site.key
            ),
        );
        if let Some(replacement) = definition.replacement {
            diagnostic.help = Some(format!("use {replacement} instead"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{finding, run_rule};

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/workloads/deprecated-istio-annotation.yaml");

    #[test]
    fn reports_deprecated_annotations() {
        let found = run_rule("deprecated-istio-annotation", "annotations.yaml", FIXTURE);
        assert_eq!(
            found,
            [
                finding(
                    "IST0135",
                    "Deployment shop/web",
                    10,
                    "spec.template.metadata.annotations[\"sidecar.istio.io/inject\"]",
                    "Annotation \"sidecar.istio.io/inject\" has been deprecated in favor of the \"sidecar.istio.io/inject\" label and may not work in future Istio versions.",
                ),
                finding(
                    "IST0135",
                    "Pod shop/stats",
                    22,
                    "metadata.annotations[\"sidecar.istio.io/statsInclusionPrefixes\"]",
                    "Annotation \"sidecar.istio.io/statsInclusionPrefixes\" has been deprecated and may not work in future Istio versions.",
                ),
            ]
        );
    }
}
