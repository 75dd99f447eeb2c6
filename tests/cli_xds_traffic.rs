//! `mesh xds serve` routes real traffic: a real proxyless gRPC client
//! (Python grpcio, C-core's xDS client) takes its routes, clusters and
//! endpoints from `mesh xds serve` and sends RPCs to three real gRPC
//! backends on 127.0.0.2-4 (testdata/xds-traffic). What the backends
//! answer shows where each RPC went: round robin, weights, header and
//! method matches, fault aborts, a timeout cutting a fault delay, a
//! `--watch` reload shifting a live client's traffic, and mTLS (the
//! backends then are xDS servers too, with certificates from the test's
//! CA): ISTIO_MUTUAL with STRICT works, either side alone fails.

mod peers;

use peers::traffic::{
    assert_header_and_method_routes, assert_mutual_tls, assert_refused, assert_round_robin,
    fixture, secured, twenty_eighty, Cast, Mesh, Setup, READY_WITHIN,
};

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[test]
fn round_robin_spreads_rpcs_evenly_over_three_endpoints() {
    let Some(mesh) = Mesh::start(None) else {
        return;
    };
    let outcome = assert_round_robin(&mesh);
    mesh.assert_prediction_agrees(&outcome);
}

#[test]
fn weights_send_eighty_percent_to_v2() {
    let Some(mesh) = Mesh::start(Some("vs-weights.yaml")) else {
        return;
    };
    let outcome = twenty_eighty(&mesh);
    // Within v2, round robin over its two endpoints.
    assert!(outcome.counts.contains_key("echo-v2-0") && outcome.counts.contains_key("echo-v2-1"));
    mesh.assert_prediction_agrees(&outcome);
}

#[test]
fn header_and_method_matches_route_every_rpc() {
    let Some(mesh) = Mesh::start(Some("vs-match.yaml")) else {
        return;
    };
    for outcome in assert_header_and_method_routes(&mesh) {
        mesh.assert_prediction_agrees(&outcome);
    }
}

#[test]
fn fault_abort_fails_every_rpc_with_the_mapped_status() {
    let Some(mesh) = Mesh::start(Some("vs-abort.yaml")) else {
        return;
    };
    // httpStatus 403 → PERMISSION_DENIED (gRPC's HTTP-to-gRPC status mapping).
    let http = mesh.send(50, &[]);
    assert!(http.counts.is_empty(), "{}", http.json);
    assert_eq!(
        http.errors,
        BTreeMap::from([("StatusCode.PERMISSION_DENIED".to_string(), 50)])
    );
    let grpc = mesh.send(50, &["--metadata", "x-fault=grpc"]);
    assert!(grpc.counts.is_empty(), "{}", grpc.json);
    assert_eq!(
        grpc.errors,
        BTreeMap::from([("StatusCode.RESOURCE_EXHAUSTED".to_string(), 50)])
    );
    mesh.assert_prediction_agrees(&http);
    mesh.assert_prediction_agrees(&grpc);
}

#[test]
fn route_timeout_cuts_a_longer_fault_delay() {
    let Some(mesh) = Mesh::start(Some("vs-delay.yaml")) else {
        return;
    };
    // The client's own deadline (20 s) outlasts the 10 s delay: only the
    // route's 4 s timeout can end these RPCs sooner. grpcio 1.85.1 ends
    // RPCs 1-2 s before a route timeout (and a service config's), so each
    // RPC takes 2-3 s here rather than 4 s.
    let rpcs = 2;
    let outcome = mesh.send(rpcs, &["--deadline", "20"]);
    assert!(outcome.counts.is_empty(), "{}", outcome.json);
    assert_eq!(
        outcome.errors,
        BTreeMap::from([("StatusCode.DEADLINE_EXCEEDED".to_string(), rpcs)])
    );
    let each = outcome.elapsed / rpcs;
    assert!(
        each >= Duration::from_millis(1_500) && each <= Duration::from_millis(4_500),
        "each RPC took {each:?}, not the route's timeout"
    );
    // The model: the delay outlasts the deadline, which C-core ends 1-2 s early.
    let prediction = mesh.assert_prediction_agrees(&outcome);
    assert_eq!(prediction["timeout_seconds"], 4.0);
}

#[test]
fn watch_shifts_live_traffic_when_the_virtual_service_changes() {
    let weights = |v1: u32, v2: u32| {
        let text = fixture("vs-weights.yaml");
        assert!(text.contains("weight: 20") && text.contains("weight: 80"));
        text.replace("weight: 20", &format!("weight: {v1}"))
            .replace("weight: 80", &format!("weight: {v2}"))
    };
    let Some(mesh) = Mesh::launch(Setup {
        virtual_service: Some(weights(100, 0)),
        serve_flags: &["--watch"],
        ..Setup::default()
    }) else {
        return;
    };
    // Batch 2 spans the change (about 4 s); batch 3 follows the client's ACK.
    let mut client = mesh.batches(100, 3, &["--pause", "0.04"]);
    let before = client.outcome();
    assert!(before.errors.is_empty(), "{}", before.json);
    assert_eq!(before.share("echo-v1-"), 1.0, "{}", before.json);
    // Predicted on the files as they are now, before the change.
    mesh.assert_prediction_agrees(&before);

    // Atomically, as editors and kubectl-style tools write: the server
    // never reads half a file.
    let seen = mesh.server.log.lock().unwrap().len();
    let staged = mesh.config.join("vs.yaml.new");
    std::fs::write(&staged, weights(0, 100)).unwrap();
    std::fs::rename(&staged, mesh.config.join("vs.yaml")).unwrap();
    let written = Instant::now();
    client.go();

    let reloaded = mesh.server.wait_for_line(seen, READY_WITHIN, |line| {
        line.contains("mesh xds serve: reloaded after") && line.contains("vs.yaml changed")
    });
    let pushed = mesh
        .server
        .wait_for_line(reloaded, READY_WITHIN, |line| line.contains(": RDS push "));
    let version = {
        let log = mesh.server.log.lock().unwrap();
        let line = &log[pushed];
        line.split(" version ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap()
            .to_string()
    };
    mesh.server.wait_for_line(pushed, READY_WITHIN, |line| {
        line.contains(&format!(": RDS ACK version {version} "))
    });
    let acked = written.elapsed();

    let during = client.outcome();
    assert!(
        during.errors.is_empty(),
        "no RPC fails during the shift: {}",
        during.json
    );
    let first_v2 = during
        .first
        .iter()
        .filter(|(name, _)| name.starts_with("echo-v2-"))
        .map(|(_, at)| *at)
        .min();
    eprintln!("write to RDS ACK: {acked:?}; write to the first RPC on v2: {first_v2:?}");

    client.go();
    let after = client.outcome();
    assert!(after.errors.is_empty(), "{}", after.json);
    assert_eq!(after.share("echo-v2-"), 1.0, "{}", after.json);
    assert!(after.counts.contains_key("echo-v2-0") && after.counts.contains_key("echo-v2-1"));
    mesh.assert_prediction_agrees(&after);
    // The shift came as a push on the client's one stream, not by reconnecting.
    let log = mesh.server.log();
    assert_eq!(log.matches("): node ").count(), 1, "{log}");
}

#[test]
fn mtls_carries_rpcs_when_destination_rule_and_peer_authentication_agree() {
    let Some(mesh) = secured("dr-istio-mutual.yaml", Some("pa-strict.yaml")) else {
        return;
    };
    // Each backend names the certificate the client presented: the TLS
    // was mutual, with the client's SPIFFE id from the test CA.
    let outcome = assert_mutual_tls(&mesh);
    mesh.assert_prediction_agrees(&outcome);
}

#[test]
fn mtls_on_the_client_side_alone_fails_against_plaintext_servers() {
    // ISTIO_MUTUAL without STRICT: the servers stay plaintext (PERMISSIVE
    // is plaintext for proxyless servers), the client insists on TLS.
    let Some(mesh) = secured("dr-istio-mutual.yaml", None) else {
        return;
    };
    // The client's TLS hello meets a plaintext HTTP/2 server.
    assert_refused(&mesh, 10, "Tls handshake failed");
}

#[test]
fn strict_servers_refuse_a_plaintext_client() {
    // STRICT without ISTIO_MUTUAL: the client's xDS credentials fall back
    // to plaintext, and the servers want a certificate.
    let Some(mesh) = secured("dr-subsets.yaml", Some("pa-strict.yaml")) else {
        return;
    };
    // The server's TLS handshake reads HTTP/2 and hangs up.
    assert_refused(&mesh, 10, "Socket closed");
}

#[test]
fn echo_grpc_example_routes_twenty_eighty_over_mtls() {
    // testdata/echo-grpc as it is (the blog's Service, Deployments, subsets,
    // 20/80 VirtualService, ISTIO_MUTUAL and STRICT), plus the pods a
    // cluster would run for it, on loopback.
    let Some(python) = peers::python("gRPC client and servers") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = peers::copy_testdata("echo-grpc", &dir.path().join("config"));
    std::fs::write(config.join("pods.yaml"), fixture("echo-grpc-pods.yaml")).unwrap();
    let identity = "spiffe://cluster.local/ns/echo-grpc/sa/default";
    let backends = [
        ("echo-v1-0", "127.0.0.12"),
        ("echo-v2-0", "127.0.0.13"),
        ("echo-v2-1", "127.0.0.14"),
    ]
    .iter()
    .map(|(pod, ip)| (format!("echo-grpc/{pod}"), format!("{ip}:7070")))
    .collect();
    let mesh = Mesh::run(
        python,
        dir,
        config,
        Cast {
            serve_flags: &[],
            backends,
            // The blog calls from inside the v1 pod; its client is echo-v1.
            client: "echo-grpc/echo-v1",
            target: "xds:///echo.echo-grpc.svc.cluster.local:7070",
            identities: Some([identity, identity]),
        },
    );
    let outcome = twenty_eighty(&mesh);
    // Every answer names the client's certificate: mutual TLS all the way.
    assert!(
        outcome
            .counts
            .keys()
            .all(|k| k.ends_with(&format!(" {identity}"))),
        "{}",
        outcome.json
    );
    assert_eq!(outcome.counts.len(), 3, "{}", outcome.json);
    mesh.assert_prediction_agrees(&outcome);
}

// GRPCRoutes attached to the Service echo (Gateway API, GAMMA): `mesh xds
// serve` converts them as istiod does and serves the client the result.

#[test]
fn grpcroute_weights_send_eighty_percent_to_v2() {
    let Some(mesh) = Mesh::start(Some("grpcroute-weights.yaml")) else {
        return;
    };
    let outcome = twenty_eighty(&mesh);
    mesh.assert_prediction_agrees(&outcome);
}

#[test]
fn grpcroute_method_match_routes_one_method_to_v2() {
    let Some(mesh) = Mesh::start(Some("grpcroute-method.yaml")) else {
        return;
    };
    let other = mesh.send(100, &["--method", "/echo.Echo/Other"]);
    assert!(other.errors.is_empty(), "{}", other.json);
    assert_eq!(other.share("echo-v2-"), 1.0, "{}", other.json);
    let call = mesh.send(100, &["--method", "/echo.Echo/Call"]);
    assert!(call.errors.is_empty(), "{}", call.json);
    assert_eq!(call.share("echo-v1-"), 1.0, "{}", call.json);
    mesh.assert_prediction_agrees(&other);
    mesh.assert_prediction_agrees(&call);
}

#[test]
fn grpcroute_service_only_match_is_refused_by_the_client() {
    let Some(mesh) = Mesh::start(Some("grpcroute-service.yaml")) else {
        return;
    };
    // Every RPC fails, those of other methods too: the whole route
    // configuration is refused, as `mesh analyze` says (GRPC079).
    let outcome = assert_refused(&mesh, 10, "invalid path specifier");
    mesh.assert_prediction_agrees(&outcome);
    let log = mesh.server.log();
    assert!(
        log.lines()
            .any(|l| l.contains(": RDS NACK ") && l.contains("invalid path specifier")),
        "{log}"
    );
}

#[test]
fn analyze_says_so_at_the_grpcroutes_match() {
    // The same files as the test above, without a client to run: what
    // `mesh analyze` predicts, at the line of the GRPCRoute's match.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mesh"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "analyze",
            "-o",
            "json",
            "--grpc",
            "python@1.85",
            "testdata/xds-traffic/mesh.yaml",
            "testdata/xds-traffic/grpcroute-service.yaml",
        ])
        .output()
        .unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let refused: Vec<_> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "GRPC079")
        .collect();
    assert_eq!(refused.len(), 1, "{findings:#}");
    let finding = refused[0];
    assert_eq!(finding["level"], "Error");
    assert_eq!(finding["origin"], "GRPCRoute traffic/echo");
    assert_eq!(
        finding["file"],
        "testdata/xds-traffic/grpcroute-service.yaml"
    );
    assert_eq!(finding["line"], 24);
    assert_eq!(finding["field"], "spec.rules[0].matches[0]");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("path_separated_prefix \"/echo.Echo\""),
        "{finding:#}"
    );
    assert_eq!(output.status.code(), Some(79));
}

#[test]
fn grpcroute_missing_backend_fails_its_share_of_rpcs() {
    let Some(mesh) = Mesh::start(Some("grpcroute-missing-backend.yaml")) else {
        return;
    };
    // Seen with grpcio 1.85: the first RPC routed to the missing cluster
    // waits out its deadline, the next ones fail at once (UNAVAILABLE: the
    // CDS resource does not exist); a short deadline keeps that wait short.
    let outcome = mesh.send(100, &["--deadline", "2"]);
    let answered: u32 = outcome.counts.values().sum();
    let unavailable = outcome
        .errors
        .get("StatusCode.UNAVAILABLE")
        .copied()
        .unwrap_or(0);
    let timed_out = outcome
        .errors
        .get("StatusCode.DEADLINE_EXCEEDED")
        .copied()
        .unwrap_or(0);
    assert_eq!(answered + unavailable + timed_out, 100, "{}", outcome.json);
    assert!(timed_out <= 2, "{}", outcome.json);
    // The answered half all from v1; the other half fails, never elsewhere.
    assert_eq!(outcome.share("echo-v1-"), 1.0, "{}", outcome.json);
    let share = f64::from(unavailable + timed_out) / 100.0;
    assert!(
        (share - 0.5).abs() <= 0.15,
        "failed {share:.3}: {}",
        outcome.json
    );
    assert!(
        outcome.json["error_details"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d.as_str())
            .filter(|d| d.starts_with("StatusCode.UNAVAILABLE"))
            .all(|d| d.contains("echo-v9.traffic.svc.cluster.local: does not exist")),
        "{}",
        outcome.json
    );
    mesh.assert_prediction_agrees(&outcome);
}
