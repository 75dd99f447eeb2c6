use std::collections::BTreeMap;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::{go_list, selecting, workloads};

declare_rule! {
    /// Several Telemetries select the same workload.
    ///
    /// ## What it checks
    /// No Pod, pod template or WorkloadEntry may be selected by the
    /// `selector.matchLabels` of more than one Telemetry. Each Telemetry
    /// involved is reported, once per workload they share (istioctl's
    /// IST0159).
    ///
    /// ## Why it matters
    /// istiod applies one selector-based Telemetry to a workload; which one
    /// is not defined, so its metrics, access-log or tracing config may
    /// change on any restart of istiod.
    ///
    /// ## Example
    /// ```yaml
    /// # two Telemetries in namespace default, both with
    /// selector:
    ///   matchLabels: {app: reviews}
    /// ```
    ///
    /// ## How to fix
    /// Merge the Telemetries into one, or make their selectors disjoint.
    pub static RULE = { code: "IST0159", name: "telemetries-select-same-workload", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let workloads = workloads(context.index);
    let telemetries = selecting(context.index, &workloads);
    let mut by_workload: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (t, (_, _, selected)) in telemetries.iter().enumerate() {
        for &w in selected {
            by_workload.entry(w).or_default().push(t);
        }
    }
    for (w, selecting) in by_workload {
        if selecting.len() < 2 {
            continue;
        }
        let workload = &workloads[w];
        let mut names: Vec<&str> = selecting
            .iter()
            .map(|&t| telemetries[t].0.object.display_name())
            .collect();
        names.sort_unstable();
        let message = format!(
            "The Telemetries {} in namespace {:?} select the same workload pod {:?}, which can lead to undefined behavior.",
            go_list(&names),
            workload.namespace,
            workload.name
        );
        for &t in &selecting {
            findings
                .report(
                    telemetries[t].0.object,
                    &FieldPath::root().field("metadata").field("name"),
                    message.clone(),
                )
                .help = Some(
                "merge these Telemetries, or give them selectors that do not overlap".to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/traffic-and-policy/telemetry-selectors.yaml");

    #[test]
    fn reports_each_telemetry_sharing_a_workload() {
        assert_eq!(
            findings("telemetries-select-same-workload", FIXTURE),
            [
                "IST0159 Telemetry default/dupe-1 68 metadata.name The Telemetries [dupe-1 dupe-2] in namespace \"default\" select the same workload pod \"reviews\", which can lead to undefined behavior.",
                "IST0159 Telemetry default/dupe-2 77 metadata.name The Telemetries [dupe-1 dupe-2] in namespace \"default\" select the same workload pod \"reviews\", which can lead to undefined behavior.",
            ]
        );
    }
}
