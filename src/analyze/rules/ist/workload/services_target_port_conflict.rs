use std::collections::{BTreeMap, BTreeSet};

use super::selecting_services::selected;
use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// Services selecting the same pods reach one targetPort through different ports.
    ///
    /// ## What it checks
    /// For each Deployment (and other pod template) whose pods are in the mesh,
    /// the Kubernetes Services of its namespace that select its pods: a
    /// targetPort (named target ports resolved through the pod template's
    /// container ports) that two or more Services reach from different port
    /// numbers (istioctl's IST0137). Waypoint Deployments are skipped.
    ///
    /// ## Why it matters
    /// Istio keys inbound traffic by service port: two Services sending
    /// different ports to the same container port make the inbound
    /// configuration ambiguous, and one of them gets the other's settings (or
    /// no traffic).
    ///
    /// ## Example
    /// ```yaml
    /// # Service a: port 9080 -> targetPort 9080
    /// # Service b: port 9090 -> targetPort 9080
    /// ```
    ///
    /// ## How to fix
    /// Make every Service that selects these pods use the same port for the same targetPort.
    pub static RULE = { code: "IST0137", name: "services-target-port-conflict", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for workload in selected(context.index) {
        // targetPort → port → services.
        let mut targets: BTreeMap<String, BTreeMap<i32, BTreeSet<&str>>> = BTreeMap::new();
        for (service, ports) in &workload.services {
            for port in ports.iter() {
                targets
                    .entry(workload.target_port(port))
                    .or_default()
                    .entry(port.port)
                    .or_default()
                    .insert(service);
            }
        }
        for (target, ports) in targets {
            let services: BTreeSet<&str> = ports.values().flatten().copied().collect();
            // One Service may expose a container port twice; only different
            // Services conflict.
            if ports.len() < 2 || services.len() < 2 {
                continue;
            }
            let numbers: Vec<String> = ports.keys().map(i32::to_string).collect();
            let names: Vec<&str> = services.into_iter().collect();
            let detail: Vec<String> = ports
                .iter()
                .map(|(port, services)| {
                    format!(
                        "{} port {port}",
                        services.iter().copied().collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            findings
                .report(
                    workload.object,
                    &workload.labels_path(),
                    format!(
                        "This {} {} is associated with multiple services [{}] using targetPort {target:?} but different ports: [{}].",
                        workload.kind_word(),
                        workload.object.display_name(),
                        names.join(" "),
                        numbers.join(" ")
                    ),
                )
                .help = Some(format!(
                "targetPort {target} is reached from {}; use one port number in every Service",
                detail.join(" and ")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/workloads/services-target-port-conflict.yaml");

    #[test]
    fn reports_a_target_port_reached_from_two_ports() {
        let found = run_rule("services-target-port-conflict", "svc.yaml", FIXTURE);
        assert_eq!(
            found,
            [(
                "IST0137".to_string(),
                "StatefulSet shop/ratings".to_string(),
                14,
                "spec.template.metadata.labels".to_string(),
                "This statefulset ratings is associated with multiple services [ratings-a ratings-b] using targetPort \"9080\" but different ports: [9080 9090].".to_string(),
            )]
        );
    }
}
