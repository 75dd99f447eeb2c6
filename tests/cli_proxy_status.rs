//! `mesh proxy-status`: one row per workload, judged against the intended
//! config. The real proof runs two real proxyless apps (Python grpcio, fed
//! by `mesh xds serve`): one healthy, one NACKing a route configuration,
//! asked through `--addr` and through a replayed Kubernetes API's
//! port-forwards (testdata/kube/replay, namespace mesh-status).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

mod peers;
mod replay;
use peers::{mesh, CsdsApp, Server};
use replay::{kubeconfig, Backend, Replay};

const ECHO: &str = "echo.echo-grpc.svc.cluster.local";
const CART: &str = "cart.echo-grpc.svc.cluster.local";
/// What `mesh xds serve` serves both apps, and the intended config.
const CONFIG: [&str; 2] = ["testdata/echo-grpc", "testdata/proxy-status"];
const SAVED_CSDS: &str = "testdata/proxy-config/csds-echo-grpc.json";
const SAVED_ENVOY: &str = "testdata/proxy-config/envoy-config-dump.json";

/// The cells of the table row whose NAME is `name`.
fn row(table: &str, name: &str) -> Vec<String> {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no row {name}:\n{table}"))
        .split("   ")
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

/// The table's columns, by header.
fn cell<'a>(table: &str, cells: &'a [String], column: &str) -> &'a str {
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap()
        .split("   ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let at = header
        .iter()
        .position(|h| *h == column)
        .unwrap_or_else(|| panic!("no column {column}: {header:?}"));
    &cells[at]
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The healthy app (echo-grpc/echo-v1, calling echo) and the NACKing one
/// (echo-grpc/echo-v2, calling cart, whose VirtualService has a corsPolicy),
/// both fed by one `mesh xds serve` of CONFIG.
struct TwoApps {
    healthy: CsdsApp,
    nacking: CsdsApp,
    _server: Server,
    _dir: tempfile::TempDir,
}

fn two_apps(python: &str) -> TwoApps {
    let deadline = Instant::now() + Duration::from_secs(90);
    let server = Server::start(&CONFIG);
    let dir = tempfile::tempdir().unwrap();
    let start = |workload: &str, target: &str| {
        let bootstrap = peers::write_bootstrap(CONFIG[0], workload, &server.address, dir.path());
        CsdsApp::start(python, &bootstrap, &[target], deadline)
    };
    let healthy = start("echo-grpc/echo-v1", &format!("xds:///{ECHO}:7070"));
    let nacking = start("echo-grpc/echo-v2", &format!("xds:///{CART}:7070"));
    TwoApps {
        healthy,
        nacking,
        _server: server,
        _dir: dir,
    }
}

/// The proof: a healthy and a NACKing real app, through `--addr` and
/// through port-forwards, SYNCED / NACKED / STALE / UNREACHABLE as the
/// user sees them, with the exit codes.
#[test]
fn two_real_apps_through_addr_and_through_port_forwards() {
    let Some(python) = peers::python("gRPC app") else {
        return;
    };
    let apps = two_apps(&python);
    let web = format!("web={}", apps.healthy.admin);
    let cart = format!("cart={}", apps.nacking.admin);
    let gone = format!("gone=127.0.0.1:{}", closed_port());

    // --addr, with the config both apps were served as the intended config.
    let mut args = CONFIG.to_vec();
    args.splice(0..0, ["proxy-status"]);
    args.extend([
        "--addr",
        web.as_str(),
        "--addr",
        cart.as_str(),
        "--addr",
        gone.as_str(),
    ]);
    let (code, table, err) = mesh(&args);
    eprintln!("{table}{err}");
    assert_eq!(code, 1, "a NACKing app fails the run: {err}");
    let healthy = row(&table, "web");
    assert_eq!(cell(&table, &healthy, "SYNC"), "SYNCED", "{table}");
    assert_eq!(cell(&table, &healthy, "PROXY"), "proxyless");
    // The 20/80 split: two subsets, a cluster and endpoints each.
    for (column, held) in [("LDS", "1"), ("RDS", "1"), ("CDS", "2"), ("EDS", "2")] {
        assert_eq!(cell(&table, &healthy, column), held, "{column}: {table}");
    }
    let nacking = row(&table, "cart");
    assert_eq!(cell(&table, &nacking, "SYNC"), "NACKED", "{table}");
    assert_eq!(cell(&table, &nacking, "LDS"), "1");
    assert_eq!(cell(&table, &nacking, "RDS"), "0 (1 NACKED)");
    // Nothing accepted, so it never asked for a cluster.
    assert_eq!(cell(&table, &nacking, "CDS"), "-");
    let detail = cell(&table, &nacking, "DETAIL");
    assert!(
        detail.starts_with(&format!("rds/outbound|7070||{CART}: ")) && detail.contains("rejected)"),
        "{detail}"
    );
    let unreachable = row(&table, "gone");
    assert_eq!(cell(&table, &unreachable, "SYNC"), "UNREACHABLE");
    assert!(
        cell(&table, &unreachable, "DETAIL").contains("cannot connect"),
        "{table}"
    );
    assert!(
        err.contains("mesh: 3 workloads: 1 SYNCED, 1 NACKED, 1 UNREACHABLE"),
        "{err}"
    );

    // The same as JSON: counts per type and status, the node, the verdict.
    let mut json_args = args.clone();
    json_args.extend(["-o", "json"]);
    let (code, out, err) = mesh(&json_args);
    assert_eq!(code, 1, "{err}");
    let records: Json = serde_json::from_str(&out).unwrap();
    let by_name = |name: &str| {
        records
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no {name}: {out}"))
            .clone()
    };
    let healthy = by_name("web");
    assert_eq!(healthy["sync"], "SYNCED");
    assert_eq!(healthy["differences"], 0);
    assert!(healthy["compared"].as_u64().unwrap() >= 4, "{healthy}");
    assert_eq!(healthy["resources"]["route"]["ACKED"], 1);
    assert!(
        healthy["node"]
            .as_str()
            .unwrap()
            .contains("echo-grpc~echo-grpc.svc.cluster.local"),
        "{healthy}"
    );
    assert!(healthy["ageSeconds"].as_u64().unwrap() < 120, "{healthy}");
    let nacking = by_name("cart");
    assert_eq!(nacking["sync"], "NACKED");
    assert_eq!(nacking["resources"]["route"]["NACKED"], 1);
    assert_eq!(by_name("gone")["proxy"], Json::Null);

    // An unreachable app is a row, not a failure; all of them unreachable is.
    let (code, _, err) = mesh(&[
        "proxy-status",
        CONFIG[0],
        CONFIG[1],
        "--addr",
        &web,
        "--addr",
        &gone,
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = mesh(&["proxy-status", "--addr", &gone]);
    assert_eq!(code, 1, "{err}");

    // Without PATHs nothing is compared; a NACK still shows.
    let (code, table, err) = mesh(&["proxy-status", "--addr", &web, "--addr", &cart]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(cell(&table, &row(&table, "web"), "SYNC"), "NOT_COMPARED");
    assert_eq!(cell(&table, &row(&table, "cart"), "SYNC"), "NACKED");

    // The intended config moved on (weights 20/80 → 30/70): the healthy app is STALE.
    let changed = tempfile::tempdir().unwrap();
    let echo = peers::copy_testdata("echo-grpc", &changed.path().join("echo-grpc"));
    let traffic = std::fs::read_to_string(echo.join("traffic.yaml")).unwrap();
    let moved = traffic
        .replace("weight: 20", "weight: 30")
        .replace("weight: 80", "weight: 70");
    assert_ne!(moved, traffic);
    std::fs::write(echo.join("traffic.yaml"), moved).unwrap();
    let (code, table, err) = mesh(&["proxy-status", echo.to_str().unwrap(), "--addr", &web]);
    assert_eq!(code, 1, "{table}{err}");
    let stale = row(&table, "web");
    assert_eq!(cell(&table, &stale, "SYNC"), "STALE", "{table}");
    assert_eq!(
        cell(&table, &stale, "DETAIL"),
        format!("rds/outbound|7070||{ECHO}")
    );

    // --kube: the same apps as the pods of a replayed cluster, each reached
    // through its own port-forward; the sidecar's port is refused.
    let replay = Replay::forwarding(Backend::ByPod(Arc::new(vec![
        (
            "web-5c7d8e9f0-aaaaa".into(),
            apps.healthy.admin.parse().unwrap(),
        ),
        (
            "cart-6b8f9d7c4-bbbbb".into(),
            apps.nacking.admin.parse().unwrap(),
        ),
    ])));
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &replay.url());
    let (code, table, err) = replay::mesh(
        &[
            "proxy-status",
            CONFIG[0],
            CONFIG[1],
            "--kube",
            "-n",
            "mesh-status",
        ],
        &config,
    );
    eprintln!("{table}{err}");
    assert_eq!(code, 1, "{err}");
    let names: Vec<&str> = table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    // Sorted; db-0 is not in the mesh and the Pending pod is not asked.
    assert_eq!(
        names,
        [
            "cart-6b8f9d7c4-bbbbb.mesh-status",
            "sleep-6d8f9c7b4-ccccc.mesh-status",
            "web-5c7d8e9f0-aaaaa.mesh-status"
        ],
        "{table}"
    );
    assert!(
        err.contains("1 mesh pod(s) not running, not asked: web-5c7d8e9f0-zzzzz.mesh-status"),
        "{err}"
    );
    let web_pod = row(&table, "web-5c7d8e9f0-aaaaa.mesh-status");
    assert_eq!(cell(&table, &web_pod, "SYNC"), "SYNCED", "{table}");
    let cart_pod = row(&table, "cart-6b8f9d7c4-bbbbb.mesh-status");
    assert_eq!(cell(&table, &cart_pod, "SYNC"), "NACKED", "{table}");
    let sidecar = row(&table, "sleep-6d8f9c7b4-ccccc.mesh-status");
    assert_eq!(cell(&table, &sidecar, "SYNC"), "UNREACHABLE");
    assert_eq!(cell(&table, &sidecar, "PROXY"), "envoy");
    let detail = cell(&table, &sidecar, "DETAIL");
    assert!(
        detail.contains("pod mesh-status/sleep-6d8f9c7b4-ccccc port 15000")
            && detail.contains("port-forward: error forwarding port 15000"),
        "{detail}"
    );
    // grpc-agent pods (with the agent's istio-proxy container) on their
    // gRPC admin port; the sidecar on Envoy's.
    let requests = replay.requests();
    for (pod, port) in [
        ("web-5c7d8e9f0-aaaaa", 17000),
        ("cart-6b8f9d7c4-bbbbb", 17000),
        ("sleep-6d8f9c7b4-ccccc", 15000),
    ] {
        let path = format!("/api/v1/namespaces/mesh-status/pods/{pod}/portforward?ports={port}");
        assert!(requests.contains(&path), "{path}: {requests:?}");
    }
}

/// Saved dumps are rows too: a proxyless app's CSDS response (SYNCED with
/// the config it was taken from) and an Envoy dump with a rejected
/// listener (NACKED: Envoy rows show counts, never SYNCED).
#[test]
fn saved_dumps_are_rows() {
    let (code, table, err) = mesh(&[
        "proxy-status",
        "testdata/echo-grpc",
        "-f",
        SAVED_CSDS,
        "--file",
        SAVED_ENVOY,
    ]);
    assert_eq!(code, 1, "{err}");
    let csds = row(&table, SAVED_CSDS);
    assert_eq!(cell(&table, &csds, "SYNC"), "SYNCED", "{table}");
    assert_eq!(cell(&table, &csds, "VERSION"), "16fe2564400ebcb2");
    assert_eq!(cell(&table, &csds, "CDS"), "2");
    let envoy = row(&table, SAVED_ENVOY);
    assert_eq!(cell(&table, &envoy, "PROXY"), "envoy");
    assert_eq!(cell(&table, &envoy, "SYNC"), "NACKED");
    assert_eq!(cell(&table, &envoy, "LDS"), "0 (1 NACKED, 1 STATIC)");
    assert!(
        cell(&table, &envoy, "DETAIL").starts_with("lds/0.0.0.0_9090: error adding listener"),
        "{table}"
    );

    // istioctl's `short` is the table; YAML has the same records as JSON.
    let (code, short, _) = mesh(&["proxy-status", "-f", SAVED_CSDS, "-o", "short"]);
    assert_eq!(code, 0);
    assert_eq!(
        cell(&short, &row(&short, SAVED_CSDS), "SYNC"),
        "NOT_COMPARED"
    );
    let (_, yaml, _) = mesh(&["proxy-status", "-f", SAVED_CSDS, "-o", "yaml"]);
    assert!(
        yaml.contains("sync: NOT_COMPARED") && yaml.contains("ACKED: 2"),
        "{yaml}"
    );
}

/// A target that accepts and never answers costs its own --timeout and
/// is a row; the others are asked beside it.
#[test]
fn a_silent_target_is_a_row_within_its_timeout() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = silent.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().flatten() {
            held.push(stream);
        }
    });
    let mut args = vec!["proxy-status".to_string(), "-f".into(), SAVED_CSDS.into()];
    for n in 0..6 {
        args.extend(["--addr".into(), format!("silent-{n}={address}")]);
    }
    args.extend([
        "--timeout".into(),
        "1s".into(),
        "--parallel".into(),
        "6".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let start = Instant::now();
    let (code, table, err) = mesh(&args);
    // Six silent targets of 1s each, asked side by side.
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(code, 0, "{err}");
    for n in 0..6 {
        let silent = row(&table, &format!("silent-{n}"));
        assert_eq!(cell(&table, &silent, "SYNC"), "UNREACHABLE");
        assert!(
            cell(&table, &silent, "DETAIL").contains("did not answer"),
            "{table}"
        );
    }
    assert_eq!(
        cell(&table, &row(&table, SAVED_CSDS), "SYNC"),
        "NOT_COMPARED"
    );
}

#[test]
fn bad_usage_and_unreadable_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("targets.txt");
    std::fs::write(&targets, "web=127.0.0.1:17000\n\nweb 127.0.0.1:17001\n").unwrap();
    let targets = targets.to_str().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\"config\": [\n  {\"genericXdsConfigs\": 3}\n]}\n",
    )
    .unwrap();
    let broken = broken.to_str().unwrap();
    for (args, code, says) in [
        (&["proxy-status"][..], 64, "expected --kube, --addr"),
        (
            &["proxy-status", "--addr", "127.0.0.1"],
            64,
            "expected [NAME=]HOST:PORT",
        ),
        (
            &["proxy-status", "-f", SAVED_CSDS, "-n", "shop"],
            64,
            "apply with --kube only",
        ),
        (
            &["proxy-status", "-f", SAVED_CSDS, "--protocol", "csds"],
            64,
            "--protocol",
        ),
        (
            &["proxy-status", "--addr", "a:1", "--parallel", "0"],
            64,
            "--parallel",
        ),
        (
            &["proxy-status", "--targets", targets],
            65,
            "targets.txt:3: \"web 127.0.0.1:17001\"",
        ),
        (
            &["proxy-status", "-f", broken],
            65,
            "broken.json:config[0].generic_xds_configs",
        ),
        (
            &["proxy-status", "-f", "testdata/nope.json"],
            65,
            "testdata/nope.json: ",
        ),
        (
            &["proxy-status", "testdata/nope", "-f", SAVED_CSDS],
            65,
            "testdata/nope",
        ),
    ] {
        let (exit, out, err) = mesh(args);
        assert_eq!(exit, code, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// One name for the table format (`short`, istioctl's, accepted too), and
/// `-f` for proxy-config's --file as istioctl spells it.
#[test]
fn istioctl_spellings_are_accepted() {
    let (code, by_short, err) = mesh(&["proxy-config", "cluster", "-f", SAVED_CSDS, "-o", "short"]);
    assert_eq!(code, 0, "{err}");
    let (_, by_table, _) = mesh(&[
        "proxy-config",
        "cluster",
        "--file",
        SAVED_CSDS,
        "-o",
        "table",
    ]);
    assert_eq!(by_short, by_table);
    assert!(by_table.contains(ECHO), "{by_table}");
    let render = |format: &str| {
        mesh(&[
            "xds",
            "render",
            "testdata/echo-grpc",
            "--workload",
            "echo-grpc/echo-v1",
            "-o",
            format,
        ])
    };
    let (code, table, err) = render("short");
    assert_eq!(code, 0, "{err}");
    assert_eq!(table, render("table").1);
    // proxy-config diff takes its manifests as PATHs or --filename, not -f.
    let (code, _, err) = mesh(&[
        "proxy-config",
        "diff",
        "--file",
        SAVED_CSDS,
        "--filename",
        "testdata/echo-grpc",
    ]);
    assert_eq!(code, 0, "{err}");
}

/// Without -n every namespace is listed (the replay's list comes in two
/// pages); pods that cannot be asked are rows saying why, and when no pod
/// can be asked the run fails.
#[test]
fn every_namespace_and_pods_that_cannot_be_asked() {
    let replay = Replay::forwarding(Backend::Refused);
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &replay.url());
    let (code, table, err) = replay::mesh(&["proxy-status", "--kube", "--timeout", "3s"], &config);
    assert_eq!(code, 1, "{table}{err}");
    let refused = row(&table, "echo-v1-7d9f8b6c5-abcde.echo-grpc");
    assert_eq!(cell(&table, &refused, "SYNC"), "UNREACHABLE");
    assert!(
        cell(&table, &refused, "DETAIL").contains("error forwarding port 17000"),
        "{table}"
    );
    // The second page's pod names no admin port.
    let unnamed = row(&table, "echo-v1-7d9f8b6c5-fghij.echo-grpc");
    assert!(
        cell(&table, &unnamed, "DETAIL").contains("names no admin port"),
        "{table}"
    );
    assert!(err.contains("2 workloads: 2 UNREACHABLE"), "{err}");
    let requests = replay.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("/api/v1/pods?") && r.contains("continue=")),
        "{requests:?}"
    );

    // --admin-port reaches the pod that names none.
    let (_, table, _) = replay::mesh(
        &[
            "proxy-status",
            "--kube",
            "--admin-port",
            "9000",
            "--timeout",
            "3s",
        ],
        &config,
    );
    let unnamed = row(&table, "echo-v1-7d9f8b6c5-fghij.echo-grpc");
    assert!(
        cell(&table, &unnamed, "DETAIL").contains("error forwarding port 9000"),
        "{table}"
    );
}
