use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

use crate::analyze::rules::ist::authorization_policy::in_mesh::selectable;

use super::lookup::{endpoints_by_namespace, nodes, rule_services, service_endpoints};

declare_rule! {
    /// A DestinationRule subset selects no pods of its service.
    ///
    /// ## What it checks
    /// For each subset, its `labels` merged with the service's selector (a
    /// Service's `selector` or a ServiceEntry's `workloadSelector`) must match
    /// a Pod, pod template or WorkloadEntry in the service's namespace, or one
    /// of a ServiceEntry's `endpoints`. Labels pilot derives from where a pod
    /// runs (`topology.kubernetes.io/region` and `zone`,
    /// `topology.istio.io/subzone` from the Node, `kubernetes.io/hostname`)
    /// are matched as pilot sets them; when the inputs hold no Node they may
    /// match anything. Services whose endpoints the inputs cannot show (no
    /// selector) are not checked (istioctl's IST0173).
    ///
    /// ## Why it matters
    /// Traffic routed to an empty subset fails with 503 UH (no healthy upstream).
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   host: reviews
    ///   subsets:
    ///   - name: v3
    ///     labels: {version: v3}   # no reviews pod has version v3
    /// ```
    ///
    /// ## How to fix
    /// Correct the subset labels, or deploy the workloads the subset is for.
    pub static RULE = { code: "IST0173", name: "destination-rule-subset-selects-no-pods", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let nodes = nodes(index);
    let all_workloads = selectable(index);
    // Grouped by namespace once: each Service then looks only at its own.
    let by_namespace = endpoints_by_namespace(&nodes, &all_workloads);
    for object in &index.objects {
        let Spec::DestinationRule(rule) = &object.spec else {
            continue;
        };
        if rule.subsets.is_empty() {
            continue;
        }
        let Some(services) = rule_services(index, object, rule) else {
            continue;
        };
        let endpoints: Vec<_> = services
            .iter()
            .filter_map(|s| service_endpoints(index, &by_namespace, s))
            .collect();
        if endpoints.len() < services.len() || services.is_empty() {
            // Some service's endpoints are unknown, or there is no service
            // (reported by destination-rule-host-not-found).
            continue;
        }
        for (i, subset) in rule.subsets.iter().enumerate() {
            let selected = endpoints.iter().any(|(selector, list)| {
                let mut merged = selector.clone();
                merged.extend(subset.labels.clone());
                list.iter().any(|e| e.matches(&merged))
            });
            if selected {
                continue;
            }
            let path = FieldPath::root().field("spec").field("subsets").index(i);
            let path = if subset.labels.is_empty() {
                path.field("name")
            } else {
                path.field("labels")
            };
            findings
                .report(
                    object,
                    &path,
                    format!(
                        "The Subset {} defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).",
                        subset.name.as_deref().unwrap_or_default()
                    ),
                )
                .help = Some(
                "no Pod, Deployment or WorkloadEntry of the service has all these labels".to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/destination-rule-subset-selects-no-pods.yaml"
    );

    #[test]
    fn reports_subsets_matching_no_endpoint() {
        assert_eq!(
            findings("destination-rule-subset-selects-no-pods", FIXTURE),
            [
                "IST0173 DestinationRule default/reviews 45 spec.subsets[2].labels The Subset v3 defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).",
                "IST0173 DestinationRule zones/ratings 79 spec.subsets[1].labels The Subset no-region defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).",
                "IST0173 DestinationRule zones/ratings 82 spec.subsets[2].labels The Subset zone-b defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).",
                "IST0173 DestinationRule default/db 106 spec.subsets[1].labels The Subset replica defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).",
            ]
        );
    }
}
