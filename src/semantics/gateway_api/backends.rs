//! backendRefs → destinations (`buildDestination`, the weight handling of
//! `buildHTTPDestination` / `buildTCPDestination`, `createMirrorFilter`).

use super::conditions::{
    ConfigError, BACKEND_NOT_FOUND, INVALID_DESTINATION, INVALID_KIND, REF_NOT_PERMITTED,
};
use super::world::World;
use crate::model::gateway_api as gw;
use crate::model::networking as net;
use crate::model::Spec;

/// The fields every kind of backendRef shares.
pub(super) struct BackendFields<'a> {
    pub group: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub name: &'a str,
    pub namespace: Option<&'a str>,
    pub port: Option<i32>,
    pub weight: Option<i32>,
}

impl<'a> BackendFields<'a> {
    pub fn of_http(b: &'a gw::HTTPBackendRef) -> Self {
        Self::new(&b.group, &b.kind, &b.name, &b.namespace, b.port, b.weight)
    }
    pub fn of_grpc(b: &'a gw::GRPCBackendRef) -> Self {
        Self::new(&b.group, &b.kind, &b.name, &b.namespace, b.port, b.weight)
    }
    pub fn of_l4(b: &'a gw::BackendRef) -> Self {
        Self::new(&b.group, &b.kind, &b.name, &b.namespace, b.port, b.weight)
    }
    pub fn of_object(b: &'a gw::BackendObjectReference) -> Self {
        Self::new(&b.group, &b.kind, &b.name, &b.namespace, b.port, Some(1))
    }
    fn new(
        group: &'a Option<String>,
        kind: &'a Option<String>,
        name: &'a Option<String>,
        namespace: &'a Option<String>,
        port: Option<i32>,
        weight: Option<i32>,
    ) -> Self {
        BackendFields {
            group: group.as_deref(),
            kind: kind.as_deref(),
            name: name.as_deref().unwrap_or_default(),
            namespace: namespace.as_deref(),
            port,
            weight,
        }
    }

    /// The weight, 1 when unset.
    pub fn weight(&self) -> i64 {
        i64::from(self.weight.unwrap_or(1))
    }
}

/// The parentRefs of a route and the backendRefs of all its rules; `None`
/// for objects that are not routes.
pub fn route_references(spec: &Spec) -> Option<(&[gw::ParentReference], Vec<BackendFields<'_>>)> {
    fn all<'r, R, B: 'r>(
        rules: &'r [R],
        refs: impl Fn(&'r R) -> &'r [B],
        fields: impl Fn(&'r B) -> BackendFields<'r>,
    ) -> Vec<BackendFields<'r>> {
        rules.iter().flat_map(refs).map(fields).collect()
    }
    Some(match spec {
        Spec::HTTPRoute(route) => (
            &route.parent_refs,
            all(&route.rules, |r| &r.backend_refs, BackendFields::of_http),
        ),
        Spec::GRPCRoute(route) => (
            &route.parent_refs,
            all(&route.rules, |r| &r.backend_refs, BackendFields::of_grpc),
        ),
        Spec::TCPRoute(route) => (
            &route.parent_refs,
            all(&route.rules, |r| &r.backend_refs, BackendFields::of_l4),
        ),
        Spec::TLSRoute(route) => (
            &route.parent_refs,
            all(&route.rules, |r| &r.backend_refs, BackendFields::of_l4),
        ),
        _ => return None,
    })
}

/// Who refers to a backend: for ReferenceGrant checks (gateway parents
/// only; mesh routes skip them, as istiod does).
pub(super) struct Referrer<'a> {
    pub kind: &'a str,
    pub namespace: &'a str,
    pub enforce_grants: bool,
}

/// `buildDestination`: the destination of one backendRef and its problem,
/// if any; a problem that is not an invalid backend is a hard error.
pub(super) fn destination(
    world: &World<'_>,
    backend: &BackendFields<'_>,
    referrer: &Referrer<'_>,
) -> (net::Destination, Option<ConfigError>) {
    let empty = net::Destination::default;
    let group = backend.group.unwrap_or_default();
    let kind = backend.kind.unwrap_or("Service");
    let name = backend.name;
    let namespace = backend.namespace.unwrap_or(referrer.namespace);
    if referrer.enforce_grants && namespace != referrer.namespace {
        let grant_kind = match (group, kind) {
            ("", "Service") => "Service",
            (_, kind) => kind,
        };
        if !world.grant_allows(
            referrer.kind,
            referrer.namespace,
            grant_kind,
            namespace,
            name,
        ) {
            return (
                empty(),
                Some(ConfigError::new(
                    REF_NOT_PERMITTED,
                    format!(
                        "backendRef {name}/{namespace} not accessible to a {} in namespace {:?} (missing a ReferenceGrant?)",
                        referrer.kind, referrer.namespace
                    ),
                )),
            );
        }
    }
    let port = |host: String, problem: Option<ConfigError>| match backend.port {
        None => (
            empty(),
            Some(ConfigError::new(
                INVALID_DESTINATION,
                "port is required in backendRef",
            )),
        ),
        Some(port) => (
            net::Destination {
                host: Some(host),
                subset: None,
                port: Some(net::PortSelector {
                    number: u32::try_from(port).ok(),
                }),
            },
            problem,
        ),
    };
    let not_found = |what: &str| {
        Some(ConfigError::new(
            BACKEND_NOT_FOUND,
            format!("backend({what}) not found"),
        ))
    };
    match (group, kind) {
        ("", "Service") => {
            if name.contains('.') {
                return (
                    empty(),
                    Some(ConfigError::new(
                        INVALID_DESTINATION,
                        "service name invalid; the name of the Service must be used, not the hostname.",
                    )),
                );
            }
            let host = crate::index::service_host(name, namespace, &world.domain);
            let problem = world
                .service(namespace, name)
                .is_none()
                .then(|| not_found(&host))
                .flatten();
            port(host, problem)
        }
        ("networking.istio.io", "Hostname") => {
            if backend.namespace.is_some() {
                return (
                    empty(),
                    Some(ConfigError::new(
                        INVALID_DESTINATION,
                        "namespace may not be set with Hostname type",
                    )),
                );
            }
            let problem = (!world.has_host(name)).then(|| not_found(name)).flatten();
            port(name.to_string(), problem)
        }
        (group, "ServiceImport") if group == world.features.mcs_api_group => {
            let local = crate::index::service_host(name, namespace, &world.domain);
            let host = if world.features.mcs_host {
                format!("{name}.{namespace}.svc.clusterset.local")
            } else {
                local
            };
            let problem = world
                .service(namespace, name)
                .is_none()
                .then(|| not_found(&host))
                .flatten();
            port(host, problem)
        }
        ("gateway.networking.x-k8s.io", "XBackend") => xbackend(world, backend, namespace),
        ("inference.networking.k8s.io", "InferencePool") => inference_pool(world, name, namespace),
        _ => (
            empty(),
            Some(ConfigError::new(
                INVALID_KIND,
                format!(
                    "referencing unsupported backendRef: group {:?} kind {:?}",
                    backend.group.unwrap_or_default(),
                    backend.kind.unwrap_or_default()
                ),
            )),
        ),
    }
}

fn xbackend(
    world: &World<'_>,
    backend: &BackendFields<'_>,
    namespace: &str,
) -> (net::Destination, Option<ConfigError>) {
    let name = backend.name;
    if !world.features.alpha_gateway_api {
        return (
            net::Destination::default(),
            Some(ConfigError::new(
                INVALID_KIND,
                "The Alpha Gateway API is not enabled, XBackend is invalid. To enable, set PILOT_ENABLE_ALPHA_GATEWAY_API to true in istiod.",
            )),
        );
    }
    let Some(spec) = world.xbackend(namespace, name) else {
        return (
            net::Destination::default(),
            Some(ConfigError::new(
                BACKEND_NOT_FOUND,
                format!("backend({name}) not found"),
            )),
        );
    };
    let hostname = match (&spec.r#type, &spec.external_hostname) {
        (Some(gw::XBackendType::ExternalHostname), Some(external)) => {
            external.hostname.clone().unwrap_or_default()
        }
        _ => {
            return (
                net::Destination::default(),
                Some(ConfigError::new(
                    INVALID_KIND,
                    format!(
                        "backend({name}) type: expected ExternalHostname, got {}",
                        spec.r#type.map(|_| "ExternalHostname").unwrap_or_default()
                    ),
                )),
            )
        }
    };
    let mut problem = (!world.has_host(&hostname))
        .then(|| ConfigError::new(BACKEND_NOT_FOUND, format!("backend({hostname}) not found")));
    let own_port = spec.port.as_ref().and_then(|p| p.port).unwrap_or_default();
    if let Some(asked) = backend.port.filter(|p| *p != own_port) {
        problem = Some(ConfigError::new(
            BACKEND_NOT_FOUND,
            format!("backend({name}) does not expose port {asked}, expected {own_port}"),
        ));
        return (net::Destination::default(), problem);
    }
    (
        net::Destination {
            host: Some(hostname),
            subset: None,
            port: Some(net::PortSelector {
                number: u32::try_from(own_port).ok(),
            }),
        },
        problem,
    )
}

/// The shadow Service istiod creates for an InferencePool
/// (`InferencePoolServiceName`): `POOL-ip-` and 8 hex digits of the
/// pool name's SHA-256, the pool name cut to fit 63 characters.
pub(super) fn inference_pool_service_name(pool: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, pool.as_bytes());
    let hash: String = digest
        .as_ref()
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    let base_limit = 63 - "-ip-".len() - hash.len();
    let base: String = pool.chars().take(base_limit).collect();
    format!("{base}-ip-{hash}")
}

fn inference_pool(
    world: &World<'_>,
    name: &str,
    namespace: &str,
) -> (net::Destination, Option<ConfigError>) {
    if !world.features.inference_extension {
        return (
            net::Destination::default(),
            Some(ConfigError::new(
                INVALID_KIND,
                "InferencePool is not enabled. To enable, set ENABLE_GATEWAY_API_INFERENCE_EXTENSION to true in istiod",
            )),
        );
    }
    if name.contains('.') {
        return (
            net::Destination::default(),
            Some(ConfigError::new(
                INVALID_DESTINATION,
                "InferencePool.Name invalid; the name of the InferencePool must be used, not the hostname.",
            )),
        );
    }
    if world.inference_pool(namespace, name).is_none() {
        return (
            net::Destination::default(),
            Some(ConfigError::new(
                BACKEND_NOT_FOUND,
                format!("backend({name}) not found"),
            )),
        );
    }
    let service_name = inference_pool_service_name(name);
    let host = crate::index::service_host(&service_name, namespace, &world.domain);
    let Some(service) = world.service(namespace, &service_name) else {
        return (
            net::Destination::default(),
            Some(ConfigError::new(
                BACKEND_NOT_FOUND,
                format!("backend({host}) not found"),
            )),
        );
    };
    let labels = &service.meta.labels;
    let complete = [
        "istio.io/inferencepool-extension-service",
        "istio.io/inferencepool-extension-port",
        "istio.io/inferencepool-extension-failure-mode",
    ]
    .iter()
    .all(|label| labels.get(*label).is_some_and(|v| !v.is_empty()));
    let problem = (!complete).then(|| {
        ConfigError::new(
            INVALID_DESTINATION,
            "InferencePool service invalid, extensionRef labels not found",
        )
    });
    // The first port of the shadow Service carries every target port.
    let first_port = match &service.spec {
        Spec::Service(svc) => svc
            .spec
            .as_ref()
            .and_then(|s| s.ports.as_ref())
            .and_then(|ports| ports.first())
            .map(|p| p.port),
        _ => None,
    };
    (
        net::Destination {
            host: Some(host),
            subset: None,
            port: Some(net::PortSelector {
                number: first_port.and_then(|p| u32::try_from(p).ok()),
            }),
        },
        problem,
    )
}

/// Weights as istiod writes them: zero-weight backends dropped, a single
/// remaining backend without a weight.
pub(super) fn weights(backends: &[BackendFields<'_>]) -> Vec<(usize, Option<i32>)> {
    let kept: Vec<(usize, i64)> = backends
        .iter()
        .enumerate()
        .map(|(i, b)| (i, b.weight()))
        .filter(|(_, w)| *w != 0)
        .collect();
    if kept.len() == 1 {
        return vec![(kept[0].0, None)];
    }
    kept.into_iter()
        .map(|(i, w)| (i, i32::try_from(w).ok()))
        .collect()
}

/// The sum of weights (`weightSum`): 0 means the rule answers 500.
pub(super) fn weight_sum(backends: &[BackendFields<'_>]) -> i64 {
    backends.iter().map(BackendFields::weight).sum()
}

/// `createMirrorFilter`.
pub(super) fn mirror(
    world: &World<'_>,
    filter: &gw::HTTPRequestMirrorFilter,
    referrer: &Referrer<'_>,
) -> Result<net::HTTPMirrorPolicy, ConfigError> {
    let reference = filter.backend_ref.clone().unwrap_or_default();
    let (destination, problem) =
        destination(world, &BackendFields::of_object(&reference), referrer);
    if let Some(problem) = problem {
        return Err(problem);
    }
    let percentage = if let Some(fraction) = &filter.fraction {
        let denominator = f64::from(fraction.denominator.unwrap_or(100));
        let numerator = f64::from(fraction.numerator.unwrap_or_default());
        Some(net::Percent {
            value: Some(if denominator == 0.0 {
                0.0
            } else {
                100.0 * numerator / denominator
            }),
        })
    } else {
        filter.percent.map(|p| net::Percent {
            value: Some(f64::from(p)),
        })
    };
    Ok(net::HTTPMirrorPolicy {
        destination: Some(destination),
        percentage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inference_pool_shadow_services_are_named_as_istiod_names_them() {
        // The shadow Services of the conformance world.
        assert_eq!(
            inference_pool_service_name("infpool-gen"),
            "infpool-gen-ip-6580eb2c"
        );
        assert_eq!(
            inference_pool_service_name("infpool-gen2"),
            "infpool-gen2-ip-97b729d1"
        );
    }

    #[test]
    fn a_single_remaining_backend_has_no_weight() {
        let named = |w: Option<i32>| BackendFields {
            group: None,
            kind: None,
            name: "a",
            namespace: None,
            port: Some(80),
            weight: w,
        };
        assert_eq!(weights(&[named(Some(0)), named(Some(3))]), vec![(1, None)]);
        assert_eq!(
            weights(&[named(None), named(Some(2))]),
            vec![(0, Some(1)), (1, Some(2))]
        );
        assert_eq!(weight_sum(&[named(Some(0))]), 0);
    }
}
