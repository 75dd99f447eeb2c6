//! Flags and glue shared by the commands that read config and report findings
//! (`validate`, `analyze`): one definition, so they cannot drift apart.

use std::path::PathBuf;

use anyhow::Result;

use super::{print_stdout, ColorChoice, Exit};
use crate::diagnostic::{sort_and_dedup, Diagnostic, Level};
use crate::index::Index;
use crate::load::load_inputs;
use crate::model::MeshConfig;
use crate::output::{self, Format, Style};
use crate::source::kube::{read_cluster, ClusterOptions};

/// What to read.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Files, directories or `-` for stdin.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// A file or directory to read (repeatable), as kubectl spells it.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too.
    #[arg(long, visible_alias = "meshConfigFile", value_name = "FILE")]
    mesh_config: Option<PathBuf>,
    /// The cluster's DNS domain, for host names such as `svc.ns.svc.DOMAIN`.
    #[arg(long, default_value = crate::index::DEFAULT_CLUSTER_DOMAIN, value_name = "DOMAIN")]
    cluster_domain: String,
    /// Also read the live cluster (kubeconfig, or in-cluster credentials).
    #[arg(long, visible_alias = "use-kube")]
    kube: bool,
    // `proxy-config POD` reads the next three without `--kube`, so
    // `load` checks them rather than clap's `requires`.
    /// The kubeconfig file (default: KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// With --kube, report findings in this namespace only; a POD's namespace (default: the context's).
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    namespace: Option<String>,
    /// Report findings in every namespace.
    #[arg(short = 'A', long, requires = "kube", conflicts_with = "namespace")]
    all_namespaces: bool,
}

/// How to report.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value = "text")]
    pub output: Format,
    /// Exit with 79 when a finding is at or above this level.
    #[arg(long, default_value = "error", value_parser = parse_level)]
    pub failure_threshold: Level,
    /// Print only findings at or above this level.
    #[arg(long, default_value = "info", value_parser = parse_level)]
    pub output_threshold: Level,
    /// Colour text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

fn parse_level(text: &str) -> Result<Level, String> {
    text.parse()
}

/// Everything read for a run.
pub struct Inputs {
    pub index: Index,
    pub file_count: usize,
    /// Some input or document could not be read (exit 65 unless findings win).
    pub failed: bool,
    /// With `--kube`: report findings in this namespace only (and on
    /// cluster-scoped objects), as istioctl does.
    pub namespace_filter: Option<String>,
}

impl Inputs {
    /// What [`report`] needs of them. The caller may then forget the index:
    /// the process ends soon, and freeing every node one by one would cost a
    /// fifth of the run on a large mesh, where the OS reclaims it all at once.
    pub fn summary(&self) -> InputSummary {
        InputSummary {
            object_count: self.index.objects.len(),
            file_count: self.file_count,
            failed: self.failed,
            namespace_filter: self.namespace_filter.clone(),
        }
    }
}

/// What the closing line and the exit code need to know about the inputs.
pub struct InputSummary {
    pub object_count: usize,
    pub file_count: usize,
    /// See [`Inputs::failed`].
    pub failed: bool,
    /// See [`Inputs::namespace_filter`].
    pub namespace_filter: Option<String>,
}

impl InputArgs {
    /// The cluster `--kubeconfig` and `--context` name.
    pub fn cluster_options(&self) -> ClusterOptions {
        ClusterOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
        }
    }

    /// `--kubeconfig`, `--context` or `-n` was given.
    pub fn names_a_cluster(&self) -> bool {
        self.kubeconfig.is_some() || self.context.is_some() || self.namespace.is_some()
    }

    /// `-n`.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// Takes the first PATH, which `proxy-config` reads as its POD target.
    pub fn take_first_path(&mut self) -> Option<PathBuf> {
        (!self.paths.is_empty()).then(|| self.paths.remove(0))
    }
}

/// Reads the inputs, printing every unreadable one to stderr once.
pub fn load(args: &InputArgs, command: &str) -> Result<Inputs, Exit> {
    refuse_cluster_flags_without_kube(args, command)?;
    load_with_cluster_flags(args, command)
}

/// `--kubeconfig`, `--context` and `-n` name a cluster to read: they need `--kube`.
fn refuse_cluster_flags_without_kube(args: &InputArgs, command: &str) -> Result<(), Exit> {
    if !args.kube && args.names_a_cluster() {
        eprintln!("mesh: error: --kubeconfig, --context and -n apply with --kube\n\nUsage: mesh {command} --kube [OPTIONS]");
        return Err(Exit::Usage);
    }
    Ok(())
}

/// [`load`], for a command whose cluster flags also name a pod's cluster.
pub fn load_with_cluster_flags(args: &InputArgs, command: &str) -> Result<Inputs, Exit> {
    let sources = read_any_sources(args, command)?;
    let loaded = load_inputs(sources.read);
    print_input_errors(&loaded.errors);
    let mesh_config = crate::validate::mesh_config_for(&loaded.objects, sources.mesh_config);
    Ok(Inputs {
        file_count: loaded.files.len(),
        failed: sources.failed || loaded.has_input_errors(),
        index: Index::build_in_domain(loaded.objects, mesh_config, &args.cluster_domain),
        namespace_filter: sources.namespace_filter,
    })
}

/// The bytes of every input, read but not parsed, with what reading them told.
pub struct Sources {
    pub read: crate::source::Inputs,
    /// `--mesh-config`, when given and readable.
    pub mesh_config: Option<MeshConfig>,
    /// `--mesh-config` could not be read.
    pub failed: bool,
    /// See [`Inputs::namespace_filter`].
    pub namespace_filter: Option<String>,
}

/// Reads the paths, `--mesh-config` and, with `--kube`, the cluster, printing
/// what could not be read; the files' read errors stay in `read.errors`.
pub fn read_sources(args: &InputArgs, command: &str) -> Result<Sources, Exit> {
    refuse_cluster_flags_without_kube(args, command)?;
    read_any_sources(args, command)
}

/// [`read_sources`], whatever cluster flags were given.
fn read_any_sources(args: &InputArgs, command: &str) -> Result<Sources, Exit> {
    let mut paths = args.paths.clone();
    paths.extend(args.files.iter().cloned());
    if paths.is_empty() && !args.kube {
        eprintln!(
            "mesh: error: no input: give files, directories, - for stdin, or --kube\n\nUsage: mesh {command} [PATH]..."
        );
        return Err(Exit::Usage);
    }
    let mut failed = false;
    let mut mesh_config = None;
    if let Some(path) = &args.mesh_config {
        match MeshConfig::from_file(path) {
            Ok(config) => mesh_config = Some(config),
            Err(error) => {
                eprintln!("mesh: error: {error}");
                failed = true;
            }
        }
    }
    let mut namespace_filter = None;
    let mut read = crate::source::read_paths(&paths);
    if args.kube {
        match read_cluster(&args.cluster_options()) {
            Ok(cluster) => {
                for note in &cluster.notes {
                    eprintln!("mesh: note: {note}");
                }
                if !args.all_namespaces {
                    namespace_filter =
                        Some(args.namespace.clone().unwrap_or(cluster.default_namespace));
                }
                read.files.extend(cluster.files);
            }
            Err(error) => {
                eprintln!("mesh: error: {error:#}");
                return Err(Exit::InputError);
            }
        }
    }
    Ok(Sources {
        read,
        mesh_config,
        failed,
        namespace_filter,
    })
}

/// Prints every input that could not be read or parsed, once, in input order.
pub fn print_input_errors(errors: &[crate::source::InputError]) {
    for error in errors {
        eprintln!("mesh: {}: {error}", error.severity.word());
    }
}

/// True when nothing is to be read: no path, no `-f`, no `--kube`.
pub fn reads_nothing(args: &InputArgs) -> bool {
    args.paths.is_empty() && args.files.is_empty() && !args.kube
}

/// The paths `xds serve --watch` polls: the inputs and the mesh config file.
pub fn watched_paths(args: &InputArgs) -> Vec<PathBuf> {
    let mut paths = args.paths.clone();
    paths.extend(args.files.iter().cloned());
    paths.extend(args.mesh_config.iter().cloned());
    paths
}

/// True when the inputs include stdin (`-`), which cannot be read twice.
pub fn reads_stdin(args: &InputArgs) -> bool {
    args.paths
        .iter()
        .chain(&args.files)
        .any(|path| path.as_os_str() == "-")
}

/// Reads the files again as [`load`] does, printing nothing, for
/// `xds serve --watch`: the new index, or every error that stops it from
/// being served (`FILE:LINE:COLUMN: message`; notes are left out).
pub fn reloader(args: &InputArgs) -> impl Fn() -> Result<Index, Vec<String>> + Send + Sync {
    let mut paths = args.paths.clone();
    paths.extend(args.files.iter().cloned());
    let mesh_config_path = args.mesh_config.clone();
    let cluster_domain = args.cluster_domain.clone();
    move || {
        let mut errors = Vec::new();
        let mut mesh_config = None;
        if let Some(path) = &mesh_config_path {
            match MeshConfig::from_file(path) {
                Ok(config) => mesh_config = Some(config),
                Err(error) => errors.push(error.to_string()),
            }
        }
        let loaded = load_inputs(crate::source::read_paths(&paths));
        errors.extend(
            loaded
                .errors
                .iter()
                .filter(|e| e.is_error())
                .map(ToString::to_string),
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        let mesh_config = crate::validate::mesh_config_for(&loaded.objects, mesh_config);
        Ok(Index::build_in_domain(
            loaded.objects,
            mesh_config,
            &cluster_domain,
        ))
    }
}

/// Sorts, filters and prints findings; the exit code follows DESIGN.md for
/// every format alike.
pub fn report(
    mut diagnostics: Vec<Diagnostic>,
    args: &ReportArgs,
    inputs: InputSummary,
) -> Result<Exit> {
    if let Some(namespace) = &inputs.namespace_filter {
        diagnostics.retain(|d| {
            d.origin
                .as_ref()
                .and_then(|o| o.namespace.as_deref())
                .is_none_or(|n| n == namespace)
        });
    }
    crate::diagnostic::locate_all(&mut diagnostics);
    sort_and_dedup(&mut diagnostics);
    let failing = diagnostics
        .iter()
        .any(|d| d.level >= args.failure_threshold);
    let found = diagnostics.len();
    diagnostics.retain(|d| d.level >= args.output_threshold);
    let hidden = found - diagnostics.len();
    let style = Style {
        color: args.output == Format::Text && args.color.enabled(),
        failure_threshold: args.failure_threshold,
    };
    if args.output != Format::Text || !diagnostics.is_empty() {
        print_stdout(&output::render(args.output, &diagnostics, style))?;
    }
    if diagnostics.is_empty() && !inputs.failed {
        if hidden > 0 {
            // Never "no issues" about findings that were only hidden.
            eprintln!(
                "{hidden} finding{} below --output-threshold {} not shown, in {} objects from {} files.",
                if hidden == 1 { "" } else { "s" },
                args.output_threshold.as_str().to_ascii_lowercase(),
                inputs.object_count,
                inputs.file_count
            );
        } else {
            eprintln!(
                "\u{2714} No validation issues found in {} objects from {} files.",
                inputs.object_count, inputs.file_count
            );
        }
    }
    // An input that could not be read wins: a CI job must see that not
    // everything was checked, whatever the findings (unlike istioctl).
    Ok(if inputs.failed {
        Exit::InputError
    } else if failing {
        Exit::Findings
    } else {
        Exit::Ok
    })
}
