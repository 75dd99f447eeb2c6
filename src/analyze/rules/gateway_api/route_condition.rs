use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// istiod would write a negative condition in a Gateway API object's status: a route or listener it does not accept, a reference it cannot resolve.
    ///
    /// ## What it checks
    /// Every Gateway, ListenerSet, HTTPRoute, GRPCRoute, TCPRoute and
    /// TLSRoute, converted as istiod converts them: a parentRef to a Service
    /// or Gateway that is not in the inputs, a listener or port that does not
    /// exist, a hostname no listener allows, a backendRef to a missing
    /// Service, a cross-namespace reference without a ReferenceGrant (mesh
    /// routes need none), an unsupported filter or protocol. Each is reported
    /// at the parentRef or listener it is about, with the condition istiod
    /// would write (`Accepted`, `ResolvedRefs`, `Programmed`...) and its
    /// reason.
    ///
    /// ## Why it matters
    /// istiod reports these only in the status of the applied object, after
    /// the fact, and `istioctl analyze` only echoes a status already there
    /// (IST0171). A route that is not accepted is not sent to anyone; a
    /// backend that does not resolve becomes the cluster `UnknownService`,
    /// and RPCs routed to it fail.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: gateway.networking.k8s.io/v1
    /// kind: GRPCRoute
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   parentRefs: [{group: "", kind: Service, name: ehco, port: 7070}]
    ///   rules:
    ///   - backendRefs: [{name: echo-v2, port: 7070}]
    /// ```
    ///
    /// ## How to fix
    /// Name Services, Gateways and listeners that exist (and include them in
    /// the inputs), add the ReferenceGrant a cross-namespace reference needs,
    /// and use only the filters and protocols Istio supports.
    pub static RULE = { code: "MESH201", name: "gateway-api-condition", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for condition in &context.index.gateway_api.conditions {
        let Some(object) = context.index.objects.get(condition.object) else {
            continue;
        };
        findings.report(
            object,
            &condition.field,
            format!(
                "istiod would write {}={} in the status ({}): {}: {}",
                condition.condition_type,
                if condition.status { "True" } else { "False" },
                condition.place,
                condition.reason,
                condition.message
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const ROUTE: &str = "apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ns}
spec:
  ports: [{name: grpc, port: 7070}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: echo, namespace: ns}
spec:
  parentRefs: [{group: '', kind: Service, name: PARENT, port: 7070}]
  rules:
  - backendRefs: [{name: BACKEND, port: 7070}]
";

    #[test]
    fn a_missing_backend_is_told_at_the_parent_reference() {
        let text = ROUTE
            .replace("PARENT", "echo")
            .replace("BACKEND", "echo-v3");
        let found = run_rule("MESH201", "route.yaml", &text);
        assert_eq!(found.len(), 1, "{found:?}");
        let (code, origin, line, field, message) = &found[0];
        assert_eq!(code, "MESH201");
        assert_eq!(origin, "GRPCRoute ns/echo");
        assert_eq!(*line, 11);
        assert_eq!(field, "spec.parentRefs[0]");
        assert!(
            message.starts_with("istiod would write ResolvedRefs=False"),
            "{message}"
        );
        assert!(message.contains("echo-v3"), "{message}");
    }

    #[test]
    fn a_route_that_resolves_is_silent() {
        let text = ROUTE.replace("PARENT", "echo").replace("BACKEND", "echo");
        assert!(run_rule("MESH201", "route.yaml", &text).is_empty());
    }
}
