//! `mesh proxy-config`: the live xDS config of a proxyless gRPC app (CSDS)
//! or a saved dump, as tables or JSON. Flags and glue only.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use super::{print_stdout, Exit};
use crate::proxyconfig::{csds, table, Dump, Resource, ResourceKind};

/// What to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum What {
    /// The listener, route, cluster and endpoint tables.
    All,
    #[value(alias = "listeners", alias = "l")]
    Listener,
    #[value(alias = "routes", alias = "r")]
    Route,
    #[value(alias = "clusters", alias = "c")]
    Cluster,
    #[value(alias = "endpoints", alias = "ep")]
    Endpoint,
    /// One row per resource: type, name, status, version, last update, error.
    Status,
    /// The whole CSDS response or dump, as JSON.
    Dump,
}

/// `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutputChoice {
    Short,
    Json,
    Yaml,
}

/// Where the config comes from.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct SourceArgs {
    /// A gRPC admin server serving CSDS (gRFC A38/A40), HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    addr: Option<String>,
    /// A saved CSDS ClientStatusResponse or Envoy /config_dump (JSON, either casing; `-` for stdin).
    #[arg(long, value_name = "DUMP")]
    file: Option<PathBuf>,
}

/// The xDS config a proxyless gRPC app holds, with what it ACKed and NACKed.
///
/// Asks the app's admin server over CSDS (`FetchClientStatus`), or reads a
/// saved CSDS response or Envoy config dump. Tables are istioctl's, plus
/// VERSION, STATUS (ACKED, NACKED, REQUESTED, DOES_NOT_EXIST…) and ERROR
/// (why the last update was rejected), and SCOPE (gRPC keeps one xDS client
/// per target).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mesh proxy-config status --addr 127.0.0.1:17000\n  \
    mesh proxy-config cluster --file testdata/proxy-config/csds-camel.json\n  \
    mesh proxy-config dump --addr 127.0.0.1:17000 > csds.json\n\n\
    Exit codes: 0 printed, 65 the dump cannot be read, 64 bad usage, \
    1 the server cannot be reached or does not answer.")]
pub struct Args {
    #[arg(value_enum)]
    what: What,
    #[command(flatten)]
    source: SourceArgs,
    /// Output format (`dump` always prints JSON).
    #[arg(short, long, value_enum, default_value = "short")]
    output: OutputChoice,
    /// Only the resources of this xDS client scope (`xds:/some.svc:7070` or `some.svc:7070`).
    #[arg(long, value_name = "SCOPE")]
    scope: Option<String>,
    /// Only the resources with this exact name.
    #[arg(long, value_name = "N")]
    name: Option<String>,
    /// Time limit on connecting and on the CSDS call (e.g. 10s, 500ms).
    #[arg(long, default_value = "10s", value_parser = parse_timeout, value_name = "DURATION")]
    timeout: Duration,
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let parsed = crate::xds::parse_duration(text)
        .ok_or_else(|| format!("expected a duration such as 10s or 500ms, found {text:?}"))?;
    let duration = Duration::new(parsed.seconds as u64, parsed.nanos as u32);
    if duration.is_zero() {
        return Err("the timeout must be above zero".into());
    }
    Ok(duration)
}

pub fn run(args: Args) -> Result<Exit> {
    let dump = match load(&args) {
        Ok(dump) => dump,
        Err(exit) => return Ok(exit),
    };
    if args.what == What::Dump {
        let text = serde_json::to_string_pretty(&dump.raw).context("cannot write JSON")? + "\n";
        return print_stdout(&text);
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
        .collect();
    if selected.is_empty() {
        eprintln!("mesh: note: no resources match");
    }
    let text = match args.output {
        OutputChoice::Short => short(args.what, &selected),
        OutputChoice::Json | OutputChoice::Yaml => {
            let value = serde_json::Value::Array(selected.iter().map(|r| r.to_json()).collect());
            if args.output == OutputChoice::Json {
                serde_json::to_string_pretty(&value).context("cannot write JSON")? + "\n"
            } else {
                crate::output::yaml::to_yaml(&value)
            }
        }
    };
    print_stdout(&text)
}

/// The dump, or the exit code after one line on stderr.
fn load(args: &Args) -> Result<Dump, Exit> {
    if let Some(addr) = &args.source.addr {
        let response = csds::fetch(addr, args.timeout).map_err(|e| {
            eprintln!("mesh: error: {e}");
            Exit::Failure
        })?;
        return Dump::from_json(csds::response_to_json(&response)).map_err(|e| {
            eprintln!("mesh: error: {addr}: {e}");
            Exit::Failure
        });
    }
    let path = args.source.file.clone().unwrap_or_default();
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

/// Reads a file (or stdin for `-`), refusing anything past the size limit.
fn read_limited(path: &std::path::Path) -> std::io::Result<String> {
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
        ),
        What::Listener => *kind == ResourceKind::Listener,
        What::Route => *kind == ResourceKind::Route,
        What::Cluster => *kind == ResourceKind::Cluster,
        What::Endpoint => *kind == ResourceKind::Endpoint,
        What::Status | What::Dump => true,
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
        What::Status | What::Dump => table::status(selected),
        What::Listener => table::listeners(selected),
        What::Route => table::routes(selected),
        What::Cluster => table::clusters(selected),
        What::Endpoint => table::endpoints(selected),
        What::All => {
            let mut parts = Vec::new();
            for kind in [
                ResourceKind::Listener,
                ResourceKind::Route,
                ResourceKind::Cluster,
                ResourceKind::Endpoint,
            ] {
                let rows = of(&kind);
                if !rows.is_empty() {
                    parts.push(table::for_kind(&kind, &rows));
                }
            }
            parts.join("\n")
        }
    }
}
