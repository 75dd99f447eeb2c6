//! `mesh proxy-status`: every proxyless gRPC app (and Envoy sidecar) at
//! once. Flags and glue only: the targets are asked as `proxy-config` asks
//! one, a bounded number at a time; `proxyconfig::status` judges each.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use k8s_openapi::api::core::v1::Pod;

use super::common::{self, parse_istiod_setting, InputArgs};
use super::proxy_config::{load_live, Protocol};
use super::{print_stdout, Exit};
use crate::index::Index;
use crate::proxyconfig::pod::{self, MeshRole};
use crate::proxyconfig::status::{self, Proxy, Row, Sync};
use crate::proxyconfig::Dump;
use crate::source::kube::ClusterOptions;

/// `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutputChoice {
    // istioctl calls this format `short`.
    #[value(alias = "short")]
    Table,
    Json,
    Yaml,
}

/// The largest targets file read.
const MAX_TARGETS_BYTES: u64 = 1024 * 1024;

/// Every proxyless gRPC app (and Envoy sidecar) at once: what each holds
/// per resource type and status, the version and age of its config, and
/// whether it holds the intended config.
///
/// One row per workload: the pods of the cluster (`--kube`) reached
/// through port-forwards as `mesh proxy-config POD` reaches one, `--addr`
/// and `--targets` admin servers, or saved dumps (`-f`). With PATHs, each
/// proxyless app is compared with what `mesh xds render PATH...` gives its
/// node, as `mesh proxy-config diff` compares one.
#[derive(Debug, clap::Args)]
#[command(
    override_usage = "mesh proxy-status [PATH]... --kube [-n NS] [OPTIONS]\n       \
    mesh proxy-status [PATH]... --addr [NAME=]HOST:PORT... | --targets FILE | -f DUMP... [OPTIONS]"
)]
#[command(after_help = "Examples:\n  \
    mesh proxy-status --kube\n  \
    mesh proxy-status k8s/ --kube -n shop\n  \
    mesh proxy-status k8s/ --addr web=127.0.0.1:17000 --addr cart=127.0.0.1:17001\n  \
    mesh proxy-status k8s/ --targets admin-servers.txt -o json\n\n\
    Columns: LDS, RDS, CDS and EDS hold how many resources of that type the \
    workload ACKED, then any other status in parentheses (NACKED, REQUESTED: \
    asked for and not answered yet, DOES_NOT_EXIST); for Envoy an active \
    resource counts as ACKED and one whose last update was rejected as \
    NACKED. VERSION and AGE are those of its newest update.\n\n\
    SYNC: NACKED when the workload rejected a resource (DETAIL names the \
    first and why); with PATHs, a proxyless app is SYNCED when it holds what \
    `mesh xds render PATH...` gives its node id for every resource it asked \
    for, else STALE (DETAIL names the first resource that differs; \
    `mesh proxy-config diff` shows the differences); UNREACHABLE when it \
    could not be asked (DETAIL says why); NOT_COMPARED otherwise (no PATHs, \
    or Envoy, whose rows show the counts only).\n\n\
    --kube lists the pods of -n NS (every namespace without it) and asks \
    each running proxyless pod (grpc-agent or grpc-simple template, or an \
    xDS bootstrap variable) on its container port named grpc-admin, admin \
    or csds (or --admin-port), and each Envoy sidecar on its admin port \
    15000. A --targets file has one [NAME=]HOST:PORT a line (# comments). \
    At most --parallel targets are asked at a time, each within --timeout.\n\n\
    Exit codes: 0 no workload NACKED or STALE, 1 one is (or none could be \
    asked, or the cluster could not be listed), 65 a PATH, dump or targets \
    file cannot be read, 64 bad usage.")]
pub struct Args {
    /// The intended config: files, directories or `-`, as for `mesh xds render`.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Every proxyless and sidecar pod of the cluster (kubeconfig, or
    /// in-cluster credentials).
    #[arg(long)]
    kube: bool,
    /// A gRPC admin server (CSDS) or Envoy admin to ask, optionally named (repeatable).
    #[arg(long, value_name = "[NAME=]HOST:PORT")]
    addr: Vec<String>,
    /// A file of admin servers to ask, one [NAME=]HOST:PORT a line.
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// A saved CSDS response or Envoy /config_dump, a row of its own (repeatable).
    #[arg(short = 'f', long, value_name = "DUMP")]
    file: Vec<PathBuf>,
    /// With --kube: only the pods of this namespace.
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    namespace: Option<String>,
    /// With --kube: the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// With --kube: the kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// With --kube: the gRPC admin port of every proxyless pod [default: its container port named grpc-admin, admin or csds].
    #[arg(long, value_name = "PORT")]
    admin_port: Option<u16>,
    /// How to ask an --addr or a proxyless pod: `auto` tries CSDS, then the Envoy admin API [default: auto; envoy for a sidecar].
    #[arg(long, value_enum)]
    protocol: Option<Protocol>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
    output: OutputChoice,
    /// Time limit on each target: the port-forward, connecting and the call (e.g. 5s, 500ms).
    #[arg(long, default_value = "5s", value_parser = common::parse_timeout, value_name = "DURATION")]
    timeout: Duration,
    /// How many targets are asked at a time.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256), value_name = "N")]
    parallel: u16,
    /// Mesh config file (MeshConfig, or the `istio` ConfigMap) of the intended config.
    #[arg(long, visible_alias = "meshConfigFile", value_name = "FILE")]
    mesh_config: Option<PathBuf>,
    /// The cluster's DNS domain.
    #[arg(long, visible_alias = "domain-suffix", default_value = crate::index::DEFAULT_CLUSTER_DOMAIN, value_name = "DOMAIN")]
    cluster_domain: String,
    /// An istiod setting by its environment name (repeatable).
    #[arg(long = "istiod-env", value_name = "KEY=VALUE", value_parser = parse_istiod_setting)]
    istiod_env: Vec<(String, String)>,
    /// The istiod release to render the intended config for: 1.22 … 1.31
    /// [default: MESH_ISTIO_VERSION, else the newest, 1.31].
    #[arg(long = "istio", value_name = "VERSION", value_parser = common::parse_istio_release)]
    istio: Option<crate::semantics::IstioRelease>,
}

/// Something to ask, or a dump already read.
enum Target {
    Addr { name: String, addr: String },
    Pod { pod: Box<Pod>, role: MeshRole },
    Saved { name: String, dump: Box<Dump> },
}

pub fn run(args: Args) -> Result<Exit> {
    if let Err(message) = check_usage(&args) {
        eprintln!("mesh: error: {message}");
        return Ok(Exit::Usage);
    }
    let mut targets = Vec::new();
    for text in &args.addr {
        match parse_target(text) {
            Ok((name, addr)) => targets.push(Target::Addr { name, addr }),
            Err(message) => {
                eprintln!("mesh: error: --addr {message}");
                return Ok(Exit::Usage);
            }
        }
    }
    if let Some(path) = &args.targets {
        match read_targets(path) {
            Ok(listed) => targets.extend(
                listed
                    .into_iter()
                    .map(|(name, addr)| Target::Addr { name, addr }),
            ),
            Err(message) => {
                eprintln!("mesh: error: {message}");
                return Ok(Exit::InputError);
            }
        }
    }
    for path in &args.file {
        match read_dump(path) {
            Ok(dump) => targets.push(Target::Saved {
                name: path.display().to_string(),
                dump: Box::new(dump),
            }),
            Err(message) => {
                eprintln!("mesh: error: {message}");
                return Ok(Exit::InputError);
            }
        }
    }
    let index = if args.paths.is_empty() {
        None
    } else {
        let input = InputArgs::files_only(
            args.paths.clone(),
            args.mesh_config.clone(),
            args.cluster_domain.clone(),
            args.istiod_env.clone(),
            args.istio,
        );
        match common::load(&input, "proxy-status") {
            Ok(inputs) if !inputs.account.failed => Some(inputs.index),
            Ok(_) => return Ok(Exit::InputError),
            Err(exit) => return Ok(exit),
        }
    };
    let cluster = ClusterOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        timeout: Some(args.timeout),
    };
    if args.kube {
        match mesh_pods(&cluster, args.namespace.as_deref(), args.timeout) {
            // Pods first: the cluster's order, then the command line's.
            Ok(pods) => {
                let listed = targets;
                targets = pods;
                targets.extend(listed);
            }
            Err(message) => {
                eprintln!("mesh: error: {message}");
                return Ok(Exit::Failure);
            }
        }
    }
    if targets.is_empty() {
        eprintln!("mesh: note: no proxyless or sidecar pod to ask");
        return Ok(Exit::Ok);
    }
    let rows =
        crate::parallel::map_in_order_bounded(&targets, usize::from(args.parallel), |target| {
            ask(target, &args, &cluster, index.as_ref())
        });
    let text = match args.output {
        OutputChoice::Table => crate::output::proxy_status::table(&rows),
        OutputChoice::Json => {
            serde_json::to_string_pretty(&crate::output::proxy_status::records(&rows))
                .context("cannot write JSON")?
                + "\n"
        }
        OutputChoice::Yaml => {
            crate::output::yaml::to_yaml(&crate::output::proxy_status::records(&rows))
        }
    };
    print_stdout(&text)?;
    eprintln!("mesh: {}", summary(&rows));
    let unreachable = rows.iter().filter(|r| r.sync == Sync::Unreachable).count();
    Ok(
        if rows.iter().any(|r| r.sync.fails()) || unreachable == rows.len() {
            Exit::Failure
        } else {
            Exit::Ok
        },
    )
}

fn check_usage(args: &Args) -> Result<(), String> {
    if !args.kube && args.addr.is_empty() && args.targets.is_none() && args.file.is_empty() {
        return Err("expected --kube, --addr HOST:PORT, --targets FILE or -f DUMP".into());
    }
    let cluster_flags = args.namespace.is_some()
        || args.kubeconfig.is_some()
        || args.context.is_some()
        || args.admin_port.is_some();
    if cluster_flags && !args.kube {
        return Err("-n, --kubeconfig, --context and --admin-port apply with --kube only".into());
    }
    if args.protocol.is_some() && !args.kube && args.addr.is_empty() && args.targets.is_none() {
        return Err("--protocol applies to --kube and --addr targets only".into());
    }
    Ok(())
}

/// `[NAME=]HOST:PORT`: the name defaults to the address.
fn parse_target(text: &str) -> Result<(String, String), String> {
    let text = text.trim();
    let (name, addr) = match text.split_once('=') {
        Some((name, addr)) => (name.trim(), addr.trim()),
        None => (text, text),
    };
    let port_ok = addr
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if name.is_empty() || !port_ok || addr.contains(char::is_whitespace) {
        return Err(format!("{text:?}: expected [NAME=]HOST:PORT"));
    }
    Ok((name.to_string(), addr.to_string()))
}

/// The targets of a `--targets` file; errors are `FILE:LINE: message`.
fn read_targets(path: &Path) -> Result<Vec<(String, String)>, String> {
    use std::io::Read;
    let shown = path.display();
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_TARGETS_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("{shown}: {e}"))?;
    if bytes.len() as u64 > MAX_TARGETS_BYTES {
        return Err(format!("{shown}: larger than {MAX_TARGETS_BYTES} bytes"));
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("{shown}: not UTF-8"))?;
    let mut targets = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        targets.push(parse_target(line).map_err(|e| format!("{shown}:{}: {e}", number + 1))?);
    }
    if targets.is_empty() {
        return Err(format!("{shown}: no targets ([NAME=]HOST:PORT a line)"));
    }
    Ok(targets)
}

fn read_dump(path: &Path) -> Result<Dump, String> {
    let shown = path.display();
    let text = super::proxy_config::read_limited(path).map_err(|e| format!("{shown}: {e}"))?;
    Dump::parse(&text).map_err(|e| format!("{shown}:{e}"))
}

/// The running mesh pods of the cluster; a note for those not running.
fn mesh_pods(
    cluster: &ClusterOptions,
    namespace: Option<&str>,
    timeout: Duration,
) -> Result<Vec<Target>, String> {
    let mut targets = Vec::new();
    let mut not_running = Vec::new();
    for pod in pod::list(cluster, namespace, timeout)? {
        let Some(role) = pod::mesh_role(&pod) else {
            continue;
        };
        if pod::is_running(&pod) {
            targets.push(Target::Pod {
                pod: Box::new(pod),
                role,
            });
        } else {
            not_running.push(pod_name(&pod));
        }
    }
    if !not_running.is_empty() {
        eprintln!(
            "mesh: note: {} mesh pod(s) not running, not asked: {}",
            not_running.len(),
            not_running.join(", ")
        );
    }
    Ok(targets)
}

/// `POD.NS`, as istioctl names a proxy.
fn pod_name(pod: &Pod) -> String {
    format!(
        "{}.{}",
        pod.metadata.name.as_deref().unwrap_or_default(),
        pod.metadata.namespace.as_deref().unwrap_or_default()
    )
}

/// Asks one target within --timeout and judges what it holds.
fn ask(target: &Target, args: &Args, cluster: &ClusterOptions, index: Option<&Index>) -> Row {
    let protocol = args.protocol.unwrap_or(Protocol::Auto);
    match target {
        Target::Addr { name, addr } => match load_live(addr, protocol, args.timeout) {
            Ok(dump) => status::judge(name, addr, &dump, index, SystemTime::now()),
            Err(error) => status::unreachable(name, addr, &error),
        },
        Target::Saved { name, dump } => status::judge(name, name, dump, index, SystemTime::now()),
        Target::Pod { pod, role } => {
            let mut row = ask_pod(pod, *role, args, cluster, index);
            // The pod says what serves its config, even when it cannot be asked.
            row.proxy.get_or_insert(match role {
                MeshRole::Proxyless => Proxy::Proxyless,
                MeshRole::Sidecar => Proxy::Envoy,
            });
            row
        }
    }
}

/// Forwards to the pod's admin port and asks it there, all within --timeout.
fn ask_pod(
    pod: &Pod,
    role: MeshRole,
    args: &Args,
    cluster: &ClusterOptions,
    index: Option<&Index>,
) -> Row {
    let name = pod_name(pod);
    let start = Instant::now();
    let options = pod::ForwardOptions {
        cluster: cluster.clone(),
        namespace: None,
        // --admin-port is the proxyless apps' port; a sidecar's is Envoy's.
        admin_port: args.admin_port.filter(|_| role == MeshRole::Proxyless),
    };
    let address = format!(
        "pod {}/{}",
        pod.metadata.namespace.as_deref().unwrap_or_default(),
        pod.metadata.name.as_deref().unwrap_or_default()
    );
    let forward = match pod::open_listed(pod, &options, args.timeout) {
        Ok(forward) => forward,
        Err(error) => return status::unreachable(&name, &address, &error),
    };
    let protocol = match args.protocol {
        _ if forward.envoy_admin => Protocol::Envoy,
        Some(protocol) => protocol,
        None => Protocol::Auto,
    };
    let left = args.timeout.saturating_sub(start.elapsed());
    let fetched = if left.is_zero() {
        Err("the time limit was spent on the port-forward".to_string())
    } else {
        load_live(&forward.local, protocol, left).map_err(|e| forward.explain(&e))
    };
    match fetched {
        Ok(dump) => status::judge(&name, &forward.remote, &dump, index, SystemTime::now()),
        Err(error) => status::unreachable(&name, &forward.remote, &error),
    }
}

/// `3 workloads: 1 SYNCED, 1 NACKED, 1 UNREACHABLE`, for stderr.
fn summary(rows: &[Row]) -> String {
    let mut parts = Vec::new();
    for sync in [
        Sync::Synced,
        Sync::Stale,
        Sync::Nacked,
        Sync::Unreachable,
        Sync::NotCompared,
    ] {
        let count = rows.iter().filter(|r| r.sync == sync).count();
        if count > 0 {
            parts.push(format!("{count} {}", sync.word()));
        }
    }
    format!(
        "{} workload{}: {}",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_named_or_named_by_their_address() {
        assert_eq!(
            parse_target("web=127.0.0.1:17000"),
            Ok(("web".into(), "127.0.0.1:17000".into()))
        );
        assert_eq!(
            parse_target(" [::1]:17000 "),
            Ok(("[::1]:17000".into(), "[::1]:17000".into()))
        );
        for bad in ["web=", "=1.2.3.4:1", "host", "host:port", ":17000", "a b:1"] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_targets_file_names_the_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("targets.txt");
        std::fs::write(
            &path,
            "# admin servers\nweb=127.0.0.1:1 # the web app\n\n127.0.0.1:2\nnope\n",
        )
        .unwrap();
        let error = read_targets(&path).unwrap_err();
        assert!(
            error.ends_with("targets.txt:5: \"nope\": expected [NAME=]HOST:PORT"),
            "{error}"
        );
        std::fs::write(&path, "web=127.0.0.1:1 # the web app\n127.0.0.1:2\n").unwrap();
        assert_eq!(
            read_targets(&path),
            Ok(vec![
                ("web".into(), "127.0.0.1:1".into()),
                ("127.0.0.1:2".into(), "127.0.0.1:2".into())
            ])
        );
        std::fs::write(&path, "# nothing\n").unwrap();
        assert!(read_targets(&path).unwrap_err().contains("no targets"));
    }
}
