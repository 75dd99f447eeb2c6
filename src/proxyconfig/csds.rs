//! CSDS client: `FetchClientStatus` against a gRPC admin server (gRFC A40),
//! or `StreamClientStatus` where the unary call is unimplemented, with one
//! time limit on connect and call, and the response as proto3 JSON
//! (lowerCamelCase, the casing `--file` reads too).

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
    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|_| ReachError::BadAddress { addr: addr.into() })?
        .connect_timeout(timeout)
        .timeout(timeout);
    let channel = endpoint.connect().await.map_err(|e| ReachError::Connect {
        addr: addr.into(),
        reason: error_chain(&e),
    })?;
    // tonic refuses replies above 4 MB by default; big meshes send more.
    let mut client = ClientStatusDiscoveryServiceClient::new(channel)
        .max_decoding_message_size(super::dump::MAX_DUMP_BYTES);
    let call_error = |status: tonic::Status| CsdsError::Call {
        addr: addr.into(),
        reason: match status.code() {
            tonic::Code::Unimplemented => "the server does not serve CSDS".into(),
            _ => {
                let message = status.message().trim();
                if message.is_empty() {
                    format!("{:?}", status.code())
                } else {
                    format!("{:?}: {}", status.code(), message)
                }
            }
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

/// The response as proto3 JSON, as Python's `json_format` writes it.
pub fn response_to_json(response: &ClientStatusResponse) -> Json {
    json!({ "config": response.config.iter().map(config_to_json).collect::<Vec<_>>() })
}

fn config_to_json(config: &ClientConfig) -> Json {
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
        .map(generic_to_json)
        .collect();
    if !generic.is_empty() {
        map.insert("genericXdsConfigs".into(), Json::Array(generic));
    }
    put(&mut map, "clientScope", &config.client_scope);
    Json::Object(map)
}

fn generic_to_json(item: &GenericXdsConfig) -> Json {
    let mut map = Map::new();
    put(&mut map, "typeUrl", &item.type_url);
    put(&mut map, "name", &item.name);
    put(&mut map, "versionInfo", &item.version_info);
    if let Some(any) = &item.xds_config {
        // Types outside the built-in descriptors keep only their type URL.
        let value =
            crate::xds::json::any_to_json(any).unwrap_or_else(|_| json!({ "@type": any.type_url }));
        map.insert("xdsConfig".into(), value);
    }
    if let Some(time) = &item.last_updated {
        map.insert("lastUpdated".into(), timestamp(time).into());
    }
    let status = ClientResourceStatus::try_from(item.client_status)
        .map(|s| Json::from(s.as_str_name()))
        .unwrap_or_else(|_| Json::from(item.client_status));
    map.insert("clientStatus".into(), status);
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
