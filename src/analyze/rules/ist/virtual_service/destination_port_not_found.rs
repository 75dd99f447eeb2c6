use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::lookup::{
    destination_services, go_list, mirror_destinations, route_destinations, service_ports,
    virtual_services, Scope,
};

declare_rule! {
    /// A VirtualService routes to a port its destination service does not expose.
    ///
    /// ## What it checks
    /// A route or mirror destination whose `port.number` is none of the ports
    /// of the Service or ServiceEntry its host resolves to (istioctl's IST0101
    /// on `host:port`). Destinations whose host resolves to nothing are left to
    /// `virtual-service-destination-host-not-found`.
    ///
    /// ## Why it matters
    /// There is no cluster for that host and port: the route fails with 503.
    ///
    /// ## Example
    /// ```yaml
    /// - destination:
    ///     host: reviews   # the Service exposes 9080 only
    ///     port: {number: 8080}
    /// ```
    ///
    /// ## How to fix
    /// Use one of the service's ports, or add the port to the Service or ServiceEntry.
    pub static RULE = { code: "IST0101", name: "virtual-service-destination-port-not-found", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for (object, vs, namespace) in virtual_services(index) {
        let scope = Scope::of_routes(vs, namespace);
        for destination in route_destinations(vs)
            .into_iter()
            .chain(mirror_destinations(vs))
        {
            let Some(number) = destination
                .destination
                .and_then(|d| d.port.as_ref())
                .and_then(|p| p.number)
            else {
                continue;
            };
            let host = destination.host();
            let services = destination_services(index, host, namespace, &scope);
            if services.is_empty() {
                continue;
            }
            let ports = service_ports(&services);
            if ports.contains(&number) {
                continue;
            }
            findings
                .report(
                    object,
                    &destination.destination_path().field("port").field("number"),
                    format!("Referenced host:port not found: \"{host}:{number}\""),
                )
                .help = Some(format!("`{host}` exposes ports {}", go_list(&ports)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, run};

    #[test]
    fn reports_ports_the_service_does_not_expose() {
        let found = run(
            "virtual-service-destination-port-not-found",
            &fixture("virtual-service-destination-port-not-found.yaml"),
        );
        assert_eq!(
            found,
            [(
                "IST0101",
                "VirtualService web/wrong-port".to_string(),
                35,
                "spec.http[0].route[0].destination.port.number".to_string(),
                "Referenced host:port not found: \"frontend:8080\"".to_string(),
            )]
        );
    }
}
