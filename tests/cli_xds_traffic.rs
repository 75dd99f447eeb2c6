//! `mesh xds serve` routes real traffic: a real proxyless gRPC client
//! (Python grpcio, C-core's xDS client) takes its routes, clusters and
//! endpoints from `mesh xds serve` and sends RPCs to three real gRPC
//! backends on 127.0.0.2-4 (testdata/xds-traffic). What the backends
//! answer shows where each RPC went: round robin, weights, header and
//! method matches, fault aborts, a timeout cutting a fault delay, and a
//! `--watch` reload shifting a live client's traffic.

mod peers;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

const MESH: &str = env!("CARGO_BIN_EXE_mesh");
const REPO: &str = env!("CARGO_MANIFEST_DIR");
const TARGET: &str = "xds:///echo.traffic.svc.cluster.local:7070";
/// The port the fixture's pods declare; replaced by a free one per test.
const FIXTURE_PORT: &str = "containerPort: 17070";
/// The echo pods of testdata/xds-traffic/mesh.yaml: (name, podIP).
const BACKENDS: [(&str, &str); 3] = [
    ("echo-v1-0", "127.0.0.2"),
    ("echo-v2-0", "127.0.0.3"),
    ("echo-v2-1", "127.0.0.4"),
];
const READY_WITHIN: Duration = Duration::from_secs(20);
/// The client's own bound (`--timeout`); the test waits a little longer.
const CLIENT_TIMEOUT_SECONDS: u64 = 30;

/// A child process killed (and reaped) when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first stdout line of a child, or `None` if it prints none in time.
fn first_line(child: &mut Child, within: Duration) -> Option<String> {
    let stdout = child.stdout.take()?;
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    receiver
        .recv_timeout(within)
        .ok()
        .filter(|line| !line.is_empty())
}

/// `mesh xds serve` on an ephemeral loopback port (as in tests/cli_xds.rs).
struct Server {
    _child: Killed,
    address: String,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    fn start(paths: &[PathBuf], extra: &[&str]) -> Server {
        let mut child = Command::new(MESH)
            .args(["xds", "serve"])
            .args(paths)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .current_dir(REPO)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let child = Killed(child);
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + READY_WITHIN;
        let mut address = None;
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(rest) = line.split("listening on ").nth(1) {
                address = rest.split_whitespace().next().map(str::to_string);
                break;
            }
        }
        // Keep reading the log so the server never blocks on a full pipe.
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&log);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(mut log) = sink.lock() {
                    log.push(line);
                }
            }
        });
        Server {
            _child: child,
            address: address.expect("the server printed its address"),
            log,
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Waits until some log line after the first `skip` passes `found`;
    /// returns its index.
    fn wait_for_line(&self, skip: usize, within: Duration, found: impl Fn(&str) -> bool) -> usize {
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
}

/// A port free on every backend address, so that parallel tests (and
/// anything else on this machine) never share one.
fn free_backend_port() -> u16 {
    for _ in 0..20 {
        let first = TcpListener::bind((BACKENDS[0].1, 0)).unwrap();
        let port = first.local_addr().unwrap().port();
        if BACKENDS[1..]
            .iter()
            .all(|(_, ip)| TcpListener::bind((*ip, port)).is_ok())
        {
            return port;
        }
    }
    panic!("no port free on all of {BACKENDS:?}");
}

/// The xDS server, the three backends and a bootstrap for the client.
struct Mesh {
    python: String,
    server: Server,
    _backends: Vec<Killed>,
    bootstrap: PathBuf,
    /// The server's inputs: mesh.yaml and vs.yaml (when there is one).
    config: PathBuf,
    _dir: tempfile::TempDir,
}

/// A fixture of testdata/xds-traffic.
fn fixture(file: &str) -> String {
    std::fs::read_to_string(PathBuf::from(REPO).join("testdata/xds-traffic").join(file)).unwrap()
}

impl Mesh {
    /// The mesh with `virtual_service` (a file in testdata/xds-traffic), or
    /// `None` when there is no python to run real gRPC peers with.
    fn start(virtual_service: Option<&str>) -> Option<Mesh> {
        Mesh::launch(virtual_service.map(fixture), &[])
    }

    /// The mesh with a VirtualService's text, serving with `serve_flags`;
    /// the inputs are copied to a temporary directory the server reads.
    fn launch(virtual_service: Option<String>, serve_flags: &[&str]) -> Option<Mesh> {
        let python = peers::python("gRPC client and servers")?;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::create_dir(&config).unwrap();
        let port = free_backend_port();
        let mesh_yaml = fixture("mesh.yaml");
        assert!(mesh_yaml.contains(FIXTURE_PORT));
        std::fs::write(
            config.join("mesh.yaml"),
            mesh_yaml.replace(FIXTURE_PORT, &format!("containerPort: {port}")),
        )
        .unwrap();
        if let Some(text) = virtual_service {
            std::fs::write(config.join("vs.yaml"), text).unwrap();
        }
        let paths = vec![config.clone()];

        let backends: Vec<Killed> = BACKENDS
            .iter()
            .map(|(name, ip)| {
                let mut backend = Killed(
                    Command::new(&python)
                        .arg(format!("{REPO}/tests/peers/traffic.py"))
                        .args(["backend", "--listen", &format!("{ip}:{port}")])
                        .args(["--name", name, "--lifetime", "120"])
                        .stdout(Stdio::piped())
                        .spawn()
                        .unwrap(),
                );
                let ready = first_line(&mut backend.0, READY_WITHIN);
                assert_eq!(
                    ready.as_deref().map(str::trim),
                    Some("ready"),
                    "backend {name} on {ip}:{port}"
                );
                backend
            })
            .collect();

        let server = Server::start(&paths, serve_flags);
        let bootstrap = Command::new(MESH)
            .args(["xds", "bootstrap"])
            .args(&paths)
            .args(["--workload", "traffic/client", "--xds-address"])
            .arg(&server.address)
            .output()
            .unwrap();
        assert!(
            bootstrap.status.success(),
            "{}",
            String::from_utf8_lossy(&bootstrap.stderr)
        );
        let bootstrap_path = dir.path().join("bootstrap.json");
        std::fs::write(&bootstrap_path, bootstrap.stdout).unwrap();
        Some(Mesh {
            python,
            server,
            _backends: backends,
            bootstrap: bootstrap_path,
            config,
            _dir: dir,
        })
    }

    /// A long-lived client sending `batches` batches of `rpcs` on one
    /// channel, each after the first when told to ([`Batches::go`]).
    fn batches(&self, rpcs: u32, batches: u32, args: &[&str]) -> Batches {
        let mut child = Command::new(&self.python)
            .arg(format!("{REPO}/tests/peers/traffic.py"))
            .args(["client", "--target", TARGET, "--rpcs", &rpcs.to_string()])
            .args(["--batches", &batches.to_string()])
            .args(["--timeout", &CLIENT_TIMEOUT_SECONDS.to_string()])
            .args(args)
            .env("GRPC_XDS_BOOTSTRAP", &self.bootstrap)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let go = child.stdin.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Batches {
            _child: Killed(child),
            go,
            lines,
            deadline: Instant::now() + Duration::from_secs(CLIENT_TIMEOUT_SECONDS + 10),
        }
    }

    /// Runs the client with `args` after `--target` and `--rpcs`.
    fn send(&self, rpcs: u32, args: &[&str]) -> Outcome {
        let mut child = Command::new(&self.python)
            .arg(format!("{REPO}/tests/peers/traffic.py"))
            .args(["client", "--target", TARGET, "--rpcs", &rpcs.to_string()])
            .args(["--timeout", &CLIENT_TIMEOUT_SECONDS.to_string()])
            .args(args)
            .env("GRPC_XDS_BOOTSTRAP", &self.bootstrap)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let mut child = Killed(child);
        let reader = std::thread::spawn(move || {
            let (mut out, mut err) = (String::new(), String::new());
            let _ = stdout.read_to_string(&mut out);
            let _ = stderr.read_to_string(&mut err);
            (out, err)
        });
        let deadline = Instant::now() + Duration::from_secs(CLIENT_TIMEOUT_SECONDS + 10);
        let status = loop {
            if let Some(status) = child.0.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the client did not finish in time; server log:\n{}",
                self.server.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        let (out, err) = reader.join().unwrap();
        assert!(
            status.success(),
            "client {args:?} failed: {out}{err}\nserver log:\n{}",
            self.server.log()
        );
        let outcome = Outcome::parse(&out);
        eprintln!("client {args:?}: {}", outcome.json);
        outcome
    }
}

/// A long-lived client: one channel, batches of RPCs on the test's word.
struct Batches {
    _child: Killed,
    go: std::process::ChildStdin,
    lines: mpsc::Receiver<String>,
    deadline: Instant,
}

impl Batches {
    /// What the current batch saw.
    fn outcome(&self) -> Outcome {
        let within = self.deadline.saturating_duration_since(Instant::now());
        let line = self
            .lines
            .recv_timeout(within)
            .expect("the client printed a batch in time");
        Outcome::parse(&line)
    }

    /// Starts the next batch.
    fn go(&mut self) {
        use std::io::Write;
        self.go.write_all(b"go\n").unwrap();
        self.go.flush().unwrap();
    }
}

/// What the client saw.
struct Outcome {
    /// RPCs answered, by backend name.
    counts: BTreeMap<String, u32>,
    /// RPCs failed, by status (`StatusCode.NAME`).
    errors: BTreeMap<String, u32>,
    /// From the first RPC to the last answer.
    elapsed: Duration,
    /// From the first RPC to each backend's first answer.
    first: BTreeMap<String, Duration>,
    json: Json,
}

impl Outcome {
    /// The client's JSON line.
    fn parse(line: &str) -> Outcome {
        let json: Json = serde_json::from_str(line.trim()).unwrap();
        let numbers = |field: &str| -> BTreeMap<String, u32> {
            json[field]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap() as u32))
                .collect()
        };
        Outcome {
            counts: numbers("counts"),
            errors: numbers("errors"),
            first: numbers("first_ms")
                .into_iter()
                .map(|(name, ms)| (name, Duration::from_millis(u64::from(ms))))
                .collect(),
            elapsed: Duration::from_millis(json["elapsed_ms"].as_u64().unwrap()),
            json,
        }
    }

    /// Share of the answered RPCs from backends whose name starts with `prefix`.
    fn share(&self, prefix: &str) -> f64 {
        let total: u32 = self.counts.values().sum();
        let matching: u32 = self
            .counts
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(_, n)| n)
            .sum();
        f64::from(matching) / f64::from(total.max(1))
    }
}

#[test]
fn round_robin_spreads_rpcs_evenly_over_three_endpoints() {
    let Some(mesh) = Mesh::start(None) else {
        return;
    };
    let outcome = mesh.send(600, &[]);
    assert!(outcome.errors.is_empty(), "{}", outcome.json);
    for (name, _) in BACKENDS {
        let share = outcome.share(name);
        assert!((share - 1.0 / 3.0).abs() <= 0.05, "{name}: {share:.3}");
    }
}

#[test]
fn weights_send_eighty_percent_to_v2() {
    let Some(mesh) = Mesh::start(Some("vs-weights.yaml")) else {
        return;
    };
    let outcome = mesh.send(1000, &[]);
    assert!(outcome.errors.is_empty(), "{}", outcome.json);
    let v2 = outcome.share("echo-v2-");
    assert!(
        (v2 - 0.80).abs() <= 0.05,
        "v2 got {v2:.3}: {}",
        outcome.json
    );
    // Within v2, round robin over its two endpoints.
    assert!(outcome.counts.contains_key("echo-v2-0") && outcome.counts.contains_key("echo-v2-1"));
}

#[test]
fn header_and_method_matches_route_every_rpc() {
    let Some(mesh) = Mesh::start(Some("vs-match.yaml")) else {
        return;
    };
    let total = |outcome: &Outcome| outcome.counts.values().sum::<u32>();
    let others = mesh.send(100, &["--metadata", "end-user=mike"]);
    assert_eq!(total(&others), 100, "{}", others.json);
    assert_eq!(others.share("echo-v1-"), 1.0, "{}", others.json);
    let jason = mesh.send(100, &["--metadata", "end-user=jason"]);
    assert_eq!(total(&jason), 100, "{}", jason.json);
    assert_eq!(jason.share("echo-v2-"), 1.0, "{}", jason.json);
    let other_method = mesh.send(100, &["--method", "/echo.Echo/Other"]);
    assert_eq!(total(&other_method), 100, "{}", other_method.json);
    assert_eq!(other_method.share("echo-v2-"), 1.0, "{}", other_method.json);
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
}

#[test]
fn watch_shifts_live_traffic_when_the_virtual_service_changes() {
    let weights = |v1: u32, v2: u32| {
        let text = fixture("vs-weights.yaml");
        assert!(text.contains("weight: 20") && text.contains("weight: 80"));
        text.replace("weight: 20", &format!("weight: {v1}"))
            .replace("weight: 80", &format!("weight: {v2}"))
    };
    let Some(mesh) = Mesh::launch(Some(weights(100, 0)), &["--watch"]) else {
        return;
    };
    // Batch 2 spans the change (about 4 s); batch 3 follows the client's ACK.
    let mut client = mesh.batches(100, 3, &["--pause", "0.04"]);
    let before = client.outcome();
    assert!(before.errors.is_empty(), "{}", before.json);
    assert_eq!(before.share("echo-v1-"), 1.0, "{}", before.json);

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
    // The shift came as a push on the client's one stream, not by reconnecting.
    let log = mesh.server.log();
    assert_eq!(log.matches("): node ").count(), 1, "{log}");
}
