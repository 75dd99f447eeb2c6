//! What MESH109 and MESH110 share: the ports of the workloads behind
//! Services that are not proxyless gRPC (Envoy sidecars, or no proxy at
//! all), the PeerAuthentication mode each port gets, and the TLS mode the
//! DestinationRules give the clients of each namespace towards it. Every
//! decision is [`crate::semantics`]'s; this only walks the inputs. The
//! proxyless servers are the GRPC rules' (GRPC040, GRPC041, GRPC059).

use crate::index::{Index, Service, Workload, WorkloadKind};
use crate::model::networking::ClientTLSMode;
use crate::semantics::destination_rule::{self, Client, TlsSource};
use crate::semantics::workload::{container_ports, pod_spec, served_ports};
use crate::semantics::{peer_authentication, ServerMtls};

/// One port a sidecar server serves, with its effective PeerAuthentication.
pub(super) struct ServerPort<'a> {
    pub workload: &'a Workload,
    pub service: &'a Service,
    /// The Service port clients dial.
    pub port: u32,
    /// The container port it targets, which PeerAuthentication
    /// `portLevelMtls` and AuthorizationPolicy `ports` name.
    pub target: u32,
    pub tls: ServerMtls<'a>,
}

/// The workloads `mesh` checks here: not proxyless gRPC, not assumed, and
/// selected by labels (ServiceEntry inline endpoints carry no policy).
pub(super) fn sidecar_workloads(index: &Index) -> impl Iterator<Item = &Workload> {
    index
        .workloads()
        .iter()
        .filter(|w| !w.proxyless && !w.assumed && w.kind != WorkloadKind::ServiceEntryEndpoint)
}

/// The ports a workload serves behind some Service, with their mode
/// (PeerAuthentication `portLevelMtls` keys are container ports).
pub(super) fn server_ports<'a>(index: &'a Index, workload: &'a Workload) -> Vec<ServerPort<'a>> {
    let ports = pod_spec(index.object(workload.object))
        .map(container_ports)
        .unwrap_or_default();
    let composed = peer_authentication::compose(index, &workload.namespace, &workload.labels);
    served_ports(index, &workload.namespace, &workload.labels, &ports)
        .into_iter()
        .map(|served| ServerPort {
            workload,
            service: served.service,
            port: served.port().port,
            target: served.target,
            tls: composed.server_mtls(Some(served.target), &workload.labels),
        })
        .collect()
}

/// The TLS mode the clients of one namespace use towards a server port,
/// and the DestinationRule field it comes from.
pub(super) struct ClientTls<'a> {
    pub namespace: &'a str,
    pub mode: ClientTLSMode,
    pub source: TlsSource<'a>,
}

/// For each namespace of the inputs that sees the port's Service: the TLS
/// mode its clients' DestinationRule sets for the cluster the server is
/// in (the whole host, and each subset whose labels select the server).
/// Namespaces without a DestinationRule setting one are left out.
pub(super) fn client_tls<'a>(index: &'a Index, server: &ServerPort<'_>) -> Vec<ClientTls<'a>> {
    let host = server.service.host.as_str();
    let mut found = Vec::new();
    for (namespace, _) in index.namespaces() {
        if index.services_visible(host, namespace).is_empty() {
            continue;
        }
        let client = Client {
            namespace,
            labels: None,
        };
        let Some(rule) =
            destination_rule::applied(index, client, host, Some(&server.service.namespace))
        else {
            continue;
        };
        let subsets =
            rule.spec.subsets.iter().filter(|subset| {
                crate::index::labels_match(&subset.labels, &server.workload.labels)
            });
        let clusters = std::iter::once("").chain(subsets.filter_map(|s| s.name.as_deref()));
        for subset in clusters {
            let mode = rule
                .effective_policy(server.port, subset)
                .tls
                .and_then(|tls| tls.mode);
            let (Some(mode), Some(source)) = (mode, rule.tls_source(server.port, subset)) else {
                continue;
            };
            found.push(ClientTls {
                namespace,
                mode,
                source,
            });
        }
    }
    found
}

/// "PeerAuthentication shop/off sets DISABLE", or that none sets a mode.
pub(super) fn decided_by(tls: &ServerMtls<'_>) -> String {
    let mode = crate::analyze::rules::grpc::security::scope::mode_name(tls.mode);
    match tls.policy {
        Some(policy) => format!(
            "PeerAuthentication {}/{} sets {mode}",
            policy.namespace_or(crate::index::DEFAULT_NAMESPACE),
            policy.meta.name
        ),
        None => format!("no PeerAuthentication sets a mode: {mode}"),
    }
}
