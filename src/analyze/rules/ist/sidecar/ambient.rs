use crate::analyze::rules::ist::authorization_policy::in_mesh::{is_ambient, is_ambient_namespace};
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::selection::{selector_path, sidecars, workloads};

declare_rule! {
    /// A Sidecar applies to a workload or namespace in ambient mode, where it has no effect.
    ///
    /// ## What it checks
    /// A Sidecar whose `workloadSelector` matches a workload in ambient mode
    /// (marked `ambient.istio.io/redirection: enabled`, or labelled
    /// `istio.io/dataplane-mode: ambient`, or in an ambient namespace, without
    /// a sidecar), or a namespace-wide Sidecar in a namespace labelled
    /// `istio.io/dataplane-mode: ambient` without a sidecar injection label
    /// (istioctl's IST0167).
    ///
    /// ## Why it matters
    /// Ambient workloads have no sidecar proxy: ztunnel and waypoints ignore
    /// the Sidecar resource, so its egress limits are not enforced.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels: {istio.io/dataplane-mode: ambient}
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: Sidecar
    /// metadata: {name: default, namespace: shop}
    /// ```
    ///
    /// ## How to fix
    /// Remove the Sidecar, or move the workloads back to sidecar mode; in ambient mode limit egress with waypoint policies.
    pub static RULE = { code: "IST0167", name: "sidecar-on-ambient-workload", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let workloads = workloads(index);
    for sidecar in sidecars(index, &workloads) {
        let (path, reason) = match sidecar.selector {
            Some(_) => {
                let Some(workload) = sidecar
                    .selected
                    .iter()
                    .map(|&w| &workloads[w])
                    .find(|w| is_ambient(index, w))
                else {
                    continue;
                };
                (
                    selector_path(),
                    format!(
                        "The workload {:?} is in ambient mode, and the policy won't take effect",
                        workload.name
                    ),
                )
            }
            None => {
                let ambient = index
                    .namespace(sidecar.namespace)
                    .is_some_and(|info| is_ambient_namespace(&info.labels));
                if !ambient {
                    continue;
                }
                (
                    FieldPath::root().field("metadata").field("namespace"),
                    format!(
                        "The namespace {:?} is in ambient mode, and the policy won't take effect",
                        sidecar.namespace
                    ),
                )
            }
        };
        findings
            .report(
                sidecar.object,
                &path,
                format!("The policy has no impact: {reason}."),
            )
            .help = Some(
            "ambient workloads have no sidecar proxy; the Sidecar resource does not apply to them"
                .to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/sidecar-on-ambient-workload.yaml"
    );

    #[test]
    fn reports_sidecars_on_ambient_workloads_and_namespaces() {
        assert_eq!(
            findings("sidecar-on-ambient-workload", FIXTURE),
            [
                "IST0167 Sidecar plain/sleep 37 spec.workloadSelector.labels The policy has no impact: The workload \"sleep\" is in ambient mode, and the policy won't take effect.",
                "IST0167 Sidecar amb/default 50 metadata.namespace The policy has no impact: The namespace \"amb\" is in ambient mode, and the policy won't take effect.",
            ]
        );
    }
}
