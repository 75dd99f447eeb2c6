use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::scope;
use crate::semantics::Protocol;

declare_rule! {
    /// A Service port of a proxyless gRPC target declares no protocol, so Istio sniffs it instead of treating it as gRPC.
    ///
    /// ## What it checks
    /// A Kubernetes Service that selects proxyless gRPC servers, or that
    /// proxyless clients receive a DestinationRule or VirtualService for, with
    /// a port whose name does not start with `grpc` or `http2` (`grpc`,
    /// `grpc-api`, `http2-api`...) and whose `appProtocol` is not `grpc`,
    /// `http2` or `kubernetes.io/h2c`. Ports declared `http` are taken as a
    /// deliberate HTTP/1.1 choice; `tcp`, `tls` and `https` ports are GRPC036.
    ///
    /// ## Why it matters
    /// Istio's proxyless gRPC blog: the port name must be `grpc` (or start
    /// with `grpc-`) so that istiod treats the port as gRPC. An undeclared port
    /// is sniffed, and anything that then treats it as TCP (Envoy sidecar
    /// clients, gateways) balances connections, not requests: HTTP/2 carries
    /// every RPC of a connection to the same pod, so load piles up on a few
    /// servers.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   selector: {app: echo}
    ///   ports: [{name: api, port: 7070}]
    /// ```
    ///
    /// ## How to fix
    /// Name the port `grpc` or `grpc-<suffix>` (or `http2...`), or set
    /// `appProtocol: grpc`.
    pub static RULE = { code: "GRPC035", name: "grpc-port-protocol-undeclared", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for service in scope::kubernetes_services(context) {
        if !service.is_grpc_target() {
            continue;
        }
        let Some(spec) = &service.service.spec else {
            continue;
        };
        for (i, port) in spec.ports.iter().flatten().enumerate() {
            if scope::port_protocol(port) != Protocol::Sniffed {
                continue;
            }
            let port_path = FieldPath::root().field("spec").field("ports").index(i);
            let (path, named) = match (&port.app_protocol, &port.name) {
                (Some(app), _) => (
                    port_path.field("appProtocol"),
                    format!("appProtocol {app:?}"),
                ),
                (None, Some(name)) => (port_path.field("name"), format!("name {name:?}")),
                (None, None) => (port_path, "no name".to_string()),
            };
            findings
                .report(
                    service.object,
                    &path,
                    format!(
                        "port {} of {} ({named}) is not declared gRPC although {}: istiod sniffs it, and whatever treats it as TCP pins every RPC of an HTTP/2 connection to one pod",
                        port.port,
                        service.host,
                        service.reason(context)
                    ),
                )
                .help = Some("name the port grpc or grpc-<suffix>, or set appProtocol: grpc".into());
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
  containers: [{name: app, image: app}]
";

    #[test]
    fn names_and_app_protocols() {
        for (port, fires) in [
            ("{name: grpc, port: 7070}", false),
            ("{name: grpc-api, port: 7070}", false),
            ("{name: http2-api, port: 7070}", false),
            ("{name: api, port: 7070, appProtocol: grpc}", false),
            (
                "{name: api, port: 7070, appProtocol: kubernetes.io/h2c}",
                false,
            ),
            ("{name: http, port: 7070}", false),
            ("{name: api, port: 7070}", true),
            ("{port: 7070}", true),
            ("{name: grpc, port: 7070, appProtocol: custom}", true),
        ] {
            let found = run_rule("GRPC035", "t.yaml", &BASE.replace("PORT", port));
            assert_eq!(found.len(), usize::from(fires), "{port}: {found:?}");
        }
    }

    #[test]
    fn service_without_proxyless_servers_or_routing_is_ignored() {
        let plain = BASE.replace("inject.istio.io/templates: grpc-agent", "x: y");
        assert_eq!(
            run_rule(
                "GRPC035",
                "t.yaml",
                &plain.replace("PORT", "{name: api, port: 7070}")
            ),
            vec![]
        );
    }
}
