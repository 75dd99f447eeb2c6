//! Istio's protocol for a Kubernetes Service port, as istiod's
//! `kube.ConvertProtocol` computes it. The index keeps a simpler guess
//! ([`crate::index::ServicePort::protocol`]); the port rules need the exact one
//! (UDP ports, Kubernetes' own `appProtocol` names, well-known server-first ports).

use k8s_openapi::api::core::v1::ServicePort;

/// Ports istiod treats as TCP when the name gives no protocol: server-first
/// protocols (SMTP, DNS, MySQL, MongoDB) that protocol sniffing would break.
const WELL_KNOWN_TCP_PORTS: [i32; 4] = [25, 53, 3306, 27017];

/// The protocol Istio uses for a port, or `None` when it cannot tell
/// (istiod then sniffs the protocol: "unsupported" in istioctl's words).
pub(crate) fn port_protocol(port: &ServicePort) -> Option<&'static str> {
    if port.protocol.as_deref() == Some("UDP") {
        return Some("UDP");
    }
    let name = match &port.app_protocol {
        Some(app_protocol) => match app_protocol.as_str() {
            // Kubernetes' standard appProtocol names.
            "kubernetes.io/h2c" => return Some("HTTP2"),
            "kubernetes.io/ws" => return Some("HTTP"),
            "kubernetes.io/wss" => return Some("HTTPS"),
            other => other,
        },
        None => port.name.as_deref().unwrap_or(""),
    };
    if name.to_ascii_lowercase().starts_with("grpc-web") {
        return Some("GRPC-Web");
    }
    let prefix = name.split('-').next().unwrap_or(name);
    parse(prefix).or_else(|| WELL_KNOWN_TCP_PORTS.contains(&port.port).then_some("TCP"))
}

/// istiod's `protocol.Parse`: a protocol name, case-insensitively.
fn parse(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "tcp" => "TCP",
        "udp" => "UDP",
        "grpc" => "GRPC",
        "grpc-web" => "GRPC-Web",
        "http" => "HTTP",
        "http_proxy" => "HTTP_PROXY",
        "http2" => "HTTP2",
        "https" => "HTTPS",
        "tls" => "TLS",
        "mongo" => "Mongo",
        "redis" => "Redis",
        "mysql" => "MySQL",
        "hbone" => "HBONE",
        _ => return None,
    })
}

/// Namespaces Istio never injects and whose Services istioctl does not check.
pub(crate) const SYSTEM_NAMESPACES: [&str; 4] = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "local-path-storage",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn port(
        name: Option<&str>,
        number: i32,
        protocol: Option<&str>,
        app: Option<&str>,
    ) -> ServicePort {
        ServicePort {
            name: name.map(str::to_string),
            port: number,
            protocol: protocol.map(str::to_string),
            app_protocol: app.map(str::to_string),
            ..ServicePort::default()
        }
    }

    #[test]
    fn protocol_from_name_app_protocol_and_well_known_ports() {
        for (p, want) in [
            (port(Some("http-web"), 80, None, None), Some("HTTP")),
            (port(Some("GRPC"), 80, None, None), Some("GRPC")),
            (port(Some("grpc-web-ui"), 80, None, None), Some("GRPC-Web")),
            (port(Some("web"), 80, None, Some("http2")), Some("HTTP2")),
            (
                port(Some("http"), 80, None, Some("kubernetes.io/h2c")),
                Some("HTTP2"),
            ),
            (port(Some("foo"), 80, None, None), None),
            (port(None, 80, None, None), None),
            (port(None, 3306, None, None), Some("TCP")),
            (port(Some("dns"), 53, Some("UDP"), None), Some("UDP")),
            (
                port(Some("mesh"), 15008, None, Some("hbone")),
                Some("HBONE"),
            ),
        ] {
            assert_eq!(port_protocol(&p), want, "{p:?}");
        }
    }
}
