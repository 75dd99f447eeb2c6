//! The traffic-policy rules ask the gRPC client model
//! (`xds::client::acceptance`) what proxyless clients do with the clusters
//! istiod builds from a DestinationRule: the renderer builds each cluster
//! of the rule's host (every port, the default cluster and each subset's)
//! as each client view receives it, the model judges its fields for each
//! client's runtime, and a verdict is mapped back to the policy field the
//! cluster's setting came from. So the release (`--istio`) and istiod's
//! policy precedence decide through the renderer, and gRPC's behaviour
//! through the model; no rule restates either.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use envoy_types::pb::envoy::config::cluster::v3::Cluster;

use crate::grpc_support::Runtime;
use crate::index::Workload;
use crate::model::Object;
use crate::semantics::destination_rule::{Setting, SettingSource};
use crate::source::FieldPath;
use crate::xds::client::acceptance::{self, Part};
use crate::xds::names::ClusterKey;

use super::proxyless::{distinct, Clients};
use super::rendered::ViewKey;
use super::Context;

/// A cluster as one client view receives it, with where its settings come from.
pub struct RenderedCluster<'a> {
    pub key: ClusterKey,
    pub cluster: Cluster,
    /// The policy field of each setting the model judges.
    pub sources: Vec<(Setting, SettingSource<'a>)>,
}

/// Clusters rendered for a host, by client view.
pub type ClusterRenders<'a> = Mutex<HashMap<(String, ViewKey), Arc<Vec<RenderedCluster<'a>>>>>;

/// The setting of a traffic policy a part of a cluster comes from.
fn setting_of(part: &Part) -> Option<Setting> {
    match part {
        Part::LbPolicy | Part::RingSize => Some(Setting::LoadBalancer),
        Part::CircuitBreakers => Some(Setting::ConnectionPool),
        Part::Tls => Some(Setting::Tls),
        _ => None,
    }
}

/// What the model says, for one rule, of the clusters whose setting comes
/// from one policy field.
#[derive(Debug)]
pub struct ClusterModelEntry<'a> {
    pub rule: &'static str,
    pub object: &'a Object,
    pub setting: Setting,
    /// The policy field the clusters' setting comes from
    /// (`spec.subsets[0].trafficPolicy.loadBalancer`).
    pub setting_path: FieldPath,
    /// The clients whose runtime gets the verdict, in index order.
    pub clients: Vec<&'a Workload>,
    /// The clusters, by name, sorted.
    pub clusters: Vec<String>,
}

/// [`Context::cluster_model`] answers, by (host, address of the client
/// list), holding the list so that the address cannot be reused.
pub type ClusterModels<'a> =
    Mutex<HashMap<(String, usize), (Clients<'a>, Arc<Vec<ClusterModelEntry<'a>>>)>>;

impl<'a> Context<'a> {
    /// The clusters of `host` as `client`'s view receives them, rendered once
    /// per view.
    fn rendered_clusters(&self, host: &str, client: &Workload) -> Arc<Vec<RenderedCluster<'a>>> {
        let key = (host.to_string(), self.view_key(client));
        if let Some(found) = self.cluster_renders.lock().unwrap().get(&key) {
            return found.clone();
        }
        let proxy = crate::xds::Proxy::for_workload(self.index, client);
        let renderer = crate::xds::Renderer::new(self.index, &proxy);
        let mut out = Vec::new();
        if let Some(service) = renderer.service(host) {
            // As `cds::destination_rule` asks it, with the index's lifetime.
            let applied = crate::semantics::destination_rule::applied(
                self.index,
                crate::semantics::destination_rule::Client {
                    namespace: &proxy.namespace,
                    labels: Some(&proxy.labels),
                },
                host,
                Some(service.namespace.as_str()),
            );
            let mut subsets = vec![String::new()];
            if let Some(rule) = &applied {
                subsets.extend(rule.spec.subsets.iter().filter_map(|s| s.name.clone()));
            }
            let mut notes = Vec::new();
            for port in &service.ports {
                for subset in &subsets {
                    let key = ClusterKey::new(host, port.port, subset);
                    let Some(cluster) = crate::xds::cds::cluster(&renderer, &key, &mut notes)
                    else {
                        continue;
                    };
                    let sources = applied
                        .iter()
                        .flat_map(|rule| {
                            [Setting::LoadBalancer, Setting::ConnectionPool, Setting::Tls]
                                .into_iter()
                                .filter_map(|setting| {
                                    Some((
                                        setting,
                                        rule.setting_source(port.port, subset, setting)?,
                                    ))
                                })
                        })
                        .collect();
                    out.push(RenderedCluster {
                        key,
                        cluster,
                        sources,
                    });
                }
            }
        }
        let out = Arc::new(out);
        self.cluster_renders
            .lock()
            .unwrap()
            .insert(key, out.clone());
        out
    }

    /// What the model says of the clusters of `host` that `clients` (a list
    /// from [`Context::proxyless_clients`]) receive: each (rule, policy
    /// field) with the clients and clusters it holds for. Clients are
    /// judged by (view, runtime), each pair once.
    pub fn cluster_model(
        &self,
        host: &str,
        clients: &Clients<'a>,
    ) -> Arc<Vec<ClusterModelEntry<'a>>> {
        let memo_key = (host.to_string(), Arc::as_ptr(clients).cast::<()>() as usize);
        if let Some((_, found)) = self.cluster_models.lock().unwrap().get(&memo_key) {
            return found.clone();
        }
        // Clients by (view, runtime), in order of first appearance.
        let mut groups: Vec<(&'a Workload, Runtime, Vec<&'a Workload>)> = Vec::new();
        let mut slot: HashMap<(ViewKey, Runtime), usize> = HashMap::new();
        for &client in clients.iter() {
            let key = (self.view_key(client), self.runtime_of(client));
            let i = *slot.entry(key.clone()).or_insert_with(|| {
                groups.push((client, key.1, Vec::new()));
                groups.len() - 1
            });
            groups[i].2.push(client);
        }
        let mut entries: Vec<ClusterModelEntry<'a>> = Vec::new();
        for (representative, runtime, members) in groups {
            for rendered in self.rendered_clusters(host, representative).iter() {
                for verdict in acceptance::cluster_fields(&rendered.cluster, runtime) {
                    let Some(setting) = setting_of(&verdict.part) else {
                        continue;
                    };
                    let Some((_, source)) = rendered.sources.iter().find(|(s, _)| *s == setting)
                    else {
                        continue;
                    };
                    let name = rendered.key.to_string();
                    let entry = match entries.iter_mut().position(|e| {
                        e.rule == verdict.rule
                            && std::ptr::eq(e.object, source.object)
                            && e.setting_path == source.path
                    }) {
                        Some(i) => &mut entries[i],
                        None => {
                            entries.push(ClusterModelEntry {
                                rule: verdict.rule,
                                object: source.object,
                                setting,
                                setting_path: source.path.clone(),
                                clients: Vec::new(),
                                clusters: Vec::new(),
                            });
                            entries.last_mut().unwrap()
                        }
                    };
                    entry.clients.extend(members.iter().copied());
                    if !entry.clusters.contains(&name) {
                        entry.clusters.push(name);
                    }
                }
            }
        }
        for entry in &mut entries {
            entry.clients = distinct(entry.clients.drain(..));
            entry.clusters.sort();
        }
        let entries = Arc::new(entries);
        self.cluster_models
            .lock()
            .unwrap()
            .insert(memo_key, (clients.clone(), entries.clone()));
        entries
    }

    /// What the model says for `rule` of the clusters whose setting comes
    /// from the policy at `policy_path` of `object` (a DestinationRule for
    /// `host`, reaching `clients`); `None` when it says nothing.
    pub fn cluster_model_says(
        &self,
        object: &Object,
        policy_path: &FieldPath,
        host: &str,
        clients: &Clients<'a>,
        rule: &str,
    ) -> Option<ClusterModelEntry<'a>> {
        self.cluster_model(host, clients)
            .iter()
            .find(|e| {
                e.rule == rule
                    && std::ptr::eq(e.object, object)
                    && e.setting_path == policy_path.field(e.setting.key())
            })
            .map(|e| ClusterModelEntry {
                rule: e.rule,
                object: e.object,
                setting: e.setting,
                setting_path: e.setting_path.clone(),
                clients: e.clients.clone(),
                clusters: e.clusters.clone(),
            })
    }
}
