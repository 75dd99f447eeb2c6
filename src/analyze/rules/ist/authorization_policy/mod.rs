//! Rules on AuthorizationPolicies.

pub(crate) mod in_mesh;
pub(crate) mod namespace_not_found;
mod no_matching_workloads;
#[cfg(test)]
pub(crate) mod testing;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[&no_matching_workloads::RULE, &namespace_not_found::RULE];
