//! `mesh schema [KIND]`: the JSON Schemas checked in under `schemas/`.

use anyhow::Result;

use super::{print_stdout, Exit};
use crate::model::{KindInfo, KINDS};

/// Print the JSON Schema of a kind (the files under schemas/), or list kinds.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mesh schema                       # list kinds and versions\n  \
    mesh schema VirtualService        # networking.istio.io/v1\n  \
    mesh schema DestinationRule --api-version networking.istio.io/v1beta1\n  \
    mesh schema deployment-apps-v1    # by file name, as in schemas/\n  \
    mesh schema mesh-test             # the routing test files of `mesh test`"
)]
pub struct Args {
    /// Kind (case-insensitive) or schema file stem such as `virtualservice-networking-v1`.
    kind: Option<String>,
    /// apiVersion (or just the version) when a kind has several; the newest by default.
    #[arg(long, value_name = "VERSION")]
    api_version: Option<String>,
}

/// The name (and file stem under schemas/) of the `mesh test` file schema.
pub const ROUTE_TEST_SCHEMA: &str = "mesh-test";

/// Finds the kind and version a user named.
pub fn lookup(name: &str, api_version: Option<&str>) -> Option<(&'static KindInfo, &'static str)> {
    for info in KINDS {
        for version in info.versions {
            if info
                .schema_file_stem(version)
                .eq_ignore_ascii_case(name.trim_end_matches(".json"))
            {
                return Some((info, version));
            }
        }
    }
    let info = KINDS
        .iter()
        .find(|info| info.kind.eq_ignore_ascii_case(name))?;
    let version = match api_version {
        None => info.versions.first()?,
        Some(wanted) => {
            let wanted = wanted.rsplit('/').next().unwrap_or(wanted);
            info.versions.iter().find(|v| **v == wanted)?
        }
    };
    Some((info, version))
}

pub fn run(args: Args) -> Result<Exit> {
    let Some(name) = args.kind else {
        let mut out = String::from("KIND                   API VERSIONS\n");
        for info in KINDS {
            let versions: Vec<String> = info.versions.iter().map(|v| info.api_version(v)).collect();
            out.push_str(&format!("{:<22} {}\n", info.kind, versions.join(", ")));
        }
        out.push_str(&format!(
            "\n{ROUTE_TEST_SCHEMA:<22} the routing test files of `mesh test`\n"
        ));
        return print_stdout(&out);
    };
    if name
        .trim_end_matches(".json")
        .eq_ignore_ascii_case(ROUTE_TEST_SCHEMA)
    {
        let text = serde_json::to_string_pretty(&crate::routetest::file::schema())?;
        return print_stdout(&(text + "\n"));
    }
    match lookup(&name, args.api_version.as_deref()) {
        Some((info, version)) => {
            let text = serde_json::to_string_pretty(&info.schema(version))?;
            print_stdout(&(text + "\n"))
        }
        None => {
            let kinds: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
            eprintln!(
                "mesh: error: no schema for {name:?}{}; kinds: {}",
                args.api_version
                    .map(|v| format!(" at {v}"))
                    .unwrap_or_default(),
                kinds.join(", ")
            );
            Ok(Exit::Usage)
        }
    }
}
