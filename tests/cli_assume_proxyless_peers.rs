//! `mesh analyze --assume-proxyless` against a real proxyless gRPC client.
//!
//! Each case is a piece of config alone (a DestinationRule, perhaps a
//! VirtualService and a PeerAuthentication: no client workload), and the
//! test shows both halves:
//!
//! 1. the real client (Python grpcio, C-core's xDS client) served the full
//!    mesh, that config beside testdata/xds-traffic/mesh.yaml (the Service,
//!    three real backends on 127.0.0.2-4 and the client), by
//!    `mesh xds serve`: what its RPCs do;
//! 2. `mesh analyze --assume-proxyless --grpc python@1.85` on the config
//!    files alone, and again with the Service `echo` beside them: an
//!    Error-level GRPC finding, naming the assumed clients, exactly where
//!    the client fails, and none where it works. (Other rules may still
//!    give Errors of their own: with the Service but no pods, istioctl's
//!    IST0173 says the subsets select no pods.)
//!
//! The server pods are not given to analyze: mesh.yaml declares them
//! without the grpc-agent template (the traffic tests need no more), so
//! analyze would take them for declared servers that are not proxyless,
//! and `--assume-proxyless` assumes servers only where nothing is declared.
//!
//! The client decides: the analyze half is checked against what the client
//! did (or, when there is no python outside CI, against what it does in CI).
//! Without `--assume-proxyless` the same files name no proxyless client,
//! so no GRPC Error: the flag is what brings the finding.

mod peers;

use peers::traffic::{
    assert_header_and_method_routes, assert_mutual_tls, assert_refused, assert_round_robin,
    twenty_eighty, Mesh, Outcome, Setup,
};

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

const REPO: &str = env!("CARGO_MANIFEST_DIR");
/// The runtime of the real client (grpcio 1.85.x, from scripts/peers-venv.sh).
const RUNTIME: &str = "python@1.85";
/// What every GRPC finding on the assumed clients names (the client
/// namespace is the config's own, `traffic`).
const ASSUMED_CLIENTS: &str = "proxyless clients in traffic (assumed)";

const DR_SUBSETS: &str = "testdata/xds-traffic/dr-subsets.yaml";
const DR_ISTIO_MUTUAL: &str = "testdata/xds-traffic/dr-istio-mutual.yaml";
const PA_STRICT: &str = "testdata/xds-traffic/pa-strict.yaml";
const VS_WEIGHTS: &str = "testdata/xds-traffic/vs-weights.yaml";
const VS_MATCH: &str = "testdata/xds-traffic/vs-match.yaml";
const VS_CORS: &str = "testdata/assume-proxyless-peers/vs-cors.yaml";
const VS_GATEWAY_PREFIX: &str = "testdata/assume-proxyless-peers/vs-gateway-prefix.yaml";

/// What a case's config does to the real client's RPCs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Every RPC answered.
    Works,
    /// Every RPC failed.
    Fails,
}

impl Verdict {
    /// What the client's outcomes say: all answered, or all failed (a mix
    /// is neither and fails the test).
    fn of(outcomes: &[&Outcome]) -> Verdict {
        let answered: u32 = outcomes.iter().flat_map(|o| o.counts.values()).sum();
        let failed: u32 = outcomes.iter().flat_map(|o| o.errors.values()).sum();
        let seen: Vec<&Json> = outcomes.iter().map(|o| &o.json).collect();
        match (answered, failed) {
            (1.., 0) => Verdict::Works,
            (0, 1..) => Verdict::Fails,
            _ => panic!("neither every RPC answered nor every RPC failed: {seen:?}"),
        }
    }
}

/// The finding analyze must give where the client fails.
struct Expected {
    code: &'static str,
    /// The config file it is in.
    file: &'static str,
    field: &'static str,
}

/// A case: config-only files (repository paths), served beside mesh.yaml
/// for the client and analyzed alone.
struct Case {
    destination_rule: &'static str,
    virtual_service: Option<&'static str>,
    peer_authentication: Option<&'static str>,
    /// Certificates from the test CA, backends that are xDS servers and a
    /// client with xDS credentials (the mTLS cases).
    xds_security: bool,
    /// `None` where the client works.
    finding: Option<Expected>,
}

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(REPO).join(path)).unwrap()
}

impl Case {
    fn files(&self) -> Vec<&'static str> {
        [
            Some(self.destination_rule),
            self.virtual_service,
            self.peer_authentication,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The full mesh for the real client, or `None` when there is no python
    /// (outside CI only).
    fn serve(&self) -> Option<Mesh> {
        Mesh::launch(Setup {
            destination_rule: Some(read(self.destination_rule)),
            virtual_service: self.virtual_service.map(read),
            peer_authentication: self.peer_authentication.map(read),
            xds_security: self.xds_security,
            ..Setup::default()
        })
    }

    /// The client half's verdict, checked against what this case expects;
    /// `None` when the client could not run (outside CI only).
    fn client_says(&self, observed: Option<Verdict>) -> Option<Verdict> {
        let expected = if self.finding.is_some() {
            Verdict::Fails
        } else {
            Verdict::Works
        };
        match observed {
            Some(verdict) => {
                assert_eq!(verdict, expected, "the real client");
                Some(verdict)
            }
            None => {
                eprintln!(
                    "skipped the real client half; analyze is checked against what the client does in CI"
                );
                None
            }
        }
    }

    /// The analyze half: `mesh analyze --assume-proxyless --grpc RUNTIME`
    /// on the config files (then with the Service beside them) agrees with
    /// `verdict`; without the flag, no GRPC Error.
    fn assert_analyze_agrees(&self, verdict: Option<Verdict>) {
        let verdict = verdict.unwrap_or(if self.finding.is_some() {
            Verdict::Fails
        } else {
            Verdict::Works
        });
        let files = self.files();
        let service = Service::new();
        let with_service: Vec<&str> = files
            .iter()
            .copied()
            .chain([service.path.to_str().unwrap()])
            .collect();
        for inputs in [&files, &with_service] {
            let assumed = Analysis::run(&["--assume-proxyless", "--grpc", RUNTIME], inputs);
            match verdict {
                Verdict::Fails => assumed.assert_finding(self.finding.as_ref().unwrap()),
                Verdict::Works => assumed.assert_no_grpc_error(),
            }
            let declared_only = Analysis::run(&["--grpc", RUNTIME], inputs);
            declared_only.assert_no_grpc_error();
        }
    }
}

/// The Service `echo` of testdata/xds-traffic/mesh.yaml (the one the client
/// dials), alone in a file.
struct Service {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Service {
    fn new() -> Service {
        let mesh = read("testdata/xds-traffic/mesh.yaml");
        let services: Vec<&str> = mesh
            .split("\n---\n")
            .filter(|doc| doc.lines().any(|line| line == "kind: Service"))
            .collect();
        assert_eq!(services.len(), 1, "{mesh}");
        assert!(services[0].contains("metadata: {name: echo, namespace: traffic}"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service.yaml");
        std::fs::write(&path, services[0]).unwrap();
        Service { path, _dir: dir }
    }
}

/// What `mesh analyze -o json` said.
struct Analysis {
    args: Vec<String>,
    code: i32,
    findings: Vec<Json>,
}

impl Analysis {
    fn run(flags: &[&str], files: &[&str]) -> Analysis {
        let mut args = vec!["analyze", "-o", "json"];
        args.extend(flags);
        args.extend(files);
        let (code, stdout, stderr) = peers::mesh(&args);
        assert!(
            code == 0 || code == 79,
            "mesh {args:?} exited {code} (64: bad usage, 65: unreadable input): {stderr}"
        );
        let findings: Vec<Json> = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("mesh {args:?}: not JSON ({e}): {stdout}{stderr}"));
        eprintln!("mesh {}: exit {code}", args.join(" "));
        for finding in &findings {
            eprintln!(
                "  {} {} {}: {}",
                finding["code"].as_str().unwrap_or("?"),
                finding["level"].as_str().unwrap_or("?"),
                finding["origin"].as_str().unwrap_or("-"),
                finding["message"].as_str().unwrap_or("")
            );
        }
        let analysis = Analysis {
            args: args.iter().map(|a| a.to_string()).collect(),
            code,
            findings,
        };
        // The exit code follows the findings: 79 exactly when one is an Error.
        let errors = analysis.findings.iter().any(|f| f["level"] == "Error");
        assert_eq!(
            analysis.code,
            if errors { 79 } else { 0 },
            "{}",
            analysis.describe()
        );
        analysis
    }

    fn grpc_errors(&self) -> Vec<&Json> {
        self.findings
            .iter()
            .filter(|f| {
                f["level"] == "Error" && f["code"].as_str().is_some_and(|c| c.starts_with("GRPC"))
            })
            .collect()
    }

    fn describe(&self) -> String {
        format!(
            "mesh {:?}: exit {}\n{}",
            self.args,
            self.code,
            serde_json::to_string_pretty(&self.findings).unwrap()
        )
    }

    /// Exit 79 with `expected` at level Error, naming the assumed clients.
    fn assert_finding(&self, expected: &Expected) {
        assert_eq!(self.code, 79, "{}", self.describe());
        let found = self.grpc_errors().into_iter().any(|f| {
            f["code"] == expected.code
                && f["file"] == expected.file
                && f["field"] == expected.field
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(ASSUMED_CLIENTS))
        });
        assert!(
            found,
            "no {} Error at {} {} naming {ASSUMED_CLIENTS:?}: {}",
            expected.code,
            expected.file,
            expected.field,
            self.describe()
        );
    }

    /// No Error-level GRPC finding (and so exit 0 unless another rule's
    /// Error is there).
    fn assert_no_grpc_error(&self) {
        assert!(self.grpc_errors().is_empty(), "{}", self.describe());
    }
}

#[test]
fn cors_policy_fails_every_rpc_and_analyze_reports_an_error() {
    let case = Case {
        destination_rule: DR_SUBSETS,
        virtual_service: Some(VS_CORS),
        peer_authentication: None,
        xds_security: false,
        finding: Some(Expected {
            code: "GRPC001",
            file: VS_CORS,
            field: "spec.http[0].corsPolicy",
        }),
    };
    let observed = case.serve().map(|mesh| {
        // The client refuses the route configuration, so it has no route:
        // the channel never becomes ready and every RPC fails.
        let outcome = assert_refused(
            &mesh,
            10,
            "typed_per_filter_config[envoy.filters.http.cors]",
        );
        mesh.assert_prediction_agrees(&outcome);
        let log = mesh.server.log();
        assert!(
            log.lines()
                .any(|l| l.contains(": RDS NACK ") && l.contains("envoy.filters.http.cors")),
            "the client NACKs the routes for the CORS filter override:\n{log}"
        );
        assert!(!log.contains(": RDS ACK "), "{log}");
        Verdict::of(&[&outcome])
    });
    case.assert_analyze_agrees(case.client_says(observed));
}

#[test]
fn gateway_semantics_prefix_fails_every_rpc_and_analyze_reports_an_error() {
    let case = Case {
        destination_rule: DR_SUBSETS,
        virtual_service: Some(VS_GATEWAY_PREFIX),
        peer_authentication: None,
        xds_security: false,
        finding: Some(Expected {
            code: "GRPC079",
            file: VS_GATEWAY_PREFIX,
            field: "spec.http[0].match[0].uri.prefix",
        }),
    };
    let observed = case.serve().map(|mesh| {
        let outcome = assert_refused(&mesh, 10, "invalid path specifier");
        mesh.assert_prediction_agrees(&outcome);
        let log = mesh.server.log();
        assert!(
            log.lines()
                .any(|l| l.contains(": RDS NACK ") && l.contains("invalid path specifier")),
            "the client NACKs the routes for the path_separated_prefix:\n{log}"
        );
        assert!(!log.contains(": RDS ACK "), "{log}");
        Verdict::of(&[&outcome])
    });
    case.assert_analyze_agrees(case.client_says(observed));
}

#[test]
fn istio_mutual_to_plaintext_servers_fails_and_analyze_reports_an_error() {
    // No STRICT PeerAuthentication: the proxyless servers stay plaintext.
    let case = Case {
        destination_rule: DR_ISTIO_MUTUAL,
        virtual_service: None,
        peer_authentication: None,
        xds_security: true,
        finding: Some(Expected {
            code: "GRPC040",
            file: DR_ISTIO_MUTUAL,
            field: "spec.trafficPolicy.tls.mode",
        }),
    };
    let observed = case.serve().map(|mesh| {
        // The client's TLS hello meets a plaintext HTTP/2 server.
        let outcome = assert_refused(&mesh, 10, "Tls handshake failed");
        Verdict::of(&[&outcome])
    });
    case.assert_analyze_agrees(case.client_says(observed));
}

#[test]
fn istio_mutual_with_strict_works_and_analyze_reports_no_error() {
    let case = Case {
        destination_rule: DR_ISTIO_MUTUAL,
        virtual_service: None,
        peer_authentication: Some(PA_STRICT),
        xds_security: true,
        finding: None,
    };
    let observed = case.serve().map(|mesh| {
        let outcome = assert_mutual_tls(&mesh);
        mesh.assert_prediction_agrees(&outcome);
        Verdict::of(&[&outcome])
    });
    case.assert_analyze_agrees(case.client_says(observed));
}

#[test]
fn weighted_split_works_and_analyze_reports_no_error() {
    let case = Case {
        destination_rule: DR_SUBSETS,
        virtual_service: Some(VS_WEIGHTS),
        peer_authentication: None,
        xds_security: false,
        finding: None,
    };
    let observed = case.serve().map(|mesh| {
        let outcome = twenty_eighty(&mesh);
        mesh.assert_prediction_agrees(&outcome);
        Verdict::of(&[&outcome])
    });
    case.assert_analyze_agrees(case.client_says(observed));
}

#[test]
fn header_and_method_routes_work_and_analyze_reports_no_error() {
    let case = Case {
        destination_rule: DR_SUBSETS,
        virtual_service: Some(VS_MATCH),
        peer_authentication: None,
        xds_security: false,
        finding: None,
    };
    let observed = case.serve().map(|mesh| {
        let outcomes = assert_header_and_method_routes(&mesh);
        for outcome in &outcomes {
            mesh.assert_prediction_agrees(outcome);
        }
        Verdict::of(&outcomes.iter().collect::<Vec<_>>())
    });
    case.assert_analyze_agrees(case.client_says(observed));
}

#[test]
fn round_robin_works_and_analyze_reports_no_error() {
    // No VirtualService: the DestinationRule's subsets alone.
    let case = Case {
        destination_rule: DR_SUBSETS,
        virtual_service: None,
        peer_authentication: None,
        xds_security: false,
        finding: None,
    };
    let observed = case.serve().map(|mesh| {
        let outcome = assert_round_robin(&mesh);
        mesh.assert_prediction_agrees(&outcome);
        Verdict::of(&[&outcome])
    });
    case.assert_analyze_agrees(case.client_says(observed));
}
