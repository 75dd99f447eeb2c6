//! What the traffic-policy rules share: the DestinationRules that reach
//! proxyless clients, every traffic policy inside one (top level, subsets,
//! port-level entries) with its field path, and which Kubernetes Services
//! are gRPC targets of proxyless workloads.

use k8s_openapi::api::core::v1::Service as KubeService;

use crate::analyze::proxyless::Clients;
use crate::analyze::Context;
use crate::index::{labels_match, Workload};
use crate::model::networking::{
    ClientTLSSettings, ConnectionPoolSettings, DestinationRuleSpec, LoadBalancerSettings,
    OutlierDetection, ServiceEntrySpec, TrafficPolicy,
};
use crate::model::{Object, Spec};
use crate::semantics::Protocol;
use crate::source::FieldPath;

/// A DestinationRule that proxyless clients receive.
pub(crate) struct ReachedRule<'a> {
    pub object: &'a Object,
    pub spec: &'a DestinationRuleSpec,
    /// The host as an FQDN.
    pub host: String,
    /// Proxyless clients that can see the rule and its host (and that its
    /// `workloadSelector`, if any, selects).
    pub clients: Clients<'a>,
    /// Every traffic policy of the rule, in source order (see [`policies`]).
    pub policies: Vec<Policy<'a>>,
}

/// DestinationRules that reach at least one proxyless client: gathered
/// once, for the fourteen rules that ask.
pub(super) fn destination_rules<'c, 'a>(context: &'c Context<'a>) -> &'c [ReachedRule<'a>] {
    context.reached_destination_rules(|| gather_destination_rules(context))
}

fn gather_destination_rules<'a>(context: &Context<'a>) -> Vec<ReachedRule<'a>> {
    let index = context.index;
    let mut found = Vec::new();
    for object in &index.objects {
        let Spec::DestinationRule(spec) = &object.spec else {
            continue;
        };
        let Some(host) = &spec.host else { continue };
        let namespace = object.namespace_or("default");
        let host = index.config_host_fqdn(host, namespace);
        let mut clients = context.proxyless_clients(object, &host);
        if let Some(selector) = spec
            .workload_selector
            .as_ref()
            .map(|s| &s.match_labels)
            .filter(|labels| !labels.is_empty())
        {
            clients = clients
                .iter()
                .copied()
                .filter(|w| w.namespace == namespace && labels_match(selector, &w.labels))
                .collect();
        }
        if !clients.is_empty() {
            found.push(ReachedRule {
                object,
                spec,
                policies: policies(spec, &host),
                host,
                clients,
            });
        }
    }
    found
}

/// One traffic policy of a DestinationRule: the top-level one, a subset's,
/// or a `portLevelSettings` entry of either.
pub(crate) struct Policy<'a> {
    /// Path of the policy object (`spec.trafficPolicy`,
    /// `spec.subsets[1].trafficPolicy.portLevelSettings[0]`).
    pub path: FieldPath,
    /// The clusters it shapes, in words: `echo.ns.svc.cluster.local`,
    /// `subset v1 of echo...`, `port 7070 of echo...`.
    pub scope: String,
    pub load_balancer: Option<&'a LoadBalancerSettings>,
    pub connection_pool: Option<&'a ConnectionPoolSettings>,
    pub outlier_detection: Option<&'a OutlierDetection>,
    pub tls: Option<&'a ClientTLSSettings>,
    /// The whole policy, for top-level and subset policies (port-level
    /// entries have only the four fields above).
    pub whole: Option<&'a TrafficPolicy>,
}

/// Every traffic policy of a DestinationRule, in source order.
fn policies<'a>(spec: &'a DestinationRuleSpec, host: &str) -> Vec<Policy<'a>> {
    let mut found = Vec::new();
    let spec_path = FieldPath::root().field("spec");
    if let Some(policy) = spec.traffic_policy.as_deref() {
        push_policy(
            &mut found,
            policy,
            spec_path.field("trafficPolicy"),
            host.to_string(),
        );
    }
    for (i, subset) in spec.subsets.iter().enumerate() {
        if let Some(policy) = subset.traffic_policy.as_deref() {
            let name = subset.name.as_deref().unwrap_or("?");
            push_policy(
                &mut found,
                policy,
                spec_path.field("subsets").index(i).field("trafficPolicy"),
                format!("subset {name} of {host}"),
            );
        }
    }
    found
}

fn push_policy<'a>(
    found: &mut Vec<Policy<'a>>,
    policy: &'a TrafficPolicy,
    path: FieldPath,
    scope: String,
) {
    found.push(Policy {
        path: path.clone(),
        scope: scope.clone(),
        load_balancer: policy.load_balancer.as_deref(),
        connection_pool: policy.connection_pool.as_ref(),
        outlier_detection: policy.outlier_detection.as_ref(),
        tls: policy.tls.as_ref(),
        whole: Some(policy),
    });
    for (i, entry) in policy.port_level_settings.iter().enumerate() {
        let port = entry
            .port
            .as_ref()
            .and_then(|p| p.number)
            .map_or_else(|| "?".to_string(), |n| n.to_string());
        found.push(Policy {
            path: path.field("portLevelSettings").index(i),
            scope: format!("port {port} of {scope}"),
            load_balancer: entry.load_balancer.as_deref(),
            connection_pool: entry.connection_pool.as_ref(),
            outlier_detection: entry.outlier_detection.as_ref(),
            tls: entry.tls.as_ref(),
            whole: None,
        });
    }
}

/// The FQDNs of a ServiceEntry's hosts and the proxyless clients that can
/// see each, for hosts that at least one proxyless client sees.
pub(super) fn service_entry_hosts<'a>(
    context: &Context<'a>,
    object: &'a Object,
    spec: &ServiceEntrySpec,
) -> Vec<(String, Clients<'a>)> {
    let namespace = object.namespace_or("default");
    spec.hosts
        .iter()
        .map(|host| context.index.config_host_fqdn(host, namespace))
        .filter_map(|fqdn| {
            let clients = context.proxyless_clients(object, &fqdn);
            (!clients.is_empty()).then_some((fqdn, clients))
        })
        .collect()
}

/// Every proxyless workload in `lists`, once.
pub(super) fn union<'a>(lists: impl IntoIterator<Item = Clients<'a>>) -> Clients<'a> {
    // Configs with the same namespace and exportTo share one cached list.
    let mut unique: Vec<Clients<'a>> = Vec::new();
    for list in lists {
        if !unique.iter().any(|u| std::sync::Arc::ptr_eq(u, &list)) {
            unique.push(list);
        }
    }
    match unique.as_slice() {
        [only] => only.clone(),
        many => {
            crate::analyze::proxyless::distinct(many.iter().flat_map(|c| c.iter().copied())).into()
        }
    }
}

/// A Kubernetes Service and why it is a gRPC target of proxyless workloads.
pub(crate) struct GrpcService<'a> {
    pub object: &'a Object,
    pub service: &'a KubeService,
    pub host: String,
    /// Proxyless servers the Service selects.
    pub servers: Vec<&'a Workload>,
    /// Proxyless clients that receive a DestinationRule or VirtualService
    /// for the host (so they dial it through xDS).
    pub routed_clients: Clients<'a>,
    /// Every proxyless client that can see the host (whatever its ports'
    /// protocols).
    pub clients: Clients<'a>,
}

impl<'a> GrpcService<'a> {
    /// The Service selects proxyless servers, or proxyless clients have
    /// routing or traffic policy for it.
    pub fn is_grpc_target(&self) -> bool {
        !self.servers.is_empty() || !self.routed_clients.is_empty()
    }

    /// "selects proxyless servers ns/a" or "proxyless clients ns/b receive
    /// routing for it": why the rule looks at this Service.
    pub fn reason(&self, context: &Context<'a>) -> String {
        if !self.servers.is_empty() {
            format!(
                "it selects proxyless servers {}",
                context.workload_names(&self.servers)
            )
        } else {
            format!(
                "proxyless clients {} dial it through xDS",
                context.workload_names(&self.routed_clients)
            )
        }
    }
}

/// Every Kubernetes Service, with the proxyless workloads around it:
/// computed once, for the five rules that ask.
pub(super) fn kubernetes_services<'c, 'a>(context: &'c Context<'a>) -> &'c [GrpcService<'a>] {
    context.grpc_services(|| gather_kubernetes_services(context))
}

fn gather_kubernetes_services<'a>(context: &Context<'a>) -> Vec<GrpcService<'a>> {
    let index = context.index;
    let mut found = Vec::new();
    for object in &index.objects {
        let Spec::Service(service) = &object.spec else {
            continue;
        };
        let namespace = object.namespace_or("default");
        let host = crate::index::service_host(&object.meta.name, namespace, &index.cluster_domain);
        let servers = context.proxyless_servers(&host);
        let configs = index
            .destination_rules_for(&host)
            .iter()
            .chain(index.virtual_services_for(&host));
        // Whatever the ports declare: a port declared wrong is what some
        // rules look for.
        let routed_clients = union(configs.map(|&id| {
            let config = index.object(id);
            context.clients_seeing(config, &host)
        }));
        // Those that would dial it, whatever its ports declare.
        let clients = context.clients_seeing(object, &host);
        found.push(GrpcService {
            object,
            service,
            host,
            servers,
            routed_clients,
            clients,
        });
    }
    found
}

pub(super) use crate::semantics::workload::{container_ports, pod_spec};

/// The protocol istiod gives a Kubernetes Service port.
pub(super) fn port_protocol(port: &k8s_openapi::api::core::v1::ServicePort) -> Protocol {
    crate::semantics::protocol::of_service_port(port)
}
