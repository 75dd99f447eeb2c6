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
        out.push(Scoped {
            object,
            spec,
            hosts,
            clients,
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

/// Whether `matcher` keeps some clients out (names other gateways, or
/// narrows by source).
fn narrows(matcher: &HTTPMatchRequest) -> bool {
    !matcher.gateways.is_empty()
        || !matcher.source_labels.is_empty()
        || matcher.source_namespace.is_some()
}

/// Whether istiod keeps `matcher` in the routes of `client`, on whichever
/// port it dials ([`crate::semantics::routing::match_reaches`]).
pub fn match_reaches(matcher: &HTTPMatchRequest, client: &Workload) -> bool {
    crate::semantics::routing::match_reaches(
        matcher,
        crate::semantics::routing::RouteClient {
            namespace: &client.namespace,
            labels: &client.labels,
            port: None,
        },
    )
}

impl<'a> Scoped<'a> {
    /// Clients that get at least one route built from `route`.
    pub fn route_clients(&self, route: &HTTPRoute) -> Clients<'a> {
        if route.r#match.is_empty() || !route.r#match.iter().all(narrows) {
            return self.clients.clone();
        }
        self.clients
            .iter()
            .copied()
            .filter(|c| route.r#match.iter().any(|m| match_reaches(m, c)))
            .collect()
    }

    /// Clients that get the route built from `matcher`.
    pub fn match_clients(&self, matcher: &HTTPMatchRequest) -> Clients<'a> {
        if !narrows(matcher) {
            return self.clients.clone();
        }
        self.clients
            .iter()
            .copied()
            .filter(|c| match_reaches(matcher, c))
            .collect()
    }

    /// Every HTTP route with its index and the clients it reaches (routes
    /// that reach none are skipped).
    pub fn routes(&self) -> Vec<(usize, &'a HTTPRoute, Clients<'a>)> {
        self.spec
            .http
            .iter()
            .enumerate()
            .filter_map(|(i, route)| {
                let clients = self.route_clients(route);
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
                let clients = self.match_clients(matcher);
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

/// The prefix Istio gives header keys that match JWT claims.
pub const JWT_CLAIM_PREFIX: &str = "@request.auth.claims";

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
