use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::semantics::telemetry::is_telemetry;

use super::scope::{proxyless_selected_by_raw, raw_selector, selection_path, selection_scope};

/// The Telemetry sections gRPC never receives.
const SECTIONS: [(&str, &str); 3] = [
    ("accessLogging", "access-log"),
    ("metrics", "metrics"),
    ("tracing", "tracing"),
];

declare_rule! {
    /// A Telemetry resource selects proxyless gRPC workloads, which never receive its access-log, metrics or tracing config.
    ///
    /// ## What it checks
    /// A Telemetry (`telemetry.istio.io`) whose `selector.matchLabels`
    /// matches proxyless gRPC workloads in its namespace, or that has no
    /// selector and so applies namespace-wide (mesh-wide from the root
    /// namespace). Telemetry attached by `targetRef`/`targetRefs` is left
    /// alone.
    ///
    /// ## Why it matters
    /// Telemetry configures Envoy's access logs, stats and tracing. istiod's
    /// gRPC generator emits only fault, router and RBAC filters and no access
    /// logs or tracing config, so none of it reaches a proxyless workload: its
    /// RPCs are not logged, counted or traced by the mesh.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: telemetry.istio.io/v1
    /// kind: Telemetry
    /// metadata: {name: logs, namespace: echo-grpc}
    /// spec:
    ///   accessLogging:
    ///   - providers: [{name: envoy}]
    /// ```
    ///
    /// ## How to fix
    /// Instrument the gRPC application itself (gRPC's OpenTelemetry plugin,
    /// interceptors), or narrow the selector to Envoy workloads.
    pub static RULE = { code: "GRPC069", name: "telemetry-on-proxyless-workload", level: Info, check: check };
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        if !is_telemetry(object) {
            continue;
        }
        let spec = object.doc.raw.get("spec");
        let set: Vec<&str> = SECTIONS
            .iter()
            .filter(|(field, _)| spec.and_then(|s| s.get(*field)).is_some())
            .map(|(_, words)| *words)
            .collect();
        if set.is_empty() {
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
                    "Telemetry {} proxyless gRPC workloads {}, but istiod sends gRPC no telemetry config: its {} settings never apply to their RPCs",
                    selection_scope(context, object, has_selector),
                    context.workload_names(&workloads),
                    join_and(&set)
                ),
            )
            .help = Some("instrument the gRPC application (e.g. gRPC's OpenTelemetry plugin), or narrow the selector to Envoy workloads".into());
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
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: t, namespace: NS}
spec:
  BODY
";

    #[test]
    fn mesh_wide_telemetry_names_its_sections() {
        let yaml = BASE
            .replace("NS", "istio-system")
            .replace("BODY", "tracing: [{randomSamplingPercentage: 1}]");
        let found = run_rule("GRPC069", "t.yaml", &yaml);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].4.contains("applies mesh-wide"));
        assert!(
            found[0].4.contains("its tracing settings never apply"),
            "{}",
            found[0].4
        );
    }

    #[test]
    fn empty_or_elsewhere_is_silent() {
        assert!(run_rule(
            "GRPC069",
            "t.yaml",
            &BASE
                .replace("NS", "ns")
                .replace("BODY", "selector: {matchLabels: {app: echo}}")
        )
        .is_empty());
        assert!(run_rule(
            "GRPC069",
            "t.yaml",
            &BASE.replace("NS", "other").replace("BODY", "tracing: []")
        )
        .is_empty());
    }
}
