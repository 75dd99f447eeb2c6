use std::collections::BTreeMap;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::Workload;
use crate::source::FieldPath;

use super::scope::label_path;

/// The label putting a namespace (or a pod) in ambient mode.
pub(super) const DATAPLANE_MODE: &str = "istio.io/dataplane-mode";

declare_rule! {
    /// Proxyless gRPC workloads are placed in ambient mode, which they cannot take part in.
    ///
    /// ## What it checks
    /// A Namespace labelled `istio.io/dataplane-mode: ambient` that holds
    /// proxyless gRPC workloads (unless a workload opts out with
    /// `istio.io/dataplane-mode: none`), and proxyless gRPC pods or pod
    /// templates labelled `istio.io/dataplane-mode: ambient` themselves.
    ///
    /// ## Why it matters
    /// Ambient mode carries mesh traffic over HBONE tunnels between ztunnels
    /// and waypoints. Proxyless gRPC has no HBONE: istiod never builds a
    /// tunnel for a proxyless node (`supportTunnel` is false) and Istio's own
    /// test suite excludes ambient targets from proxyless callers. Ambient
    /// mTLS and waypoint policies do not apply to these workloads' RPCs, and
    /// RPCs between them and ambient workloads fail wherever mTLS is required.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: echo-grpc
    ///   labels: {istio.io/dataplane-mode: ambient}
    /// # ...with Deployments using inject.istio.io/templates: grpc-agent
    /// ```
    ///
    /// ## How to fix
    /// Keep proxyless gRPC workloads in sidecar-injected namespaces, or label
    /// them `istio.io/dataplane-mode: none` and give them explicit mTLS
    /// (DestinationRule ISTIO_MUTUAL plus STRICT PeerAuthentication).
    pub static RULE = { code: "GRPC072", name: "proxyless-workload-in-ambient", level: Error, check: check };
}

fn is_ambient(labels: &BTreeMap<String, String>) -> bool {
    labels.get(DATAPLANE_MODE).is_some_and(|m| m == "ambient")
}

const WHY: &str = "proxyless gRPC speaks no HBONE (istiod never tunnels proxyless traffic), so ambient mTLS and waypoint policies do not apply to these RPCs, and RPCs to or from ambient workloads fail where mTLS is required";

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let mut by_namespace: BTreeMap<&str, Vec<&Workload>> = BTreeMap::new();
    for workload in context.proxyless_workloads() {
        let object = index.object(workload.object);
        if is_ambient(&workload.labels) {
            findings
                .report(
                    object,
                    &label_path(object, DATAPLANE_MODE),
                    format!(
                        "proxyless gRPC workload {}/{} is labelled {DATAPLANE_MODE}: ambient, but {WHY}",
                        workload.namespace, workload.name
                    ),
                )
                .help = Some("remove the ambient label from proxyless gRPC workloads".into());
            continue;
        }
        if workload.labels.contains_key(DATAPLANE_MODE) {
            continue;
        }
        by_namespace
            .entry(workload.namespace.as_str())
            .or_default()
            .push(workload);
    }
    for (namespace, workloads) in by_namespace {
        let Some(info) = index.namespace(namespace) else {
            continue;
        };
        let Some(id) = info.object.filter(|_| is_ambient(&info.labels)) else {
            continue;
        };
        findings
            .report(
                index.object(id),
                &FieldPath::root()
                    .field("metadata")
                    .field("labels")
                    .field(DATAPLANE_MODE),
                format!(
                    "namespace {namespace} is in ambient mode but holds proxyless gRPC workloads {}; {WHY}",
                    context.workload_names(&workloads)
                ),
            )
            .help = Some("keep proxyless gRPC workloads in a sidecar-injected namespace, or label them istio.io/dataplane-mode: none".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: ns
  labels: {istio.io/dataplane-mode: ambient}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: ns}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: app}]
";

    #[test]
    fn ambient_namespace_or_label() {
        let found = run_rule("GRPC072", "t.yaml", BASE);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "Namespace ns");
        let opted_out = BASE.replace(
            "labels: {app: echo}",
            "labels: {app: echo, istio.io/dataplane-mode: none}",
        );
        assert!(run_rule("GRPC072", "t.yaml", &opted_out).is_empty());
        let pod_label = BASE
            .replace("labels: {istio.io/dataplane-mode: ambient}", "labels: {}")
            .replace(
                "labels: {app: echo}",
                "labels: {app: echo, istio.io/dataplane-mode: ambient}",
            );
        let found = run_rule("GRPC072", "t.yaml", &pod_label);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].3,
            "spec.template.metadata.labels[\"istio.io/dataplane-mode\"]"
        );
    }
}
