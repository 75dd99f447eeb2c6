//! Rules on injection config.

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[];
