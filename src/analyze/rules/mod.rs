//! All rules, one file each, grouped in families. Each family's `mod.rs`
//! lists its rules; [`ALL`] lists the families (the order of `docs/rules.md`).

pub mod consistency;
pub mod gateway_api;
pub mod grpc;
pub mod ist;
pub mod mesh;

use super::registry::Rule;

pub static ALL: &[&[&Rule]] = &[
    ist::schema::RULES,
    ist::virtual_service::RULES,
    ist::destination_rule::RULES,
    ist::gateway::RULES,
    ist::gateway_api::RULES,
    ist::service_entry::RULES,
    ist::sidecar::RULES,
    ist::telemetry::RULES,
    ist::envoy_filter::RULES,
    ist::authorization_policy::RULES,
    ist::request_authentication::RULES,
    ist::service::RULES,
    ist::workload::RULES,
    ist::injection::RULES,
    ist::webhook::RULES,
    ist::multicluster::RULES,
    ist::annotations::RULES,
    ist::deprecation::RULES,
    grpc::routing::RULES,
    grpc::traffic_policy::RULES,
    grpc::security::RULES,
    grpc::workload::RULES,
    gateway_api::RULES,
    consistency::RULES,
    mesh::RULES,
];
