use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::scope::{clients_text, mesh_virtual_services};

declare_rule! {
    /// A VirtualService tcp or tls route for a host proxyless gRPC clients call never applies to them.
    ///
    /// ## What it checks
    /// `tcp[]` and `tls[]` routes in a VirtualService bound to `mesh` whose
    /// hosts proxyless gRPC clients call.
    ///
    /// ## Why it matters
    /// A proxyless client's listener is always an HTTP one: istiod's gRPC
    /// generator builds only HTTP routes, so L4 routes never reach it. When the
    /// Service port is declared TCP or TLS (by name or `appProtocol`), istiod
    /// builds no virtual host for it at all (`IsHTTPOrSniffed`) and gRPC fails
    /// every RPC for lack of one; otherwise the RPCs ignore the L4 route and go
    /// where the http routes (or the default route) send them, not where this
    /// route says.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hosts: [echo.echo-grpc.svc.cluster.local]
    ///   tcp:
    ///   - route: [{destination: {host: echo-v2.echo-grpc.svc.cluster.local}}]
    /// ```
    ///
    /// ## How to fix
    /// Name the Service port `grpc` (or `grpc-*`, or set `appProtocol: grpc`)
    /// and write the routing as `http` routes, which gRPC follows.
    pub static RULE = { code: "GRPC014", name: "tcp-or-tls-route-for-grpc-host", level: Error, check: check };
}

/// Whether istiod builds an HTTP virtual host for a port of this protocol
/// (`Instance.IsHTTPOrSniffed`; `None` is sniffed).
fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for vs in mesh_virtual_services(context) {
        let routes = vs
            .spec
            .tcp
            .iter()
            .map(|r| r.r#match.iter().map(|m| m.port).collect::<Vec<_>>())
            .enumerate()
            .map(|(k, ports)| ("tcp", k, ports))
            .chain(
                vs.spec
                    .tls
                    .iter()
                    .map(|r| r.r#match.iter().map(|m| m.port).collect::<Vec<_>>())
                    .enumerate()
                    .map(|(k, ports)| ("tls", k, ports)),
            );
        for (kind, k, match_ports) in routes {
            let wanted = |port: u32| {
                match_ports.is_empty() || match_ports.iter().any(|p| p.is_none_or(|p| p == port))
            };
            let mut l4_ports = Vec::new();
            for host in &vs.hosts {
                for service in index.services(host) {
                    for port in service.ports.iter().filter(|p| wanted(p.port)) {
                        if !port.protocol.is_http_or_sniffed() {
                            let text = format!("{host}:{} ({})", port.port, port.protocol);
                            if !l4_ports.contains(&text) {
                                l4_ports.push(text);
                            }
                        }
                    }
                }
            }
            let who = clients_text(context, &vs.clients);
            let effect = if l4_ports.is_empty() {
                let next = if vs.spec.http.is_empty() {
                    "the default route"
                } else {
                    "the http routes"
                };
                format!(
                    ": RPCs from {who} to {} ignore this route and follow {next} instead",
                    vs.hosts_text()
                )
            } else {
                format!(
                    ", and {} {} declared with a non-HTTP protocol, so istiod sends these clients no virtual host: every RPC from {who} fails (no matching virtual host)",
                    l4_ports.join(", "),
                    if l4_ports.len() == 1 { "is" } else { "are" },
                )
            };
            findings
                .report(
                    vs.object,
                    &FieldPath::root().field("spec").field(kind).index(k),
                    format!(
                        "{kind} routes never apply to proxyless gRPC clients (istiod's gRPC generator builds only HTTP routes){effect}"
                    ),
                )
                .help = Some("declare the port as grpc and route with http routes".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    const VS: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  tcp:
  - route: [{destination: {host: other}}]
";

    #[test]
    fn grpc_port_ignores_the_route() {
        let found = run_rule_as("GRPC014", "any", &mesh(VS));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "spec.tcp[0]");
        assert!(
            found[0].2.ends_with("follow the default route instead"),
            "{}",
            found[0].2
        );
    }

    #[test]
    fn tcp_port_beside_a_grpc_port_fails_every_rpc() {
        let text = mesh(VS).replace(
            "name: grpc, port: 7070",
            "name: grpc, port: 7070}, {name: tcp-echo, port: 9090",
        );
        let found = run_rule_as("GRPC014", "any", &text);
        assert!(
            found[0].2.contains(
                "and echo.ns.svc.cluster.local:9090 (TCP) is declared with a non-HTTP protocol"
            ),
            "{}",
            found[0].2
        );
    }

    #[test]
    fn a_tcp_only_host_has_no_proxyless_clients() {
        let text = mesh(VS).replace("name: grpc, port: 7070", "name: tcp-echo, port: 7070");
        assert!(run_rule_as("GRPC014", "any", &text).is_empty());
    }
}
