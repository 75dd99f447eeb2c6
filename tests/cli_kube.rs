//! `mesh analyze --kube` against a local HTTP server that replays recorded
//! Kubernetes API list responses (testdata/kube/replay), on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MESH: &str = env!("CARGO_BIN_EXE_mesh");
const TOKEN: &str = "replay-token";

/// A replaying API server; records the paths it was asked for.
struct Replay {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Replay {
    /// `forbidden`: request paths answered 403, as RBAC would.
    fn start(forbidden: &'static [&'static str]) -> Replay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = Arc::clone(&seen);
                std::thread::spawn(move || serve(stream, &seen, forbidden));
            }
        });
        Replay { port, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, seen: &Mutex<Vec<String>>, forbidden: &[&str]) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let target = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_string();
        let mut authorised = false;
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if lower == format!("authorization: bearer {TOKEN}") {
                authorised = true;
            }
            if let Some(value) = lower.strip_prefix("content-length: ") {
                length = value.parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        seen.lock().unwrap().push(target.clone());
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let token = query
            .split('&')
            .find_map(|p| p.strip_prefix("continue="))
            .map(|t| format!("@{t}"))
            .unwrap_or_default();
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/kube/replay")
            .join(format!(
                "{}{token}.json",
                path.trim_start_matches('/').replace('/', "_")
            ));
        let (status, body) = if !authorised {
            (401, status_body(401, "Unauthorized"))
        } else if forbidden.contains(&path) {
            (
                403,
                status_body(403, "forbidden: User \"ci\" cannot list resource"),
            )
        } else {
            match std::fs::read_to_string(&file) {
                Ok(text) => (200, text),
                Err(_) => (
                    404,
                    status_body(404, "the server could not find the requested resource"),
                ),
            }
        };
        let reason = match status {
            200 => "OK",
            401 => "Unauthorized",
            403 => "Forbidden",
            _ => "Not Found",
        };
        let response = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

fn status_body(code: u16, message: &str) -> String {
    format!(
        r#"{{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":"{}","reason":"{}","code":{code}}}"#,
        message.replace('"', "\\\""),
        match code {
            401 => "Unauthorized",
            403 => "Forbidden",
            _ => "NotFound",
        }
    )
}

/// A kubeconfig whose current context points at `server`, namespace echo-grpc.
fn kubeconfig(dir: &Path, server: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: replay\n  cluster:\n    server: {server}\n\
             users:\n- name: ci\n  user:\n    token: {TOKEN}\n\
             contexts:\n- name: replay\n  context:\n    cluster: replay\n    user: ci\n    namespace: echo-grpc\n\
             - name: other\n  context:\n    cluster: replay\n    user: ci\n    namespace: shop\n\
             current-context: replay\n"
        ),
    )
    .unwrap();
    path
}

fn mesh(args: &[&str], kubeconfig: &Path) -> (i32, String, String) {
    let out = Command::new(MESH)
        .args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

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
