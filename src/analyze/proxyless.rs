//! Who a config reaches among proxyless gRPC workloads, and which gRPC
//! runtime each of them runs: what every GRPC rule asks before it reports.
//!
//! A finding on a VirtualService or DestinationRule concerns the proxyless
//! *clients* that can see its host; a finding on a policy concerns the
//! proxyless *servers* it selects. A GRPC rule stays silent when the config
//! reaches no proxyless workload, so meshes without any are not nagged.

use crate::grpc_support::{self, Feature, Gap, Runtime, Unsupported};
use crate::index::{
    exported_everywhere, exported_namespaces, is_exported_to, Workload, WorkloadKind,
};
use crate::model::{Object, Spec};

use super::Context;

/// `mesh explain proxyless-scope` (also `assume-proxyless`): which
/// configs and ports the GRPC rules check, and `--assume-proxyless`.
pub const SCOPE_DOC: &str = "\
# proxyless-scope: who dials what

The GRPC rules report what proxyless gRPC workloads will do with a config, so
each finding names the workloads it concerns:

- A VirtualService, DestinationRule or ServiceEntry concerns the proxyless
  clients that can see its host (exportTo of the config and of the Service)
  and can dial it over gRPC: a host at least one of whose ports istiod builds
  a route for (HTTP, HTTP2, gRPC, gRPC-Web or an undeclared, sniffed
  protocol). A host whose ports are all TCP, TLS, HTTPS, MySQL, Mongo or Redis
  (by port name, appProtocol including kubernetes.io/h2c and
  kubernetes.io/ws, the protocol field, or the well-known ports 25, 53, 3306
  and 27017) has no proxyless gRPC clients, whatever configs name it.
- A policy concerns the proxyless servers it selects. A proxyless server's
  ports count as gRPC ports only where the Service port declares gRPC,
  gRPC-Web or HTTP2: a port named http is HTTP/1.1, and a tcp port of the same
  pods serves other traffic.
- Proxyless workloads are Pods and pod templates whose
  inject.istio.io/templates names grpc-agent or grpc-simple, or that set
  GRPC_XDS_BOOTSTRAP. Without any in the inputs, the GRPC rules have nothing
  to check and mesh analyze says so on stderr.

## --assume-proxyless

For configuration-only inputs (a repository of VirtualServices,
DestinationRules and policies whose client Deployments live elsewhere),
`mesh analyze --assume-proxyless --grpc LANG@VERSION PATH...` assumes:

- a proxyless client of the --grpc runtime in every namespace of the inputs
  (other than the root namespace), so that every host is dialled from every
  namespace that can see it;
- a proxyless server for every Service selector and every PeerAuthentication,
  AuthorizationPolicy or RequestAuthentication selector that selects no
  workload of the inputs, with the selector's labels;
- for a host that no Service in the inputs declares (NAME.NS.svc.DOMAIN),
  servers in its namespace whose labels are unknown: namespace- and
  mesh-level PeerAuthentications decide their mTLS.

Findings name them \"proxyless clients in NS (assumed)\" or \"proxyless servers
in NS (assumed, LABELS)\"; nothing is reported on the assumed workloads
themselves. `mesh xds render --assume-proxyless --client-namespace NS` renders
what such a client in NS receives.
";

/// The annotation (on a pod or a pod template) naming the gRPC runtime of a
/// workload, overriding `--grpc`: `mesh.dev/grpc-runtime: go@1.66`.
pub const RUNTIME_ANNOTATION: &str = "mesh.dev/grpc-runtime";

/// Proxyless workloads in index order, shared: on a mesh with thousands of
/// proxyless clients every config reaches most of them, so rules pass one
/// list around rather than copying it.
pub type Clients<'a> = std::sync::Arc<[&'a Workload]>;

/// Proxyless clients by (config namespace, exportTo, host).
pub type ClientsCache<'a> =
    std::sync::Mutex<std::collections::HashMap<(String, Vec<String>, String), Clients<'a>>>;

/// Client lists narrowed by Sidecars, by (address of the list, host), with
/// the list they narrow (held, so that the address cannot be reused).
pub type SidecarCache<'a> =
    std::sync::Mutex<std::collections::HashMap<(usize, String), (Clients<'a>, Clients<'a>)>>;

/// Runs of one namespace in a client list: the namespace and where its
/// clients are.
pub type NamespaceRuns<'a> = std::sync::Arc<[(&'a str, std::ops::Range<usize>)]>;

/// [`Context::namespace_runs`] answers, by the address of the list (held,
/// so that the address cannot be reused).
pub type RunsMemo<'a> =
    std::sync::Mutex<std::collections::HashMap<usize, (Clients<'a>, NamespaceRuns<'a>)>>;

/// The proxyless workloads of an index, gathered once for every rule.
#[derive(Default)]
pub struct Proxyless<'a> {
    /// In index order.
    all: Clients<'a>,
    /// What each proxyless workload sees, by distinct view, when some
    /// Sidecar is in the inputs (its egress hosts narrow it); empty without.
    views: Vec<crate::semantics::visibility::ClientView>,
    /// Where each workload's view is in `views`, by address (only when
    /// some namespace's workloads see differently: `mixed_views`).
    view_of: std::collections::HashMap<usize, usize>,
    /// The view of each namespace of `by_namespace` when all its workloads
    /// share one (a namespace-wide Sidecar, or none); `None` otherwise.
    namespace_view: Vec<Option<usize>>,
    /// Some namespace's workloads see differently (a Sidecar selects some).
    mixed_views: bool,
    /// Those of `all` that dial services: all but the servers
    /// `--assume-proxyless` assumed for a selector (the same list without them).
    clients: Clients<'a>,
    /// Grouped by namespace, in order of first appearance.
    by_namespace: Vec<(&'a str, Vec<&'a Workload>)>,
    /// Where each namespace is in `by_namespace`.
    namespace_slot: std::collections::HashMap<&'a str, usize>,
    /// Runtimes named by the workloads' own annotation, by address.
    annotated_runtimes: std::collections::HashMap<usize, Runtime>,
    /// The clients of each set of visible namespaces (slots of
    /// `by_namespace`): many hosts share one, and merging is a sort.
    by_visibility: std::sync::Mutex<std::collections::HashMap<Vec<usize>, Clients<'a>>>,
}

impl<'a> Proxyless<'a> {
    pub fn gather(index: &'a crate::index::Index) -> Proxyless<'a> {
        let all: Clients<'a> = index
            .workloads()
            .iter()
            .filter(|w| {
                w.proxyless && matches!(w.kind, WorkloadKind::Pod | WorkloadKind::PodTemplate)
            })
            .collect();
        let mut by_namespace: Vec<(&'a str, Vec<&'a Workload>)> = Vec::new();
        let mut namespace_slot: std::collections::HashMap<&'a str, usize> =
            std::collections::HashMap::new();
        for &workload in all.iter() {
            let namespace = workload.namespace.as_str();
            let i = *namespace_slot.entry(namespace).or_insert_with(|| {
                by_namespace.push((namespace, Vec::new()));
                by_namespace.len() - 1
            });
            by_namespace[i].1.push(workload);
        }
        let annotated_runtimes = all
            .iter()
            .filter_map(|&w| Some((address(w), runtime_annotation(w)?)))
            .collect();
        let mut views = Vec::new();
        let mut view_of = std::collections::HashMap::new();
        if index
            .objects
            .iter()
            .any(|o| matches!(o.spec, Spec::Sidecar(_)))
        {
            // Workloads alike (one namespace, the same Sidecar) share a view.
            let mut by_labels: std::collections::HashMap<
                (&str, &std::collections::BTreeMap<String, String>),
                usize,
            > = std::collections::HashMap::new();
            let mut by_view: std::collections::HashMap<
                crate::semantics::visibility::ClientView,
                usize,
            > = std::collections::HashMap::new();
            for &workload in all.iter() {
                let at = *by_labels
                    .entry((workload.namespace.as_str(), &workload.labels))
                    .or_insert_with(|| {
                        let view = crate::semantics::visibility::ClientView::of(
                            index,
                            &workload.namespace,
                            &workload.labels,
                        );
                        *by_view.entry(view.clone()).or_insert_with(|| {
                            views.push(view);
                            views.len() - 1
                        })
                    });
                view_of.insert(address(workload), at);
            }
        }
        let namespace_view: Vec<Option<usize>> = by_namespace
            .iter()
            .map(|(_, workloads)| {
                let mut found = workloads.iter().map(|w| view_of.get(&address(w)).copied());
                let first = found.next().flatten()?;
                found.all(|v| v == Some(first)).then_some(first)
            })
            .collect();
        let mixed_views = !views.is_empty() && namespace_view.iter().any(Option::is_none);
        let clients = if all.iter().all(|w| is_client(w)) {
            all.clone()
        } else {
            all.iter().copied().filter(|w| is_client(w)).collect()
        };
        Proxyless {
            views,
            view_of,
            namespace_view,
            mixed_views,
            all,
            clients,
            by_namespace,
            namespace_slot,
            annotated_runtimes,
            by_visibility: Default::default(),
        }
    }
}

/// Whether the selected GRPC rules have nothing to check because no
/// proxyless workload is in the inputs, though configs they would check are:
/// `mesh analyze` then says so and names `--assume-proxyless`.
pub fn nothing_to_check(index: &crate::index::Index, selection: &super::Selection) -> bool {
    let grpc_rules_run = super::registry::rules()
        .any(|rule| rule.code.starts_with("GRPC") && selection.includes(rule));
    let configs = index.objects.iter().any(|o| {
        matches!(
            o.spec,
            Spec::VirtualService(_)
                | Spec::DestinationRule(_)
                | Spec::PeerAuthentication(_)
                | Spec::AuthorizationPolicy(_)
                | Spec::RequestAuthentication(_)
        )
    });
    grpc_rules_run && configs && !index.workloads().iter().any(|w| w.proxyless)
}

/// Whether a proxyless workload dials services: every real one does; of the
/// assumed ones, those standing for a namespace's clients (no labels), not
/// those standing for a selector's servers.
fn is_client(workload: &Workload) -> bool {
    !workload.assumed || workload.labels.is_empty()
}

/// A workload's identity within the index (see [`distinct`]).
fn address(workload: &Workload) -> usize {
    std::ptr::from_ref::<Workload>(workload) as usize
}

fn runtime_annotation(workload: &Workload) -> Option<Runtime> {
    workload.annotations.get(RUNTIME_ANNOTATION)?.parse().ok()
}

/// Names of long workload lists already formatted: a config exported to the
/// whole mesh lists the same thousands of clients in finding after finding.
/// Shared client lists ([`Clients`]) are found by address, which names them
/// alone because the memo keeps them alive; other lists by (length, first,
/// last address), with every address kept so that a hit is exact.
#[derive(Default)]
pub struct NamesMemo<'a>(std::sync::Mutex<MemoizedLists<'a>>);

#[derive(Default)]
struct MemoizedLists<'a> {
    by_ends: std::collections::HashMap<(usize, usize, usize), Vec<MemoizedNames>>,
    /// Addresses held so far, bounded by [`NAMES_MEMO_CAPACITY`].
    held: usize,
    by_shared_list: std::collections::HashMap<usize, (Clients<'a>, String)>,
}

struct MemoizedNames {
    addresses: Box<[usize]>,
    text: String,
}

/// A list of workloads to name: a shared client list or any other.
pub trait WorkloadList<'a> {
    fn workloads(&self) -> &[&'a Workload];
    /// The shared list, when it is one.
    fn shared(&self) -> Option<&Clients<'a>> {
        None
    }
}

impl<'a> WorkloadList<'a> for Clients<'a> {
    fn workloads(&self) -> &[&'a Workload] {
        self
    }
    fn shared(&self) -> Option<&Clients<'a>> {
        Some(self)
    }
}

impl<'a> WorkloadList<'a> for [&'a Workload] {
    fn workloads(&self) -> &[&'a Workload] {
        self
    }
}

impl<'a> WorkloadList<'a> for Vec<&'a Workload> {
    fn workloads(&self) -> &[&'a Workload] {
        self
    }
}

/// Lists shorter than this are named directly: cheaper than a lookup.
const NAMES_MEMO_MIN_LEN: usize = 256;
/// At most this many addresses (8 bytes each) are memoized.
const NAMES_MEMO_CAPACITY: usize = 1 << 22;
/// At most this many shared lists are kept alive by the memo.
const NAMES_MEMO_SHARED_LISTS: usize = 1 << 16;

/// How many workload names a message lists before "and N more".
const NAMES_SHOWN: usize = 3;

impl<'a> Context<'a> {
    /// "ns/a, ns/b, ns/c and 2 more" ([`workload_names`]), answered once per
    /// distinct long list.
    pub fn workload_names(&self, list: &(impl WorkloadList<'a> + ?Sized)) -> String {
        let workloads = list.workloads();
        let (Some(first), Some(last)) = (workloads.first(), workloads.last()) else {
            return String::new();
        };
        if workloads.len() < NAMES_MEMO_MIN_LEN {
            return workload_names(workloads);
        }
        if let Some(shared) = list.shared() {
            return self.shared_list_names(shared);
        }
        let key = (workloads.len(), address(first), address(last));
        let same = |entry: &MemoizedNames| {
            entry
                .addresses
                .iter()
                .copied()
                .eq(workloads.iter().map(|w| address(w)))
        };
        if let Ok(memo) = self.names_memo.0.lock() {
            if let Some(entry) = memo
                .by_ends
                .get(&key)
                .and_then(|entries| entries.iter().find(|e| same(e)))
            {
                return entry.text.clone();
            }
        }
        let text = workload_names(workloads);
        if let Ok(mut memo) = self.names_memo.0.lock() {
            if memo.held + workloads.len() <= NAMES_MEMO_CAPACITY {
                memo.held += workloads.len();
                memo.by_ends.entry(key).or_default().push(MemoizedNames {
                    addresses: workloads.iter().map(|w| address(w)).collect(),
                    text: text.clone(),
                });
            }
        }
        text
    }

    /// [`Context::workload_names`] of a shared list, found by its address
    /// in O(1): comparing every address cost as much as naming the list.
    fn shared_list_names(&self, clients: &Clients<'a>) -> String {
        let key = std::sync::Arc::as_ptr(clients).cast::<()>() as usize;
        if let Some(text) = self
            .names_memo
            .0
            .lock()
            .ok()
            .and_then(|memo| memo.by_shared_list.get(&key).map(|(_, text)| text.clone()))
        {
            return text;
        }
        let text = workload_names(clients);
        if let Ok(mut memo) = self.names_memo.0.lock() {
            if memo.by_shared_list.len() < NAMES_MEMO_SHARED_LISTS {
                memo.by_shared_list
                    .insert(key, (clients.clone(), text.clone()));
            }
        }
        text
    }

    /// `clients` (a list from [`Context::proxyless_clients`]) as runs of
    /// one namespace, in order: rules that decide per namespace (the
    /// DestinationRule a client uses depends on its namespace only) walk
    /// a few hundred runs instead of thousands of clients.
    pub fn namespace_runs(&self, clients: &Clients<'a>) -> NamespaceRuns<'a> {
        let key = std::sync::Arc::as_ptr(clients).cast::<()>() as usize;
        if let Some((_, runs)) = self
            .runs_memo
            .lock()
            .ok()
            .and_then(|memo| memo.get(&key).cloned())
        {
            return runs;
        }
        let mut runs: Vec<(&'a str, std::ops::Range<usize>)> = Vec::new();
        for (i, client) in clients.iter().enumerate() {
            match runs.last_mut() {
                Some((namespace, range)) if *namespace == client.namespace => range.end = i + 1,
                _ => runs.push((client.namespace.as_str(), i..i + 1)),
            }
        }
        let runs: NamespaceRuns<'a> = runs.into();
        if let Ok(mut memo) = self.runs_memo.lock() {
            // The memo keeps the list alive, so its address names it alone.
            memo.insert(key, (clients.clone(), runs.clone()));
        }
        runs
    }

    /// Proxyless Pods and pod templates (ServiceEntry endpoints and
    /// WorkloadEntries carry no pod spec, so they never count).
    pub fn proxyless_workloads(&self) -> impl Iterator<Item = &'a Workload> + '_ {
        self.proxyless.all.iter().copied()
    }

    /// The proxyless workloads of one namespace.
    pub fn proxyless_in(&self, namespace: &str) -> &[&'a Workload] {
        let proxyless = &self.proxyless;
        proxyless
            .namespace_slot
            .get(namespace)
            .map_or(&[], |&i| proxyless.by_namespace[i].1.as_slice())
    }

    /// The runtime of a workload: its annotation, else `--grpc`. An
    /// unreadable annotation falls back to `--grpc` (GRPC rules report it).
    pub fn runtime_of(&self, workload: &Workload) -> Runtime {
        if self.proxyless.annotated_runtimes.is_empty() {
            return self.grpc;
        }
        self.proxyless
            .annotated_runtimes
            .get(&address(workload))
            .copied()
            .unwrap_or_else(|| runtime_annotation(workload).unwrap_or(self.grpc))
    }

    /// Proxyless workloads that receive `config` (a VirtualService or
    /// DestinationRule, by its `exportTo`) for `host` (by the service's
    /// `exportTo`, and Sidecar egress hosts) and can dial it over gRPC: a
    /// host none of whose ports istiod builds a route for
    /// ([`crate::semantics::Protocol::is_http_or_sniffed`]) has none, and a
    /// host no service of the inputs declares only the assumed ones
    /// (`--assume-proxyless`).
    pub fn proxyless_clients(&self, config: &Object, host: &str) -> Clients<'a> {
        // Who dials what: a host whose every port istiod routes no HTTP for
        // (TCP, TLS, a database) has no proxyless gRPC clients, whatever
        // configs name it.
        let services = if host.contains('*') {
            self.index.services_matching(host)
        } else {
            self.index.services(host).iter().collect()
        };
        let routed = services.is_empty()
            || services
                .iter()
                .any(|s| s.ports.iter().any(|p| p.protocol.is_http_or_sniffed()));
        if !routed {
            return Clients::from([]);
        }
        let clients = self.clients_seeing(config, host);
        if services.is_empty() && clients.iter().any(|w| !w.assumed) {
            // A host no Service or ServiceEntry of the inputs declares gets
            // no route from istiod: only clients `--assume-proxyless`
            // assumed (for inputs that hold configs alone) dial it.
            return clients.iter().copied().filter(|w| w.assumed).collect();
        }
        clients
    }

    /// The proxyless clients that see `host` and receive `config` for it,
    /// whatever its ports' protocols: those [`Context::proxyless_clients`]
    /// would give if the host were declared for gRPC.
    pub fn clients_seeing(&self, config: &Object, host: &str) -> Clients<'a> {
        let clients = self.clients_by_namespace(config, host);
        if !self.proxyless.mixed_views || clients.is_empty() {
            return clients;
        }
        // A Sidecar's egress hosts narrow what its workloads see: decided
        // once per distinct view and list.
        let services = self.index.services(host);
        if services.is_empty() {
            return clients;
        }
        let key = (
            std::sync::Arc::as_ptr(&clients).cast::<()>() as usize,
            host.to_string(),
        );
        if let Some((_, found)) = self
            .sidecar_cache
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return found;
        }
        let mut decided: std::collections::HashMap<usize, bool> = std::collections::HashMap::new();
        let mut sees = |client: &Workload| {
            let Some(&view) = self.proxyless.view_of.get(&address(client)) else {
                return true;
            };
            let slot = self.proxyless.namespace_slot[client.namespace.as_str()];
            if self.proxyless.namespace_view[slot].is_some() {
                // Decided for the whole namespace already.
                return true;
            }
            *decided
                .entry(view)
                .or_insert_with(|| services.iter().any(|s| self.proxyless.views[view].sees(s)))
        };
        // Most lists lose nobody: share them rather than copy.
        let found: Clients<'a> = if clients.iter().all(|c| sees(c)) {
            clients.clone()
        } else {
            clients.iter().copied().filter(|c| sees(c)).collect()
        };
        if let Ok(mut cache) = self.sidecar_cache.lock() {
            // The list is held so that its address is not reused.
            cache.insert(key, (clients, found.clone()));
        }
        found
    }

    /// [`Context::proxyless_clients`] by namespace, before Sidecars narrow it.
    fn clients_by_namespace(&self, config: &Object, host: &str) -> Clients<'a> {
        let index = self.index;
        let owner = config.namespace_or("default");
        let mesh = &index.mesh_config;
        let config_export = match &config.spec {
            Spec::VirtualService(_) | Spec::DestinationRule(_) => index.export_to(config),
            // Services and ServiceEntries: their own exportTo decides below.
            _ => mesh.default_service_export_to.as_slice(),
        };
        // Many rules ask the same question of the same config: answer it once.
        let key = (owner.to_string(), config_export.to_vec(), host.to_string());
        if let Some(found) = self
            .clients_cache
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return found;
        }
        let services = if host.contains('*') {
            index.services_matching(host)
        } else {
            index.services(host).iter().collect()
        };
        let root = mesh.root_namespace.as_str();
        let proxyless = &self.proxyless;
        // A namespace-wide Sidecar's egress hosts narrow what a whole
        // namespace sees: decided here with exportTo, once per namespace.
        let sidecar_sees = |slot: usize| match proxyless.namespace_view[slot] {
            Some(view) if !services.is_empty() => {
                services.iter().any(|s| proxyless.views[view].sees(s))
            }
            _ => true,
        };
        if (owner == root || exported_everywhere(config_export))
            && (services.is_empty() || services.iter().any(|s| exported_everywhere(&s.export_to)))
            && proxyless.views.is_empty()
        {
            // Seen from every namespace (the default): no need to ask each.
            let found = proxyless.clients.clone();
            if let Ok(mut cache) = self.clients_cache.lock() {
                cache.insert(key, found.clone());
            }
            return found;
        }
        // The namespaces some service of the host is exported to (`None`:
        // all), gathered once: asking every service from every namespace is
        // quadratic when each namespace declares the host for itself.
        let service_viewers: Option<std::collections::HashSet<&str>> = if services.is_empty() {
            None
        } else {
            services
                .iter()
                .map(|s| exported_namespaces(&s.export_to, &s.namespace))
                .try_fold(std::collections::HashSet::new(), |mut viewers, named| {
                    viewers.extend(named?);
                    Some(viewers)
                })
        };
        // Visibility depends on the namespace only: decide it once per namespace.
        let visible: Vec<usize> = proxyless
            .by_namespace
            .iter()
            .enumerate()
            .filter(|(_, (namespace, _))| {
                (owner == root || is_exported_to(config_export, owner, namespace))
                    && service_viewers
                        .as_ref()
                        .is_none_or(|viewers| viewers.contains(*namespace))
            })
            .filter(|(slot, _)| sidecar_sees(*slot))
            .map(|(slot, _)| slot)
            .collect();
        let found: Clients<'a> = if visible.len() == proxyless.by_namespace.len() {
            proxyless.clients.clone()
        } else {
            let known = proxyless
                .by_visibility
                .lock()
                .ok()
                .and_then(|c| c.get(&visible).cloned());
            match known {
                Some(found) => found,
                None => {
                    let found: Clients<'a> = distinct(
                        visible
                            .iter()
                            .flat_map(|&slot| proxyless.by_namespace[slot].1.iter().copied())
                            .filter(|w| is_client(w)),
                    )
                    .into();
                    if let Ok(mut cache) = proxyless.by_visibility.lock() {
                        cache.insert(visible, found.clone());
                    }
                    found
                }
            }
        };
        if let Ok(mut cache) = self.clients_cache.lock() {
            cache.insert(key, found.clone());
        }
        found
    }

    /// Proxyless workloads behind `host`: selected by its Kubernetes
    /// Service or ServiceEntry `workloadSelector` (with `--assume-proxyless`,
    /// the assumed workloads of its namespace when no Service declares it).
    pub fn proxyless_servers(&self, host: &str) -> Vec<&'a Workload> {
        let index = self.index;
        let mut servers: Vec<&'a Workload> = Vec::new();
        let mut seen_selectors = Vec::new();
        for service in index.services(host) {
            let Some(selector) = service.selector.as_ref().filter(|s| !s.is_empty()) else {
                continue;
            };
            // The same Service declared in several files selects the same pods.
            if seen_selectors.contains(&(&service.namespace, selector)) {
                continue;
            }
            seen_selectors.push((&service.namespace, selector));
            for workload in index.workloads_matching(&service.namespace, selector) {
                if workload.proxyless
                    && matches!(workload.kind, WorkloadKind::Pod | WorkloadKind::PodTemplate)
                    && !servers.contains(&workload)
                {
                    servers.push(workload);
                }
            }
        }
        if servers.is_empty() {
            servers.extend(crate::semantics::assumed::assumed_servers_of(index, host));
        }
        servers
    }

    /// Proxyless workloads selected by a policy (PeerAuthentication,
    /// AuthorizationPolicy, RequestAuthentication...): in its namespace by
    /// its selector, or mesh-wide from the root namespace without one.
    pub fn proxyless_selected_by(&self, policy: &Object) -> Vec<&'a Workload> {
        let index = self.index;
        let namespace = policy.namespace_or("default");
        if matches!(policy.spec, Spec::AuthorizationPolicy(_)) {
            // A root-namespace selector selects in every namespace.
            let candidates: Vec<&'a Workload> = if namespace == index.mesh_config.root_namespace {
                self.proxyless_workloads().collect()
            } else {
                self.proxyless_in(namespace).to_vec()
            };
            return candidates
                .into_iter()
                .filter(|w| {
                    crate::semantics::authorization::applies(index, policy, &w.namespace, &w.labels)
                })
                .collect();
        }
        let selector = crate::index::policy_selector(&policy.spec);
        let mesh_wide = namespace == index.mesh_config.root_namespace && selector.is_none();
        if mesh_wide {
            return self.proxyless_workloads().collect();
        }
        self.proxyless_in(namespace)
            .iter()
            .copied()
            .filter(|w| selector.is_none_or(|s| crate::index::labels_match(s, &w.labels)))
            .collect()
    }

    /// Which of `workloads` run a runtime that lacks `feature`, and how.
    pub fn feature_gaps(&self, workloads: &[&'a Workload], feature: Feature) -> Option<Impact<'a>> {
        let mut impact = Impact {
            feature,
            gaps: Vec::new(),
            workloads: Vec::new(),
        };
        if self.proxyless.annotated_runtimes.is_empty() {
            // No workload names its own runtime: all run `--grpc`.
            if workloads.is_empty() {
                return None;
            }
            impact.gaps.extend(self.grpc.gaps(feature));
            if impact.gaps.is_empty() {
                return None;
            }
            impact.gaps.sort();
            impact.gaps.dedup();
            impact.workloads = workloads.to_vec();
            return Some(impact);
        }
        // Thousands of workloads share a handful of runtimes: ask each once.
        let mut gaps_by_runtime: Vec<(Runtime, bool)> = Vec::new();
        for &workload in workloads {
            let runtime = self.runtime_of(workload);
            let lacks = match gaps_by_runtime.iter().find(|(r, _)| *r == runtime) {
                Some(&(_, lacks)) => lacks,
                None => {
                    let gaps = runtime.gaps(feature);
                    let lacks = !gaps.is_empty();
                    impact.gaps.extend(gaps);
                    gaps_by_runtime.push((runtime, lacks));
                    lacks
                }
            };
            if lacks {
                impact.workloads.push(workload);
            }
        }
        impact.gaps.sort();
        impact.gaps.dedup();
        (!impact.workloads.is_empty()).then_some(impact)
    }
}

/// Proxyless workloads whose runtime lacks a feature.
#[derive(Debug)]
pub struct Impact<'a> {
    pub feature: Feature,
    pub gaps: Vec<Gap>,
    pub workloads: Vec<&'a Workload>,
}

impl<'a> Impact<'a> {
    /// "rejected (NACK) by gRPC C-core (C++, Python, Ruby, PHP)": what the
    /// runtimes do, and which.
    pub fn runtimes(&self) -> String {
        format!(
            "{} by {}",
            grpc_support::row(self.feature).when_unsupported.verb(),
            grpc_support::describe_gaps(&self.gaps)
        )
    }

    pub fn rejected(&self) -> bool {
        grpc_support::row(self.feature).when_unsupported != Unsupported::Ignored
    }

    /// "affects proxyless clients ns/a, ns/b and 2 more".
    pub fn affects(&self, context: &Context<'a>, role: &str) -> String {
        format!(
            "affects proxyless {role} {}",
            context.workload_names(&self.workloads)
        )
    }
}

/// Each workload of `workloads` once, in index order. Workloads live in one
/// slice of the index, so their addresses order and identify them: sorting
/// by address keeps this linear-logarithmic where `contains` was quadratic
/// on meshes with thousands of proxyless clients.
/// (A stable sort: lists from [`Context::proxyless_clients`] are already
/// in index order, and merging sorted runs is linear.)
pub fn distinct<'a>(workloads: impl IntoIterator<Item = &'a Workload>) -> Vec<&'a Workload> {
    let mut all: Vec<&'a Workload> = workloads.into_iter().collect();
    all.sort_by_key(|w| address(w));
    all.dedup_by(|a, b| std::ptr::eq(*a, *b));
    all
}

/// Those of `few` that are in `clients` (a list in index order, as
/// [`Context::proxyless_clients`] returns): a rule that concerns a few
/// workloads checks them against each config's clients without walking
/// every client.
pub fn among<'a>(few: &[&'a Workload], clients: &[&'a Workload]) -> Vec<&'a Workload> {
    few.iter()
        .copied()
        .filter(|w| {
            clients
                .binary_search_by_key(&address(w), |c| address(c))
                .is_ok()
        })
        .collect()
}

/// "ns/name", or for an assumed workload "in ns (assumed)" (with the labels
/// of an assumed server).
fn display_name(workload: &Workload) -> String {
    if !workload.assumed {
        return format!("{}/{}", workload.namespace, workload.name);
    }
    let labels: Vec<String> = workload
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if labels.is_empty() {
        format!("in {} (assumed)", workload.namespace)
    } else {
        format!("in {} (assumed, {})", workload.namespace, labels.join(","))
    }
}

/// "ns/a, ns/b, ns/c and 2 more", in a stable order.
pub fn workload_names(workloads: &[&Workload]) -> String {
    // In the index's name rank order, formatted only for the few shown: a
    // finding may concern thousands of clients.
    let max_rank = workloads.iter().map(|w| w.name_rank).max().unwrap_or(0) as usize;
    let (distinct, first): (usize, Vec<&Workload>) = if workloads.len() * 64 < max_rank {
        let mut ranked: Vec<(u32, &Workload)> =
            workloads.iter().map(|w| (w.name_rank, *w)).collect();
        ranked.sort_unstable_by_key(|(rank, _)| *rank);
        ranked.dedup_by_key(|(rank, _)| *rank);
        let first = ranked.iter().take(NAMES_SHOWN).map(|(_, w)| *w).collect();
        (ranked.len(), first)
    } else {
        // Ranks are dense (0..workloads in the index): a bit per rank counts
        // them and finds the lowest few without sorting.
        let mut seen = vec![0u64; max_rank / 64 + 1];
        for workload in workloads {
            let rank = workload.name_rank as usize;
            seen[rank / 64] |= 1 << (rank % 64);
        }
        let distinct = seen.iter().map(|word| word.count_ones() as usize).sum();
        let mut lowest = Vec::with_capacity(NAMES_SHOWN);
        for (i, &word) in seen.iter().enumerate() {
            let mut word = word;
            while word != 0 && lowest.len() < NAMES_SHOWN {
                lowest.push((i * 64) as u32 + word.trailing_zeros());
                word &= word - 1;
            }
            if lowest.len() == NAMES_SHOWN {
                break;
            }
        }
        let first = lowest
            .iter()
            .filter_map(|&rank| workloads.iter().find(|w| w.name_rank == rank).copied())
            .collect();
        (distinct, first)
    };
    let mut text = first
        .iter()
        .map(|w| display_name(w))
        .collect::<Vec<_>>()
        .join(", ");
    if distinct > first.len() {
        text.push_str(&format!(" and {} more", distinct - first.len()));
    }
    text
}

/// The TLS mode clients of one host use, by client namespace.
pub struct HostTls<'a> {
    index: &'a crate::index::Index,
    host: String,
}

impl<'a> HostTls<'a> {
    /// The DestinationRule TLS mode a client in `namespace` uses, with the
    /// rule that set it: the top-level `tls` of the DestinationRule that
    /// applies ([`crate::semantics::destination_rule::applied`]). `None`: it
    /// sets none, so proxyless clients send plaintext (they have no
    /// auto-mTLS).
    pub fn for_namespace(
        &self,
        namespace: &str,
    ) -> Option<(&'a Object, crate::model::networking::ClientTLSMode)> {
        let index = self.index;
        let mut services = index.services_visible(&self.host, namespace);
        services.sort_by_key(|s| s.namespace != namespace);
        let client = crate::semantics::destination_rule::Client {
            namespace,
            labels: None,
        };
        let applied = crate::semantics::destination_rule::applied(
            index,
            client,
            &self.host,
            services.first().map(|s| s.namespace.as_str()),
        )?;
        let mode = applied.spec.traffic_policy.as_ref()?.tls.as_ref()?.mode?;
        Some((applied.policy_from?, mode))
    }
}

impl<'a> Context<'a> {
    /// What a proxyless server's Listener on container `port` accepts
    /// (`None`: the workload's mode, before port-level settings), as
    /// [`crate::semantics::peer_authentication`] decides it.
    pub fn server_mtls(
        &self,
        workload: &Workload,
        port: Option<u32>,
    ) -> crate::semantics::ServerMtls<'a> {
        crate::semantics::peer_authentication::server_mtls(
            self.index,
            &workload.namespace,
            &workload.labels,
            port,
        )
    }
}

impl<'a> Context<'a> {
    /// The DestinationRule TLS mode a client in `namespace` uses for `host`
    /// (see [`HostTls`]).
    pub fn client_tls(
        &self,
        namespace: &str,
        host: &str,
    ) -> Option<(&'a Object, crate::model::networking::ClientTLSMode)> {
        self.host_tls(host).for_namespace(namespace)
    }

    /// The TLS modes of `host`'s clients, for a rule to ask of many client
    /// namespaces.
    pub fn host_tls(&self, host: &str) -> HostTls<'a> {
        HostTls {
            index: self.index,
            host: host.to_string(),
        }
    }

    /// Those of `clients` whose TLS settings for `host` come from the
    /// DestinationRule `rule` ([`Context::client_tls`], decided once per
    /// namespace).
    pub fn clients_with_tls_from(
        &self,
        clients: impl IntoIterator<Item = &'a Workload>,
        host: &str,
        rule: &Object,
    ) -> Vec<&'a Workload> {
        let host_tls = self.host_tls(host);
        let mut decided: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
        clients
            .into_iter()
            .filter(|client| {
                *decided.entry(client.namespace.as_str()).or_insert_with(|| {
                    host_tls
                        .for_namespace(&client.namespace)
                        .is_some_and(|(decider, _)| std::ptr::eq(decider, rule))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_of(pods: &[(&str, &str)]) -> crate::index::Index {
        let text: String = pods
            .iter()
            .map(|(namespace, name)| {
                format!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {{containers: [{{name: app, image: a}}]}}\n---\n"
                )
            })
            .collect();
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new("t.yaml", text)]);
        crate::index::Index::build(loaded.objects, Default::default())
    }

    /// Pods `w000`, `w001`... in the namespaces `namespace` gives them.
    fn numbered_pods(count: usize, namespace: impl Fn(usize) -> String) -> crate::index::Index {
        let names: Vec<(String, String)> = (0..count)
            .map(|i| (namespace(i), format!("w{i:03}")))
            .collect();
        let pods: Vec<(&str, &str)> = names
            .iter()
            .map(|(n, w)| (n.as_str(), w.as_str()))
            .collect();
        index_of(&pods)
    }

    #[test]
    fn a_host_each_namespace_declares_for_itself_is_seen_where_exported() {
        // `registry.example.com` from ServiceEntries in a (exportTo: ".") and
        // b (exportTo: [c]): clients in a and c see it, d does not.
        let mut text = String::new();
        for namespace in ["a", "b", "c", "d"] {
            text += &format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: client, namespace: {namespace}, annotations: {{inject.istio.io/templates: grpc-agent}}}}\nspec: {{containers: [{{name: app, image: a}}]}}\n---\n"
            );
        }
        for (namespace, export) in [("a", "[.]"), ("b", "[c]")] {
            text += &format!(
                "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: registry, namespace: {namespace}}}\nspec: {{hosts: [registry.example.com], exportTo: {export}, ports: [{{number: 443, name: grpc, protocol: GRPC}}]}}\n---\n"
            );
        }
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new("t.yaml", text)]);
        let index = crate::index::Index::build(loaded.objects, Default::default());
        let context = Context::new(&index, Runtime::default());
        let entry = index
            .objects
            .iter()
            .find(|o| o.kind() == "ServiceEntry")
            .expect("the ServiceEntry in a");
        let seen_from: Vec<&str> = context
            .proxyless_clients(entry, "registry.example.com")
            .iter()
            .map(|w| w.namespace.as_str())
            .collect();
        assert_eq!(seen_from, ["a", "c"]);
    }

    #[test]
    fn names_sort_as_text_list_each_once_and_count_the_rest() {
        // "a-b/x" sorts before "a/x" as text ('-' < '/'), though "a" < "a-b".
        let index = index_of(&[("a", "x"), ("a-b", "x"), ("b", "y"), ("c", "z")]);
        let all: Vec<&Workload> = index.workloads().iter().collect();
        assert_eq!(workload_names(&all), "a-b/x, a/x, b/y and 1 more");
        assert_eq!(workload_names(&[all[0], all[1], all[0]]), "a-b/x, a/x");
        assert_eq!(distinct([all[2], all[0], all[2]]).len(), 2);
    }

    #[test]
    fn a_few_names_among_many_workloads_read_the_same() {
        // Two workloads of high rank: listed by sorting, not by a bit per rank.
        let index = numbered_pods(200, |_| "ns".to_string());
        let all: Vec<&Workload> = index.workloads().iter().collect();
        assert_eq!(
            workload_names(&[all[199], all[150], all[199]]),
            "ns/w150, ns/w199"
        );
        assert_eq!(
            workload_names(&all),
            "ns/w000, ns/w001, ns/w002 and 197 more"
        );
    }

    #[test]
    fn long_lists_with_the_same_ends_are_named_each_by_its_own_content() {
        let index = numbered_pods(400, |i| format!("ns{}", i / 100));
        let context = Context::new(&index, Runtime::default());
        let all: Vec<&Workload> = index.workloads().iter().collect();
        // Same length, first and last as `all`; two workloads in between
        // repeated, so two fewer distinct ones.
        let mut repeats = all.clone();
        repeats[1] = all[0];
        repeats[2] = all[0];
        let every = "ns0/w000, ns0/w001, ns0/w002 and 397 more";
        let fewer = "ns0/w000, ns0/w003, ns0/w004 and 395 more";
        for _ in 0..2 {
            // Asked twice: the second answers come from the memo.
            assert_eq!(context.workload_names(&all), every);
            assert_eq!(context.workload_names(&repeats), fewer);
        }
        let clients: Clients<'_> = all.clone().into();
        let repeated: Clients<'_> = repeats.clone().into();
        for _ in 0..2 {
            // Shared lists are memoized by address: each still by its own content.
            assert_eq!(context.workload_names(&clients), every);
            assert_eq!(context.workload_names(&repeated), fewer);
        }
        let runs = context.namespace_runs(&clients);
        let runs: Vec<(&str, std::ops::Range<usize>)> = runs.iter().cloned().collect();
        assert_eq!(
            runs,
            vec![
                ("ns0", 0..100),
                ("ns1", 100..200),
                ("ns2", 200..300),
                ("ns3", 300..400)
            ]
        );
    }
}
