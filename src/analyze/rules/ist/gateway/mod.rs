//! Rules on gateway config: the workloads a Gateway selects, the ports and
//! credentials they need, and clashes between Gateways (istioctl's
//! `gateway.*` analyzers).

mod conflicting_gateways;
mod credential_invalid;
mod credential_not_found;
mod credentials;
mod duplicate_certificate;
pub(crate) mod lookup;
mod port_not_on_service;
mod selector_no_workload;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &selector_no_workload::RULE,
    &port_not_on_service::RULE,
    &credential_not_found::RULE,
    &credential_invalid::RULE,
    &duplicate_certificate::RULE,
    &conflicting_gateways::RULE,
];
