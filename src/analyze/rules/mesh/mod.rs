//! Rules about mesh's own operation rather than about the config.

mod duplicate_object;
mod non_standard_yaml;
mod unchecked_object;
mod unknown_istio_kind;
mod unreadable_input;
mod unused_suppression;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &unused_suppression::RULE,
    &unreadable_input::RULE,
    &unknown_istio_kind::RULE,
    &unchecked_object::RULE,
    &duplicate_object::RULE,
    &non_standard_yaml::RULE,
];
