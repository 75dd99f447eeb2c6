use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::super::gateway::lookup::{full_name, hosts_overlap, identity};
use super::lookup::{mesh_bound, virtual_services, MESH_GATEWAY};

declare_rule! {
    /// A gateway route skips the subset routing another VirtualService defines for its destination.
    ///
    /// ## What it checks
    /// An HTTP route of a VirtualService bound to a gateway whose destination
    /// has no `subset`, while another, mesh-bound VirtualService for that
    /// destination host routes it to subsets (istioctl's IST0140).
    ///
    /// ## Why it matters
    /// The mesh VirtualService only applies to sidecars. Requests entering
    /// through the gateway go straight to the destination service and are
    /// spread over all its versions, ignoring the subset split (a canary
    /// rollout, a pinned version) the mesh VirtualService sets up.
    ///
    /// ## Example
    /// ```yaml
    /// # bound to the ingress gateway
    /// http:
    /// - route:
    ///   - destination: {host: ratings}   # ratings' own VirtualService routes to subset v1
    /// ```
    ///
    /// ## How to fix
    /// Give the gateway route the same subsets, or bind the mesh VirtualService to the gateway too.
    pub static RULE = { code: "IST0140", name: "gateway-route-ignores-subsets", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    // Mesh-bound VirtualServices that route with subsets, by FQDN host.
    let with_subsets: Vec<(String, (String, String), String)> = virtual_services(index)
        .filter(|(_, vs, _)| mesh_bound(vs))
        .filter(|(_, vs, _)| {
            vs.http.iter().flat_map(|r| &r.route).any(|d| {
                d.destination
                    .as_ref()
                    .and_then(|d| d.subset.as_deref())
                    .is_some_and(|s| !s.is_empty())
            })
        })
        .flat_map(|(object, vs, namespace)| {
            vs.hosts.iter().map(move |host| {
                (
                    index.config_host_fqdn(host, namespace),
                    identity(object),
                    full_name(object),
                )
            })
        })
        .collect();
    if with_subsets.is_empty() {
        return;
    }
    for (object, vs, namespace) in virtual_services(index) {
        let Some(gateway) = vs.gateways.iter().find(|g| g.as_str() != MESH_GATEWAY) else {
            continue;
        };
        let own = identity(object);
        for (i, route) in vs.http.iter().enumerate() {
            for (j, entry) in route.route.iter().enumerate() {
                let Some(destination) = &entry.destination else {
                    continue;
                };
                let Some(host) = destination.host.as_deref() else {
                    continue;
                };
                if destination.subset.as_deref().is_some_and(|s| !s.is_empty()) {
                    continue;
                }
                let fqdn = index.config_host_fqdn(host, namespace);
                let Some((_, _, other)) = with_subsets
                    .iter()
                    .find(|(h, id, _)| *id != own && hosts_overlap(h, &fqdn))
                else {
                    continue;
                };
                let path = crate::source::FieldPath::root()
                    .field("spec")
                    .field("http")
                    .index(i)
                    .field("route")
                    .index(j)
                    .field("destination")
                    .field("host");
                findings
                    .report(
                        object,
                        &path,
                        format!("Subset in virtual service {other} has no effect on ingress gateway {gateway} requests"),
                    )
                    .help = Some(format!(
                    "requests through {gateway} reach every version of `{host}`; the subsets of {other} apply to sidecars only"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, run};

    #[test]
    fn reports_gateway_routes_without_the_mesh_subsets() {
        let found = run(
            "gateway-route-ignores-subsets",
            &fixture("gateway-route-ignores-subsets.yaml"),
        );
        assert_eq!(
            found,
            [(
                "IST0140",
                "VirtualService web/ingress-all".to_string(),
                46,
                "spec.http[0].route[0].destination.host".to_string(),
                "Subset in virtual service web/ratings has no effect on ingress gateway istio-system/public requests"
                    .to_string(),
            )]
        );
    }
}
