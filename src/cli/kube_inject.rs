//! `mesh kube-inject`: flags and glue.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{print_stdout, Exit};
use crate::inject::{self, Injector};
use crate::source::{self, InputSeverity};

/// Inject Istio's sidecar, gateway or proxyless gRPC templates into manifests, offline.
///
/// Injects Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs,
/// CronJobs, ReplicationControllers, DeploymentConfigs and Lists; other
/// documents pass through byte for byte. Each pod gets the templates named by
/// its `inject.istio.io/templates` annotation (`sidecar` by default). With no
/// config flags the built-in templates and values are used; give the
/// cluster's own injector config, values and mesh config to match it.
///
/// The built-in templates follow Istio's istio-discovery chart on master at
/// commit 86c9f01 (2026-08-22, after the 1.31 branch): the same output as
/// 1.29 and 1.30 except that the proxy no longer gets GOMAXPROCS. The
/// built-in values name the image docker.io/istio/proxyv2:1.28.0. For a
/// cluster on a release, pass its `istio-sidecar-injector` ConfigMap
/// (`kubectl get cm -n istio-system istio-sidecar-injector -o yaml`) to
/// --inject-config.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mesh kube-inject -f testdata/inject/grpc-agent.yaml\n  \
    mesh kube-inject -f deploy.yaml --inject-config inject-config.yaml \\\n    \
    --values values.json --mesh-config mesh.yaml -o deploy.injected.yaml\n  \
    kubectl get deploy app -o yaml | mesh kube-inject -f - --diff\n\n\
    Exit codes: 0 done (with --diff: no change), 1 with --diff: the injection changes the input \
    (and on other errors), 65 an input or config could not be read or injected, 64 bad usage."
)]
pub struct Args {
    /// The manifest to inject, or `-` for stdin.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    filename: PathBuf,
    /// Write the result to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print a unified diff of the change instead of the result.
    #[arg(long)]
    diff: bool,
    /// Injector config: the `config` key of the `istio-sidecar-injector`
    /// ConfigMap, or the whole ConfigMap (its `values` key is then used too).
    #[arg(long, visible_alias = "injectConfigFile", value_name = "FILE")]
    inject_config: Option<PathBuf>,
    /// Injector values: the `values` key of the `istio-sidecar-injector` ConfigMap (JSON or YAML).
    #[arg(long, visible_alias = "valuesFile", value_name = "FILE")]
    values: Option<PathBuf>,
    /// Mesh config file (MeshConfig, or the `istio` ConfigMap).
    #[arg(long, visible_alias = "meshConfigFile", value_name = "FILE")]
    mesh_config: Option<PathBuf>,
    /// Control plane revision (`default` means none).
    #[arg(short = 'r', long, value_name = "REVISION")]
    revision: Option<String>,
    /// Inject the proxy as a native sidecar (an init container with restartPolicy: Always).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_value_t = false,
          default_missing_value = "true", action = clap::ArgAction::Set)]
    native_sidecars: bool,
    /// Templates to inject into every pod, comma-separated, instead of each
    /// pod's `inject.istio.io/templates` annotation.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    templates: Option<Vec<String>>,
}

pub fn run(args: Args) -> Result<Exit> {
    let injector = match Injector::from_files(
        args.inject_config.as_deref(),
        args.values.as_deref(),
        args.mesh_config.as_deref(),
        args.revision.clone(),
        args.native_sidecars,
        args.templates.clone(),
    ) {
        Ok(injector) => injector,
        Err(error) => {
            eprintln!("mesh: error: {error}");
            return Ok(Exit::InputError);
        }
    };
    if let Some(names) = &args.templates {
        let known = injector.template_names();
        if let Some(unknown) = names.iter().find(|n| !known.contains(n)) {
            let mut known = known;
            known.sort();
            eprintln!(
                "mesh: error: --templates: unknown injection template {unknown:?}; expected one of: {}",
                known.join(", ")
            );
            return Ok(Exit::Usage);
        }
    }
    let inputs = source::read_paths(std::slice::from_ref(&args.filename));
    let mut failed = false;
    for error in &inputs.errors {
        failed |= error.severity == InputSeverity::Error;
        eprintln!("mesh: {}: {error}", error.severity.word());
    }
    let Some(file) = inputs.files.first() else {
        return Ok(if failed { Exit::InputError } else { Exit::Ok });
    };
    let injected = match inject::inject_text(&injector, &file.name, &file.text) {
        Ok(injected) => injected,
        Err(error) => {
            eprintln!("mesh: error: {error}");
            return Ok(Exit::InputError);
        }
    };
    for note in &injected.notes {
        eprintln!("mesh: note: {}: {note}", file.name);
    }
    if let Some(note) = unknown_fields_note(&injected.unknown_fields) {
        eprintln!("mesh: note: {}: {note}", file.name);
    }
    // Like `git diff --exit-code`: 1 says the injection changes the file.
    let mut exit = Exit::Ok;
    let text = if args.diff {
        if injected.text != file.text {
            exit = Exit::Failure;
        }
        similar::TextDiff::from_lines(&file.text, &injected.text)
            .unified_diff()
            .context_radius(3)
            .header(&file.name, &format!("{} (injected)", file.name))
            .to_string()
    } else {
        injected.text
    };
    match &args.output {
        Some(path) => write_atomically(path, &text)?,
        None => {
            print_stdout(&text)?;
        }
    }
    Ok(exit)
}

/// One line for all the fields Kubernetes does not define: they are kept,
/// and whether a cluster accepts them depends on its version and on how
/// they are applied.
fn unknown_fields_note(fields: &[String]) -> Option<String> {
    let first = fields.first()?;
    let count = match fields.len() {
        1 => "1 field".to_string(),
        n => format!("{n} fields"),
    };
    let (which, them) = match fields.len() {
        1 => ("", "it"),
        _ => ("first: ", "them"),
    };
    Some(format!(
        "kept {count} Kubernetes does not define ({which}{first}); a cluster that does not \
         know {them} rejects {them} under kubectl's default --validate=strict"
    ))
}

/// Writes through a temporary file in the same directory, then renames it
/// over `path`, so a reader never sees a half-written file. An existing
/// file keeps its permissions; a symbolic link is followed, so the link
/// stays and its target gets the new content.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let followed;
    let path = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            followed = fs::canonicalize(path)
                .with_context(|| format!("cannot follow the link {}", path.display()))?;
            followed.as_path()
        }
        _ => path,
    };
    let permissions = fs::metadata(path).ok().map(|meta| meta.permissions());
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let temp = dir.join(format!(".{name}.mesh-{}.tmp", std::process::id()));
    let result = (|| -> Result<()> {
        let mut file =
            fs::File::create(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", temp.display()))?;
        if let Some(permissions) = permissions {
            fs::set_permissions(&temp, permissions)
                .with_context(|| format!("cannot set the mode of {}", temp.display()))?;
        }
        fs::rename(&temp, path).with_context(|| format!("cannot replace {}", path.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
