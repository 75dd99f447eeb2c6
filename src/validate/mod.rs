//! `mesh validate`: schema and field validation only, the IST0106 family.
//!
//! Schema errors come from typing each object (see `model`); the field rules
//! Istio's own validation enforces live in [`fields`], one file per kind.

pub mod fields;

use crate::diagnostic::{Diagnostic, Level};
use crate::model::mesh_config::find_config_map;
use crate::model::{MeshConfig, Object};
use crate::source::FieldPath;

/// istioctl's code for schema and field validation errors.
pub const SCHEMA_VALIDATION_ERROR: &str = "IST0106";
/// istioctl's code for validation warnings.
pub const SCHEMA_WARNING: &str = "IST0133";

/// Every schema and field finding for these objects, in object order.
pub fn validate(objects: &[Object]) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = crate::parallel::map_in_order(objects, check_object)
        .into_iter()
        .flatten()
        .collect();
    diagnostics.extend(check_mesh_config(objects));
    crate::diagnostic::locate_all(&mut diagnostics);
    diagnostics
}

fn check_object(object: &Object) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
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
        // Istio's validation warnings are IST0133, its errors IST0106.
        let (code, prefix) = match finding.level {
            Level::Error => (SCHEMA_VALIDATION_ERROR, "Schema validation error"),
            _ => (SCHEMA_WARNING, "Schema validation warning"),
        };
        diagnostics.push(Diagnostic::at(
            code,
            finding.level,
            object,
            &finding.path,
            format!("{prefix}: {}", finding.message),
        ));
    }
    diagnostics
}

/// The `istio` ConfigMap's embedded mesh config must parse.
fn check_mesh_config(objects: &[Object]) -> Option<Diagnostic> {
    let (config_map, text) = find_config_map(objects)?;
    let error = MeshConfig::from_config_map_data(text, "data.mesh").err()?;
    Some(Diagnostic::at(
        SCHEMA_VALIDATION_ERROR,
        Level::Error,
        config_map,
        &FieldPath::root().field("data").field("mesh"),
        format!("Schema validation error: {}", error.message),
    ))
}

/// The mesh config for a run: `--mesh-config` wins, then an `istio` ConfigMap
/// among the inputs, then istiod's defaults.
pub fn mesh_config_for(objects: &[Object], flag: Option<MeshConfig>) -> MeshConfig {
    flag.or_else(|| {
        let (_, text) = find_config_map(objects)?;
        MeshConfig::from_config_map_data(text, "data.mesh").ok()
    })
    .unwrap_or_default()
}
