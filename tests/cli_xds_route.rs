//! `mesh xds route` and `mesh test` end to end: where an RPC goes with
//! gRPC's matching rules (hidden pseudo-headers, absent headers never
//! matching, skipped query routes, case folding), the source rule of each
//! route (a VirtualService's `http[i]`, a GRPCRoute's rule), rejected route
//! configurations, faults, deadlines and retries as gRPC runs them; test
//! files, their output formats, route coverage and its gate.

mod peers;

use peers::mesh;
use serde_json::Value as Json;

const MESH: &str = "testdata/xds-traffic/mesh.yaml";
const SUBSETS: &str = "testdata/xds-traffic/dr-subsets.yaml";
const TARGET: &str = "echo.traffic.svc.cluster.local:7070";

/// `mesh xds route` for the traffic client on `config`, as JSON.
fn route(config: &[&str], method: &str, extra: &[&str]) -> (i32, Json) {
    let mut args = vec!["xds", "route"];
    args.extend_from_slice(config);
    args.extend_from_slice(&[
        "--workload",
        "traffic/client",
        "--target",
        TARGET,
        "--method",
        method,
        "-o",
        "json",
    ]);
    args.extend_from_slice(extra);
    let (code, out, err) = mesh(&args);
    let verdict = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, verdict)
}

fn subsets(verdict: &Json) -> Vec<(String, f64)> {
    verdict["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["subset"].as_str().unwrap_or("").to_string(),
                d["weight_percent"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn header_and_method_matches_pick_the_route_and_say_why_others_missed() {
    let config = [MESH, SUBSETS, "testdata/xds-traffic/vs-match.yaml"];
    let (code, jason) = route(&config, "/echo.Echo/Echo", &["-H", "End-User=jason"]);
    assert_eq!(code, 0);
    assert_eq!(jason["matched"]["name"], "jason");
    assert_eq!(subsets(&jason), vec![("v2".to_string(), 100.0)]);
    let endpoints: Vec<&str> = jason["destinations"][0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["address"].as_str().unwrap())
        .collect();
    assert_eq!(endpoints, ["127.0.0.3:17070", "127.0.0.4:17070"]);

    let (code, other) = route(&config, "/echo.Echo/Other", &[]);
    assert_eq!(code, 0);
    assert_eq!(other["matched"]["name"], "other-method");
    let tried = &other["tried"][0];
    assert_eq!(tried["name"], "jason");
    assert!(tried["reason"]
        .as_str()
        .unwrap()
        .contains("the RPC has no end-user"));
    assert_eq!(
        tried["source"]["location"],
        "testdata/xds-traffic/vs-match.yaml:10:7"
    );

    let (_, rest) = route(&config, "/echo.Echo/Echo", &[]);
    assert_eq!(rest["matched"]["index"], 2);
    assert_eq!(rest["matched"]["source"]["field"], "spec.http[2]");
    assert_eq!(subsets(&rest), vec![("v1".to_string(), 100.0)]);
}

#[test]
fn text_output_names_the_route_source_and_the_result() {
    let (code, out, err) = mesh(&[
        "xds",
        "route",
        MESH,
        SUBSETS,
        "testdata/xds-traffic/vs-weights.yaml",
        "--workload",
        "traffic/client",
        "--target",
        TARGET,
        "--method",
        "/echo.Echo/Echo",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("from VirtualService traffic/echo spec.http[0]"),
        "{out}"
    );
    assert!(
        out.contains(" 20.0%  outbound|7070|v1|echo.traffic.svc.cluster.local"),
        "{out}"
    );
    assert!(
        out.contains(" 80.0%  outbound|7070|v2|echo.traffic.svc.cluster.local"),
        "{out}"
    );
    assert!(out.ends_with("result: reaches a backend\n"), "{out}");
}

#[test]
fn grpc_hides_pseudo_headers_skips_query_routes_and_never_matches_absent_headers() {
    let config = [MESH, SUBSETS, "testdata/xds-route/vs-conditions.yaml"];
    // x-internal present and equal: the inverted match misses, :authority
    // is never visible, the query route is skipped: the case-folded prefix takes it.
    let (code, verdict) = route(&config, "/echo.Echo/Echo", &["-H", "x-internal=yes"]);
    assert_eq!(code, 0);
    let reasons: Vec<&str> = verdict["tried"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[0].contains("gRPC skips the route"), "{reasons:?}");
    assert!(reasons[1].contains("the RPC has x-internal"), "{reasons:?}");
    assert!(reasons[2].contains("never shows :authority"), "{reasons:?}");
    assert_eq!(verdict["matched"]["name"], "any-case");
    // Without x-internal, Envoy would take `not-internal`; gRPC does not.
    let (_, absent) = route(&config, "/echo.Echo/Echo", &[]);
    assert_eq!(absent["matched"]["name"], "any-case");
    assert!(absent["tried"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("never matches an absent header"));
    // No route matches another service's method: UNAVAILABLE, exit 79.
    let (code, none) = route(&config, "/other.Service/Get", &[]);
    assert_eq!(code, 79);
    assert_eq!(none["outcome"]["status"], "UNAVAILABLE");
    assert!(none["outcome"]["reason"]
        .as_str()
        .unwrap()
        .starts_with("no route of echo.traffic.svc.cluster.local:7070 matches"));
}

#[test]
fn a_cors_policy_gets_the_route_configuration_rejected() {
    let (code, verdict) = route(
        &[MESH, SUBSETS, "testdata/xds-route/vs-cors.yaml"],
        "/echo.Echo/Echo",
        &[],
    );
    assert_eq!(code, 79);
    assert_eq!(verdict["outcome"]["status"], "UNAVAILABLE");
    assert!(verdict["outcome"]["reason"]
        .as_str()
        .unwrap()
        .contains("rejects (NACKs) route configuration"));
    let fields = verdict["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0]["rule"], "GRPC001");
    assert_eq!(fields[0]["effect"], "rejected");
}

#[test]
fn header_string_matchers_are_rejected_by_runtimes_before_a63_only() {
    let config = [MESH, SUBSETS, "testdata/xds-traffic/vs-match.yaml"];
    let headers = ["-H", "end-user=jason"];
    let (code, old) = route(
        &config,
        "/echo.Echo/Echo",
        &[&headers[..], &["--grpc", "go@1.55"]].concat(),
    );
    assert_eq!(code, 79);
    assert!(old["outcome"]["reason"]
        .as_str()
        .unwrap()
        .contains("GRPC008"));
    let (code, current) = route(
        &config,
        "/echo.Echo/Echo",
        &[&headers[..], &["--grpc", "go@1.56"]].concat(),
    );
    assert_eq!(code, 0, "{current}");
}

#[test]
fn faults_deadlines_and_retries_are_told_as_grpc_runs_them() {
    // 403 maps to PERMISSION_DENIED, and every RPC is aborted: exit 79.
    let abort = [MESH, SUBSETS, "testdata/xds-traffic/vs-abort.yaml"];
    let (code, verdict) = route(&abort, "/echo.Echo/Echo", &[]);
    assert_eq!(code, 79);
    assert_eq!(verdict["outcome"]["status"], "PERMISSION_DENIED");
    let (_, grpc) = route(&abort, "/echo.Echo/Echo", &["-H", "x-fault=grpc"]);
    assert_eq!(grpc["outcome"]["status"], "RESOURCE_EXHAUSTED");

    let resilient = [MESH, SUBSETS, "testdata/xds-route/vs-timeout-retries.yaml"];
    let (code, verdict) = route(&resilient, "/echo.Echo/Echo", &[]);
    assert_eq!(code, 0);
    assert_eq!(verdict["timeout_seconds"], 2.0);
    // attempts 6 → 7 in all, capped at 5; only gRPC statuses count.
    assert_eq!(verdict["retry"]["attempts"], 5);
    assert_eq!(
        verdict["retry"]["on"],
        serde_json::json!(["UNAVAILABLE", "RESOURCE_EXHAUSTED"])
    );
    assert_eq!(verdict["retry"]["initial_backoff_ms"], 100.0);
    assert!(verdict["outcome"]["reason"]
        .as_str()
        .unwrap()
        .contains("50% of RPCs are aborted with UNAVAILABLE"));
}

#[test]
fn a_grpcroute_rule_is_the_source_of_the_route_it_becomes() {
    let (code, verdict) = route(
        &[MESH, "testdata/xds-traffic/grpcroute-method.yaml"],
        "/echo.Echo/Other",
        &[],
    );
    assert_eq!(code, 0);
    let source = &verdict["matched"]["source"];
    assert_eq!(source["origin"], "GRPCRoute traffic/echo");
    assert_eq!(source["field"], "spec.rules[0].matches[0]");
    assert!(source["location"]
        .as_str()
        .unwrap()
        .starts_with("testdata/xds-traffic/grpcroute-method.yaml:"));
}

#[test]
fn bad_usage_is_exit_64() {
    for (flag, value) in [("--method", "NoSlash"), ("-H", "no-value-separator")] {
        let mut args = vec![
            "xds",
            "route",
            MESH,
            "--workload",
            "traffic/client",
            "--target",
            TARGET,
            "--method",
            "/a.B/C",
        ];
        args.extend_from_slice(&[flag, value]);
        let (code, _, err) = mesh(&args);
        assert_eq!(code, 64, "{flag} {value}: {err}");
    }
}

#[test]
fn example_test_files_pass_and_report_coverage() {
    let (code, out, err) = mesh(&[
        "test",
        "testdata/echo-grpc/routing-tests.yaml",
        "testdata/bookinfo/routing-tests.yaml",
        "testdata/xds-route/routing-tests.yaml",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("6 passed, 0 failed"), "{out}");
    // The second ratings route has no case.
    assert!(out.contains(
        "not reached: VirtualService bookinfo/ratings spec.http[1] (testdata/bookinfo/virtual-services.yaml:47:5)"
    ), "{out}");
    let (code, _, err) = mesh(&[
        "test",
        "testdata/bookinfo/routing-tests.yaml",
        "--min-coverage",
        "90",
    ]);
    assert_eq!(code, 79);
    assert!(err.contains("below --min-coverage 90%") || code == 79);
}

/// A test file with a wrong expectation, written beside the config it names.
fn failing_test_file(dir: &std::path::Path) -> std::path::PathBuf {
    let repo = env!("CARGO_MANIFEST_DIR");
    let path = dir.join("tests.yaml");
    std::fs::write(
        &path,
        format!(
            "config: [{repo}/{MESH}, {repo}/{SUBSETS}, {repo}/testdata/xds-traffic/vs-match.yaml]\n\
             tests:\n\
             - name: right\n  client: {{workload: traffic/client}}\n  target: {TARGET}\n  method: /echo.Echo/Other\n  expect: {{route: other-method}}\n\
             - name: wrong\n  client: {{namespace: traffic}}\n  target: {TARGET}\n  method: /echo.Echo/Echo\n  expect:\n    destinations: [{{host: echo, subset: v2}}]\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn a_failing_case_fails_the_run_in_every_format_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = failing_test_file(dir.path());
    let file = path.to_str().unwrap();
    let (code, out, _) = mesh(&["test", file]);
    assert_eq!(code, 79);
    assert!(out.contains(&format!("FAIL  {file}:8  wrong")), "{out}");
    assert!(out.contains("destinations: expected echo subset v2 100.0%, got echo.traffic.svc.cluster.local subset v1 100.0%"), "{out}");
    assert!(out.contains("1 passed, 1 failed"), "{out}");

    let (code, junit, _) = mesh(&["test", file, "-o", "junit"]);
    assert_eq!(code, 79);
    assert!(junit.contains("tests=\"2\" failures=\"1\""), "{junit}");
    assert!(junit.contains("<testcase name=\"right\""), "{junit}");

    let (_, sarif, _) = mesh(&["test", file, "-o", "sarif"]);
    let sarif: Json = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        8
    );

    let (_, json, _) = mesh(&["test", file, "-o", "json"]);
    let json: Json = serde_json::from_str(&json).unwrap();
    assert_eq!(json["passed"], 1);
    assert_eq!(json["failed"], 1);
}

#[test]
fn an_unknown_field_in_a_test_file_is_located_and_exits_65() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tests.yaml");
    std::fs::write(
        &path,
        "config: [x.yaml]\ntests:\n- client: {namespace: a}\n  target: a.b:1\n  method: /a.B/C\n  expect: {stauts: OK}\n",
    )
    .unwrap();
    let (code, _, err) = mesh(&["test", path.to_str().unwrap()]);
    assert_eq!(code, 65, "{err}");
    assert!(
        err.contains("tests.yaml:3:3: tests[0]: unknown field `stauts`"),
        "{err}"
    );
}

#[test]
fn a_test_file_beside_config_is_skipped_by_other_commands() {
    let (code, _, err) = mesh(&["analyze", "testdata/echo-grpc/"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("routing-tests.yaml: a routing test file of `mesh test`, not config: skipped"),
        "{err}"
    );
}

/// testdata/xds-traffic-tests holds one `mesh test` file per scenario a
/// real gRPC client runs in tests/cli_xds_traffic.rs and
/// tests/cli_assume_proxyless_peers.rs, each expecting what that client
/// does (the agreement those tests assert, written down): every case passes.
#[test]
fn the_real_client_scenarios_pass_as_test_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/xds-traffic-tests");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| path.display().to_string())
        .collect();
    files.sort();
    assert_eq!(files.len(), 12, "{files:?}");
    let mut args = vec!["test", "-o", "json"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, err) = mesh(&args);
    let report: Json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(report["failed"], 0, "{report:#}");
    assert_eq!(report["passed"], 17, "{report:#}");
    assert_eq!(code, 0, "{err}");
    // Every case names the real client's runtime: the model answers for it.
    for result in report["results"].as_array().unwrap() {
        assert_eq!(result["verdict"]["runtime"], "python@1.85", "{result:#}");
    }
}

#[test]
fn coverage_keeps_same_named_virtual_services_of_different_files_apart() {
    // Both files define VirtualService traffic/echo.
    let (code, out, err) = mesh(&[
        "test",
        "testdata/xds-traffic-tests/match.yaml",
        "testdata/xds-traffic-tests/weights.yaml",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("  testdata/xds-traffic/vs-match.yaml: 3 of 3 routes"),
        "{out}"
    );
    assert!(
        out.contains("  testdata/xds-traffic/vs-weights.yaml: 1 of 1 routes"),
        "{out}"
    );
    assert!(out.contains("route coverage 4 of 4 (100.0%)"), "{out}");
}
