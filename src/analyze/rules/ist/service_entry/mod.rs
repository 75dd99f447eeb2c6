//! Rules on ServiceEntries: addresses and protocols.

mod addresses_required;
mod conflicting_protocol;
pub(crate) mod declared;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[&addresses_required::RULE, &conflicting_protocol::RULE];
