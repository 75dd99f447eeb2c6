//! The gRPC client model (`xds::client`) against a real proxyless client.
//!
//! A seeded generator writes random small meshes around the Service `echo`
//! of testdata/xds-traffic/mesh.yaml (three real gRPC backends on
//! 127.0.0.2-4, the only endpoints, so every one is loopback): a random
//! DestinationRule (subsets, one of them without pods, load balancers
//! round robin, LEAST_REQUEST, RANDOM, ring hash on a header or the source
//! IP, maglev, circuit breakers) and a random VirtualService (0-4 http
//! routes: exact, prefix and regex uris, ignoreUriCase, header exact,
//! prefix, regex and present matches, withoutHeaders, queryParams, method
//! and authority; one to three weighted destinations, subsets that do not
//! exist, aborts and delays on none, all or an unset share of the RPCs,
//! timeouts, retries, corsPolicy, mirrors, rewrites, header operations,
//! redirects and direct responses, sometimes Gateway API semantics), and
//! two or three RPCs (method and metadata). Each mesh is served by its own
//! `mesh xds serve` to a fresh grpcio process (tests/peers/model_probe.py,
//! so no client keeps a copy of an earlier mesh), which reports its CSDS
//! and sends each RPC 40 times at once. Then, mesh by mesh:
//!
//! - resource by resource, the status the model predicts (its acceptance
//!   verdicts, `xds::client::acceptance`, on the resources `mesh xds
//!   serve` renders: a rejected field NACKs its route configuration or
//!   cluster; a resource istiod does not send does not exist; every other
//!   is ACKed) against the client's CSDS, including which resources the
//!   client asks for at all (no clusters behind a NACKed route
//!   configuration, none for routes gRPC skips), and the fields the model
//!   rejects against those the client's NACK names;
//! - for each RPC, `mesh xds route ... --grpc python@1.85 -o json` against
//!   where the RPCs landed and how they failed
//!   (`peers::traffic::disagreements`);
//! - what `mesh xds route` says a client rejects against what the model
//!   says of the same resources.
//!
//! A disagreement is reported with its tag, the mesh, the RPCs and what the
//! client saw. Each one found so far is a fixture in testdata/client-model/
//! (a config file and a `mesh test` file of what the real client does),
//! pinned by [`fixtures_pass_as_test_files`] (the model) and
//! [`fixtures_agree_with_the_real_client`] (the client).
//!
//! CI runs [`DEFAULT_CASES`] meshes from a fixed seed (about a minute on 2
//! cores). A longer random run (the seed is printed):
//!
//! ```text
//! MESH_CLIENT_DIFF_CASES=500 MESH_CLIENT_DIFF_SEED=random \
//!     cargo test --test client_model_peers -- --nocapture
//! ```

mod peers;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use envoy_types::pb::envoy::config::core::v3::address;
use envoy_types::pb::envoy::config::endpoint::v3::lb_endpoint::HostIdentifier;
use envoy_types::pb::envoy::config::route::v3::{route, route_action};
use mesh::grpc_support::Runtime;
use mesh::index::Index;
use mesh::load::load_files;
use mesh::model::MeshConfig;
use mesh::source::SourceFile;
use mesh::xds::client::{acceptance, matching};
use mesh::xds::render::RenderOptions;
use mesh::xds::{Proxy, WorkloadRef};
use peers::traffic::{
    disagreements, first_line, free_backend_port, predict, BACKENDS, CLIENT_RUNTIME, FIXTURE_PORT,
    READY_WITHIN,
};
use peers::{Killed, Server};
use serde_json::{json, Value as Json};

const REPO: &str = env!("CARGO_MANIFEST_DIR");
/// What the client dials, as `xds:///` names it.
const TARGET: &str = "echo.traffic.svc.cluster.local:7070";
const CLIENT: &str = "traffic/client";
/// Meshes when `MESH_CLIENT_DIFF_CASES` is unset.
const DEFAULT_CASES: u32 = 50;
/// The seed when `MESH_CLIENT_DIFF_SEED` is unset.
const DEFAULT_SEED: u64 = 0x6772_7063_6d6f_646c; // "grpcmodl"
/// Each RPC of a mesh is sent this many times, at once.
const RPCS: u32 = 40;
/// Meshes served and probed at the same time.
const WORKERS: usize = 2;
/// Disagreements printed in full (with their mesh) when a run fails.
const SHOWN: usize = 8;

// ---------------------------------------------------------------------------
// Random meshes

/// SplitMix64: small, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// One RPC: a method and its metadata.
#[derive(Debug, Clone)]
struct Rpc {
    method: String,
    metadata: Vec<(String, String)>,
}

impl Rpc {
    fn json(&self) -> Json {
        json!({"method": self.method, "metadata": self.metadata})
    }

    fn flags(&self) -> Vec<String> {
        self.metadata
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }
}

/// The metadata RPCs carry and routes match: (name, values).
const METADATA: [(&str, [&str; 2]); 3] = [
    ("x-env", ["prod", "dev"]),
    ("end-user", ["jason", "mike"]),
    ("x-hash", ["a", "b"]),
];
const METHODS: [&str; 2] = ["/echo.Echo/Call", "/echo.Echo/Other"];

/// Subsets of echo: (name, labels); v3 selects no pod.
const SUBSETS: [(&str, &str); 4] = [
    ("v1", "{version: v1}"),
    ("v2", "{version: v2}"),
    ("v3", "{version: v3}"),
    ("all", "{app: echo}"),
];

/// A DestinationRule's loadBalancer, as YAML, or none.
const LOAD_BALANCERS: [Option<&str>; 10] = [
    None,
    None,
    Some("{simple: ROUND_ROBIN}"),
    Some("{simple: LEAST_REQUEST}"),
    Some("{simple: RANDOM}"),
    Some("{consistentHash: {httpHeaderName: x-hash}}"),
    Some("{consistentHash: {httpHeaderName: x-hash, ringHash: {minimumRingSize: 64}}}"),
    Some("{consistentHash: {useSourceIp: true}}"),
    Some("{consistentHash: {httpHeaderName: x-hash, maglev: {tableSize: 65537}}}"),
    None,
];

fn traffic_policy(rng: &mut Rng, indent: &str) -> Option<String> {
    let lb = rng.pick(&LOAD_BALANCERS);
    // Above the 40 RPCs sent at once: circuit breaking never trips here.
    let pool = rng.chance(0.2);
    if lb.is_none() && !pool {
        return None;
    }
    let mut out = format!("{indent}trafficPolicy:\n");
    if let Some(lb) = lb {
        out.push_str(&format!("{indent}  loadBalancer: {lb}\n"));
    }
    if pool {
        out.push_str(&format!(
            "{indent}  connectionPool: {{http: {{http2MaxRequests: 1000}}}}\n"
        ));
    }
    Some(out)
}

fn destination_rule(rng: &mut Rng) -> Option<String> {
    if rng.chance(0.05) {
        return None;
    }
    let host = rng.pick(&["echo", "echo.traffic.svc.cluster.local"]);
    let mut out = format!(
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: echo, namespace: traffic}}\nspec:\n  host: {host}\n"
    );
    if let Some(policy) = traffic_policy(rng, "  ") {
        out.push_str(&policy);
    }
    // Usually every subset routes name (a missing one costs the client's
    // 15 s does-not-exist timer), sometimes a few.
    let every = rng.chance(0.85);
    let subsets: Vec<_> = SUBSETS
        .iter()
        .filter(|_| every || rng.chance(0.5))
        .collect();
    if !subsets.is_empty() {
        out.push_str("  subsets:\n");
        for (name, labels) in subsets {
            out.push_str(&format!("  - name: {name}\n    labels: {labels}\n"));
            if rng.chance(0.3) {
                if let Some(policy) = traffic_policy(rng, "    ") {
                    out.push_str(&policy);
                }
            }
        }
    }
    Some(out)
}

/// A uri condition: exact, prefix or regex on the two methods, sometimes
/// in another case or of another service.
fn uri(rng: &mut Rng) -> String {
    let kind = rng.below(3);
    let value = match kind {
        0 => rng.pick(&[
            "/echo.Echo/Call",
            "/echo.Echo/Other",
            "/ECHO.echo/call",
            "/other.Svc/Call",
        ]),
        1 => rng.pick(&["/echo.Echo/", "/echo.echo/", "/", "/echo.Echo/O", "/other."]),
        _ => rng.pick(&[
            "/echo\\\\.Echo/(Call|Other)",
            "/echo\\\\.echo/c.*",
            ".*/Other",
            "/other\\\\..*",
        ]),
    };
    let kind = ["exact", "prefix", "regex"][kind];
    format!("{{{kind}: \"{value}\"}}")
}

/// A header condition on one of [`METADATA`]: exact, prefix, regex or
/// present; sometimes on content-type or -bin metadata.
fn header_condition(rng: &mut Rng) -> (String, String) {
    // What gRPC shows route matching differently: content-type is always
    // application/grpc, -bin metadata never.
    if rng.chance(0.08) {
        let (name, condition) = rng.pick(&[
            ("content-type", "{exact: application/grpc}"),
            ("content-type", "{prefix: application/grpc+}"),
            ("x-token-bin", "{}"),
        ]);
        return (name.to_string(), condition.to_string());
    }
    let (name, values) = rng.pick(&METADATA);
    let value = rng.pick(&values);
    let condition = match rng.below(4) {
        0 => format!("{{exact: {value}}}"),
        1 => format!("{{prefix: {}}}", &value[..1]),
        2 => format!("{{regex: \"{}.*\"}}", &value[..1]),
        _ => "{}".to_string(),
    };
    (name.to_string(), condition)
}

fn match_block(rng: &mut Rng) -> String {
    let mut fields = Vec::new();
    if rng.chance(0.6) {
        fields.push(format!("uri: {}", uri(rng)));
        if rng.chance(0.3) {
            fields.push(format!("ignoreUriCase: {}", rng.chance(0.7)));
        }
    }
    let mut headers = BTreeMap::new();
    for _ in 0..rng.below(3) {
        let (name, condition) = header_condition(rng);
        headers.insert(name, condition);
    }
    if !headers.is_empty() {
        let list: Vec<String> = headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        fields.push(format!("headers: {{{}}}", list.join(", ")));
    }
    if rng.chance(0.15) {
        let (name, condition) = header_condition(rng);
        fields.push(format!("withoutHeaders: {{{name}: {condition}}}"));
    }
    if rng.chance(0.08) {
        fields.push("queryParams: {debug: {exact: \"1\"}}".into());
    }
    if rng.chance(0.06) {
        fields.push(
            rng.pick(&["method: {exact: POST}", "authority: {exact: echo}"])
                .into(),
        );
    }
    if fields.is_empty() {
        fields.push(format!("uri: {}", uri(rng)));
    }
    format!("{{{}}}", fields.join(", "))
}

/// One to three destinations of echo, weights summing to 100.
fn destinations(rng: &mut Rng) -> String {
    let count = [1, 1, 1, 2, 2, 3][rng.below(6)];
    let weights: &[u32] = match count {
        1 => &[100],
        2 => rng.pick(&[&[50, 50][..], &[20, 80], &[90, 10], &[100, 0]]),
        _ => rng.pick(&[&[34, 33, 33][..], &[60, 20, 20]]),
    };
    let mut out = String::new();
    for weight in weights {
        let host = rng.pick(&["echo", "echo.traffic.svc.cluster.local"]);
        // Mostly subsets with pods; v3 has none, nosuch is in no DestinationRule.
        let subset = match rng.below(100) {
            0..30 => None,
            30..55 => Some("v1"),
            55..80 => Some("v2"),
            80..90 => Some("all"),
            90..97 => Some("v3"),
            _ => Some("nosuch"),
        };
        let subset = subset.map_or(String::new(), |s| format!(", subset: {s}"));
        out.push_str(&format!("    - destination: {{host: {host}{subset}}}\n"));
        if count > 1 {
            out.push_str(&format!("      weight: {weight}\n"));
        }
    }
    out
}

/// 100 %, 0 % or no percentage at all.
fn share(rng: &mut Rng) -> &'static str {
    match rng.below(3) {
        0 => ", percentage: {value: 100}",
        1 => ", percentage: {value: 0}",
        _ => "",
    }
}

fn fault(rng: &mut Rng) -> Option<String> {
    let mut parts = Vec::new();
    if rng.chance(0.5) {
        let delay = rng.pick(&["0.3s", "2.5s"]);
        parts.push(format!("delay: {{fixedDelay: {delay}{}}}", share(rng)));
    }
    if rng.chance(0.6) {
        let status = if rng.chance(0.5) {
            format!(
                "grpcStatus: {}",
                rng.pick(&[
                    "UNAVAILABLE",
                    "RESOURCE_EXHAUSTED",
                    "UNIMPLEMENTED",
                    "PERMISSION_DENIED"
                ])
            )
        } else {
            format!(
                "httpStatus: {}",
                rng.pick(&[400, 403, 404, 429, 503, 500, 200])
            )
        };
        parts.push(format!("abort: {{{status}{}}}", share(rng)));
    }
    (!parts.is_empty()).then(|| format!("{{{}}}", parts.join(", ")))
}

fn http_route(rng: &mut Rng, i: usize, out: &mut String) {
    out.push_str(&format!("  - name: r{i}\n"));
    if rng.chance(0.7) {
        out.push_str("    match:\n");
        for _ in 0..1 + usize::from(rng.chance(0.25)) {
            out.push_str(&format!("    - {}\n", match_block(rng)));
        }
    }
    // A redirect or a direct response instead of destinations, rarely.
    if rng.chance(0.05) {
        out.push_str("    redirect: {uri: /elsewhere}\n");
        return;
    }
    if rng.chance(0.05) {
        out.push_str("    directResponse: {status: 503, body: {string: unavailable}}\n");
        return;
    }
    out.push_str("    route:\n");
    out.push_str(&destinations(rng));
    if let Some(fault) = fault(rng).filter(|_| rng.chance(0.35)) {
        out.push_str(&format!("    fault: {fault}\n"));
    }
    if rng.chance(0.35) {
        out.push_str(&format!(
            "    timeout: {}\n",
            rng.pick(&["0.5s", "1s", "1.5s", "2s", "3s", "5s"])
        ));
    }
    if rng.chance(0.25) {
        let (attempts, on) = rng.pick(&[(2, "unavailable"), (0, "unavailable"), (3, "5xx,reset")]);
        out.push_str(&format!(
            "    retries: {{attempts: {attempts}, retryOn: \"{on}\"}}\n"
        ));
    }
    if rng.chance(0.06) {
        out.push_str("    corsPolicy: {allowOrigins: [{exact: \"https://web.example\"}]}\n");
    }
    if rng.chance(0.1) {
        out.push_str("    mirror: {host: echo, subset: v2}\n    mirrorPercentage: {value: 50}\n");
    }
    if rng.chance(0.1) {
        out.push_str("    rewrite: {uri: /echo.Echo/Call}\n");
    }
    if rng.chance(0.1) {
        out.push_str(
            "    headers: {request: {set: {x-added: \"1\"}}, response: {remove: [x-internal]}}\n",
        );
    }
}

fn virtual_service(rng: &mut Rng) -> Option<String> {
    if rng.chance(0.12) {
        return None;
    }
    let gateway = rng.chance(0.08);
    let annotations = if gateway {
        ", annotations: {internal.istio.io/route-semantics: gateway}"
    } else {
        ""
    };
    let host = rng.pick(&["echo", "echo.traffic.svc.cluster.local"]);
    let mut out = format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: echo, namespace: traffic{annotations}}}\nspec:\n  hosts: [{host}]\n  http:\n"
    );
    for i in 0..1 + rng.below(4) {
        http_route(rng, i, &mut out);
    }
    Some(out)
}

fn rpc(rng: &mut Rng) -> Rpc {
    let method = rng.pick(&METHODS).to_string();
    let mut metadata = Vec::new();
    for (name, values) in METADATA {
        if rng.chance(0.5) {
            metadata.push((name.to_string(), rng.pick(&values).to_string()));
        }
    }
    Rpc { method, metadata }
}

/// A random mesh: its config (beside mesh.yaml) and the RPCs to send.
struct Case {
    name: String,
    config: String,
    rpcs: Vec<Rpc>,
}

impl Case {
    fn generate(seed: u64) -> Case {
        let mut rng = Rng(seed);
        let documents: Vec<String> = [destination_rule(&mut rng), virtual_service(&mut rng)]
            .into_iter()
            .flatten()
            .collect();
        let rpcs = (0..2 + rng.below(2)).map(|_| rpc(&mut rng)).collect();
        Case {
            name: format!("seed {seed}"),
            config: format!("# seed {seed}\n{}", documents.join("---\n")),
            rpcs,
        }
    }

    fn describe(&self) -> String {
        let rpcs: Vec<String> = self
            .rpcs
            .iter()
            .enumerate()
            .map(|(i, r)| format!("rpc {i}: {} {:?}", r.method, r.metadata))
            .collect();
        format!("{}\n{}", self.config, rpcs.join("\n"))
    }
}

// ---------------------------------------------------------------------------
// What the model predicts for each resource

/// The status a client gives a resource (CSDS's names), and the fields the
/// model rejects in it.
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    status: &'static str,
    rejected: Vec<String>,
}

/// The resources the client asks for, by (type, name), with the status the
/// model gives each: the walk LDS → RDS → CDS → EDS over what `mesh xds
/// serve` renders for the client, stopping at a rejected or missing
/// resource, skipping routes gRPC ignores (query conditions).
fn expected_resources(config: &Path, runtime: Runtime) -> BTreeMap<(String, String), Expected> {
    let files: Vec<_> = ["mesh.yaml", "config.yaml"]
        .iter()
        .filter_map(|name| {
            let text = std::fs::read_to_string(config.join(name)).ok()?;
            Some(SourceFile::new(name, text))
        })
        .collect();
    let loaded = load_files(files);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let index = Index::build(loaded.objects, MeshConfig::default());
    let (namespace, name) = CLIENT.split_once('/').unwrap();
    let reference = WorkloadRef::Workload {
        namespace: namespace.into(),
        name: name.into(),
    };
    let proxy = Proxy::find(&index, &reference, None).unwrap();
    let options = RenderOptions {
        targets: vec![TARGET.to_string()],
        server_address: None,
    };
    let resources = mesh::xds::render(&index, &proxy, &options).unwrap();
    // Every mesh served to a real client has loopback endpoints only.
    for assignment in &resources.endpoints {
        for endpoint in assignment.endpoints.iter().flat_map(|l| &l.lb_endpoints) {
            let address = match &endpoint.host_identifier {
                Some(HostIdentifier::Endpoint(e)) => {
                    match e.address.as_ref().and_then(|a| a.address.as_ref()) {
                        Some(address::Address::SocketAddress(s)) => s.address.clone(),
                        other => format!("{other:?}"),
                    }
                }
                other => format!("{other:?}"),
            };
            assert!(
                address
                    .parse::<std::net::Ipv4Addr>()
                    .is_ok_and(|ip| ip.is_loopback()),
                "{}: endpoint {address} is not on 127.0.0.0/8",
                assignment.cluster_name
            );
        }
    }
    let mut out = BTreeMap::new();
    let mut put = |kind: &str, name: &str, status, rejected| {
        out.insert(
            (kind.to_string(), name.to_string()),
            Expected { status, rejected },
        );
    };
    if !resources.listeners.iter().any(|l| l.name == TARGET) {
        put("Listener", TARGET, "DOES_NOT_EXIST", Vec::new());
        return out;
    }
    put("Listener", TARGET, "ACKED", Vec::new());
    let mut clusters = BTreeSet::new();
    for config in &resources.routes {
        let rejected: Vec<String> =
            acceptance::rejections(&acceptance::route_configuration(config, runtime))
                .map(|v| v.field.clone())
                .collect();
        let nacked = !rejected.is_empty();
        put(
            "RouteConfiguration",
            &config.name,
            if nacked { "NACKED" } else { "ACKED" },
            rejected,
        );
        if nacked {
            continue;
        }
        let Some(host) = matching::select_virtual_host(&config.virtual_hosts, TARGET) else {
            continue;
        };
        for route in &host.routes {
            let Some(route::Action::Route(action)) = &route.action else {
                continue;
            };
            if acceptance::dropped_by_grpc(route) {
                continue;
            }
            match &action.cluster_specifier {
                Some(route_action::ClusterSpecifier::Cluster(name)) => {
                    clusters.insert(name.clone());
                }
                Some(route_action::ClusterSpecifier::WeightedClusters(weighted)) => {
                    clusters.extend(weighted.clusters.iter().map(|c| c.name.clone()));
                }
                _ => {}
            }
        }
    }
    for name in clusters {
        let Some(cluster) = resources.clusters.iter().find(|c| c.name == name) else {
            put("Cluster", &name, "DOES_NOT_EXIST", Vec::new());
            continue;
        };
        let rejected: Vec<String> =
            acceptance::rejections(&acceptance::cluster_fields(cluster, runtime))
                .map(|v| v.field.clone())
                .collect();
        if !rejected.is_empty() {
            put("Cluster", &name, "NACKED", rejected);
            continue;
        }
        put("Cluster", &name, "ACKED", Vec::new());
        let service = cluster
            .eds_cluster_config
            .as_ref()
            .map_or(name.clone(), |e| e.service_name.clone());
        let status = if resources
            .endpoints
            .iter()
            .any(|e| e.cluster_name == service)
        {
            "ACKED"
        } else {
            "DOES_NOT_EXIST"
        };
        put("ClusterLoadAssignment", &service, status, Vec::new());
    }
    out
}

/// The fields a C-core NACK names: `field:PATH error:...` in its details.
fn nacked_fields(error: &str) -> Vec<String> {
    error
        .split("field:")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once(" error:")
                .map(|(field, _)| field.to_string())
        })
        .collect()
}

/// Whether two field paths name the same field or one lies within the
/// other (`routes[0].match` and `routes[0].match.path_separated_prefix`;
/// the model's `lb_policy LEAST_REQUEST` and the client's `lb_policy`).
fn related(a: &str, b: &str) -> bool {
    let within = |long: &str, short: &str| {
        long.strip_prefix(short)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[', ' ']))
    };
    within(a, b) || within(b, a)
}

/// `virtual_hosts[0].routes[2]` of a field within a route; other fields
/// whole.
fn route_of(field: &str) -> &str {
    match field.match_indices(']').nth(1) {
        Some((end, _)) if field.starts_with("virtual_hosts[") => &field[..=end],
        _ => field,
    }
}

// ---------------------------------------------------------------------------
// The real client

/// The three backends (started once), and one `mesh xds serve` and one
/// fresh client process per mesh.
struct Peers {
    python: String,
    _backends: Vec<Killed>,
    /// mesh.yaml with the backends' port.
    mesh_yaml: String,
    /// (backend name, `IP:PORT`).
    answering: Vec<(String, String)>,
    dir: tempfile::TempDir,
}

/// What the client reported for one mesh.
struct Seen {
    /// (type, name) → (status, NACK details).
    resources: BTreeMap<(String, String), (String, String)>,
    rpcs: Vec<Json>,
    raw: Json,
}

impl Peers {
    /// `None` outside CI without python.
    fn start(lifetime: Duration) -> Option<Peers> {
        let python = peers::python("gRPC client and servers")?;
        let port = free_backend_port();
        let mesh_yaml = std::fs::read_to_string(format!("{REPO}/testdata/xds-traffic/mesh.yaml"))
            .unwrap()
            .replace(FIXTURE_PORT, &format!("containerPort: {port}"));
        let mut backends = Vec::new();
        let mut answering = Vec::new();
        for (name, ip) in BACKENDS {
            let listen = format!("{ip}:{port}");
            let mut backend = Killed(
                Command::new(&python)
                    .arg(format!("{REPO}/tests/peers/traffic.py"))
                    .args(["backend", "--listen", &listen, "--name", name])
                    .args(["--lifetime", &lifetime.as_secs().to_string()])
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
            let ready = first_line(&mut backend.0, READY_WITHIN);
            assert_eq!(ready.as_deref().map(str::trim), Some("ready"), "{listen}");
            backends.push(backend);
            answering.push((name.to_string(), listen));
        }
        Some(Peers {
            python,
            _backends: backends,
            mesh_yaml,
            answering,
            dir: tempfile::tempdir().unwrap(),
        })
    }

    fn address_of(&self, name: &str) -> Option<String> {
        self.answering
            .iter()
            .find(|(backend, _)| backend == name)
            .map(|(_, address)| address.clone())
    }

    /// Writes `config` beside mesh.yaml in a directory of its own.
    fn config_dir(&self, label: &str, config: &str) -> PathBuf {
        let dir = self.dir.path().join(label.replace(' ', "-"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("mesh.yaml"), &self.mesh_yaml).unwrap();
        std::fs::write(dir.join("config.yaml"), config).unwrap();
        dir
    }

    /// Serves `config` and lets a fresh client look at it and send `rpcs`;
    /// `Err` when the client's resources never settled.
    fn observe(&self, config: &Path, rpcs: &[Rpc]) -> Result<Seen, String> {
        let server = Server::start(&[config.as_os_str()]);
        let (code, bootstrap, err) = peers::mesh(&[
            "xds",
            "bootstrap",
            config.to_str().unwrap(),
            "--workload",
            CLIENT,
            "--xds-address",
            &server.address,
        ]);
        assert_eq!(code, 0, "{err}");
        let bootstrap_path = config.with_extension("bootstrap.json");
        std::fs::write(&bootstrap_path, bootstrap).unwrap();
        let plan = Json::Array(rpcs.iter().map(Rpc::json).collect()).to_string();
        let out = Command::new(&self.python)
            .arg(format!("{REPO}/tests/peers/model_probe.py"))
            .args(["--target", &format!("xds:///{TARGET}"), "--plan", &plan])
            // Past gRPC's 15 s does-not-exist timer for a resource never sent.
            .args([
                "--rpcs",
                &RPCS.to_string(),
                "--deadline",
                "8",
                "--timeout",
                "25",
            ])
            .env("GRPC_XDS_BOOTSTRAP", &bootstrap_path)
            .env("GRPC_VERBOSITY", "NONE")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let raw: Json = serde_json::from_str(text.trim()).unwrap_or_else(|e| {
            panic!(
                "the probe printed no JSON ({e}): {text}{}\nserver log:\n{}",
                String::from_utf8_lossy(&out.stderr),
                server.log()
            )
        });
        if !out.status.success() {
            return Err(format!(
                "[settle] the client's resources never settled: {raw}\nserver log:\n{}",
                server.log()
            ));
        }
        let resources = raw["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let field = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                (
                    (field("type"), field("name")),
                    (field("status"), field("error")),
                )
            })
            .collect();
        Ok(Seen {
            resources,
            rpcs: raw["rpcs"].as_array().cloned().unwrap_or_default(),
            raw,
        })
    }

    /// Every disagreement between the model and the real client on one
    /// mesh, each starting with its tag.
    fn compare(&self, label: &str, config: &str, rpcs: &[Rpc]) -> Vec<String> {
        self.compare_counting(label, config, rpcs, &mut Tally::default())
    }

    /// [`Peers::compare`], counting in `tally` what the mesh exercised.
    fn compare_counting(
        &self,
        label: &str,
        config: &str,
        rpcs: &[Rpc],
        tally: &mut Tally,
    ) -> Vec<String> {
        let dir = self.config_dir(label, config);
        let runtime: Runtime = CLIENT_RUNTIME.parse().unwrap();
        let expected = expected_resources(&dir, runtime);
        let paths = [dir.join("mesh.yaml"), dir.join("config.yaml")];
        let paths: Vec<&std::ffi::OsStr> = paths.iter().map(|p| p.as_os_str()).collect();
        let predictions: Vec<Json> = rpcs
            .iter()
            .map(|rpc| predict(&paths, CLIENT, TARGET, &rpc.method, &rpc.flags(), None))
            .collect();
        let seen = match self.observe(&dir, rpcs) {
            Ok(seen) => seen,
            Err(why) => return vec![why],
        };
        let mut out = Vec::new();

        for ((kind, _), (status, _)) in &seen.resources {
            tally.add(format!("{kind} {status}"));
        }
        for prediction in &predictions {
            let outcome = &prediction["outcome"];
            tally.add(format!(
                "RPC {}",
                outcome["status"].as_str().unwrap_or("reaching a backend")
            ));
            for partial in outcome["partial_failures"].as_array().into_iter().flatten() {
                tally.add(format!(
                    "RPC partly {} ({}{})",
                    partial["status"].as_str().unwrap_or("?"),
                    partial["cause"].as_str().unwrap_or("?"),
                    if partial["percent"].is_null() {
                        ", per process"
                    } else {
                        ""
                    }
                ));
            }
        }
        let asked: BTreeSet<_> = seen.resources.keys().collect();
        let predicted: BTreeSet<_> = expected.keys().collect();
        if asked != predicted {
            out.push(format!(
                "[resources] the model expects the client to ask for {predicted:?}; it asked for {asked:?}"
            ));
        }
        for (key, (status, error)) in &seen.resources {
            let Some(expected) = expected.get(key) else {
                continue;
            };
            if expected.status != status {
                out.push(format!(
                    "[status] {} {}: the model says {}{}, the client {status}{}",
                    key.0,
                    key.1,
                    expected.status,
                    if expected.rejected.is_empty() {
                        String::new()
                    } else {
                        format!(" (rejects {:?})", expected.rejected)
                    },
                    if error.is_empty() {
                        String::new()
                    } else {
                        format!(": {error}")
                    }
                ));
            } else if status == "NACKED" {
                let named = nacked_fields(error);
                let unexplained: Vec<&String> = named
                    .iter()
                    .filter(|f| !expected.rejected.iter().any(|r| related(f, r)))
                    .collect();
                // C-core stops reading a route at its first error: the
                // client names each route the model rejects, not every field.
                let unnamed: Vec<&String> = expected
                    .rejected
                    .iter()
                    .filter(|r| !named.iter().any(|f| related(route_of(f), route_of(r))))
                    .collect();
                if !unexplained.is_empty() || !unnamed.is_empty() {
                    out.push(format!(
                        "[nack-fields] {} {}: the client names {unexplained:?} the model does not reject, the model rejects {unnamed:?} the client does not name: {error}",
                        key.0, key.1
                    ));
                }
            }
        }

        for (i, (prediction, observed)) in predictions.iter().zip(&seen.rpcs).enumerate() {
            let numbers = |field: &str| -> BTreeMap<String, u32> {
                observed[field]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0) as u32))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let found = disagreements(
                prediction,
                &numbers("counts"),
                &numbers("errors"),
                &|name| self.address_of(name),
                false,
            );
            if !found.is_empty() {
                out.push(format!(
                    "[routing] rpc {i}: {}\n    predicted outcome {}; destinations {}\n    the client's failures: {}",
                    found.join("; "),
                    prediction["outcome"],
                    summarize_destinations(prediction),
                    observed["details"]
                ));
            }
            // `mesh xds route` and the acceptance verdicts on the same route configuration.
            let cli_rejects: BTreeSet<String> = prediction["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["effect"] == "rejected")
                .filter_map(|f| f["field"].as_str())
                .filter(|f| f.starts_with("virtual_hosts["))
                .map(str::to_string)
                .collect();
            let model_rejects: BTreeSet<String> = expected
                .iter()
                .filter(|((kind, _), _)| kind == "RouteConfiguration")
                .flat_map(|(_, e)| e.rejected.iter().cloned())
                .collect();
            if prediction["virtual_host"].is_string() && cli_rejects != model_rejects {
                out.push(format!(
                    "[cli-vs-model] rpc {i}: mesh xds route rejects {cli_rejects:?}, the acceptance verdicts {model_rejects:?}"
                ));
            }
        }
        if !out.is_empty() {
            out.push(format!("the client saw: {}", seen.raw));
        }
        out
    }
}

/// What a run exercised: resource statuses the client gave, outcomes the
/// model predicted, with how often.
#[derive(Default)]
struct Tally(BTreeMap<String, u32>);

impl Tally {
    fn add(&mut self, what: String) {
        *self.0.entry(what).or_default() += 1;
    }

    fn merge(&mut self, other: Tally) {
        for (what, n) in other.0 {
            *self.0.entry(what).or_default() += n;
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (what, n) in &self.0 {
            writeln!(f, "  {n:4}  {what}")?;
        }
        Ok(())
    }
}

fn summarize_destinations(prediction: &Json) -> String {
    let list: Vec<String> = prediction["destinations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            format!(
                "{} {}%{}",
                d["cluster"].as_str().unwrap_or("?"),
                d["weight_percent"],
                d["failure"]
                    .as_str()
                    .map_or(String::new(), |f| format!(" (fails: {f})"))
            )
        })
        .collect();
    format!("[{}]", list.join(", "))
}

fn cases_and_seed() -> (u32, u64) {
    let cases = std::env::var("MESH_CLIENT_DIFF_CASES")
        .ok()
        .map(|v| {
            v.parse()
                .expect("MESH_CLIENT_DIFF_CASES: a number of meshes")
        })
        .unwrap_or(DEFAULT_CASES);
    let seed = match std::env::var("MESH_CLIENT_DIFF_SEED").ok().as_deref() {
        None => DEFAULT_SEED,
        Some("random") => {
            let seed = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            eprintln!("MESH_CLIENT_DIFF_SEED={seed}");
            seed
        }
        Some(n) => n
            .parse()
            .expect("MESH_CLIENT_DIFF_SEED: a number or `random`"),
    };
    (cases, seed)
}

#[test]
fn random_meshes_get_from_the_real_client_what_the_model_predicts() {
    let (cases, seed) = cases_and_seed();
    // The backends outlive the run, whatever its length, and no more.
    let lifetime = Duration::from_secs(120 + u64::from(cases) * 20);
    let Some(peers) = Peers::start(lifetime) else {
        return;
    };
    let started = Instant::now();
    // Two meshes at a time: most of a mesh's time is spent waiting (process
    // start-up, fault delays, the does-not-exist timer).
    let next = std::sync::atomic::AtomicU32::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    let tally = std::sync::Mutex::new(Tally::default());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= cases {
                    break;
                }
                let case = Case::generate(seed.wrapping_add(u64::from(i)));
                let mut counted = Tally::default();
                let found =
                    peers.compare_counting(&case.name, &case.config, &case.rpcs, &mut counted);
                tally.lock().unwrap().merge(counted);
                if !found.is_empty() {
                    failures.lock().unwrap().push((case, found));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "{cases} meshes in {:.0?}: {} disagree; exercised:\n{}",
        started.elapsed(),
        failures.len(),
        tally.into_inner().unwrap()
    );
    let shown: Vec<String> = failures
        .iter()
        .take(SHOWN)
        .map(|(case, found)| format!("{}\n{}\n", found.join("\n"), case.describe()))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {cases} meshes: the model and grpcio disagree (first {SHOWN} below; replay one with MESH_CLIENT_DIFF_CASES=1 MESH_CLIENT_DIFF_SEED=<its seed>)\n\n{}",
        failures.len(),
        shown.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Disagreements found: testdata/client-model/

/// The fixtures: `NAME.yaml` (config beside testdata/xds-traffic/mesh.yaml)
/// and `NAME.test.yaml` (what the real client does, as a `mesh test` file).
fn fixtures() -> Vec<(PathBuf, PathBuf)> {
    let dir = Path::new(REPO).join("testdata/client-model");
    let mut out: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".test.yaml"))
        .map(|test| {
            let config = PathBuf::from(test.to_string_lossy().replace(".test.yaml", ".yaml"));
            (config, test)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty());
    out
}

/// The RPCs of a `mesh test` file.
fn rpcs_of(test_file: &Path) -> Vec<Rpc> {
    let text = std::fs::read_to_string(test_file).unwrap();
    let json = mesh::source::yaml::parse_values(&text)
        .documents
        .into_iter()
        .find_map(|d| d.root)
        .unwrap();
    let file: mesh::routetest::TestFile = serde_json::from_value(json).unwrap();
    file.tests
        .iter()
        .map(|case| {
            assert_eq!(case.target, TARGET);
            assert_eq!(case.grpc.as_deref(), Some(CLIENT_RUNTIME));
            Rpc {
                method: case.method.clone(),
                metadata: case.headers.clone().into_iter().collect(),
            }
        })
        .collect()
}

#[test]
fn fixtures_pass_as_test_files() {
    for (_, test) in fixtures() {
        let (code, out, err) = peers::mesh(&["test", test.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {out}{err}", test.display());
        assert!(out.contains(" passed, 0 failed"), "{out}");
    }
}

#[test]
fn fixtures_agree_with_the_real_client() {
    let Some(peers) = Peers::start(Duration::from_secs(180)) else {
        return;
    };
    let mut failures = Vec::new();
    for (config, test) in fixtures() {
        let rpcs = rpcs_of(&test);
        let text = std::fs::read_to_string(&config).unwrap();
        let label = config.file_stem().unwrap().to_string_lossy().to_string();
        let found = peers.compare(&label, &text, &rpcs);
        if !found.is_empty() {
            failures.push(format!("{}:\n{}", config.display(), found.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
