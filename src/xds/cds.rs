//! Clusters (spec §4): EDS over ADS, with what a DestinationRule sets that
//! istiod passes to gRPC: TLS (ISTIO_MUTUAL only), load balancer, max_requests.

use std::collections::BTreeSet;

use envoy_types::pb::envoy::config::cluster::v3::{
    circuit_breakers::Thresholds, cluster, CircuitBreakers, Cluster,
};
use envoy_types::pb::envoy::config::core::v3::RoutingPriority;
use envoy_types::pb::google::protobuf::{UInt32Value, UInt64Value};

use crate::index::{Service, ServiceSource};
use crate::model::networking::{
    ClientTLSMode, ConnectionPoolSettings, DestinationRuleSpec, LoadBalancerSettings, SimpleLB,
    Subset,
};
use crate::model::Spec;
use crate::semantics::IstioRelease;

use super::lds::ads;
use super::names::ClusterKey;
use super::render::Renderer;
use super::tls;

pub use crate::semantics::destination_rule::EffectivePolicy;

/// The DestinationRule for a host as the proxy sees it
/// ([`crate::semantics::destination_rule::applied`]).
pub fn destination_rule<'a>(
    renderer: &Renderer<'a>,
    host: &str,
) -> Option<crate::semantics::destination_rule::AppliedRule<'a>> {
    let client = crate::semantics::destination_rule::Client {
        namespace: &renderer.proxy.namespace,
        labels: Some(&renderer.proxy.labels),
    };
    let service_namespace = renderer.service(host).map(|s| s.namespace.as_str());
    crate::semantics::destination_rule::applied(renderer.index, client, host, service_namespace)
}

fn subset<'a>(rule: &'a DestinationRuleSpec, name: &str) -> Option<&'a Subset> {
    rule.subsets
        .iter()
        .find(|s| s.name.as_deref() == Some(name))
}

/// The settings for a cluster (`subset` empty for the default one).
pub fn effective_policy(
    renderer: &Renderer<'_>,
    host: &str,
    port: u32,
    subset_name: &str,
) -> EffectivePolicy {
    destination_rule(renderer, host)
        .map(|rule| rule.effective_policy(port, subset_name))
        .unwrap_or_default()
}

/// Subset labels of a cluster, `None` when the subset does not exist.
pub fn subset_labels(
    renderer: &Renderer<'_>,
    key: &ClusterKey,
) -> Option<std::collections::BTreeMap<String, String>> {
    if key.subset.is_empty() {
        return Some(Default::default());
    }
    let rule = destination_rule(renderer, &key.host)?;
    subset(&rule.spec, &key.subset).map(|s| s.labels.clone())
}

/// `spiffe://TD/ns/NS/sa/SA` of the workloads behind a service, with the
/// mesh's trust-domain aliases, sorted (§4.3).
pub fn service_accounts(renderer: &Renderer<'_>, service: &Service) -> Vec<String> {
    let index = renderer.index;
    let mut accounts = BTreeSet::new();
    if let (ServiceSource::ServiceEntry, Spec::ServiceEntry(entry)) =
        (service.source, &index.object(service.object).spec)
    {
        accounts.extend(entry.subject_alt_names.iter().cloned());
    }
    let mut domains = vec![index.mesh_config.trust_domain.clone()];
    domains.extend(index.mesh_config.trust_domain_aliases.iter().cloned());
    for workload in super::eds::service_workloads(renderer, service) {
        let sa = workload.service_account.as_deref().unwrap_or("default");
        for domain in &domains {
            accounts.insert(format!(
                "spiffe://{domain}/ns/{}/sa/{sa}",
                workload.namespace
            ));
        }
    }
    accounts.into_iter().collect()
}

/// The cluster gRPC asked for, or `None` (gRPC then sees it as absent).
pub fn cluster(
    renderer: &Renderer<'_>,
    key: &ClusterKey,
    notes: &mut Vec<String>,
) -> Option<Cluster> {
    let name = key.to_string();
    let Some(service) = renderer.service(&key.host) else {
        notes.push(format!("cluster {name}: no service {} visible", key.host));
        return None;
    };
    if !service.ports.iter().any(|p| p.port == key.port) {
        notes.push(format!(
            "cluster {name}: service {} has no port {}",
            key.host, key.port
        ));
        return None;
    }
    if subset_labels(renderer, key).is_none() {
        notes.push(format!(
            "cluster {name}: no DestinationRule for {} defines subset {:?}",
            key.host, key.subset
        ));
        return None;
    }
    let policy = effective_policy(renderer, &key.host, key.port, &key.subset);
    let release = renderer.index.istio_release;
    let mut out = Cluster {
        name: name.clone(),
        alt_stat_name: if release.alt_stat_name() {
            format!("{name};")
        } else {
            String::new()
        },
        cluster_discovery_type: Some(cluster::ClusterDiscoveryType::Type(
            cluster::DiscoveryType::Eds as i32,
        )),
        eds_cluster_config: Some(cluster::EdsClusterConfig {
            eds_config: Some(ads()),
            service_name: name,
        }),
        ..Default::default()
    };
    apply_load_balancer(&mut out, policy.load_balancer.as_ref(), release);
    if release.circuit_breakers() {
        apply_circuit_breakers(&mut out, policy.connection_pool.as_ref());
    }
    if policy.tls.as_ref().and_then(|t| t.mode) == Some(ClientTLSMode::IstioMutual) {
        out.transport_socket = Some(tls::upstream_transport_socket(
            &service_accounts(renderer, service),
            release.tls_fields(),
        ));
    }
    Some(out)
}

/// The load-balancing policy istiod puts in a cluster for these settings
/// (`applyLoadBalancing`, §4.3): a consistent hash wins (Maglev or ring
/// hash); `simple: LEAST_REQUEST` is LEAST_REQUEST only from the
/// `least_request` switch; everything else (RANDOM, PASSTHROUGH, LEAST_CONN,
/// which is not mapped for proxyless, §12 quirk 11) is round robin.
pub fn sent_lb_policy(
    lb: Option<&LoadBalancerSettings>,
    release: IstioRelease,
) -> cluster::LbPolicy {
    let Some(lb) = lb else {
        return cluster::LbPolicy::RoundRobin;
    };
    match &lb.consistent_hash {
        Some(hash) if hash.maglev.is_some() => cluster::LbPolicy::Maglev,
        Some(_) => cluster::LbPolicy::RingHash,
        None if lb.simple == Some(SimpleLB::LeastRequest) && release.least_request() => {
            cluster::LbPolicy::LeastRequest
        }
        None => cluster::LbPolicy::RoundRobin,
    }
}

/// `applyLoadBalancing` (§4.3): the policy [`sent_lb_policy`] chooses, with
/// its config.
fn apply_load_balancer(
    cluster: &mut Cluster,
    lb: Option<&LoadBalancerSettings>,
    release: IstioRelease,
) {
    cluster.lb_policy = sent_lb_policy(lb, release) as i32;
    let Some(hash) = lb.and_then(|lb| lb.consistent_hash.as_ref()) else {
        return;
    };
    if let Some(maglev) = &hash.maglev {
        cluster.lb_config = Some(cluster::LbConfig::MaglevLbConfig(cluster::MaglevLbConfig {
            table_size: maglev.table_size.map(|value| UInt64Value { value }),
        }));
        return;
    }
    let size = match &hash.ring_hash {
        Some(ring) => ring.minimum_ring_size.filter(|s| *s != 0),
        None => Some(hash.minimum_ring_size.filter(|s| *s != 0).unwrap_or(1024)),
    };
    if let Some(value) = size {
        cluster.lb_config = Some(cluster::LbConfig::RingHashLbConfig(
            cluster::RingHashLbConfig {
                minimum_ring_size: Some(UInt64Value { value }),
                ..Default::default()
            },
        ));
    }
}

/// `applyCircuitBreakers`: only `http2MaxRequests` reaches gRPC.
fn apply_circuit_breakers(cluster: &mut Cluster, pool: Option<&ConnectionPoolSettings>) {
    let Some(max) = pool
        .and_then(|p| p.http.as_ref())
        .and_then(|h| h.http2_max_requests)
        .filter(|n| *n > 0)
    else {
        return;
    };
    cluster.circuit_breakers = Some(CircuitBreakers {
        thresholds: vec![Thresholds {
            priority: RoutingPriority::Default as i32,
            max_requests: Some(UInt32Value { value: max as u32 }),
            ..Default::default()
        }],
        ..Default::default()
    });
}

/// EDS names the clusters ask for.
pub fn endpoint_names(clusters: &[Cluster]) -> Vec<String> {
    clusters
        .iter()
        .filter_map(|c| c.eds_cluster_config.as_ref())
        .map(|e| e.service_name.clone())
        .collect()
}

/// One line for `-o table`.
pub fn summary(cluster: &Cluster) -> String {
    let lb = cluster::LbPolicy::try_from(cluster.lb_policy)
        .map(|p| p.as_str_name().to_string())
        .unwrap_or_else(|_| cluster.lb_policy.to_string());
    let mut parts = vec![format!("EDS, {lb}")];
    if cluster.transport_socket.is_some() {
        parts.push("mTLS".into());
    }
    if let Some(max) = cluster
        .circuit_breakers
        .as_ref()
        .and_then(|c| c.thresholds.first())
        .and_then(|t| t.max_requests.as_ref())
    {
        parts.push(format!("max_requests {}", max.value));
    }
    parts.join(", ")
}
