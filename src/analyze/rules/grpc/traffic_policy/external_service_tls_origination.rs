use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::{ClientTLSMode, ServiceEntryLocation};
use crate::model::Spec;
use crate::semantics::Protocol;
use crate::source::FieldPath;

use super::scope;

declare_rule! {
    /// A MESH_EXTERNAL ServiceEntry needs TLS origination, which proxyless gRPC clients cannot do through xDS.
    ///
    /// ## What it checks
    /// A ServiceEntry with `location: MESH_EXTERNAL` whose hosts proxyless gRPC
    /// clients can see, and that needs TLS towards the external server: a
    /// DestinationRule for one of its hosts sets `tls.mode` SIMPLE or MUTUAL
    /// (the TLS origination pattern), or one of its ports is declared `HTTPS`
    /// or `TLS` while its name says it carries gRPC (`grpc-tls`): other
    /// HTTPS and TLS ports are for sidecars and gateways, not proxyless
    /// clients.
    ///
    /// ## Why it matters
    /// istiod's gRPC generator cannot originate TLS other than ISTIO_MUTUAL
    /// (SIMPLE and MUTUAL are "TODO"), so a proxyless client following the
    /// xDS config talks plaintext to a TLS server and every RPC fails. An
    /// HTTPS or TLS port gets no virtual host at all, so RPCs fail with "no
    /// matching virtual host" before any connection is made.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: ServiceEntry
    /// metadata: {name: billing, namespace: shop}
    /// spec:
    ///   hosts: [billing.example.com]
    ///   location: MESH_EXTERNAL
    ///   ports: [{number: 443, name: tls, protocol: TLS}]
    ///   resolution: STATIC
    ///   endpoints: [{address: 203.0.113.10}]
    /// ```
    ///
    /// ## How to fix
    /// Let the proxyless client dial the external service directly with its
    /// own TLS credentials (`dns:///billing.example.com:443`), or send it
    /// through an egress gateway or a sidecar that originates TLS.
    pub static RULE = { code: "GRPC033", name: "external-service-tls-origination", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for object in &index.objects {
        let Spec::ServiceEntry(spec) = &object.spec else {
            continue;
        };
        if spec.location != Some(ServiceEntryLocation::MeshExternal) {
            continue;
        }
        let namespace = object.namespace_or("default");
        // An HTTPS or TLS port is no proxyless gRPC target (it gets no
        // route): only one whose name says gRPC is meant to be dialled by
        // the proxyless clients that see the host.
        let seeing = scope::union(spec.hosts.iter().map(|host| {
            let fqdn = index.config_host_fqdn(host, namespace);
            context.clients_seeing(object, &fqdn)
        }));
        let spec_path = FieldPath::root().field("spec");
        let tls_ports: Vec<usize> = spec
            .ports
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                let protocol = Protocol::of_service_entry_port(p.protocol.as_deref());
                matches!(protocol, Protocol::Https | Protocol::Tls)
                    && p.name.as_deref().is_some_and(names_grpc)
            })
            .map(|(i, _)| i)
            .collect();
        let first_host = spec
            .hosts
            .first()
            .map(|h| index.config_host_fqdn(h, namespace))
            .unwrap_or_default();
        for i in tls_ports.into_iter().filter(|_| !seeing.is_empty()) {
            let port = &spec.ports[i];
            findings
                .report(
                    object,
                    &spec_path.field("ports").index(i).field("protocol"),
                    format!(
                        "port {} of external {} is {}: proxyless gRPC clients cannot originate TLS through xDS and istiod gives the port no virtual host, so RPCs from proxyless clients {} fail",
                        port.number.unwrap_or(0),
                        first_host,
                        port.protocol.as_deref().unwrap_or(""),
                        context.workload_names(&seeing)
                    ),
                )
                .help = Some(
                "dial the external service directly with the application's TLS credentials (dns:///host:port), or go through an egress gateway".into(),
            );
        }
        let hosts = scope::service_entry_hosts(context, object, spec);
        let clients = scope::union(hosts.iter().map(|(_, clients)| clients.clone()));
        let origination = hosts.iter().find_map(|(host, _)| {
            index.destination_rules_for(host).iter().find_map(|&id| {
                let rule = index.object(id);
                let Spec::DestinationRule(dr) = &rule.spec else {
                    return None;
                };
                let mode = dr.traffic_policy.as_ref()?.tls.as_ref()?.mode?;
                matches!(mode, ClientTLSMode::Simple | ClientTLSMode::Mutual).then(|| {
                    (
                        rule,
                        host,
                        if mode == ClientTLSMode::Simple {
                            "SIMPLE"
                        } else {
                            "MUTUAL"
                        },
                    )
                })
            })
        });
        if let Some((rule, host, mode)) = origination {
            findings
                .report(
                    object,
                    &spec_path.field("location"),
                    format!(
                        "external {host} relies on TLS origination (DestinationRule {}/{} sets tls.mode {mode}), which proxyless gRPC clients do not get: proxyless clients {} send plaintext to it and their RPCs fail",
                        rule.namespace_or("default"),
                        rule.meta.name,
                        context.workload_names(&clients)
                    ),
                )
                .help = Some(
                "dial the external service directly with the application's TLS credentials (dns:///host:port), or go through an egress gateway".into(),
            );
        }
    }
}

/// Whether a port name says the port carries gRPC.
fn names_grpc(name: &str) -> bool {
    name.to_ascii_lowercase().contains("grpc")
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ns, annotations: {inject.istio.io/templates: grpc-agent}}
spec:
  containers: [{name: app, image: app}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: ns}
spec:
  hosts: [api.example.com]
  location: LOCATION
  ports: [{number: 443, name: grpc, protocol: GRPC, targetPort: 443}]
  resolution: STATIC
  endpoints: [{address: 203.0.113.10}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ext, namespace: ns}
spec:
  host: api.example.com
  trafficPolicy: {tls: {mode: SIMPLE}}
";

    #[test]
    fn origination_dr_is_named_and_internal_is_silent() {
        let found = run_rule(
            "GRPC033",
            "t.yaml",
            &BASE.replace("LOCATION", "MESH_EXTERNAL"),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].3, "spec.location");
        assert!(found[0]
            .4
            .contains("DestinationRule ns/ext sets tls.mode SIMPLE"));
        assert_eq!(
            run_rule(
                "GRPC033",
                "t.yaml",
                &BASE.replace("LOCATION", "MESH_INTERNAL")
            ),
            vec![]
        );
    }
}
