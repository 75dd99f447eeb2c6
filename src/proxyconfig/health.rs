//! `grpc.health.v1` status of a live gRPC app's services: `List` (gRFC
//! A90) for all of them, `Check` for named ones; kept as a
//! `HealthListResponse` (what `-o json` prints and `--file` reads) and
//! turned into plain rows for `output::health`.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value as Json;

use super::admin_protos::grpc::health::v1 as pb;
use super::live::ReachError;
use pb::health_check_response::ServingStatus;
use pb::health_client::HealthClient;

/// The largest answer accepted for one call (a `List` of many services).
const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
/// The proto type of `-o json` and `--file`.
pub const LIST_TYPE: &str = "grpc.health.v1.HealthListResponse";

/// Why health could not be read; each prints as one line.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error(transparent)]
    Reach(#[from] ReachError),
    #[error("{addr} did not answer grpc.health.v1 {method}: {reason}")]
    Call {
        addr: String,
        method: &'static str,
        reason: String,
    },
}

/// The statuses, and what the user should know about how they were found.
#[derive(Debug, Default)]
pub struct Fetched {
    pub statuses: pb::HealthListResponse,
    pub notes: Vec<String>,
}

/// The status of `services` (with `Check`), or of every service the app
/// lists (`List`; where the app does not implement it, its overall status:
/// `Check` of the empty service name). All within `timeout`.
pub fn fetch(addr: &str, timeout: Duration, services: &[String]) -> Result<Fetched, HealthError> {
    super::live::within(addr, timeout, fetch_async(addr, timeout, services))
}

async fn fetch_async(
    addr: &str,
    timeout: Duration,
    services: &[String],
) -> Result<Fetched, HealthError> {
    let channel = super::live::connect(addr, timeout).await?;
    let mut client = HealthClient::new(channel).max_decoding_message_size(MAX_MESSAGE_BYTES);
    let mut fetched = Fetched::default();
    if services.is_empty() {
        match client.list(pb::HealthListRequest {}).await {
            Ok(answer) => {
                fetched.statuses = answer.into_inner();
                return Ok(fetched);
            }
            Err(status) if status.code() == tonic::Code::Unimplemented => {
                fetched.notes.push(
                    "the app does not list its services (grpc.health.v1 List, gRFC A90 is unimplemented): \
                     only its overall status is shown; name services with --service"
                        .into(),
                );
            }
            Err(status) => return Err(call_error(addr, "List", &status)),
        }
    }
    let asked: Vec<&str> = if services.is_empty() {
        vec![""]
    } else {
        services.iter().map(String::as_str).collect()
    };
    for service in asked {
        let request = pb::HealthCheckRequest {
            service: service.to_string(),
        };
        let status = match client.check(request).await {
            Ok(answer) => answer.into_inner(),
            // The health service's way of saying it does not know the name.
            Err(status) if status.code() == tonic::Code::NotFound => pb::HealthCheckResponse {
                status: ServingStatus::ServiceUnknown as i32,
            },
            Err(status) => return Err(call_error(addr, "Check", &status)),
        };
        fetched
            .statuses
            .statuses
            .insert(service.to_string(), status);
    }
    Ok(fetched)
}

fn call_error(addr: &str, method: &'static str, status: &tonic::Status) -> HealthError {
    HealthError::Call {
        addr: addr.into(),
        method,
        reason: match status.code() {
            tonic::Code::Unimplemented => "the server does not serve grpc.health.v1.Health".into(),
            _ => super::live::status_text(status),
        },
    }
}

/// The statuses as proto3 JSON (a `HealthListResponse`).
pub fn to_json(statuses: &pb::HealthListResponse) -> Result<Json, String> {
    super::admin_protos::to_json(statuses, LIST_TYPE)
}

/// A saved `HealthListResponse`; errors carry `line:column`.
pub fn from_json(text: &str) -> Result<pb::HealthListResponse, String> {
    super::admin_protos::from_json(text, LIST_TYPE)
}

/// Only `services` (those it does not hold are `SERVICE_UNKNOWN`); all when empty.
pub fn select(statuses: &mut pb::HealthListResponse, services: &[String]) {
    if services.is_empty() {
        return;
    }
    let wanted: BTreeSet<&str> = services.iter().map(String::as_str).collect();
    statuses
        .statuses
        .retain(|name, _| wanted.contains(name.as_str()));
    for service in wanted {
        statuses
            .statuses
            .entry(service.to_string())
            .or_insert(pb::HealthCheckResponse {
                status: ServingStatus::ServiceUnknown as i32,
            });
    }
}

/// One service's status, as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceHealth {
    /// Empty for the server's overall status.
    pub service: String,
    /// `SERVING`, `NOT_SERVING`, `UNKNOWN`, `SERVICE_UNKNOWN`, or the number.
    pub status: String,
}

/// The rows, by service name (the overall status first).
pub fn view(statuses: &pb::HealthListResponse) -> Vec<ServiceHealth> {
    let mut rows: Vec<ServiceHealth> = statuses
        .statuses
        .iter()
        .map(|(service, response)| ServiceHealth {
            service: service.clone(),
            status: ServingStatus::try_from(response.status).map_or_else(
                |_| response.status.to_string(),
                |s| s.as_str_name().to_string(),
            ),
        })
        .collect();
    rows.sort_by(|a, b| a.service.cmp(&b.service));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[(&str, ServingStatus)]) -> pb::HealthListResponse {
        pb::HealthListResponse {
            statuses: entries
                .iter()
                .map(|(name, status)| {
                    (
                        name.to_string(),
                        pb::HealthCheckResponse {
                            status: *status as i32,
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn json_is_a_list_response_with_sorted_services() {
        let statuses = list(&[
            ("zeta", ServingStatus::NotServing),
            ("", ServingStatus::Serving),
            ("alpha", ServingStatus::Serving),
        ]);
        let json = to_json(&statuses).unwrap();
        let keys: Vec<&String> = json["statuses"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["", "alpha", "zeta"]);
        assert_eq!(json["statuses"]["zeta"]["status"], "NOT_SERVING");
        assert_eq!(from_json(&json.to_string()).unwrap(), statuses);
    }

    #[test]
    fn selecting_a_service_the_list_lacks_shows_it_unknown() {
        let mut statuses = list(&[("a", ServingStatus::Serving), ("b", ServingStatus::Serving)]);
        select(&mut statuses, &["b".into(), "c".into()]);
        let rows = view(&statuses);
        assert_eq!(
            rows,
            [
                ServiceHealth {
                    service: "b".into(),
                    status: "SERVING".into()
                },
                ServiceHealth {
                    service: "c".into(),
                    status: "SERVICE_UNKNOWN".into()
                }
            ]
        );
    }
}
