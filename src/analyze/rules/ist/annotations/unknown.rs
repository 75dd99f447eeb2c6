use super::scan::sites;
use super::table::{closest, LABELS};
use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// An `istio.io` annotation that Istio does not define.
    ///
    /// ## What it checks
    /// Annotations in an `istio.io` domain (`sidecar.istio.io/…`,
    /// `networking.istio.io/…`, `istio.io/…`) on Namespaces, Services, Pods,
    /// workload controllers and their pod templates that are not in Istio's
    /// annotation list (istioctl's IST0108). Annotations Istio writes itself
    /// (`sidecar.istio.io/status`, `istio.io/rev`,
    /// `ambient.istio.io/redirection`) are never reported.
    ///
    /// ## Why it matters
    /// Istio ignores an annotation it does not know: a misspelt name
    /// (`exportTO`, `sidecar.istio.io/injet`) or an Istio label written as an
    /// annotation silently does nothing.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     networking.istio.io/exportThree: "."
    /// ```
    ///
    /// ## How to fix
    /// Fix the spelling (the help line suggests the closest known annotation), move Istio labels to `metadata.labels`, or suppress the finding if the annotation is newer than this tool.
    pub static RULE = { code: "IST0108", name: "unknown-istio-annotation", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for site in sites(context.index) {
        if site.definition.is_some() {
            continue;
        }
        let help = if LABELS.contains(&site.key) {
            format!(
                "{} is an Istio label, not an annotation: move it to metadata.labels",
                site.key
            )
        } else if let Some(known) = closest(site.key) {
            format!("did you mean {known}?")
        } else {
            "if this annotation is newer than mesh, suppress the finding with galley.istio.io/analyze-suppress: IST0108".to_string()
        };
        findings
            .report(
                site.object,
                &site.path,
                format!("Unknown annotation: {}", site.key),
            )
            .help = Some(help);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{finding, run_rule};

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/workloads/unknown-istio-annotation.yaml");

    #[test]
    fn reports_unknown_istio_annotations_only() {
        let found = run_rule("unknown-istio-annotation", "annotations.yaml", FIXTURE);
        assert_eq!(
            found,
            [
                finding(
                    "IST0108",
                    "Service httpbin",
                    7,
                    "metadata.annotations[\"networking.istio.io/exportThree\"]",
                    "Unknown annotation: networking.istio.io/exportThree",
                ),
                finding(
                    "IST0108",
                    "Deployment shop/web",
                    25,
                    "spec.template.metadata.annotations[\"sidecar.istio.io/injet\"]",
                    "Unknown annotation: sidecar.istio.io/injet",
                ),
                finding(
                    "IST0108",
                    "Deployment shop/web",
                    26,
                    "spec.template.metadata.annotations[\"istio.io/use-waypoint\"]",
                    "Unknown annotation: istio.io/use-waypoint",
                ),
            ]
        );
    }
}
