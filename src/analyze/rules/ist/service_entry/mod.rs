//! Rules on service entry config.

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[];
