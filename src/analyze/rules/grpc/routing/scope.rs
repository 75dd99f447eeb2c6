//! Which proxyless gRPC clients a VirtualService, one of its HTTP routes, or
//! one of its matches reaches: what every routing rule asks before it
//! reports.
//!
//! A VirtualService reaches the proxyless clients of its hosts
//! ([`Context::proxyless_clients`]) when it is bound to `mesh` (no
//! `gateways`, or a list naming `mesh`). A match further narrows them the way
//! istiod does when it builds a client's routes: a match with `gateways` must
//! name `mesh`, `sourceLabels` must be on the client, `sourceNamespace` must
//! be its namespace.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::analyze::proxyless::{distinct, Clients, WorkloadList};
use crate::analyze::Context;
use crate::index::Workload;
use crate::model::networking::{HTTPMatchRequest, HTTPRoute, StringMatch, VirtualServiceSpec};
use crate::model::{Object, Spec};
use crate::source::FieldPath;

pub use crate::semantics::routing::binds_mesh;

/// A VirtualService with the FQDNs of its hosts and their proxyless clients.
pub struct Scoped<'a> {
    pub object: &'a Object,
    pub spec: &'a VirtualServiceSpec,
    /// The hosts as FQDNs, in the order written.
    pub hosts: Vec<String>,
    /// Proxyless clients of any of the hosts (no duplicates).
    pub clients: Clients<'a>,
    /// The routes each client gets from it (see [`Emitted`]).
    emitted: Emitted,
}

/// The (HTTP route, match) pairs of a VirtualService istiod builds routes
/// from for each client ([`crate::semantics::routing::emitted_routes`] on
/// every port of the hosts it is the VirtualService of).
/// The (HTTP route, match) pairs a client gets, shared by clients alike.
type RouteSet = Arc<BTreeSet<(usize, Option<usize>)>>;

enum Emitted {
    /// Every client gets the same routes (the common case).
    Same(RouteSet),
    /// By client, in the order of `clients`.
    PerClient(Vec<RouteSet>),
}

/// What tells clients' routes apart: the namespace (which VirtualService
/// applies, exportTo) and, when a match names `sourceLabels`, the labels.
type ViewKey<'a> = (
    &'a str,
    Option<&'a std::collections::BTreeMap<String, String>>,
);

fn emitted_for<'a>(
    index: &crate::index::Index,
    object: &Object,
    spec: &VirtualServiceSpec,
    hosts: &[String],
    clients: &[&'a Workload],
) -> Emitted {
    use crate::semantics::routing::{
        emitted_routes, uses_gateway_semantics, virtual_service_for, RouteClient,
    };
    let by_labels = spec
        .http
        .iter()
        .flat_map(|h| &h.r#match)
        .any(|m| !m.source_labels.is_empty());
    // Hosts this VirtualService alone names: it applies wherever it is seen,
    // unless Gateway API semantics keep it to its consumers' and producers'
    // namespaces (spec gateway-api §3.2), which `virtual_service_for` asks.
    let gateway_semantics = uses_gateway_semantics(object);
    let sole: Vec<bool> = hosts
        .iter()
        .map(|host| {
            let ids = index.virtual_services_matching(host);
            !gateway_semantics && ids.len() == 1 && std::ptr::eq(index.object(ids[0]), object)
        })
        .collect();
    let mut views: HashMap<ViewKey<'a>, RouteSet> = HashMap::new();
    let mut per_client = Vec::with_capacity(clients.len());
    for client in clients {
        let key: ViewKey<'a> = (&client.namespace, by_labels.then_some(&client.labels));
        let set = views
            .entry(key)
            .or_insert_with(|| {
                let mut set = BTreeSet::new();
                for (host, sole) in hosts.iter().zip(&sole) {
                    let chosen = *sole
                        || virtual_service_for(index, &client.namespace, host)
                            .is_some_and(|(id, _)| std::ptr::eq(index.object(id), object));
                    if !chosen {
                        continue;
                    }
                    // The ports a client gets routes on; any port of a host
                    // no service declares.
                    let ports: Vec<Option<u32>> = match index.services(host) {
                        [] => vec![None],
                        services => services
                            .iter()
                            .flat_map(|s| &s.ports)
                            .filter(|p| p.protocol.is_http_or_sniffed())
                            .map(|p| Some(p.port))
                            .collect(),
                    };
                    for port in ports {
                        let route_client = RouteClient {
                            namespace: &client.namespace,
                            labels: &client.labels,
                            port,
                        };
                        set.extend(
                            emitted_routes(spec, route_client)
                                .into_iter()
                                .map(|r| (r.http_index, r.match_index)),
                        );
                    }
                }
                Arc::new(set)
            })
            .clone();
        per_client.push(set);
    }
    match per_client.first() {
        Some(first) if per_client.iter().all(|s| s == first) => Emitted::Same(first.clone()),
        None => Emitted::Same(Arc::default()),
        Some(_) => Emitted::PerClient(per_client),
    }
}

/// Every VirtualService, whether bound to `mesh` or not, with its clients:
/// gathered once, for every routing rule.
pub fn all_virtual_services<'c, 'a>(context: &'c Context<'a>) -> &'c [Scoped<'a>] {
    context.virtual_service_scopes(|| gather_virtual_services(context))
}

fn gather_virtual_services<'a>(context: &Context<'a>) -> Vec<Scoped<'a>> {
    let index = context.index;
    let mut out = Vec::new();
    for object in &index.objects {
        let Spec::VirtualService(spec) = &object.spec else {
            continue;
        };
        let namespace = object.namespace_or("default");
        let mut hosts = Vec::new();
        let mut per_host: Vec<Clients<'a>> = Vec::new();
        for host in &spec.hosts {
            let fqdn = index.config_host_fqdn(host, namespace);
            per_host.push(context.proxyless_clients(object, &fqdn));
            if !hosts.contains(&fqdn) {
                hosts.push(fqdn);
            }
        }
        let clients: Clients<'a> = match per_host.as_slice() {
            [] => Clients::from([]),
            [only] => only.clone(),
            many => distinct(many.iter().flat_map(|c| c.iter().copied())).into(),
        };
        let emitted = if binds_mesh(&spec.gateways) {
            emitted_for(index, object, spec, &hosts, &clients)
        } else {
            Emitted::Same(Arc::default())
        };
        out.push(Scoped {
            object,
            spec,
            hosts,
            clients,
            emitted,
        });
    }
    out
}

/// VirtualServices bound to `mesh` that reach at least one proxyless client.
pub fn mesh_virtual_services<'c, 'a>(context: &'c Context<'a>) -> Vec<&'c Scoped<'a>> {
    all_virtual_services(context)
        .iter()
        .filter(|vs| binds_mesh(&vs.spec.gateways) && !vs.clients.is_empty())
        .collect()
}

impl<'a> Scoped<'a> {
    /// Clients that get a route built from HTTP route `i` (and from its
    /// match `j`, when given).
    fn clients_of(&self, i: usize, j: Option<usize>) -> Clients<'a> {
        let gets = |set: &BTreeSet<(usize, Option<usize>)>| match j {
            Some(_) => set.contains(&(i, j)),
            None => set.range((i, None)..).next().is_some_and(|(r, _)| *r == i),
        };
        match &self.emitted {
            Emitted::Same(set) if gets(set) => self.clients.clone(),
            Emitted::Same(_) => Clients::from([]),
            Emitted::PerClient(sets) => self
                .clients
                .iter()
                .zip(sets)
                .filter(|(_, set)| gets(set))
                .map(|(client, _)| *client)
                .collect(),
        }
    }

    /// Every HTTP route with its index and the clients it reaches (routes
    /// that reach none are skipped).
    pub fn routes(&self) -> Vec<(usize, &'a HTTPRoute, Clients<'a>)> {
        self.spec
            .http
            .iter()
            .enumerate()
            .filter_map(|(i, route)| {
                let clients = self.clients_of(i, None);
                (!clients.is_empty()).then_some((i, route, clients))
            })
            .collect()
    }

    /// Every match with its route index, match index and the clients it
    /// reaches (matches that reach none are skipped).
    pub fn matches(&self) -> Vec<(usize, usize, &'a HTTPMatchRequest, Clients<'a>)> {
        let mut out = Vec::new();
        for (i, route) in self.spec.http.iter().enumerate() {
            for (j, matcher) in route.r#match.iter().enumerate() {
                let clients = self.clients_of(i, Some(j));
                if !clients.is_empty() {
                    out.push((i, j, matcher, clients));
                }
            }
        }
        out
    }

    /// "reviews.default.svc.cluster.local" or "a.ns.svc.cluster.local, b.example.com".
    pub fn hosts_text(&self) -> String {
        self.hosts.join(", ")
    }
}

/// "proxyless clients ns/a, ns/b and 2 more".
pub fn clients_text<'a>(
    context: &Context<'a>,
    clients: &(impl WorkloadList<'a> + ?Sized),
) -> String {
    format!("proxyless clients {}", context.workload_names(clients))
}

/// `spec.http[i]`.
pub fn http_path(route: usize) -> FieldPath {
    FieldPath::root().field("spec").field("http").index(route)
}

/// `spec.http[i].match[j]`.
pub fn match_path(route: usize, matcher: usize) -> FieldPath {
    http_path(route).field("match").index(matcher)
}

pub use crate::semantics::routing::JWT_CLAIM_PREFIX;

/// Whether Istio turns this header match into `present_match` (regex `*`,
/// or no match type at all) rather than a `string_match`.
pub fn is_presence_match(matcher: &StringMatch) -> bool {
    matcher.regex.as_deref() == Some("*")
        || (matcher.exact.is_none() && matcher.prefix.is_none() && matcher.regex.is_none())
}

/// `exact: "v"`, `prefix: "v"`, `regex: "v"`: a string match as written.
pub fn describe_string_match(matcher: &StringMatch) -> String {
    if let Some(v) = &matcher.exact {
        format!("exact {v:?}")
    } else if let Some(v) = &matcher.prefix {
        format!("prefix {v:?}")
    } else if let Some(v) = &matcher.regex {
        format!("regex {v:?}")
    } else {
        "presence".to_string()
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::grpc_support::Runtime;

    /// As `crate::analyze::testing::run_rule`, with `--grpc RUNTIME`:
    /// (line, field path, message) of each finding, in source order.
    pub fn run_rule_as(rule: &str, runtime: &str, text: &str) -> Vec<(u32, String, String)> {
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(
            "t.yaml",
            text.to_string(),
        )]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let index = crate::index::Index::build(loaded.objects, Default::default());
        let runtime: Runtime = runtime.parse().expect("runtime");
        let mut found: Vec<_> = crate::analyze::analyze_for(
            &index,
            &crate::analyze::Selection {
                select: vec![rule.into()],
                ignore: vec![],
            },
            runtime,
        )
        .into_iter()
        .map(|d| {
            (
                d.pos.map_or(0, |p| p.line),
                d.field.map(|f| f.to_string()).unwrap_or_default(),
                d.message,
            )
        })
        .collect();
        found.sort();
        found
    }

    /// A proxyless client (and server) `app` in namespace `ns`, the Service
    /// `echo` in `ns` on port 7070, then `extra` (more YAML documents).
    pub fn mesh(extra: &str) -> String {
        format!(
            "apiVersion: v1
kind: Service
metadata: {{name: echo, namespace: ns}}
spec:
  selector: {{app: echo}}
  ports: [{{name: grpc, port: 7070}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app, namespace: ns}}
spec:
  selector: {{matchLabels: {{app: echo}}}}
  template:
    metadata:
      labels: {{app: echo}}
      annotations: {{inject.istio.io/templates: grpc-agent}}
    spec:
      containers: [{{name: app, image: echo}}]
---
{extra}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::testing::mesh;
    use super::*;

    #[test]
    fn matches_narrow_clients_by_source_and_gateway() {
        let text = mesh(
            "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - match:
    - sourceLabels: {app: other}
    - sourceNamespace: elsewhere
    - gateways: [ingress]
    route: [{destination: {host: echo}}]
  - match:
    - sourceLabels: {app: echo}
    route: [{destination: {host: echo}}]
",
        );
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new("t.yaml", text)]);
        let index = crate::index::Index::build(loaded.objects, Default::default());
        let context = Context::new(&index, Default::default());
        let scoped = mesh_virtual_services(&context);
        assert_eq!(scoped.len(), 1);
        assert_eq!(scoped[0].hosts, ["echo.ns.svc.cluster.local"]);
        let routes: Vec<usize> = scoped[0].routes().iter().map(|r| r.0).collect();
        assert_eq!(routes, [1]);
        assert!(is_presence_match(&StringMatch::default()));
        assert!(is_presence_match(&StringMatch {
            regex: Some("*".into()),
            ..Default::default()
        }));
    }
}
