//! `mesh analyze --kube` against a local HTTP server that replays recorded
//! Kubernetes API list responses (testdata/kube/replay, tests/replay), on
//! 127.0.0.1.

use std::net::TcpListener;

mod replay;
use replay::{kubeconfig, mesh, Replay, TOKEN};

#[test]
fn analyze_reads_the_cluster_and_reports_in_the_context_namespace() {
    let replay = Replay::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &format!("http://127.0.0.1:{}", replay.port));
    let (code, stdout, stderr) = mesh(&["analyze", "--kube", "--select", "IST0101"], &config);
    assert_eq!(code, 79, "{stdout}\n{stderr}");
    // The context's namespace only: the broken VirtualService in `shop` is not reported.
    assert!(
        stdout.contains("Error [IST0101] (VirtualService echo-grpc/echo-weights cluster:virtualservices.networking.istio.io:"),
        "{stdout}"
    );
    assert!(stdout.contains("Referenced host+subset in destinationrule not found: \"echo.echo-grpc.svc.cluster.local+v3\""), "{stdout}");
    assert!(!stdout.contains("shop/cart"), "{stdout}");
    // Both pages of pods were read, and every list asked for a page size.
    let requests = replay.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("/api/v1/pods?limit=500&continue=")),
        "{requests:?}"
    );
    assert!(
        requests.iter().all(|r| r.contains("limit=500")),
        "{requests:?}"
    );
}

#[test]
fn all_namespaces_and_namespace_flags_choose_what_is_reported() {
    let replay = Replay::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &format!("http://127.0.0.1:{}", replay.port));
    let (_, all, _) = mesh(
        &[
            "analyze",
            "--use-kube",
            "-A",
            "--select",
            "IST0101",
            "-o",
            "json",
        ],
        &config,
    );
    let all: serde_json::Value = serde_json::from_str(&all).unwrap();
    let origins: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["origin"].as_str().unwrap())
        .collect();
    assert_eq!(
        origins,
        [
            "VirtualService echo-grpc/echo-weights",
            "VirtualService shop/cart"
        ]
    );
    let (_, shop, _) = mesh(
        &[
            "analyze", "--kube", "-n", "shop", "--select", "IST0101", "-o", "json",
        ],
        &config,
    );
    assert!(
        shop.contains("VirtualService shop/cart") && !shop.contains("echo-weights"),
        "{shop}"
    );
    let (_, other, _) = mesh(
        &[
            "analyze",
            "--kube",
            "--context",
            "other",
            "--select",
            "IST0101",
            "-o",
            "json",
        ],
        &config,
    );
    assert!(
        other.contains("VirtualService shop/cart") && !other.contains("echo-weights"),
        "{other}"
    );
}

#[test]
fn files_and_the_cluster_are_read_together() {
    let replay = Replay::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &format!("http://127.0.0.1:{}", replay.port));
    // The missing subset v3, declared in a file beside the cluster.
    let extra = dir.path().join("v3.yaml");
    std::fs::write(
        &extra,
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: echo-v3, namespace: echo-grpc}\nspec:\n  host: echo.echo-grpc.svc.cluster.local\n  subsets: [{name: v3, labels: {version: v3}}]\n",
    )
    .unwrap();
    let (code, stdout, stderr) = mesh(
        &[
            "analyze",
            "--kube",
            "--select",
            "IST0101",
            extra.to_str().unwrap(),
        ],
        &config,
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("No validation issues found"), "{stderr}");
}

#[test]
fn a_forbidden_kind_is_a_note_and_the_rest_is_read() {
    let replay = Replay::start(&["/api/v1/pods"]);
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &format!("http://127.0.0.1:{}", replay.port));
    let (code, stdout, stderr) = mesh(&["analyze", "--kube", "--select", "IST0101"], &config);
    assert!(
        stderr.contains(
            "mesh: note: cannot list cluster:pods: forbidden: User \"ci\" cannot list resource (403)"
        ),
        "{stderr}"
    );
    // Everything else was read: the VirtualService finding is still there.
    assert_eq!(code, 79, "{stdout}");
    assert!(
        stdout.contains("echo.echo-grpc.svc.cluster.local+v3"),
        "{stdout}"
    );
}

#[test]
fn an_unreachable_or_unauthorised_cluster_is_one_error_line_and_exit_65() {
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}"));
    let (code, stdout, stderr) = mesh(&["analyze", "--kube"], &config);
    assert_eq!(code, 65, "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "mesh: error: cannot read the cluster at http://127.0.0.1:{port}/"
        )),
        "{stderr}"
    );

    let replay = Replay::start(&[]);
    let config = dir.path().join("bad-token");
    std::fs::write(
        &config,
        std::fs::read_to_string(kubeconfig(
            dir.path(),
            &format!("http://127.0.0.1:{}", replay.port),
        ))
        .unwrap()
        .replace(TOKEN, "wrong"),
    )
    .unwrap();
    let (code, _, stderr) = mesh(&["analyze", "--kube"], &config);
    assert_eq!(code, 65, "{stderr}");
    assert!(stderr.contains("unauthorised"), "{stderr}");
}

#[test]
fn cluster_flags_need_kube() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = mesh(
        &["analyze", "-n", "shop", "testdata/echo-grpc"],
        &dir.path().join("none"),
    );
    assert_eq!(code, 64, "{stderr}");
}
