//! The table of kinds `mesh` types: group, kind, versions, schema and parser.
//!
//! One table feeds typing, `mesh schema`, the checked-in `schemas/` and
//! schema validation, so a kind added here is supported everywhere at once.

use std::sync::{LazyLock, OnceLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use k8s_openapi::api::admissionregistration::v1 as admission;
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::autoscaling::v2 as autoscaling;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::discovery::v1 as discovery;
use k8s_openapi::api::networking::v1 as k8s_networking;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::api::rbac::v1 as rbac;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value as Json};

use super::{gateway_api as gw, networking as net, security as sec, SchemaError, Spec};
use crate::source::{FieldPath, Segment};

/// Whether objects of a kind live in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// Everything `mesh` knows about one kind.
pub struct KindInfo {
    /// API group; empty for the core group.
    pub group: &'static str,
    pub kind: &'static str,
    pub versions: &'static [&'static str],
    pub scope: Scope,
    /// The JSON Schema of a whole object of this kind (before per-version patching).
    schema: fn() -> schemars::Schema,
    /// Types a document that passed the schema; `None` for the kinds checked
    /// against their CRD's schema only, which keep [`Spec::Raw`] and their document.
    pub parse: Option<fn(Json) -> Result<Spec, serde_json::Error>>,
}

impl std::fmt::Debug for KindInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KindInfo({}/{})", self.group, self.kind)
    }
}

/// The shape of every Istio object: Kubernetes metadata around a typed spec.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)] // read only through its schema
struct IstioObject<S> {
    api_version: String,
    kind: String,
    #[serde(default)]
    metadata: Option<ObjectMeta>,
    #[serde(default)]
    spec: Option<S>,
    /// Written by the control plane; not checked.
    #[serde(default)]
    status: Option<Json>,
}

/// Parsing needs only the spec: metadata is read from the document directly.
#[derive(Deserialize)]
struct SpecOnly<S> {
    #[serde(default)]
    spec: Option<S>,
}

fn istio_spec<S: DeserializeOwned + Default>(json: Json) -> Result<S, serde_json::Error> {
    Ok(serde_json::from_value::<SpecOnly<S>>(json)?
        .spec
        .unwrap_or_default())
}

/// A whole-object schema around the `spec` schema of an Istio CRD: the CRD's
/// OpenAPI `nullable` becomes a `null` type; metadata and status are checked
/// as for the typed kinds.
fn crd_object_schema(crd_text: &str) -> schemars::Schema {
    let crd: Json = serde_json::from_str(crd_text).unwrap_or_default();
    let mut spec = crd
        .pointer("/properties/spec")
        .cloned()
        .unwrap_or(json!({}));
    nullable_to_null_type(&mut spec);
    let mut object = schemars::schema_for!(IstioObject<Json>).to_value();
    if let Some(properties) = object.get_mut("properties").and_then(Json::as_object_mut) {
        properties.insert("spec".into(), spec);
    }
    schemars::Schema::try_from(object).unwrap_or_default()
}

/// OpenAPI's `nullable: true` is JSON Schema's `null` type.
fn nullable_to_null_type(schema: &mut Json) {
    let mut pending = vec![schema];
    while let Some(value) = pending.pop() {
        match value {
            Json::Object(map) => {
                if map.remove("nullable") == Some(Json::Bool(true)) {
                    allow_null_type(map);
                }
                pending.extend(map.values_mut());
            }
            Json::Array(items) => pending.extend(items.iter_mut()),
            _ => {}
        }
    }
}

fn kube<K: DeserializeOwned>(json: Json) -> Result<Box<K>, serde_json::Error> {
    serde_json::from_value::<K>(json).map(Box::new)
}

fn secret(json: Json) -> Result<Spec, serde_json::Error> {
    let keys = ["data", "stringData"]
        .iter()
        .filter_map(|field| json.get(field).and_then(Json::as_object))
        .flat_map(|data| data.keys().cloned())
        .collect();
    Ok(Spec::Secret {
        secret_type: json.get("type").and_then(Json::as_str).map(str::to_string),
        keys,
        credential_problems: super::credentials::check_secret(&json),
    })
}

macro_rules! istio {
    ($group:literal, $kind:literal, [$($version:literal),*], $spec:ty, $variant:ident) => {
        KindInfo {
            group: $group,
            kind: $kind,
            versions: &[$($version),*],
            scope: Scope::Namespaced,
            schema: || schemars::schema_for!(IstioObject<$spec>),
            parse: Some(|json| istio_spec::<$spec>(json).map(|spec| Spec::$variant(Box::new(spec)))),
        }
    };
}

/// A Gateway API kind (or a kind of its extensions): the same object shape as
/// Istio's, and the scope its CRD declares.
macro_rules! gateway_api {
    ($group:literal, $kind:literal, [$($version:literal),*], $scope:ident, $spec:ty, $variant:ident) => {
        KindInfo {
            group: $group,
            kind: $kind,
            versions: &[$($version),*],
            scope: Scope::$scope,
            schema: || schemars::schema_for!(IstioObject<$spec>),
            parse: Some(|json| istio_spec::<$spec>(json).map(|spec| Spec::$variant(Box::new(spec)))),
        }
    };
}

macro_rules! kube {
    ($group:literal, $kind:literal, $version:literal, $scope:ident, $ty:ty, $variant:ident) => {
        KindInfo {
            group: $group,
            kind: $kind,
            versions: &[$version],
            scope: Scope::$scope,
            schema: || schemars::schema_for!($ty),
            parse: Some(|json| kube::<$ty>(json).map(Spec::$variant)),
        }
    };
}

/// A Kubernetes kind `mesh` does not type: its objects are checked against
/// k8s-openapi's schema and keep [`Spec::Raw`], so that the manifests around
/// a mesh (service accounts, RBAC, autoscalers) are checked, not skipped.
macro_rules! kube_checked {
    ($group:literal, $kind:literal, $version:literal, $scope:ident, $ty:ty) => {
        KindInfo {
            group: $group,
            kind: $kind,
            versions: &[$version],
            scope: Scope::$scope,
            schema: || schemars::schema_for!($ty),
            parse: None,
        }
    };
}

/// An Istio kind `mesh` does not type: its objects are checked against the
/// `spec` schema of Istio's published CRD (vendored under
/// `testdata/istio-crd-schemas/`, compiled in) and keep [`Spec::Raw`].
macro_rules! crd {
    ($group:literal, $kind:literal, [$($version:literal),*], $file:literal) => {
        KindInfo {
            group: $group,
            kind: $kind,
            versions: &[$($version),*],
            scope: Scope::Namespaced,
            schema: || crd_object_schema(include_str!(concat!(
                "../../testdata/istio-crd-schemas/",
                $file
            ))),
            parse: None,
        }
    };
}

/// Every kind `mesh` checks: typed kinds, and Telemetry, WasmPlugin and
/// ProxyConfig, checked against their CRD schema but kept raw. Other kinds
/// (CRDs of other projects...) stay raw and unchecked.
pub static KINDS: &[KindInfo] = &[
    istio!(
        "networking.istio.io",
        "VirtualService",
        ["v1", "v1beta1", "v1alpha3"],
        net::VirtualServiceSpec,
        VirtualService
    ),
    istio!(
        "networking.istio.io",
        "DestinationRule",
        ["v1", "v1beta1", "v1alpha3"],
        net::DestinationRuleSpec,
        DestinationRule
    ),
    istio!(
        "networking.istio.io",
        "Gateway",
        ["v1", "v1beta1", "v1alpha3"],
        net::GatewaySpec,
        Gateway
    ),
    istio!(
        "networking.istio.io",
        "ServiceEntry",
        ["v1", "v1beta1", "v1alpha3"],
        net::ServiceEntrySpec,
        ServiceEntry
    ),
    istio!(
        "networking.istio.io",
        "Sidecar",
        ["v1", "v1beta1", "v1alpha3"],
        net::SidecarSpec,
        Sidecar
    ),
    istio!(
        "networking.istio.io",
        "WorkloadEntry",
        ["v1", "v1beta1", "v1alpha3"],
        net::WorkloadEntrySpec,
        WorkloadEntry
    ),
    istio!(
        "networking.istio.io",
        "WorkloadGroup",
        ["v1", "v1beta1", "v1alpha3"],
        net::WorkloadGroupSpec,
        WorkloadGroup
    ),
    istio!(
        "networking.istio.io",
        "EnvoyFilter",
        ["v1alpha3"],
        net::EnvoyFilterSpec,
        EnvoyFilter
    ),
    istio!(
        "security.istio.io",
        "PeerAuthentication",
        ["v1", "v1beta1"],
        sec::PeerAuthenticationSpec,
        PeerAuthentication
    ),
    istio!(
        "security.istio.io",
        "AuthorizationPolicy",
        ["v1", "v1beta1"],
        sec::AuthorizationPolicySpec,
        AuthorizationPolicy
    ),
    istio!(
        "security.istio.io",
        "RequestAuthentication",
        ["v1", "v1beta1"],
        sec::RequestAuthenticationSpec,
        RequestAuthentication
    ),
    gateway_api!(
        "gateway.networking.k8s.io",
        "GatewayClass",
        ["v1", "v1beta1"],
        Cluster,
        gw::GatewayClassSpec,
        GatewayClass
    ),
    gateway_api!(
        "gateway.networking.k8s.io",
        "Gateway",
        ["v1", "v1beta1"],
        Namespaced,
        gw::GatewaySpec,
        KubernetesGateway
    ),
    gateway_api!(
        "gateway.networking.k8s.io",
        "HTTPRoute",
        ["v1", "v1beta1"],
        Namespaced,
        gw::HTTPRouteSpec,
        HTTPRoute
    ),
    gateway_api!(
        "gateway.networking.k8s.io",
        "GRPCRoute",
        ["v1"],
        Namespaced,
        gw::GRPCRouteSpec,
        GRPCRoute
    ),
    gateway_api!(
        "gateway.networking.k8s.io",
        "TCPRoute",
        ["v1"],
        Namespaced,
        gw::TCPRouteSpec,
        TCPRoute
    ),
    gateway_api!(
        "gateway.networking.k8s.io",
        "TLSRoute",
        ["v1"],
        Namespaced,
        gw::TLSRouteSpec,
        TLSRoute
    ),
    gateway_api!(
        "gateway.networking.k8s.io",
        "ReferenceGrant",
        ["v1", "v1beta1"],
        Namespaced,
        gw::ReferenceGrantSpec,
        ReferenceGrant
    ),
    gateway_api!(
        "gateway.networking.k8s.io",
        "BackendTLSPolicy",
        ["v1"],
        Namespaced,
        gw::BackendTLSPolicySpec,
        BackendTLSPolicy
    ),
    gateway_api!(
        "gateway.networking.k8s.io",
        "ListenerSet",
        ["v1"],
        Namespaced,
        gw::ListenerSetSpec,
        ListenerSet
    ),
    gateway_api!(
        "gateway.networking.x-k8s.io",
        "XBackend",
        ["v1alpha1"],
        Namespaced,
        gw::XBackendSpec,
        XBackend
    ),
    gateway_api!(
        "gateway.networking.x-k8s.io",
        "XBackendTrafficPolicy",
        ["v1alpha1"],
        Namespaced,
        gw::XBackendTrafficPolicySpec,
        XBackendTrafficPolicy
    ),
    gateway_api!(
        "inference.networking.k8s.io",
        "InferencePool",
        ["v1"],
        Namespaced,
        gw::InferencePoolSpec,
        InferencePool
    ),
    kube!("", "Namespace", "v1", Cluster, core::Namespace, Namespace),
    kube!("", "Service", "v1", Namespaced, core::Service, Service),
    kube!(
        "",
        "Endpoints",
        "v1",
        Namespaced,
        core::Endpoints,
        Endpoints
    ),
    kube!(
        "discovery.k8s.io",
        "EndpointSlice",
        "v1",
        Namespaced,
        discovery::EndpointSlice,
        EndpointSlice
    ),
    kube!("", "Pod", "v1", Namespaced, core::Pod, Pod),
    kube!(
        "apps",
        "Deployment",
        "v1",
        Namespaced,
        apps::Deployment,
        Deployment
    ),
    kube!(
        "apps",
        "StatefulSet",
        "v1",
        Namespaced,
        apps::StatefulSet,
        StatefulSet
    ),
    kube!(
        "apps",
        "DaemonSet",
        "v1",
        Namespaced,
        apps::DaemonSet,
        DaemonSet
    ),
    kube!(
        "apps",
        "ReplicaSet",
        "v1",
        Namespaced,
        apps::ReplicaSet,
        ReplicaSet
    ),
    kube!("batch", "Job", "v1", Namespaced, batch::Job, Job),
    kube!(
        "batch",
        "CronJob",
        "v1",
        Namespaced,
        batch::CronJob,
        CronJob
    ),
    kube!(
        "",
        "ReplicationController",
        "v1",
        Namespaced,
        core::ReplicationController,
        ReplicationController
    ),
    kube!(
        "",
        "ConfigMap",
        "v1",
        Namespaced,
        core::ConfigMap,
        ConfigMap
    ),
    KindInfo {
        group: "",
        kind: "Secret",
        versions: &["v1"],
        scope: Scope::Namespaced,
        schema: || schemars::schema_for!(core::Secret),
        parse: Some(secret),
    },
    kube_checked!("", "ServiceAccount", "v1", Namespaced, core::ServiceAccount),
    kube_checked!(
        "",
        "PersistentVolumeClaim",
        "v1",
        Namespaced,
        core::PersistentVolumeClaim
    ),
    kube_checked!(
        "rbac.authorization.k8s.io",
        "Role",
        "v1",
        Namespaced,
        rbac::Role
    ),
    kube_checked!(
        "rbac.authorization.k8s.io",
        "RoleBinding",
        "v1",
        Namespaced,
        rbac::RoleBinding
    ),
    kube_checked!(
        "rbac.authorization.k8s.io",
        "ClusterRole",
        "v1",
        Cluster,
        rbac::ClusterRole
    ),
    kube_checked!(
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "v1",
        Cluster,
        rbac::ClusterRoleBinding
    ),
    kube_checked!(
        "autoscaling",
        "HorizontalPodAutoscaler",
        "v2",
        Namespaced,
        autoscaling::HorizontalPodAutoscaler
    ),
    kube_checked!(
        "policy",
        "PodDisruptionBudget",
        "v1",
        Namespaced,
        policy::PodDisruptionBudget
    ),
    kube_checked!(
        "networking.k8s.io",
        "Ingress",
        "v1",
        Namespaced,
        k8s_networking::Ingress
    ),
    kube_checked!(
        "networking.k8s.io",
        "NetworkPolicy",
        "v1",
        Namespaced,
        k8s_networking::NetworkPolicy
    ),
    kube_checked!(
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        "v1",
        Cluster,
        admission::MutatingWebhookConfiguration
    ),
    kube_checked!(
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        "v1",
        Cluster,
        admission::ValidatingWebhookConfiguration
    ),
    crd!(
        "telemetry.istio.io",
        "Telemetry",
        ["v1", "v1alpha1"],
        "telemetry-telemetry-v1.json"
    ),
    crd!(
        "extensions.istio.io",
        "WasmPlugin",
        ["v1alpha1"],
        "wasmplugin-extensions-v1alpha1.json"
    ),
    crd!(
        "networking.istio.io",
        "ProxyConfig",
        ["v1beta1"],
        "proxyconfig-networking-v1beta1.json"
    ),
];

pub fn find_kind(group: &str, version: &str, kind: &str) -> Option<&'static KindInfo> {
    KINDS
        .iter()
        .find(|info| info.kind == kind && info.group == group && info.versions.contains(&version))
}

impl KindInfo {
    /// Whether `--kube` lists this kind: the kinds rules reason about. The
    /// Kubernetes kinds that are only schema-checked would be read for nothing,
    /// except the admission webhook configurations, which the webhook and
    /// injection rules read raw.
    pub fn read_from_cluster(&self) -> bool {
        self.parse.is_some()
            || self.group.ends_with(".istio.io")
            || self.group == "admissionregistration.k8s.io"
    }

    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{}", self.group, version)
        }
    }

    /// `virtualservice-networking-v1`, `deployment-apps-v1`, `service-v1`:
    /// kubeconform's naming, so its users find the files where they expect.
    pub fn schema_file_stem(&self, version: &str) -> String {
        let kind = self.kind.to_lowercase();
        match self.group.split('.').next() {
            Some(short) if !short.is_empty() => format!("{kind}-{short}-{version}"),
            _ => format!("{kind}-{version}"),
        }
    }

    /// The JSON Schema of one version of this kind, as checked in under `schemas/`.
    pub fn schema(&self, version: &str) -> Json {
        let mut schema = (self.schema)().to_value();
        close_objects(&mut schema);
        bound_integers(&mut schema);
        let api_version = self.api_version(version);
        if let Some(object) = schema.as_object_mut() {
            object.insert(
                "title".into(),
                json!(format!("{} {}", self.kind, api_version)),
            );
            let source = if self.parse.is_some() {
                "from its typed model"
            } else {
                "from the spec schema of Istio's CustomResourceDefinition"
            };
            object.insert(
                "description".into(),
                json!(format!(
                    "{} {}, generated by mesh {source}.",
                    self.kind, api_version
                )),
            );
            if let Some(properties) = object.get_mut("properties").and_then(Json::as_object_mut) {
                properties.insert("apiVersion".into(), json!({ "const": api_version }));
                properties.insert("kind".into(), json!({ "const": self.kind }));
            }
            let required = object.entry("required").or_insert_with(|| json!([]));
            if let Some(required) = required.as_array_mut() {
                for field in ["apiVersion", "kind"] {
                    if !required.iter().any(|r| r == field) {
                        required.push(json!(field));
                    }
                }
            }
        }
        schema
    }

    fn index(&'static self) -> usize {
        KINDS
            .iter()
            .position(|k| std::ptr::eq(k, self))
            .unwrap_or(0)
    }
}

/// Kubernetes rejects unknown fields (kubectl's strict field validation), so
/// every object schema that lists its properties gets `additionalProperties:
/// false`; and it reads an explicit `null` as "unset" (`args:` with nothing
/// after it), so optional properties also accept `null`.
fn close_objects(schema: &mut Json) {
    let mut pending = vec![schema];
    while let Some(value) = pending.pop() {
        match value {
            Json::Object(map) => {
                // A CRD field marked `x-kubernetes-preserve-unknown-fields`
                // (a free-form Struct) keeps whatever it is given.
                if map.contains_key("properties")
                    && !map.contains_key("additionalProperties")
                    && map.get("x-kubernetes-preserve-unknown-fields") != Some(&Json::Bool(true))
                {
                    map.insert("additionalProperties".into(), Json::Bool(false));
                }
                let required: Vec<String> = map
                    .get("required")
                    .and_then(Json::as_array)
                    .map(|r| {
                        r.iter()
                            .filter_map(Json::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(Json::Object(properties)) = map.get_mut("properties") {
                    for (name, property) in properties.iter_mut() {
                        if !required.contains(name) {
                            allow_null(property);
                        }
                    }
                }
                pending.extend(map.values_mut());
            }
            Json::Array(items) => pending.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// The range of an integer `format`.
fn integer_range(format: &str) -> Option<(Json, Json)> {
    match format {
        "int32" => Some((json!(i32::MIN), json!(i32::MAX))),
        "uint32" => Some((json!(0), json!(u32::MAX))),
        "int64" => Some((json!(i64::MIN), json!(i64::MAX))),
        "uint64" => Some((json!(0), json!(u64::MAX))),
        _ => None,
    }
}

/// An integer field's `format` (`int32`, `uint32`...) becomes `minimum` and
/// `maximum` (where the schema has none), so a value that does not fit is a
/// schema error at its field rather than a failed parse of the whole object.
fn bound_integers(schema: &mut Json) {
    let mut pending = vec![schema];
    while let Some(value) = pending.pop() {
        match value {
            Json::Object(map) => {
                let is_integer = match map.get("type") {
                    Some(Json::String(t)) => t == "integer",
                    Some(Json::Array(types)) => types.iter().any(|t| t == "integer"),
                    _ => false,
                };
                let range = map
                    .get("format")
                    .and_then(Json::as_str)
                    .and_then(integer_range);
                if let Some((min, max)) = range.filter(|_| is_integer) {
                    map.entry("minimum").or_insert(min);
                    map.entry("maximum").or_insert(max);
                }
                pending.extend(map.values_mut());
            }
            Json::Array(items) => pending.extend(items.iter_mut()),
            _ => {}
        }
    }
}

fn allow_null(property: &mut Json) {
    if let Some(map) = property.as_object_mut() {
        allow_null_type(map);
    }
}

/// Adds `null` to a schema's type (or, for a bare `$ref`, an `anyOf` branch).
fn allow_null_type(map: &mut serde_json::Map<String, Json>) {
    let has_ref = map.contains_key("$ref");
    match map.get_mut("type") {
        Some(Json::String(single)) if single != "null" => {
            let single = std::mem::take(single);
            map.insert("type".into(), json!([single, "null"]));
        }
        Some(Json::Array(types)) if !types.iter().any(|t| t == "null") => types.push(json!("null")),
        Some(_) => {}
        None if has_ref => {
            let inner = std::mem::take(map);
            map.insert(
                "anyOf".into(),
                json!([Json::Object(inner), { "type": "null" }]),
            );
        }
        None => {}
    }
}

/// How an unknown field's error message starts.
pub(crate) const UNKNOWN_FIELD: &str = "unknown field";

type CompiledSchema = Result<jsonschema::Validator, String>;

/// Compiled validators, one per kind and version, built on first use.
static VALIDATORS: LazyLock<Vec<Vec<OnceLock<CompiledSchema>>>> = LazyLock::new(|| {
    KINDS
        .iter()
        .map(|info| info.versions.iter().map(|_| OnceLock::new()).collect())
        .collect()
});

fn validator(info: &'static KindInfo, version: &str) -> Option<&'static CompiledSchema> {
    let version_index = info.versions.iter().position(|v| *v == version)?;
    let slot = VALIDATORS.get(info.index())?.get(version_index)?;
    Some(slot.get_or_init(|| {
        jsonschema::validator_for(&info.schema(version)).map_err(|error| error.to_string())
    }))
}

/// Checks a document against its kind's schema; errors carry field paths
/// resolved against the document so they can be located.
pub fn check_schema(info: &'static KindInfo, version: &str, json: &Json) -> Vec<SchemaError> {
    let validator = match validator(info, version) {
        Some(Ok(validator)) => validator,
        Some(Err(error)) => {
            return vec![SchemaError {
                path: FieldPath::root(),
                message: format!(
                    "internal error: the {} schema does not compile: {error}",
                    info.kind
                ),
                substitute: None,
            }]
        }
        None => return Vec::new(),
    };
    // Most documents are valid, and `is_valid` is much cheaper than collecting errors.
    if validator.is_valid(json) {
        return Vec::new();
    }
    let mut errors: Vec<SchemaError> = Vec::new();
    for error in validator.iter_errors(json) {
        collect_error(&error, json, &mut errors);
    }
    errors.dedup();
    errors
}

/// Turns one validation error into located findings. `anyOf`/`oneOf` errors
/// (what `Option<T>` and int-or-string become) are replaced by the errors of
/// the branch that came closest, so users read "unknown field", not a dump.
fn collect_error(
    error: &jsonschema::ValidationError<'_>,
    root: &Json,
    errors: &mut Vec<SchemaError>,
) {
    let path = resolve_path(root, error.instance_path().iter());
    if let ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } =
        error.kind()
    {
        let closest = context
            .iter()
            .filter(|branch| !is_type_mismatch_here(branch, error))
            .min_by_key(|branch| branch.len());
        if let Some(branch) = closest {
            for inner in branch {
                collect_error(inner, root, errors);
            }
            return;
        }
    }
    let message = match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                errors.push(SchemaError::at(
                    path.field(name),
                    format!("{UNKNOWN_FIELD} {name:?}"),
                ));
            }
            return;
        }
        ValidationErrorKind::Maximum { limit } | ValidationErrorKind::Minimum { limit } => {
            if let Some(error) = out_of_range(path.clone(), error.instance(), limit) {
                errors.push(error);
                return;
            }
            error.to_string()
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                // `null` is accepted for optional fields; naming it only confuses.
                TypeKind::Multiple(set) => set
                    .iter()
                    .filter(|t| *t != jsonschema::JsonType::Null)
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            format!("expected {expected}, found {}", describe(error.instance()))
        }
        ValidationErrorKind::Enum { options } => {
            let choices = options
                .as_array()
                .map(|values| {
                    values
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            format!("expected one of {choices}; found {}", error.instance())
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!("expected {expected_value}, found {}", error.instance())
        }
        ValidationErrorKind::Required { property } => format!(
            "missing required field {}",
            property
                .as_str()
                .map_or_else(|| property.to_string(), |p| format!("{p:?}"))
        ),
        _ => error.to_string(),
    };
    errors.push(SchemaError::at(path, message));
}

/// Fields named like these hold port numbers (Istio's and Kubernetes').
const PORT_FIELDS: &[&str] = &[
    "number",
    "port",
    "targetPort",
    "portNumber",
    "containerPort",
    "hostPort",
    "nodePort",
];

/// An integer beyond one of the bounds [`bound_integers`] gives a `format`
/// (`port: 1e10` in a uint32): a finding worded for the field, with the bound
/// as the value the typed parse reads instead. `None` for other limits.
fn out_of_range(path: FieldPath, value: &Json, limit: &Json) -> Option<SchemaError> {
    let bound = |n: Json| &n == limit;
    // The type a bound belongs to; `None` for 0, the minimum of unsigned
    // types and of CRD fields with `minimum: 0`.
    let kind = if bound(json!(i32::MIN)) || bound(json!(i32::MAX)) {
        Some("a 32-bit integer (-2147483648..2147483647)")
    } else if bound(json!(u32::MAX)) {
        Some("a 32-bit unsigned integer (0..4294967295)")
    } else if bound(json!(i64::MIN)) || bound(json!(i64::MAX)) {
        Some("a 64-bit integer")
    } else if bound(json!(u64::MAX)) {
        Some("a 64-bit unsigned integer")
    } else if bound(json!(0)) {
        None
    } else {
        return None;
    };
    let shown = number_text(value);
    let names_a_port = match path.0.as_slice() {
        [.., Segment::Field(name)] if PORT_FIELDS.contains(&name.as_str()) => true,
        // A map of port numbers by name (a WorkloadEntry's `ports`).
        [.., Segment::Field(map), Segment::Field(_)] => map == "ports",
        _ => false,
    };
    let message = match kind {
        _ if names_a_port => format!("port number {shown} must be in the range 1..65535"),
        Some(kind) => format!("value {shown} does not fit: the field is {kind}"),
        None => format!("value {shown} is out of range: the field must be at least 0"),
    };
    Some(SchemaError {
        path,
        message,
        substitute: Some(limit.clone()),
    })
}

/// A number as written: `1e10` as `10000000000`, `1e23` as `1e23`.
fn number_text(value: &Json) -> String {
    match value.as_f64() {
        Some(f) if value.is_f64() && f.fract() == 0.0 && f.abs() < 1e16 => format!("{f}"),
        Some(f) if value.is_f64() && f.fract() == 0.0 => format!("{f:e}"),
        _ => value.to_string(),
    }
}

impl SchemaError {
    fn at(path: FieldPath, message: String) -> SchemaError {
        SchemaError {
            path,
            message,
            substitute: None,
        }
    }
}

/// A branch that failed only because the value has another type altogether
/// (`null` for an optional field) says nothing useful.
fn is_type_mismatch_here(
    branch: &[jsonschema::ValidationError<'_>],
    parent: &jsonschema::ValidationError<'_>,
) -> bool {
    matches!(branch, [only] if matches!(only.kind(), ValidationErrorKind::Type { .. })
        && only.instance_path() == parent.instance_path())
}

fn describe(value: &Json) -> String {
    match value {
        Json::String(text) => format!("string {text:?}"),
        Json::Number(n) if n.is_i64() || n.is_u64() => format!("integer {n}"),
        Json::Number(n) => format!("number {n}"),
        Json::Bool(b) => format!("boolean {b}"),
        Json::Null => "null".to_string(),
        Json::Array(_) => "an array".to_string(),
        Json::Object(_) => "an object".to_string(),
    }
}

/// JSON-pointer segments to a field path: a numeric segment is an index only
/// where the document has a sequence (`portLevelMtls: {8080: ...}` is a key).
fn resolve_path<'a>(root: &Json, segments: impl Iterator<Item = LocationSegment<'a>>) -> FieldPath {
    let mut path = FieldPath::root();
    let mut node = Some(root);
    for segment in segments {
        let (next_path, next_node) = match (segment, node) {
            (LocationSegment::Index(i), Some(Json::Array(items))) => (path.index(i), items.get(i)),
            (LocationSegment::Index(i), _) => {
                let key = i.to_string();
                (path.field(&key), node.and_then(|n| n.get(&key)))
            }
            (LocationSegment::Property(name), _) => {
                (path.field(&name), node.and_then(|n| n.get(name.as_ref())))
            }
        };
        path = next_path;
        node = next_node;
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_version_has_a_compiling_schema() {
        for info in KINDS {
            for version in info.versions {
                match validator(info, version) {
                    Some(Ok(_)) => {}
                    other => panic!(
                        "{} {version}: {:?}",
                        info.kind,
                        other.map(|r| r.as_ref().err())
                    ),
                }
            }
        }
    }

    /// The schema errors of one YAML object, as `path: message` lines.
    fn schema_errors(text: &str) -> Vec<String> {
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(
            "t.yaml",
            text.to_string(),
        )]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        loaded.objects[0]
            .schema_errors
            .iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect()
    }

    fn load_one(text: &str) -> crate::model::Object {
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(
            "t.yaml",
            text.to_string(),
        )]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        loaded.objects.into_iter().next().unwrap()
    }

    #[test]
    fn integers_out_of_their_type_are_located_and_the_object_still_typed() {
        let object = load_one(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  replicas: 3e9\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - name: a\n        ports: [{containerPort: 1e10}]\n",
        );
        let errors: Vec<_> = object
            .schema_errors
            .iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect();
        assert_eq!(
            errors,
            [
                "spec.replicas: value 3000000000 does not fit: the field is a 32-bit integer (-2147483648..2147483647)",
                "spec.template.spec.containers[0].ports[0].containerPort: port number 10000000000 must be in the range 1..65535",
            ]
        );
        let crate::model::Spec::Deployment(deployment) = &object.spec else {
            panic!("not typed: {:?}", object.spec);
        };
        // Typed with the nearest value that fits.
        assert_eq!(
            deployment.spec.as_ref().and_then(|s| s.replicas),
            Some(i32::MAX)
        );

        let errors = schema_errors(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec:\n  host: a\n  trafficPolicy: {outlierDetection: {consecutive5xxErrors: -2}}\n",
        );
        assert_eq!(
            errors,
            ["spec.trafficPolicy.outlierDetection.consecutive5xxErrors: value -2 is out of range: the field must be at least 0"]
        );
    }

    #[test]
    fn a_fraction_in_an_integer_field_leaves_the_object_untyped() {
        let object = load_one(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: a}\nspec:\n  hosts: [a.com]\n  ports: [{number: 1e10}, {number: 80.5}]\n",
        );
        assert!(matches!(object.spec, crate::model::Spec::Raw));
        assert!(
            object
                .schema_errors
                .iter()
                .any(|e| e.path.to_string() == "spec.ports[1].number"
                    && e.message.starts_with("expected integer")),
            "{:?}",
            object.schema_errors
        );
    }

    #[test]
    fn an_empty_port_level_mtls_is_refused() {
        let errors = schema_errors(
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  portLevelMtls: {}\n",
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("spec.portLevelMtls: ") && errors[0].contains("less than 1"),
            "{errors:?}"
        );
    }

    #[test]
    fn lookups_follow_group_version_kind() {
        assert!(find_kind("networking.istio.io", "v1alpha3", "VirtualService").is_some());
        assert!(find_kind("networking.istio.io", "v2", "VirtualService").is_none());
        assert!(find_kind("", "v1", "Service").is_some());
        assert!(find_kind("telemetry.istio.io", "v1", "Telemetry").is_some());
        assert!(find_kind("telemetry.istio.io", "v2", "Telemetry").is_none());
        assert!(find_kind("gateway.networking.k8s.io", "v1", "HTTPRoute").is_some());
        assert!(find_kind("gateway.networking.k8s.io", "v1alpha2", "HTTPRoute").is_none());
        assert_eq!(
            find_kind("gateway.networking.k8s.io", "v1", "GatewayClass").map(|k| k.scope),
            Some(Scope::Cluster)
        );
    }
}
