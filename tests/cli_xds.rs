//! `mesh xds` end to end: rendered JSON snapshots for the echo-grpc example
//! and testdata/xds (a client and a server each), JSON that parses back into
//! the Envoy protos, tables, bootstraps, diffs, exit codes, and the ADS
//! server answering a real tonic client.

mod peers;

use peers::{mesh, Server};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use envoy_types::pb::envoy::config::cluster::v3::Cluster;
use envoy_types::pb::envoy::config::core::v3::Node;
use envoy_types::pb::envoy::config::endpoint::v3::ClusterLoadAssignment;
use envoy_types::pb::envoy::config::listener::v3::Listener;
use envoy_types::pb::envoy::config::route::v3::RouteConfiguration;
use envoy_types::pb::envoy::service::discovery::v3::{
    aggregated_discovery_service_client::AggregatedDiscoveryServiceClient, DeltaDiscoveryRequest,
    DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse,
};
use envoy_types::pb::google::rpc::Status as RpcStatus;
use mesh::xds::json::{any_to_json, json_to_any};
use prost::Message;
use serde_json::Value as Json;

fn render_json(args: &[&str]) -> Vec<Json> {
    let mut all = vec!["xds", "render"];
    all.extend_from_slice(args);
    let (code, out, err) = mesh(&all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Json>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn echo_grpc_client_snapshot() {
    let (code, out, err) = mesh(&[
        "xds",
        "render",
        "testdata/echo-grpc",
        "--workload",
        "echo-grpc/echo-v1",
        "--target",
        "echo.echo-grpc.svc.cluster.local:7070",
    ]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);
}

#[test]
fn xds_mesh_client_snapshot() {
    let (code, out, err) = mesh(&[
        "xds",
        "render",
        "testdata/xds",
        "--pod",
        "app/frontend-0",
        "--target",
        "backend:7070",
        "--target",
        "payments.internal:9000",
    ]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);
}

#[test]
fn xds_mesh_server_snapshot() {
    let (code, out, err) = mesh(&[
        "xds",
        "render",
        "testdata/xds",
        "--pod",
        "app/backend-v1-7d9f-abcde",
        "--type",
        "lds",
        "--target",
        "frontend:8080",
    ]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);
}

/// Every resource we print parses back into its Envoy proto and prints the same.
#[test]
fn json_parses_back_into_the_protos() {
    for args in [
        ["testdata/echo-grpc", "--workload", "echo-grpc/echo-v2"],
        ["testdata/xds", "--pod", "app/frontend-0"],
        ["testdata/xds", "--pod", "app/backend-v2-0"],
    ] {
        let resources = render_json(&args);
        assert!(resources.len() >= 4, "{args:?}");
        for json in resources {
            let any = json_to_any(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
            let bytes = any.value.as_slice();
            let name = match json["@type"].as_str().unwrap() {
                "type.googleapis.com/envoy.config.listener.v3.Listener" => {
                    Listener::decode(bytes).unwrap().name
                }
                "type.googleapis.com/envoy.config.route.v3.RouteConfiguration" => {
                    RouteConfiguration::decode(bytes).unwrap().name
                }
                "type.googleapis.com/envoy.config.cluster.v3.Cluster" => {
                    Cluster::decode(bytes).unwrap().name
                }
                "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment" => {
                    ClusterLoadAssignment::decode(bytes).unwrap().cluster_name
                }
                other => panic!("unexpected type {other}"),
            };
            let expected = json.get("name").or(json.get("clusterName")).unwrap();
            assert_eq!(Json::String(name), *expected);
            assert_eq!(any_to_json(&any).unwrap(), json);
        }
    }
}

#[test]
fn table_lists_type_name_and_summary() {
    let (code, out, _) = mesh(&[
        "xds",
        "render",
        "testdata/xds",
        "--pod",
        "app/frontend-0",
        "--target",
        "backend:7070",
        "-o",
        "table",
    ]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("TYPE NAME"), "{out}");
    assert!(
        lines.iter().any(|l| l.starts_with("LDS  backend:7070 ")),
        "{out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("RDS ")
            && l.contains("[end-user] → outbound|7070|v2|backend.app.svc.cluster.local")
            && l.contains("|v1|backend.app.svc.cluster.local=20")),
        "{out}"
    );
    assert!(
        lines.iter().any(
            |l| l.contains("outbound|7070|v2|backend.app.svc.cluster.local")
                // backend-v2-1 is not ready: istiod 1.31 sends it, UNHEALTHY.
                && l.contains(
                    "3 endpoints: 10.0.1.9:17070(UNHEALTHY) 10.0.1.2:17070 10.0.2.1:17071"
                )
        ),
        "{out}"
    );
}

#[test]
fn all_proxyless_renders_each_workload_as_one_render_does() {
    let (code, table, _) = mesh(&[
        "xds",
        "render",
        "testdata/echo-grpc/",
        "--all-proxyless",
        "-o",
        "table",
    ]);
    assert_eq!(code, 0);
    let lines: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["WORKLOAD", "LDS", "RDS", "CDS", "EDS", "BYTES"]);
    let names: Vec<&str> = lines[1..].iter().map(|l| l[0]).collect();
    assert_eq!(names, ["echo-grpc/echo-v1", "echo-grpc/echo-v2"]);

    let (code, json, _) = mesh(&["xds", "render", "testdata/echo-grpc/", "--all-proxyless"]);
    assert_eq!(code, 0);
    let all: Vec<Json> = serde_json::from_str(&json).unwrap();
    for (entry, row) in all.iter().zip(&lines[1..]) {
        let workload = entry["workload"].as_str().unwrap();
        let alone = render_json(&["testdata/echo-grpc/", "--workload", workload]);
        assert_eq!(entry["resources"].as_array().unwrap(), &alone);
        let bytes: usize = alone
            .iter()
            .map(|r| json_to_any(r).unwrap().value.len())
            .sum();
        assert_eq!(row[5], bytes.to_string());
        let listeners = alone
            .iter()
            .filter(|r| r["@type"].as_str().unwrap().ends_with(".Listener"))
            .count();
        assert_eq!(row[1], listeners.to_string());
    }
}

#[test]
fn timings_add_a_render_time_column_and_totals() {
    let (code, table, err) = mesh(&[
        "xds",
        "render",
        "testdata/echo-grpc/",
        "--all-proxyless",
        "-o",
        "table",
        "--timings",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines[0],
        ["WORKLOAD", "LDS", "RDS", "CDS", "EDS", "BYTES", "RENDER_MS"]
    );
    assert_eq!(lines.len(), 3, "{table}");
    let mut bytes = 0;
    for row in &lines[1..] {
        assert!(row[6].parse::<f64>().is_ok_and(|ms| ms >= 0.0), "{table}");
        bytes += row[5].parse::<u64>().unwrap();
    }
    assert!(
        err.contains(&format!(
            "rendered 2 proxyless workload(s), {bytes} bytes of xDS, in "
        )),
        "{err}"
    );
    // Only where there is a table of workloads to add the column to.
    let (code, _, err) = mesh(&[
        "xds",
        "render",
        "testdata/echo-grpc/",
        "--workload",
        "echo-grpc/echo-v1",
        "--timings",
    ]);
    assert_eq!(code, 64, "{err}");
}

#[test]
fn type_filter_and_yaml() {
    let routes = render_json(&[
        "testdata/echo-grpc",
        "--workload",
        "echo-grpc/echo-v1",
        "--type",
        "rds",
    ]);
    assert_eq!(routes.len(), 1);
    assert_eq!(
        routes[0]["@type"],
        "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
    );
    let (code, out, _) = mesh(&[
        "xds",
        "render",
        "testdata/echo-grpc",
        "--workload",
        "echo-grpc/echo-v1",
        "--type",
        "cds",
        "-o",
        "yaml",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("- \"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\n"),
        "{out}"
    );
    assert!(
        out.contains("\n  name: \"outbound|7070|v1|echo.echo-grpc.svc.cluster.local\"\n"),
        "{out}"
    );
}

#[test]
fn node_id_finds_the_pod_and_its_endpoints() {
    let resources = render_json(&[
        "testdata/xds",
        "--node-id",
        "sidecar~10.0.0.5~frontend-0.app~app.svc.cluster.local",
        "--target",
        "payments-legacy.internal:9000",
        "--type",
        "eds",
    ]);
    assert_eq!(resources.len(), 1);
    let endpoint = &resources[0]["endpoints"][0];
    assert_eq!(endpoint["locality"]["region"], "eu-west1");
    assert_eq!(
        endpoint["lbEndpoints"][0]["endpoint"]["address"]["socketAddress"]["portValue"],
        19001
    );
}

#[test]
fn usage_errors() {
    let (code, _, err) = mesh(&[
        "xds",
        "render",
        "testdata/echo-grpc",
        "--workload",
        "echo-grpc/nope",
    ]);
    assert_eq!(code, 64);
    assert!(
        err.contains("no workload echo-grpc/nope in the inputs (in echo-grpc: echo-v1, echo-v2)"),
        "{err}"
    );
    let (code, _, err) = mesh(&["xds", "render", "testdata/echo-grpc", "--workload", "nope"]);
    assert_eq!(code, 64);
    assert!(err.contains("expected NAMESPACE/NAME"), "{err}");
    let (code, _, err) = mesh(&[
        "xds",
        "render",
        "testdata/echo-grpc",
        "--workload",
        "echo-grpc/echo-v1",
        "--target",
        "echo:http",
    ]);
    assert_eq!(code, 64);
    assert!(err.contains("bad listener name \"echo:http\""), "{err}");
    let (code, _, err) = mesh(&["xds", "render", "testdata/echo-grpc"]);
    assert_eq!(code, 64, "{err}");
    let (code, _, err) = mesh(&[
        "xds",
        "render",
        "testdata/echo-grpc",
        "--node-id",
        "sidecar~x",
    ]);
    assert_eq!(code, 64);
    assert!(err.contains("bad node id"), "{err}");
}

#[test]
fn untranslatable_field_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vs.yaml");
    std::fs::write(
        &path,
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: echo-weights, namespace: echo-grpc}\nspec:\n  hosts: [echo]\n  http:\n  - route: [{destination: {host: echo}}]\n    timeout: 1.5.s\n",
    )
    .unwrap();
    let (code, _, err) = mesh(&[
        "xds",
        "render",
        "testdata/echo-grpc/service.yaml",
        "testdata/echo-grpc/deployments.yaml",
        path.to_str().unwrap(),
        "--workload",
        "echo-grpc/echo-v1",
    ]);
    assert_eq!(code, 65, "{err}");
    assert!(err.contains("vs.yaml:8:14"), "{err}");
    assert!(err.contains("spec.http[0].timeout"), "{err}");
}

#[test]
fn bootstrap_flavours() {
    let (code, out, err) = mesh(&[
        "xds",
        "bootstrap",
        "testdata/xds",
        "--pod",
        "app/frontend-0",
    ]);
    assert_eq!(code, 0, "{err}");
    let json: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["xds_servers"][0]["server_uri"],
        "unix:///etc/istio/proxy/XDS"
    );
    assert_eq!(
        json["xds_servers"][0]["channel_creds"][0]["type"],
        "insecure"
    );
    assert_eq!(
        json["node"]["id"],
        "sidecar~10.0.0.5~frontend-0.app~app.svc.cluster.local"
    );
    assert_eq!(json["node"]["metadata"]["GENERATOR"], "grpc");
    assert_eq!(json["node"]["metadata"]["LABELS"]["app"], "frontend");
    assert_eq!(
        json["certificate_providers"]["default"]["config"]["certificate_file"],
        "/var/lib/istio/data/cert-chain.pem"
    );
    assert_eq!(
        json["certificate_providers"]["default"]["plugin_name"],
        "file_watcher"
    );
    assert_eq!(
        json["server_listener_resource_name_template"],
        "xds.istio.io/grpc/lds/inbound/%s"
    );
    let (code, out, _) = mesh(&[
        "xds",
        "bootstrap",
        "testdata/xds",
        "--pod",
        "app/frontend-0",
        "--flavour",
        "grpc-simple",
    ]);
    assert_eq!(code, 0);
    let json: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["xds_servers"][0]["server_uri"],
        "dns:///istiod.istio-system.svc:15010"
    );
    assert_eq!(
        json["node"]["id"],
        "sidecar~10.0.0.5~frontend-0.app~cluster.local"
    );
    assert!(json.get("certificate_providers").is_none());
    let (_, out, _) = mesh(&[
        "xds",
        "bootstrap",
        "testdata/echo-grpc",
        "--workload",
        "echo-grpc/echo-v1",
        "--xds-address",
        "127.0.0.1:15010",
        "--cert-dir",
        "/tmp/certs/",
    ]);
    let json: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(json["xds_servers"][0]["server_uri"], "127.0.0.1:15010");
    assert_eq!(
        json["node"]["id"],
        "sidecar~127.0.0.1~echo-v1.echo-grpc~echo-grpc.svc.cluster.local"
    );
    assert_eq!(
        json["certificate_providers"]["default"]["config"]["key_file"],
        Json::Null
    );
    assert_eq!(
        json["certificate_providers"]["default"]["config"]["private_key_file"],
        "/tmp/certs/key.pem"
    );
}

#[test]
fn diff_shows_what_a_change_changes() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    let new = dir.path().join("new");
    for side in [&old, &new] {
        peers::copy_testdata("echo-grpc", side);
    }
    let (old_s, new_s) = (old.to_str().unwrap(), new.to_str().unwrap());
    let (code, out, _) = mesh(&[
        "xds",
        "diff",
        old_s,
        new_s,
        "--workload",
        "echo-grpc/echo-v1",
    ]);
    assert_eq!(code, 0);
    assert!(out.is_empty());
    let traffic = std::fs::read_to_string(new.join("traffic.yaml")).unwrap();
    std::fs::write(
        new.join("traffic.yaml"),
        traffic
            .replace("weight: 20", "weight: 50")
            .replace("weight: 80", "weight: 50"),
    )
    .unwrap();
    std::fs::remove_file(new.join("security.yaml")).unwrap();
    let (code, out, _) = mesh(&[
        "xds",
        "diff",
        old_s,
        new_s,
        "--workload",
        "echo-grpc/echo-v1",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("--- a/rds/outbound|7070||echo.echo-grpc.svc.cluster.local"),
        "{out}"
    );
    let has = |sign: char, text: &str| {
        out.lines()
            .any(|l| l.starts_with(sign) && l[1..].trim() == text)
    };
    assert!(has('-', "\"weight\": 20"), "{out}");
    assert!(has('+', "\"weight\": 50"), "{out}");
    // Without the mTLS DestinationRule the clusters lose their TLS.
    assert!(
        out.contains("--- a/cds/outbound|7070|v1|echo.echo-grpc.svc.cluster.local"),
        "{out}"
    );
    assert!(has('-', "\"transportSocket\": {"), "{out}");
}

#[test]
fn serve_answers_an_ads_client_and_tracks_nonces() {
    let server = Server::start(&["testdata/xds"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let work = async {
            let mut client =
                AggregatedDiscoveryServiceClient::connect(format!("http://{}", server.address))
                    .await
                    .unwrap();
            let (sender, receiver) = tokio::sync::mpsc::channel(4);
            let node = Node {
                id: "sidecar~10.0.0.5~frontend-0.app~app.svc.cluster.local".into(),
                ..Default::default()
            };
            let lds = "type.googleapis.com/envoy.config.listener.v3.Listener";
            sender
                .send(DiscoveryRequest {
                    node: Some(node),
                    type_url: lds.into(),
                    resource_names: vec!["backend:7070".into(), "missing:1".into()],
                    ..Default::default()
                })
                .await
                .unwrap();
            let mut responses = client
                .stream_aggregated_resources(tokio_stream::wrappers::ReceiverStream::new(receiver))
                .await
                .unwrap()
                .into_inner();
            let first = responses.message().await.unwrap().unwrap();
            assert_eq!(first.type_url, lds);
            assert_eq!(first.resources.len(), 1);
            let listener = Listener::decode(first.resources[0].value.as_slice()).unwrap();
            assert_eq!(listener.name, "backend:7070");
            // ACK, then ask for the route configuration it names.
            sender
                .send(DiscoveryRequest {
                    type_url: lds.into(),
                    version_info: first.version_info.clone(),
                    response_nonce: first.nonce.clone(),
                    resource_names: vec!["backend:7070".into(), "missing:1".into()],
                    ..Default::default()
                })
                .await
                .unwrap();
            let rds = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
            sender
                .send(DiscoveryRequest {
                    type_url: rds.into(),
                    resource_names: vec!["outbound|7070||backend.app.svc.cluster.local".into()],
                    ..Default::default()
                })
                .await
                .unwrap();
            let second = responses.message().await.unwrap().unwrap();
            assert_eq!(
                second.type_url, rds,
                "an ACK with unchanged names is not answered"
            );
            let config = RouteConfiguration::decode(second.resources[0].value.as_slice()).unwrap();
            assert_eq!(config.virtual_hosts[0].routes.len(), 3);
            assert!(!second.nonce.is_empty());
        };
        tokio::time::timeout(Duration::from_secs(30), work)
            .await
            .expect("the exchange ends within 30 s");
    });
}

const CDS: &str = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
/// The node echo-grpc/echo-v1 runs as (`mesh xds bootstrap` writes it).
const ECHO_V1_NODE: &str = "sidecar~127.0.0.1~echo-v1.echo-grpc~echo-grpc.svc.cluster.local";

fn echo_cluster(subset: &str) -> String {
    format!("outbound|7070|{subset}|echo.echo-grpc.svc.cluster.local")
}

/// Opens an incremental ADS stream whose first request is `first`.
async fn delta_stream(
    address: &str,
    first: DeltaDiscoveryRequest,
) -> (
    tokio::sync::mpsc::Sender<DeltaDiscoveryRequest>,
    tonic::Streaming<DeltaDiscoveryResponse>,
) {
    let mut client = AggregatedDiscoveryServiceClient::connect(format!("http://{address}"))
        .await
        .unwrap();
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    sender.send(first).await.unwrap();
    let responses = client
        .delta_aggregated_resources(tokio_stream::wrappers::ReceiverStream::new(receiver))
        .await
        .unwrap()
        .into_inner();
    (sender, responses)
}

/// Each resource of a delta response, decoded: name → (version, cluster).
fn clusters_of(
    response: &DeltaDiscoveryResponse,
) -> std::collections::BTreeMap<String, (String, Cluster)> {
    assert_eq!(response.type_url, CDS);
    response
        .resources
        .iter()
        .map(|resource| {
            assert!(!resource.version.is_empty(), "{resource:?}");
            let any = resource.resource.as_ref().expect("a resource body");
            assert_eq!(any.type_url, CDS);
            let cluster = Cluster::decode(any.value.as_slice()).unwrap();
            assert_eq!(cluster.name, resource.name);
            (resource.name.clone(), (resource.version.clone(), cluster))
        })
        .collect()
}

#[test]
fn serve_answers_a_delta_ads_client() {
    let server = Server::start(&["testdata/echo-grpc/"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let work = async {
            let (v1, v2, all) = (echo_cluster("v1"), echo_cluster("v2"), echo_cluster(""));
            let node = Node {
                id: ECHO_V1_NODE.into(),
                ..Default::default()
            };
            let (sender, mut responses) = delta_stream(
                &server.address,
                DeltaDiscoveryRequest {
                    node: Some(node.clone()),
                    type_url: CDS.into(),
                    resource_names_subscribe: vec![v1.clone(), v2.clone()],
                    ..Default::default()
                },
            )
            .await;
            let first = responses.message().await.unwrap().unwrap();
            let received = clusters_of(&first);
            assert_eq!(received.keys().collect::<Vec<_>>(), [&v1, &v2]);
            assert!(first.removed_resources.is_empty());
            assert_ne!(received[&v1].0, received[&v2].0, "a version per resource");

            // ACK, and ask for a cluster that does not exist.
            let missing = "outbound|7070|v9|echo.echo-grpc.svc.cluster.local".to_string();
            sender
                .send(DeltaDiscoveryRequest {
                    type_url: CDS.into(),
                    response_nonce: first.nonce.clone(),
                    resource_names_subscribe: vec![missing.clone()],
                    ..Default::default()
                })
                .await
                .unwrap();
            server
                .log_line(&format!(": CDS ACK nonce {} ", first.nonce))
                .await;
            let second = responses.message().await.unwrap().unwrap();
            assert!(second.resources.is_empty(), "{second:?}");
            assert_eq!(second.removed_resources, [missing]);
            assert_ne!(second.nonce, first.nonce);

            sender
                .send(DeltaDiscoveryRequest {
                    type_url: CDS.into(),
                    response_nonce: second.nonce.clone(),
                    error_detail: Some(RpcStatus {
                        code: 3,
                        message: "cluster v9: no such subset".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await
                .unwrap();
            server
                .log_line(&format!(
                    ": CDS NACK nonce {}: cluster v9: no such subset",
                    second.nonce
                ))
                .await;
            drop(sender);
            drop(responses);

            // A new stream that holds what the first received: only the
            // cluster it does not hold comes.
            let (_sender, mut responses) = delta_stream(
                &server.address,
                DeltaDiscoveryRequest {
                    node: Some(node),
                    type_url: CDS.into(),
                    resource_names_subscribe: vec![v1.clone(), v2.clone(), all.clone()],
                    initial_resource_versions: received
                        .iter()
                        .map(|(name, (version, _))| (name.clone(), version.clone()))
                        .collect(),
                    ..Default::default()
                },
            )
            .await;
            let again = responses.message().await.unwrap().unwrap();
            assert_eq!(clusters_of(&again).keys().collect::<Vec<_>>(), [&all]);
            assert!(again.removed_resources.is_empty());
            // The log is read on its own thread: wait for the second
            // stream's line rather than race it.
            while server.log().matches("): node ").count() < 2 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), work)
            .await
            .expect("the exchange ends within 30 s");
    });
    let log = server.log();
    assert_eq!(log.matches("): node ").count(), 2, "{log}");
}

#[test]
fn serve_watch_pushes_a_delta_client_only_the_resource_that_changed() {
    let dir = tempfile::tempdir().unwrap();
    peers::copy_testdata("echo-grpc", dir.path());
    let server = Server::start(&[dir.path().to_str().unwrap(), "--watch"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let work = async {
            let (v1, v2) = (echo_cluster("v1"), echo_cluster("v2"));
            let (sender, mut responses) = delta_stream(
                &server.address,
                DeltaDiscoveryRequest {
                    node: Some(Node {
                        id: ECHO_V1_NODE.into(),
                        ..Default::default()
                    }),
                    type_url: CDS.into(),
                    resource_names_subscribe: vec![v1.clone(), v2.clone()],
                    ..Default::default()
                },
            )
            .await;
            let first = responses.message().await.unwrap().unwrap();
            let before = clusters_of(&first);
            assert_eq!(before.len(), 2);
            sender
                .send(DeltaDiscoveryRequest {
                    type_url: CDS.into(),
                    response_nonce: first.nonce.clone(),
                    ..Default::default()
                })
                .await
                .unwrap();
            server
                .log_line(&format!(": CDS ACK nonce {} ", first.nonce))
                .await;

            // A connection limit on subset v2 only; written whole, as editors do.
            let traffic = dir.path().join("traffic.yaml");
            let text = std::fs::read_to_string(&traffic).unwrap();
            let subset = "  - name: v2\n    labels:\n      version: v2\n";
            assert!(text.contains(subset));
            let limited = text.replace(
                subset,
                &format!("{subset}    trafficPolicy:\n      connectionPool:\n        http:\n          http2MaxRequests: 10\n"),
            );
            let staged = dir.path().join("traffic.yaml.new");
            std::fs::write(&staged, limited).unwrap();
            std::fs::rename(&staged, &traffic).unwrap();

            let pushed = responses.message().await.unwrap().unwrap();
            let after = clusters_of(&pushed);
            assert_eq!(after.keys().collect::<Vec<_>>(), [&v2], "only v2 changed");
            assert!(pushed.removed_resources.is_empty());
            let (version, cluster) = &after[&v2];
            assert_ne!(*version, before[&v2].0);
            let thresholds = &cluster.circuit_breakers.as_ref().unwrap().thresholds[0];
            assert_eq!(thresholds.max_requests.as_ref().map(|m| m.value), Some(10));
            server.log_line(": CDS push 1 resource(s) ").await;
        };
        tokio::time::timeout(Duration::from_secs(30), work)
            .await
            .expect("the exchange ends within 30 s");
    });
}

/// A state-of-the-world stream to `mesh xds serve` of testdata/xds, as its
/// client `app/frontend-0`, asking for the listener `backend:7070`: the
/// sender of further requests and the server's responses.
async fn frontend_stream(
    address: &str,
) -> (
    tokio::sync::mpsc::Sender<DiscoveryRequest>,
    tonic::Streaming<DiscoveryResponse>,
) {
    let mut client = AggregatedDiscoveryServiceClient::connect(format!("http://{address}"))
        .await
        .unwrap();
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    sender
        .send(DiscoveryRequest {
            node: Some(Node {
                id: "sidecar~10.0.0.5~frontend-0.app~app.svc.cluster.local".into(),
                ..Default::default()
            }),
            type_url: "type.googleapis.com/envoy.config.listener.v3.Listener".into(),
            resource_names: vec!["backend:7070".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let responses = client
        .stream_aggregated_resources(tokio_stream::wrappers::ReceiverStream::new(receiver))
        .await
        .unwrap()
        .into_inner();
    (sender, responses)
}

#[test]
fn serve_watch_keeps_the_last_good_config_after_a_yaml_error() {
    let (code, _, err) = mesh(&["xds", "serve", "-", "--watch"]);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("stdin (-) cannot be read twice"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mesh.yaml");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/xds/mesh.yaml"),
        &file,
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let server = Server::start(&[path, "--watch"]);
    let mut broken = std::fs::read_to_string(&file).unwrap();
    broken.push_str("---\nkind: [unclosed\n");
    // Renamed into place: a poll between truncating and writing the file
    // would read it empty, a valid config with nothing to serve.
    let staged = dir.path().join("mesh.yaml.new");
    std::fs::write(&staged, broken).unwrap();
    std::fs::rename(&staged, &file).unwrap();
    let shown = file.display().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    let error = loop {
        let log = server.log.lock().unwrap().clone();
        if let Some(line) = log
            .iter()
            .find(|l| l.starts_with(&format!("mesh xds serve: error: {shown}:")))
        {
            assert!(
                log.iter()
                    .any(|l| l.contains("still serving the last good config")),
                "{log:?}"
            );
            break line.clone();
        }
        assert!(Instant::now() < deadline, "no reload error logged: {log:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    // FILE:LINE:COLUMN: message.
    let position: Vec<&str> = error[format!("mesh xds serve: error: {shown}:").len()..]
        .splitn(3, ':')
        .collect();
    assert!(
        position[0].parse::<u32>().is_ok() && position[1].parse::<u32>().is_ok(),
        "{error}"
    );

    // The last good config is still served.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let work = async {
            let (_sender, mut responses) = frontend_stream(&server.address).await;
            let first = responses.message().await.unwrap().unwrap();
            assert_eq!(first.resources.len(), 1);
        };
        tokio::time::timeout(Duration::from_secs(30), work)
            .await
            .expect("the exchange ends within 30 s");
    });
    let log = server.log.lock().unwrap().join("\n");
    assert_eq!(
        log.matches("mesh xds serve: error:").count(),
        1,
        "logged once: {log}"
    );
}

#[test]
fn serve_stops_cleanly_on_sigterm_and_sigint() {
    for signal in ["TERM", "INT"] {
        let mut server = Server::start(&["testdata/xds"]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // A client holding its stream open, as gRPC clients do.
        let (sender, mut responses) = runtime.block_on(async {
            let (sender, mut responses) = frontend_stream(&server.address).await;
            responses.message().await.unwrap().unwrap();
            (sender, responses)
        });
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &server.child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = server.child.0.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "SIG{signal}: still running");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "SIG{signal}: {status}");
        // The open stream ends rather than hanging.
        let ended = runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(5), responses.message()).await
        });
        assert!(
            matches!(ended, Ok(Ok(None)) | Ok(Err(_))),
            "SIG{signal}: {ended:?}"
        );
        drop(sender);
        std::thread::sleep(Duration::from_millis(100));
        let log = server.log.lock().unwrap().join("\n");
        assert!(
            log.contains("mesh xds serve: stopping") && log.contains("mesh xds serve: stopped"),
            "SIG{signal}: {log}"
        );
    }
}

#[test]
fn serve_reports_a_taken_port() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let (code, _, err) = mesh(&["xds", "serve", "testdata/xds", "--listen", &address]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("cannot listen on {address}")),
        "{err}"
    );
}

/// Runs `work` on a runtime of its own, failing the test after `within`.
fn bounded<F: std::future::Future>(within: Duration, work: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        tokio::time::timeout(within, work)
            .await
            .unwrap_or_else(|_| panic!("not done within {within:?}"))
    })
}

/// The status that ends a state-of-the-world stream whose first request is
/// `first`.
async fn sotw_refusal(address: &str, first: DiscoveryRequest) -> tonic::Status {
    let mut client = AggregatedDiscoveryServiceClient::connect(format!("http://{address}"))
        .await
        .unwrap();
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    sender.send(first).await.unwrap();
    let ended = match client
        .stream_aggregated_resources(tokio_stream::wrappers::ReceiverStream::new(receiver))
        .await
    {
        Err(status) => status,
        Ok(responses) => responses
            .into_inner()
            .message()
            .await
            .expect_err("the stream ends with an error status"),
    };
    drop(sender);
    ended
}

/// The log lines of stream `id`, once it has closed.
async fn stream_log(server: &Server, id: u64) -> Vec<String> {
    let prefix = format!("mesh xds serve: stream {id}");
    server.log_line(&format!("{prefix} (")).await;
    while !server
        .log()
        .lines()
        .any(|l| l.starts_with(&prefix) && l.ends_with(") closed"))
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server
        .log()
        .lines()
        .filter(|l| l.starts_with(&format!("{prefix} ")) || l.starts_with(&format!("{prefix}:")))
        .map(str::to_string)
        .collect()
}

fn frontend_request(type_url: &str, resource_names: Vec<String>) -> DiscoveryRequest {
    DiscoveryRequest {
        node: Some(Node {
            id: "sidecar~10.0.0.5~frontend-0.app~app.svc.cluster.local".into(),
            ..Default::default()
        }),
        type_url: type_url.into(),
        resource_names,
        ..Default::default()
    }
}

/// The tester's request: 400,000 names (16 MB) is over the default
/// --max-request-bytes (4 MiB): RESOURCE_EXHAUSTED, and one log line
/// rather than one per name.
#[test]
fn serve_refuses_an_oversized_request_in_one_log_line() {
    let server = Server::start(&["testdata/xds"]);
    let names: Vec<String> = (0..400_000)
        .map(|i| format!("outbound|7070||missing-{i:06}.app.svc.cluster.local"))
        .collect();
    bounded(Duration::from_secs(60), async {
        let status = sotw_refusal(&server.address, frontend_request(CDS, names)).await;
        assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
        assert!(
            status.message().contains("4194304")
                && status.message().contains("--max-request-bytes"),
            "{status:?}"
        );
        let lines = stream_log(&server, 1).await;
        assert_eq!(lines.len(), 2, "the refusal and the close: {lines:#?}");
        assert!(lines[0].contains("ResourceExhausted"), "{lines:#?}");
    });
    assert!(!server.log().contains("note:"), "{}", server.log());
}

/// Over --max-resource-names: a state-of-the-world request, and an
/// incremental subscription that grows past it over two requests.
#[test]
fn serve_refuses_more_resource_names_than_the_cap() {
    let server = Server::start(&["testdata/echo-grpc", "--max-resource-names", "100"]);
    let names = |from: usize, count: usize| -> Vec<String> {
        (from..from + count)
            .map(|i| format!("outbound|7070|s{i}|echo.echo-grpc.svc.cluster.local"))
            .collect()
    };
    bounded(Duration::from_secs(30), async {
        let mut request = frontend_request(CDS, names(0, 101));
        request.node.as_mut().unwrap().id = ECHO_V1_NODE.into();
        let status = sotw_refusal(&server.address, request).await;
        assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
        assert!(
            status.message().contains("101") && status.message().contains("--max-resource-names"),
            "{status:?}"
        );
        let lines = stream_log(&server, 1).await;
        assert_eq!(lines.len(), 2, "the refusal and the close: {lines:#?}");

        // At the cap is served.
        let mut request = frontend_request(CDS, names(0, 100));
        request.node.as_mut().unwrap().id = ECHO_V1_NODE.into();
        let (_sotw, mut responses) = {
            let mut client =
                AggregatedDiscoveryServiceClient::connect(format!("http://{}", server.address))
                    .await
                    .unwrap();
            let (sender, receiver) = tokio::sync::mpsc::channel(4);
            sender.send(request).await.unwrap();
            let responses = client
                .stream_aggregated_resources(tokio_stream::wrappers::ReceiverStream::new(receiver))
                .await
                .unwrap()
                .into_inner();
            (sender, responses)
        };
        assert_eq!(responses.message().await.unwrap().unwrap().type_url, CDS);

        // Incremental: 60 names, then 60 more.
        let (sender, mut responses) = delta_stream(
            &server.address,
            DeltaDiscoveryRequest {
                node: Some(Node {
                    id: ECHO_V1_NODE.into(),
                    ..Default::default()
                }),
                type_url: CDS.into(),
                resource_names_subscribe: names(0, 60),
                ..Default::default()
            },
        )
        .await;
        let first = responses.message().await.unwrap().unwrap();
        sender
            .send(DeltaDiscoveryRequest {
                type_url: CDS.into(),
                response_nonce: first.nonce,
                resource_names_subscribe: names(60, 60),
                ..Default::default()
            })
            .await
            .unwrap();
        let status = responses.message().await.expect_err("refused");
        assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
        assert!(
            status.message().contains("120") && status.message().contains("100"),
            "{status:?}"
        );
    });
    let log = server.log();
    assert_eq!(log.matches("ResourceExhausted").count(), 2, "{log}");
    // 100 and 60 missing subsets: ten notes a response, and a count.
    assert_eq!(
        log.matches(": note: ").count(),
        22,
        "notes are capped: {log}"
    );
    assert!(log.contains(": note: 90 more note(s) not shown"), "{log}");
}

/// A request for a type the server does not serve ends the stream with
/// UNIMPLEMENTED naming the type, in either protocol.
#[test]
fn serve_ends_a_stream_asking_for_a_type_not_served() {
    let server = Server::start(&["testdata/xds"]);
    let secret = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
    let runtime = "type.googleapis.com/envoy.service.runtime.v3.Runtime";
    bounded(Duration::from_secs(30), async {
        let status = sotw_refusal(
            &server.address,
            frontend_request(secret, vec!["default".into()]),
        )
        .await;
        assert_eq!(status.code(), tonic::Code::Unimplemented, "{status:?}");
        assert!(status.message().contains(secret), "{status:?}");
        let lines = stream_log(&server, 1).await;
        assert_eq!(lines.len(), 2, "{lines:#?}");
        assert!(
            lines[0].contains(": Unimplemented: type ") && lines[0].contains(secret),
            "{lines:#?}"
        );

        let (_sender, mut responses) = delta_stream(
            &server.address,
            DeltaDiscoveryRequest {
                node: Some(Node {
                    id: "sidecar~10.0.0.5~frontend-0.app~app.svc.cluster.local".into(),
                    ..Default::default()
                }),
                type_url: runtime.into(),
                ..Default::default()
            },
        )
        .await;
        let status = responses.message().await.expect_err("refused");
        assert_eq!(status.code(), tonic::Code::Unimplemented, "{status:?}");
        assert!(status.message().contains(runtime), "{status:?}");
    });
}

/// --idle-timeout: a connection with no stream (an HTTP/2 client that
/// opened none, or a TCP peer that never spoke) is closed; one with an open
/// ADS stream is kept past it, however quiet.
#[test]
fn serve_closes_idle_connections_but_not_ones_with_an_ads_stream() {
    let server = Server::start(&["testdata/xds", "--idle-timeout", "1"]);
    bounded(Duration::from_secs(30), async {
        let (sender, mut responses) = frontend_stream(&server.address).await;
        let first = responses.message().await.unwrap().unwrap();

        let started = Instant::now();
        let tcp = tokio::net::TcpStream::connect(&server.address)
            .await
            .unwrap();
        let (_requests, http2) = hyper::client::conn::http2::handshake::<
            _,
            _,
            http_body_util::Empty<hyper::body::Bytes>,
        >(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(tcp),
        )
        .await
        .unwrap();
        let mut silent = tokio::net::TcpStream::connect(&server.address)
            .await
            .unwrap();
        let http2_closed = tokio::spawn(async move {
            let _ = http2.await;
            started.elapsed()
        });
        let silent_closed = tokio::spawn(async move {
            let mut buffer = [0u8; 64];
            // EOF or a reset: closed either way.
            while let Ok(read) = tokio::io::AsyncReadExt::read(&mut silent, &mut buffer).await {
                if read == 0 {
                    break;
                }
            }
            started.elapsed()
        });
        let http2_after = http2_closed.await.unwrap();
        let silent_after = silent_closed.await.unwrap();
        for after in [http2_after, silent_after] {
            assert!(
                after >= Duration::from_millis(900) && after < Duration::from_secs(10),
                "closed after {after:?}"
            );
        }

        // Well past the timeout, the ADS stream still answers.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(started.elapsed() > Duration::from_secs(3));
        sender
            .send(DiscoveryRequest {
                type_url: first.type_url.clone(),
                version_info: first.version_info.clone(),
                response_nonce: first.nonce.clone(),
                resource_names: vec!["backend:7070".into()],
                ..Default::default()
            })
            .await
            .unwrap();
        sender
            .send(DiscoveryRequest {
                type_url: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration".into(),
                resource_names: vec!["outbound|7070||backend.app.svc.cluster.local".into()],
                ..Default::default()
            })
            .await
            .unwrap();
        let routes = responses.message().await.unwrap().unwrap();
        assert_eq!(routes.resources.len(), 1, "{routes:?}");
        // Checked while the client still holds it: it closes when the test ends.
        assert!(!server.log().contains(") closed"), "{}", server.log());
    });
}

/// The real proxyless client: Python grpcio (C-core's xDS client) against
/// `mesh xds serve`, checked through the client's own CSDS.
#[test]
fn real_grpc_client_acks_what_serve_sends() {
    let Some(python) = peers::python("gRPC client") else {
        return;
    };
    let repo = env!("CARGO_MANIFEST_DIR");
    let server = Server::start(&["testdata/echo-grpc", "testdata/xds"]);
    let (code, bootstrap, err) = mesh(&[
        "xds",
        "bootstrap",
        "testdata/echo-grpc",
        "--workload",
        "echo-grpc/echo-v1",
        "--xds-address",
        &server.address,
    ]);
    assert_eq!(code, 0, "{err}");
    let dir = tempfile::tempdir().unwrap();
    let bootstrap_path = dir.path().join("bootstrap.json");
    std::fs::write(&bootstrap_path, bootstrap).unwrap();
    let mut client = Command::new(&python)
        .arg(format!("{repo}/tests/peers/xds_client.py"))
        .args(["--timeout", "40"])
        .args(["--target", "xds:///echo.echo-grpc.svc.cluster.local:7070"])
        .args(["--target", "xds:///payments.internal:9000"])
        .args(["--target", "xds:///backend.app.svc.cluster.local:7070"])
        .env("GRPC_XDS_BOOTSTRAP", &bootstrap_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = client.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = client.kill();
            let _ = client.wait();
            panic!("the gRPC client did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut out = String::new();
    std::io::Read::read_to_string(&mut client.stdout.take().unwrap(), &mut out).unwrap();
    assert!(
        status.success(),
        "the client timed out waiting for answers:\n{out}"
    );
    let resources: Vec<Json> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let status_of = |kind: &str, name: &str| {
        resources
            .iter()
            .find(|r| r["type"] == kind && r["name"] == name)
            .map(|r| r["status"].as_str().unwrap_or_default().to_string())
    };
    let echo = "echo.echo-grpc.svc.cluster.local";
    for (kind, name) in [
        ("Listener", format!("{echo}:7070")),
        ("RouteConfiguration", format!("outbound|7070||{echo}")),
        ("Cluster", format!("outbound|7070|v1|{echo}")),
        ("Cluster", format!("outbound|7070|v2|{echo}")),
        ("ClusterLoadAssignment", format!("outbound|7070|v1|{echo}")),
        ("ClusterLoadAssignment", format!("outbound|7070|v2|{echo}")),
        ("Listener", "payments.internal:9000".to_string()),
        (
            "RouteConfiguration",
            "outbound|9000||payments.internal".to_string(),
        ),
        ("Cluster", "outbound|9000||payments.internal".to_string()),
        (
            "ClusterLoadAssignment",
            "outbound|9000||payments.internal".to_string(),
        ),
    ] {
        assert_eq!(
            status_of(kind, &name).as_deref(),
            Some("ACKED"),
            "{kind} {name}:\n{out}"
        );
    }
    // C-core rejects LEAST_REQUEST (spec §4.3): the NACK reaches our log with its reason.
    assert_eq!(
        status_of("Cluster", "outbound|7070|v1|backend.app.svc.cluster.local").as_deref(),
        Some("NACKED"),
        "{out}"
    );
    let log = server.log.lock().unwrap().join("\n");
    assert!(
        log.contains("CDS NACK") && log.contains("LB policy is not supported"),
        "{log}"
    );
}
