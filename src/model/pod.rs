//! Facts about a pod spec that several consumers need: whether it carries the
//! Istio proxy, and whether it is a proxyless gRPC workload. One definition,
//! so analyze rules (and later xds and inject) agree on who is in the mesh.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec};

/// The sidecar (or grpc-agent's agent) container name.
pub const PROXY_CONTAINER: &str = "istio-proxy";
/// The annotation naming the injection templates of a pod.
pub const TEMPLATES_ANNOTATION: &str = "inject.istio.io/templates";
/// Injection templates that make a pod a proxyless gRPC workload.
pub const PROXYLESS_TEMPLATES: [&str; 2] = ["grpc-agent", "grpc-simple"];
/// Environment variables that point a gRPC library at its xDS bootstrap.
pub const BOOTSTRAP_ENV: [&str; 2] = ["GRPC_XDS_BOOTSTRAP", "GRPC_XDS_BOOTSTRAP_CONFIG"];
/// The init container grpc-simple injects to write the bootstrap.
pub const BOOTSTRAP_INIT_CONTAINER: &str = "grpc-bootstrap-init";

/// Containers and init containers (native sidecars live among the latter).
pub fn all_containers(spec: &PodSpec) -> impl Iterator<Item = &Container> {
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
}

/// A container named `istio-proxy`.
pub fn has_istio_proxy(spec: &PodSpec) -> bool {
    all_containers(spec).any(|c| c.name == PROXY_CONTAINER)
}

/// grpc-simple's init container, or an xDS bootstrap variable in a container.
pub fn has_xds_bootstrap(spec: &PodSpec) -> bool {
    all_containers(spec).any(|c| {
        c.name == BOOTSTRAP_INIT_CONTAINER
            || c.env
                .iter()
                .flatten()
                .any(|e| BOOTSTRAP_ENV.contains(&e.name.as_str()))
    })
}

/// `inject.istio.io/templates` names grpc-agent or grpc-simple.
pub fn has_proxyless_template(annotations: &BTreeMap<String, String>) -> bool {
    annotations.get(TEMPLATES_ANNOTATION).is_some_and(|names| {
        names
            .split(',')
            .map(str::trim)
            .any(|name| PROXYLESS_TEMPLATES.contains(&name))
    })
}

/// A proxyless gRPC pod: in the mesh without an Envoy sidecar.
pub fn is_proxyless(annotations: &BTreeMap<String, String>, spec: &PodSpec) -> bool {
    has_proxyless_template(annotations) || has_xds_bootstrap(spec)
}

/// Go's `strconv.ParseBool`, which Istio uses for injection switches.
pub fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}
