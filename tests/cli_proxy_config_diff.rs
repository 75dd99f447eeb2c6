//! `mesh proxy-config diff`: what a client holds against what `mesh xds
//! render` says it should hold, from a saved CSDS response and from a real
//! proxyless gRPC app (Python grpcio) fed by `mesh xds serve`.

mod peers;

use peers::{mesh, CsdsApp, Server};

use std::path::Path;
use std::time::{Duration, Instant};

/// `mesh proxy-config dump` of the grpcio app below, fed `testdata/echo-grpc`.
const ECHO_DUMP: &str = "testdata/proxy-config/csds-echo-grpc.json";
const ECHO: &str = "echo.echo-grpc.svc.cluster.local";

/// Routes 50/50 instead of 20/80 (VirtualService) and balances subset v1
/// by least request (DestinationRule).
fn change_traffic(config: &Path) {
    let path = config.join("traffic.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text
        .replace("weight: 20", "weight: 50")
        .replace("weight: 80", "weight: 50")
        .replacen(
            "      version: v1\n",
            "      version: v1\n    trafficPolicy:\n      loadBalancer:\n        simple: LEAST_REQUEST\n",
            1,
        );
    assert_ne!(
        text, changed,
        "traffic.yaml no longer has what this test edits"
    );
    std::fs::write(path, changed).unwrap();
}

/// The headers of the unified diffs in a report.
fn changed_resources(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter_map(|l| l.strip_prefix("+++ b/"))
        .collect()
}

#[test]
fn saved_dump_matches_the_config_it_was_served() {
    for workload in [&["--workload", "echo-grpc/echo-v1"][..], &[]] {
        let mut args = vec![
            "proxy-config",
            "diff",
            "--file",
            ECHO_DUMP,
            "testdata/echo-grpc",
        ];
        args.extend_from_slice(workload);
        let (code, out, err) = mesh(&args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.contains("matches the intended config (6 resources compared)"),
            "{err}"
        );
    }
}

#[test]
fn saved_dump_against_changed_config_names_each_resource() {
    let dir = tempfile::tempdir().unwrap();
    let config = peers::copy_testdata("echo-grpc", &dir.path().join("config"));
    change_traffic(&config);
    let config = config.to_str().unwrap();
    let diff = || {
        mesh(&[
            "proxy-config",
            "diff",
            "--file",
            ECHO_DUMP,
            config,
            "--workload",
            "echo-grpc/echo-v1",
        ])
    };
    let (code, out, err) = diff();
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        changed_resources(&out),
        [
            format!("rds/outbound|7070||{ECHO}"),
            format!("cds/outbound|7070|v1|{ECHO}")
        ],
        "{out}"
    );
    assert!(
        out.contains("-                  \"weight\": 20\n+                  \"weight\": 50\n"),
        "{out}"
    );
    assert!(
        out.contains("+  \"lbPolicy\": \"LEAST_REQUEST\",\n"),
        "{out}"
    );
    assert!(err.contains("2 of 6 resources differ"), "{err}");

    // Subset v2 gone: its cluster is held but no longer intended.
    std::fs::write(
        Path::new(config).join("traffic.yaml"),
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  \
         name: echo-versions\n  namespace: echo-grpc\nspec:\n  host: echo.echo-grpc.svc.cluster.local\n  \
         subsets:\n  - name: v1\n    labels:\n      version: v1\n",
    )
    .unwrap();
    let (code, out, err) = diff();
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains(&format!("only live: cds/outbound|7070|v2|{ECHO}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("only live: eds/outbound|7070|v2|{ECHO}")),
        "{out}"
    );
}

#[test]
fn diff_usage_and_input_errors() {
    for (args, expected) in [
        (vec!["proxy-config", "diff", "--file", ECHO_DUMP], 64),
        (
            vec![
                "proxy-config",
                "status",
                "--file",
                ECHO_DUMP,
                "testdata/echo-grpc",
            ],
            64,
        ),
        (
            vec![
                "proxy-config",
                "status",
                "--file",
                ECHO_DUMP,
                "--workload",
                "a/b",
            ],
            64,
        ),
        (
            vec![
                "proxy-config",
                "diff",
                "--file",
                ECHO_DUMP,
                "testdata/echo-grpc",
                "--workload",
                "nope",
            ],
            64,
        ),
        (
            vec![
                "proxy-config",
                "diff",
                "--file",
                ECHO_DUMP,
                "testdata/echo-grpc",
                "--workload",
                "echo-grpc/none",
            ],
            64,
        ),
        (
            vec!["proxy-config", "diff", "--file", ECHO_DUMP, "no/such/dir"],
            65,
        ),
        (
            vec![
                "proxy-config",
                "diff",
                "--file",
                "no/such.json",
                "testdata/echo-grpc",
            ],
            65,
        ),
    ] {
        let (code, out, err) = mesh(&args);
        assert_eq!(code, expected, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.starts_with("mesh: error: "), "{args:?}: {err}");
    }
}

/// A real grpcio app holds what `mesh xds serve` served it; the files then
/// change under the server (no --watch), so the app keeps the old config
/// and `diff` against the files shows exactly what changed.
#[test]
fn real_grpc_app_against_served_and_changed_config() {
    let Some(python) = peers::python("gRPC app") else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let dir = tempfile::tempdir().unwrap();
    let config = peers::copy_testdata("echo-grpc", &dir.path().join("config"));
    let config_arg = config.to_str().unwrap();

    let server = Server::start(&[config_arg]);
    let bootstrap =
        peers::write_bootstrap(config_arg, "echo-grpc/echo-v1", &server.address, dir.path());
    let app = CsdsApp::start(
        &python,
        &bootstrap,
        &[&format!("xds:///{ECHO}:7070")],
        deadline,
    );
    let admin = app.admin.clone();

    let diff = |workload: &str| {
        mesh(&[
            "proxy-config",
            "diff",
            "--addr",
            &admin,
            "--timeout",
            "5s",
            config_arg,
            "--workload",
            workload,
        ])
    };
    let (code, out, err) = diff("echo-grpc/echo-v1");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("matches the intended config (6 resources compared)"),
        "{err}"
    );

    change_traffic(&config);
    let (code, out, err) = diff("echo-grpc/echo-v1");
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        changed_resources(&out),
        [
            format!("rds/outbound|7070||{ECHO}"),
            format!("cds/outbound|7070|v1|{ECHO}")
        ],
        "{out}"
    );
    assert!(out.contains("+                  \"weight\": 50\n"), "{out}");
}
