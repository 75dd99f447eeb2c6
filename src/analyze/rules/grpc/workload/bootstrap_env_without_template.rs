use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::pod::{has_istio_proxy, BOOTSTRAP_INIT_CONTAINER};

use super::scope::{
    env_var, has_env, pod_spec, templates, BOOTSTRAP_CONFIG_ENV, BOOTSTRAP_FILE_ENV, GRPC_AGENT,
    GRPC_SIMPLE,
};

declare_rule! {
    /// A pod points gRPC at an xDS bootstrap file that no Istio template writes.
    ///
    /// ## What it checks
    /// A pod or pod template with `GRPC_XDS_BOOTSTRAP` set in a container,
    /// no `inject.istio.io/templates` naming `grpc-agent` or `grpc-simple`, no
    /// inline `GRPC_XDS_BOOTSTRAP_CONFIG`, and no injected istio-agent or
    /// `grpc-bootstrap-init` container.
    ///
    /// ## Why it matters
    /// gRPC reads its xDS bootstrap from the file `GRPC_XDS_BOOTSTRAP` names.
    /// In Istio that file is written by istio-agent (`grpc-agent` template) or
    /// by grpc-simple's init container (spec section 6). Without either, the
    /// file exists only if the application or an image layer writes it; if it
    /// does not, creating an `xds:///` channel or an xDS server fails.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   env:
    ///   - {name: GRPC_XDS_BOOTSTRAP, value: /etc/istio/proxy/grpc-bootstrap.json}
    /// # ...and no inject.istio.io/templates: grpc-agent
    /// ```
    ///
    /// ## How to fix
    /// Add the annotation `inject.istio.io/templates: grpc-agent` (or
    /// `grpc-simple`), or make sure the application ships its own bootstrap.
    pub static RULE = { code: "GRPC066", name: "xds-bootstrap-without-proxyless-template", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for workload in context.proxyless_workloads() {
        if templates(workload)
            .iter()
            .any(|n| *n == GRPC_AGENT || *n == GRPC_SIMPLE)
        {
            continue;
        }
        let object = index.object(workload.object);
        let Some((path, env)) = env_var(object, BOOTSTRAP_FILE_ENV) else {
            continue;
        };
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
        let file = env
            .value
            .as_deref()
            .map_or_else(|| "its bootstrap file".to_string(), |v| format!("{v:?}"));
        findings
            .report(
                object,
                &path,
                format!(
                    "workload {}/{} sets {BOOTSTRAP_FILE_ENV} but asks for neither grpc-agent nor grpc-simple: nobody writes {file} unless the application does, and without it xds:/// channels and xDS servers fail to start",
                    workload.namespace, workload.name
                ),
            )
            .help = Some("add the annotation inject.istio.io/templates: grpc-agent, or ship the bootstrap with the application".into());
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
      labels: {app: app}
    spec:
      containers:
      - name: app
        image: app
        env:
        - {name: OTHER, value: x}
        - {name: GRPC_XDS_BOOTSTRAP, value: /bootstrap.json}
";

    #[test]
    fn reported_at_the_env_var() {
        let found = run_rule("GRPC066", "t.yaml", DEPLOYMENT);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].3, "spec.template.spec.containers[0].env[1]");
        assert!(found[0].4.contains("\"/bootstrap.json\""));
    }

    #[test]
    fn template_or_inline_config_is_silent() {
        let with_template = DEPLOYMENT.replace(
            "labels: {app: app}",
            "labels: {app: app}\n      annotations: {inject.istio.io/templates: grpc-agent}",
        );
        assert!(run_rule("GRPC066", "t.yaml", &with_template).is_empty());
        let inline = DEPLOYMENT.replace(
            "{name: OTHER, value: x}",
            "{name: GRPC_XDS_BOOTSTRAP_CONFIG, value: x}",
        );
        assert!(run_rule("GRPC066", "t.yaml", &inline).is_empty());
    }
}
