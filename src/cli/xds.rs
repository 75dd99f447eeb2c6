//! `mesh xds`: render, bootstrap, diff, serve. Flags and glue only.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use super::common::{self, InputArgs};
use super::{print_stdout, Exit};
use crate::index::Index;
use crate::semantics::IstioRelease;
use crate::xds::bootstrap::{self, BootstrapOptions, Flavour};
use crate::xds::render::RenderOptions;
use crate::xds::serve::Limits;
use crate::xds::{json, Proxy, ResourceType, WorkloadRef, XdsError};

/// What istiod would send a proxyless gRPC workload, offline.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    Render(RenderArgs),
    Bootstrap(BootstrapArgs),
    Diff(DiffArgs),
    Serve(ServeArgs),
    Route(super::xds_route::RouteArgs),
}

/// Which workload, as istiod would identify it.
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub struct WorkloadArgs {
    /// A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME.
    #[arg(long, value_name = "NS/NAME")]
    workload: Option<String>,
    /// A Pod: NS/NAME.
    #[arg(long, value_name = "NS/NAME")]
    pod: Option<String>,
    /// An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local.
    #[arg(long, value_name = "ID")]
    node_id: Option<String>,
}

impl WorkloadArgs {
    fn reference(&self) -> Result<WorkloadRef, XdsError> {
        if let Some(text) = &self.workload {
            let (namespace, name) = WorkloadRef::parse_namespaced(text)?;
            return Ok(WorkloadRef::Workload { namespace, name });
        }
        if let Some(text) = &self.pod {
            let (namespace, name) = WorkloadRef::parse_namespaced(text)?;
            return Ok(WorkloadRef::Pod { namespace, name });
        }
        Ok(WorkloadRef::NodeId(
            self.node_id.clone().unwrap_or_default(),
        ))
    }
}

/// `--type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TypeChoice {
    Lds,
    Rds,
    Cds,
    Eds,
    All,
}

impl TypeChoice {
    fn types(self) -> Vec<ResourceType> {
        match self {
            TypeChoice::Lds => vec![ResourceType::Listener],
            TypeChoice::Rds => vec![ResourceType::Route],
            TypeChoice::Cds => vec![ResourceType::Cluster],
            TypeChoice::Eds => vec![ResourceType::Endpoint],
            TypeChoice::All => ResourceType::ALL.to_vec(),
        }
    }
}

/// `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutputChoice {
    Json,
    Yaml,
    // istioctl calls this format `short`.
    #[value(alias = "short")]
    Table,
}

/// What the workload's gRPC clients and servers would receive: LDS, RDS, CDS, EDS.
///
/// Walks the resources as gRPC asks for them: the listeners of the targets
/// (`xds:///HOST:PORT`; without --target, every service port the workload
/// can see), the route configurations they name, the clusters the routes
/// name, their endpoints; plus the server listeners of the ports that a
/// Service selecting the workload targets. JSON is the proto3 canonical JSON
/// of the Envoy v3 protos, each resource with its `@type`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mesh xds render testdata/echo-grpc/ --workload echo-grpc/echo-v1\n  \
    mesh xds render testdata/echo-grpc/ --workload echo-grpc/echo-v1 \
    --target echo:7070 --type rds -o table\n  \
    mesh xds render testdata/echo-grpc/ --all-proxyless -o table\n  \
    mesh xds render routing-config/ --assume-proxyless --client-namespace prod \
    --target echo.prod:7070\n\n\
    Exit codes: 0 rendered, 65 an input could not be read or translated, \
    64 bad usage (unknown workload, bad target), 1 other errors.")]
pub struct RenderArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    workload: WorkloadArgs,
    /// Every proxyless workload of the inputs, rendered on all cores; with
    /// `-o table`, one line per workload: resources of each type and bytes.
    #[arg(long, group = "WorkloadArgs")]
    all_proxyless: bool,
    /// For configuration-only inputs: render for a proxyless client assumed
    /// in --client-namespace, with no labels (as `mesh analyze
    /// --assume-proxyless` assumes one in every namespace).
    #[arg(long, group = "WorkloadArgs")]
    assume_proxyless: bool,
    /// The namespace of the assumed client (default: the namespace of the
    /// first --target host, `NAME.NS...`).
    #[arg(long, value_name = "NS")]
    client_namespace: Option<String>,
    /// With `--all-proxyless -o table`: a column with each workload's
    /// render time (milliseconds on one core), and the totals on stderr.
    #[arg(long)]
    timings: bool,
    /// A listener gRPC asks for, HOST:PORT as in xds:///HOST:PORT (repeatable).
    #[arg(long, value_name = "HOST:PORT")]
    target: Vec<String>,
    /// Resource types to print.
    #[arg(long = "type", value_enum, default_value = "all")]
    resource_type: TypeChoice,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "json")]
    output: OutputChoice,
    /// The address the workload's gRPC servers listen on, in server listener names.
    #[arg(long, default_value = "0.0.0.0", value_name = "IP")]
    server_address: String,
}

/// The gRPC xDS bootstrap file of a workload (GRPC_XDS_BOOTSTRAP).
///
/// As istio-agent writes it for the grpc-agent injection template, or as the
/// grpc-simple init container writes it. With --xds-address the client talks
/// to that server instead (for example `mesh xds serve` on loopback).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mesh xds bootstrap testdata/echo-grpc/ --workload echo-grpc/echo-v1\n  \
    mesh xds bootstrap testdata/echo-grpc/ --workload echo-grpc/echo-v1 \
    --xds-address 127.0.0.1:15010 > bootstrap.json")]
pub struct BootstrapArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    workload: WorkloadArgs,
    /// The xDS server (HOST:PORT), instead of the flavour's default.
    #[arg(long, value_name = "HOST:PORT")]
    xds_address: Option<String>,
    /// Which injection template's bootstrap.
    #[arg(long, value_enum, default_value = "grpc-agent")]
    flavour: Flavour,
    /// Directory of cert-chain.pem, key.pem and root-cert.pem (grpc-agent).
    #[arg(long, default_value = bootstrap::DEFAULT_CERT_DIR, value_name = "DIR")]
    cert_dir: String,
}

/// How a config change changes what a workload receives.
///
/// Renders the workload from OLD and from NEW and prints a unified diff per
/// resource that was added, removed or changed.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  \
    mesh xds diff main/k8s/ pr/k8s/ --workload echo-grpc/echo-v1\n  \
    mesh xds diff k8s/ --istio 1.28 --to-istio 1.29 --workload echo-grpc/echo-v1\n\n\
    Exit codes: 0 no change, 1 changes (or an error), 65 an input could not \
    be read or translated, 64 bad usage.")]
pub struct DiffArgs {
    /// The config before (a file or directory).
    old: PathBuf,
    /// The config after (a file or directory); with --to-istio and no NEW,
    /// OLD again (what an upgrade changes for the workload).
    #[arg(required_unless_present = "to_istio")]
    new: Option<PathBuf>,
    /// The istiod release OLD is rendered for: 1.22 … 1.31 [default:
    /// MESH_ISTIO_VERSION, else the newest, 1.31].
    #[arg(long = "istio", value_name = "VERSION", value_parser = common::parse_istio_release)]
    istio: Option<IstioRelease>,
    /// The istiod release NEW is rendered for [default: that of --istio].
    #[arg(long = "to-istio", value_name = "VERSION", value_parser = common::parse_istio_release)]
    to_istio: Option<IstioRelease>,
    #[command(flatten)]
    workload: WorkloadArgs,
    /// A listener gRPC asks for, HOST:PORT (repeatable).
    #[arg(long, value_name = "HOST:PORT")]
    target: Vec<String>,
    /// Resource types to compare.
    #[arg(long = "type", value_enum, default_value = "all")]
    resource_type: TypeChoice,
    /// The cluster's DNS domain.
    #[arg(long, default_value = crate::index::DEFAULT_CLUSTER_DOMAIN, value_name = "DOMAIN")]
    cluster_domain: String,
}

/// An xDS server (ADS, state of the world or incremental) for real gRPC clients, on files.
///
/// Each client is identified by its node id (sidecar~IP~POD.NS~...) and
/// node metadata (a pod in no manifest is a workload of that namespace with
/// the LABELS its metadata carries), and gets what `mesh xds render` shows
/// for the names it asks for. Clients that open an incremental (delta) ADS
/// stream get only the resources new or changed for them, each with its own
/// version, and the names that are gone or do not exist as removed. Every
/// NACK is logged with the client's reason.
///
/// With --watch, the input files are polled every 500 ms; when one changes
/// they are read again and each client is pushed what changed (the resource
/// types that changed; to an incremental client, the changed and removed
/// resources). A change that does not load is logged and the last good
/// config stays served.
///
/// Limits: a request larger than --max-request-bytes or naming more than
/// --max-resource-names resources (an incremental subscription of a type
/// may not grow past it either) ends its stream with RESOURCE_EXHAUSTED; a
/// request for a type other than listeners, routes, clusters and endpoints
/// ends it with UNIMPLEMENTED. Each is one log line. A connection may hold
/// 100 streams at once; past --max-connections new connections are closed
/// as they come. A connection with no open stream for --idle-timeout is
/// closed (HTTP/2 GOAWAY); an open ADS stream keeps its connection however
/// long it is quiet.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mesh xds serve testdata/echo-grpc/ --listen 127.0.0.1:15010\n  \
    mesh xds bootstrap testdata/echo-grpc/ --workload echo-grpc/echo-v1 \
    --xds-address 127.0.0.1:15010 > /tmp/bootstrap.json\n  \
    GRPC_XDS_BOOTSTRAP=/tmp/bootstrap.json ./my-grpc-client xds:///echo.echo-grpc.svc.cluster.local:7070\n  \
    mesh xds serve k8s/ --watch    # edit k8s/*.yaml: connected clients get the change")]
pub struct ServeArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:15010", value_name = "HOST:PORT")]
    listen: String,
    /// Read the input files again when one changes, and push what changed.
    #[arg(long, conflicts_with = "kube")]
    watch: bool,
    /// The largest request accepted, in bytes, decoded (4 MiB, gRPC's own default).
    #[arg(long, value_name = "BYTES",
        default_value_t = Limits::DEFAULT.max_request_bytes as u64,
        value_parser = clap::value_parser!(u64).range(1..=u64::from(u32::MAX)))]
    max_request_bytes: u64,
    /// The most resource names one request, or one incremental subscription
    /// of a type, may hold.
    #[arg(long, value_name = "N",
        default_value_t = Limits::DEFAULT.max_resource_names as u64,
        value_parser = clap::value_parser!(u64).range(1..=u64::from(u32::MAX)))]
    max_resource_names: u64,
    /// The most client connections open at once.
    #[arg(long, value_name = "N",
        default_value_t = Limits::DEFAULT.max_connections as u64,
        value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// Close a connection that has had no open stream for this long.
    #[arg(long, value_name = "SECONDS",
        default_value_t = Limits::DEFAULT.idle_timeout.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    idle_timeout: u64,
}

pub fn run(args: Args) -> Result<Exit> {
    match args.command {
        Command::Render(args) => render(args),
        Command::Bootstrap(args) => bootstrap_command(args),
        Command::Diff(args) => diff(args),
        Command::Serve(args) => serve(args),
        Command::Route(args) => super::xds_route::run(args),
    }
}

/// The exit code and message for a render error.
/// One line for an xDS error, and its exit code.
pub(super) fn report_error(error: &XdsError) -> Exit {
    eprintln!("mesh: error: {error}");
    match error {
        XdsError::BadField { .. } => Exit::InputError,
        XdsError::Json(_) => Exit::Failure,
        _ => Exit::Usage,
    }
}

fn find_proxy(index: &Index, workload: &WorkloadArgs) -> Result<Proxy, XdsError> {
    Proxy::find(index, &workload.reference()?, None)
}

fn render_index(
    index: &Index,
    workload: &WorkloadArgs,
    options: &RenderOptions,
) -> Result<crate::xds::Resources, XdsError> {
    let proxy = find_proxy(index, workload)?;
    crate::xds::render(index, &proxy, options)
}

/// The node of a proxyless client assumed in `--client-namespace`, or in
/// the namespace of the first `--target` host (`NAME.NS...`).
fn assumed_client(
    client_namespace: Option<&str>,
    first_target: Option<&str>,
    index: &crate::index::Index,
) -> Option<WorkloadRef> {
    let namespace = match client_namespace {
        Some(namespace) => namespace.to_string(),
        None => {
            let host = first_target?.split(':').next()?;
            host.split('.').nth(1)?.to_string()
        }
    };
    Some(WorkloadRef::NodeId(crate::xds::names::NodeId::format(
        crate::xds::proxy::DEFAULT_IP,
        "proxyless-clients",
        &namespace,
        &index.cluster_domain,
    )))
}

/// The client a command renders for: a proxyless client assumed in a
/// namespace (`--assume-proxyless`), or the one the workload flags name.
/// `Err` (usage) when an assumed client has no namespace to live in.
pub(super) fn client_reference(
    assume_proxyless: bool,
    client_namespace: Option<&str>,
    first_target: Option<&str>,
    workload: &WorkloadArgs,
    index: &crate::index::Index,
) -> Result<Result<WorkloadRef, XdsError>, Exit> {
    if !assume_proxyless {
        return Ok(workload.reference());
    }
    match assumed_client(client_namespace, first_target, index) {
        Some(reference) => Ok(Ok(reference)),
        None => {
            eprintln!("mesh: error: --assume-proxyless needs --client-namespace, or a --target HOST of the form NAME.NS");
            Err(Exit::Usage)
        }
    }
}

fn render(args: RenderArgs) -> Result<Exit> {
    if args.client_namespace.is_some() && !args.assume_proxyless {
        eprintln!("mesh: error: --client-namespace goes with --assume-proxyless");
        return Ok(Exit::Usage);
    }
    // Checked here: clap's `requires` counts the flag's default as given.
    if args.timings && !(args.all_proxyless && args.output == OutputChoice::Table) {
        eprintln!("mesh: error: --timings goes with --all-proxyless -o table");
        return Ok(Exit::Usage);
    }
    let inputs = match common::load(&args.input, "xds render") {
        Ok(inputs) => inputs,
        Err(exit) => return Ok(exit),
    };
    let options = RenderOptions {
        targets: args.target.clone(),
        server_address: Some(args.server_address.clone()),
    };
    if args.all_proxyless {
        return render_all(&inputs, &options, &args);
    }
    let reference = match client_reference(
        args.assume_proxyless,
        args.client_namespace.as_deref(),
        args.target.first().map(String::as_str),
        &args.workload,
        &inputs.index,
    ) {
        Ok(reference) => reference,
        Err(exit) => return Ok(exit),
    };
    let rendered = reference.and_then(|reference| {
        let proxy = Proxy::find(&inputs.index, &reference, None)?;
        crate::xds::render(&inputs.index, &proxy, &options)
    });
    let resources = match rendered {
        Ok(resources) => resources,
        Err(error) => return Ok(report_error(&error)),
    };
    for note in &resources.notes {
        eprintln!("mesh: note: {note}");
    }
    let packed = resources.packed(&args.resource_type.types());
    let text = match args.output {
        OutputChoice::Table => table(&packed),
        OutputChoice::Json | OutputChoice::Yaml => {
            let items = packed
                .iter()
                .map(|r| json::any_to_json(&r.any))
                .collect::<Result<Vec<_>, _>>()
                .context("cannot write the resources as JSON")?;
            let value = serde_json::Value::Array(items);
            if args.output == OutputChoice::Json {
                serde_json::to_string_pretty(&value).context("cannot write JSON")? + "\n"
            } else {
                crate::output::yaml::to_yaml(&value)
            }
        }
    };
    let exit = print_stdout(&text)?;
    Ok(if inputs.account.failed {
        Exit::InputError
    } else {
        exit
    })
}

/// `--all-proxyless`: every proxyless workload, as a table of sizes or as
/// `[{"workload": "NS/NAME", "resources": [...]}]`.
fn render_all(inputs: &common::Inputs, options: &RenderOptions, args: &RenderArgs) -> Result<Exit> {
    let index = &inputs.index;
    let proxies = Proxy::all_proxyless(index);
    if proxies.is_empty() {
        eprintln!("mesh: note: no proxyless workload (grpc-agent or grpc-simple injection, or GRPC_XDS_BOOTSTRAP) in the inputs");
    }
    let types = args.resource_type.types();
    let table = args.output == OutputChoice::Table;
    let started = std::time::Instant::now();
    let kept = crate::xds::render_each(index, &proxies, options, |proxy, rendered, took| {
        let resources = rendered?;
        let name = format!("{}/{}", proxy.namespace, proxy.pod_name);
        if table {
            let sizes = crate::xds::ResourceType::ALL.map(|kind| {
                if types.contains(&kind) {
                    resources.size_of(kind)
                } else {
                    (0, 0)
                }
            });
            let bytes: usize = sizes.iter().map(|(_, bytes)| bytes).sum();
            let mut row = vec![name];
            row.extend(sizes.iter().map(|(count, _)| count.to_string()));
            row.push(bytes.to_string());
            if args.timings {
                row.push(format!("{:.2}", took.as_secs_f64() * 1000.0));
            }
            return Ok(Rendered::Row(row));
        }
        let items = resources
            .packed(&types)
            .iter()
            .map(|r| json::any_to_json(&r.any))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Rendered::Document(
            serde_json::json!({"workload": name, "resources": items}),
        ))
    });
    let mut rows = Vec::new();
    let mut documents = Vec::new();
    for rendered in kept {
        match rendered {
            Ok(Rendered::Row(row)) => rows.push(row),
            Ok(Rendered::Document(document)) => documents.push(document),
            Err(error) => return Ok(report_error(&error)),
        }
    }
    if args.timings {
        let bytes: u64 = rows
            .iter()
            .filter_map(|row| row[5].parse::<u64>().ok())
            .sum();
        eprintln!(
            "mesh: rendered {} proxyless workload(s), {bytes} bytes of xDS, in {:.1} ms on {} core(s)",
            rows.len(),
            started.elapsed().as_secs_f64() * 1000.0,
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
    }
    let text = match args.output {
        OutputChoice::Table => size_table(&rows, args.timings),
        OutputChoice::Json => {
            serde_json::to_string_pretty(&documents).context("cannot write JSON")? + "\n"
        }
        OutputChoice::Yaml => crate::output::yaml::to_yaml(&serde_json::Value::Array(documents)),
    };
    let exit = print_stdout(&text)?;
    Ok(if inputs.account.failed {
        Exit::InputError
    } else {
        exit
    })
}

/// What `--all-proxyless` keeps of one workload's resources.
enum Rendered {
    /// The cells of its [`size_table`] line.
    Row(Vec<String>),
    Document(serde_json::Value),
}

/// WORKLOAD LDS RDS CDS EDS BYTES [RENDER_MS], numbers right-aligned.
fn size_table(rows: &[Vec<String>], timings: bool) -> String {
    let mut header = vec!["WORKLOAD", "LDS", "RDS", "CDS", "EDS", "BYTES"];
    if timings {
        header.push("RENDER_MS");
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |cells: &[&str]| {
        let mut out = format!("{:<w$}", cells[0], w = widths[0]);
        for (cell, width) in cells[1..].iter().zip(&widths[1..]) {
            out.push_str(&format!("  {cell:>width$}"));
        }
        out + "\n"
    };
    let mut out = line(&header);
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        out.push_str(&line(&cells));
    }
    out
}

fn table(resources: &[crate::xds::NamedResource]) -> String {
    let width = resources
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut out = format!("{:<4} {:<width$} {}\n", "TYPE", "NAME", "SUMMARY");
    for r in resources {
        out.push_str(&format!(
            "{:<4} {:<width$} {}\n",
            r.kind.short_name().to_ascii_uppercase(),
            r.name,
            r.summary
        ));
    }
    out
}

fn bootstrap_command(args: BootstrapArgs) -> Result<Exit> {
    let inputs = match common::load(&args.input, "xds bootstrap") {
        Ok(inputs) => inputs,
        Err(exit) => return Ok(exit),
    };
    let proxy = match find_proxy(&inputs.index, &args.workload) {
        Ok(proxy) => proxy,
        Err(error) => return Ok(report_error(&error)),
    };
    let options = BootstrapOptions {
        flavour: args.flavour,
        xds_address: args.xds_address,
        cert_dir: args.cert_dir,
        istio_namespace: inputs.index.mesh_config.root_namespace.clone(),
        cluster_domain: inputs.index.cluster_domain.clone(),
    };
    let value = bootstrap::bootstrap(&proxy, &options);
    let exit = print_stdout(&(serde_json::to_string_pretty(&value)? + "\n"))?;
    Ok(if inputs.account.failed {
        Exit::InputError
    } else {
        exit
    })
}

/// Reads one side of a diff; `None` when it could not be read at all.
fn load_side(path: &PathBuf, cluster_domain: &str) -> (Index, bool) {
    let loaded = crate::load::load_paths(std::slice::from_ref(path));
    for error in &loaded.errors {
        eprintln!("mesh: error: {error}");
    }
    let failed = loaded.has_input_errors();
    let mesh_config = crate::validate::mesh_config_for(&loaded.objects, None);
    (
        Index::build_in_domain(loaded.objects, mesh_config, cluster_domain),
        failed,
    )
}

fn diff(args: DiffArgs) -> Result<Exit> {
    let from = match common::named_release(args.istio) {
        Ok(release) => release.unwrap_or_default(),
        Err(exit) => return Ok(exit),
    };
    let to = args.to_istio.unwrap_or(from);
    let new_path = args.new.as_ref().unwrap_or(&args.old);
    let (mut old, old_failed) = load_side(&args.old, &args.cluster_domain);
    let (mut new, new_failed) = load_side(new_path, &args.cluster_domain);
    if old_failed || new_failed {
        return Ok(Exit::InputError);
    }
    old.istio_release = from;
    new.istio_release = to;
    let options = RenderOptions {
        targets: args.target.clone(),
        server_address: None,
    };
    let types = args.resource_type.types();
    let mut sides = Vec::new();
    for (label, index) in [("old", &old), ("new", &new)] {
        match render_index(index, &args.workload, &options) {
            Ok(resources) => sides.push(resources.packed(&types)),
            Err(error) => {
                eprintln!("mesh: error: in the {label} config:");
                return Ok(report_error(&error));
            }
        }
    }
    let text = crate::xds::diff::diff(&sides[0], &sides[1]).context("cannot compare")?;
    if text.is_empty() {
        eprintln!("mesh: no change in what the workload receives");
        return Ok(Exit::Ok);
    }
    print_stdout(&text)?;
    Ok(Exit::Failure)
}

fn serve(args: ServeArgs) -> Result<Exit> {
    if args.watch && common::reads_stdin(&args.input) {
        eprintln!("mesh: error: --watch reads files again; stdin (-) cannot be read twice");
        return Ok(Exit::Usage);
    }
    // Before the first load, so that a change made during it is seen.
    let watcher = args.watch.then(|| {
        crate::xds::serve::Watcher::new(
            common::watched_paths(&args.input),
            common::reloader(&args.input),
        )
    });
    let inputs = match common::load(&args.input, "xds serve") {
        Ok(inputs) => inputs,
        Err(exit) => return Ok(exit),
    };
    if inputs.account.failed {
        eprintln!("mesh: error: fix the inputs above before serving them");
        return Ok(Exit::InputError);
    }
    let limits = Limits {
        max_request_bytes: usize::try_from(args.max_request_bytes).unwrap_or(usize::MAX),
        max_resource_names: usize::try_from(args.max_resource_names).unwrap_or(usize::MAX),
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        idle_timeout: Duration::from_secs(args.idle_timeout),
    };
    crate::xds::serve::run(inputs.index, &args.listen, watcher, limits)?;
    Ok(Exit::Ok)
}
