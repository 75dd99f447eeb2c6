//! `mesh xds serve`: an Aggregated Discovery Service that answers real gRPC
//! xDS clients with what `mesh xds render` shows, in state of the world
//! (`StreamAggregatedResources`) or incremental xDS
//! (`DeltaAggregatedResources`), whichever the client opens.
//!
//! Each stream is one client. Its first request carries the node: the node
//! id and metadata (`LABELS`, `NAMESPACE`) find the workload as istiod would.
//! For every type the client subscribes to, the server renders exactly the
//! names asked for (gRPC always asks by name) and logs the client's ACK or
//! NACK (with its reason) on stderr. State of the world sends every
//! subscribed resource of the type under one version and a nonce;
//! incremental sends only the resources new or changed for the client, each
//! with its own version, and names the ones it is to drop (or that do not
//! exist) as removed.
//!
//! Both protocols share the stream: finding the client, rendering, logging
//! and reloads (`ClientStream`, `Client`); each answers requests its own
//! way (`StateOfTheWorld`, `Incremental`).
//!
//! With `--watch`, the input files are polled; when one changes they are
//! read again and every stream is pushed what changed (state of the world:
//! the types whose resources changed; incremental: the changed and removed
//! resources), as istiod pushes. A reload that fails is logged and the last
//! good config stays served.
//!
//! What a client may ask is capped ([`Limits`], shown in `--help`): the
//! size of a request, the resource names in one request or incremental
//! subscription, the connections open at once and the streams on each; a
//! connection with no open stream is closed after `--idle-timeout`
//! (`connections`). A request over a cap, or for a type not served, ends its
//! stream with an error status and one log line.

use std::collections::{BTreeMap, BTreeSet, HashMap};
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
    DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse, Resource,
};
use envoy_types::pb::google::protobuf::{value, Any, Struct};
use envoy_types::pb::google::rpc::Status as RpcStatus;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::index::Index;
use crate::source::{file_stamps, FileStamp};

use super::connections::{self, Connection, ConnectionLimits, OpenStream};
use super::json::pack;
use super::{Proxy, Renderer, ResourceType, WorkloadRef};

/// What clients may ask of the server (`mesh xds serve --help` shows the
/// defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest request, decoded (`--max-request-bytes`).
    pub max_request_bytes: usize,
    /// Resource names in one request, and in one incremental subscription
    /// of a type (`--max-resource-names`).
    pub max_resource_names: usize,
    /// Connections open at once (`--max-connections`).
    pub max_connections: usize,
    /// How long a connection with no open stream is kept (`--idle-timeout`).
    pub idle_timeout: Duration,
}

impl Limits {
    /// gRPC's own default message cap (4 MiB) holds tens of thousands of
    /// names; a proxyless client asks for a handful per type.
    pub const DEFAULT: Limits = Limits {
        max_request_bytes: 4 * 1024 * 1024,
        max_resource_names: 10_000,
        max_connections: 1_000,
        idle_timeout: Duration::from_secs(300),
    };
}

/// Log lines quote at most this much of a client's text (a NACK message,
/// a node id, a type URL): the rest is counted.
const LOGGED_CHARS: usize = 500;
/// Names listed in a log line; the rest are counted.
const LOGGED_NAMES: usize = 20;
/// Render notes logged per response; the rest are counted.
const LOGGED_NOTES: usize = 10;

type ResponseStream = Pin<Box<dyn Stream<Item = Result<DiscoveryResponse, Status>> + Send>>;
type DeltaStream = Pin<Box<dyn Stream<Item = Result<DeltaDiscoveryResponse, Status>> + Send>>;

/// Serves the index on `listen` until SIGINT or SIGTERM; with a watcher,
/// serves each good reload of the inputs too.
pub fn run(index: Index, listen: &str, watcher: Option<Watcher>, limits: Limits) -> Result<()> {
    let address: SocketAddr = listen.parse().with_context(|| {
        format!("--listen {listen:?}: expected IP:PORT, such as 127.0.0.1:15010")
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(index, address, watcher, limits))
}

async fn serve(
    index: Index,
    address: SocketAddr,
    watcher: Option<Watcher>,
    limits: Limits,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    let bound = listener
        .local_addr()
        .context("cannot read the bound address")?;
    eprintln!("mesh xds serve: listening on {bound} (ADS, state of the world and incremental)");
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
        max_resource_names: limits.max_resource_names,
    };
    let ads = AggregatedDiscoveryServiceServer::new(service)
        .max_decoding_message_size(limits.max_request_bytes);
    let connection_limits = ConnectionLimits {
        max_connections: limits.max_connections,
        idle_timeout: limits.idle_timeout,
    };
    let stop = async {
        shutdown_signal().await;
        eprintln!("mesh xds serve: stopping");
    };
    // Clients keep their streams open: after the stop they get a moment to
    // see the server go away, then it stops regardless.
    connections::serve(
        listener,
        ads,
        connection_limits,
        stop,
        Duration::from_secs(2),
    )
    .await;
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
    /// `--max-resource-names`.
    max_resource_names: usize,
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

/// One rendered resource, under the name clients ask for it by.
#[derive(Debug, Clone, PartialEq)]
struct NamedAny {
    name: String,
    any: Any,
}

/// What a render gave: the resources, and why asked-for names gave none.
#[derive(Debug, Default)]
struct Rendering {
    resources: Vec<NamedAny>,
    notes: Vec<String>,
}

/// Renders the named resources of one type. Every renderer answers by
/// name, so no names (a wildcard) renders nothing.
fn resources_for(
    index: &Index,
    proxy: &Proxy,
    kind: ResourceType,
    names: &[String],
) -> Result<Rendering, super::XdsError> {
    fn named<M: prost::Message + prost::Name>(name: &str, message: &M) -> NamedAny {
        NamedAny {
            name: name.to_string(),
            any: pack(message),
        }
    }
    let renderer = Renderer::new(index, proxy);
    let mut notes = Vec::new();
    let resources = match kind {
        ResourceType::Listener => renderer
            .listeners(names, &mut notes)?
            .iter()
            .map(|listener| named(&listener.name, listener))
            .collect(),
        ResourceType::Route => renderer
            .routes(names, &mut notes)?
            .iter()
            .map(|route| named(&route.name, route))
            .collect(),
        ResourceType::Cluster => renderer
            .clusters(names, &mut notes)
            .iter()
            .map(|cluster| named(&cluster.name, cluster))
            .collect(),
        ResourceType::Endpoint => renderer
            .endpoints(names, &mut notes)
            .iter()
            .map(|endpoints| named(&endpoints.cluster_name, endpoints))
            .collect(),
    };
    Ok(Rendering { resources, notes })
}

/// A version that changes exactly when the content does: of a type's
/// whole response (state of the world) or of one resource (incremental).
fn version_of<'a>(resources: impl IntoIterator<Item = &'a Any>) -> String {
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

/// `CDS` for the cluster type, as the log shows types.
fn label(kind: ResourceType) -> String {
    kind.short_name().to_ascii_uppercase()
}

/// The order istiod pushes in: clusters and endpoints before the
/// listeners and routes that name them.
const PUSH_ORDER: [ResourceType; 4] = [
    ResourceType::Cluster,
    ResourceType::Endpoint,
    ResourceType::Listener,
    ResourceType::Route,
];

/// The node of a stream and the workload it was found to be, with what
/// both protocols do for it: render its names and log what it says.
struct Client {
    stream_id: u64,
    node_id: String,
    labels: Option<BTreeMap<String, String>>,
    proxy: Proxy,
}

impl Client {
    /// Finds the workload of the node a stream's first request carries,
    /// as istiod would; the error ends the stream.
    fn identify(
        stream_id: u64,
        peer: &str,
        index: &Index,
        node: Option<&Node>,
    ) -> Result<Client, Status> {
        let Some(node) = node else {
            return Err(Status::invalid_argument(
                "the first request of a stream must carry the node",
            ));
        };
        let labels = metadata_labels(node);
        match Proxy::find(
            index,
            &WorkloadRef::NodeId(node.id.clone()),
            labels.as_ref(),
        ) {
            Ok(proxy) => {
                eprintln!(
                    "mesh xds serve: stream {stream_id} ({peer}): node {} is {}/{}",
                    one_line(&clipped(&node.id)),
                    proxy.namespace,
                    proxy.pod_name
                );
                Ok(Client {
                    stream_id,
                    node_id: node.id.clone(),
                    labels,
                    proxy,
                })
            }
            Err(error) => {
                eprintln!(
                    "mesh xds serve: stream {stream_id} ({peer}): {}",
                    one_line(&clipped(&error.to_string()))
                );
                Err(Status::invalid_argument(error.to_string()))
            }
        }
    }

    /// After a reload: finds the workload again (its labels may have changed).
    fn find_again(&mut self, index: &Index) {
        match Proxy::find(
            index,
            &WorkloadRef::NodeId(self.node_id.clone()),
            self.labels.as_ref(),
        ) {
            Ok(proxy) => self.proxy = proxy,
            Err(error) => self.log(format_args!(
                "{error}; rendering for the workload as it was"
            )),
        }
    }

    fn log(&self, message: impl std::fmt::Display) {
        eprintln!(
            "mesh xds serve: stream {}: {}",
            self.stream_id,
            one_line(&message.to_string())
        );
    }

    /// Logs the client's answer to a `response` of ours: an ACK with the
    /// names it holds, or a NACK with its reason.
    fn log_answer(
        &self,
        kind: ResourceType,
        response: &str,
        error: Option<&RpcStatus>,
        names: &[&String],
    ) {
        let label = label(kind);
        match error {
            Some(error) => self.log(format_args!(
                "{label} NACK {response}: {}",
                clipped(&error.message)
            )),
            None => self.log(format_args!("{label} ACK {response} {}", listed(names))),
        }
    }

    /// Renders `names` of `kind`; a render error is logged and renders nothing.
    fn render(&self, index: &Index, kind: ResourceType, names: &[String]) -> Rendering {
        resources_for(index, &self.proxy, kind, names).unwrap_or_else(|error| {
            self.log(format_args!("{}: {error}", label(kind)));
            Rendering::default()
        })
    }

    /// The first notes of a render; a request naming many missing
    /// resources must not write a line for each.
    fn log_notes(&self, notes: &[String]) {
        for note in notes.iter().take(LOGGED_NOTES) {
            self.log(format_args!("note: {note}"));
        }
        if notes.len() > LOGGED_NOTES {
            self.log(format_args!(
                "note: {} more note(s) not shown",
                notes.len() - LOGGED_NOTES
            ));
        }
    }
}

/// `["a", "b"]`, or the first [`LOGGED_NAMES`] names and a count of the
/// rest: a request may name thousands.
fn listed<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(LOGGED_NAMES)
        .map(|name| clipped(name.as_ref()))
        .collect();
    match names.len().saturating_sub(LOGGED_NAMES) {
        0 => format!("{shown:?}"),
        more => format!("{shown:?} and {more} more"),
    }
}

/// A client's text (a NACK message, a node id, a name) cut after
/// [`LOGGED_CHARS`], so that a client cannot make a log line megabytes long.
fn clipped(text: &str) -> String {
    match text.char_indices().nth(LOGGED_CHARS) {
        None => text.to_string(),
        Some((end, _)) => format!(
            "{}... ({} more characters)",
            &text[..end],
            text[end..].chars().count()
        ),
    }
}

/// `text` on one line: a client's NACK message or node id may hold line
/// breaks and control characters, which would let it forge log lines; they
/// are written escaped (`\n`).
fn one_line(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// One ADS protocol's side of a stream: how it answers an identified
/// client's request, and what it pushes after a reload.
trait Protocol: Default + Send + Sync + 'static {
    type Request: Send + 'static;
    type Response: Send + 'static;

    fn node(request: &Self::Request) -> Option<&Node>;
    fn type_url(request: &Self::Request) -> &str;
    /// The resource names a request carries, for `--max-resource-names`.
    fn names_in(request: &Self::Request) -> usize;
    /// The response to a request about `kind`, if it calls for one; an
    /// error ends the stream (a subscription over `max_names`).
    fn answer(
        &mut self,
        client: &Client,
        index: &Index,
        kind: ResourceType,
        request: Self::Request,
        max_names: usize,
    ) -> Result<Option<Self::Response>, Status>;
    /// After a reload, the response that brings `kind` up to date, if it changed.
    fn push(
        &mut self,
        client: &Client,
        index: &Index,
        kind: ResourceType,
    ) -> Option<Self::Response>;
}

/// One client's stream, in either protocol: who it is and how it is answered.
struct ClientStream<P: Protocol> {
    id: u64,
    peer: String,
    sender: mpsc::Sender<Result<P::Response, Status>>,
    /// Known from the stream's first request.
    client: Option<Client>,
    protocol: P,
    /// `--max-resource-names`.
    max_names: usize,
}

impl<P: Protocol> ClientStream<P> {
    /// Answers one request; the first finds the workload. A request over
    /// a cap or for a type not served ends the stream with an error.
    async fn on_message(
        &mut self,
        index: &Index,
        message: Result<P::Request, Status>,
    ) -> ControlFlow<()> {
        let request = match message {
            Ok(request) => request,
            // tonic says OUT_OF_RANGE for a request over --max-request-bytes
            // (its only use of the code when decoding); gRPC itself says
            // RESOURCE_EXHAUSTED, which clients know.
            Err(status) if status.code() == tonic::Code::OutOfRange => {
                return self
                    .end(Status::resource_exhausted(format!(
                        "{} (mesh xds serve --max-request-bytes)",
                        status.message()
                    )))
                    .await
            }
            // Undecodable, or the client's own reset: it is told, if it still listens.
            Err(status) => return self.end(status).await,
        };
        let names = P::names_in(&request);
        if names > self.max_names {
            return self
                .end(Status::resource_exhausted(format!(
                    "a request naming {names} resources is over the limit of {} \
                     (mesh xds serve --max-resource-names)",
                    self.max_names
                )))
                .await;
        }
        let type_url = P::type_url(&request);
        let Some(kind) = ResourceType::from_type_url(type_url) else {
            return self.end(not_served(type_url)).await;
        };
        let client = match self.client.take() {
            Some(client) => client,
            None => match Client::identify(self.id, &self.peer, index, P::node(&request)) {
                Ok(client) => client,
                Err(status) => {
                    let _ = self.sender.send(Err(status)).await;
                    return ControlFlow::Break(());
                }
            },
        };
        let client = self.client.insert(client);
        match self
            .protocol
            .answer(client, index, kind, request, self.max_names)
        {
            Ok(response) => self.send(response).await,
            Err(status) => self.end(status).await,
        }
    }

    /// Ends the stream with `status`, logged on one line.
    async fn end(&self, status: Status) -> ControlFlow<()> {
        eprintln!(
            "mesh xds serve: stream {} ({}): {:?}: {}",
            self.id,
            self.peer,
            status.code(),
            one_line(&clipped(status.message()))
        );
        let _ = self.sender.send(Err(status)).await;
        ControlFlow::Break(())
    }

    /// After a reload: finds the workload again and pushes each subscribed
    /// type whose resources changed.
    async fn on_reload(&mut self, index: &Index) -> ControlFlow<()> {
        let Some(client) = self.client.as_mut() else {
            return ControlFlow::Continue(());
        };
        client.find_again(index);
        let client = &*client;
        let pushes: Vec<P::Response> = PUSH_ORDER
            .into_iter()
            .filter_map(|kind| self.protocol.push(client, index, kind))
            .collect();
        self.send(pushes).await
    }

    async fn send(&self, responses: impl IntoIterator<Item = P::Response>) -> ControlFlow<()> {
        for response in responses {
            if self.sender.send(Ok(response)).await.is_err() {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

/// The status that ends a stream asking for a type this server does not
/// serve. The xDS protocol leaves this open (istiod ignores such a request);
/// an error tells the client at once instead of leaving it waiting.
fn not_served(type_url: &str) -> Status {
    if type_url.is_empty() {
        return Status::invalid_argument("a request must name its type_url");
    }
    let served: Vec<&str> = PUSH_ORDER.iter().map(|kind| kind.type_url()).collect();
    Status::unimplemented(format!(
        "type {} is not served; mesh xds serve serves {}",
        clipped(type_url),
        served.join(", ")
    ))
}

/// What a state-of-the-world stream has been sent of one type.
#[derive(Default)]
struct Subscription {
    names: Vec<String>,
    nonce: u64,
    version: String,
}

/// State of the world: each response carries every subscribed resource of
/// its type, under one version for them all.
#[derive(Default)]
struct StateOfTheWorld {
    subscriptions: HashMap<ResourceType, Subscription>,
}

impl Protocol for StateOfTheWorld {
    type Request = DiscoveryRequest;
    type Response = DiscoveryResponse;

    fn node(request: &DiscoveryRequest) -> Option<&Node> {
        request.node.as_ref()
    }

    fn type_url(request: &DiscoveryRequest) -> &str {
        &request.type_url
    }

    fn names_in(request: &DiscoveryRequest) -> usize {
        request.resource_names.len()
    }

    /// A new subscription or a change of names is answered; an ACK or NACK
    /// is logged. Each request names the whole subscription, so the cap
    /// per request is the cap per subscription.
    fn answer(
        &mut self,
        client: &Client,
        index: &Index,
        kind: ResourceType,
        request: DiscoveryRequest,
        _max_names: usize,
    ) -> Result<Option<DiscoveryResponse>, Status> {
        Ok(self.answer_request(client, index, kind, request))
    }

    fn push(
        &mut self,
        client: &Client,
        index: &Index,
        kind: ResourceType,
    ) -> Option<DiscoveryResponse> {
        let subscription = self.subscriptions.get_mut(&kind).filter(|s| s.nonce > 0)?;
        Self::respond(client, index, kind, subscription, true)
    }
}

impl StateOfTheWorld {
    fn answer_request(
        &mut self,
        client: &Client,
        index: &Index,
        kind: ResourceType,
        request: DiscoveryRequest,
    ) -> Option<DiscoveryResponse> {
        let subscription = self.subscriptions.entry(kind).or_default();
        let mut names = request.resource_names;
        names.sort();
        names.dedup();
        if !request.response_nonce.is_empty() {
            if request.response_nonce != subscription.nonce.to_string() {
                // An answer to an older response: a newer one is on its way.
                return None;
            }
            let response = match &request.error_detail {
                Some(_) => format!(
                    "version {} nonce {}",
                    subscription.version, request.response_nonce
                ),
                None => format!("version {}", request.version_info),
            };
            let listed_names: Vec<&String> = names.iter().collect();
            client.log_answer(
                kind,
                &response,
                request.error_detail.as_ref(),
                &listed_names,
            );
            if names == subscription.names {
                return None;
            }
        }
        subscription.names = names;
        Self::respond(client, index, kind, subscription, false)
    }

    /// Renders the subscribed names of `kind` into a response with a new
    /// nonce; a push only when the version differs.
    fn respond(
        client: &Client,
        index: &Index,
        kind: ResourceType,
        subscription: &mut Subscription,
        push: bool,
    ) -> Option<DiscoveryResponse> {
        let rendering = client.render(index, kind, &subscription.names);
        let resources: Vec<Any> = rendering.resources.into_iter().map(|r| r.any).collect();
        let version = version_of(&resources);
        if push && version == subscription.version {
            return None;
        }
        client.log_notes(&rendering.notes);
        subscription.nonce += 1;
        subscription.version = version;
        client.log(format_args!(
            "{} {} {} resource(s) for {} version {} nonce {}",
            label(kind),
            if push { "push" } else { "send" },
            resources.len(),
            listed(&subscription.names),
            subscription.version,
            subscription.nonce
        ));
        Some(DiscoveryResponse {
            version_info: subscription.version.clone(),
            resources,
            type_url: kind.type_url().to_string(),
            nonce: subscription.nonce.to_string(),
            ..Default::default()
        })
    }
}

/// The name that subscribes to every resource of a type (incremental xDS).
const WILDCARD: &str = "*";

/// What an incremental stream's client has of one type.
#[derive(Debug, Default)]
struct DeltaSubscription {
    /// The names subscribed to; [`WILDCARD`] for all.
    names: BTreeSet<String>,
    /// Every name the client was told of: the version it holds, or `None`
    /// when it was told the resource does not exist.
    held: BTreeMap<String, Option<String>>,
    /// The nonce of the last response of this type; an answer to it is an
    /// ACK or a NACK.
    nonce: String,
}

/// What an incremental response carries: resources new or changed for the
/// client, and names it is to drop.
#[derive(Debug, Default, PartialEq)]
struct Delta {
    resources: Vec<Resource>,
    removed: Vec<String>,
}

impl Delta {
    fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.removed.is_empty()
    }
}

impl DeltaSubscription {
    /// Adds names. Each is sent again even if the client had it (it may have
    /// dropped it since), unless it is its first request of the type, whose
    /// `initial_resource_versions` say what it still holds.
    fn subscribe(&mut self, names: Vec<String>, first_request: bool) {
        for name in names {
            if !first_request {
                self.held.remove(&name);
            }
            self.names.insert(name);
        }
    }

    fn unsubscribe(&mut self, names: &[String]) {
        for name in names {
            self.names.remove(name);
            self.held.remove(name);
        }
    }

    /// The names to render: the wildcard adds none, since every renderer
    /// answers by name.
    fn rendered_names(&self) -> Vec<String> {
        self.names
            .iter()
            .filter(|name| *name != WILDCARD)
            .cloned()
            .collect()
    }

    /// What to send after a render of the subscribed names: each resource
    /// whose version the client does not hold, and as removed each name it
    /// holds that is gone or was asked for and does not exist (once).
    /// Records what the client then holds.
    fn update(&mut self, rendered: Vec<NamedAny>) -> Delta {
        let present: BTreeSet<String> = rendered.iter().map(|r| r.name.clone()).collect();
        let removed: Vec<String> = self
            .held
            .iter()
            .filter(|(name, version)| version.is_some() && !present.contains(*name))
            .map(|(name, _)| name)
            .chain(self.names.iter().filter(|name| {
                *name != WILDCARD
                    && !present.contains(*name)
                    && !matches!(self.held.get(*name), Some(None))
            }))
            .cloned()
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        for name in &removed {
            self.held.insert(name.clone(), None);
        }
        let mut resources = Vec::new();
        for NamedAny { name, any } in rendered {
            let version = version_of([&any]);
            if self.held.get(&name).and_then(Option::as_ref) == Some(&version) {
                continue;
            }
            self.held.insert(name.clone(), Some(version.clone()));
            resources.push(Resource {
                name,
                version,
                resource: Some(any),
                ..Default::default()
            });
        }
        Delta { resources, removed }
    }
}

/// Incremental (delta) xDS: each response carries only the resources new
/// or changed for the client, each with its own version, and the names it
/// is to drop.
#[derive(Default)]
struct Incremental {
    subscriptions: HashMap<ResourceType, DeltaSubscription>,
    /// Responses sent so far: nonces are unique on the stream.
    responses: u64,
}

impl Protocol for Incremental {
    type Request = DeltaDiscoveryRequest;
    type Response = DeltaDiscoveryResponse;

    fn node(request: &DeltaDiscoveryRequest) -> Option<&Node> {
        request.node.as_ref()
    }

    fn type_url(request: &DeltaDiscoveryRequest) -> &str {
        &request.type_url
    }

    fn names_in(request: &DeltaDiscoveryRequest) -> usize {
        request.resource_names_subscribe.len()
            + request.resource_names_unsubscribe.len()
            + request.initial_resource_versions.len()
    }

    /// Applies the (un)subscriptions, logs an ACK or NACK and, when the
    /// names changed, answers with what is new or changed for the client.
    /// Requests add up: a subscription over `max_names` ends the stream.
    fn answer(
        &mut self,
        client: &Client,
        index: &Index,
        kind: ResourceType,
        request: DeltaDiscoveryRequest,
        max_names: usize,
    ) -> Result<Option<DeltaDiscoveryResponse>, Status> {
        let first_request = !self.subscriptions.contains_key(&kind);
        let subscription = self.subscriptions.entry(kind).or_default();
        let interest_changed = first_request
            || !request.resource_names_subscribe.is_empty()
            || !request.resource_names_unsubscribe.is_empty();
        if first_request {
            subscription.held = request
                .initial_resource_versions
                .into_iter()
                .map(|(name, version)| (name, Some(version)))
                .collect();
            // Envoy's legacy wildcard: a first request for listeners or
            // clusters that names nothing asks for all of them.
            if request.resource_names_subscribe.is_empty()
                && matches!(kind, ResourceType::Listener | ResourceType::Cluster)
            {
                subscription.names.insert(WILDCARD.to_string());
            }
        }
        subscription.subscribe(request.resource_names_subscribe, first_request);
        subscription.unsubscribe(&request.resource_names_unsubscribe);
        if subscription.names.len() > max_names {
            return Err(Status::resource_exhausted(format!(
                "the {} subscription would hold {} resource names, over the limit of {max_names} \
                 (mesh xds serve --max-resource-names)",
                label(kind),
                subscription.names.len()
            )));
        }
        // An answer to an older response is not logged: a newer one is on its way.
        if !request.response_nonce.is_empty() && request.response_nonce == subscription.nonce {
            client.log_answer(
                kind,
                &format!("nonce {}", request.response_nonce),
                request.error_detail.as_ref(),
                &subscription.names.iter().collect::<Vec<_>>(),
            );
        }
        if !interest_changed {
            return Ok(None);
        }
        // A wildcard client waits for a first answer even when there is nothing.
        let even_if_empty = first_request && subscription.names.contains(WILDCARD);
        Ok(self.respond(client, index, kind, even_if_empty, false))
    }

    fn push(
        &mut self,
        client: &Client,
        index: &Index,
        kind: ResourceType,
    ) -> Option<DeltaDiscoveryResponse> {
        self.respond(client, index, kind, false, true)
    }
}

impl Incremental {
    /// Renders the subscribed names of `kind` and, when something changed
    /// for the client (or `even_if_empty`), a response with a new nonce.
    fn respond(
        &mut self,
        client: &Client,
        index: &Index,
        kind: ResourceType,
        even_if_empty: bool,
        push: bool,
    ) -> Option<DeltaDiscoveryResponse> {
        let subscription = self.subscriptions.get_mut(&kind)?;
        let rendering = client.render(index, kind, &subscription.rendered_names());
        let delta = subscription.update(rendering.resources);
        if delta.is_empty() && !even_if_empty {
            return None;
        }
        client.log_notes(&rendering.notes);
        self.responses += 1;
        subscription.nonce = self.responses.to_string();
        let sent: Vec<&str> = delta.resources.iter().map(|r| r.name.as_str()).collect();
        client.log(format_args!(
            "{} {} {} resource(s) {} removed {} nonce {}",
            label(kind),
            if push { "push" } else { "send" },
            sent.len(),
            listed(&sent),
            listed(&delta.removed),
            subscription.nonce
        ));
        Some(DeltaDiscoveryResponse {
            type_url: kind.type_url().to_string(),
            resources: delta.resources,
            removed_resources: delta.removed,
            nonce: subscription.nonce.clone(),
            ..Default::default()
        })
    }
}

impl AdsService {
    /// Serves one stream in protocol `P`: answers its requests and, with
    /// `--watch`, pushes each reload, until the client goes.
    fn open<P: Protocol>(
        &self,
        request: Request<Streaming<P::Request>>,
    ) -> ReceiverStream<Result<P::Response, Status>> {
        let connection = request.extensions().get::<Arc<Connection>>();
        let peer = connection.map_or_else(|| "unknown peer".to_string(), |c| c.peer.to_string());
        // Held until the stream ends: an open stream keeps its connection
        // from the idle timeout.
        let open_stream: Option<OpenStream> = connection.map(Connection::open_stream);
        let id = self.streams.fetch_add(1, Ordering::Relaxed) + 1;
        let mut incoming = request.into_inner();
        let (sender, receiver) = mpsc::channel(16);
        let mut config = self.config.clone();
        // A config published before this stream began is not a change for it.
        config.mark_unchanged();
        let open_streams = Arc::clone(&self.open_streams);
        open_streams.fetch_add(1, Ordering::Relaxed);
        let max_names = self.max_resource_names;
        tokio::spawn(async move {
            let mut stream = ClientStream {
                id,
                peer,
                sender,
                client: None,
                protocol: P::default(),
                max_names,
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
            drop(open_stream);
        });
        ReceiverStream::new(receiver)
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
        Ok(Response::new(Box::pin(
            self.open::<StateOfTheWorld>(request),
        )))
    }

    async fn delta_aggregated_resources(
        &self,
        request: Request<Streaming<DeltaDiscoveryRequest>>,
    ) -> Result<Response<DeltaStream>, Status> {
        Ok(Response::new(Box::pin(self.open::<Incremental>(request))))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_lines_cannot_be_forged() {
        assert_eq!(
            super::one_line("bad\nmesh xds serve: stream 9: LDS ACK\r\x1b[2J"),
            "bad\\nmesh xds serve: stream 9: LDS ACK\\r\\u{1b}[2J"
        );
        assert_eq!(super::one_line("plain, ünïcode"), "plain, ünïcode");
    }

    #[test]
    fn long_client_text_and_long_name_lists_are_cut_in_the_log() {
        use super::{clipped, listed, LOGGED_CHARS, LOGGED_NAMES};
        let long = "ü".repeat(LOGGED_CHARS + 7);
        assert_eq!(
            clipped(&long),
            format!("{}... (7 more characters)", "ü".repeat(LOGGED_CHARS))
        );
        assert_eq!(clipped("short"), "short");
        let names: Vec<String> = (0..LOGGED_NAMES + 3).map(|i| i.to_string()).collect();
        assert!(
            listed(&names).ends_with("\"19\"] and 3 more"),
            "{}",
            listed(&names)
        );
        assert_eq!(listed(&["a", "b"]), "[\"a\", \"b\"]");
    }

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

    /// A cluster as the renderer would give it; `stat` stands for any change.
    fn cluster(name: &str, stat: &str) -> NamedAny {
        let cluster = envoy_types::pb::envoy::config::cluster::v3::Cluster {
            name: name.to_string(),
            alt_stat_name: stat.to_string(),
            ..Default::default()
        };
        NamedAny {
            name: name.to_string(),
            any: pack(&cluster),
        }
    }

    fn subscribed(names: &[&str]) -> DeltaSubscription {
        let mut subscription = DeltaSubscription::default();
        subscription.subscribe(names.iter().map(ToString::to_string).collect(), true);
        subscription
    }

    /// (name, version) of each resource of a delta.
    fn sent(delta: &Delta) -> Vec<(&str, &str)> {
        delta
            .resources
            .iter()
            .map(|r| (r.name.as_str(), r.version.as_str()))
            .collect()
    }

    #[test]
    fn each_resource_has_its_own_version_of_its_content() {
        let (a, b) = (cluster("a", "1"), cluster("b", "1"));
        assert_eq!(version_of([&a.any]), version_of([&cluster("a", "1").any]));
        assert_ne!(version_of([&a.any]), version_of([&cluster("a", "2").any]));
        assert_ne!(version_of([&a.any]), version_of([&b.any]));
        assert_ne!(version_of([&a.any]), version_of([&a.any, &b.any]));
    }

    #[test]
    fn incremental_sends_what_is_new_or_changed_and_removes_what_is_gone() {
        let mut subscription = subscribed(&["a", "b", "missing"]);
        let (a1, a2, b1) = (cluster("a", "1"), cluster("a", "2"), cluster("b", "1"));
        let (va1, va2, vb1) = (
            version_of([&a1.any]),
            version_of([&a2.any]),
            version_of([&b1.any]),
        );

        let delta = subscription.update(vec![a1.clone(), b1.clone()]);
        assert_eq!(sent(&delta), [("a", va1.as_str()), ("b", vb1.as_str())]);
        assert_eq!(delta.resources[0].resource.as_ref(), Some(&a1.any));
        assert_eq!(delta.removed, ["missing"], "does not exist, said once");

        let delta = subscription.update(vec![a1.clone(), b1.clone()]);
        assert!(delta.is_empty(), "nothing changed: {delta:?}");

        let delta = subscription.update(vec![a2.clone(), b1.clone()]);
        assert_eq!(sent(&delta), [("a", va2.as_str())]);
        assert!(delta.removed.is_empty());

        let delta = subscription.update(vec![a2.clone()]);
        assert!(delta.resources.is_empty());
        assert_eq!(delta.removed, ["b"]);

        let delta = subscription.update(vec![a2, b1]);
        assert_eq!(sent(&delta), [("b", vb1.as_str())], "back again");
    }

    #[test]
    fn what_a_reconnecting_client_holds_is_not_sent_again() {
        let (a, b) = (cluster("a", "1"), cluster("b", "1"));
        // initial_resource_versions of the first request of the type.
        let mut subscription = DeltaSubscription {
            held: [
                ("a", version_of([&a.any])),
                ("b", "stale".to_string()),
                ("gone", "old".to_string()),
            ]
            .into_iter()
            .map(|(name, version)| (name.to_string(), Some(version)))
            .collect(),
            ..Default::default()
        };
        let names = ["a", "b", "c", "gone"].map(String::from).to_vec();
        subscription.subscribe(names, true);
        let c = cluster("c", "1");
        let delta = subscription.update(vec![a, b.clone(), c.clone()]);
        assert_eq!(
            sent(&delta),
            [
                ("b", version_of([&b.any]).as_str()),
                ("c", version_of([&c.any]).as_str())
            ]
        );
        assert_eq!(delta.removed, ["gone"]);
    }

    #[test]
    fn a_name_subscribed_again_is_sent_again_and_unsubscribed_is_forgotten() {
        let a = cluster("a", "1");
        let mut subscription = subscribed(&["a", "missing"]);
        assert_eq!(subscription.update(vec![a.clone()]).removed, ["missing"]);
        // The client may have dropped them since: it is told again.
        subscription.subscribe(vec!["a".into(), "missing".into()], false);
        let delta = subscription.update(vec![a.clone()]);
        assert_eq!(sent(&delta).len(), 1);
        assert_eq!(delta.removed, ["missing"]);

        subscription.unsubscribe(&["a".to_string(), "missing".to_string()]);
        assert!(subscription.names.is_empty() && subscription.held.is_empty());
        assert!(subscription.update(Vec::new()).is_empty());
    }

    #[test]
    fn the_wildcard_renders_no_names_of_its_own() {
        let subscription = subscribed(&[WILDCARD, "b", "a"]);
        assert_eq!(subscription.rendered_names(), ["a", "b"]);
        let mut wildcard = subscribed(&[WILDCARD]);
        assert!(wildcard.rendered_names().is_empty());
        assert!(wildcard.update(Vec::new()).is_empty());
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
