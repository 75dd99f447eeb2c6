//! istioctl-compatible rules: istioctl's code and meaning, so existing
//! suppressions keep working, without the false positives users reported.

pub mod annotations;
pub mod authorization_policy;
pub mod deprecation;
pub mod destination_rule;
pub mod envoy_filter;
pub mod gateway;
pub mod gateway_api;
pub mod injection;
pub mod multicluster;
pub mod request_authentication;
pub mod schema;
pub mod service;
pub mod service_entry;
pub mod sidecar;
pub mod telemetry;
pub mod virtual_service;
pub mod webhook;
pub mod workload;
