//! The CEL validation rules (`x-kubernetes-validations`) of the vendored
//! Gateway API CRDs, evaluated offline as the API server does on create.
//!
//! The document is defaulted from its schema first (the API server defaults
//! before validating), then walked along the schema; at each node that
//! carries rules, each is evaluated with `self` bound to that node's value,
//! and a violated rule is an Error at that field. Not evaluated: transition
//! rules (they read `oldSelf`, and there is no old object offline), and every
//! rule of an object that does not have its schema's types (the API server
//! skips them too) or that holds a list or map longer than its schema allows
//! (what the API server bounds by cost, mesh bounds by size). A rule that
//! does not compile, or calls a function mesh does not define, is reported
//! as not checked at each node it applies to.
//!
//! Deviations: `date`/`date-time`/`duration`/`byte` formatted strings stay
//! strings (no vendored rule reads one); the CRDs are the experimental
//! channel's, a superset of the standard channel's rules.
mod kubernetes;
mod rules;
mod schema;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, OnceLock};

use cel::objects::{Key, Map};
use cel::{Context, Env, Value};
use serde_json::Value as Json;

use super::fields::FieldError;
use crate::diagnostic::Level;
use crate::model::{split_api_version, Object};
use crate::source::{FieldPath, Segment};
use rules::{Outcome, Rule};
use schema::Node;

/// The vendored CRD schemas, each titled `Kind group/version`.
const VENDORED: &[&str] = &[
    include_str!("../../../testdata/gateway-api-crds/experimental/backendtlspolicy-gateway-v1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/gateway-gateway-v1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/gateway-gateway-v1beta1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/gatewayclass-gateway-v1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/gatewayclass-gateway-v1beta1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/grpcroute-gateway-v1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/httproute-gateway-v1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/httproute-gateway-v1beta1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/listenerset-gateway-v1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/referencegrant-gateway-v1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/referencegrant-gateway-v1beta1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/tcproute-gateway-v1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/tlsroute-gateway-v1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/udproute-gateway-v1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/xbackend-gateway-v1alpha1.json"),
    include_str!("../../../testdata/gateway-api-crds/experimental/xbackendtrafficpolicy-gateway-v1alpha1.json"),
    include_str!("../../../testdata/gateway-api-crds/inference-extension/inferencepool-inference-v1.json"),
];

/// One vendored schema, read and compiled on first use.
struct Crd {
    /// `Kind group/version`, from the schema's title.
    title: &'static str,
    text: &'static str,
    root: OnceLock<Node>,
}

static CRDS: LazyLock<Vec<Crd>> = LazyLock::new(|| {
    VENDORED
        .iter()
        .map(|text| Crd {
            title: title_of(text),
            text,
            root: OnceLock::new(),
        })
        .collect()
});

/// The standard library, the strings extension (`split`, `substring`,
/// `lowerAscii`...) and the macros; the Kubernetes functions are added to
/// each evaluation's context.
static ENV: LazyLock<Arc<Env>> = LazyLock::new(|| {
    let mut env = Env::stdlib();
    // The strings extension declares names the standard library does not.
    env.add_extension(cel::extensions::strings)
        .expect("the strings extension adds no standard name");
    Arc::new(env)
});

/// The schema's `"title": "Kind group/version"`, read without parsing the
/// whole file.
fn title_of(text: &'static str) -> &'static str {
    text.split_once("\"title\": \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or("", |(title, _)| title)
}

impl Crd {
    fn root(&self) -> &Node {
        self.root.get_or_init(|| {
            let schema: Json = serde_json::from_str(self.text).unwrap_or(Json::Null);
            let defined = defined_function;
            Node::read(&schema, &mut |entry| Rule::compile(entry, &ENV, &defined))
        })
    }
}

/// Whether a function a rule calls has a definition: an operator, the
/// environment's, or one of [`kubernetes::FUNCTIONS`] (a qualified one,
/// `format.dns1123Label()`, is reported by its last name).
fn defined_function(name: &str) -> bool {
    let kubernetes = |defined: &&str| {
        *defined == name
            || defined
                .rsplit_once('.')
                .is_some_and(|(_, last)| last == name)
    };
    if name.starts_with(['_', '@', '!']) || kubernetes::FUNCTIONS.iter().any(kubernetes) {
        return true;
    }
    // Adding a function the environment already declares is refused.
    Context::with_env(Arc::clone(&ENV))
        .add_function(name, || true)
        .is_err()
}

/// The vendored schema of a kind, if there is one.
fn crd_for(group: &str, version: &str, kind: &str) -> Option<&'static Crd> {
    let title = format!("{kind} {group}/{version}");
    CRDS.iter().find(|crd| crd.title == title)
}

/// The rule findings for one object, paths from the object root.
pub fn check(object: &Object) -> Vec<FieldError> {
    let (group, version) = split_api_version(&object.doc.api_version);
    let Some(crd) = crd_for(group, version, &object.doc.kind) else {
        return Vec::new();
    };
    if !object.doc.raw.is_null() {
        return check_document(crd.root(), &object.doc.raw);
    }
    // A typed kind keeps its document only as the typed spec, which keeps
    // every field the CRD declares.
    match object.spec.gateway_api_json() {
        Some(spec) => check_document(
            crd.root(),
            &serde_json::json!({
                "apiVersion": object.doc.api_version,
                "kind": object.doc.kind,
                "metadata": {"name": object.meta.name, "namespace": object.meta.namespace},
                "spec": spec,
            }),
        ),
        None => vec![FieldError {
            path: FieldPath::root(),
            message: "the CRD's validation rules were not checked: the document was not kept"
                .to_string(),
            level: Level::Warning,
        }],
    }
}

fn check_document(root: &Node, document: &Json) -> Vec<FieldError> {
    let mut document = document.clone();
    root.apply_defaults(&mut document);
    if let Some((path, problem)) = root.unfit(&document, &mut FieldPath::root()) {
        return vec![FieldError {
            path,
            message: format!("{problem}; the CRD's validation rules were not evaluated"),
            level: Level::Error,
        }];
    }
    let mut context = Context::with_env(Arc::clone(&ENV));
    kubernetes::register(&mut context);
    let mut walk = Walk {
        context: &context,
        path: FieldPath::root(),
        found: Vec::new(),
    };
    walk.node(root, &document);
    walk.found
}

struct Walk<'c> {
    context: &'c Context<'c, 'static>,
    path: FieldPath,
    found: Vec<FieldError>,
}

impl Walk<'_> {
    /// The CEL value of `json` under `node`, its own and its fields' rules
    /// evaluated on the way (fields first).
    fn node(&mut self, node: &Node, json: &Json) -> Value {
        let value = match json {
            Json::Object(map) => {
                let mut entries: HashMap<Key, Value> = HashMap::new();
                for (name, field) in map {
                    let (schema, key) = match (node.properties.get(name), &node.additional) {
                        // Declared fields are read under their escaped names.
                        (Some(schema), _) => match escape(name) {
                            Some(key) => (schema, key),
                            None => continue,
                        },
                        (None, Some(schema)) => (schema.as_ref(), name.clone()),
                        (None, None) if node.preserve_unknown => {
                            entries.insert(key_of(name.clone()), plain(field));
                            continue;
                        }
                        // Pruned by the API server before validating.
                        (None, None) => continue,
                    };
                    self.path.0.push(Segment::Field(name.clone()));
                    let value = self.node(schema, field);
                    self.path.0.pop();
                    entries.insert(key_of(key), value);
                }
                Value::Map(Map {
                    map: Arc::new(entries),
                })
            }
            Json::Array(items) => match &node.items {
                Some(schema) => {
                    let mut values = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        self.path.0.push(Segment::Index(i));
                        values.push(self.node(schema, item));
                        self.path.0.pop();
                    }
                    Value::List(Arc::new(values))
                }
                None => plain(json),
            },
            _ => plain(json),
        };
        if !node.rules.is_empty() {
            self.evaluate(&node.rules, &value);
        }
        value
    }

    fn evaluate(&mut self, rules: &[Rule], value: &Value) {
        let mut scope = self.context.new_inner_scope();
        scope.add_variable_from_value("self", value.clone());
        for rule in rules {
            let (path, message, level) = match rule.evaluate(&scope) {
                Outcome::Holds | Outcome::Skipped => continue,
                Outcome::Violated(message, relative) => {
                    let mut path = self.path.clone();
                    path.0.extend(relative.0);
                    (path, message, Level::Error)
                }
                Outcome::Failed(message) => (self.path.clone(), message, Level::Error),
                Outcome::NotChecked(message) => (self.path.clone(), message, Level::Warning),
            };
            self.found.push(FieldError {
                path,
                message,
                level,
            });
        }
    }
}

fn key_of(name: String) -> Key {
    Key::String(Arc::new(name))
}

/// A value outside any schema: JSON as CEL reads it.
fn plain(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::UInt(u),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(items) => Value::List(Arc::new(items.iter().map(plain).collect())),
        Json::Object(map) => Value::Map(Map {
            map: Arc::new(
                map.iter()
                    .map(|(name, field)| (key_of(name.clone()), plain(field)))
                    .collect(),
            ),
        }),
    }
}

/// CEL's reserved words: a property so named is read as `__name__`.
const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// The name a rule reads a declared property under (k8s.io/apiserver
/// `pkg/cel/escaping.go`); `None` when it cannot be read at all.
fn escape(name: &str) -> Option<String> {
    if RESERVED.contains(&name) {
        return Some(format!("__{name}__"));
    }
    let mut escaped = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("__") {
            escaped.push_str("__underscores__");
            rest = after;
            continue;
        }
        match c {
            '.' => escaped.push_str("__dot__"),
            '-' => escaped.push_str("__dash__"),
            '/' => escaped.push_str("__slash__"),
            c if c == '_' || c.is_ascii_alphanumeric() => escaped.push(c),
            _ => return None,
        }
        rest = &rest[c.len_utf8()..];
    }
    let starts_well = escaped
        .chars()
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic());
    starts_well.then_some(escaped)
}

#[cfg(test)]
mod tests;
