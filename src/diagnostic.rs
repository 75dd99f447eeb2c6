//! A finding: code, level, message, the resource it is about, and where.
//!
//! Every consumer (validate now, analyze later) reports through this one type,
//! and only `output` turns it into text.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::model::{Object, Origin};
use crate::source::{FieldPath, InputError, Pos, SourceFile};

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
    /// For a reference to an object the inputs do not hold: what it names,
    /// by which a run may set the finding aside (`analyze::unresolved`).
    pub unresolved: Option<crate::analyze::unresolved::Unresolved>,
    /// Until [`locate_all`] runs: which document of `file` holds `field`.
    pending: Option<PendingLocation>,
}

/// Where a finding's position is to be looked up. Positions are resolved in
/// one pass per file after all rules ran ([`locate_all`]), so the position
/// tree of a file is built once and dropped, whatever the number of findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PendingLocation {
    document: usize,
    item: Option<usize>,
    /// The line the object starts on: where its document's text can be cut
    /// out, so that only documents with findings are parsed again.
    start_line: u32,
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
        // A generated object's finding is told at the object a user wrote.
        if let Some(part) = object.generated.as_ref().and_then(|g| g.part_for(path)) {
            let message = format!(
                "{message} (in the {} istiod generates from it, at {path})",
                object.origin()
            );
            return Diagnostic::in_document(
                code,
                level,
                &part.source,
                part.source_origin.clone(),
                &part.source_field,
                message,
                false,
            );
        }
        Diagnostic::in_document(
            code,
            level,
            &object.doc,
            object.origin(),
            path,
            message,
            object.holds_secrets(),
        )
    }

    /// A finding on `path` of a located document that holds no object
    /// (`--mesh-networks`), told as `origin`.
    pub fn in_document(
        code: &'static str,
        level: Level,
        doc: &crate::source::Document,
        origin: crate::model::Origin,
        path: &FieldPath,
        message: String,
        redact_source: bool,
    ) -> Diagnostic {
        let field = (!path.is_root()).then(|| path.clone());
        Diagnostic {
            code,
            level,
            message,
            origin: Some(origin),
            file: Some(doc.file.clone()),
            // The object's own position stands until `locate_all` finds the field.
            pos: Some(doc.pos),
            pending: field.is_some().then_some(PendingLocation {
                document: doc.index,
                item: doc.item,
                start_line: doc.pos.line,
            }),
            field,
            help: None,
            redact_source,
            unresolved: None,
        }
    }

    /// A finding about no particular resource (a flag, the run itself).
    pub fn general(code: &'static str, level: Level, message: String) -> Diagnostic {
        Diagnostic {
            code,
            level,
            message,
            origin: None,
            file: None,
            pos: None,
            field: None,
            help: None,
            redact_source: false,
            unresolved: None,
            pending: None,
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

/// `mesh`'s codes for what it found about the run itself rather than about
/// the config; each is declared as a rule (`analyze::rules::mesh`), so
/// `mesh explain` documents it.
pub mod codes {
    /// A file or document that could not be read or parsed.
    pub const UNREADABLE_INPUT: &str = "MESH002";
    /// An unknown kind or apiVersion in one of Istio's API groups.
    pub const UNKNOWN_ISTIO_KIND: &str = "MESH003";
    /// With `--strict`: an object that was read but not checked.
    pub const UNCHECKED_OBJECT: &str = "MESH004";
    /// Two objects with the same kind, namespace and name.
    pub const DUPLICATE_OBJECT: &str = "MESH005";
    /// YAML that kubectl reads although YAML 1.2 does not.
    pub const NON_STANDARD_YAML: &str = "MESH006";
}

impl Diagnostic {
    /// An input that could not be read, at its position when known; `file`
    /// is the source text when it was read (for the snippet), else a
    /// placeholder carrying the name.
    pub fn unreadable(error: &InputError, file: Option<Arc<SourceFile>>) -> Diagnostic {
        Diagnostic::about_input(codes::UNREADABLE_INPUT, Level::Error, error, file)
    }

    /// YAML read as kubectl reads it, though YAML 1.2 reads it otherwise.
    pub fn non_standard(error: &InputError, file: Option<Arc<SourceFile>>) -> Diagnostic {
        Diagnostic::about_input(codes::NON_STANDARD_YAML, Level::Warning, error, file)
    }

    fn about_input(
        code: &'static str,
        level: Level,
        error: &InputError,
        file: Option<Arc<SourceFile>>,
    ) -> Diagnostic {
        let file = file.unwrap_or_else(|| Arc::new(SourceFile::plain(&error.file, String::new())));
        Diagnostic {
            file: Some(file),
            pos: error.pos,
            ..Diagnostic::general(code, level, error.message.clone())
        }
    }

    /// A finding about a whole object, at its first line.
    pub fn on_object(
        code: &'static str,
        level: Level,
        object: &Object,
        message: String,
    ) -> Diagnostic {
        Diagnostic::at(code, level, object, &FieldPath::root(), message)
    }
}

/// The candidate closest to a misspelt `name`, when one is close enough to
/// be what was meant (case does not count).
pub fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(distance, _)| *distance <= (name.len() / 6).max(2))
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Sorts findings as istioctl does and drops exact duplicates.
pub fn sort_and_dedup(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(Diagnostic::sort_key_cmp);
    diagnostics.dedup_by(|a, b| a.sort_key_cmp(b) == Ordering::Equal);
}

/// Resolves the field positions of findings: each file with findings is
/// parsed into a position tree once, on all cores, and the tree dropped.
pub fn locate_all(diagnostics: &mut [Diagnostic]) {
    let mut by_file: Vec<(Arc<SourceFile>, Vec<usize>)> = Vec::new();
    let mut file_slot: std::collections::HashMap<*const SourceFile, usize> =
        std::collections::HashMap::new();
    for (i, d) in diagnostics.iter().enumerate() {
        let (Some(file), Some(_)) = (&d.file, d.pending) else {
            continue;
        };
        let slot = *file_slot.entry(Arc::as_ptr(file)).or_insert_with(|| {
            by_file.push((file.clone(), Vec::new()));
            by_file.len() - 1
        });
        by_file[slot].1.push(i);
    }
    if by_file.is_empty() {
        return;
    }
    let snapshot: &[Diagnostic] = diagnostics;
    let resolved: Vec<(usize, Pos)> =
        crate::parallel::map_in_order(&by_file, |file| locate_in_file(file, snapshot))
            .into_iter()
            .flatten()
            .collect();
    for (i, pos) in resolved {
        diagnostics[i].pos = Some(pos);
    }
    for d in diagnostics.iter_mut() {
        d.pending = None;
    }
}

/// Positions of the findings `indices` in `file`. Only the documents that
/// have findings are parsed again (a file often holds hundreds); the whole
/// file when some finding is in an item of a `List`.
fn locate_in_file(
    (file, indices): &(Arc<SourceFile>, Vec<usize>),
    diagnostics: &[Diagnostic],
) -> Vec<(usize, Pos)> {
    let pending = |i: usize| diagnostics[i].pending.zip(diagnostics[i].field.as_ref());
    if indices
        .iter()
        .any(|&i| pending(i).is_some_and(|(p, _)| p.item.is_some()))
    {
        return locate_in_whole_file(file, indices, diagnostics);
    }
    let lines = line_starts(&file.text);
    let mut by_document: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for &i in indices {
        if let Some((p, _)) = pending(i) {
            by_document.entry(p.document).or_default().push(i);
        }
    }
    let mut resolved = Vec::new();
    for found in by_document.values() {
        let Some((first, _)) = pending(found[0]) else {
            continue;
        };
        let Some(text) = document_text(&file.text, &lines, first.start_line) else {
            return locate_in_whole_file(file, indices, diagnostics);
        };
        let Some(root) = crate::source::yaml::parse_stream(text)
            .documents
            .into_iter()
            .next()
            .and_then(|doc| doc.root)
        else {
            return locate_in_whole_file(file, indices, diagnostics);
        };
        // Positions in the cut-out text: lines move, columns do not.
        let shift = first.start_line.saturating_sub(1);
        for &i in found {
            if let Some((_, path)) = pending(i) {
                let located = root.locate_nearest(path);
                let mut pos = located.key.unwrap_or(located.value);
                pos.line = pos.line.saturating_add(shift);
                resolved.push((i, pos));
            }
        }
    }
    resolved
}

/// Byte offsets where each line of `text` starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(at, _)| at + 1))
        .collect()
}

/// The text of the document whose object starts on `start_line` (1-based):
/// up to the next `---` or `...` line, which YAML forbids inside any
/// scalar, so it always ends the document.
fn document_text<'a>(text: &'a str, lines: &[usize], start_line: u32) -> Option<&'a str> {
    let first = usize::try_from(start_line).ok()?.checked_sub(1)?;
    let start = *lines.get(first)?;
    let end = lines[first + 1..]
        .iter()
        .find(|&&at| {
            let line = &text[at..];
            ["---", "..."].iter().any(|marker| {
                line.strip_prefix(marker).is_some_and(|rest| {
                    rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r'])
                })
            })
        })
        .copied()
        .unwrap_or(text.len());
    text.get(start..end)
}

/// As [`locate_in_file`], parsing the whole file.
fn locate_in_whole_file(
    file: &SourceFile,
    indices: &[usize],
    diagnostics: &[Diagnostic],
) -> Vec<(usize, Pos)> {
    let trees = crate::source::yaml::parse_stream(&file.text).documents;
    let mut resolved = Vec::new();
    for &i in indices {
        let d = &diagnostics[i];
        let (Some(pending), Some(path)) = (d.pending, &d.field) else {
            continue;
        };
        let root = trees
            .iter()
            .find(|doc| doc.index == pending.document)
            .and_then(|doc| doc.root.as_ref())
            .and_then(|root| match pending.item {
                None => Some(root),
                Some(item) => match &root.get("items")?.value {
                    crate::source::Value::Seq(items) => items.get(item),
                    _ => None,
                },
            });
        if let Some(root) = root {
            let located = root.locate_nearest(path);
            resolved.push((i, located.key.unwrap_or(located.value)));
        }
    }
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_cut_out_up_to_the_next_marker_line() {
        let text = "a: 1\n---\nb: |\n  ---x\n  y\nc: 2\n--- \nd: 3\r\n...\r\ne: 4";
        let lines = line_starts(text);
        assert_eq!(document_text(text, &lines, 1), Some("a: 1\n"));
        // `---x` inside an indented block scalar is content, not a marker.
        assert_eq!(
            document_text(text, &lines, 3),
            Some("b: |\n  ---x\n  y\nc: 2\n")
        );
        assert_eq!(document_text(text, &lines, 8), Some("d: 3\r\n"));
        assert_eq!(document_text(text, &lines, 10), Some("e: 4"));
        assert_eq!(document_text(text, &lines, 0), None);
        assert_eq!(document_text(text, &lines, 99), None);
    }

    #[test]
    fn a_generated_objects_finding_points_at_its_source() {
        use crate::model::{GeneratedPart, Provenance};
        let text = "apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: echo, namespace: ns}
spec:
  rules:
  - matches: [{method: {service: echo.Echo}}]
";
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(
            "route.yaml",
            text.to_string(),
        )]);
        let route = &loaded.objects[0];
        let mut generated = crate::model::Object::from_document(route.doc.clone());
        generated.doc.kind = "VirtualService".into();
        generated.doc.api_version = "networking.istio.io/v1".into();
        generated.meta = route.meta.clone();
        generated.meta.name = "echo-grpc".into();
        let source_field = FieldPath::parse("spec.rules[0].matches[0]").unwrap();
        generated.generated = Some(Box::new(Provenance {
            parts: vec![GeneratedPart {
                field: FieldPath::parse("spec.http[0]").unwrap(),
                source: route.doc.clone(),
                source_origin: route.origin(),
                source_field: source_field.clone(),
            }],
        }));
        let at = FieldPath::parse("spec.http[0].match[0].uri.prefix").unwrap();
        let mut found = vec![Diagnostic::at(
            "GRPC079",
            Level::Error,
            &generated,
            &at,
            "refused".into(),
        )];
        locate_all(&mut found);
        let finding = &found[0];
        assert_eq!(
            finding.origin.as_ref().unwrap().to_string(),
            "GRPCRoute ns/echo"
        );
        assert_eq!(finding.field.as_ref(), Some(&source_field));
        assert_eq!(finding.pos.unwrap().line, 6);
        assert_eq!(
            finding.message,
            "refused (in the VirtualService ns/echo-grpc istiod generates from it, at spec.http[0].match[0].uri.prefix)"
        );
    }
}
