//! Rules about mesh's own operation rather than about the config.

mod unused_suppression;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[&unused_suppression::RULE];
