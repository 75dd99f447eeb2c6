//! The gRPC xDS bootstrap file istio-agent (`grpc-agent`) or the
//! `grpc-simple` init container writes for a workload (spec §6).

use serde_json::{json, Map, Value as Json};

use super::names::SERVER_LISTENER_PREFIX;
use super::tls::PROVIDER_INSTANCE;
use super::Proxy;

/// Which injection template wrote the bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Flavour {
    /// istio-agent beside the app: xDS over a local socket, certificates on disk.
    GrpcAgent,
    /// An init container: plaintext xDS straight to istiod, no certificates.
    GrpcSimple,
}

/// Where things are.
#[derive(Debug, Clone)]
pub struct BootstrapOptions {
    pub flavour: Flavour,
    /// `HOST:PORT` of the xDS server, instead of the flavour's default.
    pub xds_address: Option<String>,
    /// Directory of `cert-chain.pem`, `key.pem`, `root-cert.pem`.
    pub cert_dir: String,
    /// The namespace istiod runs in (grpc-simple's default server).
    pub istio_namespace: String,
    pub cluster_domain: String,
}

/// istio-agent's `OUTPUT_CERTS` directory in the grpc-agent template.
pub const DEFAULT_CERT_DIR: &str = "/var/lib/istio/data";

/// The bootstrap as JSON (`json.MarshalIndent` order is not significant to gRPC).
pub fn bootstrap(proxy: &Proxy, options: &BootstrapOptions) -> Json {
    let server_uri = match (&options.xds_address, options.flavour) {
        (Some(address), _) => address.clone(),
        (None, Flavour::GrpcAgent) => "unix:///etc/istio/proxy/XDS".to_string(),
        (None, Flavour::GrpcSimple) => {
            format!("dns:///istiod.{}.svc:15010", options.istio_namespace)
        }
    };
    let xds_servers = json!([{
        "server_uri": server_uri,
        "channel_creds": [{"type": "insecure"}],
        "server_features": ["xds_v3"],
    }]);
    let ip = proxy.ip.as_deref().unwrap_or(super::proxy::DEFAULT_IP);
    match options.flavour {
        Flavour::GrpcSimple => json!({
            "xds_servers": xds_servers,
            "node": {
                // The init container's id: the cluster domain alone as the last part.
                "id": format!("sidecar~{ip}~{}.{}~{}", proxy.pod_name, proxy.namespace, options.cluster_domain),
                "metadata": {"GENERATOR": "grpc"},
            },
        }),
        Flavour::GrpcAgent => {
            let mut metadata = Map::new();
            metadata.insert("CLUSTER_ID".into(), json!("Kubernetes"));
            metadata.insert("GENERATOR".into(), json!("grpc"));
            metadata.insert("INSTANCE_IPS".into(), json!(ip));
            if !proxy.labels.is_empty() {
                metadata.insert("LABELS".into(), json!(proxy.labels));
            }
            metadata.insert("NAME".into(), json!(proxy.pod_name));
            metadata.insert("NAMESPACE".into(), json!(proxy.namespace));
            metadata.insert("SERVICE_ACCOUNT".into(), json!(proxy.service_account));
            if let Some(workload) = &proxy.workload {
                metadata.insert("WORKLOAD_NAME".into(), json!(workload.name));
            }
            let dir = options.cert_dir.trim_end_matches('/');
            json!({
                "xds_servers": xds_servers,
                "node": {
                    "id": proxy.id,
                    "metadata": metadata,
                    "locality": {},
                },
                "certificate_providers": {
                    PROVIDER_INSTANCE: {
                        "plugin_name": "file_watcher",
                        "config": {
                            "certificate_file": format!("{dir}/cert-chain.pem"),
                            "private_key_file": format!("{dir}/key.pem"),
                            "ca_certificate_file": format!("{dir}/root-cert.pem"),
                            "refresh_interval": "900s",
                        },
                    },
                },
                "server_listener_resource_name_template": format!("{SERVER_LISTENER_PREFIX}%s"),
            })
        }
    }
}
