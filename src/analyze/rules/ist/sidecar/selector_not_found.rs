use crate::analyze::rules::ist::authorization_policy::in_mesh::selector_text;
use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::selection::{selector_path, sidecars, workloads};

declare_rule! {
    /// A Sidecar's workloadSelector matches no workload in its namespace.
    ///
    /// ## What it checks
    /// `spec.workloadSelector.labels` of a Sidecar must match a Pod, a pod
    /// template (Deployment, StatefulSet...) or a WorkloadEntry in the
    /// Sidecar's own namespace (istioctl's IST0101; istioctl looks at Pods only).
    ///
    /// ## Why it matters
    /// A Sidecar that selects nothing configures no proxy: the egress limits or
    /// ingress listeners it declares are silently not in force.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Sidecar
    /// metadata: {name: ratings, namespace: default}
    /// spec:
    ///   workloadSelector:
    ///     labels: {app: ratngs}   # no such workload in default
    ///   egress:
    ///   - hosts: ["./*"]
    /// ```
    ///
    /// ## How to fix
    /// Correct the labels, or move the Sidecar to the namespace of the workloads it is for.
    pub static RULE = { code: "IST0101", name: "sidecar-selector-matches-no-workload", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let workloads = workloads(context.index);
    for sidecar in sidecars(context.index, &workloads) {
        let Some(selector) = sidecar.selector else {
            continue;
        };
        if !sidecar.selected.is_empty() {
            continue;
        }
        findings
            .report(
                sidecar.object,
                &selector_path(),
                format!(
                    "Referenced selector not found: {:?}",
                    selector_text(selector)
                ),
            )
            .help = Some(format!(
            "no Pod, Deployment or WorkloadEntry in namespace {:?} has these labels",
            sidecar.namespace
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/traffic-and-policy/sidecar-selector-matches-no-workload.yaml");

    #[test]
    fn reports_selectors_matching_nothing_in_the_namespace() {
        assert_eq!(
            findings("sidecar-selector-matches-no-workload", FIXTURE),
            [
                "IST0101 Sidecar default/typo 53 spec.workloadSelector.labels Referenced selector not found: \"app=ratngs\"",
                "IST0101 Sidecar other/other-namespace 61 spec.workloadSelector.labels Referenced selector not found: \"app=ratings\"",
            ]
        );
    }
}
