use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A Sidecar resource selecting proxyless gRPC workloads sets fields that only Envoy honours.
    ///
    /// ## What it checks
    /// A Sidecar that applies to proxyless gRPC workloads (by
    /// `workloadSelector`, namespace-wide, or mesh-wide from the root
    /// namespace) and sets `ingress`, `inboundConnectionPool`,
    /// `outboundTrafficPolicy` or an egress listener's `captureMode`. One
    /// finding per field.
    ///
    /// ## Why it matters
    /// For proxyless gRPC only part of a Sidecar applies: its egress `hosts`
    /// (and the `exportTo` of what they import) limit which services istiod
    /// sends Listeners and RouteConfigurations for (`SidecarScope`,
    /// `GetEgressListenerForRDS`). Ingress listeners, inbound connection
    /// pools, the outbound traffic policy and capture modes configure Envoy's
    /// listeners and iptables capture, which a proxyless workload does not
    /// have: they are ignored (spec G046).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Sidecar
    /// metadata: {name: default, namespace: echo-grpc}
    /// spec:
    ///   outboundTrafficPolicy: {mode: REGISTRY_ONLY}   # ignored by proxyless gRPC
    ///   egress:
    ///   - hosts: ["./*", "istio-system/*"]              # applies
    /// ```
    ///
    /// ## How to fix
    /// Keep only `egress.hosts` in Sidecars that select proxyless workloads,
    /// and enforce the rest in the application or with policies gRPC honours.
    pub static RULE = { code: "GRPC071", name: "sidecar-field-ignored-by-proxyless", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::Sidecar(spec) = &object.spec else {
            continue;
        };
        let workloads = context.proxyless_selected_by(object);
        if workloads.is_empty() {
            continue;
        }
        let names = context.workload_names(&workloads);
        let root = FieldPath::root().field("spec");
        let mut ignored: Vec<(FieldPath, &str, &str)> = Vec::new();
        if !spec.ingress.is_empty() {
            ignored.push((
                root.field("ingress"),
                "ingress",
                "their server Listeners come from Services and PeerAuthentication, not from Sidecar ingress listeners",
            ));
        }
        if spec.inbound_connection_pool.is_some() {
            ignored.push((
                root.field("inboundConnectionPool"),
                "inboundConnectionPool",
                "gRPC servers get no inbound connection limits from istiod",
            ));
        }
        if spec.outbound_traffic_policy.is_some() {
            ignored.push((
                root.field("outboundTrafficPolicy"),
                "outboundTrafficPolicy",
                "xds:/// targets resolve only to services istiod knows, and other channels bypass the mesh",
            ));
        }
        for (i, egress) in spec.egress.iter().enumerate() {
            if egress.capture_mode.is_some() {
                ignored.push((
                    root.field("egress").index(i).field("captureMode"),
                    "captureMode",
                    "no traffic is captured for proxyless workloads",
                ));
            }
        }
        for (path, what, why) in ignored {
            findings
                .report(
                    object,
                    &path,
                    format!(
                        "{what} is ignored by proxyless gRPC workloads {names} ({why}); for them a Sidecar only limits, by egress hosts, which services istiod sends"
                    ),
                )
                .help = Some("keep only egress hosts in Sidecars for proxyless workloads".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: ns}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: app}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: ns}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
  ingress:
  - port: {number: 7070, protocol: GRPC, name: grpc}
    defaultEndpoint: 127.0.0.1:7070
  egress:
  - hosts: [./*]
  - hosts: [istio-system/*]
    captureMode: NONE
";

    #[test]
    fn one_finding_per_ignored_field() {
        let found = run_rule("GRPC071", "t.yaml", BASE);
        let paths: Vec<&str> = found.iter().map(|f| f.3.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.outboundTrafficPolicy",
                "spec.ingress",
                "spec.egress[1].captureMode"
            ]
        );
    }

    #[test]
    fn egress_hosts_only_is_silent() {
        let egress_only = "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: ns}
spec:
  egress: [{hosts: [./*]}]
";
        let yaml = format!(
            "{}{egress_only}",
            BASE.split("apiVersion: networking.istio.io/v1")
                .next()
                .unwrap_or_default()
        );
        assert!(run_rule("GRPC071", "t.yaml", &yaml).is_empty());
    }
}
