use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::pod::{has_istio_proxy, parse_go_bool, BOOTSTRAP_INIT_CONTAINER};

use super::scope::{
    annotation_path, has_env, label_path, pod_spec, templates, BOOTSTRAP_CONFIG_ENV, GRPC_AGENT,
    GRPC_SIMPLE,
};

/// The pod label (or deprecated annotation) switching injection on or off.
const SIDECAR_INJECT: &str = "sidecar.istio.io/inject";

declare_rule! {
    /// A pod asks for the grpc-agent or grpc-simple template but turns injection off, so no template is applied.
    ///
    /// ## What it checks
    /// A proxyless gRPC pod or pod template whose `inject.istio.io/templates`
    /// names `grpc-agent` or `grpc-simple` while its `sidecar.istio.io/inject`
    /// label (or the deprecated annotation of that name) is `"false"`, and
    /// that has no inline bootstrap (`GRPC_XDS_BOOTSTRAP_CONFIG`).
    ///
    /// ## Why it matters
    /// `inject.istio.io/templates` only picks which templates the injector
    /// applies; `sidecar.istio.io/inject: "false"` stops the injector from
    /// touching the pod at all. Neither istio-agent nor grpc-simple's init
    /// container is added, so nobody writes the gRPC xDS bootstrap: the gRPC
    /// library fails to create `xds:///` channels and xDS servers, and every
    /// RPC through them fails.
    ///
    /// ## Example
    /// ```yaml
    /// template:
    ///   metadata:
    ///     labels:
    ///       sidecar.istio.io/inject: "false"
    ///     annotations:
    ///       inject.istio.io/templates: grpc-agent
    /// ```
    ///
    /// ## How to fix
    /// Remove `sidecar.istio.io/inject: "false"` (or set it to `"true"`) so the
    /// proxyless template is injected.
    pub static RULE = { code: "GRPC065", name: "injection-disabled-for-proxyless-template", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for workload in context.proxyless_workloads() {
        let names = templates(workload);
        let Some(template) = names
            .iter()
            .find(|n| **n == GRPC_AGENT || **n == GRPC_SIMPLE)
        else {
            continue;
        };
        let (value, on_label) = match (
            workload.labels.get(SIDECAR_INJECT),
            workload.annotations.get(SIDECAR_INJECT),
        ) {
            (Some(label), _) => (label, true),
            (None, Some(annotation)) => (annotation, false),
            (None, None) => continue,
        };
        if parse_go_bool(value) != Some(false) {
            continue;
        }
        let object = index.object(workload.object);
        // Already injected (a pod read back from a cluster), or the bootstrap
        // is inline: the template's work is done or not needed.
        let injected = pod_spec(object).is_some_and(|spec| {
            has_istio_proxy(spec)
                || spec
                    .init_containers
                    .iter()
                    .flatten()
                    .any(|c| c.name == BOOTSTRAP_INIT_CONTAINER)
        });
        if injected || has_env(object, BOOTSTRAP_CONFIG_ENV) {
            continue;
        }
        let path = if on_label {
            label_path(object, SIDECAR_INJECT)
        } else {
            annotation_path(object, SIDECAR_INJECT)
        };
        findings
            .report(
                object,
                &path,
                format!(
                    "proxyless workload {}/{} asks for the {template} template, but {SIDECAR_INJECT}: {value:?} turns injection off: the template is never applied, nobody writes the gRPC xDS bootstrap, and its xDS channels and servers fail",
                    workload.namespace, workload.name
                ),
            )
            .help = Some(format!("remove {SIDECAR_INJECT}: \"false\" so that {template} is injected"));
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: ns}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata:
      labels: {app: app, sidecar.istio.io/inject: \"false\"}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: app}]
";

    #[test]
    fn label_false_with_grpc_agent() {
        let found = run_rule("GRPC065", "t.yaml", DEPLOYMENT);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].3,
            "spec.template.metadata.labels[\"sidecar.istio.io/inject\"]"
        );
    }

    #[test]
    fn true_or_inline_bootstrap_is_silent() {
        assert!(run_rule(
            "GRPC065",
            "t.yaml",
            &DEPLOYMENT.replace("\"false\"", "\"true\"")
        )
        .is_empty());
        let inline = DEPLOYMENT.replace(
            "{name: app, image: app}",
            "{name: app, image: app, env: [{name: GRPC_XDS_BOOTSTRAP_CONFIG, value: \"{}\"}]}",
        );
        assert!(run_rule("GRPC065", "t.yaml", &inline).is_empty());
    }
}
