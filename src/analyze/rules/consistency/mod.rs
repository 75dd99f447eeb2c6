//! Config-consistency checks istioctl lacks (Kiali's validations, in our
//! own words): objects that contradict each other, or name what is not
//! there, without a broken reference istioctl would report.

mod destination_rule_tls_contradicts_peer_authentication;
mod duplicate_subset;
mod export_to_unknown_namespace;
mod foreign_trust_domain_principal;
mod gateway_host_in_several_virtual_services;
mod identity_condition_on_plaintext_workload;
mod principal_service_account_not_found;
mod service_entry_host_port_overlap;
mod sidecar_egress_host_matches_nothing;
mod sidecar_servers;
mod single_destination_weight;
mod subset_without_labels;
#[cfg(test)]
mod testing;
mod workload_without_authorization_policy;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &subset_without_labels::RULE,
    &duplicate_subset::RULE,
    &single_destination_weight::RULE,
    &gateway_host_in_several_virtual_services::RULE,
    &service_entry_host_port_overlap::RULE,
    &export_to_unknown_namespace::RULE,
    &sidecar_egress_host_matches_nothing::RULE,
    &foreign_trust_domain_principal::RULE,
    &destination_rule_tls_contradicts_peer_authentication::RULE,
    &identity_condition_on_plaintext_workload::RULE,
    &principal_service_account_not_found::RULE,
    &workload_without_authorization_policy::RULE,
];
