//! GRPC001-019: VirtualService routing as proxyless gRPC clients see it
//! (spec section 10, G001-G015, and the blog's list of unsupported routing
//! features, section 8). [`scope`] decides which clients a VirtualService,
//! route or match reaches.

mod cors_policy_rejected;
mod exponential_delay_dropped;
mod fault_injection_unsupported_runtime;
mod gateway_only_virtual_service;
mod header_manipulation_ignored;
mod header_match_needs_string_matcher;
mod implicit_default_retry;
mod jwt_claim_match_ignored;
mod mirror_ignored;
mod path_separated_prefix_rejected;
mod port_wide_route_configuration_rejected;
mod pseudo_header_match_never_matches;
mod query_param_match_never_matches;
mod redirect_or_direct_response_fails;
mod retry_fields_ignored;
mod retry_unsupported_runtime;
mod rewrite_ignored;
pub(crate) mod scope;
mod tcp_or_tls_route_for_grpc_host;
mod timeout_unsupported_runtime;
mod uri_match_cannot_match_grpc_path;
mod without_headers_absent_never_matches;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &cors_policy_rejected::RULE,
    &rewrite_ignored::RULE,
    &mirror_ignored::RULE,
    &header_manipulation_ignored::RULE,
    &redirect_or_direct_response_fails::RULE,
    &query_param_match_never_matches::RULE,
    &pseudo_header_match_never_matches::RULE,
    &header_match_needs_string_matcher::RULE,
    &jwt_claim_match_ignored::RULE,
    &without_headers_absent_never_matches::RULE,
    &retry_fields_ignored::RULE,
    &implicit_default_retry::RULE,
    &exponential_delay_dropped::RULE,
    &tcp_or_tls_route_for_grpc_host::RULE,
    &gateway_only_virtual_service::RULE,
    &uri_match_cannot_match_grpc_path::RULE,
    &fault_injection_unsupported_runtime::RULE,
    &retry_unsupported_runtime::RULE,
    &timeout_unsupported_runtime::RULE,
    &path_separated_prefix_rejected::RULE,
    &port_wide_route_configuration_rejected::RULE,
];
