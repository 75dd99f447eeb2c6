//! A CSDS server with a canned response, for `scripts/bench-proxy-config.py`
//! and `scripts/bench-proxy-status.py`: the resources of
//! `testdata/proxy-config/csds-echo-grpc.json` (what a real grpcio app held:
//! one listener, route, two clusters and two endpoint sets per target)
//! copied for as many services as it takes to reach the asked count, one
//! `ClientConfig` per target as gRPC reports them; with `--template`, that
//! app's response as it is.
//!
//!     cargo run --release --example csds_server -- 5000
//!     cargo run --example csds_server -- --template --listeners 50 --silent 5
//!
//! Prints `listening on 127.0.0.1:PORT` for each of `--listeners` (1), then
//! `silent on 127.0.0.1:PORT` for each of `--silent` (0) ports that accept
//! connections and never answer, then `resources N` (per listener); serves
//! `FetchClientStatus` until stdin closes or 600 s pass.

use std::io::Read;
use std::pin::Pin;
use std::time::Duration;

use envoy_types::pb::envoy::admin::v3::ClientResourceStatus;
use envoy_types::pb::envoy::config::core::v3::Node;
use envoy_types::pb::envoy::service::status::v3::client_config::GenericXdsConfig;
use envoy_types::pb::envoy::service::status::v3::client_status_discovery_service_server::{
    ClientStatusDiscoveryService, ClientStatusDiscoveryServiceServer,
};
use envoy_types::pb::envoy::service::status::v3::{
    ClientConfig, ClientStatusRequest, ClientStatusResponse,
};
use envoy_types::pb::google::protobuf::Timestamp;
use serde_json::Value as Json;
use tonic::{Request, Response, Status, Streaming};

const TEMPLATE: &str = include_str!("../testdata/proxy-config/csds-echo-grpc.json");
const HOST: &str = "echo.echo-grpc.svc.cluster.local";

/// One target's `ClientConfig`, the template's host replaced by `host`.
fn client_config(template: &Json, host: &str) -> Result<ClientConfig, String> {
    let text = serde_json::to_string(template).map_err(|e| e.to_string())?;
    let config: Json =
        serde_json::from_str(&text.replace(HOST, host)).map_err(|e| e.to_string())?;
    let mut generic = Vec::new();
    for item in config["genericXdsConfigs"].as_array().into_iter().flatten() {
        let text = |key: &str| item[key].as_str().unwrap_or_default().to_string();
        let xds_config = match item.get("xdsConfig") {
            Some(json) => Some(mesh::xds::json::json_to_any(json).map_err(|e| e.to_string())?),
            None => None,
        };
        generic.push(GenericXdsConfig {
            type_url: text("typeUrl"),
            name: text("name"),
            version_info: text("versionInfo"),
            xds_config,
            last_updated: Some(Timestamp {
                seconds: 1_795_300_000,
                nanos: 0,
            }),
            client_status: ClientResourceStatus::from_str_name(&text("clientStatus"))
                .unwrap_or(ClientResourceStatus::Unknown) as i32,
            ..Default::default()
        });
    }
    Ok(ClientConfig {
        node: Some(Node {
            id: config["node"]["id"].as_str().unwrap_or_default().into(),
            user_agent_name: "gRPC C-core linux Python".into(),
            ..Default::default()
        }),
        generic_xds_configs: generic,
        client_scope: format!("xds:/{host}:7070"),
        ..Default::default()
    })
}

fn response(resources: usize) -> Result<ClientStatusResponse, String> {
    let template: Json = serde_json::from_str(TEMPLATE).map_err(|e| e.to_string())?;
    let template = &template["config"][0];
    let mut config = Vec::new();
    let mut count = 0;
    let mut service = 0;
    while count < resources {
        let host = format!("svc-{service}.ns-{}.svc.cluster.local", service % 10);
        let client = client_config(template, &host)?;
        count += client.generic_xds_configs.len();
        config.push(client);
        service += 1;
    }
    Ok(ClientStatusResponse { config })
}

struct Canned(ClientStatusResponse);

type Replies =
    Pin<Box<dyn tokio_stream::Stream<Item = Result<ClientStatusResponse, Status>> + Send>>;

#[tonic::codegen::async_trait]
impl ClientStatusDiscoveryService for Canned {
    type StreamClientStatusStream = Replies;

    async fn stream_client_status(
        &self,
        _request: Request<Streaming<ClientStatusRequest>>,
    ) -> Result<Response<Replies>, Status> {
        Err(Status::unimplemented("only FetchClientStatus"))
    }

    async fn fetch_client_status(
        &self,
        _request: Request<ClientStatusRequest>,
    ) -> Result<Response<ClientStatusResponse>, Status> {
        Ok(Response::new(self.0.clone()))
    }
}

/// The command line: `[RESOURCES] [--template] [--listeners N] [--silent N]`.
struct Options {
    resources: usize,
    template: bool,
    listeners: usize,
    silent: usize,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        resources: 5000,
        template: false,
        listeners: 1,
        silent: 0,
    };
    let mut args = std::env::args().skip(1);
    let count = |text: Option<String>| -> Result<usize, String> {
        let text = text.unwrap_or_default();
        text.parse()
            .map_err(|_| format!("expected a count, found {text:?}"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--template" => options.template = true,
            "--listeners" => options.listeners = count(args.next())?,
            "--silent" => options.silent = count(args.next())?,
            _ => options.resources = count(Some(arg))?,
        }
    }
    Ok(options)
}

fn main() -> Result<(), String> {
    let options = options()?;
    let canned = if options.template {
        let template: Json = serde_json::from_str(TEMPLATE).map_err(|e| e.to_string())?;
        ClientStatusResponse {
            config: vec![client_config(&template["config"][0], HOST)?],
        }
    } else {
        response(options.resources)?
    };
    let resources: usize = canned
        .config
        .iter()
        .map(|c| c.generic_xds_configs.len())
        .sum();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let mut listeners = Vec::new();
        for _ in 0..options.listeners {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| e.to_string())?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            println!("listening on {addr}");
            listeners.push(listener);
        }
        for _ in 0..options.silent {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| e.to_string())?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            println!("silent on {addr}");
            // Accepts and holds every connection, never a byte back.
            tokio::spawn(async move {
                let mut held = Vec::new();
                while let Ok((connection, _)) = listener.accept().await {
                    held.push(connection);
                }
            });
        }
        println!("resources {resources}");
        // Stop when the caller closes stdin (or is gone), or after 600 s.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        std::thread::spawn(move || {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            let _ = stop.send(true);
        });
        let mut servers = Vec::new();
        for listener in listeners {
            let mut stopped = stopped.clone();
            let service = ClientStatusDiscoveryServiceServer::new(Canned(canned.clone()));
            servers.push(tokio::spawn(async move {
                let shutdown = async move {
                    tokio::select! {
                        _ = stopped.wait_for(|stop| *stop) => {}
                        _ = tokio::time::sleep(Duration::from_secs(600)) => {}
                    }
                };
                tonic::transport::Server::builder()
                    .serve_with_incoming_shutdown(
                        service,
                        tokio_stream::wrappers::TcpListenerStream::new(listener),
                        shutdown,
                    )
                    .await
                    .map_err(|e| e.to_string())
            }));
        }
        for server in servers {
            server.await.map_err(|e| e.to_string())??;
        }
        Ok(())
    })
}
