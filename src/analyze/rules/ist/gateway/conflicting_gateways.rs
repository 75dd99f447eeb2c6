use std::collections::BTreeSet;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::lookup::{
    full_name, gateway_workloads, hosts_overlap, identity, istio_gateways, selector_text,
};

declare_rule! {
    /// Two Gateways open the same port for the same hosts on the same workloads.
    ///
    /// ## What it checks
    /// A server of a Gateway whose port number and hosts (wildcards included,
    /// `ns/` prefixes aside) overlap a server of another Gateway, when both
    /// Gateways select a common workload (istioctl's IST0145). A Gateway never
    /// conflicts with itself; Gateways whose selector matches nothing are left
    /// to `gateway-selector-no-workload`.
    ///
    /// ## Why it matters
    /// The proxy gets two definitions of one listener: one of them is
    /// rejected or silently merged, so TLS settings and routes depend on
    /// which Gateway istiod reads first.
    ///
    /// ## Example
    /// ```yaml
    /// # gateway alpha and gateway beta, both selector {istio: ingressgateway}
    /// servers:
    /// - port: {number: 80, name: http, protocol: HTTP}
    ///   hosts: [foo.bar]
    /// ```
    ///
    /// ## How to fix
    /// Merge the servers into one Gateway, or give them different ports or hosts.
    pub static RULE = { code: "IST0145", name: "conflicting-gateways", level: Error, check: check };
}

/// A host without its `namespace/` prefix.
fn bare(host: &str) -> &str {
    host.split_once('/').map_or(host, |(_, name)| name)
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let gateways: Vec<_> = istio_gateways(index)
        .map(|(object, spec)| {
            let workloads: BTreeSet<String> = gateway_workloads(index, &spec.selector)
                .iter()
                .map(|w| w.full_name())
                .collect();
            (object, spec, workloads)
        })
        .filter(|(_, _, workloads)| !workloads.is_empty())
        .collect();
    for (object, gateway, workloads) in &gateways {
        let own = identity(object);
        for (i, server) in gateway.servers.iter().enumerate() {
            let Some(port) = server.port.as_ref().and_then(|p| p.number) else {
                continue;
            };
            let mut others: Vec<String> = gateways
                .iter()
                .filter(|(other, spec, selected)| {
                    identity(other) != own
                        && !workloads.is_disjoint(selected)
                        && spec.servers.iter().any(|s| {
                            s.port.as_ref().and_then(|p| p.number) == Some(port)
                                && s.hosts.iter().any(|h| {
                                    server
                                        .hosts
                                        .iter()
                                        .any(|mine| hosts_overlap(bare(mine), bare(h)))
                                })
                        })
                })
                .map(|(other, _, _)| full_name(other))
                .collect();
            if others.is_empty() {
                continue;
            }
            others.sort_unstable();
            others.dedup();
            let path = FieldPath::root().field("spec").field("servers").index(i);
            findings.report(
                object,
                &path,
                format!(
                    "Conflict with gateways {} (workload selector {}, port {port}, hosts {}).",
                    others.join(","),
                    selector_text(&gateway.selector),
                    server.hosts.join(",")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::virtual_service::testing::{fixture, run};

    #[test]
    fn reports_servers_other_gateways_also_open() {
        let found = run(
            "conflicting-gateways",
            &fixture("conflicting-gateways.yaml"),
        );
        assert_eq!(
            found,
            [
                (
                    "IST0145",
                    "Gateway edge/alpha".to_string(),
                    10,
                    "spec.servers[0]".to_string(),
                    "Conflict with gateways edge/beta (workload selector istio=ingressgateway, port 80, hosts foo.example.com)."
                        .to_string(),
                ),
                (
                    "IST0145",
                    "Gateway edge/beta".to_string(),
                    19,
                    "spec.servers[0]".to_string(),
                    "Conflict with gateways edge/alpha (workload selector app=ingress,istio=ingressgateway, port 80, hosts *.example.com)."
                        .to_string(),
                ),
            ]
        );
    }
}
