use crate::analyze::rules::ist::authorization_policy::in_mesh::selector_text;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::{selecting, workloads};

declare_rule! {
    /// A Telemetry's selector matches no workload in its namespace.
    ///
    /// ## What it checks
    /// `spec.selector.matchLabels` of a Telemetry must match a Pod, a pod
    /// template (Deployment, StatefulSet...) or a WorkloadEntry in the
    /// Telemetry's own namespace (istioctl's IST0101; istioctl looks at Pods
    /// only).
    ///
    /// ## Why it matters
    /// A Telemetry that selects nothing configures no proxy: the metrics,
    /// access logs or tracing it declares are silently not in force.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: telemetry.istio.io/v1
    /// kind: Telemetry
    /// metadata: {name: ratings, namespace: default}
    /// spec:
    ///   selector:
    ///     matchLabels: {app: ratngs}   # no such workload in default
    ///   tracing:
    ///   - randomSamplingPercentage: 10
    /// ```
    ///
    /// ## How to fix
    /// Correct the labels, or move the Telemetry to the namespace of the workloads it is for.
    pub static RULE = { code: "IST0101", name: "telemetry-selector-matches-no-workload", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let workloads = workloads(context.index);
    for (telemetry, labels, selected) in selecting(context.index, &workloads) {
        if !selected.is_empty() {
            continue;
        }
        // istioctl points at the first label of the selector.
        let mut path = FieldPath::root()
            .field("spec")
            .field("selector")
            .field("matchLabels");
        if let Some(first) = labels.keys().next() {
            path = path.field(first);
        }
        findings
            .report(
                telemetry.object,
                &path,
                format!(
                    "Referenced selector not found: {:?}",
                    selector_text(&labels)
                ),
            )
            .help = Some(format!(
            "no Pod, Deployment or WorkloadEntry in namespace {:?} has these labels",
            telemetry.namespace
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/traffic-and-policy/telemetry-selectors.yaml");

    #[test]
    fn reports_selectors_matching_nothing_in_the_namespace() {
        assert_eq!(
            findings("telemetry-selector-matches-no-workload", FIXTURE),
            [
                "IST0101 Telemetry default/typo 53 spec.selector.matchLabels.app Referenced selector not found: \"app=ratngs\"",
                "IST0101 Telemetry other/other-namespace 62 spec.selector.matchLabels.app Referenced selector not found: \"app=reviews\"",
            ]
        );
    }
}
