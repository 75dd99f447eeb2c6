use std::collections::BTreeSet;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::lookup::{exposed_ports, gateway_workloads, istio_gateways, selector_text};

declare_rule! {
    /// A Gateway listens on a port the Service in front of its workloads does not expose.
    ///
    /// ## What it checks
    /// Every server port of a Gateway must be a port or a numeric TCP
    /// `targetPort` of some Kubernetes Service selecting the workloads the
    /// Gateway selects (istioctl's IST0162). The default ingress gateway
    /// istioctl assumes for files comes with its Service (ports 80, 443,
    /// 31400, 15443). Workloads no Service in the inputs selects are not
    /// judged.
    ///
    /// ## Why it matters
    /// The proxy opens the listener, but no load balancer or Service port
    /// forwards traffic to it: clients cannot reach the server.
    ///
    /// ## Example
    /// ```yaml
    /// servers:
    /// - port: {number: 8443, name: https, protocol: HTTPS}   # the Service exposes 80 and 443
    /// ```
    ///
    /// ## How to fix
    /// Expose the port on the gateway's Service, or use a port it already exposes.
    pub static RULE = { code: "IST0162", name: "gateway-port-not-on-service", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for (object, gateway) in istio_gateways(index) {
        let workloads = gateway_workloads(index, &gateway.selector);
        let mut judged = false;
        let mut ports = BTreeSet::new();
        for workload in &workloads {
            if let Some(exposed) = exposed_ports(index, workload) {
                judged = true;
                ports.extend(exposed);
            }
        }
        if !judged {
            continue;
        }
        let selector = selector_text(&gateway.selector);
        for (i, server) in gateway.servers.iter().enumerate() {
            let Some(number) = server.port.as_ref().and_then(|p| p.number) else {
                continue;
            };
            if ports.contains(&number) {
                continue;
            }
            let path = FieldPath::root()
                .field("spec")
                .field("servers")
                .index(i)
                .field("port")
                .field("number");
            let listed: Vec<String> = ports.iter().map(u32::to_string).collect();
            findings
                .report(
                    object,
                    &path,
                    format!(
                        "The gateway is listening on a target port (port {number}) that is not defined in the Service \
                         associated with its workload instances (Pod selector {selector}). If you need to access the \
                         gateway port through the gateway Service, it will not be available."
                    ),
                )
                .help = Some(format!("the Services selecting the gateway workloads expose {}", listed.join(", ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::virtual_service::testing::{fixture, run};

    #[test]
    fn reports_ports_no_selecting_service_exposes() {
        let found = run(
            "gateway-port-not-on-service",
            &fixture("gateway-port-not-on-service.yaml"),
        );
        let message = |port: u32, selector: &str| {
            format!(
                "The gateway is listening on a target port (port {port}) that is not defined in the Service \
                 associated with its workload instances (Pod selector {selector}). If you need to access the \
                 gateway port through the gateway Service, it will not be available."
            )
        };
        assert_eq!(
            found,
            [
                (
                    "IST0162",
                    "Gateway edge/custom".to_string(),
                    45,
                    "spec.servers[1].port.number".to_string(),
                    message(9000, "app=edge-gateway"),
                ),
                (
                    "IST0162",
                    "Gateway edge/default-ingress".to_string(),
                    60,
                    "spec.servers[1].port.number".to_string(),
                    message(8443, "istio=ingressgateway"),
                ),
            ]
        );
    }
}
