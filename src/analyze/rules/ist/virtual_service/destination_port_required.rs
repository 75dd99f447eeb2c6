use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::lookup::{
    destination_services, go_list, mirror_destinations, route_destinations, service_ports,
    virtual_services, Scope,
};

declare_rule! {
    /// A VirtualService routes to a service with several ports without saying which.
    ///
    /// ## What it checks
    /// A route or mirror destination with no `port` whose host resolves to a
    /// Service or ServiceEntry that exposes more than one port (istioctl's
    /// IST0112).
    ///
    /// ## Why it matters
    /// Istio cannot tell which port the route means; depending on where the
    /// route is used, traffic goes to the wrong port or the route is dropped.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - route:
    ///   - destination:
    ///       host: reviews   # the Service exposes 80 and 443
    /// ```
    ///
    /// ## How to fix
    /// Add `port: {number: N}` to the destination.
    pub static RULE = { code: "IST0112", name: "virtual-service-destination-port-required", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for (object, vs, namespace) in virtual_services(index) {
        let scope = Scope::of_routes(vs, namespace);
        for destination in route_destinations(vs)
            .into_iter()
            .chain(mirror_destinations(vs))
        {
            let Some(target) = destination.destination else {
                continue;
            };
            if target.port.is_some() {
                continue;
            }
            let host = destination.host();
            let services = destination_services(index, host, namespace, &scope);
            let ports = service_ports(&services);
            if ports.len() < 2 {
                continue;
            }
            findings
                .report(
                    object,
                    &destination.destination_path(),
                    format!(
                        "This VirtualService routes to a service {host:?} that exposes multiple ports {}. \
                         Specifying a port in the destination is required to disambiguate.",
                        go_list(&ports)
                    ),
                )
                .help = Some(format!("add `port: {{number: {}}}` (or another of its ports)", ports[0]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, run};

    #[test]
    fn reports_destinations_without_port_on_multi_port_services() {
        let found = run(
            "virtual-service-destination-port-required",
            &fixture("virtual-service-destination-port-required.yaml"),
        );
        assert_eq!(
            found,
            [(
                "IST0112",
                "VirtualService web/no-port".to_string(),
                38,
                "spec.http[0].route[0].destination".to_string(),
                "This VirtualService routes to a service \"frontend\" that exposes multiple ports [80 443]. \
                 Specifying a port in the destination is required to disambiguate."
                    .to_string(),
            )]
        );
    }
}
