use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::{labels_match, Workload};
use crate::model::networking::EnvoyFilterSpec;
use crate::model::{Object, Spec};

use super::scope::{selection_path, selection_scope};

declare_rule! {
    /// An EnvoyFilter selects proxyless gRPC workloads, which never receive it.
    ///
    /// ## What it checks
    /// An EnvoyFilter whose `workloadSelector` matches proxyless gRPC
    /// workloads (in its namespace, or in every namespace from the root
    /// namespace), or that has no selector and so applies namespace-wide or
    /// mesh-wide. Filters attached by `targetRefs` and filters whose patches
    /// all have `context: GATEWAY` are left alone.
    ///
    /// ## Why it matters
    /// EnvoyFilters patch Envoy configuration. istiod's gRPC generator builds
    /// proxyless Listeners, RouteConfigurations and Clusters without applying
    /// any EnvoyFilter (`grpcgen` passes no EnvoyFilter keys and patches
    /// nothing), so the filter is silently ignored for these workloads: the
    /// behaviour it adds (headers, rate limits, Lua, ext_authz...) is missing.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1alpha3
    /// kind: EnvoyFilter
    /// metadata: {name: add-header, namespace: echo-grpc}
    /// spec:
    ///   workloadSelector:
    ///     labels: {app: echo}
    ///   configPatches: [...]
    /// ```
    ///
    /// ## How to fix
    /// Narrow the `workloadSelector` to Envoy workloads, or move the behaviour
    /// into the gRPC application (interceptors) or into config gRPC honours.
    pub static RULE = { code: "GRPC067", name: "envoy-filter-on-proxyless-workload", level: Warning, check: check };
}

/// Every patch targets gateways only.
fn gateway_only(spec: &EnvoyFilterSpec) -> bool {
    !spec.config_patches.is_empty()
        && spec.config_patches.iter().all(|patch| {
            patch.pointer("/match/context").and_then(|c| c.as_str()) == Some("GATEWAY")
        })
}

/// Proxyless workloads an EnvoyFilter applies to: a selector in the root
/// namespace matches workloads of every namespace.
fn selected<'a>(
    context: &Context<'a>,
    object: &Object,
    spec: &EnvoyFilterSpec,
) -> Vec<&'a Workload> {
    let namespace = object.namespace_or("default");
    let root = namespace == context.index.mesh_config.root_namespace;
    let selector = spec
        .workload_selector
        .as_ref()
        .map(|s| &s.labels)
        .filter(|l| !l.is_empty());
    context
        .proxyless_workloads()
        .filter(|w| {
            (root || w.namespace == namespace)
                && selector.is_none_or(|s| labels_match(s, &w.labels))
        })
        .collect()
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::EnvoyFilter(spec) = &object.spec else {
            continue;
        };
        if !spec.target_refs.is_empty() || gateway_only(spec) {
            continue;
        }
        let workloads = selected(context, object, spec);
        if workloads.is_empty() {
            continue;
        }
        let has_selector = spec
            .workload_selector
            .as_ref()
            .is_some_and(|s| !s.labels.is_empty());
        findings
            .report(
                object,
                &selection_path(has_selector, &["workloadSelector", "labels"]),
                format!(
                    "EnvoyFilter {} proxyless gRPC workloads {}, but istiod never applies EnvoyFilters to proxyless xDS: its patches are silently ignored for them",
                    selection_scope(context, object, has_selector),
                    context.workload_names(&workloads)
                ),
            )
            .help = Some("narrow the workloadSelector to Envoy workloads, or implement the behaviour in the gRPC application".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "apiVersion: apps/v1
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
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: f, namespace: NS}
spec:
  SELECTOR
  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: CONTEXT}
    patch: {operation: INSERT_BEFORE, value: {name: x}}
";

    fn yaml(ns: &str, selector: &str, context: &str) -> String {
        BASE.replace("NS", ns)
            .replace("SELECTOR", selector)
            .replace("CONTEXT", context)
    }

    #[test]
    fn root_namespace_selector_reaches_every_namespace() {
        let found = run_rule(
            "GRPC067",
            "t.yaml",
            &yaml(
                "istio-system",
                "workloadSelector: {labels: {app: echo}}",
                "SIDECAR_OUTBOUND",
            ),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].3, "spec.workloadSelector.labels");
        let found = run_rule(
            "GRPC067",
            "t.yaml",
            &yaml("istio-system", "priority: 1", "ANY"),
        );
        assert!(found[0].4.contains("applies mesh-wide"), "{}", found[0].4);
        assert_eq!(found[0].3, "metadata.namespace");
    }

    #[test]
    fn gateway_patches_and_other_namespaces_are_silent() {
        assert!(run_rule(
            "GRPC067",
            "t.yaml",
            &yaml("istio-system", "priority: 1", "GATEWAY")
        )
        .is_empty());
        assert!(run_rule("GRPC067", "t.yaml", &yaml("other", "priority: 1", "ANY")).is_empty());
        assert!(run_rule(
            "GRPC067",
            "t.yaml",
            &yaml("ns", "workloadSelector: {labels: {app: web}}", "ANY")
        )
        .is_empty());
    }
}
