//! The walk gRPC makes (spec §13): listener names → listeners → the route
//! configurations they name → the clusters the routes name → endpoints.
//! Every step answers by name, as istiod does, so the ADS server uses the
//! same functions.

use std::collections::BTreeSet;

use envoy_types::pb::envoy::config::cluster::v3::Cluster;
use envoy_types::pb::envoy::config::endpoint::v3::ClusterLoadAssignment;
use envoy_types::pb::envoy::config::listener::v3::Listener;
use envoy_types::pb::envoy::config::route::v3::RouteConfiguration;

use crate::index::{Index, Service, Workload};

use super::names::{join_host_port, ClusterKey, ListenerName, SERVER_LISTENER_PREFIX};
use super::{cds, eds, lds, rds, Proxy, Resources, XdsError};

/// What to render beside what the workload asks for by default.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// `host:port` targets; empty: every service port visible to the workload.
    pub targets: Vec<String>,
    /// The address the workload's gRPC servers listen on (`0.0.0.0` by default).
    pub server_address: Option<String>,
}

/// Renders resources for one proxy, by name.
pub struct Renderer<'a> {
    pub index: &'a Index,
    pub proxy: &'a Proxy,
    /// What the proxy sees (exportTo, Sidecar egress).
    view: crate::semantics::visibility::ClientView,
}

/// [`render`] for each of `proxies` on every core, each result turned into
/// what the caller keeps by `keep` as soon as it is rendered (thousands of
/// clients' resources would not fit in memory at once), with how long the
/// render took; in the order given.
pub fn render_each<T: Send>(
    index: &Index,
    proxies: &[Proxy],
    options: &RenderOptions,
    keep: impl Fn(&Proxy, Result<Resources, XdsError>, std::time::Duration) -> T + Sync,
) -> Vec<T> {
    crate::parallel::map_in_order(proxies, |proxy| {
        let started = std::time::Instant::now();
        let rendered = render(index, proxy, options);
        keep(proxy, rendered, started.elapsed())
    })
}

/// Renders everything the workload's gRPC clients and servers would ask for.
pub fn render(
    index: &Index,
    proxy: &Proxy,
    options: &RenderOptions,
) -> Result<Resources, XdsError> {
    let renderer = Renderer::new(index, proxy);
    let mut names = if options.targets.is_empty() {
        renderer.default_client_listener_names()
    } else {
        for target in &options.targets {
            ListenerName::parse(target)?;
        }
        options.targets.clone()
    };
    names.extend(renderer.server_listener_names(options.server_address.as_deref()));
    let mut resources = Resources::default();
    resources.listeners = renderer.listeners(&names, &mut resources.notes)?;
    let route_names = lds::route_names(&resources.listeners);
    resources.routes = renderer.routes(&route_names, &mut resources.notes)?;
    let cluster_names = rds::cluster_names(&resources.routes);
    resources.clusters = renderer.clusters(&cluster_names, &mut resources.notes);
    let endpoint_names = cds::endpoint_names(&resources.clusters);
    resources.endpoints = renderer.endpoints(&endpoint_names, &mut resources.notes);
    Ok(resources)
}

/// What a client receives for `host`: the listeners of every port of the
/// service the host names for it, and the route configurations, clusters
/// and endpoints they lead to (no server listeners). For rules that judge
/// the resources a client really gets.
pub fn render_host(index: &Index, proxy: &Proxy, host: &str) -> Resources {
    let renderer = Renderer::new(index, proxy);
    let mut resources = Resources::default();
    let Some(service) = renderer.service(host) else {
        return resources;
    };
    let names: Vec<String> = service
        .ports
        .iter()
        .map(|p| join_host_port(host, p.port))
        .collect();
    let notes = &mut resources.notes;
    // Listener names built from a service cannot be malformed, and a field
    // the renderer cannot translate is reported by validation: render what
    // translates.
    resources.listeners = renderer.listeners(&names, notes).unwrap_or_default();
    let route_names = lds::route_names(&resources.listeners);
    resources.routes = renderer.routes(&route_names, notes).unwrap_or_default();
    let cluster_names = rds::cluster_names(&resources.routes);
    resources.clusters = renderer.clusters(&cluster_names, notes);
    resources
}

impl<'a> Renderer<'a> {
    pub fn new(index: &'a Index, proxy: &'a Proxy) -> Renderer<'a> {
        Renderer {
            index,
            proxy,
            view: crate::semantics::visibility::ClientView::of(
                index,
                &proxy.namespace,
                &proxy.labels,
            ),
        }
    }

    /// The proxy as an index workload, for the index's policy lookups.
    pub fn workload(&self) -> Workload {
        self.proxy.workload.clone().unwrap_or_else(|| Workload {
            kind: crate::index::WorkloadKind::Pod,
            object: usize::MAX,
            namespace: self.proxy.namespace.clone(),
            name: self.proxy.pod_name.clone(),
            labels: self.proxy.labels.clone(),
            annotations: Default::default(),
            address: self.proxy.ip.clone(),
            service_account: Some(self.proxy.service_account.clone()),
            // Rendered for a proxyless node (GENERATOR grpc) by definition.
            proxyless: true,
            name_rank: 0,
            assumed: false,
        })
    }

    /// Whether the proxy sees a service: its `exportTo`, and the Sidecar's egress hosts.
    pub fn visible(&self, service: &Service) -> bool {
        self.view.sees(service)
    }

    /// The service a host names for this proxy: its own namespace's first.
    pub fn service(&self, host: &str) -> Option<&'a Service> {
        let mut found: Vec<&Service> = self
            .index
            .services(host)
            .iter()
            .filter(|s| self.visible(s))
            .collect();
        found.sort_by_key(|s| s.namespace != self.proxy.namespace);
        found.first().copied()
    }

    /// `host:port` of every visible service port, by FQDN (no `--target`).
    pub fn default_client_listener_names(&self) -> Vec<String> {
        let names: BTreeSet<String> = self
            .index
            .all_services()
            .filter(|s| self.visible(s) && !s.host.starts_with('*'))
            .flat_map(|s| s.ports.iter().map(|p| join_host_port(&s.host, p.port)))
            .collect();
        names.into_iter().collect()
    }

    /// The listeners gRPC servers in this workload ask for: one per port
    /// that a selecting Service targets (spec §2.3).
    pub fn server_listener_names(&self, address: Option<&str>) -> Vec<String> {
        let address = address.unwrap_or("0.0.0.0");
        let names: BTreeSet<String> = self
            .server_ports()
            .into_iter()
            .map(|port| format!("{SERVER_LISTENER_PREFIX}{}", join_host_port(address, port)))
            .collect();
        names.into_iter().collect()
    }

    /// The Service ports that select this workload, with the container
    /// ports they target.
    pub fn served_ports(&self) -> Vec<crate::semantics::workload::ServedPort<'a>> {
        crate::semantics::workload::served_ports(
            self.index,
            &self.proxy.namespace,
            &self.proxy.labels,
            &self.proxy.container_ports,
        )
    }

    /// Container ports that a selecting Service targets.
    pub fn server_ports(&self) -> BTreeSet<u32> {
        self.served_ports().iter().map(|p| p.target).collect()
    }

    pub fn listeners(
        &self,
        names: &[String],
        notes: &mut Vec<String>,
    ) -> Result<Vec<Listener>, XdsError> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for name in names {
            let parsed = match ListenerName::parse(name) {
                Ok(parsed) => parsed,
                Err(error) => {
                    notes.push(error.to_string());
                    continue;
                }
            };
            let built = match parsed {
                ListenerName::Server { address, port } => {
                    lds::server_listener(self, name, &address, port, notes)?
                        .into_iter()
                        .collect()
                }
                ListenerName::Client { host, port } => {
                    lds::client_listeners(self, &host, port, notes)
                }
            };
            for listener in built {
                if seen.insert(listener.name.clone()) {
                    out.push(listener);
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    pub fn routes(
        &self,
        names: &[String],
        notes: &mut Vec<String>,
    ) -> Result<Vec<RouteConfiguration>, XdsError> {
        let mut out = Vec::new();
        for name in names.iter().collect::<BTreeSet<_>>() {
            match ClusterKey::parse(name) {
                Some(key) => out.push(rds::route_configuration(self, name, &key, notes)?),
                None => notes.push(format!("route {name:?}: not outbound|PORT|SUBSET|HOST")),
            }
        }
        Ok(out)
    }

    pub fn clusters(&self, names: &[String], notes: &mut Vec<String>) -> Vec<Cluster> {
        let mut out = Vec::new();
        for name in names.iter().collect::<BTreeSet<_>>() {
            match ClusterKey::parse(name) {
                Some(key) => {
                    if let Some(cluster) = cds::cluster(self, &key, notes) {
                        out.push(cluster);
                    }
                }
                None if name.as_str() == rds::UNKNOWN_SERVICE_CLUSTER => notes.push(format!(
                    "cluster {name}: a route names a backend istiod could not resolve; no such cluster exists, so RPCs routed to it fail"
                )),
                None => notes.push(format!("cluster {name:?}: not outbound|PORT|SUBSET|HOST")),
            }
        }
        out
    }

    pub fn endpoints(
        &self,
        names: &[String],
        notes: &mut Vec<String>,
    ) -> Vec<ClusterLoadAssignment> {
        let mut out = Vec::new();
        for name in names.iter().collect::<BTreeSet<_>>() {
            match ClusterKey::parse(name) {
                Some(key) => out.push(eds::load_assignment(self, name, &key, notes)),
                None => notes.push(format!("endpoints {name:?}: not outbound|PORT|SUBSET|HOST")),
            }
        }
        out
    }
}
