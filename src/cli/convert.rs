//! `mesh convert gateway-api`: the Istio config istiod generates from
//! Gateway API objects. Flags and printing only; the conversion is
//! `semantics::gateway_api::convert`, run once when the index is built.

use anyhow::Result;
use serde_json::Value as Json;

use super::common::{self, InputArgs};
use super::{print_stdout, Exit};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// The Istio Gateways, VirtualServices and DestinationRules istiod
    /// generates from Gateway API objects (Gateway, HTTPRoute, GRPCRoute,
    /// TCPRoute, TLSRoute, ListenerSet, ReferenceGrant...), with the
    /// Services, ServiceEntries and Namespaces around them.
    #[command(
        after_help = "Examples:\n  mesh convert gateway-api routes/ services.yaml\n  mesh convert gateway-api routes.yaml --cluster-domain example.local -o json\n  mesh convert gateway-api routes.yaml --istiod-env PILOT_ENABLE_ALPHA_GATEWAY_API=true"
    )]
    GatewayApi(GatewayApiArgs),
}

#[derive(Debug, clap::Args)]
struct GatewayApiArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "yaml")]
    output: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Yaml,
    Json,
}

pub fn run(args: Args) -> Result<Exit> {
    let What::GatewayApi(args) = args.what;
    let inputs = match common::load(&args.input, "convert gateway-api") {
        Ok(inputs) => inputs,
        Err(exit) => return Ok(exit),
    };
    let index = &inputs.index;
    let conversion = &index.gateway_api;
    for ignored in &conversion.ignored {
        let object = &index.objects[ignored.object];
        eprintln!(
            "mesh: not converted: {} ({}:{}): {}",
            object.origin(),
            object.doc.file.name,
            object.doc.pos.line,
            ignored.reason
        );
    }
    for condition in &conversion.conditions {
        eprintln!(
            "mesh: {} {}: {}={} {}: {}",
            condition.origin,
            condition.place,
            condition.condition_type,
            if condition.status { "True" } else { "False" },
            condition.reason,
            condition.message
        );
    }
    let documents: Vec<Json> = conversion.generated.iter().map(|g| g.to_json()).collect();
    let text = match args.output {
        Format::Yaml => documents
            .iter()
            .map(crate::output::yaml::to_yaml)
            .collect::<Vec<_>>()
            .join("---\n"),
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&Json::Array(documents))?
        ),
    };
    print_stdout(&text)?;
    Ok(if inputs.account.failed {
        Exit::InputError
    } else {
        Exit::Ok
    })
}
