//! Rules on DestinationRules: TLS verification, hosts and subsets.

mod ca_certificates;
mod host_not_found;
pub(crate) mod lookup;
mod port_ca_certificates;
mod subset_selects_no_pods;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &ca_certificates::RULE,
    &port_ca_certificates::RULE,
    &host_not_found::RULE,
    &subset_selects_no_pods::RULE,
];
