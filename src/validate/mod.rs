//! `mesh validate`: schema and field validation only, the IST0106 family.
//!
//! Schema errors come from typing each object (see `model`); the field rules
//! Istio's own validation enforces live in [`fields`], one file per kind.

pub mod fields;

use crate::diagnostic::{Diagnostic, Level};
use crate::model::Object;

/// istioctl's code for schema and field validation errors.
pub const SCHEMA_VALIDATION_ERROR: &str = "IST0106";

/// Every schema and field finding for these objects.
pub fn validate(objects: &[Object]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for object in objects {
        for error in &object.schema_errors {
            diagnostics.push(Diagnostic::at(
                SCHEMA_VALIDATION_ERROR,
                Level::Error,
                object,
                &error.path,
                format!("Schema validation error: {}", error.message),
            ));
        }
        for finding in fields::check(object) {
            diagnostics.push(Diagnostic::at(
                SCHEMA_VALIDATION_ERROR,
                finding.level,
                object,
                &finding.path,
                format!("Schema validation error: {}", finding.message),
            ));
        }
    }
    diagnostics
}
