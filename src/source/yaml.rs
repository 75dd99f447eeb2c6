//! YAML (and JSON, which we read as YAML) into position-carrying [`Node`] trees.
//!
//! Built on `saphyr-parser`'s event stream, not on a DOM loader, so that this
//! module decides the limits: nesting depth, alias expansion (billion laughs),
//! duplicate keys. The builder keeps an explicit stack, never recursing on input.
//!
//! A syntax error ends saphyr's stream. The broken document is then read again
//! alone, as far as its end (the next document marker), with the leniencies of
//! go-yaml, kubectl's reader (see [`super::recovery`]); reading resumes after
//! it, so one bad document never hides the others.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use serde_json::Value as Json;

use super::node::{Entry, Node, Pos, Value};
use super::recovery::{self, Boundary, Fixes, Problem, Resume, TextCursor};

/// Deepest nesting we accept; real Kubernetes documents stay below 30.
pub const MAX_DEPTH: usize = 256;
/// How many nodes aliases may add to one document; stops alias bombs early.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// One document of a stream, or why it could not be read.
#[derive(Debug)]
pub struct ParsedDocument<T> {
    /// 0-based index of the document in its file, counting empty ones.
    pub index: usize,
    /// `None` for an empty document (comments only, or a bare `---`).
    pub root: Option<T>,
    /// Where the root node starts.
    pub pos: Pos,
}

/// A located syntax error.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
    /// The document it happened in.
    pub document: usize,
}

/// The outcome of reading one stream: every document that parsed, and the
/// errors of those that did not (one each). An error only skips its document.
#[derive(Debug)]
pub struct ParsedStream<T> {
    pub documents: Vec<ParsedDocument<T>>,
    pub errors: Vec<SyntaxError>,
    /// Documents read only as go-yaml (kubectl) reads them: what in them is
    /// not standard YAML.
    pub warnings: Vec<SyntaxError>,
}

impl<T> ParsedStream<T> {
    fn new() -> Self {
        ParsedStream {
            documents: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// What the builder makes of a document: a [`Node`] tree with every position
/// (built only when a finding needs a location), or a plain JSON value (the
/// fast path every document takes).
pub trait Tree: Clone + Sized {
    fn scalar(value: Scalar, pos: Pos) -> Self;
    fn seq(items: impl ExactSizeIterator<Item = Self>, pos: Pos) -> Self;
    fn map(entries: impl ExactSizeIterator<Item = (String, Pos, Self)>, pos: Pos) -> Self;
    /// The text of a string scalar, for an alias used as a mapping key.
    fn key_text(&self) -> Option<String>;
    /// The entries of a mapping, or the items of a sequence (for `<<` merges).
    fn into_parts(self) -> Parts<Self>;
    /// An alias takes the position of where it is used.
    fn relocate(&mut self, pos: Pos);
}

/// A scalar resolved by the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
}

/// What a collection node holds, for merge keys.
pub enum Parts<T> {
    Map(Vec<(String, Pos, T)>),
    Seq(Vec<T>),
    Scalar,
}

impl Tree for Node {
    fn scalar(value: Scalar, pos: Pos) -> Node {
        let value = match value {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Int(i),
            Scalar::Float(f) => Value::Float(f),
            Scalar::String(s) => Value::String(s.into_boxed_str()),
        };
        Node { pos, value }
    }
    fn seq(items: impl ExactSizeIterator<Item = Node>, pos: Pos) -> Node {
        Node {
            pos,
            value: Value::Seq(items.collect()),
        }
    }
    fn map(entries: impl ExactSizeIterator<Item = (String, Pos, Node)>, pos: Pos) -> Node {
        let entries = entries
            .map(|(key, key_pos, value)| Entry {
                key: key.into_boxed_str(),
                key_pos,
                value,
            })
            .collect();
        Node {
            pos,
            value: Value::Map(entries),
        }
    }
    fn key_text(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }
    fn into_parts(self) -> Parts<Node> {
        match self.value {
            Value::Map(entries) => Parts::Map(
                entries
                    .into_iter()
                    .map(|e| (e.key.into_string(), e.key_pos, e.value))
                    .collect(),
            ),
            Value::Seq(items) => Parts::Seq(items),
            _ => Parts::Scalar,
        }
    }
    fn relocate(&mut self, pos: Pos) {
        self.pos = pos;
    }
}

impl Tree for Json {
    fn scalar(value: Scalar, _: Pos) -> Json {
        match value {
            Scalar::Null => Json::Null,
            Scalar::Bool(b) => Json::Bool(b),
            Scalar::Int(i) => Json::from(i),
            Scalar::Float(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
            Scalar::String(s) => Json::String(s),
        }
    }
    fn seq(items: impl ExactSizeIterator<Item = Json>, _: Pos) -> Json {
        Json::Array(items.collect())
    }
    fn map(entries: impl ExactSizeIterator<Item = (String, Pos, Json)>, _: Pos) -> Json {
        Json::Object(entries.map(|(k, _, v)| (k, v)).collect())
    }
    fn key_text(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }
    fn into_parts(self) -> Parts<Json> {
        match self {
            Json::Object(map) => Parts::Map(
                map.into_iter()
                    .map(|(k, v)| (k, Pos::default(), v))
                    .collect(),
            ),
            Json::Array(items) => Parts::Seq(items),
            _ => Parts::Scalar,
        }
    }
    fn relocate(&mut self, _: Pos) {}
}

/// Maps positions in the text given to saphyr back to the file: that text
/// may start further down the file, and a document read again may have
/// spaces inserted at the start of some lines.
#[derive(Debug, Clone, Copy)]
struct Coordinates<'a> {
    lines_before: usize,
    /// Spaces inserted at the start of each line (index 0 is line 1).
    shifts: &'a [usize],
}

impl Coordinates<'_> {
    fn pos(&self, line: usize, col: usize) -> Pos {
        let shift = match self.shifts {
            [] => 0,
            shifts => shifts.get(line.wrapping_sub(1)).copied().unwrap_or(0),
        };
        Pos::new(line + self.lines_before, col.saturating_sub(shift) + 1)
    }
}

/// What the builder needs besides the events.
struct Reading<'a> {
    coordinates: Coordinates<'a>,
    /// The text given to saphyr, to tell how go-yaml reads a `:`.
    text: TextCursor<'a>,
    /// Stands for a `:` go-yaml keeps in a plain scalar (see [`recovery`]).
    colon_stand_in: Option<char>,
}

impl Reading<'_> {
    fn restore_colons<'t>(&self, text: Cow<'t, str>) -> Cow<'t, str> {
        match self.colon_stand_in {
            Some(stand_in) if text.contains(stand_in) => Cow::Owned(text.replace(stand_in, ":")),
            _ => text,
        }
    }
}

/// Parses a stream into position-carrying trees.
pub fn parse_stream(text: &str) -> ParsedStream<Node> {
    parse(text)
}

/// Parses a stream into JSON values: the fast path, with the same limits.
pub fn parse_values(text: &str) -> ParsedStream<Json> {
    parse(text)
}

/// Reads every document. Documents keep their index in the whole file, so
/// the fast path and the position trees ([`parse_stream`]) agree on them.
pub fn parse<T: Tree>(text: &str) -> ParsedStream<T> {
    let mut out = ParsedStream::new();
    let mut index = 0usize;
    let mut at = Resume::default();
    // Documents read again cost at most a few times the file, however many
    // (each rewrite of a document costs a reading of it).
    let mut budget = text.len().saturating_mul(8).saturating_add(128 << 20);
    loop {
        let rest = &text[at.offset..];
        let reading = Reading {
            coordinates: Coordinates {
                lines_before: at.lines_before,
                shifts: &[],
            },
            text: TextCursor::new(rest),
            colon_stand_in: None,
        };
        let Some((problem, boundary)) = read_documents(rest, reading, &mut index, &mut out) else {
            break;
        };
        let bounds = recovery::document_bounds(rest, boundary);
        // A document already refused (a duplicate key, say) keeps that one error.
        if out.errors.last().is_none_or(|e| e.document != index) {
            read_again(
                &rest[bounds.range],
                at.lines_before + bounds.lines_before,
                problem.moved_up(bounds.lines_before),
                index,
                &mut out,
                &mut budget,
            );
        }
        index += 1;
        match bounds.resume {
            Some(next) => {
                at = Resume {
                    offset: at.offset + next.offset,
                    lines_before: at.lines_before + next.lines_before,
                }
            }
            None => break,
        }
    }
    out
}

/// Reads the documents of `text` into `out`, numbering them from `index`,
/// until the text ends (`None`), or saphyr stops, or a document needs
/// go-yaml's reading: then what stopped it and where its document starts.
fn read_documents<T: Tree>(
    text: &str,
    mut reading: Reading<'_>,
    index: &mut usize,
    out: &mut ParsedStream<T>,
) -> Option<(Problem, Boundary)> {
    let mut parser = Parser::new_from_str(text);
    let mut builder: Option<DocumentBuilder<T>> = None;
    let mut boundary = Boundary::After(0);
    // Set when a document failed and its remaining events are to be skipped.
    let mut skipping = false;
    loop {
        let (event, span) = match parser.next_event()? {
            Ok(event) => event,
            Err(error) => {
                let marker = error.marker();
                let problem = Problem::Syntax {
                    line: marker.line(),
                    col: marker.col(),
                    info: error.info().to_string(),
                    openings: builder.map(|b| b.opened_at).unwrap_or_default(),
                };
                return Some((problem, boundary));
            }
        };
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => return None,
            Event::DocumentStart(_) => {
                builder = Some(DocumentBuilder::new());
                skipping = false;
                boundary = Boundary::At(span.start.line());
            }
            Event::DocumentEnd => {
                if let Some(done) = builder.take() {
                    if !skipping {
                        let (root, pos) = match done.root {
                            Some((root, pos)) => (Some(root), pos),
                            None => (None, Pos::default()),
                        };
                        out.documents.push(ParsedDocument {
                            index: *index,
                            root,
                            pos,
                        });
                    }
                }
                *index += 1;
                skipping = false;
                boundary = Boundary::After(span.end.line());
            }
            event if skipping => drop(event),
            event => {
                let Some(current) = builder.as_mut() else {
                    continue;
                };
                match current.on_event(event, &span, &mut reading) {
                    Ok(()) => {}
                    Err(BuildError::Invalid(pos, message)) => {
                        out.errors.push(SyntaxError {
                            pos,
                            message,
                            document: *index,
                        });
                        skipping = true;
                    }
                    Err(BuildError::GoYamlColon { line, col }) => {
                        return Some((Problem::GoYamlColon { line, col }, boundary));
                    }
                }
            }
        }
    }
}

/// Reads one document (`original`, cut at its end) again, alone, rewriting
/// it as go-yaml would read it, until saphyr reads it whole or go-yaml would
/// refuse it too: then the first problem left is the document's error.
fn read_again<T: Tree>(
    original: &str,
    lines_before: usize,
    mut problem: Problem,
    index: usize,
    out: &mut ParsedStream<T>,
    budget: &mut usize,
) {
    let mut fixes = Fixes::default();
    // The document as saphyr last read it.
    let mut text = Cow::Borrowed(original);
    loop {
        let coordinates = Coordinates {
            lines_before,
            shifts: &fixes.shifts,
        };
        let mut error = problem_error(&problem, coordinates, original, index);
        if *budget == 0 || fixes.notes.len() >= recovery::MAX_FIXES {
            if fixes.fix(original, &text, &problem) {
                error.message.push_str(
                    " (kubectl reads this, but this file has too many such lines \
                     for mesh to read them all as kubectl does)",
                );
            }
            out.errors.push(error);
            return;
        }
        if !fixes.fix(original, &text, &problem) {
            out.errors.push(error);
            return;
        }
        text = fixes.apply(original);
        *budget = budget.saturating_sub(text.len());
        let reading = Reading {
            coordinates: Coordinates {
                lines_before,
                shifts: &fixes.shifts,
            },
            text: TextCursor::new(&text),
            colon_stand_in: fixes.stand_in,
        };
        let mut alone = ParsedStream::new();
        let mut alone_index = index;
        let stopped = read_documents(&text, reading, &mut alone_index, &mut alone);
        if let Some(error) = alone.errors.into_iter().next() {
            out.errors.push(error);
            return;
        }
        match stopped {
            Some((next, _)) => problem = next,
            None => {
                // No marker is left inside the cut text: one document at most.
                out.documents.extend(alone.documents.into_iter().take(1));
                let notes = Coordinates {
                    lines_before,
                    shifts: &[],
                };
                out.warnings
                    .extend(fixes.notes.iter().map(|(line, col, message)| SyntaxError {
                        pos: notes.pos(*line, *col),
                        message: message.clone(),
                        document: index,
                    }));
                return;
            }
        }
    }
}

/// The error a user reads for a problem nothing could get past.
fn problem_error(
    problem: &Problem,
    coordinates: Coordinates<'_>,
    original: &str,
    index: usize,
) -> SyntaxError {
    match problem {
        Problem::Syntax {
            line, col, info, ..
        } => {
            let line_text = recovery::Lines::new(original)
                .nth(line.wrapping_sub(1))
                .map_or("", |l| l.content);
            SyntaxError {
                pos: coordinates.pos(*line, *col),
                message: describe_scan_error(info, line_text),
                document: index,
            }
        }
        Problem::GoYamlColon { line, col } => SyntaxError {
            pos: coordinates.pos(*line, *col),
            message: "a `:` right before `,`, `]` or `}` ends a plain scalar in a flow \
                      collection; quote the string"
                .to_string(),
            document: index,
        },
    }
}

/// Adds the hint a user needs to the scanner's terse messages.
fn describe_scan_error(info: &str, line_text: &str) -> String {
    if info.contains("tab") || line_text.starts_with('\t') {
        format!("{info} (YAML indentation must use spaces, not tabs)")
    } else {
        info.to_string()
    }
}

enum BuildError {
    /// The document is refused (limits, duplicate keys...).
    Invalid(Pos, String),
    /// A plain scalar in a flow collection ends in `:` right before `,`,
    /// `]` or `}`, at (line, 0-based column) of the parsed text: YAML 1.2
    /// read it as a key with no value, go-yaml keeps the `:` in the string.
    GoYamlColon { line: usize, col: usize },
}

fn invalid(pos: Pos, message: impl Into<String>) -> BuildError {
    BuildError::Invalid(pos, message.into())
}

/// An open collection. Its items (or entries) so far sit at the end of the
/// builder's shared `items` (or `entries`) from `start` on: one buffer for
/// every collection rather than one growing vector each.
enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        start: usize,
        size: usize,
    },
    Map {
        pos: Pos,
        anchor: usize,
        start: usize,
        /// Key read, value pending.
        key: Option<(String, Pos)>,
        /// Built lazily for large maps, to keep duplicate-key checks linear.
        seen: Option<HashSet<String>>,
        /// Where the `<<` merge values are in the builder's `merges`,
        /// applied when the mapping ends.
        merges_start: usize,
        size: usize,
    },
}

impl Frame {
    fn size_mut(&mut self) -> &mut usize {
        match self {
            Frame::Seq { size, .. } | Frame::Map { size, .. } => size,
        }
    }
}

struct DocumentBuilder<T> {
    stack: Vec<Frame>,
    /// Items of the open sequences, innermost last.
    items: Vec<T>,
    /// Entries of the open mappings, innermost last.
    entries: Vec<(String, Pos, T)>,
    /// `<<` merge values of the open mappings, innermost last.
    merges: Vec<T>,
    root: Option<(T, Pos)>,
    /// Anchored nodes with their size in nodes, for the alias budget.
    anchors: HashMap<usize, (T, usize)>,
    alias_nodes: usize,
    /// Where each open collection's start event ends in the parsed text
    /// (line, 0-based column), outermost first: right after the bracket of a
    /// flow collection, which a re-read needs when saphyr stops inside one.
    opened_at: Vec<(usize, usize)>,
    /// Where the last key read ends, if it was a plain scalar.
    plain_key_end: Option<(usize, usize)>,
}

impl<T: Tree> DocumentBuilder<T> {
    fn new() -> Self {
        DocumentBuilder {
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            merges: Vec::new(),
            root: None,
            anchors: HashMap::new(),
            alias_nodes: 0,
            opened_at: Vec::new(),
            plain_key_end: None,
        }
    }

    fn on_event(
        &mut self,
        event: Event<'_>,
        span: &Span,
        reading: &mut Reading<'_>,
    ) -> Result<(), BuildError> {
        let pos = reading.coordinates.pos(span.start.line(), span.start.col());
        let plain_key_end = self.plain_key_end.take();
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let text = reading.restore_colons(text);
                // A key keeps its text as written, whatever it resolves to.
                if self.expects_key() {
                    if style == ScalarStyle::Plain {
                        self.plain_key_end = Some((span.end.line(), span.end.col()));
                    }
                    return self.push_key(owned_exact(text), pos);
                }
                // `[fe80::]`: saphyr read `fe80:` as a key and an empty value
                // right at the `:`; go-yaml reads one string.
                let (line, col) = (span.start.line(), span.start.col());
                if text.is_empty()
                    && style == ScalarStyle::Plain
                    && plain_key_end == Some((line, col))
                    && reading
                        .text
                        .line(line)
                        .is_some_and(|l| recovery::colon_before_flow_end(l, col))
                {
                    return Err(BuildError::GoYamlColon { line, col });
                }
                let tag_suffix = tag
                    .as_ref()
                    .filter(|tag| tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:")
                    .map(|tag| tag.suffix.as_str());
                let node = T::scalar(resolve_scalar(text, style, tag_suffix), pos);
                self.remember(anchor, &node, 1);
                self.push_node(node, pos, 1)
            }
            Event::SequenceStart(anchor, _) => self.open(
                pos,
                span,
                Frame::Seq {
                    pos,
                    anchor,
                    start: self.items.len(),
                    size: 1,
                },
            ),
            Event::MappingStart(anchor, _) => self.open(
                pos,
                span,
                Frame::Map {
                    pos,
                    anchor,
                    start: self.entries.len(),
                    key: None,
                    seen: None,
                    merges_start: self.merges.len(),
                    size: 1,
                },
            ),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(invalid(pos, "alias refers to an unknown anchor"));
                };
                let size = *size;
                self.alias_nodes += size;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(invalid(
                        pos,
                        format!(
                            "YAML aliases expand to more than {MAX_ALIAS_NODES} nodes \
                             (an alias bomb?); expand them by hand if this is intended"
                        ),
                    ));
                }
                if self.expects_key() {
                    return match node.key_text() {
                        Some(text) => self.push_key(text, pos),
                        None => Err(invalid(pos, "mapping keys must be scalars")),
                    };
                }
                let mut node = node.clone();
                node.relocate(pos);
                self.push_node(node, pos, size)
            }
            _ => Ok(()),
        }
    }

    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn open(&mut self, pos: Pos, span: &Span, frame: Frame) -> Result<(), BuildError> {
        if self.expects_key() {
            return Err(invalid(
                pos,
                "mapping keys must be scalars, not collections",
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(invalid(
                pos,
                format!("nesting is deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.stack.push(frame);
        self.opened_at.push((span.end.line(), span.end.col()));
        Ok(())
    }

    fn close(&mut self) -> Result<(), BuildError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        self.opened_at.pop();
        let (node, pos, anchor, size) = match frame {
            Frame::Seq {
                pos,
                anchor,
                start,
                size,
            } => (T::seq(self.items.drain(start..), pos), pos, anchor, size),
            Frame::Map {
                pos,
                anchor,
                start,
                merges_start,
                size,
                ..
            } => {
                let node = if self.merges.len() == merges_start {
                    T::map(self.entries.drain(start..), pos)
                } else {
                    let mut entries: Vec<_> = self.entries.drain(start..).collect();
                    apply_merges(&mut entries, self.merges.drain(merges_start..).collect());
                    T::map(entries.into_iter(), pos)
                };
                (node, pos, anchor, size)
            }
        };
        self.remember(anchor, &node, size);
        self.push_node(node, pos, size)
    }

    fn remember(&mut self, anchor: usize, node: &T, size: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
    }

    fn push_key(&mut self, text: String, pos: Pos) -> Result<(), BuildError> {
        let Some(Frame::Map {
            start, key, seen, ..
        }) = self.stack.last_mut()
        else {
            return Ok(());
        };
        let entries = &self.entries[*start..];
        if text != "<<" {
            let duplicate = match seen {
                Some(seen) => !seen.insert(text.clone()),
                None => {
                    if let Some((_, first, _)) = entries.iter().find(|(k, _, _)| *k == text) {
                        return Err(invalid(
                            pos,
                            format!(
                                "duplicate key {text:?} (first defined at line {})",
                                first.line
                            ),
                        ));
                    }
                    if entries.len() >= 32 {
                        let mut all: HashSet<String> =
                            entries.iter().map(|(k, _, _)| k.clone()).collect();
                        all.insert(text.clone());
                        *seen = Some(all);
                    }
                    false
                }
            };
            if duplicate {
                return Err(invalid(pos, format!("duplicate key {text:?}")));
            }
        }
        *key = Some((text, pos));
        Ok(())
    }

    fn push_node(&mut self, node: T, pos: Pos, size: usize) -> Result<(), BuildError> {
        if let Some(frame) = self.stack.last_mut() {
            *frame.size_mut() += size;
        }
        match self.stack.last_mut() {
            None => self.root = Some((node, pos)),
            Some(Frame::Seq { .. }) => self.items.push(node),
            Some(Frame::Map { key, .. }) => {
                let Some((name, key_pos)) = key.take() else {
                    return Err(invalid(pos, "mapping keys must be scalars"));
                };
                if name == "<<" {
                    self.merges.push(node);
                } else {
                    self.entries.push((name, key_pos, node));
                }
            }
        }
        Ok(())
    }
}

/// YAML 1.1 merge keys (`<<: *base`): explicit keys win over merged ones.
fn apply_merges<T: Tree>(entries: &mut Vec<(String, Pos, T)>, merges: Vec<T>) {
    for merge in merges {
        let sources = match merge.into_parts() {
            Parts::Seq(items) => items,
            Parts::Map(merged) => vec![T::map(merged.into_iter(), Pos::default())],
            Parts::Scalar => continue,
        };
        for source in sources {
            if let Parts::Map(merged) = source.into_parts() {
                for (key, key_pos, value) in merged {
                    if !entries.iter().any(|(k, _, _)| *k == key) {
                        entries.push((key, key_pos, value));
                    }
                }
            }
        }
    }
}

/// YAML 1.2 core schema, as Kubernetes tooling reads it; quoted scalars are
/// strings. Takes the parser's text so that a string keeps its allocation.
fn resolve_scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&str>) -> Scalar {
    let string = |text: Cow<'_, str>| Scalar::String(owned_exact(text));
    match tag {
        Some("str") | Some("binary") | Some("timestamp") => return string(text),
        Some("null") => return Scalar::Null,
        Some("bool") | Some("int") | Some("float") => {
            return resolve_plain(&text).unwrap_or_else(|| string(text))
        }
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return string(text);
    }
    resolve_plain(&text).unwrap_or_else(|| string(text))
}

/// The parser's text as an owned string without spare capacity: strings move
/// from here into the typed model and live as long as the run.
fn owned_exact(text: Cow<'_, str>) -> String {
    let mut owned = text.into_owned();
    owned.shrink_to_fit();
    owned
}

fn resolve_plain(text: &str) -> Option<Scalar> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Scalar::Null),
        "true" | "True" | "TRUE" => return Some(Scalar::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Scalar::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Scalar::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Scalar::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Scalar::Float(f64::NAN)),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Scalar::Int);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return i64::from_str_radix(octal, 8).ok().map(Scalar::Int);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<i64>() {
            Ok(int) => Some(Scalar::Int(int)),
            Err(_) => text.parse::<f64>().ok().map(Scalar::Float),
        };
    }
    if is_core_float(digits) {
        return text.parse::<f64>().ok().map(Scalar::Float);
    }
    None
}

/// `[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?` or `\.[0-9]+(...)?` — stricter than Rust's parser,
/// which would also take `inf` or `1_0`.
fn is_core_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    let int_digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::node::FieldPath;

    fn one(text: &str) -> Node {
        let stream = parse_stream(text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        stream
            .documents
            .into_iter()
            .find_map(|d| d.root)
            .expect("a document")
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let node = one("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: yes\ng: 0x1F\nh: 1e3\ni: 1.2.3\n");
        let json = node.to_json();
        assert_eq!(json["a"], 1);
        assert_eq!(json["b"], 1.5);
        assert_eq!(json["c"], true);
        assert!(json["d"].is_null());
        assert_eq!(json["e"], "1");
        assert_eq!(json["f"], "yes");
        assert_eq!(json["g"], 31);
        assert_eq!(json["h"], 1000.0);
        assert_eq!(json["i"], "1.2.3");
    }

    #[test]
    fn positions_are_one_based_and_reach_every_field() {
        let text = "spec:\n  http:\n  - route:\n    - destination:\n        host: a\n    - destination:\n        host: b\n";
        let node = one(text);
        let path = FieldPath::parse("spec.http[0].route[1].destination.host").unwrap();
        let found = node.locate(&path).unwrap();
        assert_eq!(
            found.value,
            Pos {
                line: 7,
                column: 15
            }
        );
        assert_eq!(found.key, Some(Pos { line: 7, column: 9 }));
    }

    #[test]
    fn duplicate_keys_are_located_errors() {
        let stream = parse_stream("a: 1\nb: 2\na: 3\n---\nc: 1\n");
        assert_eq!(stream.errors.len(), 1);
        assert_eq!(stream.errors[0].pos, Pos { line: 3, column: 1 });
        assert!(stream.errors[0].message.contains("duplicate key \"a\""));
        // The next document still loads.
        assert_eq!(stream.documents.len(), 1);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let stream = parse_stream(&text);
        assert!(stream.errors[0].message.contains("alias bomb"));
    }

    #[test]
    fn merge_keys_and_small_aliases_work() {
        let node = one("base: &b {x: 1, y: 2}\nobj:\n  <<: *b\n  y: 3\n");
        assert_eq!(node.to_json()["obj"], serde_json::json!({"y": 3, "x": 1}));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        let stream = parse_stream(&text);
        assert!(!stream.errors.is_empty());
        let text = (0..10_000)
            .map(|i| format!("{}- \n", " ".repeat(i)))
            .collect::<String>();
        let stream = parse_stream(&text);
        assert!(!stream.errors.is_empty());
    }

    #[test]
    fn integer_keys_become_strings() {
        let node = one("portLevelMtls:\n  8080:\n    mode: DISABLE\n");
        assert_eq!(node.to_json()["portLevelMtls"]["8080"]["mode"], "DISABLE");
    }

    fn values(text: &str) -> ParsedStream<Json> {
        parse_values(text)
    }

    fn indexes(stream: &ParsedStream<Json>) -> Vec<usize> {
        stream.documents.iter().map(|d| d.index).collect()
    }

    #[test]
    fn a_syntax_error_skips_only_its_document() {
        let stream = values("a: 1\n---\nb: [1, 2\n---\nc: 3\n");
        assert_eq!(indexes(&stream), [0, 2]);
        assert_eq!(stream.documents[1].root, Some(serde_json::json!({"c": 3})));
        assert_eq!(stream.documents[1].pos, Pos { line: 5, column: 1 });
        assert_eq!(stream.errors.len(), 1);
        assert_eq!(stream.errors[0].document, 1);
        assert_eq!(stream.errors[0].pos, Pos { line: 4, column: 1 });
        assert!(stream.warnings.is_empty());
    }

    #[test]
    fn a_scanner_error_skips_only_its_document() {
        // Tabs, and a quote left open up to the next `---`: both end saphyr's stream.
        let stream = values("a: 1\n---\nb:\n\tc: 1\n---\nd: 'x\n---\ne: 2\n");
        assert_eq!(indexes(&stream), [0, 3]);
        let errors: Vec<_> = stream.errors.iter().map(|e| (e.document, e.pos)).collect();
        assert_eq!(
            errors,
            [
                (1, Pos { line: 4, column: 2 }),
                (2, Pos { line: 6, column: 4 })
            ]
        );
        assert!(stream.errors[0].message.contains("not tabs"));
        assert_eq!(stream.documents[1].pos, Pos { line: 8, column: 1 });
    }

    #[test]
    fn recovery_resumes_after_a_document_end_marker() {
        let stream = values("a: [\n...\nb: 1\n...\n---\nc: 2\n");
        assert_eq!(indexes(&stream), [1, 2]);
        assert_eq!(stream.errors[0].document, 0);
        assert_eq!(stream.documents[0].pos, Pos { line: 3, column: 1 });
        // The same file without the error counts its documents the same way.
        assert_eq!(
            indexes(&values("a: []\n...\nb: 1\n...\n---\nc: 2\n")),
            [0, 1, 2]
        );
    }

    #[test]
    fn dashes_inside_a_block_scalar_are_no_boundary() {
        // `---` indented in a literal block is content; the broken document
        // runs to the next `---` at column 1.
        let text = "x: |\n  ---\n  y: [\nz: [\n---\nw: 1\n";
        let stream = values(text);
        assert_eq!(indexes(&stream), [1]);
        assert_eq!(stream.errors.len(), 1);
        let good = values("x: |\n  ---\n  y: [\n---\nw: 1\n");
        assert_eq!(
            good.documents[0].root,
            Some(serde_json::json!({"x": "---\ny: [\n"}))
        );
    }

    #[test]
    fn position_trees_agree_with_the_fast_path_after_an_error() {
        let text = "a: 1\n---\nb: {\n---\nc:\n  d: 3\n";
        let trees = parse_stream(text);
        let fast = values(text);
        let tree_indexes: Vec<_> = trees.documents.iter().map(|d| d.index).collect();
        assert_eq!(tree_indexes, indexes(&fast));
        let root = trees.documents[1].root.as_ref().unwrap();
        let path = FieldPath::parse("c.d").unwrap();
        assert_eq!(
            root.locate(&path).unwrap().value,
            Pos { line: 6, column: 6 }
        );
    }

    #[test]
    fn many_broken_documents_are_read_in_linear_time() {
        let broken = "a: [\n---\n".repeat(20_000);
        let text = format!("{broken}last: 1\n");
        let started = std::time::Instant::now();
        let stream = values(&text);
        assert_eq!(stream.errors.len(), 20_000);
        assert_eq!(indexes(&stream), [20_000]);
        assert_eq!(stream.documents[0].pos.line, 40_001);
        // Quadratic work would take minutes here.
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn flow_content_indented_less_than_its_block_reads_as_go_yaml_reads_it() {
        // As in Istio's samples/security/spire/spire-quickstart.yaml.
        let text = "spec:\n  containers:\n    - name: x\n      args: [\n          \"-a\", \"b\",\n      ]\n      image: y\n";
        let stream = parse_stream(text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        let root = stream.documents[0].root.as_ref().unwrap();
        assert_eq!(
            root.to_json(),
            serde_json::json!({"spec": {"containers": [{"name": "x", "args": ["-a", "b"], "image": "y"}]}})
        );
        let warning = &stream.warnings[0];
        assert_eq!(warning.pos, Pos { line: 6, column: 7 });
        assert!(warning
            .message
            .starts_with("not standard YAML: lines inside this flow collection"));
        // Lines moved for saphyr keep their own columns.
        let path = FieldPath::parse("spec.containers[0].args[1]").unwrap();
        assert_eq!(
            root.locate(&path).unwrap().value,
            Pos {
                line: 5,
                column: 17
            }
        );
        let values = values("a:\n  b: [1,\n2,\n ]\n  c: {d: 1,\ne: 2}\n");
        assert_eq!(
            values.documents[0].root,
            Some(serde_json::json!({"a": {"b": [1, 2], "c": {"d": 1, "e": 2}}}))
        );
        assert_eq!(values.warnings.len(), 2);
    }

    #[test]
    fn quoted_strings_continued_below_their_block_read_as_go_yaml_reads_them() {
        let text = "a:\n  b: 'one\n two\nthree\n\n  four'\n  c: \"x\ny\"\n  d: 1\n";
        let stream = values(text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        assert_eq!(
            stream.documents[0].root,
            Some(serde_json::json!({"a": {"b": "one two three\nfour", "c": "x y", "d": 1}}))
        );
        let at: Vec<_> = stream.warnings.iter().map(|w| w.pos).collect();
        assert_eq!(at, [Pos { line: 2, column: 6 }, Pos { line: 7, column: 6 }]);
        assert!(stream.warnings[0].message.contains("quoted string"));
    }

    #[test]
    fn a_colon_before_a_flow_end_stays_in_the_string_as_in_go_yaml() {
        let stream = values("addresses: [1.2.3.4, 001:db8::]\nb: [a:, c]\n");
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        assert_eq!(
            stream.documents[0].root,
            Some(serde_json::json!({"addresses": ["1.2.3.4", "001:db8::"], "b": ["a:", "c"]}))
        );
        assert_eq!(stream.warnings.len(), 2);
        assert_eq!(
            stream.warnings[0].pos,
            Pos {
                line: 1,
                column: 22
            }
        );
        assert!(stream.warnings[0]
            .message
            .contains("`001:db8::` is read as one string"));
        // In a flow mapping saphyr stops there; go-yaml reads a string.
        let stream = values("a: {x: 001:db8::, y: 2}\n---\nb: {fe80::: 1}\n");
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        assert_eq!(
            stream.documents[0].root,
            Some(serde_json::json!({"a": {"x": "001:db8::", "y": 2}}))
        );
        assert_eq!(
            stream.documents[1].root,
            Some(serde_json::json!({"b": {"fe80::": 1}}))
        );
        // A key go-yaml reads with its colon, and what stays standard.
        let stream = values("a: {x:, y: 1}\nb: [c: d, \"e\":, f:g]\n");
        assert_eq!(
            stream.documents[0].root,
            Some(
                serde_json::json!({"a": {"x:": null, "y": 1}, "b": [{"c": "d"}, {"e": null}, "f:g"]})
            )
        );
    }

    #[test]
    fn rewrites_of_one_document_are_bounded() {
        let mut text = String::from("a:\n");
        for i in 0..200 {
            text.push_str(&format!("  k{i}: 'one\ntwo'\n"));
        }
        let started = std::time::Instant::now();
        let stream = values(&text);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        assert!(stream.documents.is_empty());
        let error = &stream.errors[0];
        assert_eq!(error.pos.line, 2 + 2 * recovery::MAX_FIXES as u32);
        assert!(
            error.message.contains("too many such lines"),
            "{}",
            error.message
        );
    }

    #[test]
    fn what_go_yaml_refuses_stays_an_error() {
        // Block content indented wrongly, and a flow collection never closed.
        let stream = values("a:\n    b: 1\n  c: 2\n---\nd: [1,\n2\n");
        assert_eq!(stream.errors.len(), 2, "{:?}", stream.errors);
        assert!(stream.documents.is_empty());
        assert!(stream.warnings.is_empty());
    }

    #[test]
    fn field_paths_round_trip() {
        let path = FieldPath::parse("metadata.annotations[\"inject.istio.io/templates\"]").unwrap();
        assert_eq!(
            path.to_string(),
            "metadata.annotations[\"inject.istio.io/templates\"]"
        );
        let path = FieldPath::parse("spec.http[0].route[1].destination.host").unwrap();
        assert_eq!(path.to_string(), "spec.http[0].route[1].destination.host");
    }
}
