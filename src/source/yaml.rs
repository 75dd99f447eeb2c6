//! YAML (and JSON, which we read as YAML) into position-carrying [`Node`] trees.
//!
//! Built on `saphyr-parser`'s event stream, not on a DOM loader, so that this
//! module decides the limits: nesting depth, alias expansion (billion laughs),
//! duplicate keys. The builder keeps an explicit stack, never recursing on input.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use serde_json::Value as Json;

use super::node::{Entry, Node, Pos, Value};

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
/// errors of those that did not. A scanner error ends the stream (YAML has
/// no way to resynchronise); other errors only skip their document.
#[derive(Debug)]
pub struct ParsedStream<T> {
    pub documents: Vec<ParsedDocument<T>>,
    pub errors: Vec<SyntaxError>,
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

fn pos_of(span: &Span) -> Pos {
    Pos::new(span.start.line(), span.start.col() + 1)
}

/// Parses a stream into position-carrying trees.
pub fn parse_stream(text: &str) -> ParsedStream<Node> {
    parse(text)
}

/// Parses a stream into JSON values: the fast path, with the same limits.
pub fn parse_values(text: &str) -> ParsedStream<Json> {
    parse(text)
}

pub fn parse<T: Tree>(text: &str) -> ParsedStream<T> {
    let mut out = ParsedStream {
        documents: Vec::new(),
        errors: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    let mut builder: Option<DocumentBuilder<T>> = None;
    let mut document_index = 0usize;
    // Set when a document failed and its remaining events are to be skipped.
    let mut skipping = false;
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(event)) => event,
            Some(Err(error)) => {
                let marker = error.marker();
                out.errors.push(SyntaxError {
                    pos: Pos::new(marker.line(), marker.col() + 1),
                    message: describe_scan_error(error.info(), text, marker.line()),
                    document: document_index,
                });
                break;
            }
        };
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                builder = Some(DocumentBuilder::new());
                skipping = false;
            }
            Event::DocumentEnd => {
                if let Some(done) = builder.take() {
                    if !skipping {
                        let (root, pos) = match done.root {
                            Some((root, pos)) => (Some(root), pos),
                            None => (None, Pos::default()),
                        };
                        out.documents.push(ParsedDocument {
                            index: document_index,
                            root,
                            pos,
                        });
                    }
                }
                document_index += 1;
                skipping = false;
            }
            event if skipping => drop(event),
            event => {
                let Some(current) = builder.as_mut() else {
                    continue;
                };
                if let Err((pos, message)) = current.on_event(event, &span) {
                    out.errors.push(SyntaxError {
                        pos,
                        message,
                        document: document_index,
                    });
                    skipping = true;
                }
            }
        }
    }
    out
}

/// Adds the hint a user needs to the scanner's terse messages.
fn describe_scan_error(info: &str, text: &str, line: usize) -> String {
    let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    if info.contains("tab") || line_text.starts_with('\t') {
        format!("{info} (YAML indentation must use spaces, not tabs)")
    } else {
        info.to_string()
    }
}

type BuildError = (Pos, String);

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
        }
    }

    fn on_event(&mut self, event: Event<'_>, span: &Span) -> Result<(), BuildError> {
        let pos = pos_of(span);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                // A key keeps its text as written, whatever it resolves to.
                if self.expects_key() {
                    return self.push_key(owned_exact(text), pos);
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
                Frame::Seq {
                    pos,
                    anchor,
                    start: self.items.len(),
                    size: 1,
                },
            ),
            Event::MappingStart(anchor, _) => self.open(
                pos,
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
                    return Err((pos, "alias refers to an unknown anchor".to_string()));
                };
                let size = *size;
                self.alias_nodes += size;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err((
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
                        None => Err((pos, "mapping keys must be scalars".to_string())),
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

    fn open(&mut self, pos: Pos, frame: Frame) -> Result<(), BuildError> {
        if self.expects_key() {
            return Err((
                pos,
                "mapping keys must be scalars, not collections".to_string(),
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err((pos, format!("nesting is deeper than {MAX_DEPTH} levels")));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Result<(), BuildError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
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
                        return Err((
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
                return Err((pos, format!("duplicate key {text:?}")));
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
                    return Err((pos, "mapping keys must be scalars".to_string()));
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
