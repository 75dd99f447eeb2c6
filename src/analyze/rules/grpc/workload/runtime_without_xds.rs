use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::{Feature, Runtime};

use super::scope::RuntimeSource;

declare_rule! {
    /// A proxyless workload runs a gRPC release that cannot speak the xDS v3 Istio serves.
    ///
    /// ## What it checks
    /// A proxyless gRPC workload whose runtime (its `mesh.dev/grpc-runtime`
    /// annotation, else `--grpc`) predates gRPC's xDS client (gRFC A27:
    /// C++/Java/Go 1.30, Node 1.2) or xDS v3 (gRFC A30: C++/Python/Ruby/PHP,
    /// Java and Go 1.36, Node 1.4).
    ///
    /// ## Why it matters
    /// istiod serves only xDS v3. A gRPC library without an xDS client cannot
    /// resolve `xds:///` targets at all, and one that speaks only xDS v2 never
    /// gets a Listener, RouteConfiguration or Cluster it understands: every RPC
    /// on an `xds:///` channel fails, and an xDS server never starts serving.
    /// Istio's proxyless gRPC blog asks for gRPC 1.39.0 or later.
    ///
    /// ## Example
    /// ```yaml
    /// template:
    ///   metadata:
    ///     annotations:
    ///       inject.istio.io/templates: grpc-agent
    ///       mesh.dev/grpc-runtime: go@1.35
    /// ```
    ///
    /// ## How to fix
    /// Upgrade the application's gRPC library to 1.39 or later (Node
    /// `@grpc/grpc-js-xds` 1.4 or later), then update the annotation.
    pub static RULE = { code: "GRPC061", name: "grpc-runtime-without-xds-v3", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for workload in context.proxyless_workloads() {
        let source = RuntimeSource::of(context, workload);
        // Only a known release can predate a feature every language has.
        let Runtime::Exact(language, version) = source.runtime() else {
            continue;
        };
        let name = language.display();
        let first = |feature: Feature| crate::grpc_support::row(feature).since.get(language);
        let what = if let Some(added) = first(Feature::XdsClient).filter(|v| version < *v) {
            format!("which has no xDS client (gRFC A27, added in {name} {added})")
        } else if let Some(added) = first(Feature::XdsV3).filter(|v| version < *v) {
            format!("which speaks only xDS v2 while istiod serves only xDS v3 (gRFC A30, added in {name} {added})")
        } else {
            continue;
        };
        let object = index.object(workload.object);
        findings
            .report(
                object,
                &source.path(object, workload),
                format!(
                    "proxyless workload {}/{} runs gRPC {name} {version} ({}), {what}: it never receives its xDS configuration and every RPC on an xds:/// channel fails; Istio's proxyless gRPC blog requires gRPC 1.39 or later",
                    workload.namespace,
                    workload.name,
                    source.origin()
                ),
            )
            .help = Some("upgrade the gRPC library to 1.39 or later and update mesh.dev/grpc-runtime".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    fn deployment(runtime: &str) -> String {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata: {{name: app, namespace: ns}}
spec:
  selector: {{matchLabels: {{app: app}}}}
  template:
    metadata:
      labels: {{app: app}}
      annotations:
        inject.istio.io/templates: grpc-agent
        mesh.dev/grpc-runtime: {runtime}
    spec:
      containers: [{{name: app, image: app}}]
"
        )
    }

    #[test]
    fn releases_before_xds_v3_fail() {
        let found = run_rule("GRPC061", "t.yaml", &deployment("go@1.35"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].4.contains("runs gRPC Go 1.35 (from annotation mesh.dev/grpc-runtime), which speaks only xDS v2 while istiod serves only xDS v3 (gRFC A30, added in Go 1.36)"), "{}", found[0].4);
        let found = run_rule("GRPC061", "t.yaml", &deployment("java@1.29"));
        assert!(found[0].4.contains("has no xDS client"), "{}", found[0].4);
        let found = run_rule("GRPC061", "t.yaml", &deployment("node@1.3"));
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn v3_releases_and_any_are_silent() {
        for runtime in ["go@1.36", "cpp@1.62", "node@1.4", "any", "java"] {
            assert!(
                run_rule("GRPC061", "t.yaml", &deployment(runtime)).is_empty(),
                "{runtime}"
            );
        }
    }
}
