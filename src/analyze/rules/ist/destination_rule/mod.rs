//! Rules on destination rule config.

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[];
