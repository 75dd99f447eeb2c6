//! `mesh proxy-config log` and `rootca-compare`, and the flags only `log`
//! takes: glue between the flags, the pod lookup and `proxyconfig`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use k8s_openapi::api::core::v1::Pod;

use super::{
    load_live, print_stdout, read_limited, structured, Args, Exit, OutputChoice, Protocol, What,
};
use crate::output::rootca::{self as report, Side as ReportSide};
use crate::proxyconfig::logging::{self, LevelChange, LogError};
use crate::proxyconfig::pod::{self, MeshRole, PodTarget};
use crate::proxyconfig::rootca::{self, Root};
use crate::proxyconfig::{csds, envoy, live::ReachError, Dump};

/// `--level`, `--reset` and `-l` go with `log` alone, and `log` with a live Envoy.
pub(super) fn check_flags(args: &Args) -> Result<(), String> {
    if args.what != What::Log {
        if args.level.is_some() || args.reset || args.selector.is_some() {
            return Err("--level, --reset and -l apply to `log` only".into());
        }
        return Ok(());
    }
    if !args.source.file.is_empty() {
        return Err(
            "`log` reads and sets a running Envoy's logger levels: give a POD or --addr, not --file"
                .into(),
        );
    }
    if args.protocol == Some(Protocol::Csds) {
        return Err("`log` is Envoy's: a CSDS server has no logger levels to set".into());
    }
    if args.selector.is_some()
        && (!args.source.addr.is_empty() || !super::super::common::reads_nothing(&args.input))
    {
        return Err("-l picks the pods itself: give no POD or --addr with it".into());
    }
    Ok(())
}

/// What a source is called in messages: `pod NAME[.NS]`, `HOST:PORT` or the file.
pub(super) fn source_label(args: &Args, pod: Option<&PodTarget>) -> String {
    if let Some(pod) = pod {
        return match &pod.namespace {
            Some(namespace) => format!("pod {}.{namespace}", pod.name),
            None => format!("pod {}", pod.name),
        };
    }
    if let Some(addr) = args.source.addr() {
        return addr.clone();
    }
    args.source
        .file()
        .map(|f| f.display().to_string())
        .unwrap_or_default()
}

fn forward_options(args: &Args) -> pod::ForwardOptions {
    pod::ForwardOptions {
        cluster: args.input.cluster_options(),
        namespace: args.input.namespace().map(str::to_string),
        admin_port: args.admin_port,
    }
}

/// `NS/NAME` of a listed pod.
fn pod_name(pod: &Pod) -> String {
    format!(
        "{}/{}",
        pod.metadata.namespace.as_deref().unwrap_or_default(),
        pod.metadata.name.as_deref().unwrap_or_default()
    )
}

/// Why a pod has no Envoy whose levels could be set, if it has none.
fn without_envoy(pod: &Pod, admin_port: Option<u16>) -> Option<(Exit, String)> {
    if admin_port.is_some() {
        return None;
    }
    match pod::mesh_role(pod) {
        Some(MeshRole::Sidecar) => None,
        Some(MeshRole::Proxyless) => Some((
            Exit::Usage,
            proxyless_log(&format!("pod {}", pod_name(pod))),
        )),
        None => Some((
            Exit::Failure,
            format!(
                "pod {} runs no istio-proxy container: there is no Envoy to ask",
                pod_name(pod)
            ),
        )),
    }
}

fn proxyless_log(label: &str) -> String {
    format!(
        "{label} is a proxyless gRPC app: it has no logger levels to set over its admin server (gRPC reads GRPC_VERBOSITY and GRPC_TRACE, or GRPC_GO_LOG_SEVERITY_LEVEL, when it starts)"
    )
}

/// The changes `--level` or `--reset` asks for (`--reset` for this pod).
fn changes(args: &Args, pod: Option<&Pod>) -> Result<Vec<LevelChange>, String> {
    if args.reset {
        return Ok(logging::reset_levels(pod));
    }
    match &args.level {
        Some(spec) => logging::parse_levels(spec),
        None => Ok(Vec::new()),
    }
}

/// One Envoy's reply, or the exit code and message.
fn log_at(
    addr: &str,
    changes: &[LevelChange],
    args: &Args,
    timeout: Duration,
) -> Result<String, (Exit, String)> {
    let start = Instant::now();
    let error = match logging::apply(addr, changes, timeout) {
        Ok(reply) => return Ok(reply),
        Err(error @ LogError::UnknownLogger { .. }) => {
            return Err((Exit::Usage, error.to_string()))
        }
        Err(error) => error,
    };
    // Not an Envoy admin? A proxyless app's admin server answers CSDS.
    let answered_http = !matches!(
        error,
        LogError::Envoy(envoy::EnvoyError::Reach(
            ReachError::BadAddress { .. } | ReachError::Connect { .. } | ReachError::Timeout { .. }
        ))
    );
    let left = timeout.saturating_sub(start.elapsed());
    if matches!(args.protocol, None | Some(Protocol::Auto))
        && answered_http
        && !left.is_zero()
        && csds::fetch(addr, left).is_ok()
    {
        return Err((Exit::Usage, proxyless_log(addr)));
    }
    Err((Exit::Failure, error.to_string()))
}

/// `log POD` or `log --addr HOST:PORT`.
pub(super) fn log(args: &Args, target: Option<&PodTarget>) -> Result<Exit> {
    let fail = |(exit, message): (Exit, String)| {
        eprintln!("mesh: error: {message}");
        Ok(exit)
    };
    let Some(target) = target else {
        let addr = args.source.addr().cloned().unwrap_or_default();
        let changes = match changes(args, None) {
            Ok(changes) => changes,
            Err(message) => return fail((Exit::Usage, message)),
        };
        return match log_at(&addr, &changes, args, args.timeout) {
            Ok(reply) => print_replies(args, &[(None, addr, reply)]),
            Err(failure) => fail(failure),
        };
    };
    let start = Instant::now();
    let found = match pod::get(target, &forward_options(args), args.timeout) {
        Ok(found) => found,
        Err(message) => return fail((Exit::Failure, message)),
    };
    if let Some(refusal) = without_envoy(&found, args.admin_port) {
        return fail(refusal);
    }
    let left = args.timeout.saturating_sub(start.elapsed());
    match log_pod(args, &found, left) {
        Ok(reply) => print_replies(args, &[reply]),
        Err(failure) => fail(failure),
    }
}

/// One pod's `(header, key, reply)`: forwarded to, then asked.
fn log_pod(
    args: &Args,
    found: &Pod,
    timeout: Duration,
) -> Result<(Option<String>, String, String), (Exit, String)> {
    let changes = changes(args, Some(found)).map_err(|m| (Exit::Usage, m))?;
    let start = Instant::now();
    let forward =
        pod::open_listed(found, &forward_options(args), timeout).map_err(|m| (Exit::Failure, m))?;
    let left = timeout.saturating_sub(start.elapsed());
    let reply = log_at(&forward.local, &changes, args, left)
        .map_err(|(exit, message)| (exit, forward.explain(&message)))?;
    // istioctl's header: NAME.NS.
    let header = format!(
        "{}.{}",
        found.metadata.name.as_deref().unwrap_or_default(),
        found.metadata.namespace.as_deref().unwrap_or_default()
    );
    Ok((Some(header.clone()), header, reply))
}

/// `log -l SELECTOR`: every running sidecar pod it picks; pods without an
/// Envoy stop everything before any level changes.
pub(super) fn log_selected(args: &Args) -> Result<Exit> {
    let selector = args.selector.clone().unwrap_or_default();
    if let Err(message) = changes(args, None) {
        eprintln!("mesh: error: {message}");
        return Ok(Exit::Usage);
    }
    let pods = match pod::list_selected(
        &args.input.cluster_options(),
        args.input.namespace(),
        &selector,
        args.timeout,
    ) {
        Ok(pods) => pods,
        Err(message) => {
            eprintln!("mesh: error: {message}");
            return Ok(Exit::Failure);
        }
    };
    let (running, stopped): (Vec<Pod>, Vec<Pod>) = pods.into_iter().partition(pod::is_running);
    for pod in &stopped {
        eprintln!("mesh: note: pod {} is not running: skipped", pod_name(pod));
    }
    if running.is_empty() {
        eprintln!("mesh: error: no running pod matches -l {selector:?}");
        return Ok(Exit::Failure);
    }
    let refusals: Vec<(Exit, String)> = running
        .iter()
        .filter_map(|p| without_envoy(p, args.admin_port))
        .collect();
    if !refusals.is_empty() {
        let exit = if refusals.iter().any(|(e, _)| *e == Exit::Usage) {
            Exit::Usage
        } else {
            Exit::Failure
        };
        let reasons: Vec<String> = refusals.into_iter().map(|(_, m)| m).collect();
        eprintln!(
            "mesh: error: -l {selector:?} picks pods without an Envoy, so nothing was changed: {}",
            reasons.join("; ")
        );
        return Ok(exit);
    }
    let mut replies = Vec::new();
    let mut exit = Exit::Ok;
    for found in &running {
        match log_pod(args, found, args.timeout) {
            Ok(reply) => replies.push(reply),
            Err((code, message)) => {
                eprintln!("mesh: error: {message}");
                exit = code;
            }
        }
    }
    let printed = print_replies(args, &replies)?;
    Ok(if exit == Exit::Ok { printed } else { exit })
}

/// Envoy's replies (istioctl prints each pod's under a `NAME.NS:` line), or
/// for `-o json|yaml` one object per target: logger to level.
fn print_replies(args: &Args, replies: &[(Option<String>, String, String)]) -> Result<Exit> {
    let output = args.output.unwrap_or(OutputChoice::Short);
    if output == OutputChoice::Short {
        let mut text = String::new();
        for (header, _, reply) in replies {
            if let Some(header) = header {
                text.push_str(&format!("{header}:\n"));
            }
            text.push_str(reply);
            if !reply.ends_with('\n') {
                text.push('\n');
            }
        }
        return print_stdout(&text);
    }
    let mut map = serde_json::Map::new();
    for (_, key, reply) in replies {
        map.insert(key.clone(), logging::to_json(reply));
    }
    print_stdout(&structured(&serde_json::Value::Object(map), output)?)
}

/// One of the two workloads `rootca-compare` reads.
enum Workload {
    Pod(PodTarget),
    Addr(String),
    File(PathBuf),
}

/// `rootca-compare A B`.
pub(super) fn rootca_compare(mut args: Args) -> Result<Exit> {
    let usage = |message: &str| {
        eprintln!("mesh: error: {message}");
        Ok(Exit::Usage)
    };
    let mut workloads = Vec::new();
    while let Some(path) = args.input.take_first_path() {
        let Some(text) = path.to_str() else {
            return usage("expected POD[.NS] in UTF-8");
        };
        match PodTarget::parse(text) {
            Ok(target) => workloads.push(Workload::Pod(target)),
            Err(message) => return usage(&message),
        }
    }
    workloads.extend(args.source.addr.iter().cloned().map(Workload::Addr));
    workloads.extend(args.source.file.iter().cloned().map(Workload::File));
    if workloads.len() != 2 || !super::super::common::reads_nothing(&args.input) {
        return usage("rootca-compare compares two workloads: give two of POD[.NS], --addr HOST:PORT and --file DUMP|PEM");
    }
    let has_pod = workloads.iter().any(|w| matches!(w, Workload::Pod(_)));
    if !has_pod && (args.input.names_a_cluster() || args.admin_port.is_some()) {
        return usage("--kubeconfig, --context, -n and --admin-port apply to a POD only");
    }
    let mut read = Vec::new();
    for workload in &workloads {
        match roots_of(&args, workload) {
            Ok(side) => read.push(side),
            Err((exit, message)) => {
                eprintln!("mesh: error: {message}");
                return Ok(exit);
            }
        }
    }
    let [(first_label, first_roots), (second_label, second_roots)] =
        <[_; 2]>::try_from(read).map_err(|_| anyhow::anyhow!("two workloads were read"))?;
    let common = rootca::common(&first_roots, &second_roots);
    let first = ReportSide {
        label: &first_label,
        roots: &first_roots,
    };
    let second = ReportSide {
        label: &second_label,
        roots: &second_roots,
    };
    let exit = if common.is_empty() {
        Exit::Failure
    } else {
        Exit::Ok
    };
    match args.output.unwrap_or(OutputChoice::Short) {
        OutputChoice::Short => match report::text(&first, &second, &common) {
            Ok(line) => print_stdout(&line),
            Err(message) => {
                eprintln!("mesh: error: {message}");
                Ok(Exit::Failure)
            }
        },
        output => {
            print_stdout(&structured(
                &report::record(&first, &second, &common),
                output,
            )?)?;
            Ok(exit)
        }
    }
}

/// What a workload is called, and the roots it trusts.
fn roots_of(args: &Args, workload: &Workload) -> Result<(String, Vec<Root>), (Exit, String)> {
    match workload {
        Workload::File(path) => {
            let label = path.display().to_string();
            let unreadable = |e: String| (Exit::InputError, format!("{label}: {e}"));
            let text = read_limited(path).map_err(|e| unreadable(e.to_string()))?;
            if rootca::looks_like_pem(&text) {
                let roots = rootca::of_pem(text.as_bytes()).map_err(unreadable)?;
                return Ok((label, roots));
            }
            let dump =
                Dump::parse(&text).map_err(|e| (Exit::InputError, format!("{label}:{e}")))?;
            let roots = roots_of_dump(&dump, &label, Exit::InputError)?;
            Ok((label, roots))
        }
        Workload::Addr(addr) => {
            let dump = load_live(addr, args.protocol.unwrap_or(Protocol::Auto), args.timeout)
                .map_err(|m| (Exit::Failure, m))?;
            Ok((addr.clone(), roots_of_dump(&dump, addr, Exit::Failure)?))
        }
        Workload::Pod(target) => roots_of_pod(args, target),
    }
}

/// An Envoy dump's roots; a CSDS response has none to give (exit 64).
fn roots_of_dump(dump: &Dump, label: &str, otherwise: Exit) -> Result<Vec<Root>, (Exit, String)> {
    rootca::of_dump(dump).map_err(|e| {
        let exit = if dump.from_csds {
            Exit::Usage
        } else {
            otherwise
        };
        (exit, format!("{label} {e}"))
    })
}

/// A sidecar's roots from its Envoy; a proxyless pod's from the file its agent writes.
fn roots_of_pod(args: &Args, target: &PodTarget) -> Result<(String, Vec<Root>), (Exit, String)> {
    let failed = |message: String| (Exit::Failure, message);
    let start = Instant::now();
    let options = forward_options(args);
    let found = pod::get(target, &options, args.timeout).map_err(failed)?;
    let label = format!("pod {}", pod_name(&found));
    let left = args.timeout.saturating_sub(start.elapsed());
    let role = if args.admin_port.is_some() {
        Some(MeshRole::Sidecar)
    } else {
        pod::mesh_role(&found)
    };
    match role {
        Some(MeshRole::Sidecar) => {
            let forward = pod::open_listed(&found, &options, left).map_err(failed)?;
            let left = args.timeout.saturating_sub(start.elapsed());
            let dump = load_live(
                &forward.local,
                args.protocol.unwrap_or(Protocol::Envoy),
                left,
            )
            .map_err(|m| failed(forward.explain(&m)))?;
            Ok((label.clone(), roots_of_dump(&dump, &label, Exit::Failure)?))
        }
        Some(MeshRole::Proxyless) => {
            let Some((container, path)) = rootca::agent_root_file(&found) else {
                return Err(failed(format!(
                    "{label} runs no istio-proxy container (grpc-simple?): no agent writes certificates into it, so it trusts no mesh root"
                )));
            };
            let bytes = pod::read_file(
                &found,
                &options.cluster,
                &container,
                &path,
                rootca::MAX_PEM_BYTES,
                left,
            )
            .map_err(|m| failed(format!("{m} (a copy of the file can be given as --file)")))?;
            let roots =
                rootca::of_pem(&bytes).map_err(|e| failed(format!("{label} {path}: {e}")))?;
            Ok((label, roots))
        }
        None => Err(failed(format!(
            "{label} runs no istio-proxy container: it is not in the mesh and trusts no mesh root"
        ))),
    }
}
