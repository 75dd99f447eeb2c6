//! The front half of the flow: paths → source files → documents → typed objects.
//!
//! Files are independent, so they are parsed and typed on all cores; results
//! are put back in input order so that output never depends on scheduling.

use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::{codes, Diagnostic, Level};
use crate::model::identity::Identity;
use crate::model::{coverage, Object};
use crate::output::summary::UncheckedKey;
use crate::source::{self, InputError, SourceFile};

/// Everything read for one run.
#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<Arc<SourceFile>>,
    pub objects: Vec<Object>,
    /// Unreadable inputs and documents, in input order.
    pub errors: Vec<InputError>,
}

impl Loaded {
    /// True when some input or document could not be read (exit code 65).
    pub fn has_input_errors(&self) -> bool {
        self.errors.iter().any(InputError::is_error)
    }
}

pub fn load_paths(paths: &[PathBuf]) -> Loaded {
    load_inputs(source::read_paths(paths))
}

/// Loads what was read, keeping the read errors ahead of the parse errors.
pub fn load_inputs(inputs: source::Inputs) -> Loaded {
    let mut loaded = load_files(inputs.files);
    let mut errors = inputs.errors;
    errors.append(&mut loaded.errors);
    loaded.errors = errors;
    loaded
}

pub fn load_files(files: Vec<Arc<SourceFile>>) -> Loaded {
    let per_file = crate::parallel::map_in_order(&files, |file| {
        let (documents, errors) = source::documents(file);
        let objects: Vec<Object> = documents.into_iter().map(Object::from_document).collect();
        (objects, errors)
    });
    let mut loaded = Loaded {
        files,
        ..Loaded::default()
    };
    for (mut objects, mut errors) in per_file {
        loaded.objects.append(&mut objects);
        loaded.errors.append(&mut errors);
    }
    loaded
}

/// `-n NS` on files: objects of namespaced kinds that name no namespace are
/// placed in `namespace`, as istioctl and kubectl do with their default
/// namespace. Kinds whose scope `mesh` does not know are left as written.
pub fn place_in_namespace(object: &mut Object, namespace: &str) {
    let namespaced = object
        .kind_info
        .is_some_and(|info| info.scope == crate::model::Scope::Namespaced);
    if namespaced && object.meta.namespace.is_none() {
        object.meta.namespace = Some(namespace.to_string());
    }
}

/// An object that was read but not checked: why, and the finding `--strict`
/// reports for it.
#[derive(Debug, Clone)]
pub struct NotChecked {
    pub key: UncheckedKey,
    pub finding: Diagnostic,
}

/// `None` when `object` was checked against its kind's schema.
pub fn not_checked(object: &Object) -> Option<NotChecked> {
    let reason = coverage::unchecked(object)?;
    let key = UncheckedKey {
        api_version: object.doc.api_version.clone(),
        kind: object.kind().to_string(),
        reason,
    };
    let finding = Diagnostic::on_object(
        codes::UNCHECKED_OBJECT,
        Level::Error,
        object,
        format!(
            "{} {} was not checked ({}); --strict fails on what mesh cannot check",
            key.api_version,
            key.kind,
            reason.as_str()
        ),
    );
    Some(NotChecked { key, finding })
}

/// What the objects of a run are: how many were checked, which were not and
/// why, and who each is (to find objects defined twice).
#[derive(Debug, Default)]
pub struct Census {
    pub checked: usize,
    pub not_checked: Vec<NotChecked>,
    pub identities: Vec<Identity>,
}

impl Census {
    /// Counts one object; `default_namespace` is where it lands without one.
    pub fn count(&mut self, object: &Object, default_namespace: &str) {
        match not_checked(object) {
            Some(not_checked) => self.not_checked.push(not_checked),
            None => self.checked += 1,
        }
        self.identities
            .extend(Identity::of(object, default_namespace));
    }

    /// Adds another file's census after this one's.
    pub fn append(&mut self, mut other: Census) {
        self.checked += other.checked;
        self.not_checked.append(&mut other.not_checked);
        self.identities.append(&mut other.identities);
    }
}
