//! The document tree: every YAML or JSON node with the place it was read from.
//!
//! Findings must point at the exact field, so the loader keeps this tree rather
//! than only a `serde_json::Value`. The tree is also what `kube-inject` writes
//! back out, so nothing in it is dropped or reordered.

use std::fmt;

/// A place in a source file: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub fn new(line: usize, column: usize) -> Pos {
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One node of a document with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

/// A mapping entry: the key keeps its own position so that "unknown field"
/// findings can point at the key itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Box<str>,
    pub key_pos: Pos,
    pub value: Node,
}

/// The value of a node, after YAML 1.2 core-schema scalar resolution.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Box<str>),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

impl Value {
    /// The JSON type name a user reads in "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::String(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }
}

/// One step of a field path: `spec`, `http`, `[0]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Field(String),
    Index(usize),
}

/// A field path such as `spec.http[0].route[1].destination.host`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    /// Parses `a.b[0].c`; keys containing dots may be written `a["x.y/z"]`.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let mut segments = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let end = after
                    .find(']')
                    .ok_or_else(|| format!("unclosed `[` in field path {text:?}"))?;
                let inner = &after[..end];
                if let Some(quoted) = inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                    segments.push(Segment::Field(quoted.to_string()));
                } else {
                    let index = inner
                        .parse()
                        .map_err(|_| format!("expected an index in `[{inner}]` in {text:?}"))?;
                    segments.push(Segment::Index(index));
                }
                rest = &after[end + 1..];
            } else {
                let rest_no_dot = rest.strip_prefix('.').unwrap_or(rest);
                let end = rest_no_dot.find(['.', '[']).unwrap_or(rest_no_dot.len());
                if end == 0 {
                    return Err(format!("empty field name in field path {text:?}"));
                }
                segments.push(Segment::Field(rest_no_dot[..end].to_string()));
                rest = &rest_no_dot[end..];
            }
        }
        Ok(FieldPath(segments))
    }

    pub fn field(&self, name: &str) -> FieldPath {
        let mut next = self.clone();
        next.0.push(Segment::Field(name.to_string()));
        next
    }

    pub fn index(&self, index: usize) -> FieldPath {
        let mut next = self.clone();
        next.0.push(Segment::Index(index));
        next
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Field(name) if name.contains(['.', '[', ']', '/']) || name.is_empty() => {
                    write!(f, "[{name:?}]")?
                }
                Segment::Field(name) if i == 0 => write!(f, "{name}")?,
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Where a path lands: the value's position, and the key's when the last step is a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    pub value: Pos,
    pub key: Option<Pos>,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|entry| &*entry.key == key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The node at `path`, with the position of its key where it has one.
    pub fn locate(&self, path: &FieldPath) -> Option<Located> {
        let mut node = self;
        let mut key = None;
        for segment in &path.0 {
            match (segment, &node.value) {
                (Segment::Field(name), Value::Map(_)) => {
                    let entry = node.entry(name)?;
                    key = Some(entry.key_pos);
                    node = &entry.value;
                }
                (Segment::Index(index), Value::Seq(items)) => {
                    node = items.get(*index)?;
                    key = None;
                }
                _ => return None,
            }
        }
        Some(Located {
            value: node.pos,
            key,
        })
    }

    /// The closest position to `path`: the deepest ancestor that exists.
    pub fn locate_nearest(&self, path: &FieldPath) -> Located {
        let mut node = self;
        let mut found = Located {
            value: self.pos,
            key: None,
        };
        for segment in &path.0 {
            let next = match (segment, &node.value) {
                (Segment::Field(name), Value::Map(_)) => {
                    node.entry(name).map(|e| (&e.value, Some(e.key_pos)))
                }
                (Segment::Index(index), Value::Seq(items)) => items.get(*index).map(|n| (n, None)),
                _ => None,
            };
            match next {
                Some((child, key)) => {
                    node = child;
                    found = Located {
                        value: child.pos,
                        key,
                    };
                }
                None => break,
            }
        }
        found
    }

    /// Converts to JSON (tests compare trees with the fast path's values).
    /// Depth is bounded by the loader, so recursion here is safe.
    #[cfg(test)]
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::String(s) => J::String(s.to_string()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.to_string(), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}
