//! The front half of the flow: paths → source files → documents → typed objects.
//!
//! Files are independent, so they are parsed and typed on all cores; results
//! are put back in input order so that output never depends on scheduling.

use std::path::PathBuf;
use std::sync::Arc;

use crate::model::Object;
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
