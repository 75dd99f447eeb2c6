use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::scope;
use crate::semantics::Protocol;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

declare_rule! {
    /// A Service port of a proxyless gRPC target is declared TCP, TLS or HTTPS: istiod builds no route for it and every RPC fails.
    ///
    /// ## What it checks
    /// A Kubernetes Service port whose `appProtocol` or name prefix declares
    /// `tcp`, `tls` or `https` although gRPC is meant to go through it: its
    /// name or `appProtocol` says `grpc` (`tcp-grpc`), or it targets a
    /// container port named `grpc…` or `http2…` of a proxyless server, or
    /// the Service selects proxyless gRPC servers and has no port that
    /// declares gRPC, gRPC-Web or HTTP2 at all. Ports that carry other
    /// traffic beside a gRPC port (a `tcp` port of an echo server, a MySQL
    /// port with a DestinationRule) are not proxyless gRPC targets and are
    /// left alone.
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
        let ports = spec.ports.as_deref().unwrap_or_default();
        let has_grpc_port = ports.iter().any(|p| scope::port_protocol(p).serves_grpc());
        for (i, port) in ports.iter().enumerate() {
            let protocol = scope::port_protocol(port);
            if !matches!(protocol, Protocol::Tcp | Protocol::Tls | Protocol::Https) {
                continue;
            }
            let only_way_in = !service.servers.is_empty() && !has_grpc_port;
            if !only_way_in && !meant_for_grpc(context, service, port) {
                continue;
            }
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

/// Whether a port says it carries gRPC: its name or `appProtocol` names
/// gRPC, or it targets a proxyless server's container port named so.
fn meant_for_grpc(
    context: &Context<'_>,
    service: &scope::GrpcService<'_>,
    port: &k8s_openapi::api::core::v1::ServicePort,
) -> bool {
    let says_grpc = |text: &str| {
        let text = text.to_ascii_lowercase();
        text.contains("grpc") || text.starts_with("http2") || text.starts_with("h2")
    };
    if [port.name.as_deref(), port.app_protocol.as_deref()]
        .into_iter()
        .flatten()
        .any(says_grpc)
    {
        return true;
    }
    let target = match &port.target_port {
        Some(IntOrString::String(name)) => name.clone(),
        Some(IntOrString::Int(n)) if *n != 0 => n.to_string(),
        _ => port.port.to_string(),
    };
    service.servers.iter().any(|server| {
        let Some(spec) = scope::pod_spec(context.index.object(server.object)) else {
            return false;
        };
        let ports = scope::container_ports(spec);
        let Some(number) = crate::semantics::workload::resolve_target_port(&target, &ports) else {
            return false;
        };
        ports
            .iter()
            .any(|(name, n)| *n == number && name.as_deref().is_some_and(says_grpc))
    })
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
            // Beside a gRPC port, a tcp port carries other traffic.
            ("{name: grpc, port: 7070}, {name: tcp, port: 9090}", None),
            (
                "{name: grpc, port: 7070}, {name: tcp-grpc, port: 9090}",
                Some("spec.ports[1].name"),
            ),
        ] {
            let found = run_rule("GRPC036", "t.yaml", &base.replace("PORT", port));
            assert_eq!(found.first().map(|f| f.3.as_str()), field, "{port}");
        }
    }
}
