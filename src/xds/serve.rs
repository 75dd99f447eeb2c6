//! `mesh xds serve`: an Aggregated Discovery Service (state of the world)
//! that answers real gRPC xDS clients with what `mesh xds render` shows.
//!
//! Each stream is one client. Its first request carries the node: the node
//! id and metadata (`LABELS`, `NAMESPACE`) find the workload as istiod would.
//! For every type the client subscribes to, the server renders exactly the
//! names asked for (gRPC always asks by name), sends them with a version and
//! a nonce, and logs the client's ACK or NACK (with its reason) on stderr.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use envoy_types::pb::envoy::config::core::v3::Node;
use envoy_types::pb::envoy::service::discovery::v3::{
    aggregated_discovery_service_server::{
        AggregatedDiscoveryService, AggregatedDiscoveryServiceServer,
    },
    DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse,
};
use envoy_types::pb::google::protobuf::{value, Any, Struct};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::index::Index;

use super::json::pack;
use super::{Proxy, Renderer, ResourceType, WorkloadRef};

/// The largest request accepted (requests list names; gRPC's are small).
const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

type ResponseStream = Pin<Box<dyn Stream<Item = Result<DiscoveryResponse, Status>> + Send>>;
type DeltaStream = Pin<Box<dyn Stream<Item = Result<DeltaDiscoveryResponse, Status>> + Send>>;

/// Serves the index on `listen` until SIGINT or SIGTERM.
pub fn run(index: Index, listen: &str) -> Result<()> {
    let address: SocketAddr = listen.parse().with_context(|| {
        format!("--listen {listen:?}: expected IP:PORT, such as 127.0.0.1:15010")
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(Arc::new(index), address))
}

async fn serve(index: Arc<Index>, address: SocketAddr) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    let bound = listener
        .local_addr()
        .context("cannot read the bound address")?;
    eprintln!("mesh xds serve: listening on {bound} (ADS, state of the world)");
    let service = AdsService {
        index,
        streams: Arc::new(AtomicU64::new(0)),
    };
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut server = tokio::spawn(
        tonic::transport::Server::builder().serve_with_incoming_shutdown(
            AggregatedDiscoveryServiceServer::new(service)
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
            incoming,
            async {
                let _ = stopped.await;
            },
        ),
    );
    tokio::select! {
        () = shutdown_signal() => {}
        ended = &mut server => {
            return match ended {
                Ok(result) => result.context("the xDS server failed"),
                Err(error) => Err(anyhow::Error::new(error).context("the xDS server failed")),
            };
        }
    }
    eprintln!("mesh xds serve: stopping");
    let _ = stop.send(());
    // Clients keep their streams open: give them a moment to see the
    // server go away, then stop regardless.
    if let Ok(Ok(result)) = tokio::time::timeout(std::time::Duration::from_secs(2), server).await {
        result.context("the xDS server failed")?;
    }
    eprintln!("mesh xds serve: stopped");
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

struct AdsService {
    index: Arc<Index>,
    streams: Arc<AtomicU64>,
}

/// What one stream has been sent, per type.
#[derive(Default)]
struct Subscription {
    names: Vec<String>,
    nonce: u64,
    version: String,
}

/// The labels (`LABELS`) a node's metadata carries.
fn metadata_labels(node: &Node) -> Option<BTreeMap<String, String>> {
    let metadata: &Struct = node.metadata.as_ref()?;
    let labels = metadata.fields.get("LABELS")?;
    let Some(value::Kind::StructValue(labels)) = &labels.kind else {
        return None;
    };
    Some(
        labels
            .fields
            .iter()
            .filter_map(|(k, v)| match &v.kind {
                Some(value::Kind::StringValue(s)) => Some((k.clone(), s.clone())),
                _ => None,
            })
            .collect(),
    )
}

/// Renders the named resources of one type.
fn resources_for(
    index: &Index,
    proxy: &Proxy,
    kind: ResourceType,
    names: &[String],
) -> Result<(Vec<Any>, Vec<String>), super::XdsError> {
    let renderer = Renderer::new(index, proxy);
    let mut notes = Vec::new();
    let resources = match kind {
        ResourceType::Listener => renderer
            .listeners(names, &mut notes)?
            .iter()
            .map(pack)
            .collect(),
        ResourceType::Route => renderer
            .routes(names, &mut notes)?
            .iter()
            .map(pack)
            .collect(),
        ResourceType::Cluster => renderer
            .clusters(names, &mut notes)
            .iter()
            .map(pack)
            .collect(),
        ResourceType::Endpoint => renderer
            .endpoints(names, &mut notes)
            .iter()
            .map(pack)
            .collect(),
    };
    Ok((resources, notes))
}

/// A version that changes exactly when the content does.
fn version_of(resources: &[Any]) -> String {
    // FNV-1a over the JSON, which (unlike the protobuf bytes of maps) is stable.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for any in resources {
        let text = super::json::any_to_json(any)
            .map(|j| j.to_string())
            .unwrap_or_default();
        for byte in text.as_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[tonic::codegen::async_trait]
impl AggregatedDiscoveryService for AdsService {
    type StreamAggregatedResourcesStream = ResponseStream;
    type DeltaAggregatedResourcesStream = DeltaStream;

    async fn stream_aggregated_resources(
        &self,
        request: Request<Streaming<DiscoveryRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let peer = request
            .remote_addr()
            .map_or_else(|| "unknown peer".to_string(), |a| a.to_string());
        let stream_id = self.streams.fetch_add(1, Ordering::Relaxed) + 1;
        let mut incoming = request.into_inner();
        let (sender, receiver) = mpsc::channel(16);
        let index = Arc::clone(&self.index);
        tokio::spawn(async move {
            let mut proxy: Option<Proxy> = None;
            let mut subscriptions: HashMap<ResourceType, Subscription> = HashMap::new();
            while let Some(message) = incoming.next().await {
                let request = match message {
                    Ok(request) => request,
                    Err(status) => {
                        eprintln!(
                            "mesh xds serve: stream {stream_id} ({peer}): {}",
                            status.message()
                        );
                        break;
                    }
                };
                if proxy.is_none() {
                    let Some(node) = request.node.as_ref() else {
                        let _ = sender
                            .send(Err(Status::invalid_argument(
                                "the first request of a stream must carry the node",
                            )))
                            .await;
                        break;
                    };
                    match Proxy::find(
                        &index,
                        &WorkloadRef::NodeId(node.id.clone()),
                        metadata_labels(node).as_ref(),
                    ) {
                        Ok(found) => {
                            eprintln!(
                                "mesh xds serve: stream {stream_id} ({peer}): node {} is {}/{}",
                                node.id, found.namespace, found.pod_name
                            );
                            proxy = Some(found);
                        }
                        Err(error) => {
                            eprintln!("mesh xds serve: stream {stream_id} ({peer}): {error}");
                            let _ = sender
                                .send(Err(Status::invalid_argument(error.to_string())))
                                .await;
                            break;
                        }
                    }
                }
                let Some(proxy) = proxy.as_ref() else { break };
                let Some(kind) = ResourceType::from_type_url(&request.type_url) else {
                    eprintln!(
                        "mesh xds serve: stream {stream_id}: type {} is not served",
                        request.type_url
                    );
                    continue;
                };
                let subscription = subscriptions.entry(kind).or_default();
                let mut names = request.resource_names.clone();
                names.sort();
                names.dedup();
                let label = kind.short_name().to_ascii_uppercase();
                if !request.response_nonce.is_empty() {
                    if request.response_nonce != subscription.nonce.to_string() {
                        // An answer to an older response: a newer one is on its way.
                        continue;
                    }
                    match &request.error_detail {
                        Some(error) => eprintln!(
                            "mesh xds serve: stream {stream_id}: {label} NACK version {} nonce {}: {}",
                            subscription.version, request.response_nonce, error.message
                        ),
                        None => eprintln!(
                            "mesh xds serve: stream {stream_id}: {label} ACK version {} {:?}",
                            request.version_info, names
                        ),
                    }
                    if names == subscription.names {
                        continue;
                    }
                }
                subscription.names = names;
                let (resources, notes) =
                    match resources_for(&index, proxy, kind, &subscription.names) {
                        Ok(rendered) => rendered,
                        Err(error) => {
                            eprintln!("mesh xds serve: stream {stream_id}: {label}: {error}");
                            (Vec::new(), Vec::new())
                        }
                    };
                for note in notes {
                    eprintln!("mesh xds serve: stream {stream_id}: note: {note}");
                }
                subscription.nonce += 1;
                subscription.version = version_of(&resources);
                eprintln!(
                    "mesh xds serve: stream {stream_id}: {label} send {} resource(s) for {:?} version {} nonce {}",
                    resources.len(),
                    subscription.names,
                    subscription.version,
                    subscription.nonce
                );
                let response = DiscoveryResponse {
                    version_info: subscription.version.clone(),
                    resources,
                    type_url: kind.type_url().to_string(),
                    nonce: subscription.nonce.to_string(),
                    ..Default::default()
                };
                if sender.send(Ok(response)).await.is_err() {
                    break;
                }
            }
            eprintln!("mesh xds serve: stream {stream_id} ({peer}) closed");
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }

    async fn delta_aggregated_resources(
        &self,
        _request: Request<Streaming<DeltaDiscoveryRequest>>,
    ) -> Result<Response<DeltaStream>, Status> {
        Err(Status::unimplemented(
            "mesh xds serve speaks state-of-the-world ADS only",
        ))
    }
}
