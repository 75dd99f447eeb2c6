//! istioctl's proxy-config filters (`--fqdn`, `--port`, `--subset`,
//! `--direction`, `--address`), each applied to the kinds it means
//! something for; a resource of another kind passes it.

use super::dump::facts;
use super::{Resource, ResourceKind};

/// The filters a user gave; none given keeps everything.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Filters {
    /// Clusters and endpoints whose cluster name contains this FQDN.
    #[arg(long, value_name = "FQDN")]
    pub fqdn: Option<String>,
    /// Clusters and endpoints of this port (`|PORT|` in Istio's cluster
    /// names), listeners on it, routes named for it, endpoints at it.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u32>,
    /// Clusters and endpoints whose cluster name contains this subset.
    #[arg(long, value_name = "SUBSET")]
    pub subset: Option<String>,
    /// Clusters and endpoints whose cluster name contains this direction
    /// (`inbound`, `outbound`).
    #[arg(long, value_name = "DIRECTION")]
    pub direction: Option<String>,
    /// Listeners on this IP (their socket, or the IP in a gRPC server
    /// listener's name), endpoints at it.
    #[arg(long, value_name = "IP")]
    pub address: Option<String>,
    /// Endpoints of clusters whose name contains this.
    #[arg(long, value_name = "CLUSTER")]
    pub cluster: Option<String>,
    /// Envoy endpoints in this health status (`HEALTHY`, `UNHEALTHY`…).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
}

impl Filters {
    /// Whether any filter was given.
    pub fn given(&self) -> bool {
        let Filters {
            fqdn,
            port,
            subset,
            direction,
            address,
            cluster,
            status,
        } = self;
        fqdn.is_some()
            || port.is_some()
            || subset.is_some()
            || direction.is_some()
            || address.is_some()
            || cluster.is_some()
            || status.is_some()
    }

    pub fn keeps(&self, resource: &Resource) -> bool {
        match resource.kind {
            ResourceKind::Cluster => self.keeps_cluster_name(&resource.name),
            ResourceKind::Endpoint => {
                self.keeps_cluster_name_text(&resource.name)
                    && self.keeps_cluster(&resource.name)
                    && self.keeps_endpoints(resource)
            }
            ResourceKind::Listener => self.keeps_listener(resource),
            ResourceKind::Route => self
                .port
                .is_none_or(|port| names_port(&resource.name, port)),
            _ => true,
        }
    }

    /// An Envoy `/clusters` host: its cluster's name and its `ip:port`.
    pub fn keeps_host(&self, host: &super::envoy::HostStatus) -> bool {
        let (ip, port) = split_host_port(&host.endpoint);
        self.keeps_cluster_name_text(&host.cluster)
            && self.keeps_cluster(&host.cluster)
            && self
                .status
                .as_deref()
                .is_none_or(|s| host.status.eq_ignore_ascii_case(s))
            && self.address.as_deref().is_none_or(|a| a == ip)
            && self.port.is_none_or(|p| port == Some(p))
    }

    fn keeps_cluster(&self, name: &str) -> bool {
        self.cluster.as_deref().is_none_or(|c| name.contains(c))
    }

    /// As istioctl: substrings of the cluster name; the port as `|PORT|`.
    fn keeps_cluster_name(&self, name: &str) -> bool {
        self.keeps_cluster_name_text(name)
            && self
                .port
                .is_none_or(|port| name.contains(&format!("|{port}|")))
    }

    fn keeps_cluster_name_text(&self, name: &str) -> bool {
        [&self.fqdn, &self.subset, &self.direction]
            .into_iter()
            .flatten()
            .all(|part| name.contains(part.as_str()))
    }

    /// Endpoints: with `--address` or `--port`, some endpoint must match
    /// (both, when both are given); without a config, nothing can.
    fn keeps_endpoints(&self, resource: &Resource) -> bool {
        if self.address.is_none() && self.port.is_none() {
            return true;
        }
        let Some(endpoints) = facts::of_endpoints(resource) else {
            return false;
        };
        endpoints.iter().any(|endpoint| {
            let (ip, port) = split_host_port(endpoint);
            self.address.as_deref().is_none_or(|a| a == ip)
                && self.port.is_none_or(|p| port == Some(p))
        })
    }

    /// Listeners: their socket address, or for gRPC (which names listeners
    /// `HOST:PORT` and `xds.istio.io/grpc/lds/inbound/IP:PORT`) the name.
    fn keeps_listener(&self, resource: &Resource) -> bool {
        let socket = facts::of_listener(resource)
            .map(|(address, _)| address)
            .filter(|a| a != "-");
        let named = resource.name.rsplit('/').next().unwrap_or_default();
        let (ip, port) = split_host_port(socket.as_deref().unwrap_or(named));
        self.address.as_deref().is_none_or(|a| a == ip) && self.port.is_none_or(|p| port == Some(p))
    }
}

/// A route configuration for `port`: Envoy names them by the port (`7070`),
/// gRPC by the listener (`HOST:PORT`).
fn names_port(name: &str, port: u32) -> bool {
    name == port.to_string() || split_host_port(name).1 == Some(port)
}

/// `IP:PORT`, `[IPv6]:PORT` or `HOST:PORT` into its parts.
fn split_host_port(text: &str) -> (&str, Option<u32>) {
    match text.rsplit_once(':') {
        Some((host, port)) => (
            host.trim_start_matches('[').trim_end_matches(']'),
            port.parse().ok(),
        ),
        None => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resource(kind: ResourceKind, name: &str, config: Option<serde_json::Value>) -> Resource {
        Resource {
            scope: String::new(),
            kind,
            name: name.into(),
            version: String::new(),
            status: "ACKED".into(),
            last_updated: String::new(),
            error: String::new(),
            rejected_version: String::new(),
            config: config.into(),
        }
    }

    #[test]
    fn cluster_filters_are_parts_of_istios_cluster_names() {
        let v2 = resource(
            ResourceKind::Cluster,
            "outbound|7070|v2|echo.ns.svc.cluster.local",
            None,
        );
        let keeps = |filters: Filters| filters.keeps(&v2);
        assert!(keeps(Filters::default()));
        assert!(keeps(Filters {
            fqdn: Some("echo.ns".into()),
            subset: Some("v2".into()),
            direction: Some("outbound".into()),
            port: Some(7070),
            ..Filters::default()
        }));
        assert!(!keeps(Filters {
            port: Some(707),
            ..Filters::default()
        }));
        assert!(!keeps(Filters {
            subset: Some("v1".into()),
            ..Filters::default()
        }));
        assert!(!keeps(Filters {
            direction: Some("inbound".into()),
            ..Filters::default()
        }));
    }

    #[test]
    fn listeners_match_their_socket_or_grpc_name() {
        let envoy = resource(
            ResourceKind::Listener,
            "listener_0",
            Some(
                json!({"address": {"socketAddress": {"address": "127.0.0.1", "portValue": 10000}}}),
            ),
        );
        let grpc_server = resource(
            ResourceKind::Listener,
            "xds.istio.io/grpc/lds/inbound/10.0.0.7:7070",
            None,
        );
        let grpc_client = resource(
            ResourceKind::Listener,
            "echo.ns.svc.cluster.local:7070",
            None,
        );
        let on = |address: Option<&str>, port: Option<u32>| Filters {
            address: address.map(str::to_string),
            port,
            ..Filters::default()
        };
        assert!(on(Some("127.0.0.1"), Some(10000)).keeps(&envoy));
        assert!(!on(None, Some(7070)).keeps(&envoy));
        assert!(on(Some("10.0.0.7"), Some(7070)).keeps(&grpc_server));
        assert!(!on(Some("10.0.0.8"), None).keeps(&grpc_server));
        assert!(on(None, Some(7070)).keeps(&grpc_client));
        assert!(!on(None, Some(7071)).keeps(&grpc_client));
    }

    #[test]
    fn endpoints_need_an_endpoint_at_the_address_and_port() {
        let assignment = resource(
            ResourceKind::Endpoint,
            "outbound|7070|v1|echo.ns.svc.cluster.local",
            Some(json!({"endpoints": [{"lbEndpoints": [
                {"endpoint": {"address": {"socketAddress": {"address": "10.0.0.7", "portValue": 7070}}}}
            ]}]})),
        );
        let at = |address: &str, port: u32| Filters {
            address: Some(address.into()),
            port: Some(port),
            ..Filters::default()
        };
        assert!(at("10.0.0.7", 7070).keeps(&assignment));
        assert!(!at("10.0.0.7", 7071).keeps(&assignment));
        assert!(!at("10.0.0.8", 7070).keeps(&assignment));
        assert!(Filters {
            subset: Some("v1".into()),
            cluster: Some("echo.ns".into()),
            ..Filters::default()
        }
        .keeps(&assignment));
        assert!(!Filters {
            cluster: Some("other".into()),
            ..Filters::default()
        }
        .keeps(&assignment));
    }

    #[test]
    fn routes_are_named_for_their_port() {
        let envoy = resource(ResourceKind::Route, "7070", None);
        let grpc = resource(ResourceKind::Route, "echo.ns.svc.cluster.local:7070", None);
        let port = |p| Filters {
            port: Some(p),
            ..Filters::default()
        };
        assert!(port(7070).keeps(&envoy) && port(7070).keeps(&grpc));
        assert!(!port(80).keeps(&envoy) && !port(80).keeps(&grpc));
    }
}
