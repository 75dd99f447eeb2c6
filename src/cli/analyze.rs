//! `mesh analyze`: flags and glue.

use anyhow::Result;

use super::common::{self, InputArgs, ReportArgs};
use super::{print_stdout, Exit};
use crate::analyze::{self, registry, Selection, Suppression};

/// Find what istioctl analyze finds, at the exact line, without its false positives.
///
/// Runs every rule (list them with --list-rules, read one with `mesh explain
/// CODE`) over files, directories (recursively) or `-` for stdin.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  mesh analyze testdata/echo-grpc/\n  \
    mesh analyze -o sarif k8s/ > mesh.sarif\n  \
    mesh analyze --failure-threshold warning -S 'IST0102=Namespace *' k8s/\n  \
    mesh analyze --grpc go@1.66 k8s/\n  \
    mesh analyze --assume-proxyless --grpc python@1.85 routing-config/\n  \
    mesh analyze --list-rules\n\n\
    Exit codes: 0 clean, 79 findings at or above --failure-threshold, \
    65 an input could not be read, 64 bad usage, 1 other errors.")]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    report: ReportArgs,
    /// Hide findings: 'CODE=Kind ns/name', `*` globs allowed (repeatable).
    #[arg(short = 'S', long = "suppress", value_name = "CODE=RESOURCE")]
    suppress: Vec<Suppression>,
    /// Run only these rules (codes or names, comma-separated). Opt-in rules
    /// (marked in --list-rules) run only when named here.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    select: Vec<String>,
    /// Do not run these rules (codes or names, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    ignore: Vec<String>,
    /// The gRPC runtime of proxyless workloads: LANG@VERSION (cpp, python,
    /// ruby, php, java, go, node; e.g. go@1.66), LANG for a current release,
    /// or `any` (report what C++, Python, Java, Go or Node mis-handles,
    /// naming which; Ruby and PHP only when named). A
    /// workload's `mesh.dev/grpc-runtime` annotation overrides it.
    #[arg(long, value_name = "LANG@VERSION", default_value = "any")]
    grpc: crate::grpc_support::Runtime,
    /// Check configuration-only inputs as proxyless gRPC workloads would
    /// receive them: every host is taken to be dialled by proxyless clients
    /// (of the --grpc runtime) from every namespace of the inputs that can
    /// see it, and every Service or policy selector that selects no workload
    /// of the inputs to select proxyless servers. Findings name them
    /// "in NS (assumed)".
    #[arg(long)]
    assume_proxyless: bool,
    /// List the rules with their code, name, level and summary, then exit.
    #[arg(short = 'L', long, visible_alias = "list-analyzers")]
    list_rules: bool,
    /// Report references to objects of these kinds (or `all`) that the
    /// inputs do not hold even when the inputs hold no object of the kind,
    /// as istioctl does. By default those findings are set aside (the inputs
    /// are evidently partial for that kind) and the run summary counts them.
    #[arg(long, value_delimiter = ',', value_name = "KIND", ignore_case = true)]
    report_unresolved: Vec<analyze::unresolved::KindOrAll>,
    /// Analyzing part of a mesh: set aside findings on references to
    /// objects of these kinds that the inputs do not hold, even when the
    /// inputs hold some of the kind (Service also covers ServiceEntry
    /// hosts). The run summary counts them.
    #[arg(long, value_delimiter = ',', value_name = "KIND", ignore_case = true)]
    ignore_unresolved: Vec<analyze::unresolved::Referenced>,
    /// Documents that cannot be read are counted in the summary, but are no
    /// finding (MESH002) and do not make the exit code 65 (istioctl's flag).
    #[arg(long)]
    ignore_unknown: bool,
    /// A MeshNetworks config file (`networks:` by name): IST0126 checks
    /// its `fromRegistry` endpoints.
    #[arg(long, value_name = "FILE")]
    mesh_networks: Option<std::path::PathBuf>,
    /// How long each request to the cluster may take, with --kube.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = common::parse_timeout)]
    timeout: std::time::Duration,
}

pub fn run(mut args: Args) -> Result<Exit> {
    if args.list_rules {
        let mut out = format!(
            "{:<8} {:<44} {:<8} {}\n",
            "CODE", "NAME", "LEVEL", "SUMMARY"
        );
        for rule in registry::rules() {
            out.push_str(&format!(
                "{:<8} {:<44} {:<8} {}{}\n",
                rule.code,
                rule.name,
                rule.level.as_str(),
                if rule.opt_in {
                    "(opt-in: runs only with --select) "
                } else {
                    ""
                },
                rule.summary()
            ));
        }
        return print_stdout(&out);
    }
    let selection = Selection {
        select: args.select,
        ignore: args.ignore,
    };
    let unknown = selection.unknown_keys();
    if !unknown.is_empty() {
        eprintln!(
            "mesh: error: no rule has the code or name {}; see `mesh analyze --list-rules`",
            unknown.join(", ")
        );
        return Ok(Exit::Usage);
    }
    if !registry::rules().any(|rule| selection.includes(rule)) {
        eprintln!("mesh: error: --select and --ignore leave no rule to run");
        return Ok(Exit::Usage);
    }
    let report_unresolved = analyze::unresolved::expand(&args.report_unresolved);
    if let Some(kind) =
        analyze::unresolved::named_by_both(&report_unresolved, &args.ignore_unresolved)
    {
        eprintln!(
            "mesh: error: --report-unresolved and --ignore-unresolved both name {}",
            kind.as_str()
        );
        return Ok(Exit::Usage);
    }
    args.input.cluster_timeout = Some(args.timeout);
    let mut inputs = match common::load_for_report(&args.input, "analyze") {
        Ok(inputs) => inputs,
        Err(exit) => return Ok(exit),
    };
    if let Some(path) = &args.mesh_networks {
        match crate::model::mesh_networks::MeshNetworks::from_file(path) {
            Ok(read) => inputs.index.mesh_networks = Some(read),
            Err(error) => {
                eprintln!("mesh: error: {error}");
                return Ok(Exit::InputError);
            }
        }
    }
    // The summary counts what the user wrote, not the assumed workloads.
    let mut account = std::mem::take(&mut inputs.account);
    if args.ignore_unknown {
        account.ignore_unreadable();
    }
    // From what the user's inputs hold, before any assumed workloads.
    let set_aside_kinds = analyze::unresolved::SetAsideKinds::decide(
        &inputs.index,
        &report_unresolved,
        &args.ignore_unresolved,
    );
    if args.assume_proxyless {
        let release = inputs.index.istio_release;
        inputs.index = crate::semantics::assumed::with_assumed_proxyless(inputs.index);
        // The rebuilt index keeps the istiod settings, not the release.
        inputs.index.istio_release = release;
    } else if analyze::proxyless::nothing_to_check(&inputs.index, &selection) {
        eprintln!(
            "mesh: note: no proxyless gRPC workload in the inputs, so the GRPC rules had nothing to check; \
             --assume-proxyless checks these configs as proxyless gRPC clients and servers would receive them"
        );
    }
    let found = analyze::analyze_for(&inputs.index, &selection, args.grpc);
    let diagnostics = analyze::suppress::apply(found, &args.suppress, &inputs.index);
    let (diagnostics, set_aside) = set_aside_kinds.apply(diagnostics);
    account.summary.set_aside = set_aside;
    std::mem::forget(inputs);
    common::report(diagnostics, &args.report, account)
}
