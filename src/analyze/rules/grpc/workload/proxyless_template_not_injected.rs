use crate::analyze::rules::ist::injection::lookup::Injection;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::Workload;
use crate::model::pod::{has_istio_proxy, parse_go_bool, BOOTSTRAP_INIT_CONTAINER};
use crate::source::FieldPath;

use super::scope::{has_env, pod_spec, templates, BOOTSTRAP_CONFIG_ENV, GRPC_AGENT, GRPC_SIMPLE};

/// The namespace label of the default injector.
const INJECTION_LABEL: &str = "istio-injection";
/// The label naming the control-plane revision that injects a pod.
const REVISION_LABEL: &str = "istio.io/rev";
/// The pod label that opts a pod into injection.
const SIDECAR_INJECT: &str = "sidecar.istio.io/inject";

declare_rule! {
    /// Pods ask for grpc-agent or grpc-simple in a namespace the injector never touches.
    ///
    /// ## What it checks
    /// Proxyless gRPC pods or pod templates naming `grpc-agent` or
    /// `grpc-simple` in `inject.istio.io/templates`, in a Namespace (declared
    /// among the inputs) that is not enabled for injection (no
    /// `istio-injection: enabled` or `istio.io/rev` label, or
    /// `istio-injection: disabled`), without a pod label that opts a single
    /// pod in (`sidecar.istio.io/inject: "true"` or `istio.io/rev`), and not
    /// already injected. Reported once per namespace.
    ///
    /// ## Why it matters
    /// `inject.istio.io/templates` only chooses templates for pods the
    /// injector webhook handles; the webhook only sees pods of enabled
    /// namespaces or pods labelled `sidecar.istio.io/inject: "true"` (never in
    /// `istio-injection: disabled` namespaces). Otherwise no template is
    /// applied, nobody writes the gRPC xDS bootstrap, and the application's
    /// `xds:///` channels and xDS servers fail.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata: {name: echo-grpc}        # no istio-injection label
    /// ---
    /// # Deployment in echo-grpc with inject.istio.io/templates: grpc-agent
    /// ```
    ///
    /// ## How to fix
    /// Label the namespace `istio-injection: enabled` (or `istio.io/rev`), or
    /// label the pods `sidecar.istio.io/inject: "true"`.
    pub static RULE = { code: "GRPC077", name: "proxyless-template-not-injected", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let injection = Injection::new(index);
    let mut by_namespace: std::collections::BTreeMap<&str, Vec<&Workload>> = Default::default();
    for workload in context.proxyless_workloads() {
        if !templates(workload)
            .iter()
            .any(|n| *n == GRPC_AGENT || *n == GRPC_SIMPLE)
        {
            continue;
        }
        let Some(info) = index
            .namespace(&workload.namespace)
            .filter(|i| i.object.is_some())
        else {
            continue;
        };
        let disabled = info
            .labels
            .get(INJECTION_LABEL)
            .is_some_and(|v| v == "disabled");
        let pod_switch = workload
            .labels
            .get(SIDECAR_INJECT)
            .and_then(|v| parse_go_bool(v));
        if pod_switch == Some(false) {
            continue; // GRPC065 reports it
        }
        // A pod opts in with the switch, or with a revision label that a
        // revision's webhook selects.
        let pod_opts_in = pod_switch == Some(true) || workload.labels.contains_key(REVISION_LABEL);
        let injected_by_webhook =
            !disabled && (pod_opts_in || injection.namespace_injects(&workload.namespace));
        if injected_by_webhook {
            continue;
        }
        let object = index.object(workload.object);
        let already = pod_spec(object).is_some_and(|spec| {
            has_istio_proxy(spec)
                || spec
                    .init_containers
                    .iter()
                    .flatten()
                    .any(|c| c.name == BOOTSTRAP_INIT_CONTAINER)
        });
        if already || has_env(object, BOOTSTRAP_CONFIG_ENV) {
            continue;
        }
        by_namespace
            .entry(workload.namespace.as_str())
            .or_default()
            .push(workload);
    }
    for (namespace, workloads) in by_namespace {
        let Some(id) = index.namespace(namespace).and_then(|i| i.object) else {
            continue;
        };
        let object = index.object(id);
        let path = if object.meta.labels.contains_key(INJECTION_LABEL) {
            FieldPath::root()
                .field("metadata")
                .field("labels")
                .field(INJECTION_LABEL)
        } else {
            FieldPath::root().field("metadata").field("name")
        };
        findings
            .report(
                object,
                &path,
                format!(
                    "namespace {namespace} is not enabled for injection, so the proxyless templates of {} are never applied: nobody writes their gRPC xDS bootstrap, and their xds:/// channels and xDS servers fail",
                    context.workload_names(&workloads)
                ),
            )
            .help = Some("label the namespace istio-injection: enabled, or the pods sidecar.istio.io/inject: \"true\"".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: ns
  labels: {LABELS}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: ns}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo POD}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: app}]
";

    fn yaml(ns: &str, pod: &str) -> String {
        BASE.replace("LABELS", ns).replace(" POD", pod)
    }

    #[test]
    fn namespace_switches() {
        assert_eq!(run_rule("GRPC077", "t.yaml", &yaml("", "")).len(), 1);
        assert!(run_rule("GRPC077", "t.yaml", &yaml("istio-injection: enabled", "")).is_empty());
        assert!(run_rule("GRPC077", "t.yaml", &yaml("istio.io/rev: canary", "")).is_empty());
        assert!(run_rule(
            "GRPC077",
            "t.yaml",
            &yaml("", ", sidecar.istio.io/inject: \"true\"")
        )
        .is_empty());
        assert!(run_rule("GRPC077", "t.yaml", &yaml("", ", istio.io/rev: canary")).is_empty());
        let found = run_rule(
            "GRPC077",
            "t.yaml",
            &yaml(
                "istio-injection: disabled",
                ", sidecar.istio.io/inject: \"true\"",
            ),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].3, "metadata.labels.istio-injection");
    }
}
