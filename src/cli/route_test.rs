//! `mesh test`: routing test files. Flags and glue only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::common::{self, parse_istiod_setting, InputArgs};
use super::{print_stdout, Exit};
use crate::routetest::{self, CaseResult, LocatedCase, TestCase, TestFile};
use crate::source::{self, FieldPath};

/// Run routing tests: RPCs and where they must go, checked offline.
///
/// Each test file lists RPCs (a client, a target, a method, metadata) and
/// what must happen to them: the route that takes them and where it comes
/// from, the destinations with their shares, the status (OK, or the one the
/// RPC fails with), the deadline and retries gRPC applies. Each RPC is
/// evaluated as `mesh xds route` does, with gRPC's semantics. Route
/// coverage lists the VirtualService routes and Gateway API rules no case
/// reaches. The file format's JSON Schema is `mesh schema mesh-test`
/// (schemas/mesh-test.json).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mesh test testdata/echo-grpc/tests/routing.yaml\n  \
    mesh test routing-tests.yaml -f k8s/ --min-coverage 80 -o junit > routing.xml\n\n\
    Exit codes: 0 every case passed (and coverage reached --min-coverage), \
    79 a case failed or coverage is below it, 65 a test file or config \
    could not be read, 64 bad usage, 1 other errors.")]
pub struct Args {
    /// Test files (YAML).
    #[arg(value_name = "TESTFILE", required = true)]
    tests: Vec<PathBuf>,
    /// Config file or directory the tests run against (repeatable), beside
    /// each test file's own `config`.
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    files: Vec<PathBuf>,
    /// Mesh config file (MeshConfig, or the `istio` ConfigMap).
    #[arg(long, visible_alias = "meshConfigFile", value_name = "FILE")]
    mesh_config: Option<PathBuf>,
    /// The cluster's DNS domain.
    #[arg(long, visible_alias = "domain-suffix", default_value = crate::index::DEFAULT_CLUSTER_DOMAIN, value_name = "DOMAIN")]
    cluster_domain: String,
    /// An istiod setting by its environment name (repeatable).
    #[arg(long = "istiod-env", value_name = "KEY=VALUE", value_parser = parse_istiod_setting)]
    istiod_env: Vec<(String, String)>,
    /// The istiod release to test against: 1.22 … 1.31 [default:
    /// MESH_ISTIO_VERSION, else the newest, 1.31].
    #[arg(long = "istio", value_name = "VERSION", value_parser = common::parse_istio_release)]
    istio: Option<crate::semantics::IstioRelease>,
    /// Fail (exit 79) when fewer than PCT percent of the routes are reached.
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    min_coverage: Option<f64>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "text")]
    output: TestFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TestFormat {
    Text,
    Json,
    Junit,
    Sarif,
}

fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "expected a percentage from 0 to 100, found {text:?}"
        )),
    }
}

/// A test file read: its config paths (resolved) and its located cases.
struct ReadTests {
    config: Vec<PathBuf>,
    cases: Vec<LocatedCase>,
}

/// Reads a test file; errors are `file:line:column: message`.
fn read_test_file(path: &Path) -> Result<ReadTests, String> {
    let name = path.display().to_string();
    let inputs = source::read_paths(&[path.to_path_buf()]);
    if let Some(error) = inputs.errors.first() {
        return Err(format!("{name}: {error}"));
    }
    let text = inputs
        .files
        .first()
        .map(|f| f.text.clone())
        .ok_or_else(|| format!("{name}: nothing read"))?;
    let stream = source::yaml::parse_stream(&text);
    if let Some(error) = stream.errors.first() {
        return Err(format!("{name}:{}: {}", error.pos, error.message));
    }
    let Some(root) = stream.documents.into_iter().find_map(|d| d.root) else {
        return Err(format!("{name}: empty test file: expected `tests:`"));
    };
    let json = source::yaml::parse_values(&text)
        .documents
        .into_iter()
        .find_map(|d| d.root)
        .unwrap_or_default();
    let at = |field: &str| {
        let pos = root
            .locate_nearest(&FieldPath::parse(field).unwrap_or_default())
            .value;
        format!("{name}:{pos}")
    };
    let mut header = json.clone();
    if let Some(map) = header.as_object_mut() {
        map.insert("tests".into(), serde_json::Value::Array(Vec::new()));
    }
    let file: TestFile = serde_json::from_value(header).map_err(|e| format!("{}: {e}", at("")))?;
    let items = json
        .get("tests")
        .and_then(|t| t.as_array())
        .cloned()
        .unwrap_or_default();
    let base = path.parent().unwrap_or(Path::new("."));
    let mut cases = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let field = format!("tests[{i}]");
        let case: TestCase =
            serde_json::from_value(item).map_err(|e| format!("{}: {field}: {e}", at(&field)))?;
        let pos = root
            .locate_nearest(&FieldPath::parse(&field).unwrap_or_default())
            .value;
        cases.push(LocatedCase {
            file: name.clone(),
            line: pos.line,
            column: pos.column,
            case,
        });
    }
    if cases.is_empty() {
        return Err(format!("{}: no test cases under `tests:`", at("tests")));
    }
    Ok(ReadTests {
        config: file.config.iter().map(|c| tidy(&base.join(c))).collect(),
        cases,
    })
}

/// `tests/../k8s/a.yaml` as `k8s/a.yaml`: paths read as the user would
/// write them, in findings and coverage (lexically: a `..` after a
/// symbolic link is kept as it is).
fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

pub fn run(args: Args) -> Result<Exit> {
    let mut groups: BTreeMap<Vec<PathBuf>, Vec<LocatedCase>> = BTreeMap::new();
    for path in &args.tests {
        match read_test_file(path) {
            Ok(read) => {
                let mut config = read.config;
                config.extend(args.files.iter().cloned());
                groups.entry(config).or_default().extend(read.cases);
            }
            Err(message) => {
                eprintln!("mesh: error: {message}");
                return Ok(Exit::InputError);
            }
        }
    }
    let mut results: Vec<CaseResult> = Vec::new();
    let mut units = BTreeMap::new();
    for (config, cases) in groups {
        if config.is_empty() {
            eprintln!(
                "mesh: error: {}: no config: give `config:` in the test file or -f PATH",
                cases[0].file
            );
            return Ok(Exit::Usage);
        }
        let input = InputArgs::files_only(
            config,
            args.mesh_config.clone(),
            args.cluster_domain.clone(),
            args.istiod_env.clone(),
            args.istio,
        );
        let inputs = match common::load(&input, "test") {
            Ok(inputs) => inputs,
            Err(exit) => return Ok(exit),
        };
        if inputs.account.failed {
            return Ok(Exit::InputError);
        }
        units.extend(routetest::route_units(&inputs.index));
        results.extend(
            cases
                .iter()
                .map(|case| routetest::run_case(&inputs.index, case)),
        );
    }
    results.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let coverage = routetest::coverage(&units, &routetest::reached(&results));
    let percent = routetest::coverage_percent(&coverage);
    let report = crate::output::route_tests::Report {
        results: &results,
        coverage: &coverage,
        coverage_percent: percent,
        min_coverage: args.min_coverage,
    };
    let text = match args.output {
        TestFormat::Text => report.text(),
        TestFormat::Json => report.json().context("cannot write JSON")?,
        TestFormat::Junit => report.junit(),
        TestFormat::Sarif => report.sarif().context("cannot write SARIF")?,
    };
    print_stdout(&text)?;
    if args.output != TestFormat::Text {
        eprintln!("{}", report.closing_line());
    }
    let failed = results.iter().any(|r| !r.passed);
    let below = args.min_coverage.is_some_and(|min| percent + 1e-9 < min);
    Ok(if failed || below {
        Exit::Findings
    } else {
        Exit::Ok
    })
}
