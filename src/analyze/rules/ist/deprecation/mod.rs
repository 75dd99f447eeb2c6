//! Rules on deprecated and removed fields and kinds.

mod fault_delay_percent;
mod rbac_removed;
mod sidecar_egress_proxy;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &fault_delay_percent::RULE,
    &sidecar_egress_proxy::RULE,
    &rbac_removed::RULE,
];
