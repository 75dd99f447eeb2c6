//! `--istio VERSION` end to end: one config rendered for two istiod
//! releases, the upgrade diff, where the release comes from, and the
//! releases refused.

mod peers;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

const FIXTURE: &str = "testdata/istio-releases-xds";
const ECHO: &str = "outbound|7070||echo.demo.svc.cluster.local";

/// (exit code, stdout, stderr) of `mesh ARGS` with `MESH_ISTIO_VERSION`
/// set to `env` (unset when `None`).
fn mesh_with(env: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mesh"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("MESH_ISTIO_VERSION");
    if let Some(value) = env {
        command.env("MESH_ISTIO_VERSION", value);
    }
    let out = command.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn mesh(args: &[&str]) -> (i32, String, String) {
    mesh_with(None, args)
}

/// The client's rendered resources as JSON, for `release` (`None`: no flag).
fn render(env: Option<&str>, release: Option<&str>) -> Vec<Json> {
    let mut args = vec![
        "xds",
        "render",
        FIXTURE,
        "--workload",
        "demo/client",
        "--target",
        "echo.demo.svc.cluster.local:7070",
        "-o",
        "json",
    ];
    if let Some(release) = release {
        args.extend(["--istio", release]);
    }
    let (code, out, err) = mesh_with(env, &args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Json>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn find<'a>(resources: &'a [Json], type_suffix: &str, name: &str) -> &'a Json {
    resources
        .iter()
        .find(|r| {
            r["@type"]
                .as_str()
                .is_some_and(|t| t.ends_with(type_suffix))
                && r["name"].as_str() == Some(name)
        })
        .unwrap_or_else(|| panic!("no {type_suffix} {name} in {resources:#?}"))
}

fn cluster(resources: &[Json]) -> &Json {
    find(resources, ".Cluster", ECHO)
}

fn virtual_hosts(resources: &[Json]) -> Vec<String> {
    find(resources, ".RouteConfiguration", ECHO)["virtualHosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn one_config_renders_as_each_release_sends_it() {
    let old = render(None, Some("1.28"));
    let new = render(None, Some("1.29"));
    // LEAST_REQUEST and http2MaxRequests (istio/istio#58052).
    assert_eq!(cluster(&old).get("lbPolicy"), None);
    assert_eq!(cluster(&old).get("circuitBreakers"), None);
    assert_eq!(cluster(&new)["lbPolicy"], "LEAST_REQUEST");
    assert_eq!(
        cluster(&new)["circuitBreakers"]["thresholds"][0]["maxRequests"],
        100
    );
    // The current certificate-provider field (istio/istio#58257).
    let tls = |resources: &[Json]| {
        cluster(resources)["transportSocket"]["typedConfig"]["commonTlsContext"].clone()
    };
    assert_eq!(tls(&old).get("tlsCertificateProviderInstance"), None);
    assert!(tls(&old)["tlsCertificateCertificateProviderInstance"].is_object());
    assert!(tls(&new)["tlsCertificateProviderInstance"].is_object());
    // Port-wide route configurations until 1.31 (istio/istio#59241).
    assert_eq!(
        virtual_hosts(&render(None, Some("1.30"))),
        [
            "echo.demo.svc.cluster.local:7070",
            "billing.demo.svc.cluster.local:7070"
        ]
    );
    assert_eq!(
        virtual_hosts(&render(None, Some("1.31"))),
        ["echo.demo.svc.cluster.local:7070"]
    );
}

#[test]
fn the_newest_release_is_the_default_and_the_environment_names_another() {
    let newest = render(None, None);
    assert_eq!(virtual_hosts(&newest), ["echo.demo.svc.cluster.local:7070"]);
    assert_eq!(cluster(&newest)["lbPolicy"], "LEAST_REQUEST");
    let from_env = render(Some("1.28.3"), None);
    assert_eq!(cluster(&from_env).get("lbPolicy"), None);
    // The flag wins over the environment.
    let flag = render(Some("1.28"), Some("1.29"));
    assert_eq!(cluster(&flag)["lbPolicy"], "LEAST_REQUEST");
    let (_, help, _) = mesh(&["xds", "render", "--help"]);
    assert!(help.contains("the newest, 1.31"), "{help}");
    assert!(help.contains("MESH_ISTIO_VERSION"), "{help}");
}

#[test]
fn releases_mesh_does_not_know_are_usage_errors() {
    for release in ["1.21", "1.32", "2.0", "latest"] {
        let (code, _, err) = mesh(&["analyze", FIXTURE, "--istio", release]);
        assert_eq!(code, 64, "{release}: {err}");
    }
    let (code, _, err) = mesh(&["xds", "render", FIXTURE, "--istio", "1.21"]);
    assert_eq!(code, 64);
    assert!(
        err.contains("mesh knows Istio 1.22 … 1.31, not 1.21"),
        "{err}"
    );
    let (code, _, err) = mesh_with(Some("1.40"), &["analyze", FIXTURE]);
    assert_eq!(code, 64);
    assert!(err.starts_with("mesh: error: MESH_ISTIO_VERSION:"), "{err}");
    let (code, _, _) = mesh_with(
        Some("1.40"),
        &[
            "xds",
            "diff",
            FIXTURE,
            "--to-istio",
            "1.29",
            "--workload",
            "demo/client",
        ],
    );
    assert_eq!(code, 64);
}

#[test]
fn the_upgrade_diff_renders_the_same_inputs_for_both_releases() {
    let (code, out, err) = mesh(&[
        "xds",
        "diff",
        FIXTURE,
        "--istio",
        "1.28",
        "--to-istio",
        "1.29",
        "--workload",
        "demo/client",
        "--target",
        "echo.demo.svc.cluster.local:7070",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(&format!("+++ b/cds/{ECHO}")), "{out}");
    assert!(out.contains("+  \"lbPolicy\": \"LEAST_REQUEST\","), "{out}");
    assert!(out.contains("\"tlsCertificateProviderInstance\""), "{out}");
    // Nothing between 1.29 and 1.30 changes for this client's routes
    // or cluster; the route configuration shrinks in 1.31.
    let (code, _, err) = mesh(&[
        "xds",
        "diff",
        FIXTURE,
        "--istio",
        "1.29",
        "--to-istio",
        "1.30",
        "--workload",
        "demo/client",
        "--target",
        "echo.demo.svc.cluster.local:7070",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no change"), "{err}");
    let (code, out, _) = mesh(&[
        "xds",
        "diff",
        FIXTURE,
        "--istio",
        "1.30",
        "--to-istio",
        "1.31",
        "--workload",
        "demo/client",
        "--target",
        "echo.demo.svc.cluster.local:7070",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("-      \"name\": \"billing.demo.svc.cluster.local:7070\","),
        "{out}"
    );
    // Without --to-istio a second config is required.
    let (code, _, _) = mesh(&["xds", "diff", FIXTURE, "--workload", "demo/client"]);
    assert_eq!(code, 64);
}

#[test]
fn another_services_cors_breaks_this_route_only_before_1_31() {
    // grpc-go accepts LEAST_REQUEST, so only the route configuration differs.
    let route = |release: &str| {
        let (code, out, err) = mesh(&[
            "xds",
            "route",
            FIXTURE,
            "--workload",
            "demo/client",
            "--target",
            "echo.demo.svc.cluster.local:7070",
            "--method",
            "/pkg.Svc/Call",
            "--grpc",
            "go",
            "--istio",
            release,
        ]);
        let result = out
            .lines()
            .find(|l| l.starts_with("result:"))
            .unwrap_or_else(|| panic!("{err}"))
            .to_string();
        (code, result)
    };
    let (code, old) = route("1.30");
    // 79: the RPC fails.
    assert_eq!(code, 79);
    assert!(
        old.contains("gRPC Go rejects (NACKs) route configuration outbound|7070||echo.demo.svc.cluster.local for virtual_hosts[1].routes[0].typed_per_filter_config[envoy.filters.http.cors]"),
        "{old}"
    );
    assert_eq!(route("1.31"), (0, "result: reaches a backend".to_string()));
    // analyze predicts the same, naming billing's VirtualService.
    let (code, out, _) = mesh(&["analyze", FIXTURE, "--select", "GRPC082", "--istio", "1.30"]);
    assert_eq!(code, 79);
    assert!(out.contains("VirtualService demo/billing-cors"), "{out}");
    let (code, _, _) = mesh(&["analyze", FIXTURE, "--select", "GRPC082", "--istio", "1.31"]);
    assert_eq!(code, 0);
}

#[test]
fn not_ready_pods_are_sent_unhealthy_from_1_31_and_grpc_skips_them() {
    // testdata/xds: backend-v2-1 (10.0.1.9) is not ready.
    let route = |release: &str| {
        let (code, out, err) = mesh(&[
            "xds",
            "route",
            "testdata/xds",
            "--pod",
            "app/frontend-0",
            "--target",
            "backend:7070",
            "--method",
            "/echo.Echo/Say",
            "-H",
            "end-user=jason",
            "--istio",
            release,
        ]);
        assert_eq!(code, 0, "{err}");
        out
    };
    let old = route("1.30");
    assert!(!old.contains("10.0.1.9"), "{old}");
    let new = route("1.31");
    assert!(
        new.contains("10.0.1.9:17070  UNHEALTHY: sent, but gRPC skips it (gRFC A27)"),
        "{new}"
    );
    assert!(new.contains("10.0.1.2:17070  locality us-east1/us-east1-c  weight 1  HEALTHY"));
    assert!(new.contains("result: reaches a backend"), "{new}");
}

#[test]
fn a_policy_field_older_istiod_lacks_is_dropped_and_said() {
    let server = |release: &str| {
        let (code, out, err) = mesh(&[
            "xds",
            "render",
            FIXTURE,
            "testdata/istio-releases-authz",
            "--workload",
            "demo/echo",
            "--type",
            "lds",
            "-o",
            "json",
            "--istio",
            release,
        ]);
        assert_eq!(code, 0, "{err}");
        (out, err)
    };
    let (new, err) = server("1.25");
    assert!(
        new.contains("spiffe://.+/ns/demo/(.+/|)sa/client(/.+)?"),
        "{new}"
    );
    assert!(!err.contains("does not know"), "{err}");
    let (old, err) = server("1.24");
    assert!(!old.contains("sa/client"), "{old}");
    assert!(old.contains("\"addressPrefix\": \"10.0.0.0\""), "{old}");
    assert!(
        err.contains("mesh: note: AuthorizationPolicy demo/from-client: istiod 1.24 does not know spec.rules[0].from[0].source.serviceAccounts (from 1.25): the API server drops it, so the rule matches peers of any service account"),
        "{err}"
    );
}

#[test]
fn istiod_1_22_sends_the_session_filter_that_grpc_go_rejects() {
    let route = |release: &str| {
        let (code, out, err) = mesh(&[
            "xds",
            "route",
            FIXTURE,
            "testdata/istio-releases-session",
            "--workload",
            "demo/client",
            "--target",
            "cart.demo.svc.cluster.local:8080",
            "--method",
            "/shop.Cart/Add",
            "--grpc",
            "go@1.80",
            "--istio",
            release,
        ]);
        (code, out, err)
    };
    let (code, out, err) = route("1.22");
    assert_eq!(code, 79, "{err}");
    assert!(
        out.contains("result: fails UNAVAILABLE: gRPC Go 1.80 rejects (NACKs) listener cart.demo.svc.cluster.local:8080 (http_filters[0] envoy.filters.http.stateful_session, GRPC038)"),
        "{out}"
    );
    let (code, out, err) = route("1.23");
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("stateful_session"), "{out}");
}

/// A real C-core client (grpcio) of istiod 1.22's persistent-session
/// output: as the client model says, it takes the cookie-based session
/// filter (listener and virtual host) and refuses the header-based one.
#[test]
fn a_real_grpc_client_takes_1_22_cookie_sessions_and_refuses_header_ones() {
    let Some(python) = peers::python("gRPC client") else {
        return;
    };
    let session = "testdata/istio-releases-session";
    let server = peers::Server::start(&[FIXTURE, session, "--istio", "1.22"]);
    let dir = tempfile::tempdir().unwrap();
    let bootstrap = peers::write_bootstrap(FIXTURE, "demo/client", &server.address, dir.path());
    let (cart, ledger) = (
        "cart.demo.svc.cluster.local:8080",
        "ledger.demo.svc.cluster.local:9090",
    );
    let client = Command::new(&python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/peers/xds_client.py"
        ))
        .args(["--timeout", "40"])
        .args(["--target", &format!("xds:///{cart}")])
        .args(["--target", &format!("xds:///{ledger}")])
        .env("GRPC_XDS_BOOTSTRAP", &bootstrap)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut client = peers::Killed(client);
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.0.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "the gRPC client did not finish within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut client.0.stdout.take().unwrap(), &mut out).unwrap();
    let status = |kind: &str, name: &str| -> Option<String> {
        out.lines()
            .map(|l| serde_json::from_str::<Json>(l).unwrap())
            .find(|r| r["type"] == kind && r["name"] == name)
            .map(|r| r["status"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(status("Listener", cart).as_deref(), Some("ACKED"), "{out}");
    assert_eq!(
        status(
            "RouteConfiguration",
            "outbound|8080||cart.demo.svc.cluster.local"
        )
        .as_deref(),
        Some("ACKED"),
        "{out}"
    );
    assert_eq!(
        status("Listener", ledger).as_deref(),
        Some("NACKED"),
        "{out}"
    );
    // The model, for the same runtime.
    let verdict = |target: &str| {
        mesh(&[
            "xds",
            "route",
            FIXTURE,
            session,
            "--workload",
            "demo/client",
            "--target",
            target,
            "--method",
            "/shop.Cart/Add",
            "--grpc",
            "python@1.85",
            "--istio",
            "1.22",
        ])
    };
    let (code, text, _) = verdict(cart);
    assert_eq!(code, 0, "{text}");
    let (code, text, _) = verdict(ledger);
    assert_eq!(code, 79, "{text}");
    assert!(text.contains("rejects (NACKs) listener ledger"), "{text}");
}
