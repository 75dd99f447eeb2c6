use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope::{proxyless_selected_by_raw, raw_selector, selection_path, selection_scope};

declare_rule! {
    /// A WasmPlugin selects proxyless gRPC workloads, which have no Envoy to run it.
    ///
    /// ## What it checks
    /// A WasmPlugin (`extensions.istio.io`) whose `selector.matchLabels`
    /// matches proxyless gRPC workloads in its namespace, or that has no
    /// selector and so applies namespace-wide (mesh-wide from the root
    /// namespace). Plugins attached by `targetRef`/`targetRefs` are left alone.
    ///
    /// ## Why it matters
    /// A WasmPlugin is an Envoy HTTP filter. istiod's gRPC generator emits
    /// only the fault, router and RBAC filters (plus stateful session), and
    /// gRPC has no Wasm runtime: the plugin never runs for these workloads,
    /// so whatever it enforces or records is missing for their RPCs.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: extensions.istio.io/v1alpha1
    /// kind: WasmPlugin
    /// metadata: {name: auth, namespace: echo-grpc}
    /// spec:
    ///   selector:
    ///     matchLabels: {app: echo}
    ///   url: oci://example.com/auth:1.0
    /// ```
    ///
    /// ## How to fix
    /// Narrow the selector to Envoy workloads, or implement the plugin's logic
    /// as a gRPC interceptor in the application.
    pub static RULE = { code: "GRPC068", name: "wasm-plugin-on-proxyless-workload", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        if object.kind() != "WasmPlugin" || object.group() != "extensions.istio.io" {
            continue;
        }
        let workloads = proxyless_selected_by_raw(context, object);
        if workloads.is_empty() {
            continue;
        }
        let has_selector = raw_selector(object).is_some();
        findings
            .report(
                object,
                &selection_path(has_selector, &["selector", "matchLabels"]),
                format!(
                    "WasmPlugin {} proxyless gRPC workloads {}, which run no Envoy: the plugin never runs for their RPCs",
                    selection_scope(context, object, has_selector),
                    context.workload_names(&workloads)
                ),
            )
            .help = Some("narrow the selector to Envoy workloads, or implement the logic as a gRPC interceptor".into());
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
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: p, namespace: ns}
spec:
  SELECTOR
  url: oci://example.com/p:1
";

    #[test]
    fn selector_target_refs_and_scope() {
        let found = run_rule(
            "GRPC068",
            "t.yaml",
            &BASE.replace("SELECTOR", "selector: {matchLabels: {app: echo}}"),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].3, "spec.selector.matchLabels");
        let found = run_rule(
            "GRPC068",
            "t.yaml",
            &BASE.replace("SELECTOR", "phase: AUTHN"),
        );
        assert!(found[0].4.contains("applies namespace-wide"), "{found:?}");
        assert!(run_rule(
            "GRPC068",
            "t.yaml",
            &BASE.replace("SELECTOR", "targetRefs: [{kind: Gateway, name: gw}]")
        )
        .is_empty());
        assert!(run_rule(
            "GRPC068",
            "t.yaml",
            &BASE.replace("SELECTOR", "selector: {matchLabels: {app: web}}")
        )
        .is_empty());
    }
}
