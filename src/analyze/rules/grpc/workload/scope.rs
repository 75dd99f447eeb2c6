//! Facts about proxyless workloads that the workload rules share: where a
//! pod's metadata and spec sit in its object, which injection templates it
//! asks for, where its runtime comes from, and who a raw (untyped) Istio
//! resource such as Telemetry or WasmPlugin selects. Candidates for
//! `analyze/proxyless.rs` once other areas need them.

use std::collections::BTreeMap;

use crate::analyze::proxyless::RUNTIME_ANNOTATION;
use crate::analyze::Context;
use crate::grpc_support::Runtime;
use crate::index::{labels_match, Workload};
use crate::model::pod::{all_containers, TEMPLATES_ANNOTATION};
use crate::model::{Object, Spec};
use crate::semantics::telemetry::{self, Attachment};
use crate::source::FieldPath;

/// The grpc-agent injection template: istio-agent writes the bootstrap.
pub(super) const GRPC_AGENT: &str = "grpc-agent";
/// The grpc-simple injection template: an init container writes it.
pub(super) const GRPC_SIMPLE: &str = "grpc-simple";
/// The environment variable naming the bootstrap file.
pub(super) const BOOTSTRAP_FILE_ENV: &str = "GRPC_XDS_BOOTSTRAP";
/// The environment variable holding the bootstrap inline.
pub(super) const BOOTSTRAP_CONFIG_ENV: &str = "GRPC_XDS_BOOTSTRAP_CONFIG";
/// The pod annotation holding a ProxyConfig override.
pub(super) const PROXY_CONFIG_ANNOTATION: &str = "proxy.istio.io/config";

/// The path of a workload's pod metadata (`metadata` for a Pod,
/// `spec.template.metadata` for a controller).
pub(super) fn metadata_path(object: &Object) -> FieldPath {
    crate::semantics::workload::pod_metadata_path(object)
}

/// The path of a workload's pod spec.
pub(super) fn pod_spec_path(object: &Object) -> FieldPath {
    template_root(object).field("spec")
}

fn template_root(object: &Object) -> FieldPath {
    let spec = FieldPath::root().field("spec");
    match &object.spec {
        Spec::Pod(_) => FieldPath::root(),
        Spec::CronJob(_) => spec.field("jobTemplate").field("spec").field("template"),
        _ => spec.field("template"),
    }
}

/// `metadata.annotations["key"]` in the pod (template).
pub(super) fn annotation_path(object: &Object, key: &str) -> FieldPath {
    metadata_path(object).field("annotations").field(key)
}

/// `metadata.labels["key"]` in the pod (template).
pub(super) fn label_path(object: &Object, key: &str) -> FieldPath {
    metadata_path(object).field("labels").field(key)
}

pub(super) use crate::semantics::workload::pod_spec;

/// The injection templates a workload asks for, as written.
pub(super) fn templates(workload: &Workload) -> Vec<&str> {
    workload
        .annotations
        .get(TEMPLATES_ANNOTATION)
        .map(|names| {
            names
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// A container env var with this name: (container path, env index).
pub(super) fn env_var<'a>(
    object: &'a Object,
    name: &str,
) -> Option<(FieldPath, &'a k8s_openapi::api::core::v1::EnvVar)> {
    let spec = pod_spec(object)?;
    let base = pod_spec_path(object);
    let containers = spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| (base.field("containers").index(i), c))
        .chain(
            spec.init_containers
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, c)| (base.field("initContainers").index(i), c)),
        );
    for (path, container) in containers {
        for (j, env) in container.env.iter().flatten().enumerate() {
            if env.name == name {
                return Some((path.field("env").index(j), env));
            }
        }
    }
    None
}

/// Whether any container sets `name` in its environment.
pub(super) fn has_env(object: &Object, name: &str) -> bool {
    pod_spec(object).is_some_and(|spec| {
        all_containers(spec).any(|c| c.env.iter().flatten().any(|e| e.name == name))
    })
}

/// Where a workload's runtime comes from, for a finding: its annotation
/// when it has a readable one, else the flag `--grpc`.
pub(super) enum RuntimeSource {
    Annotation(Runtime),
    Flag(Runtime),
}

impl RuntimeSource {
    pub(super) fn of(context: &Context<'_>, workload: &Workload) -> RuntimeSource {
        match workload
            .annotations
            .get(RUNTIME_ANNOTATION)
            .and_then(|text| text.parse::<Runtime>().ok())
        {
            Some(runtime) => RuntimeSource::Annotation(runtime),
            None => RuntimeSource::Flag(context.grpc),
        }
    }

    pub(super) fn runtime(&self) -> Runtime {
        match self {
            RuntimeSource::Annotation(r) | RuntimeSource::Flag(r) => *r,
        }
    }

    /// "from annotation mesh.dev/grpc-runtime" or "from --grpc".
    pub(super) fn origin(&self) -> String {
        match self {
            RuntimeSource::Annotation(_) => format!("from annotation {RUNTIME_ANNOTATION}"),
            RuntimeSource::Flag(_) => "from --grpc".to_string(),
        }
    }

    /// Where to report: the annotation, else what makes the pod proxyless.
    pub(super) fn path(&self, object: &Object, workload: &Workload) -> FieldPath {
        match self {
            RuntimeSource::Annotation(_) => annotation_path(object, RUNTIME_ANNOTATION),
            RuntimeSource::Flag(_) => proxyless_marker_path(object, workload),
        }
    }
}

/// What makes a workload proxyless: its `inject.istio.io/templates`
/// annotation, else its bootstrap env var, else its pod metadata.
pub(super) fn proxyless_marker_path(object: &Object, workload: &Workload) -> FieldPath {
    if workload.annotations.contains_key(TEMPLATES_ANNOTATION) {
        return annotation_path(object, TEMPLATES_ANNOTATION);
    }
    for name in [BOOTSTRAP_FILE_ENV, BOOTSTRAP_CONFIG_ENV] {
        if let Some((path, _)) = env_var(object, name) {
            return path;
        }
    }
    metadata_path(object)
}

/// The labels an untyped, selector-based resource (Telemetry, WasmPlugin)
/// selects by; istiod attaches both kinds alike.
pub(super) fn raw_selector(object: &Object) -> Option<BTreeMap<String, String>> {
    match telemetry::attachment(object) {
        Attachment::Selector(labels) => Some(labels),
        _ => None,
    }
}

/// Proxyless workloads an untyped, selector-based resource applies to: in
/// its namespace by `spec.selector.matchLabels`, or mesh-wide from the root
/// namespace without a selector.
pub(super) fn proxyless_selected_by_raw<'a>(
    context: &Context<'a>,
    object: &Object,
) -> Vec<&'a Workload> {
    let selector = match telemetry::attachment(object) {
        // Gateways and waypoints, not sidecars or proxyless workloads.
        Attachment::TargetRefs => return Vec::new(),
        Attachment::Selector(labels) => Some(labels),
        Attachment::NamespaceWide => None,
    };
    let namespace = object.namespace_or("default");
    let mesh_wide = namespace == context.index.mesh_config.root_namespace && selector.is_none();
    context
        .proxyless_workloads()
        .filter(|w| {
            (mesh_wide || w.namespace == namespace)
                && selector.as_ref().is_none_or(|s| labels_match(s, &w.labels))
        })
        .collect()
}

/// Where a selector-based policy chose its workloads: its selector field, or
/// `metadata.namespace` for a namespace- or mesh-wide one.
pub(super) fn selection_path(has_selector: bool, selector_field: &[&str]) -> FieldPath {
    if has_selector {
        selector_field
            .iter()
            .fold(FieldPath::root().field("spec"), |path, name| {
                path.field(name)
            })
    } else {
        FieldPath::root().field("metadata").field("namespace")
    }
}

/// "mesh-wide", "namespace-wide", or "by its selector": how it selects.
pub(super) fn selection_scope(
    context: &Context<'_>,
    object: &Object,
    has_selector: bool,
) -> &'static str {
    if has_selector {
        "selects"
    } else if object.namespace_or("default") == context.index.mesh_config.root_namespace {
        "applies mesh-wide (root namespace, no selector) to"
    } else {
        "applies namespace-wide to"
    }
}
