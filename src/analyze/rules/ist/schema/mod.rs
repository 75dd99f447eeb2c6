//! Schema and field validation (the `mesh validate` checks) as analyze rules.

mod schema_validation_error;
mod schema_validation_warning;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &schema_validation_error::RULE,
    &schema_validation_warning::RULE,
];
