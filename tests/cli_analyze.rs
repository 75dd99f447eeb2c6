//! `mesh analyze` end to end: every output format (snapshots), SARIF against
//! its schema, exit codes per format, suppressions, select/ignore, explain.

mod peers;

use std::path::Path;

use peers::mesh;

const FIXTURE: &str = "testdata/analyze/outputs/findings.yaml";
/// The rules the fixture exercises, so new rules do not move the snapshots.
const RULES: &str = "IST0106,IST0144,MESH001";

fn analyze(format: &str) -> (i32, String) {
    let (code, stdout, _) = mesh(&[
        "analyze",
        "-o",
        format,
        "--select",
        RULES,
        "-S",
        "IST0101=Service nowhere/none",
        FIXTURE,
    ]);
    (code, stdout.replace(env!("CARGO_PKG_VERSION"), "VERSION"))
}

#[test]
fn text_output() {
    let (code, out) = analyze("text");
    assert_eq!(code, 79);
    insta::assert_snapshot!(out);
}

#[test]
fn json_output() {
    insta::assert_snapshot!(analyze("json").1);
}

#[test]
fn yaml_output() {
    insta::assert_snapshot!(analyze("yaml").1);
}

#[test]
fn sarif_output() {
    insta::assert_snapshot!(analyze("sarif").1);
}

#[test]
fn junit_output() {
    insta::assert_snapshot!(analyze("junit").1);
}

#[test]
fn github_output() {
    insta::assert_snapshot!(analyze("github").1);
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-2.1.0-rtm.5.json");
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    // The published schema's `language` patterns are not valid regexes (a
    // stray `]`); they constrain a field we never write.
    for definition in ["run", "toolComponent"] {
        schema["definitions"][definition]["properties"]["language"]
            .as_object_mut()
            .unwrap()
            .remove("pattern");
    }
    let validator = jsonschema::validator_for(&schema).unwrap();
    for args in [
        vec!["analyze", "-o", "sarif", FIXTURE],
        vec!["analyze", "-o", "sarif", "testdata/echo-grpc/"],
    ] {
        let (_, stdout, _) = mesh(&args);
        let log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    }
}

#[test]
fn exit_codes_are_the_same_for_every_format() {
    for format in ["text", "json", "yaml", "sarif", "junit", "github"] {
        assert_eq!(analyze(format).0, 79, "{format}");
        let (code, _, _) = mesh(&["analyze", "-o", format, "testdata/echo-grpc/"]);
        assert_eq!(code, 0, "{format}");
        let (code, _, _) = mesh(&[
            "analyze",
            "-o",
            format,
            "testdata/invalid/input/malformed.yaml",
        ]);
        assert_eq!(code, 65, "{format}");
        let (code, _, _) = mesh(&[
            "analyze",
            "-o",
            format,
            "--failure-threshold",
            "warning",
            "--select",
            "IST0144",
            FIXTURE,
        ]);
        assert_eq!(code, 79, "{format}");
        let (code, _, _) = mesh(&["analyze", "-o", format, "--select", "IST0144", FIXTURE]);
        assert_eq!(
            code, 0,
            "{format}: a Warning is below the default failure threshold"
        );
    }
    assert_eq!(mesh(&["analyze", "--select", "NOPE", FIXTURE]).0, 64);
    assert_eq!(mesh(&["analyze", "-S", "not-a-suppression", FIXTURE]).0, 64);
    assert_eq!(mesh(&["analyze", "-o", "xml", FIXTURE]).0, 64);
}

#[test]
fn suppressions_hide_findings_and_unused_ones_are_reported() {
    let (_, out, _) = mesh(&[
        "analyze",
        "-o",
        "json",
        "--select",
        RULES,
        "-S",
        "IST0144=Deployment shop/*",
        FIXTURE,
    ]);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let codes: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap(),
                f["origin"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // The Deployment's IST0144 is hidden by the flag, the Pod's by its annotation.
    assert_eq!(codes, [("IST0106", "VirtualService shop/reviews")]);
    let (_, out, _) = mesh(&[
        "analyze",
        "-o",
        "json",
        "--select",
        RULES,
        "-S",
        "IST0144=Deployment other/*",
        FIXTURE,
    ]);
    assert!(
        out.contains("Suppression \\\"IST0144=Deployment other/*\\\" matched no finding"),
        "{out}"
    );
}

#[test]
fn select_and_ignore_pick_rules_by_code_or_name() {
    let (_, out, _) = mesh(&[
        "analyze",
        "-o",
        "json",
        "--select",
        "application-uid-1337",
        FIXTURE,
    ]);
    assert!(out.contains("IST0144") && !out.contains("IST0106"), "{out}");
    let (_, out, _) = mesh(&[
        "analyze", "-o", "json", "--select", RULES, "--ignore", "IST0144", FIXTURE,
    ]);
    assert!(
        !out.contains("\"IST0144\"") && out.contains("IST0106"),
        "{out}"
    );
}

#[test]
fn explain_and_list_rules_share_the_rule_text() {
    let (code, out, _) = mesh(&["explain", "IST0144"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("## What it checks") && out.contains("## How to fix"),
        "{out}"
    );
    let (_, list, _) = mesh(&["analyze", "--list-rules"]);
    let summary = out.lines().nth(2).unwrap();
    assert!(list.contains(summary), "{summary:?} not in\n{list}");
    assert_eq!(mesh(&["explain", "IST9999"]).0, 64);
}

#[test]
fn junit_fails_only_findings_at_the_failure_threshold() {
    let run = |threshold: &str| {
        mesh(&[
            "analyze",
            "-o",
            "junit",
            "--select",
            RULES,
            "--failure-threshold",
            threshold,
            FIXTURE,
        ])
    };
    let (code, errors_only, _) = run("error");
    assert_eq!(code, 79);
    assert!(
        errors_only.contains("tests=\"2\" failures=\"1\""),
        "{errors_only}"
    );
    assert_eq!(
        errors_only.matches("<system-out>").count(),
        1,
        "{errors_only}"
    );
    let (_, warnings_too, _) = run("warning");
    assert!(
        warnings_too.contains("tests=\"2\" failures=\"2\""),
        "{warnings_too}"
    );
}

#[test]
fn hidden_findings_are_counted_never_called_no_issues() {
    let (code, out, err) = mesh(&[
        "analyze",
        "--select",
        "IST0144",
        "--output-threshold",
        "error",
        "--failure-threshold",
        "warning",
        FIXTURE,
    ]);
    assert_eq!(code, 79, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(!err.contains("No validation issues"), "{err}");
    assert!(
        err.contains("1 finding below --output-threshold error not shown"),
        "{err}"
    );
}

#[test]
fn select_and_ignore_that_leave_no_rule_are_a_usage_error() {
    let (code, _, err) = mesh(&[
        "analyze", "--select", "IST0144", "--ignore", "IST0144", FIXTURE,
    ]);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("leave no rule"), "{err}");
}

#[test]
fn an_unreadable_input_exits_65_even_with_findings() {
    let (code, out, err) = mesh(&[
        "analyze",
        "--select",
        RULES,
        FIXTURE,
        "testdata/invalid/input/malformed.yaml",
    ]);
    assert!(out.contains("[IST0106]"), "{out}");
    assert_eq!(code, 65, "{err}");
}

/// A VirtualService alone: its Service, DestinationRule and Gateway live
/// elsewhere.
const PARTIAL: &str = "testdata/analyze/partial/virtual-service.yaml";
/// The same VirtualService with the DestinationRule of another host.
const PARTIAL_WITH_DESTINATION_RULES: &str = "testdata/analyze/partial";
const MISSING_SUBSET: &str =
    "Referenced host+subset in destinationrule not found: \\\"reviews+v1\\\"";

#[test]
fn references_to_a_kind_the_inputs_hold_none_of_are_set_aside_and_the_summary_says_so() {
    let (code, stdout, stderr) = mesh(&["analyze", "-o", "json", "--select", "IST0101", PARTIAL]);
    assert_eq!(code, 0, "{stdout}");
    assert!(!stdout.contains("IST0101"), "{stdout}");
    assert!(
        stderr.contains("no findings; 3 findings on unresolved references set aside")
            && stderr.contains(
                "set aside: 1 finding on references to DestinationRules: the inputs hold none \
                 (--report-unresolved DestinationRule reports them, as istioctl does)"
            ),
        "{stderr}"
    );
}

#[test]
fn report_unresolved_reports_them_as_istioctl_does() {
    let (code, stdout, stderr) = mesh(&[
        "analyze",
        "-o",
        "json",
        "--select",
        "IST0101",
        "--report-unresolved",
        "DestinationRule",
        PARTIAL,
    ]);
    assert_eq!(code, 79, "{stderr}");
    assert!(stdout.contains(MISSING_SUBSET), "{stdout}");
    // The other kinds are still set aside.
    assert!(
        stderr.contains("2 findings on unresolved references set aside"),
        "{stderr}"
    );
    let (code, stdout, _) = mesh(&[
        "analyze",
        "-o",
        "json",
        "--select",
        "IST0101",
        "--report-unresolved",
        "all",
        PARTIAL,
    ]);
    assert_eq!(code, 79);
    for message in [
        "Referenced gateway not found: \\\"shop-gateway\\\"",
        "Referenced host not found: \\\"reviews\\\"",
        MISSING_SUBSET,
    ] {
        assert!(stdout.contains(message), "{message} in {stdout}");
    }
}

#[test]
fn references_to_a_kind_the_inputs_hold_some_of_are_reported() {
    let (code, stdout, _) = mesh(&[
        "analyze",
        "-o",
        "json",
        "--select",
        "IST0101",
        PARTIAL_WITH_DESTINATION_RULES,
    ]);
    assert_eq!(code, 79);
    assert!(stdout.contains(MISSING_SUBSET), "{stdout}");
}

#[test]
fn ignore_unresolved_sets_them_aside_even_when_the_inputs_hold_some() {
    let (code, stdout, stderr) = mesh(&[
        "analyze",
        "--select",
        "IST0101",
        "--ignore-unresolved",
        "destinationrule",
        "--use-kube=false",
        PARTIAL_WITH_DESTINATION_RULES,
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(
            "set aside: 1 finding on references to DestinationRules the inputs do not hold \
             (--ignore-unresolved DestinationRule)"
        ),
        "{stderr}"
    );
}

#[test]
fn unresolved_flags_naming_the_same_kind_or_no_kind_are_usage_errors() {
    let (code, _, stderr) = mesh(&[
        "analyze",
        "--report-unresolved",
        "all",
        "--ignore-unresolved",
        "Gateway",
        PARTIAL,
    ]);
    assert_eq!(code, 64, "{stderr}");
    assert!(
        stderr.contains("--report-unresolved and --ignore-unresolved both name Gateway"),
        "{stderr}"
    );
    let (code, _, stderr) = mesh(&["analyze", "--ignore-unresolved", "Pod", PARTIAL]);
    assert_eq!(code, 64, "{stderr}");
}

#[test]
fn findings_set_aside_are_in_the_sarif_and_junit_summaries() {
    let (_, sarif, _) = mesh(&["analyze", "-o", "sarif", "--select", "IST0101", PARTIAL]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let set_aside = &sarif["runs"][0]["invocations"][0]["properties"]["unresolvedSetAside"];
    assert!(
        set_aside
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"kind": "DestinationRule", "reason": "the inputs hold none", "count": 1})),
        "{set_aside}"
    );
    let (_, junit, _) = mesh(&["analyze", "-o", "junit", "--select", "IST0101", PARTIAL]);
    assert!(
        junit.contains(
            r#"<property name="set-aside DestinationRule" value="1: the inputs hold none"/>"#
        ),
        "{junit}"
    );
}

#[test]
fn istioctl_flags_are_accepted() {
    let (code, stdout, _) = mesh(&["analyze", "-L"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("virtual-service-subset-not-found"));
    let (code, _, stderr) = mesh(&["analyze", "-k=false", "--timeout", "5s", PARTIAL]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = mesh(&["analyze", "-R", PARTIAL]);
    assert_eq!(code, 64, "-R is not accepted: {stderr}");
}

#[test]
fn ignore_unknown_keeps_unreadable_documents_out_of_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yaml");
    std::fs::write(&file, "kind: [unclosed\n").unwrap();
    let path = file.to_str().unwrap();
    let (code, _, _) = mesh(&["analyze", path]);
    assert_eq!(code, 65);
    let (code, stdout, stderr) = mesh(&["analyze", "--ignore-unknown", path]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stderr.contains("1 input could not be read"), "{stderr}");
}

#[test]
fn mesh_networks_registries_are_checked_against_remote_secrets() {
    let dir = "testdata/analyze/mesh-networks";
    let networks = format!("{dir}/networks.yaml");
    let secret = format!("{dir}/remote-secret.yaml");
    let (code, stdout, _) = mesh(&[
        "analyze",
        "--select",
        "IST0126",
        "--mesh-networks",
        &networks,
        &secret,
    ]);
    assert_eq!(code, 79, "{stdout}");
    assert!(stdout.contains("Error [IST0126] (MeshNetworks istio-system/meshnetworks testdata/analyze/mesh-networks/networks.yaml:8:7) Unknown service registry cluster-3 in network network2"), "{stdout}");
    assert!(!stdout.contains("cluster-2"), "{stdout}");
    // Without the flag there is nothing to check; an unreadable file is an input error.
    let (code, stdout, _) = mesh(&["analyze", "--select", "IST0126", &secret]);
    assert_eq!(code, 0, "{stdout}");
    let (code, _, stderr) = mesh(&[
        "analyze",
        "--mesh-networks",
        &format!("{dir}/missing.yaml"),
        &secret,
    ]);
    assert_eq!(code, 65, "{stderr}");
}
