use std::collections::BTreeMap;

use crate::analyze::rules::ist::gateway::lookup::{full_name, hosts_overlap, Gateways};
use crate::analyze::rules::ist::virtual_service::gateway_refs::{gateway_refs, GatewayRef};
use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// Several VirtualServices route the same host on the same gateway.
    ///
    /// ## What it checks
    /// Every host of a VirtualService bound to a gateway other than `mesh`
    /// (made fully qualified in the VirtualService's namespace), against the
    /// other VirtualServices bound to the same gateway, when the gateway
    /// accepts the host from both (a host the gateway does not serve is
    /// IST0132's). Mesh VirtualServices sharing a host are istioctl's IST0109.
    ///
    /// ## Why it matters
    /// istiod merges the routes of all of them into one virtual host, the
    /// oldest VirtualService's routes first: a catch-all route of one hides
    /// the routes of the others, and which one wins depends on creation
    /// order, not on the files.
    ///
    /// ## Example
    /// ```yaml
    /// # shop/web:    hosts: [shop.example.com], gateways: [istio-system/public]
    /// # shop/legacy: hosts: [shop.example.com], gateways: [istio-system/public]
    /// ```
    ///
    /// ## How to fix
    /// Route each host of a gateway in one VirtualService, or use delegate
    /// VirtualServices for the parts.
    pub static RULE = { code: "MESH104", name: "gateway-host-in-several-virtual-services", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let references = gateway_refs(index);
    let gateways = Gateways::build(index);
    // (gateway, host) → the references binding that host to that gateway.
    let mut routed: BTreeMap<(&(String, String), String), Vec<&GatewayRef<'_>>> = BTreeMap::new();
    for reference in references.iter().filter(|r| !r.internal) {
        let served = gateways
            .hosts_for(&reference.key, reference.namespace)
            .unwrap_or_default();
        for host in &reference.vs.hosts {
            if !served.iter().any(|g| hosts_overlap(g, host)) {
                continue;
            }
            let host = index.config_host_fqdn(host, reference.namespace);
            let entry = routed.entry((&reference.key, host)).or_default();
            // A VirtualService naming the gateway twice is still one.
            if !entry
                .iter()
                .any(|r| std::ptr::eq(r.object, reference.object))
            {
                entry.push(reference);
            }
        }
    }
    for ((gateway, host), references) in routed {
        if references.len() < 2 {
            continue;
        }
        for reference in &references {
            let others: Vec<String> = references
                .iter()
                .filter(|other| !std::ptr::eq(other.object, reference.object))
                .map(|other| full_name(other.object))
                .collect();
            findings
                .report(
                    reference.object,
                    &reference.path,
                    format!(
                        "Host {host} on gateway {}/{} is also routed by VirtualService {}",
                        gateway.0,
                        gateway.1,
                        others.join(", ")
                    ),
                )
                .help =
                Some("istiod merges their routes, the oldest VirtualService's first".to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "gateway-host-in-several-virtual-services";

    #[test]
    fn reports_every_virtual_service_sharing_a_gateway_host() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [
                finding(
                    "MESH104",
                    "VirtualService shop/web",
                    6,
                    "spec.gateways[0]",
                    "Host shop.example.com on gateway istio-system/public is also routed by VirtualService shop/legacy",
                ),
                finding(
                    "MESH104",
                    "VirtualService shop/legacy",
                    14,
                    "spec.gateways[0]",
                    "Host shop.example.com on gateway istio-system/public is also routed by VirtualService shop/web",
                ),
            ]
        );
    }

    #[test]
    fn silent_for_other_gateways_hosts_and_the_mesh() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
