//! `mesh validate`: schema and field validation only, the IST0106 family.
//!
//! Schema errors come from typing each object (see `model`); the field rules
//! Istio's own validation enforces live in [`fields`], one file per kind.

pub mod cel;
pub mod fields;

use crate::diagnostic::{codes, Diagnostic, Level};
use crate::load::Census;
use crate::model::mesh_config::find_config_map;
use crate::model::{MeshConfig, Object};
use crate::source::{FieldPath, InputError};

/// istioctl's code for schema and field validation errors.
pub const SCHEMA_VALIDATION_ERROR: &str = "IST0106";
/// istioctl's code for validation warnings.
pub const SCHEMA_WARNING: &str = "IST0133";

/// Every schema and field finding for these objects, in object order.
/// Objects istiod generates are its output, not input: not validated.
pub fn validate(objects: &[Object]) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = crate::parallel::map_in_order(objects, |object| {
        if object.generated.is_some() {
            Vec::new()
        } else {
            check_object(object)
        }
    })
    .into_iter()
    .flatten()
    .collect();
    diagnostics.extend(check_mesh_config(objects).flatten());
    crate::diagnostic::locate_all(&mut diagnostics);
    diagnostics
}

/// What validating files found.
#[derive(Debug, Default)]
pub struct FilesValidated {
    /// Every schema and field finding, located.
    pub diagnostics: Vec<Diagnostic>,
    /// Inputs and documents that could not be read, in input order.
    pub errors: Vec<InputError>,
    /// The files read.
    pub files: Vec<std::sync::Arc<crate::source::SourceFile>>,
    /// The objects: checked or not, and who they are.
    pub census: Census,
}

impl FilesValidated {
    /// True when some input or document could not be read (exit code 65).
    pub fn has_input_errors(&self) -> bool {
        self.errors.iter().any(InputError::is_error)
    }
}

/// [`validate`] file by file, for `mesh validate`, which checks each object
/// alone: every object is typed, checked and dropped before the worker takes
/// the next file, so memory holds the files' text and the findings, never
/// the whole typed mesh. Read errors come first, as in `load::load_inputs`.
/// `namespace` (`-n`) is where objects that name none are placed.
pub fn validate_inputs(inputs: crate::source::Inputs, namespace: Option<&str>) -> FilesValidated {
    let default_namespace = namespace.unwrap_or(crate::index::DEFAULT_NAMESPACE);
    let per_file = crate::parallel::map_in_order(&inputs.files, |file| {
        let (documents, errors) = crate::source::documents(file);
        let mut census = Census::default();
        let mut diagnostics = Vec::new();
        // `Some` once the file's first `istio` ConfigMap is seen: its finding, if any.
        let mut mesh_config_map: Option<Option<Diagnostic>> = None;
        for document in documents {
            let mut object = Object::from_document(document);
            if let Some(namespace) = namespace {
                crate::load::place_in_namespace(&mut object, namespace);
            }
            census.count(&object, default_namespace);
            diagnostics.extend(check_object(&object));
            if mesh_config_map.is_none() {
                mesh_config_map = check_mesh_config(std::slice::from_ref(&object));
            }
        }
        (diagnostics, errors, census, mesh_config_map)
    });
    let mut validated = FilesValidated {
        errors: inputs.errors,
        files: inputs.files,
        ..FilesValidated::default()
    };
    let mut mesh_config_map = None;
    for (mut diagnostics, mut errors, census, file_mesh_config_map) in per_file {
        validated.diagnostics.append(&mut diagnostics);
        validated.errors.append(&mut errors);
        validated.census.append(census);
        // As in `validate`, only the first `istio` ConfigMap of the run counts.
        mesh_config_map = mesh_config_map.or(file_mesh_config_map);
    }
    validated.diagnostics.extend(mesh_config_map.flatten());
    crate::diagnostic::locate_all(&mut validated.diagnostics);
    validated
}

fn check_object(object: &Object) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    if let Some((field, message)) = crate::model::coverage::istio_typo(object) {
        diagnostics.push(Diagnostic::at(
            codes::UNKNOWN_ISTIO_KIND,
            Level::Warning,
            object,
            &FieldPath::root().field(field),
            message,
        ));
    }
    if object.meta.name.is_empty() && object.meta.generate_name.is_none() {
        // The API server refuses it; kubectl says "resource name may not be empty".
        diagnostics.push(Diagnostic::at(
            SCHEMA_VALIDATION_ERROR,
            Level::Error,
            object,
            &FieldPath::root().field("metadata").field("name"),
            "Schema validation error: metadata.name is required".to_string(),
        ));
    }
    for error in &object.schema_errors {
        diagnostics.push(Diagnostic::at(
            SCHEMA_VALIDATION_ERROR,
            Level::Error,
            object,
            &error.path,
            format!("Schema validation error: {}", error.message),
        ));
    }
    // An out-of-range integer is typed as its nearest fitting value: what the
    // field rules say about that value at the same field would only repeat it.
    let already_reported = |finding: &fields::FieldError| {
        object
            .schema_errors
            .iter()
            .any(|error| error.path == finding.path)
    };
    for finding in fields::check(object)
        .into_iter()
        .filter(|f| !already_reported(f))
    {
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

/// The `istio` ConfigMap's embedded mesh config must parse: `None` when there
/// is no such ConfigMap, else its finding if any.
fn check_mesh_config(objects: &[Object]) -> Option<Option<Diagnostic>> {
    let (config_map, text) = find_config_map(objects)?;
    let Err(error) = MeshConfig::from_config_map_data(text, "data.mesh") else {
        return Some(None);
    };
    Some(Some(Diagnostic::at(
        SCHEMA_VALIDATION_ERROR,
        Level::Error,
        config_map,
        &FieldPath::root().field("data").field("mesh"),
        format!("Schema validation error: {}", error.message),
    )))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// One line per finding: code, place, field and message.
    fn lines(diagnostics: &[Diagnostic]) -> Vec<String> {
        let mut lines: Vec<String> = diagnostics
            .iter()
            .map(|d| {
                let file = d.file.as_ref().map_or("", |f| &*f.name);
                format!("{} {file}:{:?} {:?} {}", d.code, d.pos, d.field, d.message)
            })
            .collect();
        lines.sort();
        lines
    }

    #[test]
    fn file_by_file_finds_what_the_whole_run_finds() {
        // Two `istio` ConfigMaps in two files: only the first one's bad mesh
        // config is reported, as when every object is held at once.
        let dir = tempfile::tempdir().unwrap();
        let first = std::fs::read_to_string("testdata/invalid/input/mesh-configmap.yaml").unwrap();
        std::fs::write(dir.path().join("a.yaml"), &first).unwrap();
        std::fs::write(
            dir.path().join("b.yaml"),
            first.replace("istio-system", "other-root"),
        )
        .unwrap();
        let paths = [
            PathBuf::from("testdata/invalid"),
            PathBuf::from("testdata/bookinfo"),
            dir.path().to_path_buf(),
        ];
        let loaded = crate::load::load_paths(&paths);
        let whole = validate(&loaded.objects);
        let by_file = validate_inputs(crate::source::read_paths(&paths), None);
        assert_eq!(
            by_file.census.checked + by_file.census.not_checked.len(),
            loaded.objects.len()
        );
        assert_eq!(by_file.files.len(), loaded.files.len());
        assert_eq!(
            by_file
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            loaded
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        );
        let mesh_config_findings = lines(&by_file.diagnostics)
            .into_iter()
            .filter(|line| line.contains("invalid mesh config"))
            .count();
        assert_eq!(mesh_config_findings, 1);
        assert!(whole.len() > 20, "the fixtures have findings");
        assert_eq!(lines(&by_file.diagnostics), lines(&whole));
    }
}
