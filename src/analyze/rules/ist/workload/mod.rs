//! Rules on workloads: Deployments, Pods and other pod templates.

mod application_uid;
mod selecting_services;
mod services_port_protocol_conflict;
mod services_target_port_conflict;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &application_uid::RULE,
    &services_port_protocol_conflict::RULE,
    &services_target_port_conflict::RULE,
];

#[cfg(test)]
pub(crate) use crate::analyze::testing::run_rule;
