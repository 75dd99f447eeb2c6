//! What both ways of asking a live workload share — CSDS over gRPC
//! ([`super::csds`]) and Envoy's admin API over HTTP ([`super::envoy`]):
//! the address check, a one-thread runtime, one time limit over the whole
//! exchange, and the failures that are not about the protocol.

use std::future::Future;
use std::time::Duration;

/// Why a workload could not be reached; each prints as one line.
#[derive(Debug, thiserror::Error)]
pub enum ReachError {
    #[error("bad address {addr:?}: expected HOST:PORT")]
    BadAddress { addr: String },
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error("{addr} did not answer within {seconds:.1}s")]
    Timeout { addr: String, seconds: f64 },
    #[error("cannot start the network runtime: {0}")]
    Runtime(String),
}

/// A gRPC channel to `addr` (plaintext HTTP/2), connected within `timeout`;
/// every call on it is bounded by `timeout` too.
pub async fn connect(
    addr: &str,
    timeout: Duration,
) -> Result<tonic::transport::Channel, ReachError> {
    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|_| ReachError::BadAddress { addr: addr.into() })?
        .connect_timeout(timeout)
        .timeout(timeout);
    endpoint.connect().await.map_err(|e| ReachError::Connect {
        addr: addr.into(),
        reason: super::csds::error_chain(&e),
    })
}

/// A failed call's status as one line: its code, then its message if any.
pub fn status_text(status: &tonic::Status) -> String {
    let message = status.message().trim();
    if message.is_empty() {
        format!("{:?}", status.code())
    } else {
        format!("{:?}: {}", status.code(), message)
    }
}

/// Runs `exchange` with `addr` (checked to be `HOST:PORT` first) on a
/// one-thread runtime, ending it after `timeout` whatever it is doing.
pub fn within<T, E: From<ReachError>>(
    addr: &str,
    timeout: Duration,
    exchange: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    if addr.contains('/') || !addr.contains(':') || addr.chars().any(char::is_whitespace) {
        return Err(ReachError::BadAddress { addr: addr.into() }.into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ReachError::Runtime(e.to_string()))?;
    runtime.block_on(async {
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(ReachError::Timeout {
                    addr: addr.into(),
                    seconds: timeout.as_secs_f64(),
                }
                .into())
            })
    })
}
