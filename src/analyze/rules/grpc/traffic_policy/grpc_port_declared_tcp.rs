use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::scope::{self, PortProtocol};

declare_rule! {
    /// A Service port of a proxyless gRPC target is declared TCP, TLS or HTTPS: istiod builds no route for it and every RPC fails.
    ///
    /// ## What it checks
    /// A Kubernetes Service that selects proxyless gRPC servers, or that
    /// proxyless clients receive a DestinationRule or VirtualService for, with
    /// a port whose `appProtocol` or name prefix declares `tcp`, `tls` or
    /// `https`.
    ///
    /// ## Why it matters
    /// istiod builds an HTTP virtual host only for HTTP, HTTP2, gRPC and
    /// sniffed ports (`IsHTTPOrSniffed`). A proxyless client dialing a TCP,
    /// TLS or HTTPS port still gets a listener, but its route configuration
    /// has no virtual host: gRPC reports "no matching virtual host" and every
    /// RPC fails.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   selector: {app: echo}
    ///   ports: [{name: tcp-grpc, port: 7070}]
    /// ```
    ///
    /// ## How to fix
    /// Name the port `grpc` or `grpc-<suffix>`, or set `appProtocol: grpc`. If
    /// the port really carries no gRPC, suppress the finding for it.
    pub static RULE = { code: "GRPC036", name: "grpc-port-declared-tcp", level: Error, check: check };
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
            let PortProtocol::Opaque(protocol) = scope::port_protocol(port) else {
                continue;
            };
            let port_path = FieldPath::root().field("spec").field("ports").index(i);
            let path = if port.app_protocol.is_some() {
                port_path.field("appProtocol")
            } else {
                port_path.field("name")
            };
            let who = if service.clients.is_empty() {
                "proxyless clients".to_string()
            } else {
                format!(
                    "proxyless clients {}",
                    context.workload_names(&service.clients)
                )
            };
            findings
                .report(
                    service.object,
                    &path,
                    format!(
                        "port {} of {} is declared {protocol} although {}: istiod builds no virtual host for it, so RPCs from {who} fail (\"no matching virtual host\")",
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

    #[test]
    fn tcp_name_or_app_protocol() {
        let base = "
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
        for (port, field) in [
            ("{name: tcp-grpc, port: 7070}", Some("spec.ports[0].name")),
            (
                "{name: grpc, port: 7070, appProtocol: TLS}",
                Some("spec.ports[0].appProtocol"),
            ),
            ("{name: https, port: 7070}", Some("spec.ports[0].name")),
            ("{name: grpc, port: 7070}", None),
            ("{name: mongo, port: 7070}", None),
        ] {
            let found = run_rule("GRPC036", "t.yaml", &base.replace("PORT", port));
            assert_eq!(found.first().map(|f| f.3.as_str()), field, "{port}");
        }
    }
}
