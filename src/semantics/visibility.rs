//! What a client can see: a service's `exportTo`, and the egress hosts of
//! the Sidecar that applies to the client (one selecting it, else its
//! namespace's, else the root namespace's).

use std::collections::BTreeMap;

use crate::index::{host_matches, is_exported_to, Index, Service, DEFAULT_NAMESPACE};
use crate::model::Spec;

/// A client's view of the services.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientView {
    namespace: String,
    /// Egress hosts (`namespace`, `dnsName`) of the Sidecar that applies;
    /// `None` when none does.
    egress: Option<Vec<(String, String)>>,
}

impl ClientView {
    /// The view of a client in `namespace` with `labels`.
    pub fn of(index: &Index, namespace: &str, labels: &BTreeMap<String, String>) -> ClientView {
        ClientView {
            namespace: namespace.to_string(),
            egress: sidecar_egress_hosts(index, namespace, labels),
        }
    }

    /// Whether the client sees `service`.
    pub fn sees(&self, service: &Service) -> bool {
        if !is_exported_to(&service.export_to, &service.namespace, &self.namespace) {
            return false;
        }
        match &self.egress {
            None => true,
            Some(hosts) => hosts.iter().any(|(ns, host)| {
                (ns == "*" || *ns == service.namespace) && host_matches(host, &service.host)
            }),
        }
    }
}

fn sidecar_egress_hosts(
    index: &Index,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Option<Vec<(String, String)>> {
    let sidecars: Vec<_> = index
        .policies_selecting(namespace, labels)
        .into_iter()
        .filter_map(|id| {
            let object = index.object(id);
            match &object.spec {
                Spec::Sidecar(sidecar) => Some((object, sidecar)),
                _ => None,
            }
        })
        .collect();
    let (object, sidecar) = sidecars
        .iter()
        .find(|(_, s)| s.workload_selector.is_some())
        .or_else(|| sidecars.first())?;
    let own = object.namespace_or(DEFAULT_NAMESPACE);
    let hosts = sidecar
        .egress
        .iter()
        .flat_map(|e| &e.hosts)
        .filter_map(|h| h.split_once('/'))
        .map(|(ns, host)| {
            let ns = if ns == "." { own } else { ns };
            (ns.to_string(), host.to_string())
        })
        .collect();
    Some(hosts)
}
