use super::scan::sites;
use super::table::ANY;
use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// An Istio annotation is on a kind of object it does not apply to.
    ///
    /// ## What it checks
    /// Known Istio annotations on Namespaces, Services, Pods, workload
    /// controllers and their pod templates, where Istio's annotation list says
    /// they belong on another kind (istioctl's IST0107). Pod template
    /// annotations count as Pod annotations; a Deployment's own metadata does
    /// not. `kubernetes.io/ingress.class`, the one Kubernetes annotation Istio
    /// documents, is checked too.
    ///
    /// ## Why it matters
    /// Istio only reads an annotation where it belongs: a pod annotation on a
    /// Deployment's own metadata, or a Service annotation on a Pod, does
    /// nothing.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// metadata:
    ///   annotations:
    ///     sidecar.istio.io/statsInclusionPrefixes: cluster.outbound   # belongs on the pod template
    /// ```
    ///
    /// ## How to fix
    /// Move the annotation to the kind the message names; for pod annotations, that is `spec.template.metadata.annotations`.
    pub static RULE = { code: "IST0107", name: "misplaced-istio-annotation", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for site in sites(context.index) {
        let Some(definition) = site.definition else {
            continue;
        };
        if definition.resources.contains(&ANY) || definition.resources.contains(&site.kind) {
            continue;
        }
        let help = if definition.resources == ["Pod"]
            && site.kind != "Pod"
            && site.kind != "Namespace"
            && site.kind != "Service"
        {
            "move it under spec.template.metadata.annotations so that it reaches the pods"
                .to_string()
        } else {
            format!(
                "{} is read on {} objects only",
                site.key,
                definition.resources.join(", ")
            )
        };
        findings
            .report(
                site.object,
                &site.path,
                format!(
                    "Misplaced annotation: {} can only be applied to {}",
                    site.key,
                    definition.resources.join(", ")
                ),
            )
            .help = Some(help);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{finding, run_rule};

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/workloads/misplaced-istio-annotation.yaml");

    #[test]
    fn reports_annotations_on_the_wrong_kind() {
        let found = run_rule("misplaced-istio-annotation", "annotations.yaml", FIXTURE);
        assert_eq!(
            found,
            [
                finding(
                    "IST0107",
                    "Deployment fortio",
                    6,
                    "metadata.annotations[\"sidecar.istio.io/statsInclusionPrefixes\"]",
                    "Misplaced annotation: sidecar.istio.io/statsInclusionPrefixes can only be applied to Pod",
                ),
                finding(
                    "IST0107",
                    "Deployment fortio",
                    13,
                    "spec.template.metadata.annotations[\"networking.istio.io/exportTo\"]",
                    "Misplaced annotation: networking.istio.io/exportTo can only be applied to Service",
                ),
                finding(
                    "IST0107",
                    "Namespace staging",
                    25,
                    "metadata.annotations[\"kubernetes.io/ingress.class\"]",
                    "Misplaced annotation: kubernetes.io/ingress.class can only be applied to Ingress",
                ),
            ]
        );
    }
}
