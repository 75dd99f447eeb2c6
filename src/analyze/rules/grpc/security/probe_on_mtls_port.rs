use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::pod::PROXY_CONTAINER;
use crate::model::Spec;
use crate::source::FieldPath;

use super::scope::{int_or_string, listening_ports, mode_name, pod_spec, port_tls, resolve_port};

declare_rule! {
    /// An HTTP or gRPC health probe targets the mTLS-only port of a proxyless gRPC server.
    ///
    /// ## What it checks
    /// A readiness, liveness or startup probe (`httpGet` or `grpc`) of a
    /// proxyless gRPC server whose port is a server Listener port requiring
    /// mTLS (STRICT, or PERMISSIVE with the `security.istio.io/tlsMode: istio`
    /// label). `tcpSocket` probes are fine: the TCP connection is accepted
    /// before any TLS handshake.
    ///
    /// ## Why it matters
    /// The kubelet has no mesh certificate (Istio's proxyless gRPC blog,
    /// "health checks" on mTLS servers). Its HTTP/2 or gRPC probe, whether
    /// plaintext or HTTPS without a client certificate, is refused by a
    /// Listener that requires one. If the injector rewrites the probe to the
    /// istio-agent, the agent still calls the app port without mTLS. The pod
    /// never becomes ready (readiness), is restarted in a loop (liveness), or
    /// never starts (startup).
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   ports: [{containerPort: 7070}]
    ///   readinessProbe:
    ///     grpc: {port: 7070}   # 7070 is STRICT mTLS
    /// ```
    ///
    /// ## How to fix
    /// Serve health on a separate plaintext port that is not a Service
    /// `targetPort` (a plain, non-xDS gRPC server), probe with `tcpSocket`, or
    /// set that port to DISABLE with `portLevelMtls`.
    pub static RULE = { code: "GRPC058", name: "probe-on-mtls-port", level: Warning, check: check };
}

/// Where the pod spec sits in the object.
fn pod_spec_path(spec: &Spec) -> FieldPath {
    let root = FieldPath::root().field("spec");
    match spec {
        Spec::Pod(_) => root,
        Spec::CronJob(_) => root
            .field("jobTemplate")
            .field("spec")
            .field("template")
            .field("spec"),
        _ => root.field("template").field("spec"),
    }
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for workload in context.proxyless_workloads() {
        let Some(spec) = pod_spec(context, workload) else {
            continue;
        };
        let ports = listening_ports(context, workload);
        if ports.is_empty() {
            continue;
        }
        let object = index.object(workload.object);
        let base = pod_spec_path(&object.spec);
        for (i, container) in spec.containers.iter().enumerate() {
            if container.name == PROXY_CONTAINER {
                continue;
            }
            let probes = [
                (
                    "readinessProbe",
                    &container.readiness_probe,
                    "the pod never becomes ready",
                ),
                (
                    "livenessProbe",
                    &container.liveness_probe,
                    "the container is restarted in a loop",
                ),
                (
                    "startupProbe",
                    &container.startup_probe,
                    "the container never starts",
                ),
            ];
            for (name, probe, effect) in probes {
                let Some(probe) = probe else { continue };
                let (kind, port) = if let Some(get) = &probe.http_get {
                    ("httpGet", int_or_string(&get.port))
                } else if let Some(grpc) = &probe.grpc {
                    ("grpc", grpc.port.to_string())
                } else {
                    continue;
                };
                let Some(number) = resolve_port(context, workload, &port) else {
                    continue;
                };
                if !ports.iter().any(|(p, _, _)| *p == number) {
                    continue;
                }
                let tls = port_tls(context, workload, number);
                if !tls.mtls {
                    continue;
                }
                let why = match tls.policy {
                    Some(policy) if !tls.strict_from_label() => format!(
                        "PeerAuthentication {}/{} sets {}",
                        policy.namespace_or("default"),
                        policy.meta.name,
                        mode_name(tls.mode)
                    ),
                    _ => "the security.istio.io/tlsMode=istio label makes it STRICT".to_string(),
                };
                findings
                    .report(
                        object,
                        &base
                            .field("containers")
                            .index(i)
                            .field(name)
                            .field(kind)
                            .field("port"),
                        format!(
                            "{name} ({kind}) targets port {number}, where proxyless gRPC server {} requires mTLS ({why}): the kubelet has no mesh certificate, so the probe fails and {effect}",
                            context.workload_names([workload].as_slice())
                        ),
                    )
                    .help = Some(
                    "serve health on a separate plaintext port that no Service targets, or use a tcpSocket probe".into(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const POD: &str = "
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 80, targetPort: grpc}]
---
apiVersion: v1
kind: Pod
metadata:
  name: echo
  namespace: echo-grpc
  labels: {app: echo}
  annotations: {inject.istio.io/templates: grpc-agent}
spec:
  containers:
  - name: app
    image: echo
    ports: [{name: grpc, containerPort: 7070}, {name: health, containerPort: 8080}]
    livenessProbe: {httpGet: {port: grpc, path: /healthz}}
    readinessProbe: {grpc: {port: 8080}}
    startupProbe: {tcpSocket: {port: grpc}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: strict, namespace: echo-grpc}
spec: {mtls: {mode: STRICT}}
";

    #[test]
    fn named_http_port_fires_other_port_and_tcp_do_not() {
        let found = run_rule("GRPC058", "t.yaml", POD);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "Pod echo-grpc/echo");
        assert_eq!(found[0].3, "spec.containers[0].livenessProbe.httpGet.port");
        assert!(found[0].4.contains("restarted in a loop"));
    }
}
