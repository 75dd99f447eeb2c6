//! A finding: code, level, message, the resource it is about, and where.
//!
//! Every consumer (validate now, analyze later) reports through this one type,
//! and only `output` turns it into text.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::model::{Object, Origin};
use crate::source::{FieldPath, Pos, SourceFile};

/// istioctl's three levels, ordered so that `Error` is the highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "Info",
            Level::Warning => "Warning",
            Level::Error => "Error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(text: &str) -> Result<Level, String> {
        match text.to_ascii_lowercase().as_str() {
            "info" => Ok(Level::Info),
            "warning" | "warn" => Ok(Level::Warning),
            "error" => Ok(Level::Error),
            _ => Err(format!("expected info, warning or error, found {text:?}")),
        }
    }
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: &'static str,
    pub level: Level,
    pub message: String,
    pub origin: Option<Origin>,
    pub file: Option<Arc<SourceFile>>,
    pub pos: Option<Pos>,
    pub field: Option<FieldPath>,
    pub help: Option<String>,
    /// Set for findings in Secrets: output shows no source snippet.
    pub redact_source: bool,
}

impl Diagnostic {
    /// A finding on `path` of `object`, located at the field's key (or value),
    /// or at the nearest enclosing field that exists.
    pub fn at(
        code: &'static str,
        level: Level,
        object: &Object,
        path: &FieldPath,
        message: String,
    ) -> Diagnostic {
        let located = object.doc.locate(path);
        Diagnostic {
            code,
            level,
            message,
            origin: Some(object.origin()),
            file: Some(object.doc.file.clone()),
            pos: Some(located.key.unwrap_or(located.value)),
            field: (!path.is_root()).then(|| path.clone()),
            help: None,
            redact_source: object.holds_secrets(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// `file:line` as istioctl writes its `reference`.
    pub fn reference(&self) -> Option<String> {
        let file = self.file.as_ref()?;
        Some(match self.pos {
            Some(pos) => format!("{}:{}", file.name, pos.line),
            None => file.name.to_string(),
        })
    }

    /// istio.io's page for istioctl's codes; `mesh explain CODE` covers ours.
    pub fn documentation_url(&self) -> Option<String> {
        self.code.starts_with("IST").then(|| {
            format!(
                "https://istio.io/latest/docs/reference/config/analysis/{}/?ref=istioctl-analyze",
                self.code.to_lowercase()
            )
        })
    }

    /// istioctl's order: level (Error first), code, resource, then location.
    pub fn sort_key_cmp(&self, other: &Diagnostic) -> Ordering {
        other
            .level
            .cmp(&self.level)
            .then_with(|| self.code.cmp(other.code))
            .then_with(|| self.origin.cmp(&other.origin))
            .then_with(|| {
                let file = |d: &Diagnostic| d.file.as_ref().map(|f| f.name.clone());
                file(self).cmp(&file(other))
            })
            .then_with(|| self.pos.cmp(&other.pos))
            .then_with(|| self.message.cmp(&other.message))
    }
}

/// Sorts findings as istioctl does and drops exact duplicates.
pub fn sort_and_dedup(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(Diagnostic::sort_key_cmp);
    diagnostics.dedup_by(|a, b| a.sort_key_cmp(b) == Ordering::Equal);
}
