use std::collections::BTreeMap;

use crate::analyze::rules::ist::authorization_policy::in_mesh::is_ambient;
use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::selection::{go_list, selector_path, sidecars, workloads};

declare_rule! {
    /// Several Sidecars select the same workload.
    ///
    /// ## What it checks
    /// No Pod, pod template or WorkloadEntry may be selected by the
    /// `workloadSelector` of more than one Sidecar. Each Sidecar involved is
    /// reported, once per workload they share (istioctl's IST0110). Ambient
    /// workloads are left to `sidecar-on-ambient-workload`.
    ///
    /// ## Why it matters
    /// Istio applies only one Sidecar to a proxy and which one wins is not
    /// defined, so the workload's egress and ingress config may change on
    /// any restart of istiod.
    ///
    /// ## Example
    /// ```yaml
    /// # two Sidecars in namespace default, both with
    /// workloadSelector:
    ///   labels: {app: reviews}
    /// ```
    ///
    /// ## How to fix
    /// Merge the Sidecars into one, or make their selectors disjoint.
    pub static RULE = { code: "IST0110", name: "sidecars-select-same-workload", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let workloads = workloads(index);
    let sidecars = sidecars(index, &workloads);
    let mut by_workload: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (s, sidecar) in sidecars.iter().enumerate() {
        for &w in &sidecar.selected {
            by_workload.entry(w).or_default().push(s);
        }
    }
    for (w, selecting) in by_workload {
        let workload = &workloads[w];
        if selecting.len() < 2 || is_ambient(index, workload) {
            continue;
        }
        let mut names: Vec<&str> = selecting
            .iter()
            .map(|&s| sidecars[s].object.display_name())
            .collect();
        names.sort_unstable();
        let message = format!(
            "The Sidecars {} in namespace {:?} select the same workload pod {:?}, which can lead to undefined behavior.",
            go_list(&names),
            workload.namespace,
            workload.name
        );
        for &s in &selecting {
            findings
                .report(sidecars[s].object, &selector_path(), message.clone())
                .help = Some(
                "merge these Sidecars, or give them selectors that do not overlap".to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/sidecars-select-same-workload.yaml"
    );

    #[test]
    fn reports_each_sidecar_sharing_a_workload() {
        assert_eq!(
            findings("sidecars-select-same-workload", FIXTURE),
            [
                "IST0110 Sidecar default/dupe-1 18 spec.workloadSelector.labels The Sidecars [dupe-1 dupe-2] in namespace \"default\" select the same workload pod \"reviews\", which can lead to undefined behavior.",
                "IST0110 Sidecar default/dupe-2 26 spec.workloadSelector.labels The Sidecars [dupe-1 dupe-2] in namespace \"default\" select the same workload pod \"reviews\", which can lead to undefined behavior.",
            ]
        );
    }
}
