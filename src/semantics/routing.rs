//! Which VirtualService routes reach a client: the binding to the `mesh`
//! gateway, a match's source and port conditions, and the VirtualService a
//! client uses for a host.

use std::collections::BTreeMap;

use crate::index::{is_exported_to, labels_match, Index, ObjectId, DEFAULT_NAMESPACE};
use crate::model::networking::{HTTPMatchRequest, VirtualServiceSpec};
use crate::model::Spec;

/// The gateway name that binds a VirtualService to sidecars and proxyless
/// clients.
pub const MESH_GATEWAY: &str = "mesh";

/// Whether a `gateways` list binds to `mesh` (an empty list does).
pub fn binds_mesh(gateways: &[String]) -> bool {
    gateways.is_empty() || gateways.iter().any(|g| g == MESH_GATEWAY)
}

/// The client a route is built for: where it runs, its labels, and the
/// port it dials (`None`: any port).
#[derive(Debug, Clone, Copy)]
pub struct RouteClient<'a> {
    pub namespace: &'a str,
    pub labels: &'a BTreeMap<String, String>,
    pub port: Option<u32>,
}

/// Whether istiod keeps `matcher` in the routes it builds for `client`:
/// its `gateways` (if any) name `mesh`, its `sourceLabels` are on the
/// client, its `sourceNamespace` is the client's, its `port` the one dialled.
pub fn match_reaches(matcher: &HTTPMatchRequest, client: RouteClient<'_>) -> bool {
    binds_mesh(&matcher.gateways)
        && labels_match(&matcher.source_labels, client.labels)
        && matcher
            .source_namespace
            .as_ref()
            .is_none_or(|ns| ns == client.namespace)
        && matcher
            .port
            .is_none_or(|p| client.port.is_none_or(|dialled| dialled == p))
}

/// The VirtualService bound to the mesh that a client in `namespace` uses
/// for `host` (exact hosts before wildcards, its own namespace's first).
pub fn virtual_service_for<'a>(
    index: &'a Index,
    namespace: &str,
    host: &str,
) -> Option<(ObjectId, &'a VirtualServiceSpec)> {
    let mut found: Vec<(ObjectId, &VirtualServiceSpec, &str)> =
        index
            .virtual_services_matching(host)
            .into_iter()
            .filter_map(|id| {
                let object = index.object(id);
                let Spec::VirtualService(spec) = &object.spec else {
                    return None;
                };
                let owner = object.namespace_or(DEFAULT_NAMESPACE);
                let export_to = if spec.export_to.is_empty() {
                    &index.mesh_config.default_virtual_service_export_to
                } else {
                    &spec.export_to
                };
                (binds_mesh(&spec.gateways) && is_exported_to(export_to, owner, namespace))
                    .then_some((id, spec.as_ref(), owner))
            })
            .collect();
    found.sort_by_key(|(_, _, owner)| *owner != namespace);
    found.first().map(|(id, spec, _)| (*id, *spec))
}
