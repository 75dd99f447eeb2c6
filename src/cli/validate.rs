//! `mesh validate`: flags and glue.

use anyhow::Result;

use super::common::{self, InputArgs, ReportArgs};
use super::Exit;

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
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    report: ReportArgs,
}

pub fn run(args: Args) -> Result<Exit> {
    let sources = match common::read_sources(&args.input, "validate") {
        Ok(sources) => sources,
        Err(exit) => return Ok(exit),
    };
    let left_out = sources.read.left_out;
    let validated = crate::validate::validate_inputs(sources.read, args.input.namespace());
    // `analyze` reports these as a rule, which `--select` can leave out.
    let duplicates = crate::model::identity::duplicate_findings(&validated.census.identities);
    let mut account = common::InputAccount::new(
        &validated.files,
        &validated.errors,
        validated.census,
        sources.failed,
        sources.namespace_filter,
    );
    account.summary.skipped += left_out;
    account.findings.extend(duplicates);
    common::report(validated.diagnostics, &args.report, account)
}
