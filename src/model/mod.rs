//! The typed model: the kinds `mesh` reasons about, parsed from documents.
//!
//! Every document becomes an [`Object`]: its metadata, its typed [`Spec`] when
//! the kind is known (or [`Spec::Raw`] when it is not, so nothing is dropped),
//! and the schema errors found while typing it. The position tree stays with
//! the object so any finding can point at its field.

pub mod coverage;
#[cfg(test)]
mod crd_compare;
pub mod credentials;
pub mod gateway_api;
pub mod identity;
pub mod kinds;
pub mod mesh_config;
pub mod mesh_networks;
pub mod networking;
pub mod pod;
pub mod security;
pub mod webhook;

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::discovery::v1 as discovery;

use serde_json::Value as Json;

use crate::source::{Document, FieldPath, Segment};

pub use kinds::{find_kind, KindInfo, Scope, KINDS};
pub use mesh_config::MeshConfig;

/// The metadata every consumer needs, read straight from the document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    /// `metadata.name`; empty when the object only has a `generateName`.
    pub name: String,
    pub generate_name: Option<String>,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// `metadata.creationTimestamp` as written (RFC 3339); istiod breaks
    /// ties between configs by it (see [`crate::semantics::creation_order`]).
    pub creation_timestamp: Option<String>,
}

/// A typed object spec. Kubernetes kinds keep the whole k8s-openapi object.
#[derive(Debug, Clone)]
pub enum Spec {
    VirtualService(Box<networking::VirtualServiceSpec>),
    DestinationRule(Box<networking::DestinationRuleSpec>),
    Gateway(Box<networking::GatewaySpec>),
    ServiceEntry(Box<networking::ServiceEntrySpec>),
    Sidecar(Box<networking::SidecarSpec>),
    WorkloadEntry(Box<networking::WorkloadEntrySpec>),
    WorkloadGroup(Box<networking::WorkloadGroupSpec>),
    EnvoyFilter(Box<networking::EnvoyFilterSpec>),
    PeerAuthentication(Box<security::PeerAuthenticationSpec>),
    AuthorizationPolicy(Box<security::AuthorizationPolicySpec>),
    RequestAuthentication(Box<security::RequestAuthenticationSpec>),
    GatewayClass(Box<gateway_api::GatewayClassSpec>),
    /// A Gateway API `Gateway` (Istio's own is [`Spec::Gateway`]).
    KubernetesGateway(Box<gateway_api::GatewaySpec>),
    HTTPRoute(Box<gateway_api::HTTPRouteSpec>),
    GRPCRoute(Box<gateway_api::GRPCRouteSpec>),
    TCPRoute(Box<gateway_api::TCPRouteSpec>),
    TLSRoute(Box<gateway_api::TLSRouteSpec>),
    ReferenceGrant(Box<gateway_api::ReferenceGrantSpec>),
    BackendTLSPolicy(Box<gateway_api::BackendTLSPolicySpec>),
    ListenerSet(Box<gateway_api::ListenerSetSpec>),
    XBackend(Box<gateway_api::XBackendSpec>),
    XBackendTrafficPolicy(Box<gateway_api::XBackendTrafficPolicySpec>),
    InferencePool(Box<gateway_api::InferencePoolSpec>),
    Namespace(Box<core::Namespace>),
    Service(Box<core::Service>),
    Endpoints(Box<core::Endpoints>),
    EndpointSlice(Box<discovery::EndpointSlice>),
    Pod(Box<core::Pod>),
    Deployment(Box<apps::Deployment>),
    StatefulSet(Box<apps::StatefulSet>),
    DaemonSet(Box<apps::DaemonSet>),
    ReplicaSet(Box<apps::ReplicaSet>),
    Job(Box<batch::Job>),
    CronJob(Box<batch::CronJob>),
    ReplicationController(Box<core::ReplicationController>),
    ConfigMap(Box<core::ConfigMap>),
    /// Secrets keep only their type and key names: secret data is never held or printed.
    Secret {
        secret_type: Option<String>,
        keys: Vec<String>,
        /// Certificates that do not parse or have expired, keys that are not
        /// PEM private keys: worked out from the data, which is then dropped.
        credential_problems: Vec<credentials::CredentialProblem>,
    },
    /// A kind we do not type (Telemetry, WasmPlugin and ProxyConfig, checked
    /// against their CRD schema only; CRDs of other projects...), or a typed
    /// kind whose document did not fit its schema. The document stays in `doc.raw`.
    Raw,
}

/// A problem found while typing a document against its kind's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    /// Where in the object; for an unknown field, the field itself.
    pub path: FieldPath,
    pub message: String,
    /// For an integer outside its field's type (`port: 1e10` in a uint32):
    /// the nearest value that fits. The typed parse reads it instead, so the
    /// rest of the object is still typed and checked.
    pub substitute: Option<Json>,
}

impl SchemaError {
    /// A field the kind's schema does not define.
    pub fn is_unknown_field(&self) -> bool {
        self.message.starts_with(kinds::UNKNOWN_FIELD)
    }
}

/// One Kubernetes object with its source, metadata and typed spec.
#[derive(Debug)]
pub struct Object {
    pub doc: Document,
    pub meta: Meta,
    pub spec: Spec,
    /// Set when the kind is one we know.
    pub kind_info: Option<&'static KindInfo>,
    pub schema_errors: Vec<SchemaError>,
    /// Set for an object istiod generates rather than reads (a
    /// VirtualService it converts from HTTPRoutes and GRPCRoutes): where
    /// its parts come from. `None` for the objects of the inputs.
    pub generated: Option<Box<Provenance>>,
}

/// Where the parts of a generated object come from, so that a finding on
/// one points at the object a user wrote.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    pub parts: Vec<GeneratedPart>,
}

/// One part of a generated object and what it was generated from.
#[derive(Debug, Clone)]
pub struct GeneratedPart {
    /// A field of the generated object (`spec.http[2]`; the root for all of it).
    pub field: FieldPath,
    /// The document it was generated from, that object's origin, and the
    /// field in it (`spec.rules[0]`).
    pub source: Document,
    pub source_origin: Origin,
    pub source_field: FieldPath,
}

impl Provenance {
    /// The part holding `path`: the one whose field is the longest prefix of it.
    pub fn part_for(&self, path: &FieldPath) -> Option<&GeneratedPart> {
        self.parts
            .iter()
            .filter(|part| path.0.starts_with(&part.field.0))
            .max_by_key(|part| part.field.0.len())
    }
}

impl Spec {
    /// A typed Gateway API spec as JSON again: what the API server stores
    /// and its CRD's CEL rules read. `None` for the other kinds.
    pub fn gateway_api_json(&self) -> Option<Json> {
        let json = match self {
            Spec::GatewayClass(spec) => serde_json::to_value(spec),
            Spec::KubernetesGateway(spec) => serde_json::to_value(spec),
            Spec::HTTPRoute(spec) => serde_json::to_value(spec),
            Spec::GRPCRoute(spec) => serde_json::to_value(spec),
            Spec::TCPRoute(spec) => serde_json::to_value(spec),
            Spec::TLSRoute(spec) => serde_json::to_value(spec),
            Spec::ReferenceGrant(spec) => serde_json::to_value(spec),
            Spec::BackendTLSPolicy(spec) => serde_json::to_value(spec),
            Spec::ListenerSet(spec) => serde_json::to_value(spec),
            Spec::XBackend(spec) => serde_json::to_value(spec),
            Spec::XBackendTrafficPolicy(spec) => serde_json::to_value(spec),
            Spec::InferencePool(spec) => serde_json::to_value(spec),
            _ => return None,
        };
        json.ok()
    }
}

impl Object {
    /// Types a document: checks it against its kind's JSON Schema, then
    /// deserialises it. A document that fails its schema keeps [`Spec::Raw`].
    pub fn from_document(mut doc: Document) -> Object {
        let meta = read_meta(&doc.raw);
        let (group, version) = split_api_version(&doc.api_version);
        let kind_info = find_kind(group, version, &doc.kind);
        let version = version.to_string();
        let mut spec = Spec::Raw;
        let mut schema_errors = Vec::new();
        if let Some(info) = kind_info {
            schema_errors = kinds::check_schema(info, &version, &doc.raw);
            // Out-of-range integers are reported at their field and read as
            // the nearest value that fits; any other schema error leaves the
            // object untyped.
            let typable = schema_errors.iter().all(|e| e.substitute.is_some());
            if let Some(parse) = info.parse.filter(|_| typable) {
                // The typed spec replaces the document's JSON.
                let mut json = std::mem::take(&mut doc.raw);
                for error in &schema_errors {
                    if let (Some(value), Some(slot)) =
                        (&error.substitute, value_at_mut(&mut json, &error.path))
                    {
                        *slot = value.clone();
                    }
                }
                match parse(json) {
                    Ok(typed) => spec = typed,
                    // The schema and the types disagree: report it.
                    Err(error) => schema_errors.push(SchemaError {
                        path: FieldPath::root(),
                        message: error.to_string(),
                        substitute: None,
                    }),
                }
            }
        }
        let mut object = Object {
            doc,
            meta,
            spec,
            kind_info,
            schema_errors,
            generated: None,
        };
        if object.holds_secrets() {
            // "found string \"hunter2\"" would print the secret: keep only the expectation.
            for error in &mut object.schema_errors {
                if let Some(at) = error
                    .message
                    .find(", found")
                    .or_else(|| error.message.find("; found"))
                {
                    error.message.truncate(at);
                }
            }
        }
        object
    }

    /// Secrets' values must never reach output: no snippets, no values in messages.
    pub fn holds_secrets(&self) -> bool {
        self.doc.kind == "Secret" && self.doc.api_version == "v1"
    }

    pub fn kind(&self) -> &str {
        &self.doc.kind
    }

    pub fn group(&self) -> &str {
        split_api_version(&self.doc.api_version).0
    }

    /// istioctl's resource name: `Kind ns/name`, or `Kind name` without a
    /// namespace; `(no name)` for an object that has none (an error of its own).
    pub fn origin(&self) -> Origin {
        let name = match self.display_name() {
            "" => "(no name)",
            name => name,
        };
        Origin {
            kind: self.doc.kind.clone(),
            namespace: self.meta.namespace.clone(),
            name: name.to_string(),
        }
    }

    /// The name, or the `generateName` prefix of an object that has no name yet.
    pub fn display_name(&self) -> &str {
        match (&self.meta.name, &self.meta.generate_name) {
            (name, Some(prefix)) if name.is_empty() => prefix,
            (name, _) => name,
        }
    }

    /// The namespace, defaulting as kubectl does for namespaced kinds.
    pub fn namespace_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.meta.namespace.as_deref().unwrap_or(default)
    }
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// The value at `path` in a JSON document, if there is one.
fn value_at_mut<'a>(mut json: &'a mut Json, path: &FieldPath) -> Option<&'a mut Json> {
    for segment in &path.0 {
        json = match segment {
            Segment::Field(name) => json.get_mut(name.as_str())?,
            Segment::Index(i) => json.get_mut(*i)?,
        };
    }
    Some(json)
}

/// `networking.istio.io/v1` → (`networking.istio.io`, `v1`); `v1` → (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

fn read_meta(root: &Json) -> Meta {
    let Some(metadata) = root.get("metadata") else {
        return Meta::default();
    };
    let text = |name: &str| {
        metadata
            .get(name)
            .and_then(Json::as_str)
            .map(str::to_string)
    };
    let map = |name: &str| -> BTreeMap<String, String> {
        match metadata.get(name) {
            Some(Json::Object(entries)) => entries
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), scalar_text(v)?)))
                .collect(),
            _ => BTreeMap::new(),
        }
    };
    Meta {
        name: text("name").unwrap_or_default(),
        generate_name: text("generateName"),
        namespace: text("namespace").filter(|ns| !ns.is_empty()),
        labels: map("labels"),
        annotations: map("annotations"),
        creation_timestamp: text("creationTimestamp"),
    }
}

/// A JSON object of strings (labels, a selector's `matchLabels`) as a map;
/// entries whose value is not a string are left out (the schema check
/// reports them). `None` when `value` is not an object.
pub fn string_map(value: &Json) -> Option<BTreeMap<String, String>> {
    let entries = value.as_object()?;
    Some(
        entries
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
    )
}

/// Label and annotation values as text; a schema error is reported separately
/// for values that are not strings.
fn scalar_text(value: &Json) -> Option<String> {
    match value {
        Json::String(text) => Some(text.clone()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
