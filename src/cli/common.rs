//! Flags and glue shared by the commands that read config and report findings
//! (`validate`, `analyze`): one definition, so they cannot drift apart.

use std::path::PathBuf;

use anyhow::Result;

use super::{print_stdout, ColorChoice, Exit};
use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostic::{sort_and_dedup, Diagnostic, Level};
use crate::index::Index;
use crate::load::{load_inputs, Census};
use crate::model::MeshConfig;
use crate::output::{self, Format, RunSummary, Style};
use crate::semantics::gateway_api::IstiodFeatures;
use crate::semantics::IstioRelease;
use crate::source::kube::{read_cluster, ClusterOptions};
use crate::source::{InputError, InputSeverity, PathFilter, SourceFile};

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
    /// The cluster's DNS domain, for host names such as `svc.ns.svc.DOMAIN`
    /// (istiod's domain suffix).
    #[arg(long, visible_alias = "domain-suffix", default_value = crate::index::DEFAULT_CLUSTER_DOMAIN, value_name = "DOMAIN")]
    cluster_domain: String,
    /// Also read the live cluster (kubeconfig, or in-cluster credentials).
    /// `--kube=false` (istioctl's `-k=false`) reads files only, the default.
    #[arg(
        short = 'k',
        long,
        visible_alias = "use-kube",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        default_value = "false",
        action = clap::ArgAction::Set
    )]
    kube: bool,
    /// How long each request to the cluster may take; a command sets it
    /// from its own flag.
    #[arg(skip)]
    pub cluster_timeout: Option<std::time::Duration>,
    // `proxy-config POD` reads the next three without `--kube`, so
    // `load` checks them rather than clap's `requires`.
    /// The kubeconfig file (default: KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// The namespace of objects that name none (default: `default`), and
    /// the one findings are reported for; with --kube, the context's by
    /// default; a POD's namespace.
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    namespace: Option<String>,
    /// Report findings in every namespace (the default for files).
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    all_namespaces: bool,
    /// Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml`
    /// at any depth, `charts/` a directory); repeatable.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Read files that `.gitignore` files list when walking directories.
    #[arg(long)]
    no_ignore: bool,
    /// An istiod setting by its environment name (repeatable), e.g.
    /// PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod's defaults.
    #[arg(long = "istiod-env", value_name = "KEY=VALUE", value_parser = parse_istiod_setting)]
    istiod_env: Vec<(String, String)>,
    /// The istiod release to render and lint for: 1.22 … 1.31, or a patch
    /// such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube
    /// istiod's image tag, else the newest, 1.31].
    #[arg(long = "istio", value_name = "VERSION", value_parser = parse_istio_release)]
    istio: Option<IstioRelease>,
}

/// The environment variable naming the istiod release when `--istio` does not.
pub const ISTIO_VERSION_ENV: &str = "MESH_ISTIO_VERSION";

/// An `--istio` value.
pub fn parse_istio_release(text: &str) -> Result<IstioRelease, String> {
    IstioRelease::parse(text)
}

/// The release `--istio` names, else `MESH_ISTIO_VERSION`; `None` when
/// neither does. A bad `MESH_ISTIO_VERSION` is a usage error (exit 64).
pub fn named_release(flag: Option<IstioRelease>) -> Result<Option<IstioRelease>, Exit> {
    if flag.is_some() {
        return Ok(flag);
    }
    match std::env::var(ISTIO_VERSION_ENV) {
        Ok(text) if !text.trim().is_empty() => match IstioRelease::parse(&text) {
            Ok(release) => Ok(Some(release)),
            Err(error) => {
                eprintln!("mesh: error: {ISTIO_VERSION_ENV}: {error}");
                Err(Exit::Usage)
            }
        },
        _ => Ok(None),
    }
}

/// A `--istiod-env` setting: KEY=VALUE with a KEY istiod reads here.
pub fn parse_istiod_setting(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: expected KEY=VALUE"))?;
    IstiodFeatures::default().set(key, value)?;
    Ok((key.to_string(), value.to_string()))
}

impl InputArgs {
    /// Files only, as a command that takes its PATHs for something else
    /// (`mesh test`) reads its config.
    pub fn files_only(
        files: Vec<PathBuf>,
        mesh_config: Option<PathBuf>,
        cluster_domain: String,
        istiod_env: Vec<(String, String)>,
        istio: Option<IstioRelease>,
    ) -> InputArgs {
        InputArgs {
            paths: Vec::new(),
            files,
            mesh_config,
            cluster_domain,
            kube: false,
            cluster_timeout: None,
            kubeconfig: None,
            context: None,
            namespace: None,
            all_namespaces: false,
            exclude: Vec::new(),
            no_ignore: false,
            istiod_env,
            istio,
        }
    }

    /// The istiod `--istiod-env` describes (each setting was checked by clap).
    pub fn istiod(&self) -> IstiodFeatures {
        let mut features = IstiodFeatures::default();
        for (key, value) in &self.istiod_env {
            let _ = features.set(key, value);
        }
        features
    }

    /// The index of `objects` for the cluster and istiod these flags name:
    /// the release `--istio` or `MESH_ISTIO_VERSION` names, else with
    /// `--kube` the one istiod runs, else the newest.
    fn index(
        &self,
        objects: Vec<crate::model::Object>,
        mesh_config: MeshConfig,
    ) -> Result<Index, Exit> {
        let named = named_release(self.istio)?;
        let mut index = Index::build_for(objects, mesh_config, &self.cluster_domain, self.istiod());
        index.istio_release = match named {
            Some(release) => release,
            None if self.kube => {
                crate::semantics::istiod_release::running_istiod(&index).unwrap_or_default()
            }
            None => IstioRelease::default(),
        };
        Ok(index)
    }
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
    /// Fail on what mesh cannot check: each object of an unknown kind or
    /// version is an Error (MESH004), and inputs with no object exit 65.
    #[arg(long)]
    pub strict: bool,
}

/// A `--timeout` value such as `10s` or `500ms`, above zero.
pub fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let parsed = crate::xds::parse_duration(text)
        .ok_or_else(|| format!("expected a duration such as 10s or 500ms, found {text:?}"))?;
    let duration = std::time::Duration::new(parsed.seconds as u64, parsed.nanos as u32);
    if duration.is_zero() {
        return Err("the timeout must be above zero".into());
    }
    Ok(duration)
}

fn parse_level(text: &str) -> Result<Level, String> {
    text.parse()
}

/// Everything read for a run.
pub struct Inputs {
    pub index: Index,
    /// What was read and checked, for the summary and the exit code.
    pub account: InputAccount,
}

/// What the closing summary and the exit code need to know about the inputs.
#[derive(Debug, Default)]
pub struct InputAccount {
    /// Files, objects, what was checked and what not; the findings are
    /// counted by [`report`].
    pub summary: RunSummary,
    /// Some input or document could not be read: exit 65.
    pub failed: bool,
    /// A source as a whole failed (the mesh config file), not a document.
    sources_failed: bool,
    /// Report findings in this namespace only (and on cluster-scoped
    /// objects), as istioctl does: `-n`, or with `--kube` the context's.
    pub namespace_filter: Option<String>,
    /// Findings about the inputs themselves: unreadable files and
    /// documents (and, for `validate`, objects defined twice).
    pub findings: Vec<Diagnostic>,
    /// A finding at each object that was not checked, for `--strict`.
    pub not_checked: Vec<Diagnostic>,
}

impl InputAccount {
    /// Accounts for the files read, the input errors (notes are printed
    /// and counted as skipped paths) and the objects' census.
    pub fn new(
        files: &[Arc<SourceFile>],
        errors: &[InputError],
        census: Census,
        sources_failed: bool,
        namespace_filter: Option<String>,
    ) -> InputAccount {
        let mut account = InputAccount {
            failed: sources_failed,
            sources_failed,
            namespace_filter,
            ..InputAccount::default()
        };
        let by_name: HashMap<&str, &Arc<SourceFile>> =
            files.iter().map(|f| (&*f.name, f)).collect();
        for error in errors {
            let file = || by_name.get(&*error.file).map(|f| Arc::clone(f));
            match error.severity {
                InputSeverity::Error => {
                    account.failed = true;
                    account.summary.unreadable += 1;
                    account.findings.push(Diagnostic::unreadable(error, file()));
                }
                InputSeverity::Warning => {
                    account
                        .findings
                        .push(Diagnostic::non_standard(error, file()));
                }
                InputSeverity::Note => {
                    eprintln!("mesh: note: {error}");
                    account.summary.skipped += 1;
                }
                InputSeverity::NotConfig => eprintln!("mesh: note: {error}"),
            }
        }
        account.summary.files = files.len();
        account.summary.objects = census.checked + census.not_checked.len();
        account.summary.checked = census.checked;
        for not_checked in census.not_checked {
            *account
                .summary
                .unchecked
                .entry(not_checked.key)
                .or_default() += 1;
            account.not_checked.push(not_checked.finding);
        }
        account
    }
}

impl InputAccount {
    /// istioctl's `--ignore-unknown`: documents that cannot be read are
    /// counted in the summary, but are no finding and no exit 65.
    pub fn ignore_unreadable(&mut self) {
        self.findings
            .retain(|d| d.code != crate::diagnostic::codes::UNREADABLE_INPUT);
        self.failed = self.sources_failed;
    }
}

impl InputArgs {
    /// The cluster `--kubeconfig` and `--context` name.
    pub fn cluster_options(&self) -> ClusterOptions {
        ClusterOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            timeout: self.cluster_timeout,
        }
    }

    /// `--kubeconfig`, `--context` or `-n` was given.
    pub fn names_a_cluster(&self) -> bool {
        self.kubeconfig.is_some() || self.context.is_some() || self.namespace.is_some()
    }

    /// What reading leaves out: `--exclude`, and `.gitignore` unless `--no-ignore`.
    fn path_filter(&self) -> Result<PathFilter, Exit> {
        PathFilter::new(&self.exclude, !self.no_ignore).map_err(|error| {
            eprintln!("mesh: error: {error}");
            Exit::Usage
        })
    }

    /// The namespace of objects that name none.
    pub fn default_namespace(&self) -> &str {
        self.namespace
            .as_deref()
            .unwrap_or(crate::index::DEFAULT_NAMESPACE)
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

/// Reads the inputs for a command that reports findings: what cannot be
/// read becomes a finding of [`Inputs::account`] instead of a line on stderr.
pub fn load_for_report(args: &InputArgs, command: &str) -> Result<Inputs, Exit> {
    refuse_cluster_flags_without_kube(args, command)?;
    let sources = read_any_sources(args, command)?;
    let left_out = sources.read.left_out;
    let mut loaded = load_inputs(sources.read);
    let default_namespace = args.default_namespace();
    let mut census = Census::default();
    for object in &mut loaded.objects {
        if let Some(namespace) = &args.namespace {
            crate::load::place_in_namespace(object, namespace);
        }
        census.count(object, default_namespace);
    }
    let mut account = InputAccount::new(
        &loaded.files,
        &loaded.errors,
        census,
        sources.failed,
        sources.namespace_filter,
    );
    account.summary.skipped += left_out;
    let mesh_config = crate::validate::mesh_config_for(&loaded.objects, sources.mesh_config);
    Ok(Inputs {
        index: args.index(loaded.objects, mesh_config)?,
        account,
    })
}

/// `--kubeconfig` and `--context` name a cluster to read: they need `--kube`.
fn refuse_cluster_flags_without_kube(args: &InputArgs, command: &str) -> Result<(), Exit> {
    if !args.kube && (args.kubeconfig.is_some() || args.context.is_some()) {
        eprintln!("mesh: error: --kubeconfig and --context apply with --kube\n\nUsage: mesh {command} --kube [OPTIONS]");
        return Err(Exit::Usage);
    }
    Ok(())
}

/// [`load`], for a command whose cluster flags also name a pod's cluster.
pub fn load_with_cluster_flags(args: &InputArgs, command: &str) -> Result<Inputs, Exit> {
    let sources = read_any_sources(args, command)?;
    let mut loaded = load_inputs(sources.read);
    print_input_errors(&loaded.errors);
    if let Some(namespace) = &args.namespace {
        for object in &mut loaded.objects {
            crate::load::place_in_namespace(object, namespace);
        }
    }
    let account = InputAccount {
        failed: sources.failed || loaded.has_input_errors(),
        sources_failed: sources.failed,
        namespace_filter: sources.namespace_filter,
        ..InputAccount::default()
    };
    let mesh_config = crate::validate::mesh_config_for(&loaded.objects, sources.mesh_config);
    Ok(Inputs {
        index: args.index(loaded.objects, mesh_config)?,
        account,
    })
}

/// The bytes of every input, read but not parsed, with what reading them told.
pub struct Sources {
    pub read: crate::source::Inputs,
    /// `--mesh-config`, when given and readable.
    pub mesh_config: Option<MeshConfig>,
    /// `--mesh-config` could not be read.
    pub failed: bool,
    /// See [`InputAccount::namespace_filter`].
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
    // Files: `-n` picks the namespace reported; all of them without it.
    let mut namespace_filter = args.namespace.clone();
    let mut read = crate::source::read_paths_filtered(&paths, &args.path_filter()?);
    if read.left_out > 0 {
        eprintln!(
            "mesh: note: {} left out by --exclude or .gitignore (--no-ignore reads what .gitignore lists)",
            if read.left_out == 1 { "1 path".to_string() } else { format!("{} paths", read.left_out) }
        );
    }
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
/// Commands that render rather than report (xds, proxy-config) pass over
/// `mesh test` files beside the config without a word: they are not config,
/// and these commands keep no account of files read.
pub fn print_input_errors(errors: &[crate::source::InputError]) {
    for error in errors {
        if error.severity == InputSeverity::NotConfig {
            continue;
        }
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
    let istiod = args.istiod();
    // A bad MESH_ISTIO_VERSION was refused when the inputs were first read.
    let release = named_release(args.istio).ok().flatten().unwrap_or_default();
    // A bad `--exclude` was refused when the inputs were first read.
    let filter = args.path_filter().unwrap_or_default();
    move || {
        let mut errors = Vec::new();
        let mut mesh_config = None;
        if let Some(path) = &mesh_config_path {
            match MeshConfig::from_file(path) {
                Ok(config) => mesh_config = Some(config),
                Err(error) => errors.push(error.to_string()),
            }
        }
        let loaded = load_inputs(crate::source::read_paths_filtered(&paths, &filter));
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
        let mut index =
            Index::build_for(loaded.objects, mesh_config, &cluster_domain, istiod.clone());
        index.istio_release = release;
        Ok(index)
    }
}

/// Sorts, filters and prints findings, then the run summary on stderr; the
/// exit code follows DESIGN.md for every format alike.
pub fn report(
    mut diagnostics: Vec<Diagnostic>,
    args: &ReportArgs,
    account: InputAccount,
) -> Result<Exit> {
    let InputAccount {
        mut summary,
        mut failed,
        namespace_filter,
        findings,
        not_checked,
        ..
    } = account;
    diagnostics.extend(findings);
    if args.strict {
        diagnostics.extend(not_checked);
        if summary.objects == 0 && !failed {
            eprintln!("mesh: error: --strict: the inputs hold no object to check");
            failed = true;
        }
    }
    if let Some(namespace) = &namespace_filter {
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
    summary.count_findings(&diagnostics);
    let found = diagnostics.len();
    diagnostics.retain(|d| d.level >= args.output_threshold);
    summary.hidden = found - diagnostics.len();
    summary.output_threshold = Some(args.output_threshold);
    let style = Style {
        color: args.output == Format::Text && args.color.enabled(),
        failure_threshold: args.failure_threshold,
    };
    if args.output != Format::Text || !diagnostics.is_empty() {
        print_stdout(&output::render(args.output, &diagnostics, style, &summary))?;
    }
    eprint!("{}", summary.text());
    // An input that could not be read wins: a CI job must see that not
    // everything was checked, whatever the findings (unlike istioctl).
    Ok(if failed {
        Exit::InputError
    } else if failing {
        Exit::Findings
    } else {
        Exit::Ok
    })
}
