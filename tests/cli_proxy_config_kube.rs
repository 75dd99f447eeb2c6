//! `mesh proxy-config POD[.NS]`: the pod found through a replayed
//! Kubernetes API (testdata/kube/replay) and reached through a WebSocket
//! port-forward that the replay relays to a real peer on 127.0.0.1.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

mod peers;
mod replay;
use replay::{kubeconfig, mesh, Backend, Replay};

const POD: &str = "echo-v1-7d9f8b6c5-abcde";

/// The status table's row for a resource of `kind` named `name`.
fn row<'a>(table: &'a str, kind: &str, name: &str) -> &'a str {
    table
        .lines()
        .find(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            cells.get(1) == Some(&kind) && cells.get(2) == Some(&name)
        })
        .unwrap_or_else(|| panic!("no {kind} {name}:\n{table}"))
}

/// The real proxyless client (Python grpcio, fed by `mesh xds serve`) as
/// the pod's app: its CSDS answers through the port-forward, for a pod
/// named directly and for a Deployment's running pod; `diff` through the
/// pod finds nothing to report.
#[test]
fn a_pod_is_read_through_a_port_forward() {
    let Some(python) = peers::python("gRPC app") else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let served = peers::ServedEchoApp::start(&python, deadline);
    let app = &served.app;
    let replay = Replay::forwarding(Backend::Relay(app.admin.parse().unwrap()));
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &replay.url());
    let echo = "echo.echo-grpc.svc.cluster.local";

    // The context's namespace (echo-grpc); the admin port the pod names grpc-admin.
    let (code, status, err) = mesh(
        &["proxy-config", "status", POD, "--timeout", "10s"],
        &config,
    );
    assert_eq!(code, 0, "{err}");
    for (kind, name) in [
        ("listener", format!("{echo}:7070")),
        ("route", format!("outbound|7070||{echo}")),
        ("cluster", format!("outbound|7070|v1|{echo}")),
        ("endpoint", format!("outbound|7070|v1|{echo}")),
    ] {
        assert!(row(&status, kind, &name).contains(" ACKED "), "{status}");
    }
    let requests = replay.requests();
    assert!(
        requests.contains(&format!("/api/v1/namespaces/echo-grpc/pods/{POD}")),
        "{requests:?}"
    );
    assert!(
        requests.contains(&format!(
            "/api/v1/namespaces/echo-grpc/pods/{POD}/portforward?ports=17000"
        )),
        "{requests:?}"
    );

    // A Deployment: its running pod (the Pending one sorts first and is passed over).
    let (code, clusters, err) = mesh(
        &[
            "proxy-config",
            "cluster",
            "deployment/echo-v1.echo-grpc",
            "--context",
            "other",
        ],
        &config,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        clusters.lines().any(|l| l
            .split_whitespace()
            .skip(1)
            .take(3)
            .eq([echo, "7070", "v1"])),
        "{clusters}"
    );
    let requests = replay.requests();
    assert!(
        requests
            .iter()
            .any(|r| r
                == "/api/v1/namespaces/echo-grpc/pods?labelSelector=app%3Decho%2Cversion%3Dv1"),
        "{requests:?}"
    );
    assert!(
        !requests.iter().any(|r| r.contains("aaaaa/portforward")),
        "{requests:?}"
    );

    // What the app holds is what `mesh xds render` makes of the same files.
    let (code, out, err) = mesh(
        &[
            "proxy-config",
            "diff",
            POD,
            "-n",
            "echo-grpc",
            "testdata/echo-grpc",
        ],
        &config,
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("the live config matches the intended config"),
        "{err}"
    );
}

/// A stand-in Envoy admin: `/config_dump` from a saved dump, no host statuses.
fn envoy_admin() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                loop {
                    let mut request = String::new();
                    if reader.read_line(&mut request).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap_or(0) == 0
                            || header.trim().is_empty()
                        {
                            break;
                        }
                    }
                    let body = if request.contains("/config_dump") {
                        std::fs::read_to_string(concat!(
                            env!("CARGO_MANIFEST_DIR"),
                            "/testdata/proxy-config/envoy-config-dump.json"
                        ))
                        .unwrap()
                    } else {
                        r#"{"cluster_statuses": []}"#.to_string()
                    };
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(response.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    address
}

/// A pod with an istio-proxy container is asked on Envoy's admin port, over
/// the admin API, and prints what the same dump prints from a file.
#[test]
fn a_sidecar_pod_is_read_on_envoys_admin_port() {
    let replay = Replay::forwarding(Backend::Relay(envoy_admin()));
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &replay.url());
    let (code, live, err) = mesh(
        &[
            "proxy-config",
            "cluster",
            "pod/sleep-6d8f9c7b4-xyz12.echo-grpc",
        ],
        &config,
    );
    assert_eq!(code, 0, "{err}");
    let saved = Command::new(env!("CARGO_BIN_EXE_mesh"))
        .args([
            "proxy-config",
            "cluster",
            "--file",
            "testdata/proxy-config/envoy-config-dump.json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(live, String::from_utf8_lossy(&saved.stdout));
    assert!(live.lines().count() > 1, "{live}");
    assert!(
        replay.requests().contains(
            &"/api/v1/namespaces/echo-grpc/pods/sleep-6d8f9c7b4-xyz12/portforward?ports=15000"
                .to_string()
        ),
        "{:?}",
        replay.requests()
    );
}

/// Whatever goes wrong on the way to the pod is one line naming the pod,
/// exit 1, within the timeout.
#[test]
fn failures_on_the_way_to_a_pod_name_it() {
    let replay = Replay::forwarding(Backend::Refused);
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &replay.url());
    for (target, expected) in [
        (POD, format!("pod echo-grpc/{POD} port 17000")),
        ("nope", "pod echo-grpc/nope not found".to_string()),
        (
            "echo-v1-7d9f8b6c5-aaaaa",
            "pod echo-grpc/echo-v1-7d9f8b6c5-aaaaa is Pending, not Running".to_string(),
        ),
        (
            "deployment/missing",
            "deployment echo-grpc/missing not found".to_string(),
        ),
    ] {
        let start = Instant::now();
        let (code, out, err) = mesh(
            &["proxy-config", "status", target, "--timeout", "3s"],
            &config,
        );
        assert_eq!(code, 1, "{target}: {err}");
        assert!(out.is_empty(), "{out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&expected), "{target}: {err}");
        assert!(start.elapsed() < Duration::from_secs(5), "{target}");
    }
    // The pod's own words on the refused port reach the user.
    let (_, _, err) = mesh(
        &["proxy-config", "status", POD, "--protocol", "csds"],
        &config,
    );
    assert!(
        err.contains("port-forward: error forwarding port 17000")
            && err.contains("connection refused"),
        "{err}"
    );

    // A cluster nobody answers on: the same one line.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let config = kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}"));
    let (code, _, err) = mesh(&["proxy-config", "status", POD], &config);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "mesh: error: cannot reach the cluster at http://127.0.0.1:{port}/"
        )),
        "{err}"
    );
}

#[test]
fn pod_flags_apply_to_pods_only() {
    for args in [
        &["status", "--addr", "127.0.0.1:1", "--admin-port", "1"][..],
        &["status", "--file", "x.json", "-n", "shop"],
        &["cluster", "--addr", "127.0.0.1:1", "--context", "prod"],
        &["status", "svc/echo"],
        &["status"],
        &["status", "--file", "x.json", "--protocol", "csds"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_mesh"))
            .arg("proxy-config")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(64), "{args:?}: {out:?}");
    }
}

/// The root CA files `rootca-compare` reads from proxyless pods: web's
/// agent writes them under its OUTPUT_CERTS, /var/run/mesh-certs.
fn root_files(web_root: &str) -> replay::PodFiles {
    let read = |name: &str| {
        std::fs::read(format!(
            "{}/testdata/proxy-config/roots/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    std::sync::Arc::new(vec![(
        "web-5c7d8e9f0-aaaaa".to_string(),
        "/var/run/mesh-certs/root-cert.pem".to_string(),
        Ok(read(web_root)),
    )])
}

const WEB: &str = "web-5c7d8e9f0-aaaaa.mesh-status";
const SLEEP: &str = "sleep-6d8f9c7b4-xyz12";

/// A sidecar (the real Envoy behind the port-forward, its ROOTCA root-a)
/// against a proxyless pod (the root-cert.pem its agent wrote, read
/// through exec): the same root, exit 0; another root, exit 1; pods with
/// no root to read, one line naming them.
#[test]
fn rootca_compare_of_a_sidecar_and_a_proxyless_pod() {
    let Some(python) = peers::python("Envoy") else {
        return;
    };
    let envoy = peers::Envoy::start(&python);
    let backend = Backend::Relay(envoy.admin.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();

    let replay = Replay::with_files(backend.clone(), root_files("root-a.pem"));
    let config = kubeconfig(dir.path(), &replay.url());
    let (code, out, err) = mesh(&["proxy-config", "rootca-compare", SLEEP, WEB], &config);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "pod echo-grpc/sleep-6d8f9c7b4-xyz12 and pod mesh-status/web-5c7d8e9f0-aaaaa trust the same root CA: O=mesh test, CN=Root CA a (SHA-256 "
        ),
        "{out}"
    );
    let requests = replay.requests();
    assert!(
        requests.contains(
            &"/api/v1/namespaces/echo-grpc/pods/sleep-6d8f9c7b4-xyz12/portforward?ports=15000"
                .to_string()
        ),
        "{requests:?}"
    );
    let exec = requests
        .iter()
        .find(|r| r.starts_with("/api/v1/namespaces/mesh-status/pods/web-5c7d8e9f0-aaaaa/exec?"))
        .unwrap_or_else(|| panic!("no exec: {requests:?}"));
    assert!(
        exec.contains("command=cat")
            && exec.contains("command=%2Fvar%2Frun%2Fmesh-certs%2Froot-cert.pem")
            && exec.contains("container=istio-proxy"),
        "{exec}"
    );

    let replay = Replay::with_files(backend, root_files("root-b.pem"));
    let config = kubeconfig(dir.path(), &replay.url());
    let (code, out, err) = mesh(&["proxy-config", "rc", WEB, SLEEP, "-o", "json"], &config);
    assert_eq!(code, 1, "{err}");
    let record: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(record["sharesRoot"], false);
    assert_eq!(
        record["first"]["roots"][0]["subject"],
        "O=mesh test, CN=Root CA b"
    );
    assert_eq!(
        record["second"]["source"],
        "pod echo-grpc/sleep-6d8f9c7b4-xyz12"
    );

    // A root file also compares with a pod.
    let (code, _, err) = mesh(
        &[
            "proxy-config",
            "rc",
            WEB,
            "-f",
            "testdata/proxy-config/roots/root-b.pem",
        ],
        &config,
    );
    assert_eq!(code, 0, "{err}");

    for (target, said) in [
        // The replayed echo pod runs no agent container: no certificates.
        (
            POD,
            format!("pod echo-grpc/{POD} runs no istio-proxy container (grpc-simple?)"),
        ),
        ("nope", "pod echo-grpc/nope not found".to_string()),
    ] {
        let (code, out, err) = mesh(&["proxy-config", "rc", WEB, target], &config);
        assert_eq!((code, out.as_str()), (1, ""), "{target}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&said), "{target}: {err}");
    }
}

/// What `cat` says when the agent has written no root yet reaches the user.
#[test]
fn rootca_compare_says_why_a_pod_file_cannot_be_read() {
    let replay = Replay::with_files(Backend::Refused, std::sync::Arc::new(Vec::new()));
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &replay.url());
    let (code, _, err) = mesh(
        &[
            "proxy-config",
            "rc",
            WEB,
            "-f",
            "testdata/proxy-config/roots/root-a.pem",
            "--timeout",
            "5s",
        ],
        &config,
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot read pod mesh-status/web-5c7d8e9f0-aaaaa container istio-proxy: /var/run/mesh-certs/root-cert.pem: cat: /var/run/mesh-certs/root-cert.pem: No such file or directory (a copy of the file can be given as --file)"),
        "{err}"
    );
}

/// `log` of a sidecar pod through its port-forward: levels set, then put
/// back to the levels its istio-proxy started with; a proxyless pod, and a
/// selector picking one, change nothing (exit 64).
#[test]
fn log_levels_of_pods() {
    let Some(python) = peers::python("Envoy") else {
        return;
    };
    let envoy = peers::Envoy::start(&python);
    let replay = Replay::forwarding(Backend::Relay(envoy.admin.parse().unwrap()));
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &replay.url());
    let level = |reply: &str, logger: &str| -> String {
        reply
            .lines()
            .find_map(|l| l.strip_prefix(&format!("  {logger}: ")))
            .unwrap_or_else(|| panic!("no logger {logger}:\n{reply}"))
            .to_string()
    };
    let (code, out, err) = mesh(&["proxy-config", "log", SLEEP, "--level", "trace"], &config);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("sleep-6d8f9c7b4-xyz12.echo-grpc:\nactive loggers:\n"),
        "{out}"
    );
    assert_eq!(level(&out, "misc"), "trace");
    // --proxyLogLevel=info --proxyComponentLogLevel=misc:error,upstream:debug
    let (code, out, err) = mesh(&["proxy-config", "o", SLEEP, "-r"], &config);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        [
            level(&out, "admin"),
            level(&out, "misc"),
            level(&out, "upstream")
        ],
        ["info", "error", "debug"]
    );

    let (code, out, err) = mesh(&["proxy-config", "log", POD, "--level", "debug"], &config);
    assert_eq!((code, out.as_str()), (64, ""), "{err}");
    assert!(
        err.starts_with(&format!("mesh: error: pod echo-grpc/{POD} is a proxyless gRPC app: it has no logger levels to set")),
        "{err}"
    );
    let (code, out, err) = mesh(
        &["proxy-config", "log", "-l", "app=echo", "--level", "debug"],
        &config,
    );
    assert_eq!((code, out.as_str()), (64, ""), "{err}");
    assert!(
        err.contains("mesh: note: pod echo-grpc/echo-v1-7d9f8b6c5-aaaaa is not running: skipped")
            && err.contains("picks pods without an Envoy, so nothing was changed"),
        "{err}"
    );
    assert!(
        replay
            .requests()
            .contains(&"/api/v1/namespaces/echo-grpc/pods?labelSelector=app%3Decho".to_string()),
        "{:?}",
        replay.requests()
    );
    let (_, out, _) = mesh(&["proxy-config", "log", SLEEP], &config);
    assert_eq!(level(&out, "admin"), "info", "nothing changed:\n{out}");
    for refused in [
        &["proxy-config", "log", "-l", "app=echo", SLEEP][..],
        &["proxy-config", "cluster", SLEEP, "-r"],
    ] {
        let (code, _, err) = mesh(refused, &config);
        assert_eq!(code, 64, "{refused:?}: {err}");
    }
}
