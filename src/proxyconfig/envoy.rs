//! Envoy admin client: `GET /config_dump?include_eds`,
//! `GET /clusters?format=json` and `POST /logging` over plain HTTP/1.1, with
//! one time limit on connects and requests together and a cap on the size of
//! each answer.

use std::time::Duration;

use http_body_util::BodyExt;
use serde_json::Value as Json;

use super::dump::MAX_DUMP_BYTES;
use super::live::ReachError;

/// The config dump path: every resource, endpoints included (istioctl's `all`).
pub const CONFIG_DUMP_PATH: &str = "/config_dump?include_eds";
/// The host statuses istioctl's endpoint table reads.
pub const CLUSTERS_PATH: &str = "/clusters?format=json";

/// Why an admin request failed; each prints as one line.
#[derive(Debug, thiserror::Error)]
pub enum EnvoyError {
    #[error(transparent)]
    Reach(#[from] ReachError),
    #[error("{addr} did not answer {path} over plain HTTP (a TLS or non-HTTP port?): {reason}")]
    Http {
        addr: String,
        path: String,
        reason: String,
    },
    #[error("{addr}{path} answered HTTP {status}{}", if reason.is_empty() { String::new() } else { format!(": {reason}") })]
    Status {
        addr: String,
        path: String,
        status: String,
        /// The first line of the body (Envoy says why it refused), if any.
        reason: String,
    },
    #[error("{addr}{path}: the answer is larger than {MAX_DUMP_BYTES} bytes")]
    TooLarge { addr: String, path: String },
    #[error("{addr}{path}: not JSON: {reason}")]
    NotJson {
        addr: String,
        path: String,
        reason: String,
    },
}

/// What the admin API answered.
#[derive(Debug, Clone)]
pub struct AdminAnswers {
    /// `/config_dump?include_eds`.
    pub config_dump: Json,
    /// `/clusters?format=json`.
    pub clusters: Json,
}

/// Fetches the config dump and host statuses of the Envoy admin at `addr`
/// (`HOST:PORT`), within `timeout` for everything.
pub fn fetch(addr: &str, timeout: Duration) -> Result<AdminAnswers, EnvoyError> {
    super::live::within(addr, timeout, async {
        let config_dump = get_json(addr, CONFIG_DUMP_PATH).await?;
        let clusters = get_json(addr, CLUSTERS_PATH).await?;
        Ok(AdminAnswers {
            config_dump,
            clusters,
        })
    })
}

async fn get_json(addr: &str, path: &str) -> Result<Json, EnvoyError> {
    let body = get(addr, path).await?;
    serde_json::from_slice(&body).map_err(|e| EnvoyError::NotJson {
        addr: addr.into(),
        path: path.into(),
        reason: e.to_string(),
    })
}

/// One GET on its own connection; the body whole, or an error past the cap.
async fn get(addr: &str, path: &str) -> Result<Vec<u8>, EnvoyError> {
    request(addr, http::Method::GET, path).await
}

/// One POST (Envoy's mutating admin paths, such as `/logging`), as [`get`].
pub(crate) async fn post(addr: &str, path: &str) -> Result<Vec<u8>, EnvoyError> {
    request(addr, http::Method::POST, path).await
}

/// Refusals are short (Envoy's usage text and logger list); past this, no reason is given.
const MAX_REFUSAL_BYTES: usize = 64 * 1024;

async fn request(addr: &str, method: http::Method, path: &str) -> Result<Vec<u8>, EnvoyError> {
    let http_error = |e: &dyn std::error::Error| EnvoyError::Http {
        addr: addr.into(),
        path: path.into(),
        reason: super::csds::error_chain(e),
    };
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| ReachError::Connect {
            addr: addr.into(),
            reason: e.to_string(),
        })?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| http_error(&e))?;
    // Drives the connection; it ends when the sender and response are dropped.
    let driver = tokio::spawn(connection);
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::HOST, addr)
        .header(http::header::ACCEPT, "application/json")
        .body(http_body_util::Empty::<&'static [u8]>::new())
        .map_err(|_| ReachError::BadAddress { addr: addr.into() })?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| http_error(&e))?;
    if response.status() != http::StatusCode::OK {
        let status = response.status().to_string();
        // Whatever part of the refusal arrives in time and within the cap.
        let body = tokio::time::timeout(
            std::time::Duration::from_millis(500),
            http_body_util::Limited::new(response.into_body(), MAX_REFUSAL_BYTES).collect(),
        )
        .await;
        driver.abort();
        let text = match body {
            Ok(Ok(body)) => String::from_utf8_lossy(&body.to_bytes()).into_owned(),
            _ => String::new(),
        };
        let reason = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default()
            .to_string();
        return Err(EnvoyError::Status {
            addr: addr.into(),
            path: path.into(),
            status,
            reason,
        });
    }
    let too_large = || EnvoyError::TooLarge {
        addr: addr.into(),
        path: path.into(),
    };
    // A declared length past the cap fails before any byte of the body is read.
    let declared = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_DUMP_BYTES as u64) {
        driver.abort();
        return Err(too_large());
    }
    let collected = http_body_util::Limited::new(response.into_body(), MAX_DUMP_BYTES)
        .collect()
        .await;
    driver.abort();
    match collected {
        Ok(body) => Ok(body.to_bytes().to_vec()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(e) => Err(http_error(e.as_ref())),
    }
}

/// One row of istioctl's endpoint table, from `/clusters?format=json`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HostStatus {
    /// `ip:port`, `unix://path` or `envoy://listener/id`.
    pub endpoint: String,
    /// `eds_health_status` (`HEALTHY`, `UNHEALTHY`…).
    pub status: String,
    /// `FAILED` or `OK`.
    pub outlier_check: String,
    pub cluster: String,
}

impl HostStatus {
    /// The record printed by `-o json|yaml`.
    pub fn to_json(&self) -> Json {
        serde_json::json!({
            "endpoint": self.endpoint,
            "status": self.status,
            "outlierCheck": self.outlier_check,
            "cluster": self.cluster,
        })
    }
}

/// The host statuses of every cluster, sorted as istioctl sorts them
/// (address, then port, then cluster). Unknown shapes give no rows.
pub fn host_statuses(clusters: &Json) -> Vec<HostStatus> {
    let mut out = Vec::new();
    let statuses = clusters
        .get("cluster_statuses")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for cluster in statuses {
        let name = cluster.get("name").and_then(Json::as_str).unwrap_or("-");
        for host in cluster
            .get("host_statuses")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let health = host.get("health_status");
            let flag = |key: &str| {
                health
                    .and_then(|h| h.get(key))
                    .and_then(Json::as_bool)
                    .unwrap_or(false)
            };
            out.push(HostStatus {
                endpoint: host_address(host.get("address")),
                status: health
                    .and_then(|h| h.get("eds_health_status"))
                    .and_then(Json::as_str)
                    .unwrap_or("UNKNOWN")
                    .to_string(),
                outlier_check: if flag("failed_outlier_check") {
                    "FAILED"
                } else {
                    "OK"
                }
                .to_string(),
                cluster: name.to_string(),
            });
        }
    }
    out.sort_by(|a, b| {
        let (a_ip, a_port) = split_port(&a.endpoint);
        let (b_ip, b_port) = split_port(&b.endpoint);
        (a_ip, a_port, &a.cluster).cmp(&(b_ip, b_port, &b.cluster))
    });
    out
}

/// `ip:port` split for sorting; ports compare as numbers.
fn split_port(endpoint: &str) -> (&str, u64) {
    match endpoint.rsplit_once(':') {
        Some((ip, port)) => match port.parse() {
            Ok(port) => (ip, port),
            Err(_) => (endpoint, 0),
        },
        None => (endpoint, 0),
    }
}

fn host_address(address: Option<&Json>) -> String {
    let Some(address) = address else {
        return "-".into();
    };
    if let Some(socket) = address.get("socket_address") {
        let ip = socket.get("address").and_then(Json::as_str).unwrap_or("");
        let port = socket.get("port_value").and_then(Json::as_u64).unwrap_or(0);
        return format!("{ip}:{port}");
    }
    if let Some(path) = address
        .get("pipe")
        .and_then(|p| p.get("path"))
        .and_then(Json::as_str)
    {
        return format!("unix://{path}");
    }
    if let Some(internal) = address.get("envoy_internal_address") {
        let listener = internal
            .get("server_listener_name")
            .and_then(Json::as_str)
            .unwrap_or("");
        let id = internal
            .get("endpoint_id")
            .and_then(Json::as_str)
            .unwrap_or("");
        return format!("envoy://{listener}/{id}");
    }
    "-".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_statuses_of_the_captured_envoy() {
        let clusters: Json = serde_json::json!({"cluster_statuses": [
            {"name": "b", "host_statuses": [
                {"address": {"socket_address": {"address": "10.0.0.2", "port_value": 80}},
                 "health_status": {"eds_health_status": "HEALTHY", "failed_outlier_check": true}},
                {"address": {"pipe": {"path": "/s"}}, "health_status": {}}]},
            {"name": "a", "host_statuses": [
                {"address": {"socket_address": {"address": "10.0.0.2", "port_value": 9}},
                 "health_status": {"eds_health_status": "UNHEALTHY"}}]}]});
        let rows = host_statuses(&clusters);
        let cells: Vec<(&str, &str, &str, &str)> = rows
            .iter()
            .map(|h| {
                (
                    h.endpoint.as_str(),
                    h.status.as_str(),
                    h.outlier_check.as_str(),
                    h.cluster.as_str(),
                )
            })
            .collect();
        assert_eq!(
            cells,
            vec![
                ("10.0.0.2:9", "UNHEALTHY", "OK", "a"),
                ("10.0.0.2:80", "HEALTHY", "FAILED", "b"),
                ("unix:///s", "UNKNOWN", "OK", "b"),
            ]
        );
        assert!(host_statuses(&serde_json::json!([1])).is_empty());
    }

    #[test]
    fn addresses_must_be_host_port() {
        for bad in ["http://a:1", "nohost", "a b:1", "a:1/x"] {
            assert!(matches!(
                fetch(bad, Duration::from_secs(1)),
                Err(EnvoyError::Reach(ReachError::BadAddress { .. }))
            ));
        }
    }
}
