//! `mesh proxy-config channelz` and `mesh proxy-config health` end to end:
//! against a real grpcio app (tests/peers/csds_app.py) that sends the RPCs
//! and flips the health statuses each test asks for, directly and as a pod
//! behind a replayed Kubernetes API; from saved answers (`--file`, captured
//! from that app); and the failures a user meets.

mod peers;
mod replay;

use peers::{mesh, CsdsApp};

use std::ffi::OsStr;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

/// `-o json` of channelz, captured from csds_app.py (mTLS calls: 4 ok, 1 failed).
const SAVED_CHANNELZ: &str = "testdata/proxy-config/channelz.json";
/// `-o json` of health, captured from csds_app.py with List served.
const SAVED_HEALTH: &str = "testdata/proxy-config/health-list.json";
const COMMAND_WITHIN: Duration = Duration::from_secs(20);
const SERVER_ID: &str = "spiffe://cluster.local/ns/echo-grpc/sa/admin";
const CLIENT_ID: &str = "spiffe://cluster.local/ns/echo-grpc/sa/caller";

fn ok(args: &[&str]) -> String {
    let (code, out, err) = mesh(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

/// The rows of the table whose header starts with `first_column`, each
/// split into its cells (columns are 3+ spaces apart).
fn table(text: &str, first_column: &str) -> Vec<Vec<String>> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with(&format!("{first_column} ")));
    assert!(
        lines.next().is_some(),
        "no {first_column} table in:\n{text}"
    );
    lines
        .take_while(|l| !l.is_empty())
        .map(|l| {
            l.split("   ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect()
        })
        .collect()
}

/// The row whose cell `column` (0-based) satisfies `found`.
fn row(rows: &[Vec<String>], column: usize, found: impl Fn(&str) -> bool) -> &Vec<String> {
    rows.iter()
        .find(|r| r.get(column).is_some_and(|c| found(c)))
        .unwrap_or_else(|| panic!("no such row in {rows:#?}"))
}

/// Test certificates (traffic.py certs) for the app's mTLS port: the
/// server and the caller each with a SPIFFE id and the DNS name localhost.
fn certificates(python: &str, dir: &Path) {
    let status = std::process::Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/peers/traffic.py"
        ))
        .args(["certs", "--dir"])
        .arg(dir)
        .args([
            "--identity",
            &format!("server={SERVER_ID}"),
            "--identity",
            &format!("client={CLIENT_ID}"),
            "--dns-name",
            "localhost",
        ])
        .status()
        .unwrap();
    assert!(status.success());
}

/// The app of the channelz proofs: a proxyless client of the echo-grpc
/// example served by `mesh xds serve`, with an mTLS admin port to call.
struct ChannelzApp {
    app: CsdsApp,
    _server: peers::Server,
    _dir: tempfile::TempDir,
}

fn channelz_app(python: &str) -> ChannelzApp {
    let deadline = Instant::now() + Duration::from_secs(60);
    let server = peers::Server::start(&["testdata/echo-grpc"]);
    let dir = tempfile::tempdir().unwrap();
    let bootstrap = peers::write_bootstrap(
        "testdata/echo-grpc",
        "echo-grpc/echo-v1",
        &server.address,
        dir.path(),
    );
    let tls = dir.path().join("tls");
    certificates(python, &tls);
    let env = [
        ("GRPC_XDS_BOOTSTRAP", bootstrap.as_os_str()),
        ("MESH_PEER_TLS_DIR", tls.as_os_str()),
    ];
    let app = CsdsApp::start_with(
        python,
        &env,
        &["xds:///echo.echo-grpc.svc.cluster.local:7070"],
        deadline,
    );
    ChannelzApp {
        app,
        _server: server,
        _dir: dir,
    }
}

/// The counts (started, succeeded, failed) of the row of the channel the
/// app's `calls` command uses (target `ipv4:127.0.0.1:PORT`).
fn calls_of_the_calls_channel(text: &str) -> (String, String, String) {
    let channels = table(text, "CHANNEL");
    let channel = row(&channels, 1, |t| t.starts_with("ipv4:127.0.0.1:"));
    assert_eq!(channel[2], "READY", "{channel:?}");
    (channel[3].clone(), channel[4].clone(), channel[5].clone())
}

#[test]
fn channelz_counts_the_rpcs_the_app_sent() {
    let Some(python) = peers::python("gRPC app") else {
        return;
    };
    let served = channelz_app(&python);
    let app = &served.app;
    app.command("calls 4 1", COMMAND_WITHIN);
    let text = ok(&["proxy-config", "channelz", "--addr", &app.admin]);
    assert_eq!(
        calls_of_the_calls_channel(&text),
        ("5".into(), "4".into(), "1".into()),
        "{text}"
    );
    // The proxyless channel and the xDS client's channel are there too.
    let channels = table(&text, "CHANNEL");
    row(&channels, 1, |t| {
        t == "xds:///echo.echo-grpc.svc.cluster.local:7070"
    });

    // The same channel keeps counting.
    app.command("calls 3 2", COMMAND_WITHIN);
    let text = ok(&["proxy-config", "channelz", "--addr", &app.admin]);
    assert_eq!(
        calls_of_the_calls_channel(&text),
        ("10".into(), "7".into(), "3".into()),
        "{text}"
    );
    let channels = table(&text, "CHANNEL");
    let channel = row(&channels, 1, |t| t.starts_with("ipv4:127.0.0.1:"));
    assert_ne!(channel[6], "-", "a last call time: {channel:?}");
    let target = channel[1].clone();
    let channel_id = channel[0].clone();

    // Its subchannel counts the same calls; its socket is an mTLS
    // connection to the server's SPIFFE id, with one stream per call.
    let subchannels = table(&text, "SUBCHANNEL");
    let subchannel = row(&subchannels, 1, |p| p == format!("channel {channel_id}"));
    assert_eq!(subchannel[2], target);
    assert_eq!(&subchannel[4..7], ["10", "7", "3"], "{subchannel:?}");
    let sockets = table(&text, "SOCKET");
    let of = format!("subchannel {}", subchannel[0]);
    let socket = row(&sockets, 1, |o| o == of);
    let port = target.rsplit(':').next().unwrap();
    assert_eq!(socket[3], format!("127.0.0.1:{port}"), "{socket:?}");
    assert_eq!(socket[4], "10", "streams started: {socket:?}");
    assert_eq!(socket[9], SERVER_ID, "{socket:?}");
    // The server's side of that connection sees the caller's identity.
    let accepted = row(&sockets, 2, |local| local == format!("127.0.0.1:{port}"));
    assert!(accepted[1].starts_with("server "), "{accepted:?}");
    assert_eq!(accepted[9], CLIENT_ID, "{accepted:?}");
    assert!(text.contains("\nSERVER "), "{text}");

    // JSON and YAML carry the same counts, in the proto3 JSON form.
    let json: Json = serde_json::from_str(&ok(&[
        "proxy-config",
        "channelz",
        "--addr",
        &app.admin,
        "-o",
        "json",
    ]))
    .unwrap();
    let channel = json["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["data"]["target"] == target.as_str())
        .expect("the calls channel in the JSON");
    assert_eq!(channel["data"]["callsStarted"], "10");
    assert_eq!(channel["data"]["callsSucceeded"], "7");
    assert_eq!(channel["data"]["callsFailed"], "3");
    let yaml = ok(&[
        "proxy-config",
        "channelz",
        "--addr",
        &app.admin,
        "-o",
        "yaml",
    ]);
    assert!(yaml.contains(&format!("target: \"{target}\"")), "{yaml}");
    assert!(yaml.contains("callsStarted: \"10\""), "{yaml}");
}

#[test]
fn channelz_saved_with_json_reads_back_with_file() {
    let Some(python) = peers::python("gRPC app") else {
        return;
    };
    let served = channelz_app(&python);
    let app = &served.app;
    app.command("calls 6 0", COMMAND_WITHIN);
    let saved = ok(&[
        "proxy-config",
        "channelz",
        "--addr",
        &app.admin,
        "-o",
        "json",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("channelz.json");
    std::fs::write(&path, &saved).unwrap();
    let path = path.to_str().unwrap();
    // The file gives back the same JSON, and a table with the counts sent.
    assert_eq!(
        ok(&["proxy-config", "channelz", "-f", path, "-o", "json"]),
        saved
    );
    let text = ok(&["proxy-config", "channelz", "--file", path]);
    assert_eq!(
        calls_of_the_calls_channel(&text),
        ("6".into(), "6".into(), "0".into()),
        "{text}"
    );
}

#[test]
fn health_shows_the_status_changes_the_app_makes() {
    let Some(python) = peers::python("gRPC app") else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let list = [("MESH_PEER_HEALTH_LIST", OsStr::new("1"))];
    let app = CsdsApp::start_with(&python, &list, &[], deadline);
    app.command("health NOT_SERVING echo.Echo", COMMAND_WITHIN);
    app.command("health SERVING shop.Cart", COMMAND_WITHIN);
    let text = ok(&["proxy-config", "health", "--addr", &app.admin]);
    assert_eq!(
        text,
        "SERVICE     STATUS\n\
         (overall)   SERVING\n\
         echo.Echo   NOT_SERVING\n\
         shop.Cart   SERVING\n"
    );
    app.command("health SERVING echo.Echo", COMMAND_WITHIN);
    app.command("health NOT_SERVING", COMMAND_WITHIN);
    let text = ok(&["proxy-config", "health", "--addr", &app.admin]);
    assert_eq!(
        text,
        "SERVICE     STATUS\n\
         (overall)   NOT_SERVING\n\
         echo.Echo   SERVING\n\
         shop.Cart   SERVING\n"
    );
    // One service, and one the app does not know, as JSON.
    let json: Json = serde_json::from_str(&ok(&[
        "proxy-config",
        "health",
        "--addr",
        &app.admin,
        "--service",
        "echo.Echo",
        "--service",
        "nope.Nope",
        "-o",
        "json",
    ]))
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!({ "statuses": {
            "echo.Echo": { "status": "SERVING" },
            "nope.Nope": { "status": "SERVICE_UNKNOWN" }
        }})
    );
}

#[test]
fn health_without_list_shows_the_overall_status_and_says_why() {
    let Some(python) = peers::python("gRPC app") else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    // grpcio's own health servicer: Check and Watch, no List.
    let app = CsdsApp::start_with(&python, &[], &[], deadline);
    app.command("health NOT_SERVING echo.Echo", COMMAND_WITHIN);
    let (code, out, err) = mesh(&["proxy-config", "health", "--addr", &app.admin]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "SERVICE     STATUS\n(overall)   SERVING\n");
    assert!(err.contains("does not list its services"), "{err}");
    assert!(err.contains("--service"), "{err}");
    let out = ok(&[
        "proxy-config",
        "health",
        "--addr",
        &app.admin,
        "--service",
        "echo.Echo",
    ]);
    assert_eq!(out, "SERVICE     STATUS\necho.Echo   NOT_SERVING\n");
}

#[test]
fn saved_channelz_prints_its_tables() {
    let text = ok(&["proxy-config", "channelz", "-f", SAVED_CHANNELZ]);
    assert_eq!(
        calls_of_the_calls_channel(&text),
        ("5".into(), "4".into(), "1".into()),
        "{text}"
    );
    let sockets = table(&text, "SOCKET");
    assert!(
        sockets
            .iter()
            .any(|s| s.get(9).is_some_and(|p| p == SERVER_ID)),
        "{text}"
    );
    // Listen sockets are their server's LISTEN addresses, not socket rows.
    let servers = table(&text, "SERVER");
    assert!(servers[0][1].starts_with("127.0.0.1:"), "{servers:?}");
    // Either casing of the proto3 JSON reads the same.
    let saved: Json = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SAVED_CHANNELZ))
            .unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let snake = dir.path().join("snake.json");
    std::fs::write(&snake, snake_case(&saved).to_string()).unwrap();
    assert_eq!(
        ok(&["proxy-config", "channelz", "-f", snake.to_str().unwrap()]),
        text
    );
}

#[test]
fn saved_health_prints_its_table_and_selects_services() {
    let text = ok(&["proxy-config", "health", "--file", SAVED_HEALTH]);
    assert!(text.starts_with("SERVICE "), "{text}");
    assert!(text.contains("(overall)"), "{text}");
    let out = ok(&[
        "proxy-config",
        "health",
        "--file",
        SAVED_HEALTH,
        "--service",
        "echo.Echo",
        "-o",
        "yaml",
    ]);
    assert!(out.contains("echo.Echo"), "{out}");
    assert!(!out.contains("''"), "only the service asked for: {out}");
}

/// Field names as the proto files spell them (the other casing proto3 JSON allows).
fn snake_case(json: &Json) -> Json {
    match json {
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(key, value)| {
                    let mut snake = String::new();
                    for c in key.chars() {
                        if c.is_ascii_uppercase() {
                            snake.push('_');
                            snake.push(c.to_ascii_lowercase());
                        } else {
                            snake.push(c);
                        }
                    }
                    (snake, snake_case(value))
                })
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(snake_case).collect()),
        other => other.clone(),
    }
}

#[test]
fn unreadable_saved_answers_exit_65_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("channelz", "{\n  \"channels\": [\n", "3:0"),
        ("channelz", "{\n  \"chanels\": []\n}\n", "2:"),
        (
            "health",
            "{\"statuses\": {\"a\": {\"status\": \"SERVNG\"}}}",
            "1:",
        ),
    ];
    for (what, text, position) in cases {
        let path = dir.path().join("saved.json");
        std::fs::write(&path, text).unwrap();
        let path = path.to_str().unwrap();
        let (code, out, err) = mesh(&["proxy-config", what, "--file", path]);
        assert_eq!(code, 65, "{what} {text:?}: {err}");
        assert!(out.is_empty());
        assert!(
            err.starts_with(&format!("mesh: error: {path}:{position}")),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let (code, _, err) = mesh(&["proxy-config", "channelz", "--file", "no/such.json"]);
    assert_eq!(code, 65, "{err}");
}

#[test]
fn flags_of_other_subcommands_are_usage_errors() {
    let cases: [&[&str]; 5] = [
        &[
            "proxy-config",
            "channelz",
            "-f",
            SAVED_CHANNELZ,
            "--service",
            "x",
        ],
        &[
            "proxy-config",
            "health",
            "-f",
            SAVED_HEALTH,
            "--scope",
            "xds:/a:1",
        ],
        &[
            "proxy-config",
            "channelz",
            "-f",
            SAVED_CHANNELZ,
            "--port",
            "80",
        ],
        &[
            "proxy-config",
            "health",
            "--addr",
            "127.0.0.1:1",
            "--protocol",
            "csds",
        ],
        &[
            "proxy-config",
            "status",
            "-f",
            "testdata/proxy-config/csds-camel.json",
            "--service",
            "x",
        ],
    ];
    for args in cases {
        let (code, out, err) = mesh(args);
        assert_eq!(code, 64, "{args:?}: {err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn unreachable_or_other_servers_fail_in_one_line() {
    // Nothing listens: refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    for what in ["channelz", "health"] {
        let (code, out, err) = mesh(&["proxy-config", what, "--addr", &addr, "--timeout", "3s"]);
        assert_eq!(code, 1, "{err}");
        assert!(out.is_empty());
        assert!(
            err.starts_with(&format!("mesh: error: cannot connect to {addr}")),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A gRPC server that serves neither: mesh's own xDS server.
    let server = peers::Server::start(&["testdata/echo-grpc"]);
    let (code, _, err) = mesh(&["proxy-config", "channelz", "--addr", &server.address]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does not serve channelz"), "{err}");
    let (code, _, err) = mesh(&["proxy-config", "health", "--addr", &server.address]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("does not serve grpc.health.v1.Health"),
        "{err}"
    );
}

/// The vendored protos (proto/) describe the messages grpcio serves: every
/// channelz and health message field of grpcio-channelz and
/// grpcio-health-checking has the same number, type and name in ours.
#[test]
fn vendored_protos_match_the_real_peer() {
    let Some(python) = peers::python("gRPC app") else {
        return;
    };
    let script = r#"
import json
from grpc_channelz.v1 import channelz_pb2
from grpc_health.v1 import health_pb2
fields = {}
def walk(message):
    fields[message.full_name] = sorted([f.name, f.number, f.type] for f in message.fields)
    for nested in message.nested_types:
        walk(nested)
for module in (channelz_pb2, health_pb2):
    for message in module.DESCRIPTOR.message_types_by_name.values():
        walk(message)
print(json.dumps(fields))
"#;
    let out = std::process::Command::new(&python)
        .args(["-c", script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: std::collections::BTreeMap<String, Vec<(String, u32, i32)>> =
        serde_json::from_slice(&out.stdout).unwrap();
    let pool = mesh::proxyconfig::admin_protos::pool().unwrap();
    assert!(theirs.len() > 40, "{theirs:?}");
    for (name, fields) in theirs {
        let message = pool
            .get_message_by_name(&name)
            .unwrap_or_else(|| panic!("{name} is not in proto/"));
        let mut ours: Vec<(String, u32, i32)> = message
            .fields()
            .map(|f| {
                (
                    f.name().to_string(),
                    f.number(),
                    f.field_descriptor_proto().r#type() as i32,
                )
            })
            .collect();
        ours.sort();
        assert_eq!(ours, fields, "{name}");
    }
}

/// A pod: found through the replayed API, its admin port (named
/// grpc-admin) forwarded to the real app.
#[test]
fn a_pods_channelz_and_health_through_a_port_forward() {
    let Some(python) = peers::python("gRPC app") else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let served = peers::ServedEchoApp::start(&python, deadline);
    let relay = replay::Backend::Relay(served.app.admin.parse().unwrap());
    let api = replay::Replay::forwarding(relay);
    let dir = tempfile::tempdir().unwrap();
    let config = replay::kubeconfig(dir.path(), &api.url());
    let pod = "echo-v1-7d9f8b6c5-abcde";
    let (code, out, err) = replay::mesh(&["proxy-config", "channelz", pod], &config);
    assert_eq!(code, 0, "{err}");
    let channels = table(&out, "CHANNEL");
    row(&channels, 1, |t| {
        t == "xds:///echo.echo-grpc.svc.cluster.local:7070"
    });
    let (code, out, err) = replay::mesh(&["proxy-config", "health", pod], &config);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "SERVICE     STATUS\n(overall)   SERVING\n");
    let forwarded = format!("/api/v1/namespaces/echo-grpc/pods/{pod}/portforward?ports=17000");
    assert!(api.requests().contains(&forwarded), "{:?}", api.requests());
}

/// A pod with an Envoy sidecar: its admin port 15000 serves neither, so
/// mesh asks for the app's port instead of trying it.
#[test]
fn a_sidecar_pod_needs_the_apps_admin_port() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let api = replay::Replay::forwarding(replay::Backend::Relay(unused.local_addr().unwrap()));
    let dir = tempfile::tempdir().unwrap();
    let config = replay::kubeconfig(dir.path(), &api.url());
    let pod = "pod/sleep-6d8f9c7b4-xyz12.echo-grpc";
    for what in ["channelz", "health"] {
        let (code, out, err) = replay::mesh(&["proxy-config", what, pod], &config);
        assert_eq!(code, 1, "{err}");
        assert!(out.is_empty());
        assert!(err.contains("Envoy's admin port"), "{err}");
        assert!(err.contains("--admin-port"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

/// A channelz server that never says `end` (grpcio's own servicer classes,
/// every page a new hundred channels): mesh stops at its limit, prints
/// what it read and says so.
#[test]
fn an_endless_channelz_stops_at_the_limit() {
    let Some(python) = peers::python("gRPC app") else {
        return;
    };
    let script = r#"
import sys
from concurrent import futures
import grpc
from grpc_channelz.v1 import channelz_pb2 as pb, channelz_pb2_grpc
class Endless(channelz_pb2_grpc.ChannelzServicer):
    def GetTopChannels(self, request, context):
        start = max(request.start_channel_id, 1)
        return pb.GetTopChannelsResponse(end=False, channel=[
            pb.Channel(ref=pb.ChannelRef(channel_id=i), data=pb.ChannelData(target=f"dns:///t{i}:1"))
            for i in range(start, start + 100)])
    def GetServers(self, request, context):
        return pb.GetServersResponse(end=True)
server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
channelz_pb2_grpc.add_ChannelzServicer_to_server(Endless(), server)
print(server.add_insecure_port("127.0.0.1:0"), flush=True)
server.start()
sys.stdin.read()
"#;
    let mut child = std::process::Command::new(&python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _child = peers::Killed(child);
    let mut port = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut port).unwrap();
    let addr = format!("127.0.0.1:{}", port.trim());
    let (code, out, err) = mesh(&["proxy-config", "channelz", "--addr", &addr]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("stopped after 10000 channelz entities"),
        "{err}"
    );
    // The header and one row per channel read.
    assert_eq!(out.lines().count(), 10_001, "{}", &out[..500]);
}
