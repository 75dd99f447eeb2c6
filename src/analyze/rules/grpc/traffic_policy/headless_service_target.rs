use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::scope;

declare_rule! {
    /// A headless Service (clusterIP: None) is a target of proxyless gRPC clients, which Istio does not support for them.
    ///
    /// ## What it checks
    /// A Kubernetes Service with `clusterIP: None` that selects proxyless gRPC
    /// servers, that proxyless clients receive a DestinationRule or
    /// VirtualService for, or that has a gRPC/HTTP2 port proxyless clients can
    /// see.
    ///
    /// ## Why it matters
    /// Istio's integration suite excludes headless Services from the targets
    /// of proxyless gRPC clients (`reachableFromProxylessGRPC`): the listener
    /// istiod builds has the address `0.0.0.0`, and the per-pod names clients
    /// of headless Services use (`echo-0.echo.ns.svc.cluster.local`) are not
    /// xDS hosts, so `xds:///` targets for them are never found. Treat the
    /// combination as unsupported.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   clusterIP: None
    ///   selector: {app: echo}
    ///   ports: [{name: grpc, port: 7070}]
    /// ```
    ///
    /// ## How to fix
    /// Give proxyless clients a regular ClusterIP Service for the servers (a
    /// second Service next to the headless one is fine) and dial that.
    pub static RULE = { code: "GRPC034", name: "headless-service-grpc-target", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for service in scope::kubernetes_services(context) {
        let Some(spec) = &service.service.spec else {
            continue;
        };
        if spec.cluster_ip.as_deref() != Some("None") {
            continue;
        }
        let grpc_port = spec
            .ports
            .iter()
            .flatten()
            .any(|p| scope::port_protocol(p).serves_grpc());
        let reason = if service.is_grpc_target() {
            service.reason(context)
        } else if grpc_port && !service.clients.is_empty() {
            format!(
                "it has a gRPC port that proxyless clients {} can see",
                context.workload_names(&service.clients)
            )
        } else {
            continue;
        };
        findings
            .report(
                service.object,
                &FieldPath::root().field("spec").field("clusterIP"),
                format!(
                    "headless Service {} is a proxyless gRPC target ({reason}), which Istio does not support: its listener has no VIP and per-pod names are not xDS hosts",
                    service.host
                ),
            )
            .help = Some(
            "add a ClusterIP Service for the same pods and have proxyless clients dial it".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    #[test]
    fn headless_with_grpc_port_visible_to_clients() {
        let yaml = "
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ns, annotations: {inject.istio.io/templates: grpc-agent}}
spec:
  containers: [{name: app, image: app}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: ns}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: PORT, port: 5432}]
";
        assert_eq!(
            run_rule("GRPC034", "t.yaml", &yaml.replace("PORT", "tcp-postgres")),
            vec![]
        );
        let found = run_rule("GRPC034", "t.yaml", &yaml.replace("PORT", "grpc"));
        assert_eq!(found.len(), 1);
        assert!(found[0]
            .4
            .contains("it has a gRPC port that proxyless clients ns/client can see"));
    }
}
