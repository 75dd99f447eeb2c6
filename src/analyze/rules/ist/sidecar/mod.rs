//! Rules on sidecar config.

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[];
