//! Security rules (GRPC040-059): PeerAuthentication, AuthorizationPolicy and
//! RequestAuthentication as proxyless gRPC servers (and their clients) see
//! them. Shared helpers are in [`scope`].

mod allow_nothing_allows_everything;
mod audit_authorization_ignored;
mod authorization_on_runtime_without_rbac;
mod custom_authorization_not_enforced;
mod dry_run_policy_enforced;
mod identity_match_on_plaintext_server;
mod istio_mutual_on_runtime_without_security;
mod istio_mutual_to_plaintext_server;
mod jwt_condition_never_matches;
mod method_other_than_post;
mod path_template_rejected;
mod permissive_mode_is_plaintext;
mod port_level_mtls_not_a_server_port;
mod probe_on_mtls_port;
mod request_authentication_ignored;
mod reserved_header_condition;
// `pub(crate)`: the analyze context keeps the policies' scope for every rule.
pub(crate) mod scope;
mod sni_or_envoy_metadata_condition;
mod strict_mtls_on_runtime_without_security;
mod strict_server_without_istio_mutual_clients;
mod tls_provider_fields_rejected;
mod trust_domain_aliases_not_applied;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &istio_mutual_to_plaintext_server::RULE,
    &strict_server_without_istio_mutual_clients::RULE,
    &permissive_mode_is_plaintext::RULE,
    &port_level_mtls_not_a_server_port::RULE,
    &custom_authorization_not_enforced::RULE,
    &audit_authorization_ignored::RULE,
    &allow_nothing_allows_everything::RULE,
    &dry_run_policy_enforced::RULE,
    &jwt_condition_never_matches::RULE,
    &path_template_rejected::RULE,
    &reserved_header_condition::RULE,
    &sni_or_envoy_metadata_condition::RULE,
    &method_other_than_post::RULE,
    &trust_domain_aliases_not_applied::RULE,
    &request_authentication_ignored::RULE,
    &istio_mutual_on_runtime_without_security::RULE,
    &strict_mtls_on_runtime_without_security::RULE,
    &authorization_on_runtime_without_rbac::RULE,
    &probe_on_mtls_port::RULE,
    &identity_match_on_plaintext_server::RULE,
    &tls_provider_fields_rejected::RULE,
];
