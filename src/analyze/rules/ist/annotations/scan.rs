//! The Istio annotations the annotation rules look at: on Namespaces,
//! Services, Pods and workload controllers (as istioctl, which looks at
//! Deployments only), and in the pod templates of workload controllers
//! (checked as Pod annotations, since that is where they end up).

use std::collections::BTreeMap;

use super::table::{is_istio_annotation, lookup, Annotation, ALWAYS_IGNORED};
use crate::index::{pod_template, Index};
use crate::model::{Object, Spec};
use crate::source::FieldPath;

/// One Istio annotation on one object.
pub(super) struct Site<'a> {
    pub object: &'a Object,
    /// The kind the annotation is on: the object's, or `Pod` for a template.
    pub kind: &'a str,
    /// `metadata.annotations["key"]`, or the same in the pod template.
    pub path: FieldPath,
    pub key: &'a str,
    pub value: &'a str,
    /// Labels beside the annotation (the same metadata).
    pub labels: &'a BTreeMap<String, String>,
    /// Istio's definition, when the annotation is known.
    pub definition: Option<&'static Annotation>,
}

/// Kinds whose own metadata is checked: (API group, kind).
const CHECKED_KINDS: [(&str, &str); 10] = [
    ("", "Namespace"),
    ("", "Service"),
    ("", "Pod"),
    ("", "ReplicationController"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
];

/// Every Istio annotation to check, in object order.
pub(super) fn sites(index: &Index) -> Vec<Site<'_>> {
    let mut found = Vec::new();
    for object in &index.objects {
        if !CHECKED_KINDS.contains(&(object.group(), object.kind())) {
            continue;
        }
        let metadata = FieldPath::root().field("metadata");
        collect(
            &mut found,
            object,
            object.kind(),
            &metadata,
            &object.meta.annotations,
            &object.meta.labels,
        );
        if let Some(meta) = pod_template(&object.spec).and_then(|t| t.metadata.as_ref()) {
            let Some(annotations) = &meta.annotations else {
                continue;
            };
            static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();
            collect(
                &mut found,
                object,
                "Pod",
                &template_metadata(&object.spec),
                annotations,
                meta.labels.as_ref().unwrap_or(&NO_LABELS),
            );
        }
    }
    found
}

fn collect<'a>(
    found: &mut Vec<Site<'a>>,
    object: &'a Object,
    kind: &'a str,
    metadata: &FieldPath,
    annotations: &'a BTreeMap<String, String>,
    labels: &'a BTreeMap<String, String>,
) {
    for (key, value) in annotations {
        if !is_istio_annotation(key) || ALWAYS_IGNORED.contains(&key.as_str()) {
            continue;
        }
        found.push(Site {
            object,
            kind,
            path: metadata.field("annotations").field(key),
            key,
            value,
            labels,
            definition: lookup(key),
        });
    }
}

fn template_metadata(spec: &Spec) -> FieldPath {
    let spec_path = FieldPath::root().field("spec");
    match spec {
        Spec::CronJob(_) => spec_path
            .field("jobTemplate")
            .field("spec")
            .field("template"),
        _ => spec_path.field("template"),
    }
    .field("metadata")
}
