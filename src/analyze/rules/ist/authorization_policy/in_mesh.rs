//! Which workloads a policy can select, whether they are in the mesh and
//! whether they run in ambient mode.
//!
//! istioctl looks only at Pods with an `istio-proxy` container (or an
//! injection label); files given to `mesh analyze` usually hold Deployments
//! rather than Pods, and proxyless gRPC pods have no `istio-proxy` container,
//! so this view also counts pod templates, WorkloadEntries (VMs) and
//! proxyless pods, and Pods or Deployments whose document did not fit its
//! schema (read from the raw document). Shared by the Sidecar,
//! AuthorizationPolicy and DestinationRule rules; it belongs in the index.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use k8s_openapi::api::core::v1::PodSpec;
use serde_json::Value as Json;

use crate::index::{Index, WorkloadKind, DEFAULT_NAMESPACE};
use crate::model::pod::{self, parse_go_bool, BOOTSTRAP_ENV, PROXY_CONTAINER};
use crate::model::{Object, Spec};

/// The namespace istioctl's default resources live in.
pub(crate) const ISTIO_NAMESPACE: &str = "istio-system";
/// The name of the ingress gateway Pod istioctl adds when it reads files.
pub(crate) const DEFAULT_GATEWAY_POD: &str = "istio-ingressgateway-dummy";

const INJECT: &str = "sidecar.istio.io/inject";
const REDIRECTION: &str = "ambient.istio.io/redirection";
const DATAPLANE_MODE: &str = "istio.io/dataplane-mode";
const INJECTION_LABEL: &str = "istio-injection";
const REVISION_LABEL: &str = "istio.io/rev";
/// Controllers whose pod template a selector may match.
const TEMPLATE_KINDS: [&str; 7] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
];

static GATEWAY_LABELS: LazyLock<BTreeMap<String, String>> =
    LazyLock::new(|| BTreeMap::from([("istio".to_string(), "ingressgateway".to_string())]));
static NONE: LazyLock<BTreeMap<String, String>> = LazyLock::new(BTreeMap::new);

/// What a selectable workload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SelectableKind {
    Pod,
    /// The pod template of a Deployment, StatefulSet, Job...
    PodTemplate,
    WorkloadEntry,
    /// The ingress gateway Pod istioctl adds when it reads files.
    DefaultGateway,
}

/// What the pod spec says about the mesh.
#[derive(Debug, Clone, Default)]
struct PodFacts {
    /// A container (or native sidecar init container) named `istio-proxy`.
    has_proxy: bool,
    /// A container with `GRPC_XDS_BOOTSTRAP` in its environment.
    bootstrap_env: bool,
    host_network: bool,
    node_name: Option<String>,
}

/// Something a workload selector can select.
#[derive(Debug, Clone)]
pub(crate) struct Selectable<'a> {
    pub kind: SelectableKind,
    pub namespace: &'a str,
    pub name: &'a str,
    pub labels: Cow<'a, BTreeMap<String, String>>,
    pub annotations: Cow<'a, BTreeMap<String, String>>,
    /// The object it comes from; `None` for istioctl's default gateway pod.
    pub object: Option<&'a Object>,
    facts: PodFacts,
}

impl Selectable<'_> {
    /// The node a Pod is scheduled on.
    pub fn node_name(&self) -> Option<&str> {
        self.facts.node_name.as_deref()
    }
}

/// Pods, pod templates and WorkloadEntries, plus istioctl's default ingress
/// gateway pod (`istio: ingressgateway` in `istio-system`) unless the inputs
/// declare a workload with those labels there.
pub(crate) fn selectable(index: &Index) -> Vec<Selectable<'_>> {
    let mut found: Vec<Selectable<'_>> = index
        .workloads()
        .iter()
        .filter_map(|w| {
            let object = index.object(w.object);
            let (kind, facts) = match w.kind {
                WorkloadKind::Pod => (SelectableKind::Pod, typed_facts(pod_spec(object))),
                WorkloadKind::PodTemplate => {
                    (SelectableKind::PodTemplate, typed_facts(pod_spec(object)))
                }
                WorkloadKind::WorkloadEntry => (SelectableKind::WorkloadEntry, PodFacts::default()),
                WorkloadKind::ServiceEntryEndpoint => return None,
            };
            Some(Selectable {
                kind,
                namespace: &w.namespace,
                name: &w.name,
                labels: Cow::Borrowed(&w.labels),
                annotations: Cow::Borrowed(&w.annotations),
                object: Some(object),
                facts,
            })
        })
        .collect();
    found.extend(index.objects.iter().filter_map(raw_selectable));
    let has_gateway = found.iter().any(|s| {
        s.namespace == ISTIO_NAMESPACE && crate::index::labels_match(&GATEWAY_LABELS, &s.labels)
    });
    if !has_gateway {
        found.push(Selectable {
            kind: SelectableKind::DefaultGateway,
            namespace: ISTIO_NAMESPACE,
            name: DEFAULT_GATEWAY_POD,
            labels: Cow::Borrowed(&GATEWAY_LABELS),
            annotations: Cow::Borrowed(&NONE),
            object: None,
            facts: PodFacts {
                has_proxy: true,
                ..PodFacts::default()
            },
        });
    }
    found
}

/// A Pod or controller whose document did not fit its schema, read raw.
fn raw_selectable(object: &Object) -> Option<Selectable<'_>> {
    if !matches!(object.spec, Spec::Raw) || object.kind_info.is_none() {
        return None;
    }
    let raw = &object.doc.raw;
    let (kind, metadata, spec) = if object.kind() == "Pod" {
        (SelectableKind::Pod, None, raw.get("spec"))
    } else if TEMPLATE_KINDS.contains(&object.kind()) {
        let template = if object.kind() == "CronJob" {
            raw.pointer("/spec/jobTemplate/spec/template")
        } else {
            raw.pointer("/spec/template")
        }?;
        (
            SelectableKind::PodTemplate,
            template.get("metadata"),
            template.get("spec"),
        )
    } else {
        return None;
    };
    let (labels, annotations) = match metadata {
        None => (
            Cow::Borrowed(&object.meta.labels),
            Cow::Borrowed(&object.meta.annotations),
        ),
        Some(meta) => (
            Cow::Owned(json_map(meta.get("labels"))),
            Cow::Owned(json_map(meta.get("annotations"))),
        ),
    };
    Some(Selectable {
        kind,
        namespace: object.namespace_or(DEFAULT_NAMESPACE),
        name: object.display_name(),
        labels,
        annotations,
        object: Some(object),
        facts: raw_facts(spec),
    })
}

fn json_map(value: Option<&Json>) -> BTreeMap<String, String> {
    value.and_then(crate::model::string_map).unwrap_or_default()
}

use crate::semantics::workload::pod_spec;

fn typed_facts(spec: Option<&PodSpec>) -> PodFacts {
    let Some(spec) = spec else {
        return PodFacts::default();
    };
    PodFacts {
        has_proxy: pod::has_istio_proxy(spec),
        bootstrap_env: pod::has_xds_bootstrap(spec),
        host_network: spec.host_network == Some(true),
        node_name: spec.node_name.clone(),
    }
}

fn raw_facts(spec: Option<&Json>) -> PodFacts {
    let Some(spec) = spec else {
        return PodFacts::default();
    };
    let containers: Vec<&Json> = ["containers", "initContainers"]
        .iter()
        .filter_map(|field| spec.get(field).and_then(Json::as_array))
        .flatten()
        .collect();
    PodFacts {
        has_proxy: containers
            .iter()
            .any(|c| c.get("name").and_then(Json::as_str) == Some(PROXY_CONTAINER)),
        bootstrap_env: containers.iter().any(|c| {
            c.get("env")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .any(|e| {
                    e.get("name")
                        .and_then(Json::as_str)
                        .is_some_and(|n| BOOTSTRAP_ENV.contains(&n))
                })
        }),
        host_network: spec.get("hostNetwork").and_then(Json::as_bool) == Some(true),
        node_name: spec
            .get("nodeName")
            .and_then(Json::as_str)
            .map(str::to_string),
    }
}

/// Whether the pod is a proxyless gRPC workload: injected (or to be injected)
/// with the `grpc-agent` or `grpc-simple` template, or pointed at an xDS
/// bootstrap by `GRPC_XDS_BOOTSTRAP`.
pub(crate) fn is_proxyless(selectable: &Selectable<'_>) -> bool {
    pod::has_proxyless_template(&selectable.annotations) || selectable.facts.bootstrap_env
}

/// Whether a selectable workload is in the mesh: it has a sidecar, is a
/// proxyless gRPC workload, or will be injected (pod label or annotation
/// `sidecar.istio.io/inject`, else its namespace's `istio-injection` or
/// `istio.io/rev` label). WorkloadEntries and istioctl's default gateway pod
/// are in the mesh.
pub(crate) fn in_mesh(index: &Index, selectable: &Selectable<'_>) -> bool {
    match selectable.kind {
        SelectableKind::WorkloadEntry | SelectableKind::DefaultGateway => true,
        SelectableKind::Pod | SelectableKind::PodTemplate => {
            if selectable.facts.has_proxy || is_proxyless(selectable) {
                return true;
            }
            !selectable.facts.host_network && injection_enabled(index, selectable)
        }
    }
}

/// `sidecar.istio.io/inject` on the pod: the label wins over the annotation.
fn inject_override(selectable: &Selectable<'_>) -> Option<bool> {
    selectable
        .labels
        .get(INJECT)
        .or_else(|| selectable.annotations.get(INJECT))
        .and_then(|v| parse_go_bool(v))
}

/// Whether the injector would add a sidecar to this pod.
fn injection_enabled(index: &Index, selectable: &Selectable<'_>) -> bool {
    if let Some(inject) = inject_override(selectable) {
        return inject;
    }
    if selectable.labels.contains_key(REVISION_LABEL) {
        return true;
    }
    let labels = namespace_labels(index, selectable.namespace);
    match labels.and_then(|l| l.get(INJECTION_LABEL)) {
        Some(value) => value == "enabled",
        None => labels.is_some_and(|l| l.contains_key(REVISION_LABEL)),
    }
}

/// Whether a selectable workload runs in ambient mode: the CNI marked it
/// (`ambient.istio.io/redirection: enabled`), or it or its namespace is
/// labelled `istio.io/dataplane-mode: ambient` and it has no sidecar.
pub(crate) fn is_ambient(index: &Index, selectable: &Selectable<'_>) -> bool {
    if !matches!(
        selectable.kind,
        SelectableKind::Pod | SelectableKind::PodTemplate
    ) {
        return false;
    }
    if selectable.annotations.get(REDIRECTION).map(String::as_str) == Some("enabled") {
        return true;
    }
    if selectable.facts.has_proxy || is_proxyless(selectable) {
        return false;
    }
    match selectable.labels.get(DATAPLANE_MODE).map(String::as_str) {
        Some("ambient") => true,
        Some(_) => false,
        None => {
            namespace_labels(index, selectable.namespace).is_some_and(is_ambient_namespace)
                && inject_override(selectable) != Some(true)
        }
    }
}

/// A namespace in ambient mode: `istio.io/dataplane-mode: ambient` and no
/// sidecar injection label (`istio-injection: enabled` or `istio.io/rev`).
pub(crate) fn is_ambient_namespace(labels: &BTreeMap<String, String>) -> bool {
    labels.get(DATAPLANE_MODE).map(String::as_str) == Some("ambient")
        && labels.get(INJECTION_LABEL).map(String::as_str) != Some("enabled")
        && !labels.contains_key(REVISION_LABEL)
}

fn namespace_labels<'a>(index: &'a Index, namespace: &str) -> Option<&'a BTreeMap<String, String>> {
    index.namespace(namespace).map(|info| &info.labels)
}

/// A label selector as Kubernetes prints it: `app=a,version=v1`.
pub(crate) fn selector_text(selector: &BTreeMap<String, String>) -> String {
    selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_files;
    use crate::source::SourceFile;

    fn index(text: &str) -> Index {
        let loaded = load_files(vec![SourceFile::new("t.yaml", text.to_string())]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        Index::build(loaded.objects, Default::default())
    }

    fn classify(index: &Index) -> Vec<(String, bool, bool)> {
        selectable(index)
            .iter()
            .map(|s| {
                (
                    format!("{}/{}", s.namespace, s.name),
                    in_mesh(index, s),
                    is_ambient(index, s),
                )
            })
            .collect()
    }

    #[test]
    fn sidecars_proxyless_injection_and_ambient() {
        let index = index(
            r#"
apiVersion: v1
kind: Namespace
metadata: {name: injected, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: amb, labels: {istio.io/dataplane-mode: ambient}}
---
# An Envoy sidecar.
apiVersion: v1
kind: Pod
metadata: {name: envoy, namespace: plain}
spec: {containers: [{name: app, image: a}, {name: istio-proxy, image: p}]}
---
# grpc-simple adds no istio-proxy container, only GRPC_XDS_BOOTSTRAP.
apiVersion: v1
kind: Pod
metadata: {name: simple, namespace: plain}
spec:
  containers:
  - name: app
    image: a
    env: [{name: GRPC_XDS_BOOTSTRAP, value: /etc/istio/proxy/grpc-bootstrap.json}]
---
# Not yet injected, with the grpc-agent template.
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: plain}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata:
      labels: {app: agent}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec: {containers: [{name: app, image: a}]}
---
# Will be injected: namespace label.
apiVersion: v1
kind: Pod
metadata: {name: by-namespace, namespace: injected}
spec: {containers: [{name: app, image: a}]}
---
# Opted out in an injected namespace.
apiVersion: v1
kind: Pod
metadata: {name: opted-out, namespace: injected, labels: {sidecar.istio.io/inject: "false"}}
spec: {containers: [{name: app, image: a}]}
---
# Not in the mesh at all.
apiVersion: v1
kind: Pod
metadata: {name: outside, namespace: plain}
spec: {containers: [{name: app, image: a}]}
---
# In an ambient namespace.
apiVersion: v1
kind: Pod
metadata: {name: amb, namespace: amb}
spec: {containers: [{name: app, image: a}]}
"#,
        );
        assert_eq!(
            classify(&index),
            [
                ("plain/envoy".to_string(), true, false),
                ("plain/simple".to_string(), true, false),
                ("plain/agent".to_string(), true, false),
                ("injected/by-namespace".to_string(), true, false),
                ("injected/opted-out".to_string(), false, false),
                ("plain/outside".to_string(), false, false),
                ("amb/amb".to_string(), false, true),
                (
                    format!("{ISTIO_NAMESPACE}/{DEFAULT_GATEWAY_POD}"),
                    true,
                    false
                ),
            ]
        );
    }

    #[test]
    fn declared_gateway_replaces_the_default_one() {
        let index = index(
            r#"
apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy, image: p}]}
"#,
        );
        let names: Vec<_> = selectable(&index).iter().map(|s| s.name).collect();
        assert_eq!(names, ["gw"]);
    }

    #[test]
    fn ambient_namespace_needs_no_injection_label() {
        let labels = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        assert!(is_ambient_namespace(&labels(&[(
            DATAPLANE_MODE,
            "ambient"
        )])));
        assert!(!is_ambient_namespace(&labels(&[
            (DATAPLANE_MODE, "ambient"),
            (INJECTION_LABEL, "enabled")
        ])));
        assert!(!is_ambient_namespace(&labels(&[
            (DATAPLANE_MODE, "ambient"),
            (REVISION_LABEL, "canary")
        ])));
        assert_eq!(
            selector_text(&labels(&[("version", "v1"), ("app", "a")])),
            "app=a,version=v1"
        );
    }
}
