//! One answer to "what does istiod send?": `mesh analyze`, `mesh xds render`
//! and `mesh xds serve` agree on the inputs where they once disagreed — two
//! workload-level PeerAuthentications (the oldest decides), a port declared
//! HTTP2 by `appProtocol: kubernetes.io/h2c` — and Istio's own grpc-echo
//! sample (gRPC on one port of three) gets no Error.

mod peers;

use peers::{mesh, Server};

use std::path::Path;
use std::time::Duration;

use envoy_types::pb::envoy::config::core::v3::Node;
use envoy_types::pb::envoy::config::listener::v3::Listener;
use envoy_types::pb::envoy::config::route::v3::RouteConfiguration;
use envoy_types::pb::envoy::service::discovery::v3::{
    aggregated_discovery_service_client::AggregatedDiscoveryServiceClient, DiscoveryRequest,
};
use prost::Message;
use serde_json::Value as Json;

const LDS: &str = "type.googleapis.com/envoy.config.listener.v3.Listener";
const RDS: &str = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const ECHO_INBOUND: &str = "xds.istio.io/grpc/lds/inbound/0.0.0.0:17070";

/// `mesh analyze -o json PATH`: the exit code and each finding's (code, level).
fn findings(path: &str) -> (i32, Vec<(String, String)>) {
    let (code, found, _) = analyze(&[path]);
    let found = found
        .into_iter()
        .map(|(code, level, _)| (code, level))
        .collect();
    (code, found)
}

fn has(found: &[(String, String)], code: &str) -> bool {
    found.iter().any(|(c, _)| c == code)
}

/// `mesh xds render PATH ARGS... -o json`: the resources.
fn render(path: &str, args: &[&str]) -> Vec<Json> {
    let mut all = vec!["xds", "render", path, "-o", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = mesh(&all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Json>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// What `mesh xds serve PATH` answers a node asking for `names` of `type_url`.
fn served(path: &str, node_id: &str, type_url: &str, names: &[&str]) -> Vec<Vec<u8>> {
    let server = Server::start(&[path]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let exchange = async {
            let mut client =
                AggregatedDiscoveryServiceClient::connect(format!("http://{}", server.address))
                    .await
                    .unwrap();
            let request = DiscoveryRequest {
                node: Some(Node {
                    id: node_id.into(),
                    ..Default::default()
                }),
                type_url: type_url.into(),
                resource_names: names.iter().map(|n| n.to_string()).collect(),
                ..Default::default()
            };
            let mut responses = client
                .stream_aggregated_resources(tokio_stream::iter([request]))
                .await
                .unwrap()
                .into_inner();
            let response = responses.message().await.unwrap().unwrap();
            response
                .resources
                .into_iter()
                .map(|any| any.value)
                .collect()
        };
        tokio::time::timeout(Duration::from_secs(30), exchange)
            .await
            .expect("serve answers within 30 s")
    })
}

/// The peer-authentication fixture, with `b-port` made the older policy or not.
fn peer_authentication_case(b_port_oldest: bool, dir: &Path) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/semantics/peer-authentication.yaml"),
    )
    .unwrap();
    let text = if b_port_oldest {
        text.replace("2024-06-01T00:00:00Z", "2023-06-01T00:00:00Z")
    } else {
        text
    };
    let path = dir.join("mesh.yaml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn the_oldest_workload_peer_authentication_decides_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    for b_port_oldest in [false, true] {
        let path = peer_authentication_case(b_port_oldest, dir.path());
        // a-strict oldest: 17070 is mTLS; b-port oldest: its DISABLE on 17070 counts.
        let want_mtls = !b_port_oldest;

        let (_, found) = findings(&path);
        assert_eq!(
            has(&found, "GRPC040"),
            !want_mtls,
            "{b_port_oldest}: {found:?}"
        );
        assert_eq!(
            has(&found, "GRPC059"),
            !want_mtls,
            "{b_port_oldest}: {found:?}"
        );

        let rendered = render(&path, &["--workload", "pa/echo", "--type", "lds"]);
        let inbound = rendered
            .iter()
            .find(|l| l["name"] == ECHO_INBOUND)
            .expect("the server listener");
        let chain = &inbound["filterChains"][0];
        assert_eq!(
            chain.get("transportSocket").is_some(),
            want_mtls,
            "{b_port_oldest}: {chain}"
        );

        let served = served(
            &path,
            "sidecar~127.0.0.1~echo.pa~pa.svc.cluster.local",
            LDS,
            &[ECHO_INBOUND],
        );
        let listener = Listener::decode(served[0].as_slice()).unwrap();
        assert_eq!(
            listener.filter_chains[0].transport_socket.is_some(),
            want_mtls,
            "{b_port_oldest}: served {listener:?}"
        );
    }
}

#[test]
fn an_h2c_port_is_routed_everywhere() {
    let path = "testdata/semantics/h2c.yaml";
    let route = "outbound|7070||echo.h2c.svc.cluster.local";
    let (_, found) = findings(path);
    assert!(
        !found
            .iter()
            .any(|(code, level)| code.starts_with("GRPC") && level == "Error"),
        "{found:?}"
    );
    let rendered = render(path, &["--workload", "h2c/client", "--type", "rds"]);
    let config = rendered.iter().find(|r| r["name"] == route).unwrap();
    assert_eq!(
        config["virtualHosts"].as_array().map(Vec::len),
        Some(1),
        "{config}"
    );

    let served = served(
        path,
        "sidecar~127.0.0.1~client.h2c~h2c.svc.cluster.local",
        RDS,
        &[route],
    );
    let config = RouteConfiguration::decode(served[0].as_slice()).unwrap();
    assert_eq!(config.virtual_hosts.len(), 1, "{config:?}");
}

#[test]
fn istios_grpc_echo_sample_gets_no_error() {
    let (code, found) = findings("testdata/istio-samples/grpc-echo.yaml");
    assert!(
        !found.iter().any(|(_, level)| level == "Error"),
        "{found:?}"
    );
    assert_eq!(code, 0);
}

/// `mesh analyze ARGS... -o json`: exit code, findings (code, level, message), stderr.
fn analyze(args: &[&str]) -> (i32, Vec<(String, String, String)>, String) {
    let mut all = vec!["analyze", "-o", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = mesh(&all);
    let found: Json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let found = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or_default().to_string();
            (text("code"), text("level"), text("message"))
        })
        .collect();
    (code, found, err)
}

#[test]
fn config_only_inputs_say_the_grpc_rules_had_nothing_to_check() {
    let (_, found, err) = analyze(&["testdata/assume-proxyless/"]);
    assert!(!found.iter().any(|f| f.0.starts_with("GRPC")), "{found:?}");
    assert_eq!(
        err.matches("--assume-proxyless").count(),
        1,
        "one note names the flag: {err}"
    );
    // With a proxyless workload in the inputs there is something to check.
    let (_, _, err) = analyze(&["testdata/echo-grpc/"]);
    assert!(!err.contains("--assume-proxyless"), "{err}");
}

#[test]
fn assume_proxyless_checks_config_only_inputs_as_assumed_clients_and_servers() {
    let (code, found, err) = analyze(&[
        "--assume-proxyless",
        "--grpc",
        "python@1.85",
        "testdata/assume-proxyless/",
    ]);
    assert_eq!(code, 79, "{err}");
    let grpc: Vec<&(String, String, String)> =
        found.iter().filter(|f| f.0.starts_with("GRPC")).collect();
    let codes: Vec<&str> = grpc.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(codes, ["GRPC001", "GRPC040", "GRPC059"], "{grpc:?}");
    assert!(grpc.iter().all(|f| f.1 == "Error"), "{grpc:?}");
    assert!(
        grpc[0]
            .2
            .contains("affects proxyless clients in prod (assumed) and"),
        "{}",
        grpc[0].2
    );
    assert!(
        grpc[2].2.contains("servers in prod (assumed, app=echo)"),
        "{}",
        grpc[2].2
    );
    assert!(!err.contains("nothing to check"), "{err}");

    // A STRICT namespace policy makes the assumed servers mTLS: no GRPC040 or GRPC059.
    let dir = tempfile::tempdir().unwrap();
    peers::copy_testdata("assume-proxyless", dir.path());
    std::fs::write(
        dir.path().join("strict.yaml"),
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: prod}\nspec: {mtls: {mode: STRICT}}\n",
    )
    .unwrap();
    let path = dir.path().to_string_lossy().into_owned();
    let (_, found, _) = analyze(&["--assume-proxyless", "--grpc", "python@1.85", &path]);
    let codes: Vec<&str> = found
        .iter()
        .filter(|f| f.0.starts_with("GRPC"))
        .map(|f| f.0.as_str())
        .collect();
    assert_eq!(codes, ["GRPC001"], "{found:?}");
}

#[test]
fn render_for_an_assumed_client() {
    let rendered = render(
        "testdata/echo-grpc/",
        &[
            "--assume-proxyless",
            "--client-namespace",
            "echo-grpc",
            "--type",
            "rds",
        ],
    );
    let weights: Vec<u64> = rendered[0]["virtualHosts"][0]["routes"][0]["route"]
        ["weightedClusters"]["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["weight"].as_u64().unwrap())
        .collect();
    assert_eq!(weights, [20, 80]);
    let (code, _, err) = mesh(&["xds", "render", "testdata/echo-grpc/", "--assume-proxyless"]);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("--client-namespace"), "{err}");
}
