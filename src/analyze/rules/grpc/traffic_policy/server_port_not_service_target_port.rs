use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::Workload;
use crate::source::FieldPath;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::scope;

declare_rule! {
    /// A Service's targetPort matches no container port of the proxyless gRPC servers it selects: the server never gets its Listener.
    ///
    /// ## What it checks
    /// A Kubernetes Service selecting proxyless gRPC servers whose pod
    /// template declares `containerPorts`, where a Service port's `targetPort`
    /// (the `port` when unset; a named targetPort by the container port's name)
    /// equals none of them. Only ports that declare gRPC, gRPC-Web or HTTP2
    /// count: an `http` or `tcp` port of the same pods is not assumed to
    /// reach a gRPC server.
    ///
    /// ## Why it matters
    /// A proxyless gRPC server asks istiod for the Listener of the address it
    /// listens on, and istiod answers only if a Service selecting the pod has a
    /// port whose `targetPort` equals that port (`buildInboundListeners`).
    /// Otherwise no Listener comes back and the server stays "not serving"
    /// (gRFC A36): it accepts no RPCs. The mismatch also means the Service
    /// sends traffic to a port nothing declares.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   selector: {app: echo}
    ///   ports: [{name: grpc, port: 7070, targetPort: 8080}]
    /// # ...while the echo pods declare containerPort 7070 and listen there
    /// ```
    ///
    /// ## How to fix
    /// Set the Service's `targetPort` to the port the gRPC server listens on
    /// (and declares as a `containerPort`).
    pub static RULE = { code: "GRPC037", name: "server-port-not-service-target-port", level: Error, check: check };
}

/// Whether a pod declaring `ports` accepts a targetPort.
fn declares(ports: &[(Option<String>, u32)], target: &IntOrString) -> bool {
    let target = match target {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(name) => name.clone(),
    };
    let resolved = crate::semantics::workload::resolve_target_port(&target, ports);
    resolved.is_some_and(|number| ports.iter().any(|(_, n)| *n == number))
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for service in scope::kubernetes_services(context) {
        if service.servers.is_empty() {
            continue;
        }
        let Some(spec) = &service.service.spec else {
            continue;
        };
        // Servers that declare container ports, with those ports.
        let servers: Vec<(&Workload, _)> = service
            .servers
            .iter()
            .filter_map(|&w| {
                let mut ports = scope::container_ports(scope::pod_spec(index.object(w.object))?);
                ports.sort_by_key(|(_, number)| *number);
                ports.dedup_by_key(|(_, number)| *number);
                (!ports.is_empty()).then_some((w, ports))
            })
            .collect();
        for (i, port) in spec.ports.iter().flatten().enumerate() {
            // A gRPC server is assumed only behind gRPC, gRPC-Web and HTTP2
            // ports: an `http` or `tcp` port of the same pods serves other traffic.
            if !scope::port_protocol(port).serves_grpc() {
                continue;
            }
            let port_path = FieldPath::root().field("spec").field("ports").index(i);
            let (target, path) = match &port.target_port {
                Some(IntOrString::Int(0)) | None => {
                    (IntOrString::Int(port.port), port_path.field("port"))
                }
                Some(target) => (target.clone(), port_path.field("targetPort")),
            };
            let missing: Vec<&Workload> = servers
                .iter()
                .filter(|(_, ports)| !declares(ports, &target))
                .map(|(w, _)| *w)
                .collect();
            let Some((_, first_ports)) = servers.iter().find(|(w, _)| missing.first() == Some(w))
            else {
                continue;
            };
            let declared: Vec<String> = first_ports
                .iter()
                .map(|(name, n)| match name {
                    Some(name) => format!("{n}/{name}"),
                    None => n.to_string(),
                })
                .collect();
            let target_text = match &target {
                IntOrString::Int(n) => n.to_string(),
                IntOrString::String(name) => format!("{name:?}"),
            };
            findings
                .report(
                    service.object,
                    &path,
                    format!(
                        "targetPort {target_text} of {} matches no container port of proxyless servers {} (their container ports: {}): istiod sends a server Listener only for a Service targetPort, so a gRPC server listening on a declared port stays \"not serving\"",
                        service.host,
                        context.workload_names(&missing),
                        declared.join(", ")
                    ),
                )
                .help = Some("set targetPort to the port the gRPC server listens on".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ns}
spec:
  selector: {app: echo}
  ports: [PORT]
---
apiVersion: v1
kind: Pod
metadata: {name: echo-0, namespace: ns, labels: {app: echo}, annotations: {inject.istio.io/templates: grpc-agent}}
spec:
  containers: [{name: app, image: app, CONTAINER}]
";

    #[test]
    fn numbers_names_and_undeclared_ports() {
        let declared = "ports: [{containerPort: 7070, name: grpc}]";
        for (port, container, field) in [
            ("{name: grpc, port: 7070}", declared, None),
            ("{name: grpc, port: 80, targetPort: 7070}", declared, None),
            ("{name: grpc, port: 80, targetPort: grpc}", declared, None),
            (
                "{name: grpc, port: 7070, targetPort: 8080}",
                declared,
                Some("spec.ports[0].targetPort"),
            ),
            (
                "{name: grpc, port: 8080}",
                declared,
                Some("spec.ports[0].port"),
            ),
            (
                "{name: grpc, port: 80, targetPort: api}",
                declared,
                Some("spec.ports[0].targetPort"),
            ),
            (
                "{name: grpc, port: 7070, targetPort: 8080}",
                "env: []",
                None,
            ),
        ] {
            let yaml = BASE.replace("PORT", port).replace("CONTAINER", container);
            let found = run_rule("GRPC037", "t.yaml", &yaml);
            assert_eq!(
                found.first().map(|f| f.3.as_str()),
                field,
                "{port} {container}"
            );
        }
    }
}
