//! Field rules Istio's validation enforces beyond the schema.
use crate::diagnostic::Level;
use crate::model::Object;
use crate::source::FieldPath;

/// One field rule violation.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub path: FieldPath,
    pub message: String,
    pub level: Level,
}

pub fn check(_object: &Object) -> Vec<FieldError> {
    Vec::new()
}
