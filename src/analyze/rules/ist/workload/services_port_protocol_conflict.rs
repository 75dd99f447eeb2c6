use std::collections::BTreeMap;

use super::selecting_services::selected;
use crate::analyze::rules::ist::service::protocol::port_protocol;
use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// Services selecting the same pods use one port number with different protocols.
    ///
    /// ## What it checks
    /// For each Deployment (and other pod template: StatefulSet, DaemonSet...)
    /// whose pods are in the mesh, the Kubernetes Services of its namespace that
    /// select its pods: a port number that one Service gives one Istio protocol
    /// and another a different one (istioctl's IST0116). The protocol is the
    /// one Istio reads from `appProtocol` or the port name; a port whose
    /// protocol Istio cannot tell counts as sniffed. UDP and SCTP ports, which
    /// Istio does not proxy, are left out. Waypoint Deployments are skipped.
    ///
    /// ## Why it matters
    /// The proxy (or proxyless gRPC server) has one inbound listener per port
    /// and can serve it with one protocol only: which Service wins is
    /// undefined, so the other Service's traffic is handled with the wrong
    /// protocol.
    ///
    /// ## Example
    /// ```yaml
    /// # Service a, selecting app: web
    /// ports: [{name: http, port: 9080}]
    /// ---
    /// # Service b, selecting app: web
    /// ports: [{name: tcp, port: 9080}]
    /// ```
    ///
    /// ## How to fix
    /// Give the port the same protocol in every Service that selects these pods, or use different port numbers.
    pub static RULE = { code: "IST0116", name: "services-port-protocol-conflict", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for workload in selected(context.index) {
        // port → protocol → services.
        let mut ports: BTreeMap<i32, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
        for (service, service_ports) in &workload.services {
            for port in service_ports.iter() {
                if matches!(port.protocol.as_deref(), Some("UDP" | "SCTP")) {
                    continue;
                }
                let protocol = port_protocol(port).unwrap_or("sniffed");
                ports
                    .entry(port.port)
                    .or_default()
                    .entry(protocol)
                    .or_default()
                    .push(service);
            }
        }
        for (port, protocols) in ports {
            if protocols.len() < 2 {
                continue;
            }
            let mut names: Vec<&str> = protocols.values().flatten().copied().collect();
            names.sort_unstable();
            let detail: Vec<String> = protocols
                .iter()
                .map(|(protocol, services)| format!("{} ({protocol})", services.join(", ")))
                .collect();
            findings
                .report(
                    workload.object,
                    &workload.labels_path(),
                    format!(
                        "This {} {} is associated with multiple services using port {port} but different protocols: [{}]",
                        workload.kind_word(),
                        workload.object.display_name(),
                        names.join(" ")
                    ),
                )
                .help = Some(format!(
                "port {port} is {}; name the port with one protocol in all of them",
                detail.join(" but ")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/workloads/services-port-protocol-conflict.yaml"
    );

    #[test]
    fn reports_a_port_with_two_protocols() {
        let found = run_rule("services-port-protocol-conflict", "svc.yaml", FIXTURE);
        assert_eq!(
            found,
            [(
                "IST0116".to_string(),
                "Deployment shop/details".to_string(),
                14,
                "spec.template.metadata.labels".to_string(),
                "This deployment details is associated with multiple services using port 9080 but different protocols: [details-http details-tcp]".to_string(),
            )]
        );
    }
}
