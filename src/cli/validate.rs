//! `mesh validate`: flags and glue.

use std::path::PathBuf;

use anyhow::Result;

use super::{print_stdout, ColorChoice, Exit};
use crate::diagnostic::{sort_and_dedup, Level};
use crate::index::Index;
use crate::load::load_paths;
use crate::model::MeshConfig;
use crate::output::{self, Format, Style};
use crate::source::InputSeverity;

/// Check Istio and Kubernetes YAML against schemas and Istio's field rules.
///
/// Reads files, directories (recursively: .yaml, .yml, .json) and `-` for
/// stdin. Findings use istioctl's IST0106 code and point at the exact field.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  mesh validate testdata/echo-grpc/\n  \
    kubectl get vs -A -o yaml | mesh validate -\n  \
    mesh validate -o json config/ > findings.json\n\n\
    Exit codes: 0 clean, 79 findings at or above --failure-threshold, \
    65 an input could not be read, 64 bad usage, 1 other errors.")]
pub struct Args {
    /// Files, directories or `-` for stdin.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// A file or directory to read (repeatable), as kubectl spells it.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "text")]
    output: Format,
    /// Exit with 79 when a finding is at or above this level.
    #[arg(long, default_value = "error", value_parser = parse_level)]
    failure_threshold: Level,
    /// Print only findings at or above this level.
    #[arg(long, default_value = "info", value_parser = parse_level)]
    output_threshold: Level,
    /// Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too.
    #[arg(long, visible_alias = "meshConfigFile", value_name = "FILE")]
    mesh_config: Option<PathBuf>,
    /// Colour text output.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
}

fn parse_level(text: &str) -> Result<Level, String> {
    text.parse()
}

pub fn run(args: Args) -> Result<Exit> {
    let mut paths = args.paths;
    paths.extend(args.files);
    if paths.is_empty() {
        eprintln!("mesh: error: no input: give files, directories, or - for stdin\n\nUsage: mesh validate [PATH]...");
        return Ok(Exit::Usage);
    }
    let mut input_failed = false;
    let mut mesh_config = None;
    if let Some(path) = &args.mesh_config {
        match MeshConfig::from_file(path) {
            Ok(config) => mesh_config = Some(config),
            Err(error) => {
                eprintln!("mesh: error: {error}");
                input_failed = true;
            }
        }
    }
    let loaded = load_paths(&paths);
    for error in &loaded.errors {
        let word = match error.severity {
            InputSeverity::Error => "error",
            InputSeverity::Note => "note",
        };
        eprintln!("mesh: {word}: {error}");
    }
    input_failed |= loaded.has_input_errors();
    let file_count = loaded.files.len();
    let mesh_config = crate::validate::mesh_config_for(&loaded.objects, mesh_config);
    let index = Index::build(loaded.objects, mesh_config);

    let mut diagnostics = crate::validate::validate(&index.objects);
    sort_and_dedup(&mut diagnostics);
    let failing = diagnostics
        .iter()
        .any(|d| d.level >= args.failure_threshold);
    diagnostics.retain(|d| d.level >= args.output_threshold);

    let style = Style {
        color: args.output == Format::Text && args.color.enabled(),
    };
    if args.output != Format::Text || !diagnostics.is_empty() {
        print_stdout(&output::render(args.output, &diagnostics, style))?;
    }
    if diagnostics.is_empty() && !input_failed {
        eprintln!(
            "\u{2714} No validation issues found in {} objects from {} files.",
            index.objects.len(),
            file_count
        );
    }
    // The process ends here: freeing every node one by one would cost a
    // fifth of the run on a large mesh, and the OS reclaims it all at once.
    std::mem::forget(index);
    Ok(if failing {
        Exit::Findings
    } else if input_failed {
        Exit::InputError
    } else {
        Exit::Ok
    })
}
