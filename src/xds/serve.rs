//! `mesh xds serve`: an Aggregated Discovery Service (state of the world)
//! that answers real gRPC xDS clients with what `mesh xds render` shows.
//!
//! Each stream is one client. Its first request carries the node: the node
//! id and metadata (`LABELS`, `NAMESPACE`) find the workload as istiod would.
//! For every type the client subscribes to, the server renders exactly the
//! names asked for (gRPC always asks by name), sends them with a version and
//! a nonce, and logs the client's ACK or NACK (with its reason) on stderr.
//!
//! With `--watch`, the input files are polled; when one changes they are
//! read again and every stream is pushed the types whose resources changed
//! (a new version and nonce each), as istiod pushes. A reload that fails
//! is logged and the last good config stays served.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use envoy_types::pb::envoy::config::core::v3::Node;
use envoy_types::pb::envoy::service::discovery::v3::{
    aggregated_discovery_service_server::{
        AggregatedDiscoveryService, AggregatedDiscoveryServiceServer,
    },
    DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse,
};
use envoy_types::pb::google::protobuf::{value, Any, Struct};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::index::Index;
use crate::source::{file_stamps, FileStamp};

use super::json::pack;
use super::{Proxy, Renderer, ResourceType, WorkloadRef};

/// The largest request accepted (requests list names; gRPC's are small).
const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

type ResponseStream = Pin<Box<dyn Stream<Item = Result<DiscoveryResponse, Status>> + Send>>;
type DeltaStream = Pin<Box<dyn Stream<Item = Result<DeltaDiscoveryResponse, Status>> + Send>>;

/// Serves the index on `listen` until SIGINT or SIGTERM; with a watcher,
/// serves each good reload of the inputs too.
pub fn run(index: Index, listen: &str, watcher: Option<Watcher>) -> Result<()> {
    let address: SocketAddr = listen.parse().with_context(|| {
        format!("--listen {listen:?}: expected IP:PORT, such as 127.0.0.1:15010")
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(index, address, watcher))
}

async fn serve(index: Index, address: SocketAddr, watcher: Option<Watcher>) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    let bound = listener
        .local_addr()
        .context("cannot read the bound address")?;
    eprintln!("mesh xds serve: listening on {bound} (ADS, state of the world)");
    let (published, config) = watch::channel(Arc::new(index));
    let open_streams = Arc::new(AtomicUsize::new(0));
    if let Some(watcher) = watcher {
        eprintln!(
            "mesh xds serve: watching {} file(s) for changes every {} ms",
            watcher.stamps.len(),
            POLL_EVERY.as_millis()
        );
        tokio::spawn(watch_inputs(watcher, published, Arc::clone(&open_streams)));
    }
    let service = AdsService {
        config,
        streams: Arc::new(AtomicU64::new(0)),
        open_streams,
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

/// How often `--watch` looks at the input files.
const POLL_EVERY: Duration = Duration::from_millis(500);
/// Changed files named in a reload line; the rest are counted.
const CHANGED_FILES_SHOWN: usize = 3;

/// `--watch`: the input files, polled, and a way to read them again.
pub struct Watcher {
    paths: Vec<PathBuf>,
    stamps: Vec<FileStamp>,
    reload: Box<dyn Fn() -> Result<Index, Vec<String>> + Send + Sync>,
}

/// What a look at the files found after a change.
enum Reload {
    Loaded {
        changed: Vec<String>,
        index: Box<Index>,
    },
    Failed {
        changed: Vec<String>,
        errors: Vec<String>,
    },
}

impl Watcher {
    /// Stamps the files now: make it before the first load, so that a
    /// change made during that load is seen.
    pub fn new(
        paths: Vec<PathBuf>,
        reload: impl Fn() -> Result<Index, Vec<String>> + Send + Sync + 'static,
    ) -> Watcher {
        Watcher {
            stamps: file_stamps(&paths),
            paths,
            reload: Box::new(reload),
        }
    }

    /// Reads the inputs again if a file changed (or appeared, or went)
    /// since the last look. Stamps are taken before reading, so a write
    /// during the read is seen at the next look.
    fn poll(&mut self) -> Option<Reload> {
        let stamps = file_stamps(&self.paths);
        if stamps == self.stamps {
            return None;
        }
        let changed = changed_files(&self.stamps, &stamps);
        self.stamps = stamps;
        Some(match (self.reload)() {
            Ok(index) => Reload::Loaded {
                changed,
                index: Box::new(index),
            },
            Err(errors) => Reload::Failed { changed, errors },
        })
    }
}

/// Names of the files whose stamps differ, appeared or went.
fn changed_files(before: &[FileStamp], after: &[FileStamp]) -> Vec<String> {
    let old: HashMap<&str, &FileStamp> = before.iter().map(|s| (s.name.as_str(), s)).collect();
    let new: HashMap<&str, &FileStamp> = after.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut changed: Vec<String> = after
        .iter()
        .filter(|stamp| old.get(stamp.name.as_str()) != Some(stamp))
        .chain(
            before
                .iter()
                .filter(|stamp| !new.contains_key(stamp.name.as_str())),
        )
        .map(|stamp| stamp.name.clone())
        .collect();
    changed.sort();
    changed.dedup();
    changed
}

/// `a.yaml`, `a.yaml, b.yaml`, `a.yaml, b.yaml, c.yaml and 2 more`.
fn describe_files(names: &[String]) -> String {
    let shown = names
        .iter()
        .take(CHANGED_FILES_SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    match names.len().saturating_sub(CHANGED_FILES_SHOWN) {
        0 if names.is_empty() => "the file list".to_string(),
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// Publishes a good reload to every stream, or keeps the config being
/// served; returns the lines to log.
fn publish(
    reload: Reload,
    published: &watch::Sender<Arc<Index>>,
    open_streams: usize,
) -> Vec<String> {
    match reload {
        Reload::Loaded { changed, index } => {
            published.send_replace(Arc::from(index));
            vec![format!(
                "mesh xds serve: reloaded after {} changed; pushing to {open_streams} stream(s)",
                describe_files(&changed)
            )]
        }
        Reload::Failed { changed, errors } => {
            let mut lines = vec![format!(
                "mesh xds serve: cannot reload after {} changed; still serving the last good config",
                describe_files(&changed)
            )];
            lines.extend(
                errors
                    .iter()
                    .map(|error| format!("mesh xds serve: error: {error}")),
            );
            lines
        }
    }
}

/// Polls the inputs until the server stops, publishing each good reload.
async fn watch_inputs(
    mut watcher: Watcher,
    published: watch::Sender<Arc<Index>>,
    open_streams: Arc<AtomicUsize>,
) {
    let mut ticks = tokio::time::interval(POLL_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // Walking and parsing block: keep them off the threads serving streams.
        let polled = tokio::task::spawn_blocking(move || {
            let reload = watcher.poll();
            (watcher, reload)
        })
        .await;
        let reload = match polled {
            Ok((returned, reload)) => {
                watcher = returned;
                reload
            }
            Err(error) => {
                eprintln!("mesh xds serve: error: the watcher failed ({error}); no more reloads");
                return;
            }
        };
        if let Some(reload) = reload {
            for line in publish(reload, &published, open_streams.load(Ordering::Relaxed)) {
                eprintln!("{line}");
            }
        }
    }
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
    /// The config being served; `--watch` publishes each good reload here.
    config: watch::Receiver<Arc<Index>>,
    /// Streams begun so far: the next one's id.
    streams: Arc<AtomicU64>,
    /// Streams open now.
    open_streams: Arc<AtomicUsize>,
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

/// One client's stream: who it is and what it has been sent.
struct ClientStream {
    id: u64,
    peer: String,
    sender: mpsc::Sender<Result<DiscoveryResponse, Status>>,
    /// Known from the stream's first request.
    client: Option<Client>,
    subscriptions: HashMap<ResourceType, Subscription>,
}

/// The node of a stream and the workload it was found to be.
struct Client {
    node_id: String,
    labels: Option<BTreeMap<String, String>>,
    proxy: Proxy,
}

/// The order istiod pushes in: clusters and endpoints before the
/// listeners and routes that name them.
const PUSH_ORDER: [ResourceType; 4] = [
    ResourceType::Cluster,
    ResourceType::Endpoint,
    ResourceType::Listener,
    ResourceType::Route,
];

impl ClientStream {
    /// Answers one request: the first finds the workload, a new subscription
    /// (or a change of names) is answered, an ACK or NACK is logged.
    async fn on_message(
        &mut self,
        index: &Index,
        message: Result<DiscoveryRequest, Status>,
    ) -> ControlFlow<()> {
        let stream_id = self.id;
        let request = match message {
            Ok(request) => request,
            Err(status) => {
                eprintln!(
                    "mesh xds serve: stream {stream_id} ({}): {}",
                    self.peer,
                    status.message()
                );
                return ControlFlow::Break(());
            }
        };
        if self.client.is_none() {
            let Some(node) = request.node.as_ref() else {
                let _ = self
                    .sender
                    .send(Err(Status::invalid_argument(
                        "the first request of a stream must carry the node",
                    )))
                    .await;
                return ControlFlow::Break(());
            };
            let labels = metadata_labels(node);
            match Proxy::find(
                index,
                &WorkloadRef::NodeId(node.id.clone()),
                labels.as_ref(),
            ) {
                Ok(proxy) => {
                    eprintln!(
                        "mesh xds serve: stream {stream_id} ({}): node {} is {}/{}",
                        self.peer, node.id, proxy.namespace, proxy.pod_name
                    );
                    self.client = Some(Client {
                        node_id: node.id.clone(),
                        labels,
                        proxy,
                    });
                }
                Err(error) => {
                    eprintln!(
                        "mesh xds serve: stream {stream_id} ({}): {error}",
                        self.peer
                    );
                    let _ = self
                        .sender
                        .send(Err(Status::invalid_argument(error.to_string())))
                        .await;
                    return ControlFlow::Break(());
                }
            }
        }
        let Some(kind) = ResourceType::from_type_url(&request.type_url) else {
            eprintln!(
                "mesh xds serve: stream {stream_id}: type {} is not served",
                request.type_url
            );
            return ControlFlow::Continue(());
        };
        let subscription = self.subscriptions.entry(kind).or_default();
        let mut names = request.resource_names.clone();
        names.sort();
        names.dedup();
        let label = kind.short_name().to_ascii_uppercase();
        if !request.response_nonce.is_empty() {
            if request.response_nonce != subscription.nonce.to_string() {
                // An answer to an older response: a newer one is on its way.
                return ControlFlow::Continue(());
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
                return ControlFlow::Continue(());
            }
        }
        subscription.names = names;
        self.send(index, kind, false).await
    }

    /// After a reload: finds the workload again (its labels may have
    /// changed) and sends each subscribed type whose resources changed.
    async fn on_reload(&mut self, index: &Index) -> ControlFlow<()> {
        let Some(client) = self.client.as_mut() else {
            return ControlFlow::Continue(());
        };
        match Proxy::find(
            index,
            &WorkloadRef::NodeId(client.node_id.clone()),
            client.labels.as_ref(),
        ) {
            Ok(proxy) => client.proxy = proxy,
            Err(error) => eprintln!(
                "mesh xds serve: stream {}: {error}; rendering for the workload as it was",
                self.id
            ),
        }
        for kind in PUSH_ORDER {
            if self.subscriptions.get(&kind).is_some_and(|s| s.nonce > 0) {
                self.send(index, kind, true).await?;
            }
        }
        ControlFlow::Continue(())
    }

    /// Renders the subscribed names of `kind` and sends them with a new
    /// nonce; with `only_if_changed`, only when the version differs.
    async fn send(
        &mut self,
        index: &Index,
        kind: ResourceType,
        only_if_changed: bool,
    ) -> ControlFlow<()> {
        let stream_id = self.id;
        let (Some(client), Some(subscription)) =
            (self.client.as_ref(), self.subscriptions.get_mut(&kind))
        else {
            return ControlFlow::Continue(());
        };
        let label = kind.short_name().to_ascii_uppercase();
        let (resources, notes) =
            match resources_for(index, &client.proxy, kind, &subscription.names) {
                Ok(rendered) => rendered,
                Err(error) => {
                    eprintln!("mesh xds serve: stream {stream_id}: {label}: {error}");
                    (Vec::new(), Vec::new())
                }
            };
        let version = version_of(&resources);
        if only_if_changed && version == subscription.version {
            return ControlFlow::Continue(());
        }
        for note in notes {
            eprintln!("mesh xds serve: stream {stream_id}: note: {note}");
        }
        subscription.nonce += 1;
        subscription.version = version;
        eprintln!(
            "mesh xds serve: stream {stream_id}: {label} {} {} resource(s) for {:?} version {} nonce {}",
            if only_if_changed { "push" } else { "send" },
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
        if self.sender.send(Ok(response)).await.is_err() {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
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
        let id = self.streams.fetch_add(1, Ordering::Relaxed) + 1;
        let mut incoming = request.into_inner();
        let (sender, receiver) = mpsc::channel(16);
        let mut config = self.config.clone();
        // A config published before this stream began is not a change for it.
        config.mark_unchanged();
        let open_streams = Arc::clone(&self.open_streams);
        open_streams.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let mut stream = ClientStream {
                id,
                peer,
                sender,
                client: None,
                subscriptions: HashMap::new(),
            };
            let mut watching = true;
            loop {
                tokio::select! {
                    message = incoming.next() => {
                        let Some(message) = message else { break };
                        let index = Arc::clone(&config.borrow());
                        if stream.on_message(&index, message).await.is_break() {
                            break;
                        }
                    }
                    changed = config.changed(), if watching => {
                        if changed.is_err() {
                            // The watcher is gone: no more pushes, keep answering.
                            watching = false;
                            continue;
                        }
                        let index = Arc::clone(&config.borrow_and_update());
                        if stream.on_reload(&index).await.is_break() {
                            break;
                        }
                    }
                }
            }
            open_streams.fetch_sub(1, Ordering::Relaxed);
            eprintln!(
                "mesh xds serve: stream {} ({}) closed",
                stream.id, stream.peer
            );
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

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\n\
        metadata: {name: echo, namespace: traffic}\nspec:\n  hosts: [echo]\n";
    const BROKEN: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\n\
        metadata: {name: echo, namespace: traffic\nspec:\n  hosts: [echo]\n";

    /// Reads `paths` as `xds serve` does: an index, or the errors.
    fn reload_from(paths: Vec<PathBuf>) -> impl Fn() -> Result<Index, Vec<String>> {
        move || {
            let loaded = crate::load::load_paths(&paths);
            if loaded.has_input_errors() {
                return Err(loaded.errors.iter().map(ToString::to_string).collect());
            }
            let mesh_config = crate::validate::mesh_config_for(&loaded.objects, None);
            Ok(Index::build(loaded.objects, mesh_config))
        }
    }

    #[test]
    fn a_yaml_error_keeps_the_last_good_config_and_is_logged_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vs.yaml");
        std::fs::write(&file, GOOD).unwrap();
        let paths = vec![dir.path().to_path_buf()];
        let mut watcher = Watcher::new(paths.clone(), reload_from(paths.clone()));
        let (published, mut config) = watch::channel(Arc::new(reload_from(paths)().unwrap()));
        let served = Arc::clone(&config.borrow_and_update());
        assert!(watcher.poll().is_none(), "nothing changed yet");

        std::fs::write(&file, BROKEN).unwrap();
        let reload = watcher.poll().expect("the write is seen");
        let lines = publish(reload, &published, 1);
        let shown = file.display().to_string();
        assert_eq!(
            lines[0],
            format!("mesh xds serve: cannot reload after {shown} changed; still serving the last good config"),
        );
        // FILE:LINE:COLUMN: message, as every other input error is shown.
        let error = lines[1]
            .strip_prefix(&format!("mesh xds serve: error: {shown}:"))
            .unwrap_or_else(|| panic!("{lines:?}"));
        let position: Vec<&str> = error.splitn(3, ':').collect();
        assert!(
            position.len() == 3
                && position[0].parse::<u32>().is_ok()
                && position[1].parse::<u32>().is_ok(),
            "{lines:?}"
        );
        assert!(!config.has_changed().unwrap(), "nothing is pushed");
        assert!(
            Arc::ptr_eq(&served, &config.borrow()),
            "the last good config stays"
        );
        assert!(
            watcher.poll().is_none(),
            "the error is logged once, not at every look"
        );

        std::fs::write(&file, GOOD.replace("[echo]", "[echo, other]")).unwrap();
        let lines = publish(watcher.poll().expect("the fix is seen"), &published, 2);
        assert_eq!(
            lines,
            [format!(
                "mesh xds serve: reloaded after {shown} changed; pushing to 2 stream(s)"
            )]
        );
        assert!(config.has_changed().unwrap());
        assert!(!Arc::ptr_eq(&served, &config.borrow_and_update()));
    }

    #[test]
    fn new_and_removed_files_are_changes() {
        let stamp = |name: &str, size| FileStamp {
            name: name.to_string(),
            state: Some((std::time::SystemTime::UNIX_EPOCH, size)),
        };
        let before = [stamp("a.yaml", 1), stamp("b.yaml", 2)];
        let after = [stamp("a.yaml", 1), stamp("b.yaml", 3), stamp("c.yaml", 1)];
        assert_eq!(changed_files(&before, &after), ["b.yaml", "c.yaml"]);
        assert_eq!(changed_files(&after, &before[..1]), ["b.yaml", "c.yaml"]);
        let many: Vec<String> = (0..5).map(|i| format!("{i}.yaml")).collect();
        assert_eq!(describe_files(&many), "0.yaml, 1.yaml, 2.yaml and 2 more");
    }
}
