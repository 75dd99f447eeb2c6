use std::collections::{BTreeMap, BTreeSet};

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::{is_exported_to, Index, ServiceSource, Workload, WorkloadKind};
use crate::model::Spec;

use super::scope::{label_path, metadata_path};

/// The label (on pods or namespaces) naming a workload's network.
const NETWORK_LABEL: &str = "topology.istio.io/network";

declare_rule! {
    /// Proxyless gRPC clients and the endpoints of services they can call are on different networks.
    ///
    /// ## What it checks
    /// A proxyless gRPC client whose network (`topology.istio.io/network` on
    /// the pod, else on its namespace) is set and differs from the network of
    /// endpoints of services visible to it (pods and namespaces by the same
    /// label, WorkloadEntries and ServiceEntry endpoints by `network`).
    /// Workloads without a network are on every network, as in Istio.
    ///
    /// ## Why it matters
    /// In a multi-network mesh istiod's endpoint builder replaces endpoints of
    /// another network by that network's east-west gateway, or drops them
    /// when there is none. The gateway routes by TLS SNI
    /// (`AUTO_PASSTHROUGH`), which gRPC's xDS client does not set up: RPCs a
    /// proxyless client sends to the other network fail or never get there.
    /// This is an inference from Istio's code (spec section 5.1, G049), not
    /// something Istio tests.
    ///
    /// ## Example
    /// ```yaml
    /// # client pod:   labels: {topology.istio.io/network: network1}
    /// # server pods:  labels: {topology.istio.io/network: network2}
    /// ```
    ///
    /// ## How to fix
    /// Keep proxyless gRPC clients on the same network as the endpoints they
    /// call, or put an Envoy sidecar on clients that must cross networks.
    pub static RULE = { code: "GRPC074", name: "proxyless-multi-network", level: Warning, check: check };
}

/// A workload's network: its own, else its namespace's; `None` when unset.
fn network_of(index: &Index, workload: &Workload) -> Option<String> {
    let object = index.object(workload.object);
    let own = match (&object.spec, workload.kind) {
        (Spec::WorkloadEntry(entry), _) => entry.network.clone(),
        (Spec::ServiceEntry(entry), WorkloadKind::ServiceEntryEndpoint) => workload
            .name
            .rsplit_once('[')
            .and_then(|(_, i)| i.trim_end_matches(']').parse::<usize>().ok())
            .and_then(|i| entry.endpoints.get(i))
            .and_then(|e| e.network.clone()),
        _ => None,
    };
    own.or_else(|| workload.labels.get(NETWORK_LABEL).cloned())
        .or_else(|| {
            index
                .namespace(&workload.namespace)
                .and_then(|ns| ns.labels.get(NETWORK_LABEL).cloned())
        })
        .filter(|n| !n.is_empty())
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    // Each service host's endpoints by network.
    let mut endpoints: BTreeMap<&str, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut visible: BTreeMap<&str, Vec<&crate::index::Service>> = BTreeMap::new();
    for service in index.all_services() {
        let mut found: Vec<&Workload> = Vec::new();
        if let Some(selector) = service.selector.as_ref().filter(|s| !s.is_empty()) {
            found.extend(index.workloads_matching(&service.namespace, selector));
        }
        if service.source == ServiceSource::ServiceEntry {
            found.extend(index.workloads_in(&service.namespace).filter(|w| {
                w.kind == WorkloadKind::ServiceEntryEndpoint && w.object == service.object
            }));
        }
        for workload in found {
            if let Some(network) = network_of(index, workload) {
                endpoints
                    .entry(service.host.as_str())
                    .or_default()
                    .entry(network)
                    .or_default()
                    .insert(format!("{}/{}", workload.namespace, workload.name));
            }
        }
        visible
            .entry(service.host.as_str())
            .or_default()
            .push(service);
    }
    for client in context.proxyless_workloads() {
        let Some(network) = network_of(index, client) else {
            continue;
        };
        let mut remote_hosts = Vec::new();
        let mut remote_networks = BTreeSet::new();
        for (host, by_network) in &endpoints {
            let reachable = visible.get(host).is_some_and(|services| {
                services
                    .iter()
                    .any(|s| is_exported_to(&s.export_to, &s.namespace, &client.namespace))
            });
            if !reachable {
                continue;
            }
            let others: Vec<&String> = by_network.keys().filter(|n| **n != network).collect();
            if others.is_empty() {
                continue;
            }
            remote_hosts.push(*host);
            remote_networks.extend(others);
        }
        if remote_hosts.is_empty() {
            continue;
        }
        let object = index.object(client.object);
        let (path, from) = if client.labels.contains_key(NETWORK_LABEL) {
            (label_path(object, NETWORK_LABEL), "")
        } else {
            (metadata_path(object), " (from its namespace)")
        };
        let shown = remote_hosts.len().min(3);
        let mut hosts = remote_hosts[..shown].join(", ");
        if remote_hosts.len() > shown {
            hosts.push_str(&format!(" and {} more", remote_hosts.len() - shown));
        }
        let networks: Vec<&str> = remote_networks.iter().map(|n| n.as_str()).collect();
        findings
            .report(
                object,
                &path,
                format!(
                    "proxyless gRPC client {}/{} is on network {network}{from}, but services it can call ({hosts}) have endpoints on network {}: istiod sends those as the east-west gateway (or drops them), which gRPC cannot use, so RPCs to them fail",
                    client.namespace,
                    client.name,
                    networks.join(", ")
                ),
            )
            .help = Some("keep proxyless clients on the network of the endpoints they call, or give cross-network clients an Envoy sidecar".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: ns
  labels: {topology.istio.io/network: network1}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ns}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: ns}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata:
      labels: {app: client}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: app}]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm, namespace: ns}
spec:
  address: 10.0.0.1
  labels: {app: echo}
  network: NETWORK
";

    #[test]
    fn namespace_network_against_workload_entry_network() {
        let found = run_rule("GRPC074", "t.yaml", &BASE.replace("NETWORK", "network2"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .4
                .contains("on network network1 (from its namespace)"),
            "{}",
            found[0].4
        );
        assert!(found[0].4.contains("endpoints on network network2"));
        assert!(run_rule("GRPC074", "t.yaml", &BASE.replace("NETWORK", "network1")).is_empty());
        assert!(run_rule("GRPC074", "t.yaml", &BASE.replace("NETWORK", "\"\"")).is_empty());
    }
}
