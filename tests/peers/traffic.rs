//! The traffic mesh of testdata/xds-traffic: `mesh xds serve`, three real
//! gRPC backends on 127.0.0.2-4 (Python grpcio, xDS servers for mTLS) and a
//! real proxyless client (C-core's xDS client) that sends RPCs and reports
//! which backend answered each, or how it failed. Used by
//! tests/cli_xds_traffic.rs and tests/cli_assume_proxyless_peers.rs.

use super::{Killed, Server};

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
pub const TARGET: &str = "xds:///echo.traffic.svc.cluster.local:7070";
/// The port the fixture's pods declare; replaced by a free one per test.
pub const FIXTURE_PORT: &str = "containerPort: 17070";
/// The echo pods of testdata/xds-traffic/mesh.yaml: (name, podIP).
pub const BACKENDS: [(&str, &str); 3] = [
    ("echo-v1-0", "127.0.0.2"),
    ("echo-v2-0", "127.0.0.3"),
    ("echo-v2-1", "127.0.0.4"),
];
pub const READY_WITHIN: Duration = Duration::from_secs(20);
/// The client's own bound (`--timeout`); the test waits a little longer.
const CLIENT_TIMEOUT_SECONDS: u64 = 30;

/// The first stdout line of a child, or `None` if it prints none in time.
pub fn first_line(child: &mut Child, within: Duration) -> Option<String> {
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

/// A port free on every backend address, so that parallel tests (and
/// anything else on this machine) never share one.
pub fn free_backend_port() -> u16 {
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
pub struct Mesh {
    python: String,
    pub server: Server,
    _backends: Vec<Killed>,
    bootstrap: PathBuf,
    /// The server's inputs: mesh.yaml, the DestinationRule, and whatever
    /// else the test serves (vs.yaml, pa.yaml).
    pub config: PathBuf,
    /// `xds:///HOST:PORT` the client dials.
    target: String,
    /// The client's `--workload NS/NAME`.
    client: String,
    /// (backend name, `IP:PORT` it listens on): what answers an RPC names,
    /// and the endpoint address that is.
    answering: Vec<(String, String)>,
    /// Clients use xDS credentials (TLS when their cluster says so).
    xds_credentials: bool,
    /// `--istio RELEASE` the server renders for, which predictions use too.
    istio_release: Option<String>,
    _dir: tempfile::TempDir,
}

/// A fixture of testdata/xds-traffic.
pub fn fixture(file: &str) -> String {
    std::fs::read_to_string(PathBuf::from(REPO).join("testdata/xds-traffic").join(file)).unwrap()
}

/// How a test's mesh differs from the plain one (mesh.yaml with the
/// subsets, plaintext backends).
#[derive(Default)]
pub struct Setup<'a> {
    /// The VirtualService's text, served as vs.yaml.
    pub virtual_service: Option<String>,
    pub serve_flags: &'a [&'a str],
    /// The DestinationRule's text, served as dr.yaml; the fixture
    /// dr-subsets.yaml when `None`.
    pub destination_rule: Option<String>,
    /// A PeerAuthentication's text, served as pa.yaml.
    pub peer_authentication: Option<String>,
    /// Certificates for everyone (from the test's own CA, as istio-agent
    /// writes them), backends that are xDS servers taking their inbound
    /// listener from `mesh xds serve`, and a client with xDS credentials.
    pub xds_security: bool,
}

/// Who takes part in a mesh: the backends, the client and, for mTLS, the
/// identities the test CA issues.
pub struct Cast<'a> {
    pub serve_flags: &'a [&'a str],
    /// (`NS/POD`, `IP:PORT` it listens on) of each backend; the backend
    /// answers with the pod's name.
    pub backends: Vec<(String, String)>,
    /// The client's `--workload NS/NAME`.
    pub client: &'a str,
    pub target: &'a str,
    /// SPIFFE ids for the backends and the client: with them, certificates
    /// for everyone, backends that are xDS servers, and xDS credentials.
    pub identities: Option<[&'a str; 2]>,
}

/// The SPIFFE ids the test CA issues: the echo pods run as `default`, the
/// client Deployment as `client` (its serviceAccountName).
pub const ECHO_IDENTITY: &str = "spiffe://cluster.local/ns/traffic/sa/default";
pub const CLIENT_IDENTITY: &str = "spiffe://cluster.local/ns/traffic/sa/client";

impl Mesh {
    /// The mesh with `virtual_service` (a file in testdata/xds-traffic), or
    /// `None` when there is no python to run real gRPC peers with.
    pub fn start(virtual_service: Option<&str>) -> Option<Mesh> {
        Mesh::launch(Setup {
            virtual_service: virtual_service.map(fixture),
            ..Setup::default()
        })
    }

    /// The mesh as `setup` says; the inputs are copied to a temporary
    /// directory the server reads.
    pub fn launch(setup: Setup<'_>) -> Option<Mesh> {
        let python = super::python("gRPC client and servers")?;
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
        let destination_rule = setup
            .destination_rule
            .unwrap_or_else(|| fixture("dr-subsets.yaml"));
        std::fs::write(config.join("dr.yaml"), destination_rule).unwrap();
        if let Some(text) = setup.virtual_service {
            std::fs::write(config.join("vs.yaml"), text).unwrap();
        }
        if let Some(text) = setup.peer_authentication {
            std::fs::write(config.join("pa.yaml"), text).unwrap();
        }
        let backends = BACKENDS
            .iter()
            .map(|(name, ip)| (format!("traffic/{name}"), format!("{ip}:{port}")))
            .collect();
        let identities = setup
            .xds_security
            .then_some([ECHO_IDENTITY, CLIENT_IDENTITY]);
        Some(Mesh::run(
            python,
            dir,
            config,
            Cast {
                serve_flags: setup.serve_flags,
                backends,
                client: "traffic/client",
                target: TARGET,
                identities,
            },
        ))
    }

    /// Serves `config` (in `dir`), then starts the backends and writes the
    /// client's bootstrap as `cast` says.
    pub fn run(python: String, dir: tempfile::TempDir, config: PathBuf, cast: Cast<'_>) -> Mesh {
        let paths = vec![config.clone()];
        let mut serve_args: Vec<&std::ffi::OsStr> = vec![config.as_os_str()];
        serve_args.extend(cast.serve_flags.iter().map(std::ffi::OsStr::new));
        let server = Server::start(&serve_args);

        let certs = dir.path().join("certs");
        if let Some([echo, client]) = cast.identities {
            let issued = Command::new(&python)
                .arg(format!("{REPO}/tests/peers/traffic.py"))
                .args(["certs", "--dir"])
                .arg(&certs)
                .args(["--identity", &format!("echo={echo}")])
                .args(["--identity", &format!("client={client}")])
                .output()
                .unwrap();
            assert!(
                issued.status.success(),
                "{}",
                String::from_utf8_lossy(&issued.stderr)
            );
        }
        // `mesh xds bootstrap` for a workload, written where its peer reads it.
        let bootstrap = |flag: &str, workload: &str, identity: &str| -> PathBuf {
            let written = Command::new(MESH)
                .args(["xds", "bootstrap"])
                .args(&paths)
                .args([
                    flag,
                    workload,
                    "--xds-address",
                    &server.address,
                    "--cert-dir",
                ])
                .arg(certs.join(identity))
                .output()
                .unwrap();
            assert!(
                written.status.success(),
                "{}",
                String::from_utf8_lossy(&written.stderr)
            );
            let path = dir
                .path()
                .join(format!("{}.json", workload.replace('/', "-")));
            std::fs::write(&path, written.stdout).unwrap();
            path
        };

        let backends: Vec<Killed> = cast
            .backends
            .iter()
            .map(|(pod, listen)| {
                let name = pod.split_once('/').map_or(pod.as_str(), |(_, name)| name);
                let mut command = Command::new(&python);
                command
                    .arg(format!("{REPO}/tests/peers/traffic.py"))
                    .args(["backend", "--listen", listen])
                    .args(["--name", name, "--lifetime", "120"])
                    .stdout(Stdio::piped());
                if cast.identities.is_some() {
                    command
                        .arg("--xds")
                        .env("GRPC_XDS_BOOTSTRAP", bootstrap("--pod", pod, "echo"))
                        // Not one INFO line per failed handshake.
                        .env("GRPC_VERBOSITY", "ERROR");
                }
                let mut backend = Killed(command.spawn().unwrap());
                let ready = first_line(&mut backend.0, READY_WITHIN);
                assert_eq!(
                    ready.as_deref().map(str::trim),
                    Some("ready"),
                    "backend {pod} on {listen}"
                );
                if cast.identities.is_some() {
                    // An xDS server serves once it has accepted its listener.
                    let listener = format!("\"xds.istio.io/grpc/lds/inbound/{listen}\"]");
                    server.wait_for_line(0, READY_WITHIN, |line| {
                        line.contains(": LDS ACK ") && line.ends_with(&listener)
                    });
                }
                backend
            })
            .collect();

        let bootstrap = bootstrap("--workload", cast.client, "client");
        let answering = cast
            .backends
            .iter()
            .map(|(pod, listen)| {
                let name = pod.split_once('/').map_or(pod.as_str(), |(_, name)| name);
                (name.to_string(), listen.clone())
            })
            .collect();
        Mesh {
            python,
            server,
            _backends: backends,
            bootstrap,
            config,
            target: cast.target.to_string(),
            client: cast.client.to_string(),
            answering,
            xds_credentials: cast.identities.is_some(),
            istio_release: cast
                .serve_flags
                .iter()
                .skip_while(|flag| **flag != "--istio")
                .nth(1)
                .map(|release| release.to_string()),
            _dir: dir,
        }
    }

    /// The client's command line up to its own `args`.
    fn client(&self, rpcs: u32) -> Command {
        let mut command = Command::new(&self.python);
        command
            .arg(format!("{REPO}/tests/peers/traffic.py"))
            .args([
                "client",
                "--target",
                &self.target,
                "--rpcs",
                &rpcs.to_string(),
            ])
            .args(["--timeout", &CLIENT_TIMEOUT_SECONDS.to_string()])
            .env("GRPC_XDS_BOOTSTRAP", &self.bootstrap);
        if self.xds_credentials {
            command.arg("--xds-creds");
        }
        command
    }

    /// A long-lived client sending `batches` batches of `rpcs` on one
    /// channel, each after the first when told to ([`Batches::go`]).
    pub fn batches(&self, rpcs: u32, batches: u32, args: &[&str]) -> Batches {
        let mut child = self
            .client(rpcs)
            .args(["--batches", &batches.to_string()])
            .args(args)
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
            args: args.iter().map(|a| a.to_string()).collect(),
            go,
            lines,
            deadline: Instant::now() + Duration::from_secs(CLIENT_TIMEOUT_SECONDS + 10),
        }
    }

    /// Runs the client with `args` after `--target` and `--rpcs`.
    pub fn send(&self, rpcs: u32, args: &[&str]) -> Outcome {
        let mut child = self
            .client(rpcs)
            .args(args)
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
        let mut outcome = Outcome::parse(&out);
        outcome.sent_with = args.iter().map(|a| a.to_string()).collect();
        eprintln!("client {args:?}: {}", outcome.json);
        outcome
    }
}

/// A long-lived client: one channel, batches of RPCs on the test's word.
pub struct Batches {
    _child: Killed,
    /// The client's flags, as [`Outcome::sent_with`].
    args: Vec<String>,
    go: std::process::ChildStdin,
    lines: mpsc::Receiver<String>,
    deadline: Instant,
}

impl Batches {
    /// What the current batch saw.
    pub fn outcome(&self) -> Outcome {
        let within = self.deadline.saturating_duration_since(Instant::now());
        let line = self
            .lines
            .recv_timeout(within)
            .expect("the client printed a batch in time");
        let mut outcome = Outcome::parse(&line);
        outcome.sent_with = self.args.clone();
        outcome
    }

    /// Starts the next batch.
    pub fn go(&mut self) {
        use std::io::Write;
        self.go.write_all(b"go\n").unwrap();
        self.go.flush().unwrap();
    }
}

/// What the client saw.
pub struct Outcome {
    /// RPCs answered, by backend name.
    pub counts: BTreeMap<String, u32>,
    /// RPCs failed, by status (`StatusCode.NAME`).
    pub errors: BTreeMap<String, u32>,
    /// From the first RPC to the last answer.
    pub elapsed: Duration,
    /// From the first RPC to each backend's first answer.
    pub first: BTreeMap<String, Duration>,
    pub json: Json,
    /// The client's flags after `--target` and `--rpcs` (`--method`,
    /// `--metadata`...): which RPCs these were.
    pub sent_with: Vec<String>,
}

impl Outcome {
    /// The client's JSON line.
    pub fn parse(line: &str) -> Outcome {
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
            sent_with: Vec::new(),
        }
    }

    /// Share of the answered RPCs from backends whose name starts with `prefix`.
    pub fn share(&self, prefix: &str) -> f64 {
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

/// The mesh of the mTLS proofs: certificates for everyone, xDS-server
/// backends, and the given DestinationRule and PeerAuthentication (fixtures
/// of testdata/xds-traffic).
pub fn secured(destination_rule: &str, peer_authentication: Option<&str>) -> Option<Mesh> {
    Mesh::launch(Setup {
        destination_rule: Some(fixture(destination_rule)),
        peer_authentication: peer_authentication.map(fixture),
        xds_security: true,
        ..Setup::default()
    })
}

/// Sends `rpcs` RPCs from a client that cannot connect: after a few
/// seconds it sends them anyway, and each must fail UNAVAILABLE with a
/// reason that contains `reason`.
pub fn assert_refused(mesh: &Mesh, rpcs: u32, reason: &str) -> Outcome {
    let outcome = mesh.send(rpcs, &["--ready-within", "5"]);
    assert!(outcome.counts.is_empty(), "{}", outcome.json);
    assert_eq!(
        outcome.errors,
        BTreeMap::from([("StatusCode.UNAVAILABLE".to_string(), rpcs)]),
        "{}",
        outcome.json
    );
    let details = outcome.json["error_details"].as_array().unwrap();
    assert!(
        !details.is_empty()
            && details
                .iter()
                .all(|d| d.as_str().is_some_and(|d| d.contains(reason))),
        "{}",
        outcome.json
    );
    outcome
}

/// 600 RPCs spread evenly (1/3 ± 0.05 each) over the three backends.
pub fn assert_round_robin(mesh: &Mesh) -> Outcome {
    let outcome = mesh.send(600, &[]);
    assert!(outcome.errors.is_empty(), "{}", outcome.json);
    for (name, _) in BACKENDS {
        let share = outcome.share(name);
        assert!((share - 1.0 / 3.0).abs() <= 0.05, "{name}: {share:.3}");
    }
    outcome
}

/// 1,000 RPCs of which v2 (`echo-v2-*`) must answer 0.80 ± 0.05.
pub fn twenty_eighty(mesh: &Mesh) -> Outcome {
    let outcome = mesh.send(1000, &[]);
    assert!(outcome.errors.is_empty(), "{}", outcome.json);
    let v2 = outcome.share("echo-v2-");
    assert!(
        (v2 - 0.80).abs() <= 0.05,
        "v2 got {v2:.3}: {}",
        outcome.json
    );
    outcome
}

/// The routes of vs-match.yaml, 100 RPCs each: `end-user: mike` to v1,
/// `end-user: jason` and the method /echo.Echo/Other to v2, every one
/// answered. Returns the three outcomes in that order.
pub fn assert_header_and_method_routes(mesh: &Mesh) -> [Outcome; 3] {
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
    [others, jason, other_method]
}

/// 60 RPCs over mutual TLS: every one answered, each backend answering
/// some and naming the client's certificate (its SPIFFE id from the test CA).
pub fn assert_mutual_tls(mesh: &Mesh) -> Outcome {
    let outcome = mesh.send(60, &[]);
    assert!(outcome.errors.is_empty(), "{}", outcome.json);
    for (name, _) in BACKENDS {
        let answered = format!("{name} {CLIENT_IDENTITY}");
        assert!(
            outcome.counts.get(&answered).is_some_and(|n| *n > 0),
            "{answered}: {}",
            outcome.json
        );
    }
    assert_eq!(outcome.counts.values().sum::<u32>(), 60, "{}", outcome.json);
    outcome
}

/// The runtime of the real client, as `mesh xds route --grpc` names it
/// (grpcio 1.85.x from scripts/peers-venv.sh).
pub const CLIENT_RUNTIME: &str = "python@1.85";

/// The client flags that say which RPC is sent (the rest say how many, how
/// long, how to connect), with whether each takes a value.
const CLIENT_FLAGS: [(&str, bool); 9] = [
    ("--method", true),
    ("--metadata", true),
    ("--deadline", true),
    ("--timeout", true),
    ("--settle", true),
    ("--batches", true),
    ("--pause", true),
    ("--ready-within", true),
    ("--xds-creds", false),
];

/// The method and metadata of the RPCs a client sent with `args` (its
/// default method is /echo.Echo/Call).
pub fn rpc_of(args: &[String]) -> (String, Vec<String>) {
    let mut method = "/echo.Echo/Call".to_string();
    let mut metadata = Vec::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let takes_value = CLIENT_FLAGS
            .iter()
            .find(|(name, _)| name == flag)
            .unwrap_or_else(|| panic!("unknown client flag {flag}"))
            .1;
        let value = if takes_value {
            rest.next().cloned()
        } else {
            None
        };
        match (flag.as_str(), value) {
            ("--method", Some(value)) => method = value,
            ("--metadata", Some(value)) => metadata.push(value),
            _ => {}
        }
    }
    (method, metadata)
}

/// `mesh xds route PATHS... --workload CLIENT --target TARGET --method M
/// -H K=V... --grpc python@1.85 [--istio RELEASE] -o json`: the model's
/// verdict on one RPC.
/// Its exit code must say what the verdict says (0 reaches a backend, 79
/// fails).
pub fn predict(
    paths: &[&std::ffi::OsStr],
    client: &str,
    target: &str,
    method: &str,
    metadata: &[String],
    istio_release: Option<&str>,
) -> Json {
    let mut command = Command::new(MESH);
    command
        .args(["xds", "route"])
        .args(paths)
        .args(["--workload", client, "--target"])
        .arg(target.trim_start_matches("xds:///"))
        .args(["--method", method, "--grpc", CLIENT_RUNTIME, "-o", "json"]);
    for pair in metadata {
        command.args(["-H", pair]);
    }
    if let Some(release) = istio_release {
        command.args(["--istio", release]);
    }
    let out = command.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let verdict: Json = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "mesh xds route: not JSON ({e}): {text}{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let reaches = verdict["outcome"]["reaches_backend"] == true;
    assert_eq!(
        out.status.code(),
        Some(if reaches { 0 } else { 79 }),
        "mesh xds route's exit code against its verdict: {verdict:#}"
    );
    verdict
}

/// How far an observed share (percent) may be from the predicted `percent`
/// after `rpcs` RPCs: 5 points, or three standard deviations of the
/// binomial when the sample is too small for 5 (RPCs pick weighted clusters
/// and fault percentages at random).
fn tolerance(percent: f64, rpcs: u32) -> f64 {
    let p = (percent / 100.0).clamp(0.0, 1.0);
    (300.0 * (p * (1.0 - p) / f64::from(rpcs.max(1))).sqrt()).max(5.0)
}

/// Where the model says RPCs go (`prediction`, the JSON of `mesh xds
/// route`) against where a real client's RPCs went: answers by backend
/// name (`counts`; `address_of` gives a name's endpoint address) and
/// failures by status (`errors`, `StatusCode.NAME` or `NAME`). Returns each
/// disagreement in words; none when they agree:
///
/// - a predicted failure: every RPC failed, with the predicted status;
/// - else every answer came from an endpoint of a destination the
///   prediction reaches, each destination's share of the RPCs and each
///   failure status's share within [`tolerance`] of the prediction (weights,
///   partial aborts, clusters that fail); with `every_endpoint`, each
///   endpoint of a destination answered some RPC (round robin over them);
/// - failures the prediction leaves to the client process (a C-core route
///   deadline that ends 1-2 s early) may fail every RPC, or none.
///
/// One allowance: up to 2 RPCs may fail DEADLINE_EXCEEDED where the
/// prediction sends some to a cluster that fails (seen with grpcio 1.85:
/// an RPC to a cluster istiod never sends waits, up to its deadline, until
/// the client gives up on the cluster, 15 s after asking for it).
pub fn disagreements(
    prediction: &Json,
    counts: &BTreeMap<String, u32>,
    errors: &BTreeMap<String, u32>,
    address_of: &dyn Fn(&str) -> Option<String>,
    every_endpoint: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let failures: BTreeMap<String, u32> = errors
        .iter()
        .map(|(code, n)| (code.trim_start_matches("StatusCode.").to_string(), *n))
        .collect();
    let answered: u32 = counts.values().sum();
    let total = answered + failures.values().sum::<u32>();
    if total == 0 {
        return vec!["the client sent no RPC".into()];
    }
    let outcome = &prediction["outcome"];
    let saw = format!("answers {counts:?}, failures {failures:?}");
    let partial = outcome["partial_failures"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Failures some client processes give every RPC, the rest not.
    let by_process: Vec<&str> = partial
        .iter()
        .filter(|p| p["percent"].is_null())
        .filter_map(|p| p["status"].as_str())
        .collect();
    if outcome["reaches_backend"] != true {
        let status = outcome["status"].as_str().unwrap_or("?");
        let expected = |s: &String| s == status || by_process.contains(&s.as_str());
        if answered > 0 || !failures.keys().all(expected) {
            out.push(format!(
                "predicted: every RPC fails {status}{} ({}); the client: {saw}",
                if by_process.is_empty() {
                    String::new()
                } else {
                    format!(" (or, in some processes, {})", by_process.join(", "))
                },
                outcome["reason"].as_str().unwrap_or("")
            ));
        }
        return out;
    }
    // Is this client process one of those that fail every RPC?
    if answered == 0 && failures.keys().all(|s| by_process.contains(&s.as_str())) {
        return out;
    }
    let destinations = prediction["destinations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let reaches = |d: &Json| d["failure"].is_null() && d["weight_percent"].as_f64() > Some(0.0);
    let endpoints = |d: &Json| -> Vec<String> {
        d["endpoints"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(|e| e["address"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut answered_by = vec![0u32; destinations.len()];
    let mut answering = std::collections::BTreeSet::new();
    for (name, n) in counts {
        // An mTLS backend appends the caller's SPIFFE id to its name.
        let name = name.split_whitespace().next().unwrap_or_default();
        let Some(address) = address_of(name) else {
            out.push(format!(
                "{n} RPCs answered by {name}, a backend of no known address"
            ));
            continue;
        };
        answering.insert(address.clone());
        match destinations
            .iter()
            .position(|d| reaches(d) && endpoints(d).contains(&address))
        {
            Some(i) => answered_by[i] += n,
            None => out.push(format!(
                "{n} RPCs answered by {name} ({address}), an endpoint of no destination the prediction reaches"
            )),
        }
    }
    let percent_of = |cause: &str| -> f64 {
        partial
            .iter()
            .filter(|p| p["cause"] == cause)
            .filter_map(|p| p["percent"].as_f64())
            .sum()
    };
    let (aborted, timed_out) = (percent_of("abort"), percent_of("deadline"));
    let kept = (100.0 - aborted - timed_out).max(0.0) / 100.0;
    let share = |n: u32| f64::from(n) * 100.0 / f64::from(total);
    let reached: Vec<(usize, &Json)> = destinations
        .iter()
        .enumerate()
        .filter(|(_, d)| reaches(d))
        .collect();
    // Destinations that share an endpoint (a subset and the whole host)
    // cannot be told apart by who answered: then only their sum counts.
    let overlapping = reached.iter().enumerate().any(|(k, (_, a))| {
        reached[k + 1..]
            .iter()
            .any(|(_, b)| endpoints(a).iter().any(|e| endpoints(b).contains(e)))
    });
    let shares: Vec<(String, f64, u32)> = if overlapping {
        vec![(
            "all destinations together".to_string(),
            reached
                .iter()
                .map(|(_, d)| d["weight_percent"].as_f64().unwrap_or(0.0))
                .sum::<f64>()
                * kept,
            reached.iter().map(|(i, _)| answered_by[*i]).sum(),
        )]
    } else {
        reached
            .iter()
            .map(|(i, d)| {
                (
                    format!("destination {}", d["cluster"]),
                    d["weight_percent"].as_f64().unwrap_or(0.0) * kept,
                    answered_by[*i],
                )
            })
            .collect()
    };
    for (what, expected, n) in shares {
        let observed = share(n);
        if (observed - expected).abs() > tolerance(expected, total) {
            out.push(format!(
                "{what}: predicted {expected:.1}% of the RPCs, the client sent {observed:.1}% there ({n} of {total})"
            ));
        }
    }
    for (_, d) in &reached {
        if every_endpoint {
            for address in endpoints(d) {
                if !answering.contains(&address) {
                    out.push(format!(
                        "destination {}: its endpoint {address} answered no RPC",
                        d["cluster"]
                    ));
                }
            }
        }
    }
    let mut expected: BTreeMap<String, f64> = BTreeMap::new();
    let failing_clusters: f64 = destinations
        .iter()
        .filter(|d| !d["failure"].is_null())
        .filter_map(|d| d["weight_percent"].as_f64())
        .sum();
    for failure in &partial {
        let (Some(status), Some(percent)) =
            (failure["status"].as_str(), failure["percent"].as_f64())
        else {
            continue;
        };
        let percent = if failure["cause"] == "cluster" {
            percent * kept
        } else {
            percent
        };
        *expected.entry(status.to_string()).or_default() += percent;
    }
    let allowed = |status: &str| -> u32 {
        if status == "DEADLINE_EXCEEDED" && failing_clusters > 0.0 {
            2
        } else {
            0
        }
    };
    for status in expected
        .keys()
        .chain(failures.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let predicted = expected.get(status).copied().unwrap_or(0.0);
        let seen = failures.get(status).copied().unwrap_or(0);
        if predicted == 0.0 && seen <= allowed(status) {
            continue;
        }
        // The allowance counts with the failures of the clusters that fail.
        let seen = if status == "UNAVAILABLE" {
            seen + failures
                .get("DEADLINE_EXCEEDED")
                .copied()
                .unwrap_or(0)
                .min(allowed("DEADLINE_EXCEEDED"))
        } else {
            seen
        };
        if (share(seen) - predicted).abs() > tolerance(predicted, total) {
            out.push(format!(
                "{status}: predicted for {predicted:.1}% of the RPCs, the client saw it for {:.1}% ({seen} of {total})",
                share(seen)
            ));
        }
    }
    if !out.is_empty() {
        out.push(format!("the client: {saw}"));
    }
    out
}

impl Mesh {
    /// `mesh xds route` on this mesh's own files, for the client and the
    /// RPCs it sent with `args`.
    pub fn predict(&self, args: &[String]) -> Json {
        let (method, metadata) = rpc_of(args);
        predict(
            &[self.config.as_os_str()],
            &self.client,
            &self.target,
            &method,
            &metadata,
            self.istio_release.as_deref(),
        )
    }

    /// Asserts that `mesh xds route` predicts what the real client did in
    /// `outcome` ([`disagreements`], every endpoint of a destination
    /// answering); returns the prediction.
    pub fn assert_prediction_agrees(&self, outcome: &Outcome) -> Json {
        let prediction = self.predict(&outcome.sent_with);
        let address_of = |name: &str| {
            self.answering
                .iter()
                .find(|(backend, _)| backend == name)
                .map(|(_, address)| address.clone())
        };
        let found = disagreements(
            &prediction,
            &outcome.counts,
            &outcome.errors,
            &address_of,
            true,
        );
        assert!(
            found.is_empty(),
            "mesh xds route disagrees with the real client on the RPCs sent with {:?}:\n- {}\nprediction: {prediction:#}",
            outcome.sent_with,
            found.join("\n- ")
        );
        eprintln!(
            "agreed on {:?}: {}",
            outcome.sent_with, prediction["outcome"]
        );
        prediction
    }
}
