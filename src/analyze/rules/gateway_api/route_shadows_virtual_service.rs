use std::collections::BTreeSet;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::DEFAULT_NAMESPACE;
use crate::model::Spec;
use crate::semantics::routing::{binds_mesh, virtual_service_for};
use crate::source::FieldPath;

declare_rule! {
    /// A Gateway API route attached to a Service and a VirtualService route the same host for the mesh: istiod merges neither, each client takes one whole.
    ///
    /// ## What it checks
    /// Each host a mesh-attached HTTPRoute or GRPCRoute routes (its parent
    /// Service) that a VirtualService bound to `mesh` also names.
    ///
    /// ## Why it matters
    /// istiod turns the route into a VirtualService of its own and does not
    /// merge it with the user's: a client builds the host's routes from the
    /// first of them in its order (the routes of its own namespace first),
    /// and drops the other whole. Which rules a client follows then depends
    /// on where it runs, and half of the config silently never applies.
    ///
    /// ## Example
    /// ```yaml
    /// kind: GRPCRoute              # parentRefs: [{kind: Service, name: echo}]
    /// ---
    /// kind: VirtualService         # hosts: [echo.echo-grpc.svc.cluster.local]
    /// ```
    ///
    /// ## How to fix
    /// Route each host with one API: move the VirtualService's rules into
    /// the route, or drop the route.
    pub static RULE = { code: "MESH202", name: "route-shadows-virtual-service", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for generated in index.objects.iter().filter(|o| o.generated.is_some()) {
        let Spec::VirtualService(spec) = &generated.spec else {
            continue;
        };
        if !binds_mesh(&spec.gateways) {
            continue;
        }
        let route_namespace = generated.namespace_or(DEFAULT_NAMESPACE);
        for host in &spec.hosts {
            let users: BTreeSet<String> = index
                .virtual_services_matching(host)
                .into_iter()
                .map(|id| index.object(id))
                .filter(|object| object.generated.is_none())
                .filter(|object| match &object.spec {
                    Spec::VirtualService(vs) => binds_mesh(&vs.gateways),
                    _ => false,
                })
                .map(|object| object.origin().to_string())
                .collect();
            if users.is_empty() {
                continue;
            }
            let taken = virtual_service_for(index, route_namespace, host)
                .map(|(id, _)| index.object(id))
                .map(|object| match object.generated {
                    Some(_) => "the route".to_string(),
                    None => object.origin().to_string(),
                })
                .unwrap_or_else(|| "neither".to_string());
            findings.report(
                generated,
                &FieldPath::root(),
                format!(
                    "{} also routes {host} for the mesh: istiod merges neither with the route, each client takes the routes of one whole (clients in {route_namespace} take {taken})",
                    users.into_iter().collect::<Vec<_>>().join(", "),
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const ROUTE_AND_VS: &str = "apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ns}
spec:
  ports: [{name: grpc, port: 7070}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: echo, namespace: ns}
spec:
  parentRefs: [{group: '', kind: Service, name: echo, port: 7070}]
  rules:
  - backendRefs: [{name: echo, port: 7070}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [HOST]
  http:
  - route: [{destination: {host: echo.ns.svc.cluster.local}}]
";

    #[test]
    fn a_virtual_service_for_the_routes_host_is_told_at_the_route() {
        let text = ROUTE_AND_VS.replace("HOST", "echo.ns.svc.cluster.local");
        let found = run_rule("MESH202", "both.yaml", &text);
        assert_eq!(found.len(), 1, "{found:?}");
        let (_, origin, line, _, message) = &found[0];
        assert_eq!(origin, "GRPCRoute ns/echo");
        assert_eq!(*line, 13);
        assert!(
            message.starts_with(
                "VirtualService ns/echo also routes echo.ns.svc.cluster.local for the mesh"
            ),
            "{message}"
        );
    }

    #[test]
    fn other_hosts_are_silent() {
        let text = ROUTE_AND_VS.replace("HOST", "other.ns.svc.cluster.local");
        assert!(run_rule("MESH202", "both.yaml", &text).is_empty());
    }
}
