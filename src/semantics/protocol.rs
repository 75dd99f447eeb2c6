//! The protocol istiod gives a service port, decided in one place for the
//! index, the renderer and every rule (istiod's `kube.ConvertProtocol` for
//! Kubernetes Services, `protocol.Parse` for ServiceEntries).

use std::fmt;

/// A port's protocol as istiod reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Grpc,
    GrpcWeb,
    Http,
    Http2,
    HttpProxy,
    Https,
    Tcp,
    Tls,
    Udp,
    Mongo,
    Redis,
    MySql,
    Hbone,
    /// Nothing istiod recognises: it sniffs the protocol ("unsupported").
    Sniffed,
}

/// Ports istiod treats as TCP when nothing names a protocol: server-first
/// protocols (SMTP, DNS, MySQL, MongoDB) that sniffing would break.
const WELL_KNOWN_TCP_PORTS: [i64; 4] = [25, 53, 3306, 27017];

impl Protocol {
    /// istiod's `protocol.Parse`: a protocol name, case-insensitively;
    /// anything else is [`Protocol::Sniffed`].
    pub fn parse(name: &str) -> Protocol {
        match name.to_ascii_lowercase().as_str() {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "grpc" => Protocol::Grpc,
            "grpc-web" => Protocol::GrpcWeb,
            "http" => Protocol::Http,
            "http_proxy" => Protocol::HttpProxy,
            "http2" => Protocol::Http2,
            "https" => Protocol::Https,
            "tls" => Protocol::Tls,
            "mongo" => Protocol::Mongo,
            "redis" => Protocol::Redis,
            "mysql" => Protocol::MySql,
            "hbone" => Protocol::Hbone,
            _ => Protocol::Sniffed,
        }
    }

    /// A Kubernetes Service port: UDP from the L4 protocol; then
    /// `appProtocol` (Kubernetes' own `kubernetes.io/h2c`, `ws`, `wss`
    /// names included) or, without it, the port name's prefix (`grpc-web`
    /// whole, else up to the first `-`); then the well-known TCP ports.
    pub fn of_kubernetes_port(
        number: i64,
        name: Option<&str>,
        l4_protocol: Option<&str>,
        app_protocol: Option<&str>,
    ) -> Protocol {
        if l4_protocol == Some("UDP") {
            return Protocol::Udp;
        }
        let name = match app_protocol {
            Some("kubernetes.io/h2c") => return Protocol::Http2,
            Some("kubernetes.io/ws") => return Protocol::Http,
            Some("kubernetes.io/wss") => return Protocol::Https,
            Some(app_protocol) => app_protocol,
            None => name.unwrap_or(""),
        };
        if name.to_ascii_lowercase().starts_with("grpc-web") {
            return Protocol::GrpcWeb;
        }
        match Protocol::parse(name.split('-').next().unwrap_or(name)) {
            Protocol::Sniffed if WELL_KNOWN_TCP_PORTS.contains(&number) => Protocol::Tcp,
            protocol => protocol,
        }
    }

    /// A ServiceEntry port: its `protocol` field alone.
    pub fn of_service_entry_port(protocol: Option<&str>) -> Protocol {
        protocol.map_or(Protocol::Sniffed, Protocol::parse)
    }

    /// Whether istiod builds an HTTP virtual host for the port without a
    /// VirtualService (`IsHTTPOrSniffed`): the ports a proxyless gRPC
    /// client can get a usable route for.
    pub fn is_http_or_sniffed(self) -> bool {
        matches!(
            self,
            Protocol::Http
                | Protocol::Http2
                | Protocol::HttpProxy
                | Protocol::Grpc
                | Protocol::GrpcWeb
                | Protocol::Sniffed
        )
    }

    /// Whether a gRPC server is assumed behind a port with this protocol
    /// (gRPC, gRPC-Web, HTTP2): a port named `http` is HTTP/1.1.
    pub fn serves_grpc(self) -> bool {
        matches!(self, Protocol::Grpc | Protocol::GrpcWeb | Protocol::Http2)
    }

    /// The protocol as istioctl spells it, `None` when sniffed.
    pub fn declared(self) -> Option<&'static str> {
        Some(match self {
            Protocol::Grpc => "GRPC",
            Protocol::GrpcWeb => "GRPC-Web",
            Protocol::Http => "HTTP",
            Protocol::Http2 => "HTTP2",
            Protocol::HttpProxy => "HTTP_PROXY",
            Protocol::Https => "HTTPS",
            Protocol::Tcp => "TCP",
            Protocol::Tls => "TLS",
            Protocol::Udp => "UDP",
            Protocol::Mongo => "Mongo",
            Protocol::Redis => "Redis",
            Protocol::MySql => "MySQL",
            Protocol::Hbone => "HBONE",
            Protocol::Sniffed => return None,
        })
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.declared().unwrap_or("sniffed"))
    }
}

/// The protocol of a Kubernetes Service port object.
pub fn of_service_port(port: &k8s_openapi::api::core::v1::ServicePort) -> Protocol {
    Protocol::of_kubernetes_port(
        i64::from(port.port),
        port.name.as_deref(),
        port.protocol.as_deref(),
        port.app_protocol.as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_ports_as_istiod_reads_them() {
        let p = |number, name, l4, app| Protocol::of_kubernetes_port(number, name, l4, app);
        assert_eq!(p(7070, Some("grpc"), None, None), Protocol::Grpc);
        assert_eq!(p(7070, Some("GRPC-x"), None, None), Protocol::Grpc);
        assert_eq!(p(7070, Some("grpc-web-x"), None, None), Protocol::GrpcWeb);
        assert_eq!(p(80, Some("http2-a"), None, None), Protocol::Http2);
        assert_eq!(
            p(80, None, None, Some("kubernetes.io/h2c")),
            Protocol::Http2
        );
        assert_eq!(p(80, None, None, Some("kubernetes.io/ws")), Protocol::Http);
        assert_eq!(
            p(443, None, None, Some("kubernetes.io/wss")),
            Protocol::Https
        );
        // appProtocol wins over the name, even when istiod cannot read it.
        assert_eq!(p(7070, Some("grpc"), None, Some("TLS")), Protocol::Tls);
        assert_eq!(
            p(7070, Some("grpc"), None, Some("custom")),
            Protocol::Sniffed
        );
        assert_eq!(p(7070, Some("grpc"), Some("UDP"), None), Protocol::Udp);
        assert_eq!(p(3306, None, None, None), Protocol::Tcp);
        assert_eq!(p(3306, Some("mysql"), None, None), Protocol::MySql);
        assert_eq!(p(27017, Some("db"), None, None), Protocol::Tcp);
        assert_eq!(p(8080, Some("web"), None, None), Protocol::Sniffed);
        assert!(p(8080, None, None, None).is_http_or_sniffed());
        assert!(!p(9090, Some("tcp"), None, None).is_http_or_sniffed());
        assert!(!p(80, Some("http"), None, None).serves_grpc());
    }

    #[test]
    fn service_entry_ports_read_the_protocol_field_alone() {
        assert_eq!(
            Protocol::of_service_entry_port(Some("GRPC")),
            Protocol::Grpc
        );
        assert_eq!(
            Protocol::of_service_entry_port(Some("https")),
            Protocol::Https
        );
        assert_eq!(Protocol::of_service_entry_port(None), Protocol::Sniffed);
    }
}
