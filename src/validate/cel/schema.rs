//! A CRD's `openAPIV3Schema`, read once into the tree the rules are evaluated
//! along: types, defaults, size limits and the compiled `x-kubernetes-validations`.
use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::rules::Rule;
use crate::source::{FieldPath, Segment};

/// One schema node: what the API server needs of it to default a document
/// and evaluate its rules.
#[derive(Debug, Default)]
pub(super) struct Node {
    /// `type`; `None` for `x-kubernetes-int-or-string` and untyped nodes.
    pub(super) kind: Option<JsonType>,
    pub(super) int_or_string: bool,
    pub(super) nullable: bool,
    /// `x-kubernetes-preserve-unknown-fields`: undeclared fields stay visible to rules.
    pub(super) preserve_unknown: bool,
    pub(super) properties: BTreeMap<String, Node>,
    pub(super) items: Option<Box<Node>>,
    pub(super) additional: Option<Box<Node>>,
    pub(super) default: Option<Json>,
    /// `maxItems` of an array, `maxProperties` of a map.
    pub(super) max_size: Option<usize>,
    pub(super) rules: Vec<Rule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JsonType {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
}

impl JsonType {
    fn parse(name: &str) -> Option<JsonType> {
        Some(match name {
            "object" => JsonType::Object,
            "array" => JsonType::Array,
            "string" => JsonType::String,
            "integer" => JsonType::Integer,
            "number" => JsonType::Number,
            "boolean" => JsonType::Boolean,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::String => "string",
            JsonType::Integer => "integer",
            JsonType::Number => "number",
            JsonType::Boolean => "boolean",
        }
    }

    fn fits(self, value: &Json) -> bool {
        match self {
            JsonType::Object => value.is_object(),
            JsonType::Array => value.is_array(),
            JsonType::String => value.is_string(),
            JsonType::Integer => value.is_i64(),
            JsonType::Number => value.is_number(),
            JsonType::Boolean => value.is_boolean(),
        }
    }
}

impl Node {
    /// Reads a schema; `compile` turns each `x-kubernetes-validations` entry into a rule.
    pub(super) fn read(schema: &Json, compile: &mut dyn FnMut(&Json) -> Rule) -> Node {
        let child = |key: &str, compile: &mut dyn FnMut(&Json) -> Rule| {
            schema
                .get(key)
                .filter(|s| s.is_object())
                .map(|s| Box::new(Node::read(s, compile)))
        };
        let flag = |key: &str| schema.get(key).and_then(Json::as_bool).unwrap_or(false);
        let size = |key: &str| {
            schema
                .get(key)
                .and_then(Json::as_u64)
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        };
        let mut properties = BTreeMap::new();
        if let Some(declared) = schema.get("properties").and_then(Json::as_object) {
            for (name, property) in declared {
                properties.insert(name.clone(), Node::read(property, compile));
            }
        }
        let int_or_string = flag("x-kubernetes-int-or-string");
        let kind = schema
            .get("type")
            .and_then(Json::as_str)
            .and_then(JsonType::parse)
            .filter(|_| !int_or_string);
        let rules = schema
            .get("x-kubernetes-validations")
            .and_then(Json::as_array)
            .map(|rules| rules.iter().map(&mut *compile).collect())
            .unwrap_or_default();
        Node {
            kind,
            int_or_string,
            nullable: flag("nullable"),
            preserve_unknown: flag("x-kubernetes-preserve-unknown-fields"),
            items: child("items", compile),
            additional: child("additionalProperties", compile),
            default: schema.get("default").cloned(),
            max_size: size("maxItems").or_else(|| size("maxProperties")),
            properties,
            rules,
        }
    }

    /// Every node of the tree, this one first.
    #[cfg(test)]
    pub(super) fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Node)) {
        f(self);
        for property in self.properties.values() {
            property.visit(f);
        }
        for child in self.items.iter().chain(&self.additional) {
            child.visit(f);
        }
    }

    /// What the API server does before validating: nulls of non-nullable
    /// fields are dropped, then missing fields that have a default get it
    /// (and the default's own fields theirs).
    pub(super) fn apply_defaults(&self, value: &mut Json) {
        match value {
            Json::Object(map) => {
                map.retain(|name, field| {
                    !field.is_null() || self.properties.get(name).is_none_or(|p| p.nullable)
                });
                for (name, property) in &self.properties {
                    if let (false, Some(default)) = (map.contains_key(name), &property.default) {
                        map.insert(name.clone(), default.clone());
                    }
                }
                for (name, field) in map.iter_mut() {
                    if let Some(property) = self.properties.get(name) {
                        property.apply_defaults(field);
                    } else if let Some(additional) = &self.additional {
                        additional.apply_defaults(field);
                    }
                }
            }
            Json::Array(items) => {
                if let Some(schema) = &self.items {
                    for item in items {
                        schema.apply_defaults(item);
                    }
                }
            }
            _ => {}
        }
    }

    /// The first place where `value` does not have this schema's type, or
    /// holds more entries than rules may iterate over. The API server does
    /// not run the rules of an object of the wrong types; mesh also leaves
    /// them unevaluated over a list or map past its limit.
    pub(super) fn unfit(&self, value: &Json, path: &mut FieldPath) -> Option<(FieldPath, String)> {
        if value.is_null() && self.nullable {
            return None;
        }
        if let Some(kind) = self.kind.filter(|kind| !kind.fits(value)) {
            return Some((
                path.clone(),
                format!(
                    "Invalid type: expected {}, found {}",
                    kind.name(),
                    type_of(value)
                ),
            ));
        }
        if self.int_or_string && !(value.is_string() || value.is_i64()) {
            return Some((
                path.clone(),
                format!(
                    "Invalid type: expected integer or string, found {}",
                    type_of(value)
                ),
            ));
        }
        let limit = self.max_size.unwrap_or(UNBOUNDED_LIMIT);
        let size = match value {
            Json::Array(items) => items.len(),
            Json::Object(map) if self.additional.is_some() => map.len(),
            _ => 0,
        };
        if size > limit {
            return Some((
                path.clone(),
                format!("Too many: {size}: must have at most {limit} items"),
            ));
        }
        match value {
            Json::Object(map) => {
                for (name, field) in map {
                    let schema = self.properties.get(name).or(self.additional.as_deref());
                    if let Some(schema) = schema {
                        path.0.push(Segment::Field(name.clone()));
                        let found = schema.unfit(field, path);
                        path.0.pop();
                        if found.is_some() {
                            return found;
                        }
                    }
                }
            }
            Json::Array(items) => {
                if let Some(schema) = &self.items {
                    for (i, item) in items.iter().enumerate() {
                        path.0.push(Segment::Index(i));
                        let found = schema.unfit(item, path);
                        path.0.pop();
                        if found.is_some() {
                            return found;
                        }
                    }
                }
            }
            _ => {}
        }
        None
    }
}

/// The most entries mesh evaluates rules over in a list or map whose schema
/// sets no limit: the API server bounds such rules by their cost instead.
const UNBOUNDED_LIMIT: usize = 1024;

fn type_of(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) if n.is_i64() => "integer",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}
