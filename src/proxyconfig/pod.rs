//! `POD[.NS]` targets of `mesh proxy-config` (also `pod/NAME[.NS]` and
//! `deployment/NAME[.NS]`, as istioctl spells them): the pod is looked up
//! through the Kubernetes API and reached through a port-forward, as
//! `kubectl port-forward` does. The forward listens on 127.0.0.1 and opens
//! one API port-forward per connection, so the CSDS and Envoy admin clients
//! dial it as they dial any `--addr`.

use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kube::core::Selector;

use crate::source::kube::{connect, ClusterOptions};

/// Envoy's admin port in an Istio sidecar (istioctl's `--proxy-admin-port`).
pub const ENVOY_ADMIN_PORT: u16 = 15000;
/// Container port names taken as a proxyless app's gRPC admin (CSDS) port,
/// in this order: gRFC A38 leaves the port to the app.
pub const ADMIN_PORT_NAMES: [&str; 3] = ["grpc-admin", "admin", "csds"];
/// The container Istio injects for an Envoy sidecar (and the grpc-agent).
const SIDECAR_CONTAINER: &str = "istio-proxy";

/// What the user named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodTarget {
    pub kind: TargetKind,
    pub name: String,
    /// `NAME.NS`; otherwise `-n`, then the kubeconfig context's namespace.
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Pod,
    /// One running pod of the Deployment, the first by name.
    Deployment,
}

impl PodTarget {
    pub fn parse(text: &str) -> Result<PodTarget, String> {
        let bad = || {
            format!("bad target {text:?}: expected POD[.NS], pod/NAME[.NS] or deployment/NAME[.NS]")
        };
        let (kind, rest) = match text.split_once('/') {
            None => (TargetKind::Pod, text),
            Some((kind, rest)) => match kind.to_ascii_lowercase().as_str() {
                "pod" | "pods" | "po" => (TargetKind::Pod, rest),
                "deployment" | "deployments" | "deploy" => (TargetKind::Deployment, rest),
                _ => return Err(bad()),
            },
        };
        // As istioctl: the namespace follows the last dot.
        let (name, namespace) = match rest.rsplit_once('.') {
            Some((name, namespace)) if !name.is_empty() && !namespace.is_empty() => {
                (name, Some(namespace.to_string()))
            }
            _ => (rest, None),
        };
        if name.is_empty() || name.contains('/') || name.contains(char::is_whitespace) {
            return Err(bad());
        }
        Ok(PodTarget {
            kind,
            name: name.to_string(),
            namespace,
        })
    }
}

/// How to reach the pod.
#[derive(Debug, Clone, Default)]
pub struct ForwardOptions {
    pub cluster: ClusterOptions,
    /// `-n`: the namespace when the target names none.
    pub namespace: Option<String>,
    /// `--admin-port`: the port in the pod.
    pub admin_port: Option<u16>,
}

/// A running port-forward to a pod's admin port.
#[derive(Debug)]
pub struct Forward {
    /// `127.0.0.1:PORT`, the local end.
    pub local: String,
    /// `pod NS/NAME port P`, for messages.
    pub remote: String,
    /// The pod runs an Istio sidecar and no `--admin-port` was given: the
    /// port is Envoy's admin API.
    pub envoy_admin: bool,
    /// The last failure the API server or the pod reported on a forward.
    failure: Arc<Mutex<Option<String>>>,
    /// Dropped with the forward: its thread stops listening and ends.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Forward {
    /// `message` about the local end, told about the pod instead, with what
    /// the port-forward itself reported (the pod refused the port, ...).
    pub fn explain(&self, message: &str) -> String {
        let mut text = message.replace(&self.local, &self.remote);
        let failure = self.failure.lock().map(|f| f.clone()).unwrap_or_default();
        if let Some(failure) = failure {
            text.push_str(&format!(" (port-forward: {failure})"));
        }
        text
    }
}

/// Finds the pod and starts forwarding, within `timeout`. The forward runs
/// on its own thread until it is dropped.
pub fn open(
    target: &PodTarget,
    options: &ForwardOptions,
    timeout: Duration,
) -> Result<Forward, String> {
    start(Lookup::Target(target.clone()), options, timeout)
}

/// Starts forwarding to a pod already listed ([`list`]), within `timeout`.
pub fn open_listed(
    pod: &Pod,
    options: &ForwardOptions,
    timeout: Duration,
) -> Result<Forward, String> {
    start(Lookup::Listed(Box::new(pod.clone())), options, timeout)
}

/// How the pod is found: by name through the API, or as listed.
enum Lookup {
    Target(PodTarget),
    Listed(Box<Pod>),
}

fn start(lookup: Lookup, options: &ForwardOptions, timeout: Duration) -> Result<Forward, String> {
    let (ready, answer) = mpsc::channel();
    let options = options.clone();
    std::thread::Builder::new()
        .name("port-forward".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready.send(Err(format!("cannot start the network runtime: {error}")));
                    return;
                }
            };
            runtime.block_on(serve(lookup, options, timeout, ready));
        })
        .map_err(|e| format!("cannot start the port-forward: {e}"))?;
    // The thread answers within `timeout`; the margin covers its start.
    answer
        .recv_timeout(timeout + Duration::from_secs(1))
        .unwrap_or_else(|_| Err(api_timeout(timeout)))
}

/// Pods per list page, as kubectl asks.
const PAGE_SIZE: u32 = 500;
/// A pod list that keeps returning `continue` tokens ends here.
const MAX_PAGES: usize = 1_000;

/// The pods of `namespace` (of every namespace without one), sorted by
/// namespace and name, within `timeout`.
pub fn list(
    cluster: &ClusterOptions,
    namespace: Option<&str>,
    timeout: Duration,
) -> Result<Vec<Pod>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    runtime.block_on(async {
        tokio::time::timeout(timeout, list_pages(cluster, namespace))
            .await
            .unwrap_or_else(|_| Err(api_timeout(timeout)))
    })
}

async fn list_pages(cluster: &ClusterOptions, namespace: Option<&str>) -> Result<Vec<Pod>, String> {
    let (client, server, _) = connect(cluster).await.map_err(|e| format!("{e:#}"))?;
    let (pods, what): (Api<Pod>, String) = match namespace {
        Some(namespace) => (
            Api::namespaced(client, namespace),
            format!("the pods in {namespace}"),
        ),
        None => (Api::all(client), "the pods".into()),
    };
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut params = ListParams::default().limit(PAGE_SIZE);
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let page = pods
            .list(&params)
            .await
            .map_err(|e| api_error(&e, &what, &server))?;
        found.extend(page.items);
        token = page.metadata.continue_.filter(|t| !t.is_empty());
        if token.is_none() {
            found.sort_by(|a, b| {
                (&a.metadata.namespace, &a.metadata.name)
                    .cmp(&(&b.metadata.namespace, &b.metadata.name))
            });
            return Ok(found);
        }
    }
    Err(format!(
        "cannot list {what}: more than {} pods",
        MAX_PAGES * PAGE_SIZE as usize
    ))
}

/// What serves a pod's xDS config, as a forward would reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeshRole {
    /// A proxyless gRPC app (its admin server serves CSDS).
    Proxyless,
    /// An Envoy sidecar (its admin API serves `/config_dump`).
    Sidecar,
}

/// Whether the pod is in the mesh, and how: proxyless first, since the
/// grpc-agent template adds an `istio-proxy` container that runs no Envoy.
pub fn mesh_role(pod: &Pod) -> Option<MeshRole> {
    let spec = pod.spec.as_ref()?;
    let annotations = pod.metadata.annotations.clone().unwrap_or_default();
    if crate::model::pod::is_proxyless(&annotations, spec) {
        Some(MeshRole::Proxyless)
    } else if crate::model::pod::has_istio_proxy(spec) {
        Some(MeshRole::Sidecar)
    } else {
        None
    }
}

fn api_timeout(timeout: Duration) -> String {
    format!(
        "the Kubernetes API did not answer within {:.1}s",
        timeout.as_secs_f64()
    )
}

/// The pod found, and the port to forward to.
struct Found {
    pods: Api<Pod>,
    namespace: String,
    name: String,
    port: u16,
    envoy_admin: bool,
}

async fn serve(
    lookup: Lookup,
    options: ForwardOptions,
    timeout: Duration,
    ready: mpsc::Sender<Result<Forward, String>>,
) {
    let found = match tokio::time::timeout(timeout, locate(lookup, &options)).await {
        Ok(found) => found,
        Err(_) => Err(api_timeout(timeout)),
    };
    let found = match found {
        Ok(found) => found,
        Err(error) => {
            let _ = ready.send(Err(error));
            return;
        }
    };
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(error) => {
            let _ = ready.send(Err(format!(
                "cannot listen on 127.0.0.1 for the port-forward: {error}"
            )));
            return;
        }
    };
    let local = match listener.local_addr() {
        Ok(address) => address.to_string(),
        Err(error) => {
            let _ = ready.send(Err(format!("cannot listen for the port-forward: {error}")));
            return;
        }
    };
    let failure = Arc::new(Mutex::new(None));
    let (stop, mut stopped) = tokio::sync::oneshot::channel();
    let forward = Forward {
        local,
        remote: format!("pod {}/{} port {}", found.namespace, found.name, found.port),
        envoy_admin: found.envoy_admin,
        failure: Arc::clone(&failure),
        _stop: stop,
    };
    if ready.send(Ok(forward)).is_err() {
        return;
    }
    let found = Arc::new(found);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((connection, _)) => {
                    tokio::spawn(bridge(Arc::clone(&found), connection, Arc::clone(&failure)));
                }
                Err(_) => return,
            },
            // The forward was dropped: nobody will dial it again.
            _ = &mut stopped => return,
        }
    }
}

/// One local connection, carried over its own API port-forward.
async fn bridge(
    found: Arc<Found>,
    mut local: tokio::net::TcpStream,
    failure: Arc<Mutex<Option<String>>>,
) {
    let record = |message: String| {
        if let Ok(mut slot) = failure.lock() {
            *slot = Some(message);
        }
    };
    let mut forwarder = match found.pods.portforward(&found.name, &[found.port]).await {
        Ok(forwarder) => forwarder,
        Err(error) => return record(describe(&error)),
    };
    let (Some(mut remote), Some(errors)) = (
        forwarder.take_stream(found.port),
        forwarder.take_error(found.port),
    ) else {
        return;
    };
    tokio::pin!(errors);
    // The pod's error comes before the stream closes: look at it first, so
    // it is recorded before the client sees the connection end.
    tokio::select! {
        biased;
        Some(message) = &mut errors => return record(message.trim().to_string()),
        _ = tokio::io::copy_bidirectional(&mut local, &mut remote) => {}
    }
    // The stream ended first: an error the pod sent may still be queued, or
    // the forward itself may have failed. `local` stays open until it is
    // recorded, so the client cannot report before it is.
    if let Ok(Some(message)) = tokio::time::timeout(Duration::from_millis(100), errors).await {
        return record(message.trim().to_string());
    }
    if let Ok(Err(error)) = tokio::time::timeout(Duration::from_millis(100), forwarder.join()).await
    {
        record(error.to_string());
    }
}

async fn locate(lookup: Lookup, options: &ForwardOptions) -> Result<Found, String> {
    match lookup {
        Lookup::Target(target) => find(&target, options).await,
        Lookup::Listed(pod) => {
            let (client, _, _) = connect(&options.cluster)
                .await
                .map_err(|e| format!("{e:#}"))?;
            let namespace = pod.metadata.namespace.clone().unwrap_or_default();
            found(
                Api::namespaced(client, &namespace),
                namespace,
                &pod,
                options,
            )
        }
    }
}

async fn find(target: &PodTarget, options: &ForwardOptions) -> Result<Found, String> {
    let (pods, namespace, pod) = find_pod(target, options).await?;
    found(pods, namespace, &pod, options)
}

/// The pod a target names (a Deployment's first running pod), with the API
/// of its namespace.
async fn find_pod(
    target: &PodTarget,
    options: &ForwardOptions,
) -> Result<(Api<Pod>, String, Pod), String> {
    let (client, server, context_namespace) = connect(&options.cluster)
        .await
        .map_err(|e| format!("{e:#}"))?;
    let namespace = target
        .namespace
        .clone()
        .or_else(|| options.namespace.clone())
        .unwrap_or(context_namespace);
    let pods: Api<Pod> = Api::namespaced(client.clone(), &namespace);
    let pod = match target.kind {
        TargetKind::Pod => pods
            .get(&target.name)
            .await
            .map_err(|e| api_error(&e, &format!("pod {namespace}/{}", target.name), &server))?,
        TargetKind::Deployment => {
            let deployments: Api<Deployment> = Api::namespaced(client, &namespace);
            let what = format!("deployment {namespace}/{}", target.name);
            let deployment = deployments
                .get(&target.name)
                .await
                .map_err(|e| api_error(&e, &what, &server))?;
            let selector = deployment
                .spec
                .map(|spec| Selector::try_from(spec.selector))
                .transpose()
                .map_err(|e| format!("{what} has a selector the API would refuse: {}", e.0))?
                .filter(|s| !s.selects_all())
                .ok_or_else(|| format!("{what} has no pod selector"))?;
            let listed = pods
                .list(&ListParams::default().labels_from(&selector))
                .await
                .map_err(|e| api_error(&e, &format!("the pods of {what}"), &server))?;
            let mut running: Vec<Pod> = listed.items.into_iter().filter(is_running).collect();
            running.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
            running
                .into_iter()
                .next()
                .ok_or_else(|| format!("{what} has no running pod"))?
        }
    };
    Ok((pods, namespace, pod))
}

/// The pod, checked to be running, and its admin port.
fn found(
    pods: Api<Pod>,
    namespace: String,
    pod: &Pod,
    options: &ForwardOptions,
) -> Result<Found, String> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    check_running(&namespace, pod)?;
    let (port, envoy_admin) = admin_port(pod, options.admin_port)
        .map_err(|why| format!("pod {namespace}/{name} {why}"))?;
    Ok(Found {
        pods,
        namespace,
        name,
        port,
        envoy_admin,
    })
}

fn check_running(namespace: &str, pod: &Pod) -> Result<(), String> {
    if is_running(pod) {
        return Ok(());
    }
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Unknown");
    Err(format!("pod {namespace}/{name} is {phase}, not Running"))
}

/// Runs `work` on a one-thread runtime, ending it after `timeout`.
fn within<T>(
    timeout: Duration,
    work: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    runtime.block_on(async {
        tokio::time::timeout(timeout, work)
            .await
            .unwrap_or_else(|_| Err(api_timeout(timeout)))
    })
}

/// The running pod a target names, within `timeout`.
pub fn get(target: &PodTarget, options: &ForwardOptions, timeout: Duration) -> Result<Pod, String> {
    within(timeout, async {
        let (_, namespace, pod) = find_pod(target, options).await?;
        check_running(&namespace, &pod)?;
        Ok(pod)
    })
}

/// The pods a label selector picks (kubectl's `-l` syntax) in `namespace`,
/// else in the kubeconfig context's namespace, sorted by name.
pub fn list_selected(
    cluster: &ClusterOptions,
    namespace: Option<&str>,
    selector: &str,
    timeout: Duration,
) -> Result<Vec<Pod>, String> {
    within(timeout, async {
        let (client, server, context_namespace) =
            connect(cluster).await.map_err(|e| format!("{e:#}"))?;
        let namespace = namespace.map_or(context_namespace, str::to_string);
        let pods: Api<Pod> = Api::namespaced(client, &namespace);
        let what = format!("the pods in {namespace} matching {selector:?}");
        let mut listed = pods
            .list(&ListParams::default().labels(selector))
            .await
            .map_err(|e| api_error(&e, &what, &server))?
            .items;
        listed.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        Ok(listed)
    })
}

/// The bytes of a file in one of the pod's containers (`cat PATH` through
/// the API's exec), at most `limit` of them, within `timeout`.
pub fn read_file(
    pod: &Pod,
    cluster: &ClusterOptions,
    container: &str,
    path: &str,
    limit: usize,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    use tokio::io::AsyncReadExt;
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let what = format!("pod {namespace}/{name} container {container}: {path}");
    within(timeout, async {
        let (client, server, _) = connect(cluster).await.map_err(|e| format!("{e:#}"))?;
        let pods: Api<Pod> = Api::namespaced(client, &namespace);
        let params = kube::api::AttachParams::default()
            .container(container)
            .stdin(false)
            .stdout(true)
            .stderr(true);
        let mut process = pods
            .exec(&name, ["cat", path], &params)
            .await
            .map_err(|e| match e {
                kube::Error::Api(_) => format!("cannot read {what}: {}", describe(&e)),
                other => format!("cannot reach the cluster at {server}: {other}"),
            })?;
        let status = process.take_status();
        let (Some(stdout), Some(stderr)) = (process.stdout(), process.stderr()) else {
            return Err(format!("cannot read {what}: no output stream"));
        };
        let mut bytes = Vec::new();
        let mut errors = Vec::new();
        let limit = limit as u64;
        // Both at once: a full stderr pipe would stall stdout.
        let mut stdout = stdout.take(limit + 1);
        let mut stderr = stderr.take(4096);
        let (read, _) = tokio::join!(
            stdout.read_to_end(&mut bytes),
            stderr.read_to_end(&mut errors),
        );
        read.map_err(|e| format!("cannot read {what}: {e}"))?;
        if bytes.len() as u64 > limit {
            return Err(format!("{what} is larger than {limit} bytes"));
        }
        let status = match status {
            Some(status) => status.await,
            None => None,
        };
        if let Some(status) = status.filter(|s| s.status.as_deref() != Some("Success")) {
            let said = String::from_utf8_lossy(&errors).trim().to_string();
            let reason = if said.is_empty() {
                status
                    .message
                    .unwrap_or_else(|| "the command failed".into())
            } else {
                said
            };
            return Err(format!("cannot read {what}: {reason}"));
        }
        Ok(bytes)
    })
}

/// Running and not being deleted: a pod a port-forward can reach.
pub fn is_running(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
}

/// The port to forward to, and whether it is Envoy's admin: `--admin-port`,
/// else 15000 with an Envoy sidecar, else the container port a proxyless
/// app (grpc-agent's istio-proxy container runs no Envoy) names for its
/// gRPC admin server.
fn admin_port(pod: &Pod, asked: Option<u16>) -> Result<(u16, bool), String> {
    let spec = pod.spec.as_ref();
    let containers = spec.map(|s| s.containers.as_slice()).unwrap_or_default();
    // A native sidecar is an init container that keeps running.
    let init_containers = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or_default();
    let has_sidecar = containers
        .iter()
        .chain(init_containers)
        .any(|c| c.name == SIDECAR_CONTAINER);
    if let Some(port) = asked {
        return Ok((port, false));
    }
    // grpc-agent's istio-proxy container runs the agent, not Envoy.
    if has_sidecar && mesh_role(pod) != Some(MeshRole::Proxyless) {
        return Ok((ENVOY_ADMIN_PORT, true));
    }
    let declared: Vec<(&str, i32)> = containers
        .iter()
        .flat_map(|c| c.ports.as_deref().unwrap_or_default())
        .filter_map(|p| Some((p.name.as_deref()?, p.container_port)))
        .collect();
    ADMIN_PORT_NAMES
        .iter()
        .find_map(|wanted| {
            declared
                .iter()
                .find(|(name, _)| name == wanted)
                .and_then(|(_, port)| u16::try_from(*port).ok())
        })
        .map(|port| (port, false))
        .ok_or_else(|| {
            format!(
                "runs no {SIDECAR_CONTAINER} container (a proxyless gRPC app?) and names no admin port \
                 (a container port named {}): give --admin-port, the port of the app's gRPC admin server (CSDS)",
                ADMIN_PORT_NAMES.join(", ")
            )
        })
}

fn api_error(error: &kube::Error, what: &str, server: &str) -> String {
    match error {
        kube::Error::Api(status) if status.code == 404 => format!("{what} not found"),
        kube::Error::Api(_) => format!("cannot get {what}: {}", describe(error)),
        other => format!("cannot reach the cluster at {server}: {other}"),
    }
}

fn describe(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_as_istioctl_spells_them() {
        let parse = |t: &str| PodTarget::parse(t).map(|p| (p.kind, p.name, p.namespace));
        assert_eq!(
            parse("echo-v1-abc"),
            Ok((TargetKind::Pod, "echo-v1-abc".into(), None))
        );
        assert_eq!(
            parse("echo-v1-abc.echo-grpc"),
            Ok((
                TargetKind::Pod,
                "echo-v1-abc".into(),
                Some("echo-grpc".into())
            ))
        );
        assert_eq!(
            parse("deploy/echo-v1.echo-grpc"),
            Ok((
                TargetKind::Deployment,
                "echo-v1".into(),
                Some("echo-grpc".into())
            ))
        );
        assert_eq!(
            parse("pod/a.b.c"),
            Ok((TargetKind::Pod, "a.b".into(), Some("c".into())))
        );
        for bad in ["", "svc/echo", "a b", "pod/", "deployment/x/y"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    fn pod(json: serde_json::Value) -> Pod {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_admin_port_follows_the_pod() {
        let sidecar = pod(serde_json::json!({"spec": {"containers": [
            {"name": "app"}, {"name": "istio-proxy"}]}}));
        assert_eq!(admin_port(&sidecar, None), Ok((15000, true)));
        assert_eq!(admin_port(&sidecar, Some(17000)), Ok((17000, false)));
        let native = pod(serde_json::json!({"spec": {"containers": [{"name": "app"}],
            "initContainers": [{"name": "istio-proxy", "restartPolicy": "Always"}]}}));
        assert_eq!(admin_port(&native, None), Ok((15000, true)));
        let proxyless = pod(
            serde_json::json!({"spec": {"containers": [{"name": "app", "ports": [
            {"name": "grpc", "containerPort": 7070},
            {"name": "admin", "containerPort": 9000},
            {"name": "grpc-admin", "containerPort": 17000}]}]}}),
        );
        assert_eq!(admin_port(&proxyless, None), Ok((17000, false)));
        // grpc-agent injects an istio-proxy container that runs the agent only.
        let agent = pod(serde_json::json!({
            "metadata": {"annotations": {"inject.istio.io/templates": "grpc-agent"}},
            "spec": {"containers": [
                {"name": "app", "ports": [{"name": "grpc-admin", "containerPort": 17000}]},
                {"name": "istio-proxy", "ports": [{"name": "http-envoy-prom", "containerPort": 15090}]}]}}));
        assert_eq!(admin_port(&agent, None), Ok((17000, false)));
        assert_eq!(mesh_role(&agent), Some(MeshRole::Proxyless));
        assert_eq!(mesh_role(&sidecar), Some(MeshRole::Sidecar));
        assert_eq!(
            mesh_role(&pod(
                serde_json::json!({"spec": {"containers": [{"name": "db"}]}})
            )),
            None
        );
        let unnamed = pod(
            serde_json::json!({"spec": {"containers": [{"name": "app", "ports": [
            {"containerPort": 17000}]}]}}),
        );
        let error = admin_port(&unnamed, None).unwrap_err();
        assert!(error.contains("give --admin-port"), "{error}");
    }
}
