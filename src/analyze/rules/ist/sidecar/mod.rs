//! Rules on Sidecars: what their workload selectors select.

mod ambient;
mod conflicting_selectors;
mod multiple_without_selector;
mod selection;
mod selector_not_found;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &selector_not_found::RULE,
    &conflicting_selectors::RULE,
    &multiple_without_selector::RULE,
    &ambient::RULE,
];
