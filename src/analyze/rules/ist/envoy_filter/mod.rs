//! Rules on EnvoyFilter patch operations: which operations istiod ignores
//! for a patch's `applyTo`, and which depend on the order of filters.

mod add_ignored;
mod patches;
mod relative_operation;
mod relative_with_proxy_version;
mod remove_ignored;
mod replace_misused;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &relative_operation::RULE,
    &replace_misused::RULE,
    &add_ignored::RULE,
    &remove_ignored::RULE,
    &relative_with_proxy_version::RULE,
];
