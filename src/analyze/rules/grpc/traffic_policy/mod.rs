//! GRPC020-039: DestinationRule, ServiceEntry and Service config that
//! proxyless gRPC clients and servers honour, ignore or reject.

mod circuit_breaking_unsupported_runtime;
mod connection_pool_fields_ignored;
mod consistent_hash_key_ignored;
mod dns_service_entry_no_endpoints;
mod external_service_tls_origination;
mod grpc_port_declared_tcp;
mod grpc_port_protocol_undeclared;
mod headless_service_target;
mod least_request_is_round_robin;
mod least_request_rejected;
mod maglev_rejected;
mod outlier_detection_not_sent;
mod persistent_session_rejected;
mod port_level_settings_replace_policy;
mod ring_hash_unsupported_runtime;
mod ring_size_too_large;
// `pub(crate)`: the analyze context keeps the Services' scope for every rule.
pub(crate) mod scope;
mod server_port_not_service_target_port;
mod simple_lb_falls_back_to_round_robin;
mod tls_settings_ignored;
mod tls_simple_or_mutual_plaintext;
mod traffic_policy_fields_ignored;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &tls_simple_or_mutual_plaintext::RULE,
    &tls_settings_ignored::RULE,
    &least_request_rejected::RULE,
    &simple_lb_falls_back_to_round_robin::RULE,
    &maglev_rejected::RULE,
    &consistent_hash_key_ignored::RULE,
    &ring_hash_unsupported_runtime::RULE,
    &connection_pool_fields_ignored::RULE,
    &circuit_breaking_unsupported_runtime::RULE,
    &outlier_detection_not_sent::RULE,
    &traffic_policy_fields_ignored::RULE,
    &port_level_settings_replace_policy::RULE,
    &dns_service_entry_no_endpoints::RULE,
    &external_service_tls_origination::RULE,
    &headless_service_target::RULE,
    &grpc_port_protocol_undeclared::RULE,
    &grpc_port_declared_tcp::RULE,
    &server_port_not_service_target_port::RULE,
    &persistent_session_rejected::RULE,
    &ring_size_too_large::RULE,
    &least_request_is_round_robin::RULE,
];
