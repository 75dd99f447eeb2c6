//! Typed spec model for the `networking.istio.io` CRDs (VirtualService,
//! DestinationRule, Gateway, ServiceEntry, Sidecar, WorkloadEntry,
//! WorkloadGroup and a shallow EnvoyFilter).
//!
//! The v1alpha3, v1beta1 and v1 CRD schemas of each kind are identical, so one
//! struct per message serves every version. Deserialisation is lenient
//! (unknown fields are ignored, required fields are `Option`/`Vec`); the
//! generated JSON Schema is strict (`additionalProperties: false`). Protobuf
//! `oneof`s are modelled as sibling `Option` fields: exclusivity and the CRD's
//! `required` lists are left to the validator.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A protobuf `Duration` in its JSON form (e.g. `"1.5s"`, `"100ms"`), kept verbatim.
pub type Duration = String;

// ---------------------------------------------------------------------------
// Shared types
// ---------------------------------------------------------------------------

/// Label selector with `matchLabels` (`istio.type.v1beta1.WorkloadSelector`), used by DestinationRule and the security kinds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct WorkloadSelector {
    /// Labels a workload must carry for the configuration to apply to it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
}

/// Label selector with `labels` (`networking.v1alpha3.WorkloadSelector`), used by Sidecar, ServiceEntry and EnvoyFilter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct WorkloadLabelSelector {
    /// Labels a workload must carry for the configuration to apply to it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// Reference to a Kubernetes resource a policy is attached to (`targetRef`/`targetRefs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct PolicyTargetReference {
    /// API group of the target (empty for the core group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Kind of the target, e.g. `Gateway` or `Service`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the target; must be empty (cross-namespace is unsupported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Percentage in the range 0.0 to 100.0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Percent {
    /// The percentage value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

/// Port of a destination service, selected by number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct PortSelector {
    /// Valid port number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
}

/// Destination of a route: a service host, optional subset and port.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Destination {
    /// Name of a service from the service registry (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Name of a subset defined in the host's DestinationRule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// Port on the host being addressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
}

/// String match: exactly one of `exact`, `prefix` or `regex` (RE2) is expected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct StringMatch {
    /// Exact string match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<String>,
    /// Prefix-based match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// RE2 style regex-based match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
}

// ---------------------------------------------------------------------------
// Connection pool / TLS / load balancing (DestinationRule, Sidecar)
// ---------------------------------------------------------------------------

/// Connection-pool settings for an upstream host (TCP and HTTP).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ConnectionPoolSettings {
    /// Settings common to both HTTP and TCP upstream connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TCPSettings>,
    /// HTTP connection pool settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HTTPSettings>,
}

/// TCP connection-pool settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TCPSettings {
    /// Maximum number of HTTP1/TCP connections to a destination host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<i32>,
    /// TCP connection timeout (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<Duration>,
    /// SO_KEEPALIVE settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_keepalive: Option<TcpKeepalive>,
    /// Maximum duration of a connection (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connection_duration: Option<Duration>,
    /// Idle timeout for TCP connections (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<Duration>,
}

/// TCP keepalive (SO_KEEPALIVE) settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TcpKeepalive {
    /// Maximum number of keepalive probes before the connection is dead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes: Option<u32>,
    /// Idle time before keep-alive probes start (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Duration>,
    /// Interval between keep-alive probes (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
}

/// HTTP connection-pool settings (HTTP/1.1 and HTTP/2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPSettings {
    /// Maximum number of requests queued while waiting for a connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http1_max_pending_requests: Option<i32>,
    /// Maximum number of active requests to a destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_max_requests: Option<i32>,
    /// Maximum number of requests per connection to a backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_requests_per_connection: Option<i32>,
    /// Maximum number of concurrent retries to all hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i32>,
    /// Idle timeout for upstream connection-pool connections (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<Duration>,
    /// Whether HTTP/1.1 connections should be upgraded to HTTP/2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2_upgrade_policy: Option<H2UpgradePolicy>,
    /// Preserve the client's protocol when talking to the upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_client_protocol: Option<bool>,
    /// Maximum number of concurrent streams per HTTP/2 connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent_streams: Option<i32>,
    /// HTTP/2 PING frame settings for upstream connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_keep_alive: Option<Http2KeepAlive>,
}

/// HTTP/2 keep-alive (PING) settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Http2KeepAlive {
    /// Interval between PING frames (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Time to wait for a PING response (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

/// Policy for upgrading HTTP/1.1 connections to HTTP/2.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum H2UpgradePolicy {
    #[default]
    #[serde(rename = "DEFAULT")]
    Default,
    #[serde(rename = "DO_NOT_UPGRADE")]
    DoNotUpgrade,
    #[serde(rename = "UPGRADE")]
    Upgrade,
}

/// Outlier detection (circuit breaking of unhealthy hosts) settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct OutlierDetection {
    /// Distinguish local-origin failures from external errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_external_local_origin_errors: Option<bool>,
    /// Consecutive locally originated failures before ejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_local_origin_failures: Option<u32>,
    /// Consecutive gateway errors before ejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_gateway_errors: Option<u32>,
    /// Consecutive 5xx errors before ejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "consecutive5xxErrors")]
    pub consecutive_5xx_errors: Option<u32>,
    /// Deprecated: use `consecutiveGatewayErrors` / `consecutive5xxErrors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_errors: Option<i32>,
    /// Time interval between ejection sweep analysis (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Minimum ejection duration (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_ejection_time: Option<Duration>,
    /// Maximum % of hosts that can be ejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ejection_percent: Option<i32>,
    /// Minimum % of healthy hosts for outlier detection to stay enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_health_percent: Option<i32>,
    /// HTTP status codes treated as outlier-detection errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outlier_detection_http_error_codes: Vec<u32>,
}

/// TLS settings for upstream (client-side) connections.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ClientTLSSettings {
    /// Whether connections to this port should be secured using TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ClientTLSMode>,
    /// Path to the client certificate file (MUTUAL mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<String>,
    /// Path to the client private key file (MUTUAL mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// Path to the CA certificates file for server verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
    /// Name of the secret holding the client TLS material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    /// Alternate names to verify the subject identity in the certificate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
    /// SNI string to present to the server during the TLS handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// Skip verification of the server certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
    /// Path to the certificate revocation list file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_crl: Option<String>,
}

/// TLS mode of an upstream connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ClientTLSMode {
    #[default]
    #[serde(rename = "DISABLE")]
    Disable,
    #[serde(rename = "SIMPLE")]
    Simple,
    #[serde(rename = "MUTUAL")]
    Mutual,
    #[serde(rename = "ISTIO_MUTUAL")]
    IstioMutual,
}

/// Load-balancing policy; one of `simple`, `consistentHash` or `backendUtilization` is expected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct LoadBalancerSettings {
    /// Standard load-balancing algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simple: Option<SimpleLB>,
    /// Consistent-hash (session affinity) load balancing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistent_hash: Option<ConsistentHashLB>,
    /// Utilization-based load balancing from backend-reported ORCA metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend_utilization: Option<BackendUtilizationConfig>,
    /// Locality-weighted load balancing settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality_lb_setting: Option<LocalityLoadBalancerSetting>,
    /// Deprecated: use `warmup` instead (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_duration_secs: Option<Duration>,
    /// Slow-start (warmup) configuration for new endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<WarmupConfiguration>,
    /// Zone-aware load balancer settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_aware_lb_setting: Option<ZoneAwareLbSetting>,
}

/// Standard load-balancing algorithms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SimpleLB {
    #[default]
    #[serde(rename = "UNSPECIFIED")]
    Unspecified,
    #[serde(rename = "LEAST_CONN")]
    LeastConn,
    #[serde(rename = "RANDOM")]
    Random,
    #[serde(rename = "PASSTHROUGH")]
    Passthrough,
    #[serde(rename = "ROUND_ROBIN")]
    RoundRobin,
    #[serde(rename = "LEAST_REQUEST")]
    LeastRequest,
}

/// Consistent-hash load balancing; one hash key (`httpHeaderName`, `httpCookie`, `useSourceIp`, `httpQueryParameterName`) and at most one of `ringHash`/`maglev` are expected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ConsistentHashLB {
    /// Hash based on a specific HTTP header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_header_name: Option<String>,
    /// Hash based on an HTTP cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_cookie: Option<HTTPCookie>,
    /// Hash based on the source IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_source_ip: Option<bool>,
    /// Hash based on a specific HTTP query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_query_parameter_name: Option<String>,
    /// Ring/modulo hash load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_hash: Option<RingHash>,
    /// Maglev load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maglev: Option<MagLev>,
    /// Deprecated: use `ringHash` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_ring_size: Option<u64>,
}

/// HTTP cookie used as a consistent-hash key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPCookie {
    /// Name of the cookie (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Path to set for the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Lifetime of the cookie (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<Duration>,
    /// Additional attributes of the cookie.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<HTTPCookieAttribute>,
}

/// Extra attribute (name/value) of a consistent-hash cookie.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPCookieAttribute {
    /// Attribute name (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Attribute value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Ring-hash load-balancer settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RingHash {
    /// Minimum number of virtual nodes on the hash ring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_ring_size: Option<u64>,
}

/// Maglev load-balancer settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct MagLev {
    /// Table size for Maglev hashing (should be prime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_size: Option<u64>,
}

/// Utilization-based (ORCA) load-balancing settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct BackendUtilizationConfig {
    /// How long a weight stays valid without new reports (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_expiration_period: Option<Duration>,
    /// How often endpoint weights are recomputed (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_update_period: Option<Duration>,
    /// Delay before a newly reporting endpoint's weight is trusted (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_stabilization_period: Option<Duration>,
    /// Extra penalty for endpoints returning errors, as a percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_utilization_penalty_percent: Option<u32>,
    /// ORCA metric names used to compute utilization.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metric_names_for_computing_utilization: Vec<String>,
}

/// Locality-weighted load-balancing settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct LocalityLoadBalancerSetting {
    /// Explicit traffic distribution weights across localities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distribute: Vec<LocalityDistribute>,
    /// Explicit failover regions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover: Vec<LocalityFailover>,
    /// Ordered list of labels used to sort endpoints for failover priority.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover_priority: Vec<String>,
    /// Enable locality load balancing (overrides the mesh-wide setting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Traffic distribution from one locality to weighted target localities.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct LocalityDistribute {
    /// Originating locality, `/`-separated (`region/zone/sub_zone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Map of upstream localities to traffic weights.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub to: BTreeMap<String, u32>,
}

/// Failover from one region to another.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct LocalityFailover {
    /// Originating region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Destination region to fail over to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Slow-start (warmup) configuration for newly added endpoints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct WarmupConfiguration {
    /// Duration of the warmup window (required, duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    /// Minimum initial traffic percentage for new endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_percent: Option<f64>,
    /// Speed of the traffic ramp-up curve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggression: Option<f64>,
}

/// Zone-aware load-balancer settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ZoneAwareLbSetting {
    /// Enable zone-aware load balancing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Explicit failover regions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover: Vec<LocalityFailover>,
    /// Ordered list of labels used to sort endpoints for failover priority.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover_priority: Vec<String>,
    /// Minimum number of hosts in the local zone for zone-aware routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cluster_size: Option<u32>,
}

/// HTTP CONNECT tunnelling settings for upstream connections.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TunnelSettings {
    /// Tunnelling protocol: `CONNECT` or `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Host the tunnel is established to (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_host: Option<String>,
    /// Port the tunnel is established to (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// PROXY protocol settings for upstream connections.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ProxyProtocol {
    /// PROXY protocol version to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<ProxyProtocolVersion>,
}

/// PROXY protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ProxyProtocolVersion {
    #[serde(rename = "V1")]
    V1,
    #[serde(rename = "V2")]
    V2,
}

/// Limit on concurrent retries relative to active requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RetryBudget {
    /// Percentage of active requests that may be retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// Minimum retry concurrency allowed regardless of the budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_retry_concurrency: Option<u32>,
    /// Window over which requests count towards the budget (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_interval: Option<Duration>,
}

/// Traffic policy applied to a destination, a subset or (via `portLevelSettings`) a port.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TrafficPolicy {
    /// Load-balancing policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<Box<LoadBalancerSettings>>,
    /// Connection-pool settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Outlier-detection settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS settings for upstream connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTLSSettings>,
    /// Per-port overrides of the traffic policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub port_level_settings: Vec<PortTrafficPolicy>,
    /// HTTP CONNECT tunnelling configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<TunnelSettings>,
    /// PROXY protocol configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_protocol: Option<ProxyProtocol>,
    /// Retry budget configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_budget: Option<RetryBudget>,
}

/// Traffic policy override for one destination port.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct PortTrafficPolicy {
    /// Destination port the policy applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
    /// Load-balancing policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<Box<LoadBalancerSettings>>,
    /// Connection-pool settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Outlier-detection settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS settings for upstream connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTLSSettings>,
}

// ---------------------------------------------------------------------------
// DestinationRule
// ---------------------------------------------------------------------------

/// Spec of a DestinationRule: policies applied to traffic after routing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct DestinationRuleSpec {
    /// Name of a service from the service registry (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Traffic policies applied to the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<Box<TrafficPolicy>>,
    /// Named versions (subsets) of the service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subsets: Vec<Subset>,
    /// Namespaces the rule is exported to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
    /// Workloads (by `matchLabels`) the rule applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadSelector>,
}

/// A named subset (version) of a service's endpoints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Subset {
    /// Name of the subset (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Labels selecting the endpoints of the subset.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Traffic policies specific to this subset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<Box<TrafficPolicy>>,
}

// ---------------------------------------------------------------------------
// VirtualService
// ---------------------------------------------------------------------------

/// Spec of a VirtualService: routing rules for traffic to a set of hosts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct VirtualServiceSpec {
    /// Destination hosts the rules apply to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Gateways and sidecars (`mesh`) the rules apply to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Ordered HTTP route rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HTTPRoute>,
    /// Ordered route rules for non-terminated TLS/HTTPS traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls: Vec<TLSRoute>,
    /// Ordered route rules for opaque TCP traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tcp: Vec<TCPRoute>,
    /// Namespaces the virtual service is exported to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
}

/// HTTP route rule: match conditions and the action to take.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPRoute {
    /// Name of the route, used in logs and stats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Match conditions (OR-ed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub r#match: Vec<HTTPMatchRequest>,
    /// Weighted destinations for the traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<HTTPRouteDestination>,
    /// HTTP redirect response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<HTTPRedirect>,
    /// Fixed response sent to clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_response: Option<HTTPDirectResponse>,
    /// Delegate to another VirtualService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate: Option<Delegate>,
    /// URI/authority rewrite before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<HTTPRewrite>,
    /// Timeout for HTTP requests (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Retry policy for HTTP requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<HTTPRetry>,
    /// Fault-injection policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<HTTPFaultInjection>,
    /// Mirror traffic to this destination (see also `mirrors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Destination>,
    /// Multiple mirror destinations with their own percentages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mirrors: Vec<HTTPMirrorPolicy>,
    /// Deprecated: use `mirrorPercentage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_percent: Option<u32>,
    /// Deprecated snake_case spelling of `mirrorPercent` still accepted by the CRD.
    #[serde(
        rename = "mirror_percent",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mirror_percent_snake: Option<u32>,
    /// Percentage of traffic mirrored by `mirror`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_percentage: Option<Percent>,
    /// Cross-Origin Resource Sharing policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors_policy: Option<CorsPolicy>,
    /// Header manipulation rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Headers>,
}

/// Delegation of an HTTP route to another VirtualService.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Delegate {
    /// Name of the delegate VirtualService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the delegate VirtualService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Request and response header manipulation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Headers {
    /// Operations applied to request headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<HeaderOperations>,
    /// Operations applied to response headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HeaderOperations>,
}

/// Set/add/remove operations on a set of headers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HeaderOperations {
    /// Overwrite headers with these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, String>,
    /// Append these header values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub add: BTreeMap<String, String>,
    /// Remove these headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

/// Match conditions of an HTTP route (AND-ed within one request match).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPMatchRequest {
    /// Name of the match, appended to the route name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// URI match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<StringMatch>,
    /// URI scheme match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<StringMatch>,
    /// HTTP method match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<StringMatch>,
    /// HTTP authority match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<StringMatch>,
    /// Header matches, keyed by lowercase header name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, StringMatch>,
    /// Port being addressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Labels of the source workload.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_labels: BTreeMap<String, String>,
    /// Gateways the match applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Query parameter matches.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query_params: BTreeMap<String, StringMatch>,
    /// Case-insensitive URI matching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_uri_case: Option<bool>,
    /// Headers that must not match.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub without_headers: BTreeMap<String, StringMatch>,
    /// Namespace of the source workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
    /// Prefix used when emitting statistics for this route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat_prefix: Option<String>,
}

/// Weighted HTTP destination with optional header manipulation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPRouteDestination {
    /// Destination to forward to (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Destination>,
    /// Relative proportion of traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
    /// Header manipulation for this destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Headers>,
}

/// Weighted L4 (TLS/TCP) destination.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RouteDestination {
    /// Destination to forward to (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Destination>,
    /// Relative proportion of traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
}

/// HTTP redirect response; at most one of `port`/`derivePort` is expected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPRedirect {
    /// Replace the path of the URL with this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Replace the authority/host with this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Port in the redirect URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Derive the redirect port from the protocol or the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derive_port: Option<RedirectPortSelection>,
    /// Scheme of the redirect URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// HTTP status code of the redirect (default 301).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_code: Option<u32>,
    /// Replace the matched prefix with this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_rewrite: Option<String>,
}

/// How the port of an HTTP redirect is derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RedirectPortSelection {
    #[serde(rename = "FROM_PROTOCOL_DEFAULT")]
    FromProtocolDefault,
    #[serde(rename = "FROM_REQUEST_PORT")]
    FromRequestPort,
}

/// Fixed HTTP response returned to the client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPDirectResponse {
    /// HTTP status code (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u32>,
    /// Response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<HTTPBody>,
}

/// Body of a direct response: one of `string` or `bytes` (base64) is expected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPBody {
    /// Body as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
    /// Body as base64-encoded bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
}

/// Rewrite of the URI/authority before forwarding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPRewrite {
    /// Rewrite the path (or matched prefix) with this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Rewrite the Authority/Host header with this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Rewrite the path using a regex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri_regex_rewrite: Option<RegexRewrite>,
}

/// Regex-based path rewrite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RegexRewrite {
    /// RE2 regex to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#match: Option<String>,
    /// Replacement string (may use capture groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<String>,
}

/// Retry policy for HTTP requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPRetry {
    /// Number of retries for a request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i32>,
    /// Timeout per attempt (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<Duration>,
    /// Comma-separated retry conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_on: Option<String>,
    /// Retry to other localities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_remote_localities: Option<bool>,
    /// Avoid previously attempted hosts when retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_ignore_previous_hosts: Option<bool>,
    /// Minimum duration between retry attempts (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Duration>,
}

/// Cross-Origin Resource Sharing (CORS) policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct CorsPolicy {
    /// Deprecated: use `allowOrigins`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origin: Vec<String>,
    /// Origins allowed to perform CORS requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origins: Vec<StringMatch>,
    /// HTTP methods allowed to access the resource.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_methods: Vec<String>,
    /// HTTP headers allowed in requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_headers: Vec<String>,
    /// Headers browsers may access.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose_headers: Vec<String>,
    /// How long preflight results may be cached (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<Duration>,
    /// Whether credentialed requests are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<bool>,
    /// Whether unmatched preflight requests are forwarded upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmatched_preflights: Option<UnmatchedPreflights>,
}

/// Handling of CORS preflight requests that match no allowed origin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum UnmatchedPreflights {
    #[default]
    #[serde(rename = "UNSPECIFIED")]
    Unspecified,
    #[serde(rename = "FORWARD")]
    Forward,
    #[serde(rename = "IGNORE")]
    Ignore,
}

/// Fault injection (delays and aborts) for HTTP requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPFaultInjection {
    /// Delay requests before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<Delay>,
    /// Abort requests with an error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort: Option<Abort>,
}

/// Injected delay; one of `fixedDelay`/`exponentialDelay` is expected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Delay {
    /// Fixed delay before forwarding (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_delay: Option<Duration>,
    /// Exponential delay (duration); not implemented by Istio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exponential_delay: Option<Duration>,
    /// Percentage of requests delayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
    /// Deprecated integer percentage: use `percentage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<i32>,
}

/// Injected abort; one of `httpStatus`, `grpcStatus`, `http2Error` is expected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Abort {
    /// HTTP status code returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<i32>,
    /// gRPC status returned (e.g. `UNAVAILABLE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_status: Option<String>,
    /// HTTP/2 error returned; not implemented by Istio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_error: Option<String>,
    /// Percentage of requests aborted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
}

/// A mirror destination with its own percentage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPMirrorPolicy {
    /// Destination to mirror to (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Destination>,
    /// Percentage of traffic mirrored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
}

/// TLS (SNI-based) route rule for passthrough traffic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TLSRoute {
    /// Match conditions (required).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub r#match: Vec<TLSMatchAttributes>,
    /// Weighted destinations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<RouteDestination>,
}

/// Match attributes of a TLS route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TLSMatchAttributes {
    /// SNI values to match (required).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sni_hosts: Vec<String>,
    /// Destination IPv4/IPv6 addresses or subnets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destination_subnets: Vec<String>,
    /// Port being addressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Labels of the source workload.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_labels: BTreeMap<String, String>,
    /// Gateways the match applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Namespace of the source workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
}

/// Opaque TCP route rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TCPRoute {
    /// Match conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub r#match: Vec<L4MatchAttributes>,
    /// Weighted destinations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<RouteDestination>,
}

/// L4 match attributes of a TCP route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct L4MatchAttributes {
    /// Destination IPv4/IPv6 addresses or subnets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destination_subnets: Vec<String>,
    /// Port being addressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Source IPv4/IPv6 subnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_subnet: Option<String>,
    /// Labels of the source workload.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_labels: BTreeMap<String, String>,
    /// Gateways the match applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Namespace of the source workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
}

// ---------------------------------------------------------------------------
// Gateway
// ---------------------------------------------------------------------------

/// Spec of a Gateway: a load balancer at the edge of the mesh.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct GatewaySpec {
    /// Servers (listeners) exposed by the gateway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<Server>,
    /// Labels selecting the gateway pods (a plain label map).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
}

/// A gateway server: port, hosts and TLS settings of one listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Server {
    /// Port the proxy listens on (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Port>,
    /// IP or Unix domain socket to bind to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// Hosts exposed by this server (required).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// TLS settings of the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTLSSettings>,
    /// Loopback endpoint to forward traffic to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_endpoint: Option<String>,
    /// Optional name of the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Port of a gateway server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Port {
    /// Valid non-negative port number (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// Protocol exposed on the port (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Label assigned to the port (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Deprecated: the port number on the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// TLS settings of a server-side listener (Gateway server or Sidecar ingress).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ServerTLSSettings {
    /// Redirect HTTP requests to HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_redirect: Option<bool>,
    /// TLS mode of the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ServerTLSMode>,
    /// Path to the server certificate file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_certificate: Option<String>,
    /// Path to the server private key file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// Path to the CA certificates for client verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
    /// Path to the certificate revocation list file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_crl: Option<String>,
    /// Name of the secret holding the TLS material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    /// Names of secrets holding TLS material (at most two).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_names: Vec<String>,
    /// Inline file paths of TLS material (at most two).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls_certificates: Vec<TLSCertificate>,
    /// Alternate names to verify the client certificate subject.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
    /// Base64 SPKI hashes of authorized client certificates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify_certificate_spki: Vec<String>,
    /// Hex SHA-256 hashes of authorized client certificates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify_certificate_hash: Vec<String>,
    /// Minimum TLS protocol version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_protocol_version: Option<TLSProtocol>,
    /// Maximum TLS protocol version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_protocol_version: Option<TLSProtocol>,
    /// Supported cipher suites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cipher_suites: Vec<String>,
    /// Name of the secret holding the CA certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert_credential_name: Option<String>,
    /// Skip verification of the client certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
    /// Supported ECDH curves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecdh_curves: Vec<String>,
}

/// Inline file paths of one server certificate/key pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TLSCertificate {
    /// Path to the server certificate file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_certificate: Option<String>,
    /// Path to the server private key file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// Path to the CA certificates file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
}

/// TLS mode of a server-side listener.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ServerTLSMode {
    #[default]
    #[serde(rename = "PASSTHROUGH")]
    Passthrough,
    #[serde(rename = "SIMPLE")]
    Simple,
    #[serde(rename = "MUTUAL")]
    Mutual,
    #[serde(rename = "AUTO_PASSTHROUGH")]
    AutoPassthrough,
    #[serde(rename = "ISTIO_MUTUAL")]
    IstioMutual,
    #[serde(rename = "OPTIONAL_MUTUAL")]
    OptionalMutual,
}

/// TLS protocol version bound of a server-side listener.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TLSProtocol {
    #[default]
    #[serde(rename = "TLS_AUTO")]
    TlsAuto,
    #[serde(rename = "TLSV1_0")]
    TlsV1_0,
    #[serde(rename = "TLSV1_1")]
    TlsV1_1,
    #[serde(rename = "TLSV1_2")]
    TlsV1_2,
    #[serde(rename = "TLSV1_3")]
    TlsV1_3,
}

// ---------------------------------------------------------------------------
// ServiceEntry / WorkloadEntry / WorkloadGroup
// ---------------------------------------------------------------------------

/// Spec of a ServiceEntry: adds an entry to Istio's service registry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ServiceEntrySpec {
    /// Hosts associated with the entry (required).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Virtual IP addresses or CIDRs of the service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// Ports of the service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ServicePort>,
    /// Whether the service is inside or outside the mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ServiceEntryLocation>,
    /// Service discovery mode for the hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<ServiceEntryResolution>,
    /// Endpoints of the service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<WorkloadEntrySpec>,
    /// Selects WorkloadEntries/Pods as endpoints (by `labels`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadLabelSelector>,
    /// Namespaces the service entry is exported to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
    /// Subject alternate names allowed for the service's workloads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
}

/// Port of a ServiceEntry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ServicePort {
    /// Valid non-negative port number (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// Protocol exposed on the port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Label assigned to the port (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Port number on the endpoint where traffic is received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// Location of a ServiceEntry's service relative to the mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ServiceEntryLocation {
    #[serde(rename = "MESH_EXTERNAL")]
    MeshExternal,
    #[serde(rename = "MESH_INTERNAL")]
    MeshInternal,
}

/// Service discovery mode of a ServiceEntry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ServiceEntryResolution {
    #[serde(rename = "NONE")]
    None,
    #[serde(rename = "STATIC")]
    Static,
    #[serde(rename = "DNS")]
    Dns,
    #[serde(rename = "DNS_ROUND_ROBIN")]
    DnsRoundRobin,
    #[serde(rename = "DYNAMIC_DNS")]
    DynamicDns,
}

/// Spec of a WorkloadEntry (also a ServiceEntry endpoint and a WorkloadGroup template).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct WorkloadEntrySpec {
    /// Address of the endpoint (IP, hostname or `unix://` socket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Port-name to port-number overrides for the endpoint.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ports: BTreeMap<String, u32>,
    /// Labels of the endpoint.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Network the endpoint belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Locality of the endpoint (`region/zone/subzone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// Load-balancing weight of the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    /// Service account of the workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}

/// Spec of a WorkloadGroup: a template for WorkloadEntries of one workload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct WorkloadGroupSpec {
    /// Metadata copied into generated WorkloadEntries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<WorkloadGroupMetadata>,
    /// Template for generated WorkloadEntries (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<WorkloadEntrySpec>,
    /// Readiness probe for the workloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ReadinessProbe>,
}

/// Labels and annotations copied into WorkloadEntries generated from a WorkloadGroup.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct WorkloadGroupMetadata {
    /// Labels to apply.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations to apply.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// Readiness probe of a WorkloadGroup; one of `httpGet`, `tcpSocket`, `exec`, `grpc` is expected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ReadinessProbe {
    /// Seconds after start before probing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<i32>,
    /// Seconds after which the probe times out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i32>,
    /// Seconds between probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<i32>,
    /// Consecutive successes to be considered healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_threshold: Option<i32>,
    /// Consecutive failures to be considered unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<i32>,
    /// HTTP GET health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_get: Option<HTTPHealthCheckConfig>,
    /// TCP socket health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_socket: Option<TCPHealthCheckConfig>,
    /// Command health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecHealthCheckConfig>,
    /// gRPC health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GrpcHealthCheckConfig>,
}

/// HTTP GET readiness check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPHealthCheckConfig {
    /// Path to access on the HTTP server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Port of the check (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Host name to connect to (defaults to the pod IP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `HTTP` or `HTTPS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Headers sent with the request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http_headers: Vec<HTTPHeader>,
}

/// Header sent with an HTTP readiness check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HTTPHeader {
    /// Header name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Header value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// TCP socket readiness check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TCPHealthCheckConfig {
    /// Host to connect to (defaults to localhost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Port of the check (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
}

/// Command-execution readiness check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ExecHealthCheckConfig {
    /// Command to run; exit status 0 is healthy (required).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
}

/// gRPC health-protocol readiness check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct GrpcHealthCheckConfig {
    /// Port number of the gRPC service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Service name placed in the gRPC HealthCheckRequest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

// ---------------------------------------------------------------------------
// Sidecar
// ---------------------------------------------------------------------------

/// Spec of a Sidecar: ingress/egress configuration of workload proxies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct SidecarSpec {
    /// Workloads (by `labels`) the Sidecar applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadLabelSelector>,
    /// Inbound traffic listeners.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<IstioIngressListener>,
    /// Outbound traffic listeners.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<IstioEgressListener>,
    /// Connection pool for all inbound connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_connection_pool: Option<ConnectionPoolSettings>,
    /// Policy for outbound traffic to unknown destinations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
}

/// Port of a Sidecar listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct SidecarPort {
    /// Valid non-negative port number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// Protocol exposed on the port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Label assigned to the port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Deprecated: has no effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// Inbound listener of a Sidecar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct IstioIngressListener {
    /// Port the listener receives traffic on (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<SidecarPort>,
    /// IP or Unix domain socket to bind to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// How traffic to the listener is captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<CaptureMode>,
    /// Loopback endpoint or Unix socket to forward traffic to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_endpoint: Option<String>,
    /// TLS settings for the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTLSSettings>,
    /// Connection pool for this listener's inbound connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
}

/// Outbound listener of a Sidecar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct IstioEgressListener {
    /// Port the listener receives traffic on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<SidecarPort>,
    /// IP or Unix domain socket to bind to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// How traffic to the listener is captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<CaptureMode>,
    /// `namespace/dnsName` hosts visible to the listener (required).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
}

/// Traffic capture mode of a Sidecar listener.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CaptureMode {
    #[default]
    #[serde(rename = "DEFAULT")]
    Default,
    #[serde(rename = "IPTABLES")]
    Iptables,
    #[serde(rename = "NONE")]
    None,
}

/// Outbound traffic policy of a Sidecar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct OutboundTrafficPolicy {
    /// Whether unknown destinations are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<OutboundTrafficPolicyMode>,
    /// Egress proxy for unknown destinations (ALLOW_ANY mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_proxy: Option<Destination>,
}

/// Mode of a Sidecar's outbound traffic policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum OutboundTrafficPolicyMode {
    #[serde(rename = "REGISTRY_ONLY")]
    RegistryOnly,
    #[serde(rename = "ALLOW_ANY")]
    AllowAny,
}

// ---------------------------------------------------------------------------
// EnvoyFilter (shallow)
// ---------------------------------------------------------------------------

/// Spec of an EnvoyFilter; `configPatches` are kept as raw JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct EnvoyFilterSpec {
    /// Workloads (by `labels`) the filter applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadLabelSelector>,
    /// Resources the filter is attached to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    /// Patches to apply, kept untyped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_patches: Vec<serde_json::Value>,
    /// Order in which patch sets are applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::super::crd_compare::{assert_matches_crd, AllowList};
    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::{json, Value};

    fn round_trip<T: DeserializeOwned + Serialize>(input: Value) -> T {
        let parsed: T = match serde_json::from_value(input.clone()) {
            Ok(v) => v,
            Err(e) => panic!("deserialise failed: {e}"),
        };
        let back = match serde_json::to_value(&parsed) {
            Ok(v) => v,
            Err(e) => panic!("serialise failed: {e}"),
        };
        assert_eq!(back, input);
        parsed
    }

    #[test]
    fn virtual_service_round_trip() {
        let spec: VirtualServiceSpec = round_trip(json!({
            "hosts": ["reviews.prod.svc.cluster.local", "reviews.example.com"],
            "gateways": ["mesh", "istio-system/public-gw"],
            "exportTo": ["."],
            "http": [
                {
                    "name": "reviews-v2-for-jason",
                    "match": [
                        {
                            "name": "jason",
                            "headers": {"end-user": {"exact": "jason"}},
                            "uri": {"prefix": "/reviews"},
                            "method": {"regex": "GET|HEAD"},
                            "queryParams": {"debug": {"exact": "1"}},
                            "withoutHeaders": {"x-canary": {"prefix": "no"}},
                            "ignoreUriCase": true,
                            "port": 9080,
                            "sourceLabels": {"app": "productpage"},
                            "sourceNamespace": "bookinfo"
                        }
                    ],
                    "route": [
                        {
                            "destination": {"host": "reviews", "subset": "v2", "port": {"number": 9080}},
                            "weight": 90,
                            "headers": {"request": {"set": {"x-version": "v2"}}, "response": {"remove": ["x-envoy-upstream-service-time"]}}
                        },
                        {"destination": {"host": "reviews", "subset": "v3"}, "weight": 10}
                    ],
                    "timeout": "10s",
                    "retries": {
                        "attempts": 3,
                        "perTryTimeout": "2s",
                        "retryOn": "gateway-error,connect-failure,refused-stream",
                        "retryRemoteLocalities": true,
                        "backoff": "25ms"
                    },
                    "fault": {
                        "delay": {"fixedDelay": "5s", "percentage": {"value": 0.1}},
                        "abort": {"httpStatus": 503, "percentage": {"value": 1.5}}
                    },
                    "mirror": {"host": "reviews-shadow"},
                    "mirrorPercentage": {"value": 25.0},
                    "corsPolicy": {
                        "allowOrigins": [{"exact": "https://example.com"}, {"regex": "https://.*\\.example\\.org"}],
                        "allowMethods": ["GET", "POST"],
                        "allowCredentials": false,
                        "maxAge": "24h",
                        "unmatchedPreflights": "IGNORE"
                    },
                    "rewrite": {"uri": "/v2/reviews", "authority": "reviews.internal"},
                    "headers": {"request": {"add": {"x-route": "jason"}}}
                },
                {
                    "match": [{"uri": {"exact": "/old"}}],
                    "redirect": {"uri": "/new", "derivePort": "FROM_REQUEST_PORT", "redirectCode": 308}
                },
                {
                    "match": [{"uri": {"prefix": "/regex"}}],
                    "rewrite": {"uriRegexRewrite": {"match": "^/regex/(.*)$", "rewrite": "/\\1"}},
                    "route": [{"destination": {"host": "regex-svc"}}],
                    "mirrors": [{"destination": {"host": "audit"}, "percentage": {"value": 5.0}}],
                    "mirror_percent": 10
                },
                {
                    "match": [{"uri": {"exact": "/healthz"}}],
                    "directResponse": {"status": 200, "body": {"string": "ok"}}
                },
                {"name": "delegated", "delegate": {"name": "reviews-delegate", "namespace": "bookinfo"}}
            ],
            "tls": [
                {
                    "match": [{"sniHosts": ["login.example.com"], "port": 443, "destinationSubnets": ["10.0.0.0/8"]}],
                    "route": [{"destination": {"host": "login.prod.svc.cluster.local", "port": {"number": 8443}}}]
                }
            ],
            "tcp": [
                {
                    "match": [{"port": 27017, "sourceSubnet": "10.1.0.0/16", "gateways": ["mesh"]}],
                    "route": [{"destination": {"host": "mongo.backup.svc.cluster.local", "port": {"number": 5555}}, "weight": 100}]
                }
            ]
        }));
        assert_eq!(spec.http.len(), 5);
        assert_eq!(spec.http[0].timeout.as_deref(), Some("10s"));
        assert_eq!(spec.http[2].mirror_percent_snake, Some(10));
        assert_eq!(
            spec.http[1].redirect.as_ref().and_then(|r| r.derive_port),
            Some(RedirectPortSelection::FromRequestPort)
        );
    }

    #[test]
    fn destination_rule_round_trip() {
        let spec: DestinationRuleSpec = round_trip(json!({
            "host": "ratings.prod.svc.cluster.local",
            "exportTo": ["*"],
            "workloadSelector": {"matchLabels": {"app": "productpage"}},
            "trafficPolicy": {
                "loadBalancer": {
                    "consistentHash": {
                        "httpHeaderName": "x-user",
                        "ringHash": {"minimumRingSize": 1024}
                    },
                    "localityLbSetting": {
                        "enabled": true,
                        "distribute": [{"from": "us-west/zone1/*", "to": {"us-west/zone1/*": 80, "us-west/zone2/*": 20}}],
                        "failoverPriority": ["topology.kubernetes.io/region"]
                    },
                    "warmup": {"duration": "60s", "minimumPercent": 10.0, "aggression": 1.5}
                },
                "connectionPool": {
                    "tcp": {
                        "maxConnections": 100,
                        "connectTimeout": "30ms",
                        "tcpKeepalive": {"time": "7200s", "interval": "75s", "probes": 9},
                        "maxConnectionDuration": "1h",
                        "idleTimeout": "1h"
                    },
                    "http": {
                        "http1MaxPendingRequests": 1024,
                        "http2MaxRequests": 1024,
                        "maxRequestsPerConnection": 10,
                        "maxRetries": 3,
                        "idleTimeout": "90s",
                        "h2UpgradePolicy": "UPGRADE",
                        "useClientProtocol": false,
                        "maxConcurrentStreams": 100
                    }
                },
                "outlierDetection": {
                    "consecutive5xxErrors": 7,
                    "consecutiveGatewayErrors": 5,
                    "interval": "5m",
                    "baseEjectionTime": "15m",
                    "maxEjectionPercent": 50,
                    "minHealthPercent": 30,
                    "splitExternalLocalOriginErrors": true,
                    "consecutiveLocalOriginFailures": 3
                },
                "tls": {"mode": "ISTIO_MUTUAL", "sni": "ratings.prod", "subjectAltNames": ["spiffe://cluster.local/ns/prod/sa/ratings"]},
                "portLevelSettings": [
                    {
                        "port": {"number": 80},
                        "loadBalancer": {"simple": "LEAST_REQUEST"},
                        "connectionPool": {"tcp": {"maxConnections": 10}},
                        "tls": {"mode": "SIMPLE", "credentialName": "ratings-client", "insecureSkipVerify": false}
                    },
                    {
                        "port": {"number": 9080},
                        "outlierDetection": {"consecutiveErrors": 2, "outlierDetectionHttpErrorCodes": [502, 503]}
                    }
                ],
                "proxyProtocol": {"version": "V2"},
                "retryBudget": {"percent": 20.0, "minRetryConcurrency": 3, "budgetInterval": "10s"}
            },
            "subsets": [
                {"name": "v1", "labels": {"version": "v1"}},
                {
                    "name": "v2",
                    "labels": {"version": "v2"},
                    "trafficPolicy": {
                        "loadBalancer": {
                            "simple": "ROUND_ROBIN",
                            "warmupDurationSecs": "30s"
                        },
                        "tunnel": {"protocol": "CONNECT", "targetHost": "10.0.0.1", "targetPort": 8443}
                    }
                },
                {
                    "name": "v3",
                    "labels": {"version": "v3"},
                    "trafficPolicy": {
                        "loadBalancer": {
                            "consistentHash": {
                                "httpCookie": {"name": "user", "ttl": "0s", "path": "/", "attributes": [{"name": "SameSite", "value": "Strict"}]},
                                "maglev": {"tableSize": 65537}
                            }
                        }
                    }
                }
            ]
        }));
        let tp = spec.traffic_policy.as_ref();
        assert_eq!(
            tp.and_then(|t| t.tls.as_ref()).and_then(|t| t.mode),
            Some(ClientTLSMode::IstioMutual)
        );
        assert_eq!(
            tp.and_then(|t| t.load_balancer.as_ref())
                .and_then(|l| l.consistent_hash.as_ref())
                .and_then(|c| c.http_header_name.as_deref()),
            Some("x-user")
        );
        assert_eq!(
            spec.subsets[1]
                .traffic_policy
                .as_ref()
                .and_then(|t| t.load_balancer.as_ref())
                .and_then(|l| l.simple),
            Some(SimpleLB::RoundRobin)
        );
    }

    #[test]
    fn gateway_round_trip() {
        let spec: GatewaySpec = round_trip(json!({
            "selector": {"istio": "ingressgateway"},
            "servers": [
                {
                    "port": {"number": 80, "name": "http", "protocol": "HTTP"},
                    "hosts": ["uk.bookinfo.com", "eu.bookinfo.com"],
                    "tls": {"httpsRedirect": true}
                },
                {
                    "port": {"number": 443, "name": "https-443", "protocol": "HTTPS"},
                    "hosts": ["bookinfo-namespace/*.bookinfo.com"],
                    "tls": {
                        "mode": "SIMPLE",
                        "credentialName": "bookinfo-secret",
                        "minProtocolVersion": "TLSV1_2",
                        "maxProtocolVersion": "TLSV1_3",
                        "cipherSuites": ["ECDHE-ECDSA-AES256-GCM-SHA384"]
                    },
                    "name": "https-bookinfo"
                },
                {
                    "port": {"number": 9443, "name": "https-9443", "protocol": "HTTPS"},
                    "hosts": ["*"],
                    "bind": "0.0.0.0",
                    "tls": {
                        "mode": "MUTUAL",
                        "tlsCertificates": [{"serverCertificate": "/etc/certs/server.pem", "privateKey": "/etc/certs/key.pem"}],
                        "caCertificates": "/etc/certs/ca.pem",
                        "subjectAltNames": ["client.example.com"]
                    }
                },
                {
                    "port": {"number": 15443, "name": "tls", "protocol": "TLS", "targetPort": 15443},
                    "hosts": ["*.local"],
                    "tls": {"mode": "AUTO_PASSTHROUGH"}
                }
            ]
        }));
        assert_eq!(spec.servers.len(), 4);
        assert_eq!(
            spec.servers[3].tls.as_ref().and_then(|t| t.mode),
            Some(ServerTLSMode::AutoPassthrough)
        );
    }

    #[test]
    fn service_entry_round_trip() {
        let spec: ServiceEntrySpec = round_trip(json!({
            "hosts": ["api.dropboxapi.com", "www.googleapis.com"],
            "addresses": ["240.0.0.1"],
            "location": "MESH_EXTERNAL",
            "resolution": "DNS_ROUND_ROBIN",
            "ports": [
                {"number": 443, "name": "https", "protocol": "TLS"},
                {"number": 8080, "name": "http", "protocol": "HTTP", "targetPort": 80}
            ],
            "endpoints": [
                {"address": "us.foo.bar.com", "ports": {"https": 8443}, "locality": "us-west/zone1", "weight": 3},
                {"address": "uk.foo.bar.com", "ports": {"https": 9443}, "labels": {"region": "uk"}, "network": "external"}
            ],
            "exportTo": ["."],
            "subjectAltNames": ["spiffe://example.com/ns/default/sa/api"]
        }));
        assert_eq!(spec.location, Some(ServiceEntryLocation::MeshExternal));
        assert_eq!(spec.resolution, Some(ServiceEntryResolution::DnsRoundRobin));

        let selected: ServiceEntrySpec = round_trip(json!({
            "hosts": ["mysqldb.vm.svc.cluster.local"],
            "location": "MESH_INTERNAL",
            "resolution": "STATIC",
            "ports": [{"number": 3306, "name": "mysql", "protocol": "TCP"}],
            "workloadSelector": {"labels": {"app": "mysqldb"}}
        }));
        assert!(selected.workload_selector.is_some());
    }

    #[test]
    fn sidecar_round_trip() {
        let spec: SidecarSpec = round_trip(json!({
            "workloadSelector": {"labels": {"app": "ratings"}},
            "ingress": [
                {
                    "port": {"number": 9080, "protocol": "HTTPS", "name": "somename"},
                    "defaultEndpoint": "unix:///var/run/someuds.sock",
                    "captureMode": "DEFAULT",
                    "tls": {"mode": "SIMPLE", "privateKey": "/etc/certs/key.pem", "serverCertificate": "/etc/certs/cert.pem"},
                    "connectionPool": {"http": {"http1MaxPendingRequests": 100}}
                }
            ],
            "egress": [
                {
                    "port": {"number": 3306, "protocol": "MYSQL", "name": "egressmysql"},
                    "bind": "127.0.0.1",
                    "captureMode": "NONE",
                    "hosts": ["*/mysql.foo.com"]
                },
                {"hosts": ["./*", "istio-system/*"]}
            ],
            "inboundConnectionPool": {"tcp": {"maxConnections": 500}},
            "outboundTrafficPolicy": {
                "mode": "ALLOW_ANY",
                "egressProxy": {"host": "egress-proxy.istio-system.svc.cluster.local", "subset": "v1", "port": {"number": 3443}}
            }
        }));
        assert_eq!(spec.egress[0].capture_mode, Some(CaptureMode::None));
        assert_eq!(
            spec.outbound_traffic_policy.as_ref().and_then(|o| o.mode),
            Some(OutboundTrafficPolicyMode::AllowAny)
        );
    }

    #[test]
    fn workload_entry_round_trip() {
        let spec: WorkloadEntrySpec = round_trip(json!({
            "address": "2.2.2.2",
            "ports": {"http": 8080, "grpc": 9090},
            "labels": {"app": "details-legacy", "instance-id": "vm1"},
            "network": "vm-network",
            "locality": "us-east1/us-east1-b",
            "weight": 10,
            "serviceAccount": "details-legacy"
        }));
        assert_eq!(spec.ports.get("http"), Some(&8080));
    }

    #[test]
    fn workload_group_round_trip() {
        let spec: WorkloadGroupSpec = round_trip(json!({
            "metadata": {"labels": {"app.kubernetes.io/name": "foo"}, "annotations": {"team": "payments"}},
            "template": {
                "ports": {"grpc": 3550, "http": 8080},
                "serviceAccount": "default",
                "network": "vm-net"
            },
            "probe": {
                "initialDelaySeconds": 5,
                "timeoutSeconds": 3,
                "periodSeconds": 4,
                "successThreshold": 3,
                "failureThreshold": 3,
                "httpGet": {
                    "path": "/foo/bar",
                    "host": "127.0.0.1",
                    "port": 3100,
                    "scheme": "HTTPS",
                    "httpHeaders": [{"name": "Lit-Header", "value": "Im-The-Best"}]
                }
            }
        }));
        assert!(spec.probe.and_then(|p| p.http_get).is_some());

        let exec: WorkloadGroupSpec = round_trip(json!({
            "template": {"serviceAccount": "default"},
            "probe": {"exec": {"command": ["./healthcheck"]}}
        }));
        assert!(exec.probe.and_then(|p| p.exec).is_some());
    }

    #[test]
    fn envoy_filter_round_trip() {
        let spec: EnvoyFilterSpec = round_trip(json!({
            "workloadSelector": {"labels": {"app": "reviews"}},
            "priority": 10,
            "configPatches": [
                {
                    "applyTo": "HTTP_FILTER",
                    "match": {
                        "context": "SIDECAR_INBOUND",
                        "listener": {"portNumber": 8080, "filterChain": {"filter": {"name": "envoy.filters.network.http_connection_manager", "subFilter": {"name": "envoy.filters.http.router"}}}}
                    },
                    "patch": {
                        "operation": "INSERT_BEFORE",
                        "value": {"name": "envoy.lua", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua", "inlineCode": "function envoy_on_request(h) end"}}
                    }
                }
            ]
        }));
        assert_eq!(spec.config_patches.len(), 1);
        let refs: EnvoyFilterSpec = round_trip(json!({
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "waypoint"}]
        }));
        assert_eq!(refs.target_refs[0].kind.as_deref(), Some("Gateway"));
    }

    #[test]
    fn lenient_deserialisation_ignores_unknown_fields() {
        let spec: VirtualServiceSpec = match serde_json::from_value(json!({
            "hosts": ["a"],
            "futureField": {"x": 1},
            "http": [{"route": [{"destination": {"host": "a", "bogus": true}}]}]
        })) {
            Ok(v) => v,
            Err(e) => panic!("lenient deserialise failed: {e}"),
        };
        assert_eq!(spec.hosts, vec!["a".to_string()]);
    }

    #[test]
    fn generated_schema_rejects_unknown_fields() {
        let schema = schemars::schema_for!(VirtualServiceSpec);
        assert_eq!(
            schema.as_value().get("additionalProperties"),
            Some(&Value::Bool(false))
        );
    }

    const NETWORKING_VERSIONS: &[&str] = &["v1alpha3", "v1beta1", "v1"];

    fn check_all_versions<T: JsonSchema>(kind: &str, versions: &[&str], allow: &AllowList) {
        for version in versions {
            assert_matches_crd::<T>(&format!("{kind}-networking-{version}.json"), allow);
        }
    }

    #[test]
    fn virtual_service_matches_crd() {
        check_all_versions::<VirtualServiceSpec>("virtualservice", NETWORKING_VERSIONS, &[]);
    }

    #[test]
    fn destination_rule_matches_crd() {
        check_all_versions::<DestinationRuleSpec>("destinationrule", NETWORKING_VERSIONS, &[]);
    }

    #[test]
    fn gateway_matches_crd() {
        check_all_versions::<GatewaySpec>("gateway", NETWORKING_VERSIONS, &[]);
    }

    #[test]
    fn service_entry_matches_crd() {
        check_all_versions::<ServiceEntrySpec>("serviceentry", NETWORKING_VERSIONS, &[]);
    }

    #[test]
    fn sidecar_matches_crd() {
        check_all_versions::<SidecarSpec>("sidecar", NETWORKING_VERSIONS, &[]);
    }

    #[test]
    fn workload_entry_matches_crd() {
        check_all_versions::<WorkloadEntrySpec>("workloadentry", NETWORKING_VERSIONS, &[]);
    }

    #[test]
    fn workload_group_matches_crd() {
        check_all_versions::<WorkloadGroupSpec>("workloadgroup", NETWORKING_VERSIONS, &[]);
    }

    #[test]
    fn envoy_filter_matches_crd() {
        check_all_versions::<EnvoyFilterSpec>(
            "envoyfilter",
            &["v1alpha3"],
            &[(
                "spec.configPatches[]",
                "configPatches are deliberately kept as raw serde_json::Value; their internals are not modelled",
            )],
        );
    }
}
