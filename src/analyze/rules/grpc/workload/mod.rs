use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[];
