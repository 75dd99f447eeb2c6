//! `--istio` against a real proxyless gRPC client (Python grpcio, C-core's
//! xDS client): the same config served by `mesh xds serve` as two istiod
//! releases, where the client does something different with each, and
//! `mesh analyze` / `mesh xds route` with the same `--istio` predicting it.
//!
//! - A DestinationRule with `simple: LEAST_REQUEST`: istiod 1.28 leaves the
//!   load balancer out (round robin); 1.29 sends `lb_policy: LEAST_REQUEST`,
//!   which C-core rejects, so every RPC fails.
//! - A `corsPolicy` on another Service of the same port: istiod 1.30 sends
//!   that Service's virtual host in echo's route configuration, which the
//!   client rejects whole; 1.31 sends echo's alone.

mod peers;

use peers::traffic::{assert_refused, assert_round_robin, fixture, Mesh, Setup};
use std::process::Command;

const MESH: &str = env!("CARGO_BIN_EXE_mesh");
/// The runtime the peer is: grpcio 1.85 (C-core).
const RUNTIME: &str = "python@1.85";

/// The traffic mesh with `destination_rule` and `virtual_service` (fixtures
/// of testdata/xds-traffic) served as istiod `release` sends it.
fn serve(
    destination_rule: &str,
    virtual_service: Option<&str>,
    release: &'static [&'static str],
) -> Option<Mesh> {
    Mesh::launch(Setup {
        destination_rule: Some(fixture(destination_rule)),
        virtual_service: virtual_service.map(fixture),
        serve_flags: release,
        ..Setup::default()
    })
}

/// `mesh analyze` on what `mesh` serves, for `release`, with the peer's
/// runtime: (exit code, the codes of the findings of `rules`).
fn analyze(mesh: &Mesh, release: &str, rules: &str) -> (i32, Vec<String>) {
    let out = Command::new(MESH)
        .arg("analyze")
        .arg(&mesh.config)
        .args(["--grpc", RUNTIME, "--istio", release, "--select", rules])
        .args(["-o", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}{}", String::from_utf8_lossy(&out.stderr)));
    let codes = report
        .as_array()
        .unwrap_or_else(|| panic!("not a list of findings: {report:#}"))
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect();
    (out.status.code().unwrap(), codes)
}

#[test]
fn least_request_round_robins_under_1_28_and_is_rejected_under_1_29() {
    let Some(old) = serve("dr-least-request.yaml", None, &["--istio", "1.28"]) else {
        return;
    };
    let outcome = assert_round_robin(&old);
    old.assert_prediction_agrees(&outcome);
    assert!(
        !old.server.log().contains(": CDS NACK "),
        "{}",
        old.server.log()
    );
    // analyze warns that LEAST_REQUEST means round robin here; no Error.
    assert_eq!(
        analyze(&old, "1.28", "GRPC022,GRPC080"),
        (0, vec!["GRPC080".to_string()])
    );
    drop(old);

    let Some(new) = serve("dr-least-request.yaml", None, &["--istio", "1.29"]) else {
        return;
    };
    let outcome = assert_refused(&new, 10, "LB policy is not supported");
    new.assert_prediction_agrees(&outcome);
    let log = new.server.log();
    assert!(
        log.lines()
            .any(|l| l.contains(": CDS NACK ") && l.contains("lb_policy")),
        "the client NACKs the cluster for its lb_policy:\n{log}"
    );
    // analyze says C-core rejects it: an Error, exit 79.
    assert_eq!(
        analyze(&new, "1.29", "GRPC022,GRPC080"),
        (79, vec!["GRPC022".to_string()])
    );
}

#[test]
fn another_services_cors_breaks_echo_under_1_30_and_not_under_1_31() {
    let vs = Some("vs-cors-on-another-service.yaml");
    let Some(old) = serve("dr-subsets.yaml", vs, &["--istio", "1.30"]) else {
        return;
    };
    let outcome = assert_refused(&old, 10, "typed_per_filter_config[envoy.filters.http.cors]");
    old.assert_prediction_agrees(&outcome);
    let log = old.server.log();
    assert!(
        log.lines()
            .any(|l| l.contains(": RDS NACK ") && l.contains("envoy.filters.http.cors")),
        "{log}"
    );
    // GRPC082 names the other Service's VirtualService; GRPC001 flags the
    // CORS policy itself, whatever the release.
    let (code, mut codes) = analyze(&old, "1.30", "GRPC001,GRPC082");
    codes.sort();
    assert_eq!(
        (code, codes),
        (79, vec!["GRPC001".into(), "GRPC082".into()])
    );
    drop(old);

    let Some(new) = serve("dr-subsets.yaml", vs, &["--istio", "1.31"]) else {
        return;
    };
    let outcome = assert_round_robin(&new);
    new.assert_prediction_agrees(&outcome);
    assert!(
        !new.server.log().contains(": RDS NACK "),
        "{}",
        new.server.log()
    );
    let (code, codes) = analyze(&new, "1.31", "GRPC001,GRPC082");
    assert_eq!((code, codes), (79, vec!["GRPC001".to_string()]));
}
