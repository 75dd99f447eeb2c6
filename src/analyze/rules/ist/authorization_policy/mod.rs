//! Rules on authorization policy config.

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[];
