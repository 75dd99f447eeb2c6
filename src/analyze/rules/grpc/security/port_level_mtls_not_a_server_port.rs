use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

use super::scope::listening_ports;

declare_rule! {
    /// A `portLevelMtls` entry names no port a selected proxyless gRPC server listens on.
    ///
    /// ## What it checks
    /// A PeerAuthentication with a selector whose `portLevelMtls` key is not
    /// the target (container) port of any Service port selecting the proxyless
    /// gRPC servers it selects, for example the Service `port` where the
    /// `targetPort` differs.
    ///
    /// ## Why it matters
    /// istiod's gRPC generator builds one server Listener per Service
    /// `targetPort` and looks the port-level mode up by that target port
    /// (`GetMutualTLSModeForPort(targetPort)`, spec §2.4). An entry keyed by
    /// another number matches no Listener: it is silently ignored and the
    /// server keeps the workload-level mode.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   selector: {matchLabels: {app: echo}}
    ///   portLevelMtls:
    ///     "80": {mode: DISABLE}   # the Service port; the server listens on 8080
    /// ```
    ///
    /// ## How to fix
    /// Key `portLevelMtls` by the container port the gRPC server listens on
    /// (the Service's `targetPort`).
    pub static RULE = { code: "GRPC043", name: "port-level-mtls-not-a-server-port", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::PeerAuthentication(spec) = &object.spec else {
            continue;
        };
        if spec.port_level_mtls.is_empty() || crate::index::policy_selector(&object.spec).is_none()
        {
            continue;
        }
        let servers = super::scope::proxyless_servers_selected_by(context, object);
        if servers.is_empty() {
            continue;
        }
        let mut listening = Vec::new();
        let mut service_ports = Vec::new();
        for &server in &servers {
            for (target, service, i) in listening_ports(context, server) {
                listening.push(target);
                service_ports.push((service.ports[i].port, target));
            }
        }
        listening.sort();
        listening.dedup();
        for key in spec.port_level_mtls.keys() {
            let Ok(port) = key.parse::<u32>() else {
                continue;
            };
            if listening.contains(&port) {
                continue;
            }
            let hint = match service_ports.iter().find(|(p, _)| *p == port) {
                Some((_, target)) => format!(
                    "{port} is a Service port whose targetPort is {target}; the entry must be keyed by the target port"
                ),
                None => {
                    let ports: Vec<String> = listening.iter().map(u32::to_string).collect();
                    format!("they listen on {}", ports.join(", "))
                }
            };
            findings
                .report(
                    object,
                    &FieldPath::root().field("spec").field("portLevelMtls").field(key),
                    format!(
                        "portLevelMtls port {port} matches no server Listener of proxyless gRPC servers {} ({hint}): istiod keys port-level mTLS by the target port, so this entry is ignored and the workload-level mode applies",
                        context.workload_names(&servers)
                    ),
                )
                .help = Some("key portLevelMtls by the container port (the Service targetPort)".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    #[test]
    fn service_port_instead_of_target_port_is_explained() {
        let text = "
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: echo}]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {matchLabels: {app: echo}}
  portLevelMtls:
    \"80\": {mode: DISABLE}
    \"8080\": {mode: STRICT}
";
        let found = run_rule("GRPC043", "t.yaml", text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].3, "spec.portLevelMtls.80");
        assert!(found[0]
            .4
            .contains("80 is a Service port whose targetPort is 8080"));
    }
}
