//! The read-only index, built once per run: every consumer asks it instead of
//! walking the documents again.
//!
//! Host names follow Istio: a short name in a config object (`reviews`) means
//! `reviews.<object namespace>.svc.<cluster domain>`; a name with a dot is
//! taken as written. gRPC target names (`xds:///foo.ns:7070`) follow istiod's
//! `tryFindFQDN` instead, see [`Index::grpc_target_fqdn`].

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::model::{MeshConfig, Object, Spec};
use crate::semantics::gateway_api::IstiodFeatures;
use crate::semantics::Protocol;

/// Position of an object in [`Index::objects`].
pub type ObjectId = usize;

/// The namespace objects without one are placed in, as kubectl does.
pub const DEFAULT_NAMESPACE: &str = "default";
/// The default Kubernetes cluster DNS domain.
pub const DEFAULT_CLUSTER_DOMAIN: &str = "cluster.local";

/// A namespace seen in the inputs, declared or only used.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NamespaceInfo {
    pub labels: BTreeMap<String, String>,
    /// The Namespace object, when the inputs declare it.
    pub object: Option<ObjectId>,
}

/// Where a service comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceSource {
    Kubernetes,
    ServiceEntry,
}

/// One port of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: u32,
    /// Kubernetes targetPort (number or name); ServiceEntry targetPort.
    pub target_port: Option<String>,
    /// The protocol istiod gives the port ([`Protocol`]).
    pub protocol: Protocol,
}

/// A service host: a Kubernetes Service or one host of a ServiceEntry.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub host: String,
    pub namespace: String,
    pub object: ObjectId,
    pub source: ServiceSource,
    pub ports: Vec<ServicePort>,
    /// Kubernetes Service selector, or ServiceEntry workloadSelector labels.
    pub selector: Option<BTreeMap<String, String>>,
    /// Namespaces this service is visible in (`*` for all, `.` for its own).
    pub export_to: Vec<String>,
}

/// What a workload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    Pod,
    /// The pod template of a Deployment, StatefulSet, Job...
    PodTemplate,
    WorkloadEntry,
    /// An inline endpoint of a ServiceEntry.
    ServiceEntryEndpoint,
}

/// Something that runs and can be selected by labels.
#[derive(Debug, Clone)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub object: ObjectId,
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// Pod (template) annotations, where the workload has them.
    pub annotations: BTreeMap<String, String>,
    pub address: Option<String>,
    pub service_account: Option<String>,
    /// A proxyless gRPC workload (see [`crate::model::pod::is_proxyless`]).
    pub proxyless: bool,
    /// Position of "namespace/name" among all workloads' (equal names share
    /// one), so messages can sort thousands of workloads by name cheaply.
    pub name_rank: u32,
    /// A workload `--assume-proxyless` assumed ([`crate::semantics::assumed`]).
    pub assumed: bool,
}

/// A workload is identified by its object and name (a ServiceEntry holds
/// several endpoints): comparing them is cheap, as lookups that collect
/// distinct workloads do it often.
impl PartialEq for Workload {
    fn eq(&self, other: &Workload) -> bool {
        self.object == other.object && self.name == other.name
    }
}

/// The index. Owns the objects; everything else refers to them by [`ObjectId`].
#[derive(Debug, Default)]
pub struct Index {
    pub objects: Vec<Object>,
    pub mesh_config: MeshConfig,
    /// `--mesh-networks`, when given.
    pub mesh_networks: Option<crate::model::mesh_networks::MeshNetworks>,
    pub cluster_domain: String,
    namespaces: BTreeMap<String, NamespaceInfo>,
    services: HashMap<String, Vec<Service>>,
    /// Hosts of the services in each namespace, so per-namespace questions
    /// do not scan the whole mesh.
    service_hosts_by_namespace: HashMap<String, Vec<String>>,
    /// Hosts that are wildcards (`*.example.com`), the only ones a name can
    /// match without being equal to.
    wildcard_hosts: Vec<String>,
    workloads: Vec<Workload>,
    workloads_by_namespace: HashMap<String, Vec<usize>>,
    /// Workloads by one label of theirs: [`label_key`] of namespace, label
    /// and value. Selectors start from their rarest label, not from every
    /// workload of the namespace (a cluster per subset selects this way).
    workloads_by_label: HashMap<u64, Vec<usize>>,
    destination_rules: ByHost,
    virtual_services: ByHost,
    policies_by_namespace: HashMap<String, Vec<ObjectId>>,
    endpoint_slices: HashMap<(String, String), Vec<ObjectId>>,
    /// What istiod makes of the Gateway API objects: the conditions it
    /// would write and the objects it leaves out. The objects it generates
    /// are in `objects`, after the inputs.
    pub gateway_api: crate::semantics::gateway_api::Conversion,
    /// The istiod settings (`--istiod-env`) its decisions follow.
    pub istiod: IstiodFeatures,
    /// The istiod release (`--istio`) whose output is rendered and linted.
    pub istio_release: crate::semantics::IstioRelease,
}

/// The [`Index::workloads_by_label`] key of a label in a namespace.
fn label_key(namespace: &str, key: &str, value: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (namespace, key, value).hash(&mut hasher);
    hasher.finish()
}

impl Index {
    pub fn build(objects: Vec<Object>, mesh_config: MeshConfig) -> Index {
        Index::build_in_domain(objects, mesh_config, DEFAULT_CLUSTER_DOMAIN)
    }

    /// As [`Index::build`], for a cluster whose DNS domain is not `cluster.local`.
    pub fn build_in_domain(
        objects: Vec<Object>,
        mesh_config: MeshConfig,
        cluster_domain: &str,
    ) -> Index {
        Index::build_for(
            objects,
            mesh_config,
            cluster_domain,
            IstiodFeatures::default(),
        )
    }

    /// As [`Index::build_in_domain`], for an istiod with these settings.
    pub fn build_for(
        objects: Vec<Object>,
        mesh_config: MeshConfig,
        cluster_domain: &str,
        istiod: IstiodFeatures,
    ) -> Index {
        let mut index = Index {
            objects,
            mesh_config,
            cluster_domain: cluster_domain.to_string(),
            istiod,
            ..Index::default()
        };
        // Of objects with one identity, the cluster keeps the last applied.
        let replaced = crate::model::identity::replaced_objects(&index.objects);
        for id in 0..index.objects.len() {
            if !replaced.contains(&id) {
                index.add(id);
            }
        }
        // istiod converts Gateway API routes into configs that join the
        // users' (spec §3.1): index them like any other.
        let (generated, conversion) = crate::semantics::gateway_api::objects::convert_to_objects(
            &index.objects,
            &crate::semantics::gateway_api::Options {
                domain_suffix: cluster_domain.to_string(),
                features: index.istiod.clone(),
            },
        );
        index.gateway_api = conversion;
        for object in generated {
            index.objects.push(object);
            index.add(index.objects.len() - 1);
        }
        index.rank_workload_names();
        index
    }

    fn rank_workload_names(&mut self) {
        let mut order: Vec<usize> = (0..self.workloads.len()).collect();
        let text = |w: &Workload| format!("{}/{}", w.namespace, w.name);
        order.sort_by_cached_key(|&i| text(&self.workloads[i]));
        let mut rank = 0u32;
        for (position, &i) in order.iter().enumerate() {
            if position > 0
                && text(&self.workloads[order[position - 1]]) != text(&self.workloads[i])
            {
                rank += 1;
            }
            self.workloads[i].name_rank = rank;
        }
    }

    fn add_service(&mut self, service: Service) {
        let hosts = self
            .service_hosts_by_namespace
            .entry(service.namespace.clone())
            .or_default();
        if !hosts.contains(&service.host) {
            hosts.push(service.host.clone());
        }
        if service.host.starts_with('*') && !self.wildcard_hosts.contains(&service.host) {
            self.wildcard_hosts.push(service.host.clone());
        }
        self.services
            .entry(service.host.clone())
            .or_default()
            .push(service);
    }

    fn add(&mut self, id: ObjectId) {
        let object = &self.objects[id];
        let namespace = object.namespace_or(DEFAULT_NAMESPACE).to_string();
        let name = object.meta.name.clone();
        let mut workloads = Vec::new();
        let mut new_services = Vec::new();
        match &object.spec {
            Spec::Namespace(_) => {
                let entry = self.namespaces.entry(name).or_default();
                entry.labels = object.meta.labels.clone();
                entry.object = Some(id);
                return;
            }
            Spec::Service(service) => {
                let spec = service.spec.clone().unwrap_or_default();
                let ports = spec
                    .ports
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| ServicePort {
                        protocol: crate::semantics::protocol::of_service_port(&p),
                        name: p.name,
                        port: u32::try_from(p.port).unwrap_or(0),
                        target_port: p.target_port.map(|t| match t {
                            IntOrString::Int(i) => i.to_string(),
                            IntOrString::String(s) => s,
                        }),
                    })
                    .collect();
                let host = service_host(&name, &namespace, &self.cluster_domain);
                let export_to = annotation_list(object, "networking.istio.io/exportTo")
                    .unwrap_or_else(|| self.mesh_config.default_service_export_to.clone());
                new_services.push(Service {
                    host,
                    namespace: namespace.clone(),
                    object: id,
                    source: ServiceSource::Kubernetes,
                    ports,
                    selector: spec.selector,
                    export_to,
                });
            }
            Spec::ServiceEntry(entry) => {
                let ports: Vec<ServicePort> = entry
                    .ports
                    .iter()
                    .map(|p| ServicePort {
                        name: p.name.clone(),
                        port: p.number.unwrap_or(0),
                        target_port: p.target_port.map(|t| t.to_string()),
                        protocol: Protocol::of_service_entry_port(p.protocol.as_deref()),
                    })
                    .collect();
                let export_to = self.export_to(object).to_vec();
                for host in &entry.hosts {
                    let host = self.config_host_fqdn(host, &namespace);
                    new_services.push(Service {
                        host,
                        namespace: namespace.clone(),
                        object: id,
                        source: ServiceSource::ServiceEntry,
                        ports: ports.clone(),
                        selector: entry.workload_selector.as_ref().map(|s| s.labels.clone()),
                        export_to: export_to.clone(),
                    });
                }
                for (i, endpoint) in entry.endpoints.iter().enumerate() {
                    workloads.push(Workload {
                        kind: WorkloadKind::ServiceEntryEndpoint,
                        object: id,
                        namespace: namespace.clone(),
                        name: format!("{name}[{i}]"),
                        labels: endpoint.labels.clone(),
                        annotations: BTreeMap::new(),
                        address: endpoint.address.clone(),
                        service_account: endpoint.service_account.clone(),
                        proxyless: false,
                        name_rank: 0,
                        assumed: false,
                    });
                }
            }
            Spec::WorkloadEntry(entry) => workloads.push(Workload {
                kind: WorkloadKind::WorkloadEntry,
                object: id,
                namespace: namespace.clone(),
                name,
                labels: entry.labels.clone(),
                annotations: BTreeMap::new(),
                address: entry.address.clone(),
                service_account: entry.service_account.clone(),
                proxyless: false,
                name_rank: 0,
                assumed: false,
            }),
            Spec::Pod(pod) => {
                let spec = pod.spec.as_ref();
                workloads.push(Workload {
                    kind: WorkloadKind::Pod,
                    object: id,
                    namespace: namespace.clone(),
                    name,
                    labels: object.meta.labels.clone(),
                    annotations: object.meta.annotations.clone(),
                    address: pod.status.as_ref().and_then(|s| s.pod_ip.clone()),
                    service_account: spec.and_then(|s| s.service_account_name.clone()),
                    proxyless: spec.is_some_and(|s| {
                        crate::model::pod::is_proxyless(&object.meta.annotations, s)
                    }),
                    name_rank: 0,
                    assumed: crate::semantics::assumed::is_assumed(object),
                });
            }
            Spec::EndpointSlice(slice) => {
                let labels = slice.metadata.labels.clone().unwrap_or_default();
                if let Some(service) = labels.get("kubernetes.io/service-name") {
                    self.endpoint_slices
                        .entry((namespace.clone(), service.clone()))
                        .or_default()
                        .push(id);
                }
            }
            Spec::DestinationRule(rule) => {
                if let Some(host) = &rule.host {
                    let host = self.config_host_fqdn(host, &namespace);
                    self.destination_rules.insert(host, id);
                }
            }
            Spec::VirtualService(service) => {
                for host in &service.hosts {
                    let host = self.config_host_fqdn(host, &namespace);
                    self.virtual_services.insert(host, id);
                }
            }
            Spec::PeerAuthentication(_)
            | Spec::AuthorizationPolicy(_)
            | Spec::RequestAuthentication(_)
            | Spec::Sidecar(_)
            | Spec::EnvoyFilter(_) => {
                self.policies_by_namespace
                    .entry(namespace.clone())
                    .or_default()
                    .push(id);
            }
            _ => {
                if let Some(template) = pod_template(&object.spec) {
                    let meta = template.metadata.clone().unwrap_or_default();
                    let annotations = meta.annotations.unwrap_or_default();
                    let proxyless = template
                        .spec
                        .as_ref()
                        .is_some_and(|s| crate::model::pod::is_proxyless(&annotations, s));
                    workloads.push(Workload {
                        kind: WorkloadKind::PodTemplate,
                        object: id,
                        namespace: namespace.clone(),
                        name,
                        labels: meta.labels.unwrap_or_default(),
                        annotations,
                        address: None,
                        service_account: template
                            .spec
                            .as_ref()
                            .and_then(|s| s.service_account_name.clone()),
                        proxyless,
                        name_rank: 0,
                        assumed: false,
                    });
                }
            }
        }
        if object
            .kind_info
            .is_some_and(|k| k.scope == crate::model::Scope::Namespaced)
        {
            self.namespaces.entry(namespace.clone()).or_default();
        }
        for service in new_services {
            self.add_service(service);
        }
        for workload in workloads {
            let at = self.workloads.len();
            self.workloads_by_namespace
                .entry(workload.namespace.clone())
                .or_default()
                .push(at);
            for (key, value) in &workload.labels {
                self.workloads_by_label
                    .entry(label_key(&workload.namespace, key, value))
                    .or_default()
                    .push(at);
            }
            self.workloads.push(workload);
        }
    }

    pub fn object(&self, id: ObjectId) -> &Object {
        &self.objects[id]
    }

    /// The namespaces a VirtualService, DestinationRule or ServiceEntry is
    /// exported to: its own `exportTo`, else the mesh's default for its kind
    /// (anything else: the default for services).
    pub fn export_to<'a>(&'a self, object: &'a Object) -> &'a [String] {
        let mesh = &self.mesh_config;
        let (own, default) = match &object.spec {
            Spec::VirtualService(s) => (&s.export_to, &mesh.default_virtual_service_export_to),
            Spec::DestinationRule(s) => (&s.export_to, &mesh.default_destination_rule_export_to),
            Spec::ServiceEntry(s) => (&s.export_to, &mesh.default_service_export_to),
            _ => (
                &mesh.default_service_export_to,
                &mesh.default_service_export_to,
            ),
        };
        if own.is_empty() {
            default
        } else {
            own
        }
    }

    /// A host in a config object, as an FQDN: short names are relative to the
    /// object's namespace; names with a dot, and wildcards, stay as written.
    pub fn config_host_fqdn(&self, host: &str, namespace: &str) -> String {
        if host.contains('.') || host == "*" {
            host.to_string()
        } else {
            service_host(host, namespace, &self.cluster_domain)
        }
    }

    /// A gRPC target name (`foo`, `foo.ns`, `foo.ns.svc`) as istiod expands it
    /// for a client in `node_namespace`; cross-namespace short names (`foo.other`)
    /// are not expanded, as in istiod's `tryFindFQDN`.
    pub fn grpc_target_fqdn(&self, name: &str, node_namespace: &str) -> String {
        let dns_domain = format!("{node_namespace}.svc.{}", self.cluster_domain);
        if !name.contains('.') {
            return format!("{name}.{dns_domain}");
        }
        for suffix in [node_namespace.to_string(), format!("{node_namespace}.svc")] {
            if let Some(short) = name.strip_suffix(&format!(".{suffix}")) {
                if dns_domain.starts_with(&suffix) && !short.contains('.') {
                    return format!("{short}.{dns_domain}");
                }
            }
        }
        name.to_string()
    }

    pub fn namespaces(&self) -> impl Iterator<Item = (&str, &NamespaceInfo)> {
        self.namespaces
            .iter()
            .map(|(name, info)| (name.as_str(), info))
    }

    pub fn namespace(&self, name: &str) -> Option<&NamespaceInfo> {
        self.namespaces.get(name)
    }

    /// Services (Kubernetes and ServiceEntry) with exactly this FQDN.
    pub fn services(&self, host: &str) -> &[Service] {
        self.services.get(host).map_or(&[], Vec::as_slice)
    }

    /// Services with this host visible from `namespace` (exportTo honoured).
    pub fn services_visible(&self, host: &str, namespace: &str) -> Vec<&Service> {
        self.services(host)
            .iter()
            .filter(|s| is_exported_to(&s.export_to, &s.namespace, namespace))
            .collect()
    }

    /// Every service whose host matches `pattern`, which may be a wildcard (`*.example.com`, `*`).
    pub fn services_matching(&self, pattern: &str) -> Vec<&Service> {
        if !pattern.starts_with('*') {
            return self.services(pattern).iter().collect();
        }
        let mut found: Vec<&Service> = self
            .services
            .iter()
            .filter(|(host, _)| host_matches(pattern, host))
            .flat_map(|(_, services)| services.iter())
            .collect();
        found.sort_by(|a, b| (&a.host, a.object).cmp(&(&b.host, b.object)));
        found
    }

    /// Services whose host is a wildcard (`*.example.com`), sorted by host.
    pub fn wildcard_services(&self) -> impl Iterator<Item = &Service> {
        self.wildcard_hosts
            .iter()
            .flat_map(|host| self.services(host))
    }

    /// Services (Kubernetes and ServiceEntry) declared in a namespace.
    pub fn services_in<'a>(&'a self, namespace: &str) -> impl Iterator<Item = &'a Service> + 'a {
        let namespace = namespace.to_string();
        self.service_hosts_by_namespace
            .get(&namespace)
            .into_iter()
            .flatten()
            .flat_map(move |host| self.services(host).iter())
            .filter(move |s| s.namespace == namespace)
    }

    pub fn all_services(&self) -> impl Iterator<Item = &Service> {
        self.services.values().flatten()
    }

    pub fn workloads(&self) -> &[Workload] {
        &self.workloads
    }

    pub fn workloads_in<'a>(&'a self, namespace: &str) -> impl Iterator<Item = &'a Workload> + 'a {
        self.workloads_by_namespace
            .get(namespace)
            .into_iter()
            .flatten()
            .map(|&i| &self.workloads[i])
    }

    /// Workloads in `namespace` whose labels include all of `selector`
    /// (an empty selector selects every workload, as in Istio).
    pub fn workloads_matching<'a>(
        &'a self,
        namespace: &str,
        selector: &'a BTreeMap<String, String>,
    ) -> impl Iterator<Item = &'a Workload> + 'a {
        // Candidates: the workloads with the selector's rarest label (a
        // label nobody has selects nobody); all of the namespace's for
        // an empty selector. In index order either way.
        let candidates: &[usize] = if selector.is_empty() {
            self.workloads_by_namespace
                .get(namespace)
                .map_or(&[], Vec::as_slice)
        } else {
            selector
                .iter()
                .map(|(key, value)| {
                    self.workloads_by_label
                        .get(&label_key(namespace, key, value))
                        .map_or(&[][..], Vec::as_slice)
                })
                .min_by_key(|ids| ids.len())
                .unwrap_or(&[])
        };
        let namespace = namespace.to_string();
        candidates
            .iter()
            .map(|&i| &self.workloads[i])
            // The key is a hash: check what it stands for.
            .filter(move |w| w.namespace == namespace && labels_match(selector, &w.labels))
    }

    /// Kubernetes Services and ServiceEntries (by workloadSelector) that select a workload.
    pub fn services_selecting<'a>(
        &'a self,
        workload: &'a Workload,
    ) -> impl Iterator<Item = &'a Service> + 'a {
        self.services_in(&workload.namespace).filter(move |s| {
            s.selector
                .as_ref()
                .is_some_and(|sel| !sel.is_empty() && labels_match(sel, &workload.labels))
        })
    }

    pub fn destination_rules_for(&self, host: &str) -> &[ObjectId] {
        self.destination_rules.exact(host)
    }

    pub fn virtual_services_for(&self, host: &str) -> &[ObjectId] {
        self.virtual_services.exact(host)
    }

    /// PeerAuthentications, AuthorizationPolicies, RequestAuthentications,
    /// Sidecars and EnvoyFilters in a namespace.
    pub fn policies_in(&self, namespace: &str) -> &[ObjectId] {
        self.policies_by_namespace
            .get(namespace)
            .map_or(&[], Vec::as_slice)
    }

    /// Policies that apply to a workload: those in its namespace whose selector
    /// matches it (or that have none), then mesh-wide ones in the root namespace.
    pub fn policies_for(&self, workload: &Workload) -> Vec<ObjectId> {
        self.policies_selecting(&workload.namespace, &workload.labels)
    }

    /// [`Index::policies_for`] a workload in `namespace` with `labels`.
    pub fn policies_selecting(
        &self,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> Vec<ObjectId> {
        let root = self.mesh_config.root_namespace.as_str();
        let mut found: Vec<ObjectId> = self
            .policies_in(namespace)
            .iter()
            .copied()
            .filter(|&id| match policy_selector(&self.objects[id].spec) {
                Some(selector) => labels_match(selector, labels),
                None => true,
            })
            .collect();
        if namespace != root {
            found.extend(
                self.policies_in(root)
                    .iter()
                    .copied()
                    .filter(|&id| policy_selector(&self.objects[id].spec).is_none()),
            );
        }
        found
    }

    /// EndpointSlices of a Kubernetes Service.
    pub fn endpoint_slices(&self, namespace: &str, service: &str) -> &[ObjectId] {
        self.endpoint_slices
            .get(&(namespace.to_string(), service.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// DestinationRules for a host: those naming it exactly, then those whose
    /// wildcard host (`*.example.com`, `*`) covers it, most specific first.
    pub fn destination_rules_matching(&self, host: &str) -> Vec<ObjectId> {
        self.destination_rules.matching(host)
    }

    /// VirtualServices for a host, exact hosts first, then covering wildcards.
    pub fn virtual_services_matching(&self, host: &str) -> Vec<ObjectId> {
        self.virtual_services.matching(host)
    }
}

/// The host of a Kubernetes Service: `NAME.NAMESPACE.svc.DOMAIN`.
pub fn service_host(name: &str, namespace: &str, cluster_domain: &str) -> String {
    format!("{name}.{namespace}.svc.{cluster_domain}")
}

/// Configs (DestinationRules, VirtualServices) by the host they name, with
/// the wildcard hosts apart so a lookup does not scan every host.
#[derive(Debug, Default)]
struct ByHost {
    by_host: HashMap<String, Vec<ObjectId>>,
    wildcards: Vec<String>,
}

impl ByHost {
    fn insert(&mut self, host: String, id: ObjectId) {
        if host.starts_with('*') && !self.by_host.contains_key(&host) {
            self.wildcards.push(host.clone());
        }
        let ids = self.by_host.entry(host).or_default();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }

    fn exact(&self, host: &str) -> &[ObjectId] {
        self.by_host.get(host).map_or(&[], Vec::as_slice)
    }

    /// Configs for `host` itself, then for the wildcards that match it,
    /// most specific first.
    fn matching(&self, host: &str) -> Vec<ObjectId> {
        let mut found: Vec<ObjectId> = self.exact(host).to_vec();
        let mut wildcards: Vec<&String> = self
            .wildcards
            .iter()
            .filter(|pattern| pattern.as_str() != host && host_matches(pattern, host))
            .collect();
        wildcards.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        for pattern in wildcards {
            for id in self.exact(pattern) {
                if !found.contains(id) {
                    found.push(*id);
                }
            }
        }
        found
    }
}

/// The selector of a namespaced policy, when it has one.
pub fn policy_selector(spec: &Spec) -> Option<&BTreeMap<String, String>> {
    match spec {
        Spec::PeerAuthentication(s) => s.selector.as_ref().map(|s| &s.match_labels),
        Spec::AuthorizationPolicy(s) => s.selector.as_ref().map(|s| &s.match_labels),
        Spec::RequestAuthentication(s) => s.selector.as_ref().map(|s| &s.match_labels),
        Spec::Sidecar(s) => s.workload_selector.as_ref().map(|s| &s.labels),
        Spec::EnvoyFilter(s) => s.workload_selector.as_ref().map(|s| &s.labels),
        _ => None,
    }
    .filter(|labels| !labels.is_empty())
}

/// The pod template of a workload controller.
pub fn pod_template(spec: &Spec) -> Option<&PodTemplateSpec> {
    match spec {
        Spec::Deployment(d) => d.spec.as_ref().map(|s| &s.template),
        Spec::StatefulSet(s) => s.spec.as_ref().map(|s| &s.template),
        Spec::DaemonSet(d) => d.spec.as_ref().map(|s| &s.template),
        Spec::ReplicaSet(r) => r.spec.as_ref().and_then(|s| s.template.as_ref()),
        Spec::Job(j) => j.spec.as_ref().map(|s| &s.template),
        Spec::CronJob(c) => c
            .spec
            .as_ref()
            .and_then(|s| s.job_template.spec.as_ref())
            .map(|s| &s.template),
        Spec::ReplicationController(r) => r.spec.as_ref().and_then(|s| s.template.as_ref()),
        _ => None,
    }
}

pub fn labels_match(
    selector: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Istio host matching: `*` matches all, `*.example.com` matches any name under it.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix('*') {
        Some(suffix) => host.ends_with(suffix),
        None => pattern == host,
    }
}

/// Whether `exportTo` of an object in `owner` makes it visible in `viewer`.
pub fn is_exported_to(export_to: &[String], owner: &str, viewer: &str) -> bool {
    match exported_namespaces(export_to, owner) {
        None => true,
        Some(mut namespaces) => namespaces.any(|ns| ns == viewer),
    }
}

/// Whether `exportTo` makes an object visible in every namespace (empty, the
/// default, or `*`).
pub fn exported_everywhere(export_to: &[String]) -> bool {
    export_to.is_empty() || export_to.iter().any(|e| e == "*")
}

/// The namespaces `exportTo` of an object in `owner` names, or `None` when
/// it is visible everywhere ([`exported_everywhere`]).
pub fn exported_namespaces<'e>(
    export_to: &'e [String],
    owner: &'e str,
) -> Option<impl Iterator<Item = &'e str>> {
    if exported_everywhere(export_to) {
        return None;
    }
    Some(export_to.iter().filter_map(move |e| match e.as_str() {
        "." => Some(owner),
        "~" => None,
        ns => Some(ns),
    }))
}

fn annotation_list(object: &Object, name: &str) -> Option<Vec<String>> {
    object.meta.annotations.get(name).map(|v| {
        v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_files;
    use crate::source::SourceFile;

    fn index(text: &str) -> Index {
        let loaded = load_files(vec![SourceFile::new("t.yaml", text.to_string())]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        Index::build(loaded.objects, MeshConfig::default())
    }

    const MESH: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: echo, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: echo}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070, targetPort: 17070}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo-v1, namespace: echo}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo, version: v1}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: app}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: echo}
spec:
  host: echo
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: echo}
spec:
  hosts: [echo.echo.svc.cluster.local, echo]
  http: [{route: [{destination: {host: echo, subset: v1}}]}]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: other, namespace: echo}
spec: {selector: {matchLabels: {app: other}}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: echo}
spec:
  hosts: [api.example.com]
  exportTo: ["."]
  ports: [{number: 443, name: https, protocol: HTTPS}]
  endpoints: [{address: 10.0.0.1, labels: {app: ext}}]
"#;

    #[test]
    fn services_by_host_with_ports_and_protocols() {
        let index = index(MESH);
        let services = index.services("echo.echo.svc.cluster.local");
        assert_eq!(services.len(), 1);
        assert_eq!(services[0].ports[0].port, 7070);
        assert_eq!(services[0].ports[0].protocol, Protocol::Grpc);
        assert_eq!(services[0].ports[0].target_port.as_deref(), Some("17070"));
        assert_eq!(
            index.services("api.example.com")[0].source,
            ServiceSource::ServiceEntry
        );
        assert_eq!(index.services_matching("*.example.com").len(), 1);
    }

    #[test]
    fn export_to_limits_visibility() {
        let index = index(MESH);
        assert_eq!(index.services_visible("api.example.com", "echo").len(), 1);
        assert!(index
            .services_visible("api.example.com", "other")
            .is_empty());
    }

    #[test]
    fn workloads_by_labels_and_selecting_services() {
        let index = index(MESH);
        let selector = BTreeMap::from([("version".to_string(), "v1".to_string())]);
        let selected: Vec<_> = index.workloads_matching("echo", &selector).collect();
        assert_eq!(selected.len(), 1);
        assert_eq!(selected[0].name, "echo-v1");
        assert_eq!(selected[0].kind, WorkloadKind::PodTemplate);
        assert_eq!(
            selected[0].annotations["inject.istio.io/templates"],
            "grpc-agent"
        );
        let services: Vec<_> = index
            .services_selecting(selected[0])
            .map(|s| s.host.as_str())
            .collect();
        assert_eq!(services, ["echo.echo.svc.cluster.local"]);
    }

    #[test]
    fn rules_and_routes_by_fqdn_host() {
        let index = index(MESH);
        assert_eq!(
            index
                .destination_rules_for("echo.echo.svc.cluster.local")
                .len(),
            1
        );
        // Both spellings of the host name one VirtualService once.
        assert_eq!(
            index
                .virtual_services_for("echo.echo.svc.cluster.local")
                .len(),
            1
        );
    }

    #[test]
    fn policies_by_namespace_and_selector_with_root_namespace() {
        let index = index(MESH);
        let workload = index
            .workloads_in("echo")
            .find(|w| w.name == "echo-v1")
            .unwrap();
        let names: Vec<_> = index
            .policies_for(workload)
            .into_iter()
            .map(|id| index.object(id).meta.name.clone())
            .collect();
        assert_eq!(names, ["default"]);
        assert_eq!(
            index.namespace("echo").unwrap().labels["istio-injection"],
            "enabled"
        );
    }

    #[test]
    fn grpc_target_names_follow_istiod() {
        let index = index(MESH);
        for (name, want) in [
            ("foo", "foo.ns.svc.cluster.local"),
            ("foo.ns", "foo.ns.svc.cluster.local"),
            ("foo.ns.svc", "foo.ns.svc.cluster.local"),
            ("foo.ns.svc.cluster.local", "foo.ns.svc.cluster.local"),
            ("foo.com", "foo.com"),
            ("foo.other", "foo.other"),
            ("foo.ns.svc.notdnsdomain", "foo.ns.svc.notdnsdomain"),
        ] {
            assert_eq!(index.grpc_target_fqdn(name, "ns"), want, "{name}");
        }
    }
}
