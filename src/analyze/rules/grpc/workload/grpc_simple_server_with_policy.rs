use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::security::MutualTLSMode;
use crate::model::Spec;

use super::scope::{selection_path, selection_scope, templates, GRPC_AGENT, GRPC_SIMPLE};

declare_rule! {
    /// A STRICT PeerAuthentication or an AuthorizationPolicy selects grpc-simple servers, which cannot enforce it.
    ///
    /// ## What it checks
    /// A PeerAuthentication with `mtls.mode: STRICT`, or an
    /// AuthorizationPolicy, that applies (by selector, namespace-wide or
    /// mesh-wide) to proxyless gRPC servers injected with the `grpc-simple`
    /// template (and not `grpc-agent`) and selected by a Service.
    ///
    /// ## Why it matters
    /// Istio sends server-side mTLS and RBAC only in the server Listener
    /// (`xds.istio.io/grpc/lds/inbound/...`) an xDS-enabled gRPC server asks
    /// for. grpc-simple's bootstrap has neither
    /// `server_listener_resource_name_template` nor `certificate_providers`
    /// (spec section 6): gRPC cannot create an xDS server from it (gRFC A36
    /// requires the template) and has no certificates for mTLS. The
    /// application serves with a plain gRPC server, and the policy is silently
    /// not enforced.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata: {name: strict, namespace: echo-grpc}
    /// spec:
    ///   mtls: {mode: STRICT}
    /// # servers: inject.istio.io/templates: grpc-simple
    /// ```
    ///
    /// ## How to fix
    /// Inject the servers with `grpc-agent`, which writes the server listener
    /// template and certificates into the bootstrap, and serve with an
    /// xDS-enabled gRPC server.
    pub static RULE = { code: "GRPC076", name: "grpc-simple-server-with-policy", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for object in &index.objects {
        let (what, selector_field): (&str, [&str; 2]) = match &object.spec {
            Spec::PeerAuthentication(spec)
                if spec.mtls.as_ref().and_then(|m| m.mode) == Some(MutualTLSMode::Strict) =>
            {
                ("STRICT mTLS", ["selector", "matchLabels"])
            }
            Spec::AuthorizationPolicy(_) => ("its rules", ["selector", "matchLabels"]),
            _ => continue,
        };
        let servers: Vec<_> = context
            .proxyless_selected_by(object)
            .into_iter()
            .filter(|w| {
                let names = templates(w);
                names.contains(&GRPC_SIMPLE) && !names.contains(&GRPC_AGENT)
            })
            .filter(|w| index.services_selecting(w).next().is_some())
            .collect();
        if servers.is_empty() {
            continue;
        }
        let has_selector = crate::index::policy_selector(&object.spec).is_some();
        findings
            .report(
                object,
                &selection_path(has_selector, &selector_field),
                format!(
                    "{} {} grpc-simple servers {}, whose bootstrap has no server listener template or certificates: gRPC cannot serve the xDS server Listener that carries {what}, so it is not enforced on them",
                    object.kind(),
                    selection_scope(context, object, has_selector),
                    context.workload_names(&servers)
                ),
            )
            .help = Some("inject the servers with grpc-agent and serve with an xDS-enabled gRPC server".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "apiVersion: v1
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
      annotations: {inject.istio.io/templates: TEMPLATE}
    spec:
      containers: [{name: app, image: app}]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls: {mode: MODE}
";

    #[test]
    fn strict_mesh_wide_on_grpc_simple_servers() {
        let yaml = BASE
            .replace("TEMPLATE", "grpc-simple")
            .replace("MODE", "STRICT");
        let found = run_rule("GRPC076", "t.yaml", &yaml);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].3, "metadata.namespace");
        assert!(found[0].4.contains("applies mesh-wide"));
        assert!(run_rule(
            "GRPC076",
            "t.yaml",
            &BASE
                .replace("TEMPLATE", "grpc-simple")
                .replace("MODE", "DISABLE")
        )
        .is_empty());
        assert!(run_rule(
            "GRPC076",
            "t.yaml",
            &BASE
                .replace("TEMPLATE", "grpc-agent")
                .replace("MODE", "STRICT")
        )
        .is_empty());
    }
}
