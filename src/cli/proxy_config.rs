//! `mesh proxy-config`: the live xDS config of a proxyless gRPC app (CSDS),
//! an Envoy (admin API) or a saved dump, as tables or JSON. Flags and glue only.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use super::{print_stdout, Exit};
use crate::proxyconfig::live::ReachError;
use crate::proxyconfig::pod::{self, PodTarget};
use crate::proxyconfig::{csds, envoy, secrets, table, Dump, Resource, ResourceKind};

// `log`, `ecds`'s refusal and `rootca-compare`: Envoy's own subcommands.
mod envoy_only;

/// What to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum What {
    /// The bootstrap's versions (Envoy) and the listener, route, cluster, endpoint and secret tables.
    All,
    #[value(alias = "listeners", alias = "l")]
    Listener,
    #[value(alias = "routes", alias = "r")]
    Route,
    #[value(alias = "clusters", alias = "c")]
    Cluster,
    #[value(alias = "endpoints", alias = "ep")]
    Endpoint,
    /// Envoy's certificates (metadata only; private keys are never printed).
    #[value(alias = "secrets", alias = "s")]
    Secret,
    /// Envoy's Istio and Envoy versions; `-o json` the bootstrap dump.
    #[value(alias = "b")]
    Bootstrap,
    /// One row per resource: type, name, status, version, last update, error.
    Status,
    /// The whole CSDS response or dump, as JSON.
    Dump,
    /// Compare what the app holds with `mesh xds render PATH... --workload NS/NAME`.
    Diff,
    /// The app's channelz: channels, subchannels, sockets and servers with their call counts.
    Channelz,
    /// The grpc.health.v1 status of the app's services (all, or `--service`).
    Health,
    /// Envoy's logger levels; `--level` or `--reset` sets them first.
    #[value(alias = "o")]
    Log,
    /// Envoy's extension configs taken over ECDS.
    #[value(alias = "ec")]
    Ecds,
    /// Whether two workloads trust the same root CA (exit 1 when not).
    #[value(name = "rootca-compare", alias = "rc")]
    RootcaCompare,
}

/// `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum OutputChoice {
    // The tables; istioctl calls this format `short`.
    #[value(name = "table", alias = "short")]
    Short,
    Json,
    Yaml,
}

/// How `--addr` is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Protocol {
    /// CSDS first, then the Envoy admin API.
    Auto,
    /// gRPC CSDS (a proxyless gRPC app's admin server).
    Csds,
    /// Envoy's admin API over HTTP (`/config_dump`, `/clusters`).
    Envoy,
}

/// Where the config comes from, besides a POD: one of them (two sources in
/// all for `rootca-compare`).
#[derive(Debug, clap::Args)]
struct SourceArgs {
    /// A gRPC admin server serving CSDS (gRFC A38/A40) or an Envoy admin, HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    addr: Vec<String>,
    /// A saved CSDS ClientStatusResponse or Envoy /config_dump (JSON, either casing; `-` for stdin); for `rootca-compare`, also a PEM root-cert.pem;
    /// for `channelz` and `health`, what their `-o json` printed.
    #[arg(short = 'f', long, value_name = "DUMP")]
    file: Vec<PathBuf>,
}

impl SourceArgs {
    fn addr(&self) -> Option<&String> {
        self.addr.first()
    }

    fn file(&self) -> Option<&PathBuf> {
        self.file.first()
    }
}

/// The xDS config a proxyless gRPC app holds, with what it ACKed and NACKed.
///
/// Asks the app's admin server over CSDS (`FetchClientStatus`, or
/// `StreamClientStatus` where only that is served), or an Envoy admin
/// (`/config_dump?include_eds`, `/clusters?format=json`), or reads a saved
/// CSDS response or Envoy config dump. Tables are istioctl's, plus
/// VERSION, STATUS (ACKED, NACKED, REQUESTED, DOES_NOT_EXIST…) and ERROR
/// (why the last update was rejected), and SCOPE (gRPC keeps one xDS client
/// per target).
#[derive(Debug, clap::Args)]
// `-f` is istioctl's `--file` (a dump) here; `diff` takes its manifests as
// PATHs, or `--filename` spelled out.
#[command(mut_arg("files", |arg| arg.short(None)))]
#[command(
    override_usage = "mesh proxy-config <WHAT> POD[.NS] [OPTIONS]\n       \
    mesh proxy-config <WHAT> --addr HOST:PORT | --file DUMP [OPTIONS]\n       \
    mesh proxy-config diff POD[.NS] | --addr HOST:PORT | --file DUMP PATH... [OPTIONS]\n       \
    mesh proxy-config channelz|health POD[.NS] | --addr HOST:PORT | --file SAVED [OPTIONS]\n       \
    mesh proxy-config rootca-compare A B (each POD[.NS], --addr HOST:PORT or --file DUMP|PEM) [OPTIONS]"
)]
#[command(after_help = "Examples:\n  \
    mesh proxy-config status echo-v1-7d9f8b6c5-abcde.echo-grpc\n  \
    mesh proxy-config cluster deployment/echo-v1 -n echo-grpc --admin-port 17000\n  \
    mesh proxy-config status --addr 127.0.0.1:17000\n  \
    mesh proxy-config cluster --file testdata/proxy-config/csds-camel.json\n  \
    mesh proxy-config dump --addr 127.0.0.1:17000 > csds.json\n  \
    mesh proxy-config endpoint --addr 127.0.0.1:15000 --protocol envoy\n  \
    mesh proxy-config secret --file envoy-config-dump.json\n  \
    mesh proxy-config bootstrap --addr 127.0.0.1:15000 -o table\n  \
    mesh proxy-config diff --addr 127.0.0.1:17000 k8s/ --workload shop/web\n  \
    mesh proxy-config channelz --addr 127.0.0.1:17000\n  \
    mesh proxy-config channelz --addr 127.0.0.1:17000 -o json > channelz.json\n  \
    mesh proxy-config health --addr 127.0.0.1:17000 --service echo.Echo\n  \
    mesh proxy-config log sleep-6d8f9c7b4-xyz12.shop --level http:debug,upstream:debug\n  \
    mesh proxy-config ecds --file envoy-config-dump.json\n  \
    mesh proxy-config rootca-compare sleep-6d8f9c7b4-xyz12.shop echo-v1-7d9f8b6c5-abcde.echo-grpc\n\n\
    POD[.NS] (or pod/NAME[.NS], deployment/NAME[.NS] for its first running pod) \
    is found through the Kubernetes API (--kubeconfig, --context, -n) and \
    reached through a port-forward, as istioctl does: to Envoy's admin port \
    15000 when the pod runs an istio-proxy container, otherwise to the \
    container port named grpc-admin, admin or csds (a proxyless app's gRPC \
    admin server; there is no standard port), or to --admin-port.\n\n\
    `--protocol auto` tries CSDS, then the Envoy admin API, within one --timeout. \
    gRPC's CSDS carries no secrets and no bootstrap: for a CSDS source, `secret` \
    and `bootstrap` print a note and nothing else (exit 0); the gRPC bootstrap is \
    the file named by GRPC_XDS_BOOTSTRAP in the app's environment.\n\n\
    `diff` renders the workload's config from PATH... as `mesh xds render` \
    does and compares it with what the app holds, per resource: `only live`, \
    `only intended`, or a unified diff of the canonical JSON (a/ live, \
    b/ intended). Only names the app holds or asked for are compared: \
    intended resources it never asked for (services it does not call) are \
    not differences. Without --workload, the workload is the pod named by \
    the app's node id.\n\n\
    `channelz` walks the app's grpc.channelz.v1 service (registered by the \
    gRPC admin server with CSDS): top channels, the channels and \
    subchannels they refer to, their sockets, the servers with their listen \
    sockets and connections (at most 10000 entities). `-o json|yaml` prints \
    them in the proto3 JSON form of grpc.channelz.v1, gathered in one \
    mesh.v1.ChannelzSnapshot (proto/ in the source); `--file` reads that \
    JSON back. `health` asks grpc.health.v1: List for every service (the \
    overall status alone where the app does not implement List), or Check \
    for each --service (NOT_FOUND shows as SERVICE_UNKNOWN); `-o json|yaml` \
    prints a grpc.health.v1.HealthListResponse, which `--file` reads. With \
    a POD, both need the app's admin port, not Envoy's.\n\n\
    `log` and `ecds` are Envoy's: a proxyless gRPC app has no logger levels \
    to set over its admin server (gRPC reads GRPC_VERBOSITY and GRPC_TRACE, \
    or GRPC_GO_LOG_SEVERITY_LEVEL, at start) and takes no extension configs \
    over xDS, so asking one exits 64. `log` lists the loggers first and \
    changes nothing when --level names one Envoy does not have; --reset \
    puts back the levels the pod's sidecar started with (its \
    --proxyLogLevel and --proxyComponentLogLevel), or `warning` for every \
    logger without a POD; -l picks pods by label, each asked within its own \
    --timeout.\n\n\
    `rootca-compare A B` compares the root certificates two workloads trust \
    (each a POD, --addr or --file) and exits 1 when they share none, since \
    mutual TLS between them cannot then verify. For an Envoy (a sidecar, \
    its admin API or a saved config dump) that is its ROOTCA secret, the \
    mesh roots Istio's agent serves it. A proxyless app's CSDS carries no \
    certificates: for a proxyless POD mesh reads the root-cert.pem the agent \
    writes into the pod (OUTPUT_CERTS of its istio-proxy container, \
    /var/lib/istio/data by default), the file the app's gRPC bootstrap names \
    as its CA, with `cat` through the API's exec (pods/exec permission); a \
    copy of that file can be given as --file. A grpc-simple pod has no \
    agent and no certificates to compare.\n\n\
    Exit codes: 0 printed (diff: no difference), 1 diff: differences, \
    rootca-compare: no common root, or the server cannot be reached or does \
    not answer; 65 the dump or a PATH cannot be read, 64 bad usage (and \
    `log` or `ecds` of a proxyless app).")]
pub struct Args {
    #[arg(value_enum)]
    what: What,
    #[command(flatten)]
    source: SourceArgs,
    /// Output format (`dump` always prints JSON) [default: table; json for bootstrap].
    #[arg(short, long, value_enum)]
    output: Option<OutputChoice>,
    /// How to ask the POD or `--addr`: `auto` tries CSDS, then the Envoy admin API [default: auto; envoy for a pod's sidecar].
    #[arg(long, value_enum)]
    protocol: Option<Protocol>,
    /// With a POD: the admin port in the pod [default: 15000 with an istio-proxy container, else the port named grpc-admin, admin or csds].
    #[arg(long, value_name = "PORT")]
    admin_port: Option<u16>,
    /// Only the resources of this xDS client scope (`xds:/some.svc:7070` or `some.svc:7070`).
    #[arg(long, value_name = "SCOPE")]
    scope: Option<String>,
    /// Only the resources with this exact name.
    #[arg(long, value_name = "N")]
    name: Option<String>,
    #[command(flatten)]
    filters: crate::proxyconfig::filter::Filters,
    /// Time limit on connecting and on the CSDS call or admin requests, all of them (e.g. 10s, 500ms).
    #[arg(long, default_value = "10s", value_parser = super::common::parse_timeout, value_name = "DURATION")]
    timeout: Duration,
    /// With `diff`: what the intended config is rendered from, as for `mesh xds render`.
    #[command(flatten)]
    input: super::common::InputArgs,
    /// With `diff`: the workload (Deployment, Pod, WorkloadEntry), NS/NAME.
    #[arg(long, value_name = "NS/NAME")]
    workload: Option<String>,
    /// With `health`: only this service (repeatable; `""` is the server's overall status).
    #[arg(long, value_name = "NAME")]
    service: Vec<String>,
    /// With `log`: set levels first, `[LOGGER:]LEVEL,...` (a bare LEVEL sets every logger); LEVEL is trace, debug, info, warning, error, critical or off.
    #[arg(long, value_name = "LEVELS", conflicts_with = "reset")]
    level: Option<String>,
    /// With `log`: put back the levels the sidecar started with (`warning` without a POD).
    #[arg(short = 'r', long)]
    reset: bool,
    /// With `log`: every pod this label selector picks (in -n, else the context's namespace), instead of one POD.
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    selector: Option<String>,
}

pub fn run(mut args: Args) -> Result<Exit> {
    if let Err(message) = envoy_only::check_flags(&args) {
        eprintln!("mesh: error: {message}");
        return Ok(Exit::Usage);
    }
    if args.what == What::RootcaCompare {
        return envoy_only::rootca_compare(args);
    }
    if args.what == What::Log && args.selector.is_some() {
        return envoy_only::log_selected(&args);
    }
    let pod = match pod_target(&mut args) {
        Ok(pod) => pod,
        Err(message) => {
            eprintln!("mesh: error: {message}");
            return Ok(Exit::Usage);
        }
    };
    if let Some(exit) = admin_services(&args, pod.as_ref()) {
        return exit;
    }
    let diff = args.what == What::Diff;
    // `diff` needs PATHs; the others take neither PATHs nor --workload.
    if diff == super::common::reads_nothing(&args.input) || (!diff && args.workload.is_some()) {
        eprintln!("mesh: error: expected PATH... (and --workload) with `diff` and only there");
        return Ok(Exit::Usage);
    }
    if args.what == What::Log {
        return envoy_only::log(&args, pod.as_ref());
    }
    let dump = match load(&args, pod.as_ref()) {
        Ok(dump) => dump,
        Err(exit) => return Ok(exit),
    };
    if args.what == What::Ecds && dump.from_csds {
        eprintln!(
            "mesh: error: {}: a proxyless gRPC app (CSDS) takes no extension configs over xDS; ECDS is Envoy's",
            envoy_only::source_label(&args, pod.as_ref())
        );
        return Ok(Exit::Usage);
    }
    if args.what == What::Dump {
        let text = serde_json::to_string_pretty(&dump.raw).context("cannot write JSON")? + "\n";
        return print_stdout(&text);
    }
    if matches!(args.what, What::Secret | What::Bootstrap) && dump.from_csds {
        eprintln!(
            "mesh: note: gRPC's CSDS carries no secrets and no bootstrap; the gRPC bootstrap is the file named by GRPC_XDS_BOOTSTRAP (or the JSON in GRPC_XDS_BOOTSTRAP_CONFIG) in the app's environment"
        );
    }
    let output = args.output.unwrap_or(if args.what == What::Bootstrap {
        OutputChoice::Json
    } else {
        OutputChoice::Short
    });
    if args.what == What::Bootstrap {
        return print_bootstrap(&dump, output);
    }
    if args.what == What::Endpoint && !dump.hosts.is_empty() {
        return print_hosts(&dump, &args, output);
    }
    let selected: Vec<&Resource> = dump
        .resources
        .iter()
        .filter(|r| args.name.as_ref().is_none_or(|n| &r.name == n))
        .filter(|r| {
            args.scope
                .as_ref()
                .is_none_or(|s| scope_matches(&r.scope, s))
        })
        .filter(|r| wanted(args.what, &r.kind))
        .filter(|r| args.filters.keeps(r))
        .collect();
    // A CSDS source already said why it has no secrets.
    if selected.is_empty() && !(dump.from_csds && args.what == What::Secret) {
        eprintln!("mesh: note: no resources match");
    }
    if args.what == What::Diff {
        return super::proxy_config_diff::run(
            &dump,
            &selected,
            &args.input,
            args.workload.as_deref(),
            pod.is_some(),
        );
    }
    let text = match output {
        OutputChoice::Short if args.what == What::Secret => {
            table::secrets(&secrets::secret_rows(&selected))
        }
        // istioctl's `all` opens with the versions of the bootstrap.
        OutputChoice::Short if args.what == What::All => {
            let tables = short(args.what, &selected);
            match &dump.bootstrap {
                Some(bootstrap) if tables.is_empty() => secrets::bootstrap_summary(bootstrap),
                Some(bootstrap) => format!(
                    "{}
{tables}",
                    secrets::bootstrap_summary(bootstrap)
                ),
                None => tables,
            }
        }
        OutputChoice::Short => short(args.what, &selected),
        OutputChoice::Json | OutputChoice::Yaml => {
            let records = if args.what == What::Secret {
                secrets::secret_rows(&selected)
                    .iter()
                    .map(secrets::SecretRow::to_json)
                    .collect()
            } else {
                selected.iter().map(|r| r.to_json()).collect()
            };
            structured(&serde_json::Value::Array(records), output)?
        }
    };
    print_stdout(&text)
}

pub(super) fn structured(value: &serde_json::Value, output: OutputChoice) -> Result<String> {
    Ok(if output == OutputChoice::Yaml {
        crate::output::yaml::to_yaml(value)
    } else {
        serde_json::to_string_pretty(value).context("cannot write JSON")? + "\n"
    })
}

/// istioctl's `bootstrap`: the versions, or the bootstrap dump itself.
fn print_bootstrap(dump: &Dump, output: OutputChoice) -> Result<Exit> {
    let Some(bootstrap) = &dump.bootstrap else {
        if !dump.from_csds {
            eprintln!("mesh: note: the dump holds no bootstrap");
        }
        return Ok(Exit::Ok);
    };
    let text = match output {
        OutputChoice::Short => secrets::bootstrap_summary(bootstrap),
        _ => structured(bootstrap, output)?,
    };
    print_stdout(&text)
}

/// istioctl's endpoint table from Envoy's host statuses; `--name` is the cluster.
fn print_hosts(dump: &Dump, args: &Args, output: OutputChoice) -> Result<Exit> {
    let hosts: Vec<&envoy::HostStatus> = dump
        .hosts
        .iter()
        .filter(|h| args.name.as_ref().is_none_or(|n| &h.cluster == n))
        .filter(|h| args.filters.keeps_host(h))
        .collect();
    if hosts.is_empty() {
        eprintln!("mesh: note: no resources match");
    }
    let text = match output {
        OutputChoice::Short => table::endpoint_hosts(&hosts),
        _ => structured(
            &serde_json::Value::Array(hosts.iter().map(|h| h.to_json()).collect()),
            output,
        )?,
    };
    print_stdout(&text)
}

/// The POD the first PATH names when neither `--addr` nor `--file` is
/// given, after checking the flags that apply to one source only.
fn pod_target(args: &mut Args) -> Result<Option<PodTarget>, String> {
    if args.source.addr.len() + args.source.file.len() > 1 {
        return Err("give one POD, --addr or --file (two only for rootca-compare)".into());
    }
    let pod = if args.source.addr.is_empty() && args.source.file.is_empty() {
        let Some(text) = args.input.take_first_path() else {
            return Err("expected POD[.NS], --addr HOST:PORT or --file DUMP".into());
        };
        let text = text
            .to_str()
            .ok_or("expected POD[.NS] in UTF-8")?
            .to_string();
        Some(PodTarget::parse(&text)?)
    } else {
        None
    };
    if args.protocol.is_some() && !args.source.file.is_empty() {
        return Err("--protocol applies to a POD or --addr only".into());
    }
    if args.admin_port.is_some() && pod.is_none() {
        return Err("--admin-port applies to a POD only".into());
    }
    if pod.is_none() && args.what != What::Diff && args.input.names_a_cluster() {
        return Err("--kubeconfig, --context and -n apply to a POD target only".into());
    }
    Ok(pod)
}

/// `channelz` and `health`, which take none of the xDS flags; `None` for
/// the other subcommands.
fn admin_services(args: &Args, pod: Option<&PodTarget>) -> Option<Result<Exit>> {
    use super::proxy_config_admin::{self as admin, Live, Service, Source};
    let service = match args.what {
        What::Channelz => Service::Channelz,
        What::Health => Service::Health,
        _ if !args.service.is_empty() => {
            eprintln!("mesh: error: --service applies to `health` only");
            return Some(Ok(Exit::Usage));
        }
        _ => return None,
    };
    let misused = [
        (args.protocol.is_some(), "--protocol"),
        (args.scope.is_some(), "--scope"),
        (args.name.is_some(), "--name"),
        (args.filters.given(), "--fqdn, --port or the other filters"),
        (
            !super::common::reads_nothing(&args.input) || args.workload.is_some(),
            "PATH... or --workload",
        ),
        (
            service == Service::Channelz && !args.service.is_empty(),
            "--service",
        ),
    ];
    if let Some((_, flags)) = misused.iter().find(|(given, _)| *given) {
        let what = match service {
            Service::Channelz => "channelz",
            Service::Health => "health",
        };
        eprintln!("mesh: error: `{what}` takes no {flags}");
        return Some(Ok(Exit::Usage));
    }
    let source = match (pod, args.source.addr(), args.source.file()) {
        (Some(pod), _, _) => Source::Live(Live::Pod(
            pod,
            pod::ForwardOptions {
                cluster: args.input.cluster_options(),
                namespace: args.input.namespace().map(str::to_string),
                admin_port: args.admin_port,
            },
        )),
        (None, Some(addr), _) => Source::Live(Live::Addr(addr)),
        (None, None, file) => Source::File(file.map_or(std::path::Path::new("-"), |f| f.as_path())),
    };
    Some(admin::run(admin::Request {
        service,
        source,
        output: args.output.unwrap_or(OutputChoice::Short),
        timeout: args.timeout,
        services: &args.service,
    }))
}

/// The dump, or the exit code after one line on stderr.
fn load(args: &Args, pod: Option<&PodTarget>) -> Result<Dump, Exit> {
    let failed = |message: String| {
        eprintln!("mesh: error: {message}");
        Exit::Failure
    };
    if let Some(pod) = pod {
        return load_pod(pod, args).map_err(failed);
    }
    if let Some(addr) = args.source.addr() {
        return load_live(addr, args.protocol.unwrap_or(Protocol::Auto), args.timeout)
            .map_err(failed);
    }
    let path = args.source.file().cloned().unwrap_or_default();
    let shown = path.display().to_string();
    let text = read_limited(&path).map_err(|e| {
        eprintln!("mesh: error: {shown}: {e}");
        Exit::InputError
    })?;
    Dump::parse(&text).map_err(|e| {
        eprintln!("mesh: error: {shown}:{e}");
        Exit::InputError
    })
}

/// Forwards a local port to the pod's admin port and asks it there, all
/// within one --timeout; failures name the pod, not the local port.
fn load_pod(target: &PodTarget, args: &Args) -> Result<Dump, String> {
    let start = std::time::Instant::now();
    let options = pod::ForwardOptions {
        cluster: args.input.cluster_options(),
        namespace: args.input.namespace().map(str::to_string),
        admin_port: args.admin_port,
    };
    let forward = pod::open(target, &options, args.timeout)?;
    let protocol = args.protocol.unwrap_or(if forward.envoy_admin {
        Protocol::Envoy
    } else {
        Protocol::Auto
    });
    let left = args.timeout.saturating_sub(start.elapsed());
    if left.is_zero() {
        return Err(format!(
            "{}: the time limit was spent finding the pod",
            forward.remote
        ));
    }
    load_live(&forward.local, protocol, left).map_err(|message| forward.explain(&message))
}

/// Asks `addr` with the chosen protocol; `auto` gives the Envoy admin
/// whatever time CSDS left, and names both failures in one line.
pub(super) fn load_live(addr: &str, protocol: Protocol, timeout: Duration) -> Result<Dump, String> {
    match protocol {
        Protocol::Csds => load_csds(addr, timeout),
        Protocol::Envoy => load_envoy(addr, timeout),
        Protocol::Auto => {
            let start = std::time::Instant::now();
            let csds_error = match csds::fetch(addr, timeout) {
                Ok(response) => return Ok(csds::response_to_dump(&response)),
                Err(e @ csds::CsdsError::Reach(ReachError::BadAddress { .. })) => {
                    return Err(e.to_string())
                }
                Err(e) => e,
            };
            let left = timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                return Err(format!(
                    "CSDS: {csds_error}; Envoy admin: not tried, the time limit was spent"
                ));
            }
            load_envoy(addr, left)
                .map_err(|envoy_error| format!("CSDS: {csds_error}; Envoy admin: {envoy_error}"))
        }
    }
}

fn load_csds(addr: &str, timeout: Duration) -> Result<Dump, String> {
    let response = csds::fetch(addr, timeout).map_err(|e| e.to_string())?;
    Ok(csds::response_to_dump(&response))
}

fn load_envoy(addr: &str, timeout: Duration) -> Result<Dump, String> {
    let answers = envoy::fetch(addr, timeout).map_err(|e| e.to_string())?;
    let mut dump = Dump::from_json(answers.config_dump)
        .map_err(|e| format!("{addr}{}: {e}", envoy::CONFIG_DUMP_PATH))?;
    dump.hosts = envoy::host_statuses(&answers.clusters);
    Ok(dump)
}

/// Reads a file (or stdin for `-`), refusing anything past the size limit.
pub(super) fn read_limited(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let limit = crate::proxyconfig::dump::MAX_DUMP_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(path)?
            .take(limit)
            .read_to_end(&mut bytes)?;
    }
    if bytes.len() as u64 >= limit {
        return Err(std::io::Error::other(format!(
            "larger than {} bytes",
            crate::proxyconfig::dump::MAX_DUMP_BYTES
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
}

/// gRPC writes `xds:/HOST:PORT` (one slash); accept the bare target too.
fn scope_matches(scope: &str, wanted: &str) -> bool {
    let bare = |s: &str| {
        s.strip_prefix("xds:///")
            .or_else(|| s.strip_prefix("xds:/"))
            .unwrap_or(s)
            .to_string()
    };
    scope == wanted || bare(scope) == bare(wanted)
}

fn wanted(what: What, kind: &ResourceKind) -> bool {
    match what {
        What::All => matches!(
            kind,
            ResourceKind::Listener
                | ResourceKind::Route
                | ResourceKind::Cluster
                | ResourceKind::Endpoint
                | ResourceKind::Secret
        ),
        What::Listener => *kind == ResourceKind::Listener,
        What::Route => *kind == ResourceKind::Route,
        What::Cluster => *kind == ResourceKind::Cluster,
        What::Endpoint => *kind == ResourceKind::Endpoint,
        What::Secret => *kind == ResourceKind::Secret,
        What::Ecds => *kind == ResourceKind::ExtensionConfig,
        What::Status
        | What::Dump
        | What::Bootstrap
        | What::Diff
        | What::Channelz
        | What::Health => true,
        // Answered before any dump is read.
        What::Log | What::RootcaCompare => false,
    }
}

fn short(what: What, selected: &[&Resource]) -> String {
    let of = |kind: &ResourceKind| -> Vec<&Resource> {
        selected
            .iter()
            .copied()
            .filter(|r| &r.kind == kind)
            .collect()
    };
    match what {
        What::Status
        | What::Dump
        | What::Secret
        | What::Bootstrap
        | What::Diff
        | What::Channelz
        | What::Health => table::status(selected),
        What::Listener => table::listeners(selected),
        What::Route => table::routes(selected),
        What::Cluster => table::clusters(selected),
        What::Endpoint => table::endpoints(selected),
        What::Ecds => table::ecds(selected),
        What::Log | What::RootcaCompare => String::new(),
        What::All => {
            let mut parts = Vec::new();
            for kind in [
                ResourceKind::Listener,
                ResourceKind::Route,
                ResourceKind::Cluster,
                ResourceKind::Endpoint,
                ResourceKind::Secret,
            ] {
                let rows = of(&kind);
                if rows.is_empty() {
                    continue;
                }
                parts.push(if kind == ResourceKind::Secret {
                    table::secrets(&secrets::secret_rows(&rows))
                } else {
                    table::for_kind(&kind, &rows)
                });
            }
            parts.join("\n")
        }
    }
}
