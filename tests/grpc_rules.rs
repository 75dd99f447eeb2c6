//! The GRPC rules end to end, one fixture folder per rule:
//! `testdata/rules/GRPCxxx/` holds `fires*.yaml` (the rule must report, and
//! the text output is snapshot-tested) and `silent*.yaml` (the rule must not
//! report). A first line `# mesh-args: --grpc go@1.66` passes flags.

use std::path::{Path, PathBuf};
use std::process::Command;

const MESH: &str = env!("CARGO_BIN_EXE_mesh");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn grpc_codes() -> Vec<String> {
    let out = Command::new(MESH)
        .args(["analyze", "--list-rules"])
        .output()
        .unwrap();
    let mut codes: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|code| code.starts_with("GRPC"))
        .map(str::to_string)
        .collect();
    codes.dedup();
    codes
}

fn fixtures(code: &str) -> Vec<PathBuf> {
    let dir = root().join("testdata/rules").join(code);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{code} has no fixture folder {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Runs the rule on a fixture: (exit code, stdout).
fn analyze(code: &str, file: &Path) -> (i32, String) {
    let text = std::fs::read_to_string(file).unwrap();
    let extra: Vec<&str> = text
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# mesh-args:"))
        .map(|args| args.split_whitespace().collect())
        .unwrap_or_default();
    let relative = file.strip_prefix(root()).unwrap();
    let out = Command::new(MESH)
        .args(["analyze", "--color", "never", "--select", code])
        .args(&extra)
        .arg(relative)
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn every_grpc_rule_fires_and_stays_silent_where_it_should() {
    let codes = grpc_codes();
    assert!(!codes.is_empty());
    let mut failures = Vec::new();
    for code in &codes {
        let files = fixtures(code);
        let fires: Vec<_> = files
            .iter()
            .filter(|f| {
                f.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("fires")
            })
            .collect();
        let silent: Vec<_> = files
            .iter()
            .filter(|f| {
                f.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("silent")
            })
            .collect();
        if fires.is_empty() || silent.is_empty() {
            failures.push(format!("{code}: needs fires*.yaml and silent*.yaml"));
        }
        for file in fires {
            let (status, out) = analyze(code, file);
            let tag = format!("[{code}]");
            if !out.contains(&tag) {
                failures.push(format!("{}: {code} did not fire:\n{out}", file.display()));
                continue;
            }
            let expected_status = if out.lines().any(|l| l.starts_with("Error")) {
                79
            } else {
                0
            };
            if status != expected_status {
                failures.push(format!(
                    "{}: exit {status}, expected {expected_status}",
                    file.display()
                ));
            }
            let name = format!("{code}-{}", file.file_stem().unwrap().to_string_lossy());
            insta::assert_snapshot!(name, out);
        }
        for file in silent {
            let (status, out) = analyze(code, file);
            if out.contains(&format!("[{code}]")) || status != 0 {
                failures.push(format!(
                    "{}: {code} fired (exit {status}):\n{out}",
                    file.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `--grpc` changes the answer where runtimes differ: Go servers have no
/// trouble with a grpc-timeout header condition, C++ ones may reject it;
/// both runtimes reject LEAST_REQUEST at these releases, each named.
#[test]
fn grpc_runtime_changes_the_findings() {
    let run = |runtime: &str| {
        let out = Command::new(MESH)
            .args([
                "analyze", "--color", "never", "-o", "json", "--grpc", runtime,
            ])
            .args(["--select", "GRPC022,GRPC050"])
            .args([
                "testdata/rules/GRPC050/fires.yaml",
                "testdata/rules/GRPC022/fires.yaml",
            ])
            .current_dir(root())
            .output()
            .unwrap();
        let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let go = run("go@1.66");
    let cpp = run("cpp@1.62");
    assert_eq!(
        go.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["GRPC022"]
    );
    assert!(
        go[0].1.contains("by gRPC Go 1.66 (added in 1.73)"),
        "{go:?}"
    );
    assert_eq!(
        cpp.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["GRPC022", "GRPC050"]
    );
    assert!(cpp[0].1.contains("by gRPC C++ 1.62"), "{cpp:?}");
}
