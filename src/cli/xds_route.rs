//! `mesh xds route`: where one RPC goes. Flags and glue only.

use anyhow::{Context, Result};

use super::common::{self, InputArgs};
use super::xds::{client_reference, report_error, WorkloadArgs};
use super::{print_stdout, Exit};
use crate::xds::client::{self, Rpc};
use crate::xds::Proxy;

/// Where an RPC goes, and what gRPC applies to it, for one client.
///
/// Renders what istiod sends the client for --target and evaluates the RPC
/// with gRPC's matching rules (gRFC A28, A63): the virtual host for the
/// target's authority, the first route whose path and metadata conditions
/// hold (pseudo-headers and -bin metadata are invisible to gRPC; an absent
/// header never matches, even inverted; query conditions make gRPC skip a
/// route). Prints the routes tried and why each missed, the route taken and
/// the VirtualService or GRPCRoute rule it comes from, the clusters with
/// their shares and endpoints, the deadline, retries, faults and hashing
/// gRPC applies, and the fields it ignores or rejects, per --grpc runtime.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mesh xds route testdata/echo-grpc/ --workload echo-grpc/echo-client \
    --target echo.echo-grpc.svc.cluster.local:7070 --method /proto.EchoTestService/Echo\n  \
    mesh xds route routing/ --assume-proxyless --target echo.prod:7070 \
    --method /proto.EchoTestService/Echo -H x-canary=true -o json\n\n\
    Exit codes: 0 the RPC reaches a backend, 79 it fails (no route, a \
    rejected resource, an action gRPC cannot carry out; the status is \
    printed), 65 an input could not be read or translated, 64 bad usage, \
    1 other errors.")]
pub struct RouteArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    workload: WorkloadArgs,
    /// For configuration-only inputs: a proxyless client assumed in
    /// --client-namespace, with no labels.
    #[arg(long, group = "WorkloadArgs")]
    assume_proxyless: bool,
    /// The namespace of the assumed client (default: the namespace of the
    /// --target host, `NAME.NS...`).
    #[arg(long, value_name = "NS", requires = "assume_proxyless")]
    client_namespace: Option<String>,
    /// The target the client dials, HOST:PORT as in xds:///HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    target: String,
    /// The RPC's method path, /package.Service/Method.
    #[arg(long, value_name = "PATH")]
    method: String,
    /// Request metadata, NAME=VALUE (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME=VALUE")]
    headers: Vec<String>,
    /// The client's gRPC runtime, LANG@VERSION (e.g. go@1.66), LANG, or `any`
    /// (current releases of C++, Python, Java, Go and Node).
    #[arg(long, value_name = "LANG@VERSION", default_value = "any")]
    grpc: crate::grpc_support::Runtime,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "text")]
    output: VerdictFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum VerdictFormat {
    Text,
    Json,
    Yaml,
}

/// `NAME=VALUE` or `NAME: VALUE`, the name lower-cased as gRPC sends it.
pub(super) fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .or_else(|| text.split_once(':').filter(|(n, _)| !n.is_empty()))
        .ok_or_else(|| format!("expected NAME=VALUE, found {text:?}"))?;
    let name = name.trim().to_ascii_lowercase();
    if name.is_empty() {
        return Err(format!("expected NAME=VALUE, found {text:?}"));
    }
    Ok((name, value.trim_start().to_string()))
}

pub fn run(args: RouteArgs) -> Result<Exit> {
    let method = match crate::routetest::method_path(&args.method) {
        Ok(method) => method,
        Err(message) => {
            eprintln!("mesh: error: --{message}");
            return Ok(Exit::Usage);
        }
    };
    let mut headers = Vec::new();
    for text in &args.headers {
        match parse_header(text) {
            Ok(header) => headers.push(header),
            Err(message) => {
                eprintln!("mesh: error: --header: {message}");
                return Ok(Exit::Usage);
            }
        }
    }
    if let Err(error) = crate::xds::names::ListenerName::parse(&args.target) {
        return Ok(report_error(&error));
    }
    let inputs = match common::load(&args.input, "xds route") {
        Ok(inputs) => inputs,
        Err(exit) => return Ok(exit),
    };
    let reference = match client_reference(
        args.assume_proxyless,
        args.client_namespace.as_deref(),
        Some(&args.target),
        &args.workload,
        &inputs.index,
    ) {
        Ok(reference) => reference,
        Err(exit) => return Ok(exit),
    };
    let rpc = Rpc {
        path: method,
        headers,
    };
    let verdict = reference.and_then(|reference| {
        let proxy = Proxy::find(&inputs.index, &reference, None)?;
        client::route_verdict(&inputs.index, &proxy, &args.target, &rpc, args.grpc)
    });
    let verdict = match verdict {
        Ok(verdict) => verdict,
        Err(error) => return Ok(report_error(&error)),
    };
    let text = match args.output {
        VerdictFormat::Text => crate::output::verdict::text(&verdict),
        VerdictFormat::Json => {
            serde_json::to_string_pretty(&verdict).context("cannot write JSON")? + "\n"
        }
        VerdictFormat::Yaml => crate::output::yaml::to_yaml(
            &serde_json::to_value(&verdict).context("cannot write YAML")?,
        ),
    };
    print_stdout(&text)?;
    Ok(if verdict.outcome.reaches_backend {
        Exit::Ok
    } else {
        Exit::Findings
    })
}
