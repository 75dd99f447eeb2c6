use serde_json::Value as Json;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::Workload;
use crate::model::pod::TEMPLATES_ANNOTATION;

use super::scope::{annotation_path, templates, GRPC_AGENT, PROXY_CONFIG_ANNOTATION};

declare_rule! {
    /// A proxyless gRPC server with the grpc-agent template does not wait for istio-agent to write its bootstrap.
    ///
    /// ## What it checks
    /// A pod or pod template injected with the `grpc-agent` template and
    /// selected by a Service (a server) whose `holdApplicationUntilProxyStarts`
    /// is not true: neither its `proxy.istio.io/config` annotation nor the mesh
    /// config's `defaultConfig` sets it. `grpc-simple` pods are not checked:
    /// their bootstrap is written by an init container before the app starts.
    ///
    /// ## Why it matters
    /// With `grpc-agent`, istio-agent writes the gRPC xDS bootstrap
    /// (`/etc/istio/proxy/grpc-bootstrap.json`) only once it runs, beside the
    /// application. Istio's proxyless gRPC blog warns that the application can
    /// start first: the xDS server (and xDS client) is created before the
    /// bootstrap exists and fails to start, so the pod never serves.
    ///
    /// ## Example
    /// ```yaml
    /// template:
    ///   metadata:
    ///     annotations:
    ///       inject.istio.io/templates: grpc-agent
    ///       # no proxy.istio.io/config with holdApplicationUntilProxyStarts
    /// ```
    ///
    /// ## How to fix
    /// Add the pod annotation `proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'`,
    /// or set `defaultConfig.holdApplicationUntilProxyStarts: true` in the mesh config.
    pub static RULE = { code: "GRPC063", name: "proxyless-server-without-hold-application", level: Warning, check: check };
}

/// `holdApplicationUntilProxyStarts` in a `proxy.istio.io/config` value
/// (YAML or JSON); `None` when it is not set or not readable.
pub(super) fn hold_in_annotation(text: &str) -> Option<bool> {
    let root = crate::source::yaml::parse_values(text)
        .documents
        .into_iter()
        .next()
        .and_then(|d| d.root)?;
    match root.get("holdApplicationUntilProxyStarts")? {
        Json::Bool(b) => Some(*b),
        Json::String(s) => crate::model::pod::parse_go_bool(s),
        _ => None,
    }
}

fn holds(context: &Context<'_>, workload: &Workload) -> bool {
    workload
        .annotations
        .get(PROXY_CONFIG_ANNOTATION)
        .and_then(|text| hold_in_annotation(text))
        .unwrap_or(
            context
                .index
                .mesh_config
                .default_config
                .hold_application_until_proxy_starts,
        )
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for workload in context.proxyless_workloads() {
        if !templates(workload).contains(&GRPC_AGENT) || holds(context, workload) {
            continue;
        }
        let mut services: Vec<&str> = index
            .services_selecting(workload)
            .map(|s| s.host.as_str())
            .collect();
        services.sort();
        services.dedup();
        let Some(first) = services.first() else {
            continue;
        };
        let serves = if services.len() > 1 {
            format!("{first} and {} more", services.len() - 1)
        } else {
            first.to_string()
        };
        let object = index.object(workload.object);
        let explicit_false = workload
            .annotations
            .get(PROXY_CONFIG_ANNOTATION)
            .and_then(|t| hold_in_annotation(t))
            == Some(false);
        let path = if explicit_false {
            annotation_path(object, PROXY_CONFIG_ANNOTATION)
        } else {
            annotation_path(object, TEMPLATES_ANNOTATION)
        };
        findings
            .report(
                object,
                &path,
                format!(
                    "proxyless server {}/{} (serving {serves}) uses grpc-agent without holdApplicationUntilProxyStarts: the app can start before istio-agent writes its gRPC xDS bootstrap, and its xDS server then fails to start",
                    workload.namespace, workload.name
                ),
            )
            .help = Some(
            "add the annotation proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}' or set it in the mesh config's defaultConfig".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::hold_in_annotation;
    use crate::analyze::testing::run_rule;

    const SERVER: &str = "apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ns}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: ns}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      annotations:
        inject.istio.io/templates: TEMPLATE
    spec:
      containers: [{name: app, image: app}]
";

    #[test]
    fn reads_json_and_yaml_proxy_config() {
        assert_eq!(
            hold_in_annotation(r#"{"holdApplicationUntilProxyStarts": true}"#),
            Some(true)
        );
        assert_eq!(
            hold_in_annotation("holdApplicationUntilProxyStarts: false"),
            Some(false)
        );
        assert_eq!(
            hold_in_annotation(r#"{"holdApplicationUntilProxyStarts": "true"}"#),
            Some(true)
        );
        assert_eq!(hold_in_annotation("concurrency: 2"), None);
        assert_eq!(hold_in_annotation("{"), None);
    }

    #[test]
    fn grpc_agent_servers_only() {
        let found = run_rule(
            "GRPC063",
            "t.yaml",
            &SERVER.replace("TEMPLATE", "grpc-agent"),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0]
            .4
            .contains("proxyless server ns/echo (serving echo.ns.svc.cluster.local)"));
        assert!(run_rule(
            "GRPC063",
            "t.yaml",
            &SERVER.replace("TEMPLATE", "grpc-simple")
        )
        .is_empty());
        let client_only = SERVER.replace("TEMPLATE", "grpc-agent").replace(
            "selector: {app: echo}\n  ports",
            "selector: {app: other}\n  ports",
        );
        assert!(run_rule("GRPC063", "t.yaml", &client_only).is_empty());
        let held = SERVER.replace(
            "inject.istio.io/templates: TEMPLATE",
            "inject.istio.io/templates: grpc-agent\n        proxy.istio.io/config: 'holdApplicationUntilProxyStarts: true'",
        );
        assert!(run_rule("GRPC063", "t.yaml", &held).is_empty());
    }
}
