//! What istiod would send a proxyless gRPC workload: LDS, RDS, CDS and EDS
//! built from the index, as Envoy v3 protos (`envoy-types`), plus the gRPC
//! bootstrap, diffs of rendered config, and an ADS server.
//!
//! The protos stay inside this module: the command line sees [`Resources`],
//! JSON ([`json`]) and tables. Facts come from `spec/xds-proxyless.md`; the
//! section numbers in comments refer to it.

pub mod bootstrap;
pub(crate) mod cds;
pub mod client;
mod connections;
pub mod diff;
pub(crate) mod eds;
pub mod json;
pub(crate) mod lds;
pub mod names;
pub mod proxy;
pub(crate) mod rbac;
pub(crate) mod rds;
#[cfg(test)]
mod release_tests;
pub mod render;
pub mod serve;
mod tls;
#[cfg(test)]
mod translation_tests;

use envoy_types::pb::envoy::config::cluster::v3::Cluster;
use envoy_types::pb::envoy::config::endpoint::v3::ClusterLoadAssignment;
use envoy_types::pb::envoy::config::listener::v3::Listener;
use envoy_types::pb::envoy::config::route::v3::RouteConfiguration;
use envoy_types::pb::google::protobuf::Any;

pub use proxy::{Proxy, WorkloadRef};
pub use render::{render, render_each, render_host, Renderer};

/// Why a workload's config cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum XdsError {
    /// `--workload`/`--pod` names nothing in the inputs.
    #[error("no {kind} {namespace}/{name} in the inputs{hint}")]
    WorkloadNotFound {
        kind: &'static str,
        namespace: String,
        name: String,
        /// ` (workloads in NS: a, b)` or empty.
        hint: String,
    },
    /// A workload reference that is not `NAMESPACE/NAME`.
    #[error("expected NAMESPACE/NAME, found {0:?}")]
    BadWorkloadRef(String),
    /// A node id that is not `sidecar~IP~POD.NS~NS.svc.DOMAIN`.
    #[error("bad node id {id:?}: {reason}")]
    BadNodeId { id: String, reason: String },
    /// A listener name (`--target`) that gRPC could not have asked for.
    #[error("bad listener name {name:?}: {reason}")]
    BadListenerName { name: String, reason: String },
    /// A config field that cannot be translated (the validator reports it too).
    #[error("{location}: {origin}: {field}: {message}")]
    BadField {
        /// `file:line:column`.
        location: String,
        /// `Kind ns/name`.
        origin: String,
        field: String,
        message: String,
    },
    #[error(transparent)]
    Json(#[from] json::JsonError),
}

/// The four xDS resource types gRPC asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    Listener,
    Route,
    Cluster,
    Endpoint,
}

impl ResourceType {
    pub const ALL: [ResourceType; 4] = [
        ResourceType::Listener,
        ResourceType::Route,
        ResourceType::Cluster,
        ResourceType::Endpoint,
    ];

    pub fn type_url(self) -> &'static str {
        match self {
            ResourceType::Listener => "type.googleapis.com/envoy.config.listener.v3.Listener",
            ResourceType::Route => "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
            ResourceType::Cluster => "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            ResourceType::Endpoint => {
                "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
            }
        }
    }

    pub fn from_type_url(url: &str) -> Option<ResourceType> {
        ResourceType::ALL.into_iter().find(|t| t.type_url() == url)
    }

    /// The short name used on the command line and in tables.
    pub fn short_name(self) -> &'static str {
        match self {
            ResourceType::Listener => "lds",
            ResourceType::Route => "rds",
            ResourceType::Cluster => "cds",
            ResourceType::Endpoint => "eds",
        }
    }
}

/// Everything rendered for one workload, each list sorted by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    pub listeners: Vec<Listener>,
    pub routes: Vec<RouteConfiguration>,
    pub clusters: Vec<Cluster>,
    pub endpoints: Vec<ClusterLoadAssignment>,
    /// Names that were asked for and not produced, with why (istiod logs these).
    pub notes: Vec<String>,
}

/// One rendered resource, packed.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedResource {
    pub kind: ResourceType,
    pub name: String,
    pub any: Any,
    pub summary: String,
}

impl Resources {
    /// How many resources of `kind` there are and their protobuf bytes (as
    /// an `Any` carries them), without packing or describing them.
    pub fn size_of(&self, kind: ResourceType) -> (usize, usize) {
        fn size<M: prost::Message>(resources: &[M]) -> (usize, usize) {
            let bytes = resources.iter().map(M::encoded_len).sum();
            (resources.len(), bytes)
        }
        match kind {
            ResourceType::Listener => size(&self.listeners),
            ResourceType::Route => size(&self.routes),
            ResourceType::Cluster => size(&self.clusters),
            ResourceType::Endpoint => size(&self.endpoints),
        }
    }

    /// The resources of the chosen types, in LDS, RDS, CDS, EDS order.
    pub fn packed(&self, types: &[ResourceType]) -> Vec<NamedResource> {
        let mut out = Vec::new();
        for kind in ResourceType::ALL {
            if !types.contains(&kind) {
                continue;
            }
            match kind {
                ResourceType::Listener => {
                    out.extend(self.listeners.iter().map(|l| NamedResource {
                        kind,
                        name: l.name.clone(),
                        any: json::pack(l),
                        summary: lds::summary(l),
                    }))
                }
                ResourceType::Route => out.extend(self.routes.iter().map(|r| NamedResource {
                    kind,
                    name: r.name.clone(),
                    any: json::pack(r),
                    summary: rds::summary(r),
                })),
                ResourceType::Cluster => out.extend(self.clusters.iter().map(|c| NamedResource {
                    kind,
                    name: c.name.clone(),
                    any: json::pack(c),
                    summary: cds::summary(c),
                })),
                ResourceType::Endpoint => {
                    out.extend(self.endpoints.iter().map(|e| NamedResource {
                        kind,
                        name: e.cluster_name.clone(),
                        any: json::pack(e),
                        summary: eds::summary(e),
                    }))
                }
            }
        }
        out
    }
}

/// A protobuf `Duration` from an Istio duration string (`"2s"`, `"1.5s"`,
/// `"100ms"`, `"1m30s"`, `"1h"`), as Istio's Go-style parser reads them.
pub fn parse_duration(text: &str) -> Option<envoy_types::pb::google::protobuf::Duration> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut nanos: i128 = 0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_end);
        if number.is_empty() || number.matches('.').count() > 1 || number.len() > 20 {
            return None;
        }
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        let scale: i128 = match unit {
            "h" => 3_600_000_000_000,
            "m" => 60_000_000_000,
            "s" => 1_000_000_000,
            "ms" => 1_000_000,
            "us" | "µs" => 1_000,
            "ns" => 1,
            _ => return None,
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let whole: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        nanos += whole * scale;
        if !fraction.is_empty() {
            let digits = fraction.len().min(18) as u32;
            let value: i128 = fraction[..digits as usize].parse().ok()?;
            nanos += value * scale / 10i128.pow(digits);
        }
        if nanos > 315_576_000_000 * 1_000_000_000 {
            return None;
        }
        rest = next;
    }
    Some(envoy_types::pb::google::protobuf::Duration {
        seconds: (nanos / 1_000_000_000) as i64,
        nanos: (nanos % 1_000_000_000) as i32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_istio_reads_them() {
        let d = |t| parse_duration(t).map(|d| (d.seconds, d.nanos));
        assert_eq!(d("2s"), Some((2, 0)));
        assert_eq!(d("1.5s"), Some((1, 500_000_000)));
        assert_eq!(d("100ms"), Some((0, 100_000_000)));
        assert_eq!(d("1m30s"), Some((90, 0)));
        assert_eq!(d("1h"), Some((3600, 0)));
        assert_eq!(d("0s"), Some((0, 0)));
        for bad in ["", "2", "s", "2x", "1..2s", "-1s", "99999999999999999999h"] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }
}
