//! Istio's field rules end to end: every invalid fixture object gets a located
//! finding, and the valid examples get none.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const MESH: &str = env!("CARGO_BIN_EXE_mesh");

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(MESH)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// `Kind ns/name` of every object in the fixture folder.
fn fixture_origins(dir: &Path) -> BTreeSet<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let files = files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| mesh::source::SourceFile::new("f.yaml", std::fs::read_to_string(p).unwrap()))
        .collect();
    let loaded = mesh::load::load_files(files);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded
        .objects
        .iter()
        .map(|o| o.origin().to_string())
        .collect()
}

#[test]
fn every_invalid_fixture_object_is_reported_at_a_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/invalid/fields");
    let expected = fixture_origins(&dir);
    assert!(expected.len() >= 30, "{expected:?}");
    let (code, stdout) = run(&["validate", "-o", "json", "testdata/invalid/fields/"]);
    assert_eq!(code, 79);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let mut reported = BTreeSet::new();
    for finding in &findings {
        assert!(finding["line"].as_u64().is_some_and(|l| l > 0), "{finding}");
        assert!(
            ["IST0106", "IST0133"].contains(&finding["code"].as_str().unwrap()),
            "{finding}"
        );
        reported.insert(finding["origin"].as_str().unwrap().to_string());
    }
    let missed: Vec<_> = expected.difference(&reported).collect();
    assert!(missed.is_empty(), "no finding for {missed:?}");
}

#[test]
fn warnings_use_ist0133_and_respect_the_thresholds() {
    let (_, stdout) = run(&[
        "validate",
        "-o",
        "json",
        "--output-threshold",
        "warning",
        "testdata/invalid/fields/",
    ]);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let warnings: Vec<_> = findings
        .iter()
        .filter(|f| f["level"] == "Warning")
        .collect();
    assert!(!warnings.is_empty());
    assert!(warnings.iter().all(|f| f["code"] == "IST0133"));
    assert!(warnings.iter().all(|f| f["message"]
        .as_str()
        .unwrap()
        .starts_with("Schema validation warning: ")));
    let (_, stdout) = run(&[
        "validate",
        "-o",
        "json",
        "--output-threshold",
        "error",
        "testdata/invalid/fields/",
    ]);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    assert!(findings.iter().all(|f| f["level"] == "Error"));
}

#[test]
fn a_destination_rule_finding_names_the_bad_value() {
    let (_, stdout) = run(&["validate", "testdata/invalid/fields/destination-rule.yaml"]);
    assert!(
        stdout.contains("Schema validation error: percentage 150 is not in range 0..100"),
        "{stdout}"
    );
}
