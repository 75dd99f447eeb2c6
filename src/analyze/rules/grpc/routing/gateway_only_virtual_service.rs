use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::Workload;
use crate::source::FieldPath;

use super::scope::{all_virtual_services, binds_mesh, clients_text};

declare_rule! {
    /// A VirtualService bound only to gateways does not apply to proxyless gRPC clients of the same Service.
    ///
    /// ## What it checks
    /// A VirtualService whose `gateways` do not include `mesh`, for a host that
    /// is a Service or ServiceEntry in the registry and that proxyless gRPC
    /// clients can call.
    ///
    /// ## Why it matters
    /// istiod builds a client's routes only from VirtualServices bound to
    /// `mesh`. Proxyless clients of the Service keep its default route: none of
    /// the subsets, weights, timeouts or faults here apply to their RPCs, even
    /// though the same Service's ingress traffic follows them.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hosts: [echo.echo-grpc.svc.cluster.local]
    ///   gateways: [istio-system/ingress]
    ///   http:
    ///   - route: [{destination: {host: echo.echo-grpc.svc.cluster.local, subset: v2}}]
    /// ```
    ///
    /// ## How to fix
    /// Add `mesh` to `gateways` if the routing should apply inside the mesh
    /// too, or leave it as is if only ingress traffic should follow it.
    pub static RULE = { code: "GRPC015", name: "gateway-only-virtual-service", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for vs in all_virtual_services(context) {
        if binds_mesh(&vs.spec.gateways) {
            continue;
        }
        let mut hosts = Vec::new();
        let mut clients: Vec<&Workload> = Vec::new();
        for host in &vs.hosts {
            if host.contains('*') || index.services(host).is_empty() {
                continue;
            }
            let found = context.proxyless_clients(vs.object, host);
            if found.is_empty() {
                continue;
            }
            hosts.push(host.as_str());
            clients.extend(found.iter().copied());
        }
        let clients = crate::analyze::proxyless::distinct(clients);
        if hosts.is_empty() {
            continue;
        }
        findings
            .report(
                vs.object,
                &FieldPath::root().field("spec").field("gateways"),
                format!(
                    "this VirtualService is bound only to gateways ({}), not to mesh: {} of {} do not get its routes and use the Service's default route",
                    vs.spec.gateways.join(", "),
                    clients_text(context, &clients),
                    hosts.join(", "),
                ),
            )
            .help = Some("add `mesh` to gateways if the routing should apply to in-mesh clients too".into());
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    const VS: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo, www.example.com]
  gateways: [istio-system/ingress]
  http:
  - route: [{destination: {host: echo}}]
";

    #[test]
    fn registry_hosts_only() {
        let found = run_rule_as("GRPC015", "any", &mesh(VS));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "spec.gateways");
        assert!(found[0].2.ends_with("proxyless clients ns/app of echo.ns.svc.cluster.local do not get its routes and use the Service's default route"), "{}", found[0].2);
        let external = VS.replace("hosts: [echo, ", "hosts: [");
        assert!(run_rule_as("GRPC015", "any", &mesh(&external)).is_empty());
        let both = VS.replace("gateways: [", "gateways: [mesh, ");
        assert!(run_rule_as("GRPC015", "any", &mesh(&both)).is_empty());
    }
}
