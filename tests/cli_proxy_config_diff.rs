//! `mesh proxy-config diff`: what a client holds against what `mesh xds
//! render` says it should hold, from a saved CSDS response and from a real
//! proxyless gRPC app (Python grpcio) fed by `mesh xds serve`.

mod peers;

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MESH: &str = env!("CARGO_BIN_EXE_mesh");
/// `mesh proxy-config dump` of the grpcio app below, fed `testdata/echo-grpc`.
const ECHO_DUMP: &str = "testdata/proxy-config/csds-echo-grpc.json";
const ECHO: &str = "echo.echo-grpc.svc.cluster.local";

fn mesh(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(MESH)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A copy of `testdata/echo-grpc` to edit.
fn echo_config_copy(dir: &Path) -> std::path::PathBuf {
    let copy = dir.join("config");
    std::fs::create_dir(&copy).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/echo-grpc");
    for entry in std::fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
    }
    copy
}

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
    let config = echo_config_copy(dir.path());
    change_traffic(&config);
    let config = config.to_str().unwrap();
    let (code, out, err) = mesh(&[
        "proxy-config",
        "diff",
        "--file",
        ECHO_DUMP,
        config,
        "--workload",
        "echo-grpc/echo-v1",
    ]);
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
    let (code, out, err) = mesh(&[
        "proxy-config",
        "diff",
        "--file",
        ECHO_DUMP,
        config,
        "--workload",
        "echo-grpc/echo-v1",
    ]);
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

/// A process killed on drop.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads lines until one starts with `prefix`, or the deadline.
fn wait_for_line(
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
    prefix: &str,
    deadline: Instant,
) -> Option<String> {
    while Instant::now() < deadline {
        let line = lines.next()?.ok()?;
        if let Some(at) = line.find(prefix) {
            return Some(line[at + prefix.len()..].to_string());
        }
    }
    None
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
    let config = echo_config_copy(dir.path());
    let config_arg = config.to_str().unwrap();

    let mut serve = Command::new(MESH)
        .args(["xds", "serve", config_arg, "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let serve_err = serve.stderr.take().unwrap();
    let _serve = Killed(serve);
    let mut serve_lines = std::io::BufReader::new(serve_err).lines();
    let listening = wait_for_line(&mut serve_lines, "listening on ", deadline)
        .expect("mesh xds serve printed its address");
    let xds_address = listening
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    // Keep draining the server log so it never blocks on a full pipe.
    std::thread::spawn(move || serve_lines.map_while(Result::ok).for_each(drop));

    let (code, bootstrap, err) = mesh(&[
        "xds",
        "bootstrap",
        config_arg,
        "--workload",
        "echo-grpc/echo-v1",
        "--xds-address",
        &xds_address,
    ]);
    assert_eq!(code, 0, "{err}");
    let bootstrap_path = dir.path().join("bootstrap.json");
    std::fs::write(&bootstrap_path, bootstrap).unwrap();
    let script = dir.path().join("app.py");
    std::fs::write(&script, include_str!("peers/csds_app.py")).unwrap();
    let mut app = Command::new(&python)
        .arg(&script)
        .arg(format!("xds:///{ECHO}:7070"))
        .env("GRPC_XDS_BOOTSTRAP", &bootstrap_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let app_out = app.stdout.take().unwrap();
    let _app = Killed(app);
    let mut lines = std::io::BufReader::new(app_out).lines();
    let port = wait_for_line(&mut lines, "admin ", deadline).expect("the app printed its port");
    let admin = format!("127.0.0.1:{}", port.trim());
    wait_for_line(&mut lines, "ready", deadline).expect("the app got its config");

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
