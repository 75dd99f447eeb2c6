use std::collections::BTreeMap;

use envoy_types::pb::envoy::config::route::v3::RouteConfiguration;
use envoy_types::pb::google::protobuf::value::Kind;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Runtime;
use crate::index::Workload;
use crate::model::Object;
use crate::semantics::istiod_release::RdsScope;
use crate::source::FieldPath;
use crate::xds::client::acceptance;
use crate::xds::names::{join_host_port, ClusterKey};
use crate::xds::render::RenderOptions;

declare_rule! {
    /// Before Istio 1.31, a VirtualService gRPC refuses on one Service breaks the routes of every Service on the same port.
    ///
    /// ## What it checks
    /// For each proxyless client, the route configuration of each host it
    /// sees, as istiod (`--istio`) sends it: up to 1.30 it carries the
    /// virtual host of every Service on that port the client sees. The rule
    /// reports a host whose route configuration the client refuses (NACK)
    /// because of *another* host's VirtualService: a CORS policy (GRPC001),
    /// a Gateway API path prefix sent as `path_separated_prefix` (GRPC079),
    /// a header match sent as `string_match` to a client older than gRFC
    /// A63 (GRPC008), and whatever else the client model refuses.
    ///
    /// ## Why it matters
    /// gRPC validates every virtual host of a RouteConfiguration and refuses
    /// the whole resource when one is invalid (grpc-go
    /// `generateRDSUpdateFromRouteConfiguration`; C-core alike), so the
    /// client loses this host's routes too, though nothing about this host
    /// changed. Istio 1.31 (istio/istio#59241, commit `20b5c87f4f3`) sends
    /// only the requested host's virtual hosts, which confines the NACK to
    /// the host whose VirtualService is at fault.
    ///
    /// ## Example
    /// ```yaml
    /// # mesh analyze --istio 1.30: echo and billing both serve port 7070
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: billing-cors, namespace: demo}
    /// spec:
    ///   hosts: [billing.demo.svc.cluster.local]
    ///   http:
    ///   - corsPolicy: {allowOrigins: [{exact: "https://example.com"}]}
    ///     route: [{destination: {host: billing.demo.svc.cluster.local}}]
    /// ```
    ///
    /// ## How to fix
    /// Fix the other VirtualService (its own finding says how), move one of
    /// the Services to another port, narrow what the clients see (a Sidecar's
    /// egress hosts, `exportTo`), or upgrade istiod to 1.31.
    pub static RULE = { code: "GRPC082", name: "port-wide-route-configuration-rejected", level: Error, check: check };
}

/// One broken host, by the other VirtualService that breaks it.
struct Breakage<'a> {
    /// The VirtualService that breaks it.
    culprit: String,
    /// What the client refuses in it, and which rule explains it.
    reasons: Vec<String>,
    runtimes: Vec<String>,
    clients: Vec<&'a Workload>,
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    if index.istio_release.rds_scope() == RdsScope::Host {
        return;
    }
    // Clients that render alike and run alike get the same verdicts.
    let mut groups: BTreeMap<(String, String), Vec<&Workload>> = BTreeMap::new();
    for client in context.proxyless_workloads() {
        let (namespace, labels) = context.view_key(client);
        let runtime = context.runtime_of(client);
        groups
            .entry((format!("{namespace} {labels:?}"), runtime.to_string()))
            .or_default()
            .push(client);
    }
    // (route configuration name, culprit) → breakage.
    let mut found: BTreeMap<(String, String), Breakage<'_>> = BTreeMap::new();
    for clients in groups.values() {
        let first = clients[0];
        let runtime = context.runtime_of(first);
        let proxy = crate::xds::Proxy::for_workload(index, first);
        let Ok(resources) = crate::xds::render(index, &proxy, &RenderOptions::default()) else {
            continue;
        };
        for config in &resources.routes {
            for (culprit, reason, runtimes) in broken_by_others(config, runtime) {
                let entry = found
                    .entry((config.name.clone(), culprit.clone()))
                    .or_insert_with(|| Breakage {
                        culprit,
                        reasons: Vec::new(),
                        runtimes: Vec::new(),
                        clients: Vec::new(),
                    });
                if !entry.reasons.contains(&reason) {
                    entry.reasons.push(reason);
                }
                if !entry.runtimes.contains(&runtimes) {
                    entry.runtimes.push(runtimes);
                }
                entry.clients.extend(clients.iter().copied());
            }
        }
    }
    for ((name, _), breakage) in found {
        let Some(key) = ClusterKey::parse(&name) else {
            continue;
        };
        let Some((object, field)) = place(context, &key.host) else {
            continue;
        };
        let clients = crate::analyze::proxyless::distinct(breakage.clients.iter().copied());
        findings
            .report(
                object,
                &field,
                format!(
                    "istiod {} puts the virtual host of every Service on port {} into {}, and one of them, VirtualService {}, is refused ({}) by {}: the whole route configuration is refused, so {} loses its routes too (istiod 1.31 sends only this host's); affects proxyless clients {}",
                    index.istio_release,
                    key.port,
                    name,
                    breakage.culprit,
                    breakage.reasons.join("; "),
                    breakage.runtimes.join(", "),
                    key.host,
                    context.workload_names(&clients)
                ),
            )
            .help = Some(format!(
            "fix VirtualService {}, move one of the Services to another port, or upgrade istiod to 1.31",
            breakage.culprit
        ));
    }
}

/// (the other VirtualService, what is refused in it, which runtimes refuse
/// it) for each route of another host's virtual host that gets `config`
/// refused.
fn broken_by_others(
    config: &RouteConfiguration,
    runtime: Runtime,
) -> Vec<(String, String, String)> {
    let Some(key) = ClusterKey::parse(&config.name) else {
        return Vec::new();
    };
    let own = join_host_port(&key.host, key.port);
    let verdicts = acceptance::route_configuration(config, runtime);
    let mut out = Vec::new();
    for verdict in acceptance::rejections(&verdicts) {
        // `virtual_hosts[H].routes[R]...`
        let Some((h, r)) = route_position(&verdict.field) else {
            continue;
        };
        let Some(host) = config.virtual_hosts.get(h) else {
            continue;
        };
        if host.name == own {
            continue;
        }
        let culprit = host
            .routes
            .get(r)
            .and_then(config_of)
            .unwrap_or_else(|| format!("for {}", host.name));
        out.push((
            culprit,
            format!("{}, {}", verdict.field, verdict.rule),
            verdict.runtimes.clone(),
        ));
    }
    out
}

fn route_position(field: &str) -> Option<(usize, usize)> {
    let rest = field.strip_prefix("virtual_hosts[")?;
    let (h, rest) = rest.split_once("].routes[")?;
    let (r, _) = rest.split_once(']')?;
    Some((h.parse().ok()?, r.parse().ok()?))
}

/// `NS/NAME` of the VirtualService a route came from, from the metadata
/// istiod gives it (`/apis/networking.istio.io/v1/namespaces/NS/virtual-service/NAME`).
fn config_of(route: &envoy_types::pb::envoy::config::route::v3::Route) -> Option<String> {
    let istio = route.metadata.as_ref()?.filter_metadata.get("istio")?;
    let Some(Kind::StringValue(path)) = istio.fields.get("config")?.kind.as_ref() else {
        return None;
    };
    let rest = path.split_once("/namespaces/")?.1;
    let (namespace, rest) = rest.split_once('/')?;
    let name = rest.strip_prefix("virtual-service/")?;
    Some(format!("{namespace}/{name}"))
}

/// Where to report a broken host: its VirtualService's hosts, else its Service.
fn place<'a>(context: &Context<'a>, host: &str) -> Option<(&'a Object, FieldPath)> {
    let index = context.index;
    let service = index.services(host).first()?;
    if let Some((id, _)) =
        crate::semantics::routing::virtual_service_for(index, &service.namespace, host)
    {
        return Some((
            index.object(id),
            FieldPath::root().field("spec").field("hosts"),
        ));
    }
    Some((
        index.object(service.object),
        FieldPath::root().field("spec").field("ports"),
    ))
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule_with;

    const CONFIG: &str = include_str!("../../../../../testdata/istio-releases-xds/mesh.yaml");

    #[test]
    fn another_hosts_cors_breaks_this_host_until_1_31() {
        let found = run_rule_with("GRPC082", "1.30", CONFIG);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].3, "spec.hosts");
        assert!(
            found[0].4.starts_with("istiod 1.30 puts the virtual host of every Service on port 7070 into outbound|7070||echo.demo.svc.cluster.local, and one of them, VirtualService demo/billing-cors, is refused"),
            "{}",
            found[0].4
        );
        assert!(run_rule_with("GRPC082", "1.31", CONFIG).is_empty());
    }
}
