//! The proxyless node istiod renders for (spec §1.2): who it is, where it
//! runs, its labels, found from `--workload`, `--pod` or a node id.

use std::collections::BTreeMap;

use crate::index::{Index, Workload, WorkloadKind};

use super::names::NodeId;
use super::XdsError;

/// How the user named the workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkloadRef {
    /// A Deployment (or other pod template), a Pod or a WorkloadEntry.
    Workload { namespace: String, name: String },
    /// A Pod only.
    Pod { namespace: String, name: String },
    /// `sidecar~IP~POD.NS~NS.svc.DOMAIN`.
    NodeId(String),
}

impl WorkloadRef {
    /// `NS/NAME` as given to `--workload` / `--pod`.
    pub fn parse_namespaced(text: &str) -> Result<(String, String), XdsError> {
        match text.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok((ns.to_string(), name.to_string()))
            }
            _ => Err(XdsError::BadWorkloadRef(text.to_string())),
        }
    }
}

/// One proxyless node.
#[derive(Debug, Clone, PartialEq)]
pub struct Proxy {
    /// The node id istio-agent would write.
    pub id: String,
    /// The pod IP, when known.
    pub ip: Option<String>,
    pub pod_name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub service_account: String,
    /// `NS.svc.cluster.local`.
    pub dns_domain: String,
    /// The workload of the inputs this node is, when there is one.
    pub workload: Option<Workload>,
    /// Container ports (name, number), to resolve named target ports.
    pub container_ports: Vec<(Option<String>, u32)>,
}

/// Where a loopback trial runs when the inputs give no pod IP.
pub const DEFAULT_IP: &str = "127.0.0.1";

impl Proxy {
    /// Finds the workload. `metadata_labels` are the `LABELS` a node sent
    /// (ADS); they are the labels of a node that is in no manifest.
    pub fn find(
        index: &Index,
        reference: &WorkloadRef,
        metadata_labels: Option<&BTreeMap<String, String>>,
    ) -> Result<Proxy, XdsError> {
        match reference {
            WorkloadRef::Workload { namespace, name } => {
                let workload = index
                    .workloads_in(namespace)
                    .find(|w| {
                        &w.name == name
                            && matches!(
                                w.kind,
                                WorkloadKind::Pod
                                    | WorkloadKind::PodTemplate
                                    | WorkloadKind::WorkloadEntry
                            )
                    })
                    .ok_or_else(|| not_found(index, "workload", namespace, name))?;
                Ok(Proxy::of_workload(index, workload, None))
            }
            WorkloadRef::Pod { namespace, name } => {
                let workload = index
                    .workloads_in(namespace)
                    .find(|w| &w.name == name && w.kind == WorkloadKind::Pod)
                    .ok_or_else(|| not_found(index, "Pod", namespace, name))?;
                Ok(Proxy::of_workload(index, workload, None))
            }
            WorkloadRef::NodeId(id) => {
                let node = NodeId::parse(id)?;
                let candidates: Vec<&Workload> = index
                    .workloads_in(&node.namespace)
                    .filter(|w| w.kind != WorkloadKind::ServiceEntryEndpoint)
                    .collect();
                // The pod itself, then the controller it belongs to
                // (`echo-v1-6d9f7c-abcde` → `echo-v1`), then its IP.
                let by_name = |name: &str| candidates.iter().find(|w| w.name == name).copied();
                let mut found = by_name(&node.pod);
                let mut prefix = node.pod.as_str();
                for _ in 0..2 {
                    if found.is_some() {
                        break;
                    }
                    if let Some((head, _)) = prefix.rsplit_once('-') {
                        prefix = head;
                        found = candidates
                            .iter()
                            .find(|w| w.name == prefix && w.kind == WorkloadKind::PodTemplate)
                            .copied();
                    }
                }
                if found.is_none() {
                    found = candidates
                        .iter()
                        .find(|w| w.address.as_deref() == Some(node.ip.as_str()))
                        .copied();
                }
                let mut proxy = match found {
                    Some(workload) => Proxy::of_workload(index, workload, Some(&node)),
                    None => Proxy {
                        id: id.clone(),
                        ip: Some(node.ip.clone()),
                        pod_name: node.pod.clone(),
                        namespace: node.namespace.clone(),
                        labels: BTreeMap::new(),
                        service_account: "default".into(),
                        dns_domain: node.dns_domain.clone(),
                        workload: None,
                        container_ports: Vec::new(),
                    },
                };
                proxy.id = id.clone();
                proxy.dns_domain = node.dns_domain;
                if let Some(labels) = metadata_labels {
                    if proxy.workload.is_none() || !labels.is_empty() {
                        proxy.labels = labels.clone();
                    }
                }
                Ok(proxy)
            }
        }
    }

    /// Every proxyless Pod and pod template of the inputs, in index order.
    pub fn all_proxyless(index: &Index) -> Vec<Proxy> {
        index
            .workloads()
            .iter()
            .filter(|w| {
                w.proxyless && matches!(w.kind, WorkloadKind::Pod | WorkloadKind::PodTemplate)
            })
            .map(|w| Proxy::of_workload(index, w, None))
            .collect()
    }

    fn of_workload(index: &Index, workload: &Workload, node: Option<&NodeId>) -> Proxy {
        let container_ports = crate::semantics::workload::pod_spec(index.object(workload.object))
            .map(crate::semantics::workload::container_ports)
            .unwrap_or_default();
        let ip = node
            .map(|n| n.ip.clone())
            .or_else(|| workload.address.clone());
        let pod_name = node.map_or_else(|| workload.name.clone(), |n| n.pod.clone());
        let id = NodeId::format(
            ip.as_deref().unwrap_or(DEFAULT_IP),
            &pod_name,
            &workload.namespace,
            &index.cluster_domain,
        );
        Proxy {
            id,
            ip,
            pod_name,
            namespace: workload.namespace.clone(),
            labels: workload.labels.clone(),
            service_account: workload
                .service_account
                .clone()
                .unwrap_or_else(|| "default".into()),
            dns_domain: format!("{}.svc.{}", workload.namespace, index.cluster_domain),
            workload: Some(workload.clone()),
            container_ports,
        }
    }
}

fn not_found(index: &Index, kind: &'static str, namespace: &str, name: &str) -> XdsError {
    let mut names: Vec<&str> = index
        .workloads_in(namespace)
        .filter(|w| {
            matches!(
                w.kind,
                WorkloadKind::Pod | WorkloadKind::PodTemplate | WorkloadKind::WorkloadEntry
            ) && (kind != "Pod" || w.kind == WorkloadKind::Pod)
        })
        .map(|w| w.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let hint = if names.is_empty() {
        format!(" (no workloads in namespace {namespace})")
    } else {
        format!(" (in {namespace}: {})", names.join(", "))
    };
    XdsError::WorkloadNotFound {
        kind,
        namespace: namespace.to_string(),
        name: name.to_string(),
        hint,
    }
}
