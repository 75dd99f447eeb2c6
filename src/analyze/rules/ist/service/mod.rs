//! Rules on service config: Kubernetes Service ports and their names.

mod external_name_port_name;
mod port_name_convention;
pub(crate) mod protocol;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[&port_name_convention::RULE, &external_name_port_name::RULE];

#[cfg(test)]
pub(crate) use crate::analyze::testing::run_rule;
