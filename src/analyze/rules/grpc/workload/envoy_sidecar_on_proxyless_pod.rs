use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::pod::{PROXY_CONTAINER, TEMPLATES_ANNOTATION};
use crate::source::FieldPath;

use super::scope::{annotation_path, pod_spec, pod_spec_path, templates, GRPC_AGENT, GRPC_SIMPLE};

declare_rule! {
    /// A proxyless gRPC pod also gets an Envoy sidecar, which still captures its gRPC traffic.
    ///
    /// ## What it checks
    /// A proxyless gRPC pod or pod template that asks for the `sidecar`
    /// injection template beside `grpc-agent` or `grpc-simple`
    /// (`inject.istio.io/templates: grpc-agent,sidecar`), or that carries an
    /// `istio-proxy` container which runs Envoy (no `DISABLE_ENVOY: "true"`,
    /// as the grpc-agent template sets).
    ///
    /// ## Why it matters
    /// In this mixed mode the application's gRPC library talks xDS itself, but
    /// the pod's traffic is still redirected through Envoy: every RPC is
    /// handled twice, Envoy applies its own copy of the routing and mTLS
    /// config, and what the proxyless client honours or ignores no longer
    /// decides what happens on the wire. Debugging which of the two applied a
    /// setting gets hard.
    ///
    /// ## Example
    /// ```yaml
    /// template:
    ///   metadata:
    ///     annotations:
    ///       inject.istio.io/templates: grpc-agent,sidecar
    /// ```
    ///
    /// ## How to fix
    /// Pick one data plane: keep only `grpc-agent` (or `grpc-simple`) for a
    /// proxyless workload, or drop the xDS bootstrap and use the Envoy sidecar.
    pub static RULE = { code: "GRPC064", name: "envoy-sidecar-on-proxyless-pod", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for workload in context.proxyless_workloads() {
        let object = index.object(workload.object);
        let names = templates(workload);
        let proxyless_template = names
            .iter()
            .find(|n| **n == GRPC_AGENT || **n == GRPC_SIMPLE);
        if let (Some(template), true) = (proxyless_template, names.contains(&"sidecar")) {
            findings
                .report(
                    object,
                    &annotation_path(object, TEMPLATES_ANNOTATION),
                    format!(
                        "proxyless workload {}/{} asks for the sidecar template beside {template}: Envoy is injected too and still captures the app's gRPC traffic, so each RPC goes through both the proxyless xDS client and Envoy",
                        workload.namespace, workload.name
                    ),
                )
                .help = Some(format!("keep only {template} in inject.istio.io/templates, or drop it and use the Envoy sidecar"));
            continue;
        }
        let Some(spec) = pod_spec(object) else {
            continue;
        };
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
        let envoy: Option<FieldPath> = containers
            .filter(|(_, c)| c.name == PROXY_CONTAINER)
            .find(|(_, c)| {
                !c.env.iter().flatten().any(|e| {
                    e.name == "DISABLE_ENVOY"
                        && e.value
                            .as_deref()
                            .and_then(crate::model::pod::parse_go_bool)
                            == Some(true)
                })
            })
            .map(|(path, _)| path);
        let Some(path) = envoy else { continue };
        findings
            .report(
                object,
                &path,
                format!(
                    "proxyless workload {}/{} also runs Envoy in its istio-proxy container (no DISABLE_ENVOY=true): Envoy still captures the app's gRPC traffic, so each RPC goes through both the proxyless xDS client and Envoy",
                    workload.namespace, workload.name
                ),
            )
            .help = Some("inject only grpc-agent (its istio-proxy container runs the agent with DISABLE_ENVOY=true), or drop the xDS bootstrap".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: ns
  annotations: {inject.istio.io/templates: grpc-agent}
spec:
  containers:
  - name: app
    image: app
  - name: istio-proxy
    image: proxyv2
    env: [{name: DISABLE_ENVOY, value: \"true\"}]
";

    #[test]
    fn agent_only_istio_proxy_is_not_envoy() {
        assert!(run_rule("GRPC064", "t.yaml", POD).is_empty());
        let envoy = POD.replace("DISABLE_ENVOY", "OTHER");
        let found = run_rule("GRPC064", "t.yaml", &envoy);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].3, "spec.containers[1]");
    }

    #[test]
    fn sidecar_template_beside_grpc_agent() {
        let mixed = POD.replace(
            "templates: grpc-agent",
            "templates: \"grpc-agent, sidecar\"",
        );
        let found = run_rule("GRPC064", "t.yaml", &mixed);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].3,
            "metadata.annotations[\"inject.istio.io/templates\"]"
        );
    }
}
