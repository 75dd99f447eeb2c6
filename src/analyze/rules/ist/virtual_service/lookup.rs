//! Lookups the virtual-service rules share: route and mirror destinations
//! with their field paths, where a VirtualService applies (exportTo), and the
//! services a destination host resolves to. They compute from the index and
//! belong in it once another family needs them.

use std::collections::BTreeSet;

use crate::index::{is_exported_to, Index, Service, DEFAULT_NAMESPACE};
use crate::model::networking::{Destination, VirtualServiceSpec};
use crate::model::{Object, Spec};
use crate::source::FieldPath;

/// The gateway name that binds a VirtualService to the sidecars.
pub(super) use crate::semantics::routing::MESH_GATEWAY;

/// A VirtualService object with its spec and namespace.
pub(super) fn virtual_services(
    index: &Index,
) -> impl Iterator<Item = (&Object, &VirtualServiceSpec, &str)> {
    index
        .objects
        .iter()
        .filter_map(|object| match &object.spec {
            Spec::VirtualService(vs) => {
                Some((object, vs.as_ref(), object.namespace_or(DEFAULT_NAMESPACE)))
            }
            _ => None,
        })
}

/// Whether the VirtualService applies to sidecars: no gateways, or `mesh` among them.
pub(super) fn mesh_bound(vs: &VirtualServiceSpec) -> bool {
    crate::semantics::routing::binds_mesh(&vs.gateways)
}

/// One destination of a route or mirror.
pub(super) struct RouteDestination<'a> {
    /// The route entry (`spec.http[0].route[1]`) or the mirror itself.
    pub entry: FieldPath,
    pub destination: Option<&'a Destination>,
    pub mirror: bool,
}

impl RouteDestination<'_> {
    pub fn host(&self) -> &str {
        self.destination
            .and_then(|d| d.host.as_deref())
            .unwrap_or("")
    }

    pub fn subset(&self) -> Option<&str> {
        self.destination
            .and_then(|d| d.subset.as_deref())
            .filter(|s| !s.is_empty())
    }

    /// The `destination` object of a route entry; the mirror itself.
    pub fn destination_path(&self) -> FieldPath {
        if self.mirror {
            self.entry.clone()
        } else {
            self.entry.field("destination")
        }
    }

    /// Where the host is written, or the nearest field that exists.
    pub fn host_path(&self) -> FieldPath {
        match self.destination {
            Some(d) if d.host.is_some() => self.destination_path().field("host"),
            Some(_) => self.destination_path(),
            None => self.entry.clone(),
        }
    }
}

/// Route destinations in istioctl's order: TCP, TLS, then HTTP rules.
pub(super) fn route_destinations(vs: &VirtualServiceSpec) -> Vec<RouteDestination<'_>> {
    let spec = FieldPath::root().field("spec");
    let mut found: Vec<(&'static str, usize, usize, Option<&Destination>)> = Vec::new();
    for (i, route) in vs.tcp.iter().enumerate() {
        for (j, d) in route.route.iter().enumerate() {
            found.push(("tcp", i, j, d.destination.as_ref()));
        }
    }
    for (i, route) in vs.tls.iter().enumerate() {
        for (j, d) in route.route.iter().enumerate() {
            found.push(("tls", i, j, d.destination.as_ref()));
        }
    }
    for (i, route) in vs.http.iter().enumerate() {
        for (j, d) in route.route.iter().enumerate() {
            found.push(("http", i, j, d.destination.as_ref()));
        }
    }
    found
        .into_iter()
        .map(|(protocol, rule, j, destination)| RouteDestination {
            entry: spec.field(protocol).index(rule).field("route").index(j),
            destination,
            mirror: false,
        })
        .collect()
}

/// HTTP mirror destinations: `mirror`, then each `mirrors[].destination`.
pub(super) fn mirror_destinations(vs: &VirtualServiceSpec) -> Vec<RouteDestination<'_>> {
    let spec = FieldPath::root().field("spec");
    let mut found = Vec::new();
    for (i, route) in vs.http.iter().enumerate() {
        let rule = spec.field("http").index(i);
        if let Some(mirror) = &route.mirror {
            found.push(RouteDestination {
                entry: rule.field("mirror"),
                destination: Some(mirror),
                mirror: true,
            });
        }
        for (j, mirror) in route.mirrors.iter().enumerate() {
            let entry = rule.field("mirrors").index(j);
            found.push(RouteDestination {
                entry: match mirror.destination {
                    Some(_) => entry.field("destination"),
                    None => entry,
                },
                destination: mirror.destination.as_ref(),
                mirror: true,
            });
        }
    }
    found
}

/// The namespaces a resource is visible in, from its `exportTo`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scope {
    All,
    Only(BTreeSet<String>),
}

impl Scope {
    /// `exportTo` of an object in `namespace`; `default` applies when it is empty.
    pub fn of(export_to: &[String], default: &[String], namespace: &str) -> Scope {
        let list = if export_to.is_empty() {
            default
        } else {
            export_to
        };
        if list.is_empty() || list.iter().any(|e| e == "*") {
            return Scope::All;
        }
        Scope::Only(
            list.iter()
                .filter(|e| e.as_str() != "~")
                .map(|e| {
                    if e == "." {
                        namespace.to_string()
                    } else {
                        e.clone()
                    }
                })
                .collect(),
        )
    }

    /// Where a VirtualService's routes are used, as istioctl checks its
    /// destinations: its `exportTo`, else its own namespace.
    pub fn of_routes(vs: &VirtualServiceSpec, namespace: &str) -> Scope {
        match Scope::of(&vs.export_to, &[".".to_string()], namespace) {
            Scope::Only(set) if set.is_empty() => {
                Scope::Only(BTreeSet::from([namespace.to_string()]))
            }
            scope => scope,
        }
    }

    pub fn intersects(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::All, Scope::All) => true,
            (Scope::All, Scope::Only(s)) | (Scope::Only(s), Scope::All) => !s.is_empty(),
            (Scope::Only(a), Scope::Only(b)) => !a.is_disjoint(b),
        }
    }

    /// Whether something exported with `export_to` from `owner` is visible
    /// in at least one namespace of this scope.
    pub fn sees(&self, export_to: &[String], owner: &str) -> bool {
        match self {
            Scope::All => export_to.is_empty() || export_to.iter().any(|e| e != "~"),
            Scope::Only(namespaces) => namespaces
                .iter()
                .any(|ns| is_exported_to(export_to, owner, ns)),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Scope::All => "any namespace".to_string(),
            Scope::Only(set) => {
                let names: Vec<&str> = set.iter().map(String::as_str).collect();
                format!("namespace {}", names.join(", "))
            }
        }
    }
}

/// The services (Kubernetes Services and ServiceEntry hosts, wildcard
/// ServiceEntry hosts included) a destination host in a VirtualService of
/// `namespace` resolves to, visible in `scope`. Exact hosts win over wildcards.
pub(super) fn destination_services<'a>(
    index: &'a Index,
    host: &str,
    namespace: &str,
    scope: &Scope,
) -> Vec<&'a Service> {
    let fqdn = index.config_host_fqdn(host, namespace);
    let visible = |s: &&Service| scope.sees(&s.export_to, &s.namespace);
    let exact: Vec<&Service> = index.services(&fqdn).iter().filter(visible).collect();
    if !exact.is_empty() {
        return exact;
    }
    let bare = fqdn.strip_prefix('*').unwrap_or(&fqdn);
    let mut wildcard: Vec<&Service> = index
        .wildcard_services()
        .filter(|s| {
            s.host
                .strip_prefix('*')
                .is_some_and(|suffix| bare.ends_with(suffix))
        })
        .filter(visible)
        .collect();
    wildcard.sort_by(|a, b| (&a.host, a.object).cmp(&(&b.host, b.object)));
    wildcard
}

/// The ports of some services, in declaration order, without repeats.
pub(super) fn service_ports(services: &[&Service]) -> Vec<u32> {
    let mut ports = Vec::new();
    for service in services {
        for port in &service.ports {
            if !ports.contains(&port.port) {
                ports.push(port.port);
            }
        }
    }
    ports
}

/// A list as Go's `%v` prints a slice: `[a b c]`.
pub(super) fn go_list<T: std::fmt::Display>(items: &[T]) -> String {
    let parts: Vec<String> = items.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_follow_export_to() {
        let all = Scope::of(&[], &["*".to_string()], "a");
        let own = Scope::of(&[".".to_string()], &[], "a");
        let b = Scope::of(&["b".to_string()], &[], "a");
        assert_eq!(all, Scope::All);
        assert!(all.intersects(&own));
        assert!(!own.intersects(&b));
        assert!(own.sees(&[], "x"));
        assert!(!own.sees(&[".".to_string()], "x"));
        assert!(b.sees(&["b".to_string()], "x"));
        assert_eq!(go_list(&[80, 443]), "[80 443]");
    }
}
