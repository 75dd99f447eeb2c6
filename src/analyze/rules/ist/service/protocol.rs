//! Istio's protocol for a Kubernetes Service port, as istioctl's rules
//! name it: [`crate::semantics::protocol`] decides it.

use k8s_openapi::api::core::v1::ServicePort;

/// The protocol Istio uses for a port, or `None` when it cannot tell
/// (istiod then sniffs the protocol: "unsupported" in istioctl's words).
pub(crate) fn port_protocol(port: &ServicePort) -> Option<&'static str> {
    crate::semantics::protocol::of_service_port(port).declared()
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
