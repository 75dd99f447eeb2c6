use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::ServiceEntryResolution;
use crate::model::Spec;
use crate::source::FieldPath;

use super::scope;

declare_rule! {
    /// A ServiceEntry with DNS resolution gives proxyless gRPC clients no endpoints: their RPCs fail UNAVAILABLE.
    ///
    /// ## What it checks
    /// A ServiceEntry with `resolution: DNS` or `DNS_ROUND_ROBIN` whose hosts
    /// proxyless gRPC clients can see.
    ///
    /// ## Why it matters
    /// For Envoy istiod builds a DNS cluster; for proxyless gRPC it always
    /// declares an EDS cluster, and the endpoints of a DNS-resolved service
    /// are not in EDS (`findShards` returns nothing for DNS clusters). The
    /// client receives an empty ClusterLoadAssignment and every RPC to
    /// `xds:///host:port` fails UNAVAILABLE. Istio's integration tests exclude
    /// such targets from proxyless clients.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: ServiceEntry
    /// metadata: {name: billing, namespace: shop}
    /// spec:
    ///   hosts: [billing.example.com]
    ///   ports: [{number: 443, name: grpc, protocol: GRPC}]
    ///   resolution: DNS
    /// ```
    ///
    /// ## How to fix
    /// Give the ServiceEntry `resolution: STATIC` with IP `endpoints` (or a
    /// `workloadSelector`), or have the client dial the name directly
    /// (`dns:///billing.example.com:443`) instead of through `xds:///`.
    pub static RULE = { code: "GRPC032", name: "dns-service-entry-no-endpoints", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::ServiceEntry(spec) = &object.spec else {
            continue;
        };
        let resolution = match spec.resolution {
            Some(ServiceEntryResolution::Dns) => "DNS",
            Some(ServiceEntryResolution::DnsRoundRobin) => "DNS_ROUND_ROBIN",
            _ => continue,
        };
        let hosts = scope::service_entry_hosts(context, object, spec);
        if hosts.is_empty() {
            continue;
        }
        let names: Vec<&str> = hosts.iter().map(|(host, _)| host.as_str()).collect();
        let clients = scope::union(hosts.iter().map(|(_, clients)| clients.clone()));
        findings
            .report(
                object,
                &FieldPath::root().field("spec").field("resolution"),
                format!(
                    "resolution {resolution} gives proxyless gRPC clients an empty endpoint list (istiod sends DNS-resolved hosts only to Envoy): RPCs from proxyless clients {} to {} fail UNAVAILABLE",
                    context.workload_names(&clients),
                    names.join(", ")
                ),
            )
            .help = Some(
            "use resolution STATIC with IP endpoints, or dial the host with dns:/// instead of xds:///".into(),
        );
    }
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
  ports: [{number: 443, name: grpc, protocol: GRPC}]
  resolution: RESOLUTION
  EXPORT
";

    #[test]
    fn dns_fires_static_and_hidden_do_not() {
        let dns = BASE.replace("RESOLUTION", "DNS").replace("EXPORT", "");
        let found = run_rule("GRPC032", "t.yaml", &dns);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].3, "spec.resolution");
        let fixed = BASE.replace("RESOLUTION", "STATIC").replace("EXPORT", "");
        assert_eq!(run_rule("GRPC032", "t.yaml", &fixed), vec![]);
        let hidden = BASE
            .replace("RESOLUTION", "DNS_ROUND_ROBIN")
            .replace("EXPORT", "exportTo: [other]");
        assert_eq!(run_rule("GRPC032", "t.yaml", &hidden), vec![]);
    }
}
