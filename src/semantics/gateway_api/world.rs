//! The cluster around the Gateway API objects, as istiod's conversion looks
//! it up: Services, ServiceEntries and registry hosts, Namespaces and their
//! labels, Secrets, ConfigMaps, ReferenceGrants, classes and backends.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Ignored, IstiodFeatures, Options};
use crate::model::gateway_api as gw;
use crate::model::{Object, Spec};

/// The namespace objects without one are read in (kubectl's default).
pub(super) const DEFAULT_NAMESPACE: &str = "default";

/// Kubernetes' implicit namespace-name label, matched by listener selectors.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Where an object lives: namespace and name.
pub(super) type Key = (String, String);

/// A ReferenceGrant entry: objects of `from_kind` in `from_namespace` may
/// refer to `to_kind` objects (named `to_name`, or any) in `to_namespace`.
#[derive(Debug)]
struct Grant {
    from_kind: String,
    from_namespace: String,
    to_kind: String,
    to_namespace: String,
    to_name: Option<String>,
}

/// The kinds a ReferenceGrant may name (`gatewaycommon/references.go`);
/// other entries are for another controller and ignored.
const GRANT_FROM_KINDS: &[&str] = &[
    "Gateway",
    "HTTPRoute",
    "GRPCRoute",
    "TLSRoute",
    "TCPRoute",
    "ListenerSet",
];
const GRANT_TO_KINDS: &[(&str, &str)] = &[
    ("", "ConfigMap"),
    ("", "Secret"),
    ("", "Service"),
    ("gateway.networking.x-k8s.io", "XBackend"),
    ("inference.networking.k8s.io", "InferencePool"),
];

pub(super) struct World<'a> {
    pub objects: &'a [Object],
    pub domain: String,
    pub features: IstiodFeatures,
    services: HashMap<Key, usize>,
    service_entries: HashMap<Key, usize>,
    registry_hosts: HashSet<String>,
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
    secrets: HashMap<Key, usize>,
    config_maps: HashMap<Key, usize>,
    grants: Vec<Grant>,
    gateway_classes: HashMap<String, String>,
    gateways: HashMap<Key, usize>,
    xbackends: HashMap<Key, usize>,
    inference_pools: HashMap<Key, usize>,
}

impl<'a> World<'a> {
    pub fn new(objects: &'a [Object], options: &Options) -> World<'a> {
        let mut world = World {
            objects,
            domain: options.domain_suffix.clone(),
            features: options.features.clone(),
            services: HashMap::new(),
            service_entries: HashMap::new(),
            registry_hosts: HashSet::new(),
            namespaces: BTreeMap::new(),
            secrets: HashMap::new(),
            config_maps: HashMap::new(),
            grants: Vec::new(),
            gateway_classes: HashMap::new(),
            gateways: HashMap::new(),
            xbackends: HashMap::new(),
            inference_pools: HashMap::new(),
        };
        for (id, object) in objects.iter().enumerate() {
            let key = (
                object.namespace_or(DEFAULT_NAMESPACE).to_string(),
                object.meta.name.clone(),
            );
            match &object.spec {
                Spec::Service(_) => {
                    world.registry_hosts.insert(crate::index::service_host(
                        &key.1,
                        &key.0,
                        &options.domain_suffix,
                    ));
                    world.services.insert(key, id);
                }
                Spec::ServiceEntry(entry) => {
                    world.registry_hosts.extend(entry.hosts.iter().cloned());
                    world.service_entries.insert(key, id);
                }
                Spec::Namespace(_) => {
                    world
                        .namespaces
                        .insert(object.meta.name.clone(), object.meta.labels.clone());
                }
                Spec::Secret { .. } => {
                    world.secrets.insert(key, id);
                }
                Spec::ConfigMap(_) => {
                    world.config_maps.insert(key, id);
                }
                Spec::GatewayClass(class) => {
                    world.gateway_classes.insert(
                        object.meta.name.clone(),
                        class.controller_name.clone().unwrap_or_default(),
                    );
                }
                Spec::KubernetesGateway(_) => {
                    world.gateways.insert(key, id);
                }
                Spec::XBackend(_) if world.features.alpha_gateway_api => {
                    world.xbackends.insert(key, id);
                }
                Spec::InferencePool(_) if world.features.inference_extension => {
                    world.inference_pools.insert(key, id);
                }
                Spec::ReferenceGrant(grant) => world.add_grant(&key.0, grant),
                _ => {}
            }
        }
        world
    }

    fn add_grant(&mut self, namespace: &str, grant: &gw::ReferenceGrantSpec) {
        for from in &grant.from {
            let from_kind = from.kind.as_deref().unwrap_or_default();
            let from_group = from.group.as_deref().unwrap_or_default();
            if from_group != "gateway.networking.k8s.io" || !GRANT_FROM_KINDS.contains(&from_kind) {
                continue;
            }
            for to in &grant.to {
                let to_kind = to.kind.as_deref().unwrap_or_default();
                let to_group = to.group.as_deref().unwrap_or_default();
                if !GRANT_TO_KINDS.contains(&(to_group, to_kind)) {
                    continue;
                }
                self.grants.push(Grant {
                    from_kind: from_kind.to_string(),
                    from_namespace: from.namespace.clone().unwrap_or_default(),
                    to_kind: to_kind.to_string(),
                    to_namespace: namespace.to_string(),
                    to_name: to.name.clone(),
                });
            }
        }
    }

    /// Kinds a disabled istiod feature does not read: reported, not dropped.
    pub fn report_ignored(&self, ignored: &mut Vec<Ignored>) {
        for (id, object) in self.objects.iter().enumerate() {
            let reason = match &object.spec {
                Spec::XBackend(_) | Spec::XBackendTrafficPolicy(_)
                    if !self.features.alpha_gateway_api =>
                {
                    "istiod reads it only with PILOT_ENABLE_ALPHA_GATEWAY_API=true"
                }
                Spec::InferencePool(_) if !self.features.inference_extension => {
                    "istiod reads it only with ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true"
                }
                _ => continue,
            };
            ignored.push(Ignored {
                object: id,
                reason: reason.to_string(),
            });
        }
    }

    pub fn object(&self, id: usize) -> &'a Object {
        &self.objects[id]
    }

    pub fn service(&self, namespace: &str, name: &str) -> Option<&'a Object> {
        self.services
            .get(&(namespace.to_string(), name.to_string()))
            .map(|id| &self.objects[*id])
    }

    pub fn service_entry(&self, namespace: &str, name: &str) -> Option<&'a Object> {
        self.service_entries
            .get(&(namespace.to_string(), name.to_string()))
            .map(|id| &self.objects[*id])
    }

    /// Whether the service registry has `host` (istiod's `LookupHostname`).
    pub fn has_host(&self, host: &str) -> bool {
        self.registry_hosts.contains(host)
    }

    pub fn namespace_labels(&self, name: &str) -> Option<&BTreeMap<String, String>> {
        self.namespaces.get(name)
    }

    /// Existing namespaces whose labels (with the implicit name label) `matches`.
    pub fn namespaces_where(
        &self,
        matches: impl Fn(&BTreeMap<String, String>) -> bool,
    ) -> Vec<String> {
        self.namespaces
            .iter()
            .filter(|(name, labels)| {
                let mut labels = (*labels).clone();
                labels
                    .entry(NAMESPACE_NAME_LABEL.to_string())
                    .or_insert_with(|| (*name).clone());
                matches(&labels)
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    pub fn secret(&self, namespace: &str, name: &str) -> Option<&'a Object> {
        self.secrets
            .get(&(namespace.to_string(), name.to_string()))
            .map(|id| &self.objects[*id])
    }

    pub fn config_map(&self, namespace: &str, name: &str) -> Option<&'a Object> {
        self.config_maps
            .get(&(namespace.to_string(), name.to_string()))
            .map(|id| &self.objects[*id])
    }

    /// Whether a ReferenceGrant lets a `from_kind` in `from_namespace`
    /// refer to the `to_kind` object `to_namespace/to_name`.
    pub fn grant_allows(
        &self,
        from_kind: &str,
        from_namespace: &str,
        to_kind: &str,
        to_namespace: &str,
        to_name: &str,
    ) -> bool {
        self.grants.iter().any(|grant| {
            grant.from_kind == from_kind
                && grant.from_namespace == from_namespace
                && grant.to_kind == to_kind
                && grant.to_namespace == to_namespace
                && grant.to_name.as_deref().is_none_or(|name| name == to_name)
        })
    }

    /// The controller of a class: a GatewayClass object, else a class
    /// istiod knows without one (`GetBuiltinGatewayClasses`).
    pub fn class_controller(&self, class: &str) -> Option<String> {
        if let Some(controller) = self.gateway_classes.get(class) {
            return Some(controller.clone());
        }
        let features = &self.features;
        if class == features.default_gateway_class {
            return Some(features.controller_name.clone());
        }
        match class {
            "istio-waypoint" if features.ambient => Some("istio.io/mesh-controller".into()),
            "istio-east-west" if features.ambient_multi_network => {
                Some("istio.io/eastwest-controller".into())
            }
            _ => None,
        }
    }

    pub fn gateway(&self, namespace: &str, name: &str) -> Option<(usize, &'a Object)> {
        self.gateways
            .get(&(namespace.to_string(), name.to_string()))
            .map(|id| (*id, &self.objects[*id]))
    }

    pub fn xbackend(&self, namespace: &str, name: &str) -> Option<&'a gw::XBackendSpec> {
        let id = self
            .xbackends
            .get(&(namespace.to_string(), name.to_string()))?;
        match &self.objects[*id].spec {
            Spec::XBackend(spec) => Some(spec),
            _ => None,
        }
    }

    pub fn inference_pool(&self, namespace: &str, name: &str) -> Option<&'a Object> {
        self.inference_pools
            .get(&(namespace.to_string(), name.to_string()))
            .map(|id| &self.objects[*id])
    }

    /// Ids of the objects `select` keeps, ordered as istiod orders configs:
    /// creation time, namespace, name.
    pub fn ordered<T>(&self, select: impl Fn(&'a Object) -> Option<T>) -> Vec<(usize, T)> {
        let mut found: Vec<(usize, T)> = self
            .objects
            .iter()
            .enumerate()
            .filter_map(|(id, object)| select(object).map(|t| (id, t)))
            .collect();
        found.sort_by(|(a, _), (b, _)| {
            let key = |id: &usize| {
                let object = &self.objects[*id];
                (
                    crate::semantics::creation_order(object).0,
                    object.namespace_or(DEFAULT_NAMESPACE).to_string(),
                    object.meta.name.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        found
    }
}
