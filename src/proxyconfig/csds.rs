//! CSDS client: `FetchClientStatus` against a gRPC admin server (gRFC A40),
//! or `StreamClientStatus` where the unary call is unimplemented, with one
//! time limit on connect and call; the response read into the dump model
//! with each config packed, its proto3 JSON (lowerCamelCase, the casing
//! `--file` reads too) built when printed.

use std::time::Duration;

use envoy_types::pb::envoy::admin::v3::ClientResourceStatus;
use envoy_types::pb::envoy::service::status::v3::{
    client_config::GenericXdsConfig,
    client_status_discovery_service_client::ClientStatusDiscoveryServiceClient, ClientConfig,
    ClientStatusRequest, ClientStatusResponse,
};
use envoy_types::pb::google::protobuf::{value::Kind, Struct, Timestamp, Value};
use serde_json::{json, Map, Value as Json};

use super::live::ReachError;
use super::packed::{Config, Raw};
use super::{Dump, Resource, ResourceKind};

/// Why a CSDS fetch failed; each prints as one line.
#[derive(Debug, thiserror::Error)]
pub enum CsdsError {
    #[error(transparent)]
    Reach(#[from] ReachError),
    #[error("{addr} did not answer CSDS: {reason}")]
    Call { addr: String, reason: String },
}

/// Fetches the client status of `addr` (`HOST:PORT`), within `timeout` overall.
pub fn fetch(addr: &str, timeout: Duration) -> Result<ClientStatusResponse, CsdsError> {
    super::live::within(addr, timeout, fetch_async(addr, timeout))
}

async fn fetch_async(addr: &str, timeout: Duration) -> Result<ClientStatusResponse, CsdsError> {
    let channel = super::live::connect(addr, timeout).await?;
    // tonic refuses replies above 4 MB by default; big meshes send more.
    let mut client = ClientStatusDiscoveryServiceClient::new(channel)
        .max_decoding_message_size(super::dump::MAX_DUMP_BYTES);
    let call_error = |status: tonic::Status| CsdsError::Call {
        addr: addr.into(),
        reason: match status.code() {
            tonic::Code::Unimplemented => "the server does not serve CSDS".into(),
            _ => super::live::status_text(&status),
        },
    };
    match client
        .fetch_client_status(ClientStatusRequest::default())
        .await
    {
        Ok(response) => Ok(response.into_inner()),
        // Some servers implement only the streaming call: one request, one answer.
        Err(status) if status.code() == tonic::Code::Unimplemented => {
            let request = tokio_stream::once(ClientStatusRequest::default());
            let mut answers = client
                .stream_client_status(request)
                .await
                .map_err(call_error)?
                .into_inner();
            match answers.message().await.map_err(call_error)? {
                Some(response) => Ok(response),
                None => Err(CsdsError::Call {
                    addr: addr.into(),
                    reason: "StreamClientStatus closed without an answer".into(),
                }),
            }
        }
        Err(status) => Err(call_error(status)),
    }
}

/// The innermost causes joined, e.g. "transport error: Connection refused".
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// The response as proto3 JSON, as Python's `json_format` writes it: what
/// [`response_to_dump`] must read as, kept as the tests' reference.
#[cfg(test)]
fn response_to_json(response: &ClientStatusResponse) -> Json {
    response_json(response, |_, _, item| {
        item.xds_config.as_ref().map(super::packed::unredacted_json)
    })
}

/// The response as the dump model: the same resources, private keys
/// redacted and order as [`Dump::from_json`] of its proto3 JSON gives,
/// but each config kept packed until something reads its JSON.
pub fn response_to_dump(response: &ClientStatusResponse) -> Dump {
    let mut skeleton = response.clone();
    let mut resources = Vec::new();
    let mut configs: Vec<Vec<Config>> = Vec::with_capacity(skeleton.config.len());
    for config in &mut skeleton.config {
        let scope = redacted(&config.client_scope);
        let mut held = Vec::with_capacity(config.generic_xds_configs.len());
        for item in &mut config.generic_xds_configs {
            let packed = Config::packed(item.xds_config.take());
            held.push(packed.clone());
            let error = item.error_state.as_ref();
            resources.push(Resource {
                scope: scope.clone(),
                kind: ResourceKind::from_type_url(&redacted(&item.type_url)),
                name: redacted(&item.name),
                version: redacted(&item.version_info),
                status: status_name(item.client_status),
                last_updated: item
                    .last_updated
                    .as_ref()
                    .map(timestamp)
                    .unwrap_or_default(),
                error: error.map(|e| redacted(&e.details)).unwrap_or_default(),
                rejected_version: error.map(|e| redacted(&e.version_info)).unwrap_or_default(),
                config: packed,
            });
        }
        configs.push(held);
    }
    resources.sort_by(|a, b| (&a.scope, &a.kind, &a.name).cmp(&(&b.scope, &b.kind, &b.name)));
    // Built for `dump` and `diff` only. Redacting copies of configs that
    // were redacted already leaves them as they are.
    let raw = Raw::lazy(move || {
        let mut json = response_json(&skeleton, |i, j, _| {
            let config = configs.get(i).and_then(|held| held.get(j))?;
            match config.built() {
                // Read already (diff): copy it rather than convert it again.
                Some(json) => json.clone(),
                // Not kept: `dump` reads each config once.
                None => config.any().map(super::packed::unredacted_json),
            }
        });
        super::secrets::redact_private_keys(&mut json);
        json
    });
    Dump {
        resources,
        raw,
        from_csds: true,
        bootstrap: None,
        hosts: Vec::new(),
    }
}

/// A string as [`super::secrets::redact_private_keys`] leaves it in a dump.
fn redacted(text: &str) -> String {
    let mut value = Json::String(text.to_string());
    super::secrets::redact_private_keys(&mut value);
    match value {
        Json::String(text) => text,
        _ => String::new(),
    }
}

/// `client_status` as proto3 JSON names it; unknown values as their number.
fn status_name(status: i32) -> String {
    ClientResourceStatus::try_from(status)
        .map_or_else(|_| status.to_string(), |s| s.as_str_name().to_string())
}

/// The response's JSON, with `xds_config(i, j, item)` as the config of the
/// `j`th resource of the `i`th client.
fn response_json(
    response: &ClientStatusResponse,
    xds_config: impl Fn(usize, usize, &GenericXdsConfig) -> Option<Json>,
) -> Json {
    let configs: Vec<Json> = response
        .config
        .iter()
        .enumerate()
        .map(|(i, config)| config_to_json(config, |j, item| xds_config(i, j, item)))
        .collect();
    json!({ "config": configs })
}

fn config_to_json(
    config: &ClientConfig,
    xds_config: impl Fn(usize, &GenericXdsConfig) -> Option<Json>,
) -> Json {
    let mut map = Map::new();
    if let Some(node) = &config.node {
        let mut out = Map::new();
        put(&mut out, "id", &node.id);
        put(&mut out, "cluster", &node.cluster);
        if let Some(metadata) = &node.metadata {
            out.insert("metadata".into(), struct_to_json(metadata));
        }
        put(&mut out, "userAgentName", &node.user_agent_name);
        map.insert("node".into(), Json::Object(out));
    }
    let generic: Vec<Json> = config
        .generic_xds_configs
        .iter()
        .enumerate()
        .map(|(j, item)| generic_to_json(item, xds_config(j, item)))
        .collect();
    if !generic.is_empty() {
        map.insert("genericXdsConfigs".into(), Json::Array(generic));
    }
    put(&mut map, "clientScope", &config.client_scope);
    Json::Object(map)
}

fn generic_to_json(item: &GenericXdsConfig, xds_config: Option<Json>) -> Json {
    let mut map = Map::new();
    put(&mut map, "typeUrl", &item.type_url);
    put(&mut map, "name", &item.name);
    put(&mut map, "versionInfo", &item.version_info);
    if let Some(value) = xds_config {
        map.insert("xdsConfig".into(), value);
    }
    if let Some(time) = &item.last_updated {
        map.insert("lastUpdated".into(), timestamp(time).into());
    }
    map.insert("clientStatus".into(), status_json(item.client_status));
    if let Some(error) = &item.error_state {
        let mut out = Map::new();
        if let Some(time) = &error.last_update_attempt {
            out.insert("lastUpdateAttempt".into(), timestamp(time).into());
        }
        put(&mut out, "details", &error.details);
        put(&mut out, "versionInfo", &error.version_info);
        map.insert("errorState".into(), Json::Object(out));
    }
    if item.is_static_resource {
        map.insert("isStaticResource".into(), true.into());
    }
    Json::Object(map)
}

/// proto3 JSON omits empty strings.
fn put(map: &mut Map<String, Json>, key: &str, value: &str) {
    if !value.is_empty() {
        map.insert(key.into(), value.into());
    }
}

/// `client_status` as a name, or the number proto3 JSON writes for unknown values.
fn status_json(status: i32) -> Json {
    ClientResourceStatus::try_from(status)
        .map(|s| Json::from(s.as_str_name()))
        .unwrap_or_else(|_| Json::from(status))
}

fn struct_to_json(value: &Struct) -> Json {
    let mut entries: Vec<_> = value.fields.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    Json::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.clone(), value_to_json(v)))
            .collect(),
    )
}

fn value_to_json(value: &Value) -> Json {
    match &value.kind {
        None | Some(Kind::NullValue(_)) => Json::Null,
        Some(Kind::NumberValue(n)) => json!(n),
        Some(Kind::StringValue(s)) => json!(s),
        Some(Kind::BoolValue(b)) => json!(b),
        Some(Kind::StructValue(s)) => struct_to_json(s),
        Some(Kind::ListValue(l)) => Json::Array(l.values.iter().map(value_to_json).collect()),
    }
}

/// RFC 3339 in UTC, fractions in groups of 3 digits as proto3 JSON writes them.
pub fn timestamp(time: &Timestamp) -> String {
    let days = time.seconds.div_euclid(86_400);
    let secs = time.seconds.rem_euclid(86_400);
    // Days to civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let nanos = time.nanos.clamp(0, 999_999_999);
    let fraction = if nanos == 0 {
        String::new()
    } else if nanos % 1_000_000 == 0 {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{fraction}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_as_proto3_json_writes_them() {
        let t = |seconds, nanos| timestamp(&Timestamp { seconds, nanos });
        assert_eq!(t(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(
            t(1_795_288_710, 733_270_325),
            "2026-11-21T19:18:30.733270325Z"
        );
        assert_eq!(t(951_782_400, 500_000_000), "2000-02-29T00:00:00.500Z");
    }

    #[test]
    fn response_json_reads_back_as_a_dump() {
        let response = ClientStatusResponse {
            config: vec![ClientConfig {
                client_scope: "xds:/a:1".into(),
                generic_xds_configs: vec![GenericXdsConfig {
                    type_url: crate::xds::ResourceType::Cluster.type_url().into(),
                    name: "c".into(),
                    version_info: "v1".into(),
                    client_status: ClientResourceStatus::Acked as i32,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let dump = super::super::Dump::from_json(response_to_json(&response)).unwrap();
        assert_eq!(dump.resources.len(), 1);
        assert_eq!(dump.resources[0].status, "ACKED");
        assert_eq!(dump.resources[0].scope, "xds:/a:1");
    }

    /// Resources whose facts the typed protos give, and ones only their
    /// JSON can give (unknown filter types, configs that do not convert).
    fn varied_response() -> ClientStatusResponse {
        use envoy_types::pb::envoy::config::cluster::v3::{cluster, Cluster};
        use envoy_types::pb::envoy::config::core::v3::{
            address, socket_address, Address, Metadata, SocketAddress, TypedExtensionConfig,
        };
        use envoy_types::pb::envoy::config::endpoint::v3::{
            lb_endpoint, ClusterLoadAssignment, Endpoint, LbEndpoint, LocalityLbEndpoints,
        };
        use envoy_types::pb::envoy::config::listener::v3::{filter, Filter, FilterChain, Listener};
        use envoy_types::pb::envoy::config::route::v3::{RouteConfiguration, VirtualHost};
        use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::{
            http_connection_manager::RouteSpecifier, HttpConnectionManager, Rds,
        };
        use envoy_types::pb::envoy::extensions::filters::network::tcp_proxy::v3::{
            tcp_proxy, TcpProxy,
        };
        use envoy_types::pb::envoy::service::status::v3::ClientConfigStatus;
        use envoy_types::pb::google::protobuf::{Any, Duration};
        use prost::Name;

        fn pack<M: Name>(message: &M) -> Any {
            Any {
                type_url: M::type_url(),
                value: message.encode_to_vec(),
            }
        }
        let socket = |ip: &str, port: Option<socket_address::PortSpecifier>| Address {
            address: Some(address::Address::SocketAddress(SocketAddress {
                address: ip.into(),
                port_specifier: port,
                ..Default::default()
            })),
        };
        let chain = |typed: Any| FilterChain {
            filters: vec![Filter {
                name: "f".into(),
                config_type: Some(filter::ConfigType::TypedConfig(typed)),
            }],
            ..Default::default()
        };
        let rds = pack(&HttpConnectionManager {
            route_specifier: Some(RouteSpecifier::Rds(Rds {
                route_config_name: "r1".into(),
                ..Default::default()
            })),
            ..Default::default()
        });
        let inline = pack(&HttpConnectionManager {
            route_specifier: Some(RouteSpecifier::RouteConfig(RouteConfiguration {
                name: "inline".into(),
                ..Default::default()
            })),
            ..Default::default()
        });
        let tcp = pack(&TcpProxy {
            cluster_specifier: Some(tcp_proxy::ClusterSpecifier::Cluster("c1".into())),
            ..Default::default()
        });
        let unknown_filter = pack(&TypedExtensionConfig {
            name: "cluster".into(),
            ..Default::default()
        });
        let far = Duration {
            seconds: i64::MAX,
            nanos: 0,
        };
        let nan_metadata = Metadata {
            filter_metadata: [(
                "m".to_string(),
                Struct {
                    fields: [(
                        "n".to_string(),
                        Value {
                            kind: Some(Kind::NumberValue(f64::NAN)),
                        },
                    )]
                    .into(),
                },
            )]
            .into(),
            ..Default::default()
        };
        let endpoint = |ip: &str, port: u32| LbEndpoint {
            host_identifier: Some(lb_endpoint::HostIdentifier::Endpoint(Endpoint {
                address: Some(socket(
                    ip,
                    Some(socket_address::PortSpecifier::PortValue(port)),
                )),
                ..Default::default()
            })),
            ..Default::default()
        };
        let configs = vec![
            pack(&Listener {
                name: "l0".into(),
                address: Some(socket(
                    "10.0.0.1",
                    Some(socket_address::PortSpecifier::PortValue(0)),
                )),
                filter_chains: vec![chain(rds.clone()), chain(rds.clone())],
                ..Default::default()
            }),
            // TcpProxy is not among the built-in descriptors.
            pack(&Listener {
                name: "l1".into(),
                filter_chains: vec![chain(tcp)],
                ..Default::default()
            }),
            pack(&Listener {
                name: "l2".into(),
                address: Some(socket(
                    "",
                    Some(socket_address::PortSpecifier::NamedPort("http".into())),
                )),
                filter_chains: vec![chain(inline), chain(unknown_filter)],
                ..Default::default()
            }),
            pack(&Listener {
                name: "l3".into(),
                api_listener: Some(envoy_types::pb::envoy::config::listener::v3::ApiListener {
                    api_listener: Some(rds),
                }),
                ..Default::default()
            }),
            pack(&RouteConfiguration {
                name: "r1".into(),
                virtual_hosts: vec![
                    VirtualHost {
                        domains: vec!["a".into(), "b".into()],
                        ..Default::default()
                    },
                    VirtualHost {
                        domains: vec!["c".into()],
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }),
            pack(&Cluster {
                name: "outbound|80||a.ns.svc.cluster.local".into(),
                cluster_discovery_type: Some(cluster::ClusterDiscoveryType::Type(
                    cluster::DiscoveryType::Eds as i32,
                )),
                ..Default::default()
            }),
            pack(&Cluster {
                name: "custom".into(),
                cluster_discovery_type: Some(cluster::ClusterDiscoveryType::ClusterType(
                    Default::default(),
                )),
                ..Default::default()
            }),
            pack(&Cluster {
                name: "unknown-type".into(),
                cluster_discovery_type: Some(cluster::ClusterDiscoveryType::Type(42)),
                ..Default::default()
            }),
            pack(&Cluster {
                name: "far".into(),
                cluster_discovery_type: Some(cluster::ClusterDiscoveryType::Type(
                    cluster::DiscoveryType::Eds as i32,
                )),
                connect_timeout: Some(far),
                ..Default::default()
            }),
            pack(&Cluster {
                name: "nan".into(),
                cluster_discovery_type: Some(cluster::ClusterDiscoveryType::Type(
                    cluster::DiscoveryType::StrictDns as i32,
                )),
                metadata: Some(nan_metadata),
                ..Default::default()
            }),
            pack(&ClusterLoadAssignment {
                cluster_name: "e1".into(),
                endpoints: vec![LocalityLbEndpoints {
                    lb_endpoints: (1..=5)
                        .map(|i| endpoint(&format!("10.0.0.{i}"), 80))
                        .collect(),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            Any {
                type_url: "type.googleapis.com/no.such.Type".into(),
                value: vec![1, 2, 3],
            },
        ];
        let pem = "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----";
        let mut generic: Vec<GenericXdsConfig> = configs
            .into_iter()
            .enumerate()
            .map(|(i, any)| GenericXdsConfig {
                type_url: any.type_url.clone(),
                name: format!("resource-{i}"),
                version_info: "v1".into(),
                xds_config: Some(any),
                last_updated: Some(Timestamp {
                    seconds: 1_795_300_000,
                    nanos: 5_000_000,
                }),
                client_status: ClientResourceStatus::Acked as i32,
                config_status: ClientConfigStatus::ClientAcked as i32,
                ..Default::default()
            })
            .collect();
        generic.push(GenericXdsConfig {
            type_url: crate::xds::ResourceType::Cluster.type_url().into(),
            name: pem.into(),
            version_info: "v1".into(),
            client_status: 99,
            error_state: Some(envoy_types::pb::envoy::admin::v3::UpdateFailureState {
                details: "bad".into(),
                version_info: "v2".into(),
                ..Default::default()
            }),
            ..Default::default()
        });
        ClientStatusResponse {
            config: vec![
                ClientConfig {
                    client_scope: "xds:/b:1".into(),
                    generic_xds_configs: generic.clone(),
                    ..Default::default()
                },
                ClientConfig {
                    client_scope: "xds:/a:1".into(),
                    generic_xds_configs: generic,
                    ..Default::default()
                },
            ],
        }
    }

    #[test]
    fn packed_dump_prints_what_its_json_prints() {
        use super::super::{filter::Filters, table};
        let response = varied_response();
        let packed = response_to_dump(&response);
        let json = super::super::Dump::from_json(response_to_json(&response)).unwrap();
        let print = |dump: &Dump, filters: &Filters| {
            let rows: Vec<&Resource> = dump.resources.iter().filter(|r| filters.keeps(r)).collect();
            let kinds = [
                ResourceKind::Listener,
                ResourceKind::Route,
                ResourceKind::Cluster,
                ResourceKind::Endpoint,
            ];
            let mut out = table::status(&rows);
            for kind in kinds {
                let of: Vec<&Resource> = rows.iter().copied().filter(|r| r.kind == kind).collect();
                out += &table::for_kind(&kind, &of);
            }
            out
        };
        let filters = [
            Filters::default(),
            Filters {
                port: Some(80),
                ..Filters::default()
            },
            Filters {
                address: Some("10.0.0.1".into()),
                ..Filters::default()
            },
        ];
        for filters in &filters {
            assert_eq!(print(&packed, filters), print(&json, filters));
        }
        let text = print(&packed, &filters[0]);
        for cell in [
            "10.0.0.1:0   Route: r1; Route: r1",
            "Inline Route: inline",
            "a, b, + 1 more...",
            "EDS",
            "CUSTOM",
            "10.0.0.1:80, 10.0.0.2:80, 10.0.0.3:80 + 2 more...",
        ] {
            assert!(text.contains(cell), "{cell} in\n{text}");
        }
        // Typed facts where they are sure, the JSON elsewhere.
        let typed_facts = |name: &str| {
            let resource = packed.resources.iter().find(|r| r.name == name).unwrap();
            let any = resource.config.any().unwrap();
            match resource.kind {
                ResourceKind::Listener => super::super::typed::listener(any).is_some(),
                _ => super::super::typed::cluster_type(any).is_some(),
            }
        };
        assert!(typed_facts("resource-0") && typed_facts("resource-3"));
        assert!(!typed_facts("resource-1") && !typed_facts("resource-2"));
        assert!(!typed_facts("resource-8") && !typed_facts("resource-9"));
        let records =
            |dump: &Dump| -> Vec<Json> { dump.resources.iter().map(|r| r.to_json()).collect() };
        assert_eq!(records(&packed), records(&json));
        assert_eq!(*packed.raw, *json.raw);
        assert!(!serde_json::to_string(&*packed.raw)
            .unwrap()
            .contains("PRIVATE KEY"));
    }

    /// A CSDS server that serves only `StreamClientStatus`, as some do.
    struct StreamOnly;

    type Answers = std::pin::Pin<
        Box<dyn tokio_stream::Stream<Item = Result<ClientStatusResponse, tonic::Status>> + Send>,
    >;

    #[tonic::codegen::async_trait]
    impl envoy_types::pb::envoy::service::status::v3::client_status_discovery_service_server::ClientStatusDiscoveryService
        for StreamOnly
    {
        type StreamClientStatusStream = Answers;

        async fn stream_client_status(
            &self,
            _request: tonic::Request<tonic::Streaming<ClientStatusRequest>>,
        ) -> Result<tonic::Response<Answers>, tonic::Status> {
            let answer = ClientStatusResponse {
                config: vec![ClientConfig {
                    client_scope: "xds:/streamed:1".into(),
                    ..Default::default()
                }],
            };
            Ok(tonic::Response::new(Box::pin(tokio_stream::once(Ok(answer)))))
        }

        async fn fetch_client_status(
            &self,
            _request: tonic::Request<ClientStatusRequest>,
        ) -> Result<tonic::Response<ClientStatusResponse>, tonic::Status> {
            Err(tonic::Status::unimplemented("only streaming here"))
        }
    }

    #[test]
    fn unimplemented_fetch_falls_back_to_the_stream() {
        use envoy_types::pb::envoy::service::status::v3::client_status_discovery_service_server::ClientStatusDiscoveryServiceServer;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        runtime.spawn(tonic::transport::Server::builder().serve_with_incoming(
            ClientStatusDiscoveryServiceServer::new(StreamOnly),
            tokio_stream::wrappers::TcpListenerStream::new(listener),
        ));
        let response = fetch(&addr, Duration::from_secs(5)).unwrap();
        assert_eq!(response.config[0].client_scope, "xds:/streamed:1");
        runtime.shutdown_background();
    }

    #[test]
    fn addresses_must_be_host_port() {
        for bad in ["http://a:1", "nohost", "a b:1"] {
            assert!(matches!(
                fetch(bad, Duration::from_secs(1)),
                Err(CsdsError::Reach(ReachError::BadAddress { .. }))
            ));
        }
    }
}
