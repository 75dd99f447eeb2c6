use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::labels_match;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// An Istio Gateway's selector picks proxyless gRPC workloads, which cannot act as gateways.
    ///
    /// ## What it checks
    /// An Istio `Gateway` (networking.istio.io) whose non-empty `selector`
    /// matches the labels of proxyless gRPC workloads, in any namespace (as
    /// Istio matches gateway selectors by default).
    ///
    /// ## Why it matters
    /// A Gateway configures the listeners of an Envoy gateway deployment. A
    /// proxyless gRPC workload has no Envoy, and istiod's gRPC generator
    /// builds no gateway listeners: the Gateway's servers, TLS settings and
    /// bound VirtualServices never take effect on it. The selector most likely
    /// matches labels shared with application pods by accident.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: edge, namespace: echo-grpc}
    /// spec:
    ///   selector: {app: echo}
    ///   servers: [...]
    /// ```
    ///
    /// ## How to fix
    /// Select the gateway deployment's own labels (for example
    /// `istio: ingressgateway`), not those of proxyless application pods.
    pub static RULE = { code: "GRPC070", name: "gateway-selects-proxyless-workload", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::Gateway(spec) = &object.spec else {
            continue;
        };
        if spec.selector.is_empty() {
            continue;
        }
        let workloads: Vec<_> = context
            .proxyless_workloads()
            .filter(|w| labels_match(&spec.selector, &w.labels))
            .collect();
        if workloads.is_empty() {
            continue;
        }
        findings
            .report(
                object,
                &FieldPath::root().field("spec").field("selector"),
                format!(
                    "Gateway selector matches proxyless gRPC workloads {}, which run no Envoy and get no gateway listeners from istiod: the Gateway's servers never take effect on them",
                    context.workload_names(&workloads)
                ),
            )
            .help = Some("select the gateway deployment's labels, not the proxyless application's".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "apiVersion: v1
kind: Pod
metadata:
  name: echo
  namespace: apps
  labels: {app: echo}
  annotations: {inject.istio.io/templates: grpc-simple}
spec:
  containers: [{name: app, image: app}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: SELECTOR
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]
";

    #[test]
    fn matches_across_namespaces() {
        let found = run_rule(
            "GRPC070",
            "t.yaml",
            &BASE.replace("SELECTOR", "{app: echo}"),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].4.contains("apps/echo"));
        assert!(run_rule(
            "GRPC070",
            "t.yaml",
            &BASE.replace("SELECTOR", "{istio: ingressgateway}")
        )
        .is_empty());
        assert!(run_rule("GRPC070", "t.yaml", &BASE.replace("SELECTOR", "{}")).is_empty());
    }
}
