//! How istiod attaches a Telemetry resource (pilot's `Telemetries`): by
//! `selector.matchLabels` to workloads of its namespace, by
//! `targetRef`/`targetRefs` to gateways, waypoints and services, and
//! otherwise to its whole namespace (the whole mesh from the root namespace).
//! WasmPlugin attaches by the same fields, and the gRPC rules read it here
//! too. Neither kind is typed: this reads the schema-checked document.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::model::{string_map, Object};

/// Whether `object` is a `telemetry.istio.io` Telemetry.
pub fn is_telemetry(object: &Object) -> bool {
    object.kind() == "Telemetry" && object.group() == "telemetry.istio.io"
}

/// What a Telemetry applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    /// Workloads of its namespace with these labels (never empty).
    Selector(BTreeMap<String, String>),
    /// What its `targetRef`/`targetRefs` name.
    TargetRefs,
    /// Its namespace: no labels in `selector.matchLabels` and no target.
    NamespaceWide,
}

/// How a Telemetry attaches; istiod treats an empty `matchLabels` as no
/// selector.
pub fn attachment(object: &Object) -> Attachment {
    let spec = object.doc.raw.get("spec");
    if let Some(labels) = spec
        .and_then(|s| s.pointer("/selector/matchLabels"))
        .and_then(string_map)
        .filter(|labels| !labels.is_empty())
    {
        return Attachment::Selector(labels);
    }
    let has_target = spec
        .and_then(|s| s.get("targetRef"))
        .is_some_and(|t| !t.is_null())
        || spec
            .and_then(|s| s.get("targetRefs"))
            .and_then(Json::as_array)
            .is_some_and(|refs| !refs.is_empty());
    if has_target {
        Attachment::TargetRefs
    } else {
        Attachment::NamespaceWide
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_files;
    use crate::source::SourceFile;

    fn attach(spec: &str) -> Attachment {
        let text = format!(
            "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {{name: t, namespace: ns}}\nspec: {spec}\n"
        );
        let loaded = load_files(vec![SourceFile::new("t.yaml", text)]);
        assert!(is_telemetry(&loaded.objects[0]));
        attachment(&loaded.objects[0])
    }

    #[test]
    fn selector_target_or_namespace() {
        assert_eq!(
            attach("{selector: {matchLabels: {app: a}}}"),
            Attachment::Selector([("app".to_string(), "a".to_string())].into())
        );
        assert_eq!(
            attach("{selector: {matchLabels: {}}}"),
            Attachment::NamespaceWide
        );
        assert_eq!(
            attach("{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]}"),
            Attachment::TargetRefs
        );
        assert_eq!(attach("{}"), Attachment::NamespaceWide);
    }
}
