use super::scope;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::Workload;
use crate::model::networking::{ClientTLSMode, DestinationRuleSpec, TrafficPolicy};
use crate::model::{Object, Spec};
use crate::semantics::ServerMtls;
use crate::source::FieldPath;

declare_rule! {
    /// A DestinationRule sends ISTIO_MUTUAL to proxyless gRPC servers that accept only plaintext.
    ///
    /// ## What it checks
    /// What proxyless clients really receive: each client's clusters for the
    /// host, as istiod renders them (the DestinationRule that applies to the
    /// client, port-level settings, subsets), whether the client calls the
    /// host or another host whose routes send to it (a GRPCRoute attached to
    /// one Service with backendRefs to another). A cluster with `ISTIO_MUTUAL`
    /// whose servers (a subset's pods for a subset cluster) take plaintext on
    /// the port the cluster's service port targets — no STRICT
    /// PeerAuthentication (port-level modes count) and no
    /// `security.istio.io/tlsMode: istio` label — is reported on the field
    /// the TLS setting comes from (`spec.trafficPolicy.tls.mode`, a subset's
    /// or a port-level one).
    ///
    /// ## Why it matters
    /// A proxyless gRPC server has no PERMISSIVE mode: istiod gives it a
    /// plaintext listener unless PeerAuthentication says STRICT (Istio's
    /// proxyless gRPC blog, "no auto-mTLS or PERMISSIVE"). Clients that follow
    /// the DestinationRule start a TLS handshake the server does not answer, and
    /// every RPC fails with "all SubConns are in TransientFailure". mTLS must be
    /// explicit on both sides.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo-mtls, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     tls: {mode: ISTIO_MUTUAL}
    /// # ...and no PeerAuthentication with mtls.mode STRICT in echo-grpc
    /// ```
    ///
    /// ## How to fix
    /// Add a PeerAuthentication with `mtls.mode: STRICT` that selects the servers
    /// (in their namespace, or mesh-wide in the root namespace), or set the
    /// DestinationRule's `tls.mode` to `DISABLE`.
    pub static RULE = { code: "GRPC040", name: "istio-mutual-to-plaintext-server", level: Error, check: check };
}

/// One finding: a DestinationRule field that gives clients ISTIO_MUTUAL
/// towards plaintext servers.
struct Mismatch<'a> {
    object: &'a Object,
    path: FieldPath,
    host: String,
    clients: Vec<&'a Workload>,
    servers: Vec<&'a Workload>,
    /// What the first plaintext server accepts, and why.
    first: Option<ServerMtls<'a>>,
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let mut hosts: Vec<String> = Vec::new();
    for object in &index.objects {
        let Spec::DestinationRule(rule) = &object.spec else {
            continue;
        };
        let Some(host) = &rule.host else { continue };
        let fqdn = index.config_host_fqdn(host, object.namespace_or("default"));
        if !sets_istio_mutual(rule) || hosts.contains(&fqdn) {
            continue;
        }
        hosts.push(fqdn);
    }
    let mut found: Vec<Mismatch<'_>> = Vec::new();
    for host in &hosts {
        let servers = context.proxyless_servers(host);
        if servers.is_empty() {
            continue;
        }
        if index.services(host).is_empty() {
            assumed_host(context, host, &servers, &mut found);
        } else {
            rendered_host(context, host, &servers, &mut found);
        }
    }
    for mismatch in found {
        let Some(first) = &mismatch.first else {
            continue;
        };
        let decided_by = match first.policy {
            Some(policy) => format!(
                "PeerAuthentication {}/{} sets {}",
                policy.namespace_or("default"),
                policy.meta.name,
                scope::mode_name(first.mode)
            ),
            None => "no STRICT PeerAuthentication selects them".to_string(),
        };
        let servers = crate::analyze::proxyless::distinct(mismatch.servers.iter().copied());
        let clients = crate::analyze::proxyless::distinct(mismatch.clients.iter().copied());
        findings
            .report(
                mismatch.object,
                &mismatch.path.field("mode"),
                format!(
                    "DestinationRule sends ISTIO_MUTUAL to {}, but its proxyless servers {} accept only plaintext ({decided_by}); every RPC from proxyless clients {} fails (\"all SubConns are in TransientFailure\")",
                    mismatch.host,
                    context.workload_names(&servers),
                    context.workload_names(&clients)
                ),
            )
            .help = Some(
            "add a PeerAuthentication with mtls.mode STRICT selecting the servers, or set tls.mode DISABLE".into(),
        );
    }
}

/// Whether a DestinationRule sets ISTIO_MUTUAL anywhere (top level,
/// port-level, subsets).
fn sets_istio_mutual(rule: &DestinationRuleSpec) -> bool {
    let in_policy = |policy: &TrafficPolicy| {
        let mutual = |tls: Option<&crate::model::networking::ClientTLSSettings>| {
            tls.and_then(|t| t.mode) == Some(ClientTLSMode::IstioMutual)
        };
        mutual(policy.tls.as_ref())
            || policy
                .port_level_settings
                .iter()
                .any(|p| mutual(p.tls.as_ref()))
    };
    rule.traffic_policy.as_deref().is_some_and(in_policy)
        || rule
            .subsets
            .iter()
            .filter_map(|s| s.traffic_policy.as_deref())
            .any(in_policy)
}

/// The clusters of `host` each proxyless client really gets with ISTIO_MUTUAL
/// (rendered), against the servers behind the cluster's port (and subset).
fn rendered_host<'a>(
    context: &Context<'a>,
    host: &str,
    servers: &[&'a Workload],
    found: &mut Vec<Mismatch<'a>>,
) {
    let index = context.index;
    // Clients get clusters of `host` from its own routes and from the routes
    // of other hosts that send to it (a GRPCRoute attached to one Service
    // with backendRefs to another): render each such entry host.
    let mut entries = vec![host.to_string()];
    entries.extend(hosts_routing_to(index, host));
    for entry in &entries {
        let service = index.services(entry).first();
        let Some(config) = service.map(|s| index.object(s.object)) else {
            continue;
        };
        let mut rendered_entry = crate::analyze::rendered::RenderedHost::default();
        for client in context.proxyless_clients(config, entry).iter().copied() {
            let rendered = rendered_entry.for_client(context, client, entry);
            judge_clusters(context, host, servers, client, &rendered.clusters, found);
        }
    }
}

/// The other hosts (FQDNs) of VirtualServices bound to `mesh` with a route
/// to `host`.
fn hosts_routing_to(index: &crate::index::Index, host: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for object in &index.objects {
        let Spec::VirtualService(vs) = &object.spec else {
            continue;
        };
        let namespace = object.namespace_or("default");
        let routes_to_host = crate::semantics::routing::binds_mesh(&vs.gateways)
            && vs
                .http
                .iter()
                .flat_map(|h| &h.route)
                .filter_map(|d| d.destination.as_ref()?.host.as_deref())
                .any(|h| index.config_host_fqdn(h, namespace) == host);
        if !routes_to_host {
            continue;
        }
        for vs_host in &vs.hosts {
            let fqdn = index.config_host_fqdn(vs_host, namespace);
            if fqdn != host && !out.contains(&fqdn) {
                out.push(fqdn);
            }
        }
    }
    out
}

/// The clusters of `host` among those a client got with ISTIO_MUTUAL,
/// against the servers behind the cluster's port (and subset).
fn judge_clusters<'a>(
    context: &Context<'a>,
    host: &str,
    servers: &[&'a Workload],
    client: &'a Workload,
    clusters: &[envoy_types::pb::envoy::config::cluster::v3::Cluster],
    found: &mut Vec<Mismatch<'a>>,
) {
    let index = context.index;
    for cluster in clusters.iter().filter(|c| c.transport_socket.is_some()) {
        let Some(key) = crate::xds::names::ClusterKey::parse(&cluster.name) else {
            continue;
        };
        if key.host != host {
            continue;
        }
        let client_view = crate::semantics::destination_rule::Client {
            namespace: &client.namespace,
            labels: Some(&client.labels),
        };
        let mut visible = index.services_visible(host, &client.namespace);
        visible.sort_by_key(|s| s.namespace != client.namespace);
        let Some(rule) = crate::semantics::destination_rule::applied(
            index,
            client_view,
            host,
            visible.first().map(|s| s.namespace.as_str()),
        ) else {
            continue;
        };
        let Some(source) = rule.tls_source(key.port, &key.subset) else {
            continue;
        };
        // The servers behind the cluster: a subset's pods only.
        let subset_labels = rule
            .spec
            .subsets
            .iter()
            .find(|s| !key.subset.is_empty() && s.name.as_deref() == Some(key.subset.as_str()))
            .map(|s| s.labels.clone())
            .unwrap_or_default();
        for &server in servers {
            if !crate::index::labels_match(&subset_labels, &server.labels) {
                continue;
            }
            let mut targets: Vec<Option<u32>> = scope::listening_ports(context, server)
                .into_iter()
                .filter(|(_, service, position)| {
                    service.host == host && service.ports[*position].port == key.port
                })
                .map(|(target, _, _)| Some(target))
                .collect();
            if targets.is_empty() && server.assumed {
                // An assumed server's container ports are unknown: its
                // workload-wide mode decides.
                targets.push(None);
            }
            let plaintext = targets
                .into_iter()
                .map(|target| context.server_mtls(server, target))
                .find(|tls| !tls.mtls);
            if let Some(tls) = plaintext {
                record(
                    found,
                    source.object,
                    source.path.clone(),
                    host,
                    client,
                    server,
                    tls,
                );
            }
        }
    }
}

/// A host no Service in the inputs declares (`--assume-proxyless`): its
/// clients follow the DestinationRules' top-level TLS; its assumed servers'
/// ports are unknown, so their workload-wide mode decides.
fn assumed_host<'a>(
    context: &Context<'a>,
    host: &str,
    servers: &[&'a Workload],
    found: &mut Vec<Mismatch<'a>>,
) {
    let index = context.index;
    for &id in index.destination_rules_for(host) {
        let object = index.object(id);
        let Spec::DestinationRule(rule) = &object.spec else {
            continue;
        };
        let top = rule.traffic_policy.as_deref().and_then(|p| p.tls.as_ref());
        if top.and_then(|t| t.mode) != Some(ClientTLSMode::IstioMutual) {
            continue;
        }
        let path = FieldPath::root()
            .field("spec")
            .field("trafficPolicy")
            .field("tls");
        let host_tls = context.host_tls(host);
        for client in context.proxyless_clients(object, host).iter().copied() {
            let decider = host_tls.for_namespace(&client.namespace).map(|(o, _)| o);
            if !decider.is_some_and(|d| std::ptr::eq(d, object)) {
                continue;
            }
            for &server in servers {
                let tls = context.server_mtls(server, None);
                if !tls.mtls {
                    record(found, object, path.clone(), host, client, server, tls);
                }
            }
        }
    }
}

fn record<'a>(
    found: &mut Vec<Mismatch<'a>>,
    object: &'a Object,
    path: FieldPath,
    host: &str,
    client: &'a Workload,
    server: &'a Workload,
    tls: ServerMtls<'a>,
) {
    let at = found
        .iter()
        .position(|m| std::ptr::eq(m.object, object) && m.path == path);
    let mismatch = match at {
        Some(at) => &mut found[at],
        None => {
            found.push(Mismatch {
                object,
                path,
                host: host.to_string(),
                clients: Vec::new(),
                servers: Vec::new(),
                first: None,
            });
            found.last_mut().expect("just pushed")
        }
    };
    mismatch.clients.push(client);
    mismatch.servers.push(server);
    if mismatch.first.is_none() {
        mismatch.first = Some(tls);
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const SERVERS: &str = "
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo-v1, namespace: echo-grpc}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: echo}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo-mtls, namespace: echo-grpc}
spec:
  host: echo.echo-grpc.svc.cluster.local
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
";

    #[test]
    fn istio_mutual_without_strict_server_fails() {
        let found = run_rule("GRPC040", "t.yaml", SERVERS);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "DestinationRule echo-grpc/echo-mtls");
        assert_eq!(found[0].2, 27);
        assert_eq!(found[0].3, "spec.trafficPolicy.tls.mode");
        assert!(found[0].4.contains("proxyless servers echo-grpc/echo-v1 accept only plaintext (no STRICT PeerAuthentication selects them)"), "{}", found[0].4);
        assert!(found[0]
            .4
            .contains("every RPC from proxyless clients echo-grpc/echo-v1 fails"));
    }

    #[test]
    fn clusters_reached_through_another_hosts_route_count() {
        // No client calls echo itself (a TCP port); a GRPCRoute on `front`
        // sends its RPCs to echo's ISTIO_MUTUAL cluster.
        let routed = format!(
            "{}---\napiVersion: v1\nkind: Service\nmetadata: {{name: front, namespace: echo-grpc}}\nspec:\n  selector: {{app: echo}}\n  ports: [{{name: grpc, port: 8080}}]\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {{name: to-echo, namespace: echo-grpc}}\nspec:\n  parentRefs: [{{group: \"\", kind: Service, name: front}}]\n  rules: [{{backendRefs: [{{name: echo, port: 7070}}]}}]\n",
            SERVERS.replace("name: grpc, port: 7070", "name: tcp, port: 7070")
        );
        let found = run_rule("GRPC040", "t.yaml", &routed);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .4
                .contains("every RPC from proxyless clients echo-grpc/echo-v1 fails"),
            "{}",
            found[0].4
        );
        let unrouted = SERVERS.replace("name: grpc, port: 7070", "name: tcp, port: 7070");
        assert_eq!(run_rule("GRPC040", "t.yaml", &unrouted), vec![]);
    }

    #[test]
    fn strict_peer_authentication_or_label_silences_it() {
        let strict = format!(
            "{SERVERS}---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: strict, namespace: istio-system}}\nspec: {{mtls: {{mode: STRICT}}}}\n"
        );
        assert_eq!(run_rule("GRPC040", "t.yaml", &strict), vec![]);
        let labelled = SERVERS.replace(
            "labels: {app: echo}",
            "labels: {app: echo, security.istio.io/tlsMode: istio}",
        );
        assert_eq!(run_rule("GRPC040", "t.yaml", &labelled), vec![]);
    }

    #[test]
    fn permissive_policy_is_named() {
        let permissive = format!(
            "{SERVERS}---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: open, namespace: echo-grpc}}\nspec: {{mtls: {{mode: PERMISSIVE}}}}\n"
        );
        let found = run_rule("GRPC040", "t.yaml", &permissive);
        assert!(
            found[0]
                .4
                .contains("(PeerAuthentication echo-grpc/open sets PERMISSIVE)"),
            "{}",
            found[0].4
        );
    }
}
