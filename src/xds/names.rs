//! Resource names as istiod writes and gRPC asks for them (spec §0, §2.1, §4.1).

use std::fmt;

use super::XdsError;

/// Prefix of the server (inbound) listener names gRPC asks for
/// (the bootstrap's `server_listener_resource_name_template`).
pub const SERVER_LISTENER_PREFIX: &str = "xds.istio.io/grpc/lds/inbound/";

/// `outbound|PORT|SUBSET|HOST`: the name of a cluster, of its endpoints, and
/// (with no subset) of the route configuration of a service port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClusterKey {
    pub port: u32,
    pub subset: String,
    pub host: String,
}

impl ClusterKey {
    pub fn new(host: &str, port: u32, subset: &str) -> ClusterKey {
        ClusterKey {
            port,
            subset: subset.to_string(),
            host: host.to_string(),
        }
    }

    /// Parses `outbound|7070|v1|echo.ns.svc.cluster.local` (istiod's `ParseSubsetKey`).
    pub fn parse(name: &str) -> Option<ClusterKey> {
        let mut parts = name.split('|');
        let (Some("outbound"), Some(port), Some(subset), Some(host), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        Some(ClusterKey {
            port: port.parse().ok()?,
            subset: subset.to_string(),
            host: host.to_string(),
        })
    }

    /// The key of the service port's default cluster (no subset).
    pub fn default_cluster(&self) -> ClusterKey {
        ClusterKey::new(&self.host, self.port, "")
    }
}

impl fmt::Display for ClusterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "outbound|{}|{}|{}", self.port, self.subset, self.host)
    }
}

/// A listener name gRPC asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerName {
    /// `host:port` from an `xds:///host:port` target; a name without a port
    /// stands for every port of the service.
    Client { host: String, port: Option<u32> },
    /// `xds.istio.io/grpc/lds/inbound/IP:PORT`.
    Server { address: String, port: u32 },
}

impl ListenerName {
    pub fn parse(name: &str) -> Result<ListenerName, XdsError> {
        let bad = |reason: &str| XdsError::BadListenerName {
            name: name.to_string(),
            reason: reason.to_string(),
        };
        if let Some(address) = name.strip_prefix(SERVER_LISTENER_PREFIX) {
            let (host, port) = split_host_port(address);
            let port = port
                .ok_or_else(|| bad("a server listener name ends in IP:PORT"))?
                .map_err(|_| bad("the port is not a number from 0 to 65535"))?;
            return Ok(ListenerName::Server {
                address: host.to_string(),
                port,
            });
        }
        let (host, port) = split_host_port(name);
        if host.is_empty() {
            return Err(bad("expected HOST:PORT"));
        }
        let port = match port {
            None => None,
            Some(Ok(port)) => Some(port),
            Some(Err(())) => return Err(bad("the port is not a number from 0 to 65535")),
        };
        Ok(ListenerName::Client {
            host: host.to_string(),
            port,
        })
    }
}

/// `host:port`, `[v6]:port`, or a bare host; the port as `Some(Err)` when it is not one.
pub fn split_host_port(text: &str) -> (&str, Option<Result<u32, ()>>) {
    let parse = |p: &str| p.parse::<u16>().map(u32::from).map_err(|_| ());
    if let Some(rest) = text.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            return match after.strip_prefix(':') {
                Some(port) => (host, Some(parse(port))),
                None => (host, None),
            };
        }
    }
    match text.rsplit_once(':') {
        // More than one colon without brackets: a bare IPv6 address.
        Some((host, _)) if host.contains(':') => (text, None),
        Some((host, port)) => (host, Some(parse(port))),
        None => (text, None),
    }
}

/// `host:port`, bracketing IPv6 addresses (Go's `net.JoinHostPort`).
pub fn join_host_port(host: &str, port: u32) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// An Istio node id: `sidecar~IP~POD.NS~NS.svc.DOMAIN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeId {
    pub ip: String,
    pub pod: String,
    pub namespace: String,
    /// `NS.svc.cluster.local`; drives short-name expansion.
    pub dns_domain: String,
}

impl NodeId {
    pub fn parse(id: &str) -> Result<NodeId, XdsError> {
        let bad = |reason: &str| XdsError::BadNodeId {
            id: id.to_string(),
            reason: reason.to_string(),
        };
        let parts: Vec<&str> = id.split('~').collect();
        let [kind, ip, pod_ns, dns_domain] = parts.as_slice() else {
            return Err(bad(
                "expected 4 parts separated by `~`: sidecar~IP~POD.NS~NS.svc.cluster.local",
            ));
        };
        if !matches!(*kind, "sidecar" | "router") {
            return Err(bad("the first part must be `sidecar`"));
        }
        let Some((pod, namespace)) = pod_ns.split_once('.') else {
            return Err(bad("the third part must be POD.NAMESPACE"));
        };
        if pod.is_empty() || namespace.is_empty() {
            return Err(bad("the third part must be POD.NAMESPACE"));
        }
        Ok(NodeId {
            ip: ip.to_string(),
            pod: pod.to_string(),
            namespace: namespace.to_string(),
            dns_domain: dns_domain.to_string(),
        })
    }

    pub fn format(ip: &str, pod: &str, namespace: &str, cluster_domain: &str) -> String {
        format!("sidecar~{ip}~{pod}.{namespace}~{namespace}.svc.{cluster_domain}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_keys_round_trip() {
        let key = ClusterKey::parse("outbound|7070|v1|echo.ns.svc.cluster.local").unwrap();
        assert_eq!(
            key,
            ClusterKey::new("echo.ns.svc.cluster.local", 7070, "v1")
        );
        assert_eq!(
            key.to_string(),
            "outbound|7070|v1|echo.ns.svc.cluster.local"
        );
        assert_eq!(
            key.default_cluster().to_string(),
            "outbound|7070||echo.ns.svc.cluster.local"
        );
        for bad in [
            "inbound|7070||x",
            "outbound|x||h",
            "outbound|1|a",
            "outbound|1|a|b|c",
        ] {
            assert_eq!(ClusterKey::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn listener_names_as_grpc_asks() {
        assert_eq!(
            ListenerName::parse("echo:7070").unwrap(),
            ListenerName::Client {
                host: "echo".into(),
                port: Some(7070)
            }
        );
        assert_eq!(
            ListenerName::parse("echo").unwrap(),
            ListenerName::Client {
                host: "echo".into(),
                port: None
            }
        );
        assert_eq!(
            ListenerName::parse("xds.istio.io/grpc/lds/inbound/[::]:8076").unwrap(),
            ListenerName::Server {
                address: "::".into(),
                port: 8076
            }
        );
        assert!(ListenerName::parse("xds.istio.io/grpc/lds/inbound/foo").is_err());
        assert!(ListenerName::parse("echo:http").is_err());
        assert!(ListenerName::parse(":80").is_err());
    }

    #[test]
    fn node_ids() {
        let id = NodeId::parse("sidecar~10.1.2.3~echo-v1-abc.echo~echo.svc.cluster.local").unwrap();
        assert_eq!(id.ip, "10.1.2.3");
        assert_eq!(id.pod, "echo-v1-abc");
        assert_eq!(id.namespace, "echo");
        assert_eq!(id.dns_domain, "echo.svc.cluster.local");
        assert!(NodeId::parse("sidecar~1.2.3.4~nons~x").is_err());
        assert!(NodeId::parse("garbage").is_err());
        assert_eq!(
            NodeId::format("1.2.3.4", "p", "ns", "cluster.local"),
            "sidecar~1.2.3.4~p.ns~ns.svc.cluster.local"
        );
    }
}
