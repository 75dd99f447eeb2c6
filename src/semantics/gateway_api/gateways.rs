//! Gateways and ListenerSets → an Istio `Gateway` per listener
//! (`GatewayCollection`, `ListenerSetCollection`, `buildListener`,
//! `buildTLS`, `buildHostnameMatch`, `extractGatewayServices`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::conditions::{truncated_keys_message, Condition};
use super::parents::ParentInfo;
use super::world::{World, DEFAULT_NAMESPACE};
use super::{Generated, GeneratedSpec, Ignored, SourceField, GENERATED_SUFFIX, PARENTS_ANNOTATION};
use crate::model::gateway_api as gw;
use crate::model::networking as net;
use crate::model::{Object, Spec};
use crate::source::FieldPath;

/// Controllers istiod serves (`ClassInfos`); routes are generated for all
/// but the remote class.
const ISTIO_CONTROLLERS: &[&str] = &[
    "istio.io/gateway-controller",
    "istio.io/mesh-controller",
    "istio.io/eastwest-controller",
];
/// The only controller whose Gateways take ListenerSets (`SupportsListenerSet`).
const GATEWAY_CONTROLLER: &str = "istio.io/gateway-controller";
const WAYPOINT_CONTROLLER: &str = "istio.io/mesh-controller";
const EAST_WEST_CONTROLLER: &str = "istio.io/eastwest-controller";

/// One listener of a Gateway (or ListenerSet): the parent routes bind to,
/// and the Istio Gateway it becomes when valid.
pub(super) struct Listener {
    pub parent: ParentInfo,
    pub generated: Option<Generated>,
    /// Whether istiod counts the listener as valid (`programmed`).
    programmed: bool,
    /// The port of the server istiod builds for it, valid or not; `None`
    /// for a TLS listener without TLS settings (no server at all).
    server_port: Option<i32>,
}

/// Every listener of every Gateway and ListenerSet istiod serves.
pub(super) fn convert_gateways(
    world: &World<'_>,
    conditions: &mut Vec<Condition>,
    ignored: &mut Vec<Ignored>,
) -> Vec<Listener> {
    let mut listeners = Vec::new();
    let gateways = world.ordered(|object| match &object.spec {
        Spec::KubernetesGateway(spec) => Some(spec.as_ref()),
        _ => None,
    });
    for (id, spec) in gateways {
        let object = world.object(id);
        let class = spec.gateway_class_name.as_deref().unwrap_or_default();
        let Some(controller) = served_controller(world, class) else {
            ignored.push(Ignored {
                object: id,
                reason: format!(
                    "its class {class:?} is not one istiod ({}) serves",
                    world.features.controller_name
                ),
            });
            continue;
        };
        let context = GatewayContext::new(world, object, spec, &controller);
        let addresses_field = FieldPath::root().field("spec").field("addresses");
        // Only Hostname addresses are supported (`extractGatewayServices`);
        // others are a soft failure, and a hard one when none is left.
        let skipped: Vec<&str> = if is_managed(spec) {
            Vec::new()
        } else {
            spec.addresses
                .iter()
                .filter(|address| address.r#type.as_deref().is_some_and(|t| t != "Hostname"))
                .map(|address| address.value.as_deref().unwrap_or_default())
                .collect()
        };
        let address_error = (!skipped.is_empty()).then(|| {
            format!(
                "only Hostname is supported, ignoring [{}]",
                skipped.join(" ")
            )
        });
        // The Gateway's own error (`gatewayErr`): its addresses, else its parameters.
        let gateway_error: Option<(&str, FieldPath, String)> = match &address_error {
            Some(message) => Some((
                "UnsupportedAddress",
                addresses_field.clone(),
                message.clone(),
            )),
            None if !context.services.is_empty() => {
                parameters_problem(world, &context.namespace, spec).map(|message| {
                    (
                        "InvalidParameters",
                        FieldPath::root()
                            .field("spec")
                            .field("infrastructure")
                            .field("parametersRef"),
                        message,
                    )
                })
            }
            None => None,
        };
        let gateway_status = StatusSink::new(id, object, "status");
        if let Some((reason, field, message)) = &gateway_error {
            gateway_status.push(conditions, field, "Accepted", reason, message);
        }
        if let Some((reason, message)) =
            backend_client_certificate_problem(world, &context.namespace, spec)
        {
            let field = FieldPath::root()
                .field("spec")
                .field("tls")
                .field("backend")
                .field("clientCertificateRef");
            gateway_status.push(conditions, &field, "ResolvedRefs", reason, &message);
        }
        let sets = attached_listener_sets(world, &context, object, conditions, ignored);
        if context.services.is_empty() {
            let message = "Failed to assign to any requested addresses";
            gateway_status.push(
                conditions,
                &addresses_field,
                "Programmed",
                "UnsupportedAddress",
                message,
            );
            for (set_id, _) in &sets {
                let set_status = StatusSink::new(*set_id, world.object(*set_id), "status");
                let parent_error = format!(
                    "Parent not accepted: {}",
                    address_error.as_deref().unwrap_or_default()
                );
                let parent_field = FieldPath::root().field("spec").field("parentRef");
                set_status.push(
                    conditions,
                    &parent_field,
                    "Accepted",
                    "UnsupportedAddress",
                    &parent_error,
                );
                set_status.push(
                    conditions,
                    &parent_field,
                    "Programmed",
                    "UnsupportedAddress",
                    message,
                );
            }
            continue;
        }
        let owners: Vec<(usize, &[gw::Listener])> =
            std::iter::once((id, spec.listeners.as_slice()))
                .chain(
                    sets.iter()
                        .map(|(set_id, set)| (*set_id, set.listeners.as_slice())),
                )
                .collect();
        let conflicts = listener_conflicts(&owners);
        let mut gateway_ports = BTreeSet::new();
        for (owner_index, (owner_id, owner_listeners)) in owners.iter().enumerate() {
            let owner = world.object(*owner_id);
            let is_gateway = owner_index == 0;
            let mut valid = 0;
            let mut ports = BTreeSet::new();
            for (index, listener) in owner_listeners.iter().enumerate() {
                let field = FieldPath::root()
                    .field("spec")
                    .field("listeners")
                    .index(index);
                if let Some(reason) = conflicts.get(&(*owner_id, index)) {
                    report_conflict(*owner_id, owner, listener, field, reason, conditions);
                    continue;
                }
                let converted = context.listener(
                    world,
                    *owner_id,
                    owner,
                    listener,
                    field,
                    (!is_gateway).then_some(context.namespace.as_str()),
                    conditions,
                );
                // The Gateway serves all of its own listeners' servers and
                // the valid ones of its ListenerSets.
                if is_gateway || converted.programmed {
                    gateway_ports.extend(converted.server_port);
                }
                // A ListenerSet counts only the listeners with a server.
                if converted.programmed && (is_gateway || converted.server_port.is_some()) {
                    valid += 1;
                }
                ports.extend(converted.server_port);
                listeners.push(converted);
            }
            if is_gateway {
                // With some listeners valid the Gateway stays accepted.
                if gateway_error.is_none() && !owner_listeners.is_empty() && valid == 0 {
                    gateway_status.push(
                        conditions,
                        &FieldPath::root().field("spec").field("listeners"),
                        "Accepted",
                        "ListenersNotValid",
                        "None of the Gateway's listeners are valid",
                    );
                }
                continue;
            }
            // `ReportListenerSetStatus`: a ListenerSet needs a valid listener.
            let set_status = StatusSink::new(*owner_id, owner, "status");
            let listeners_field = FieldPath::root().field("spec").field("listeners");
            let not_valid = "None of the ListenerSet's listeners are valid";
            if let Some((reason, _, message)) = &gateway_error {
                set_status.push(
                    conditions,
                    &FieldPath::root().field("spec").field("parentRef"),
                    "Accepted",
                    reason,
                    &format!("Parent not accepted: {message}"),
                );
            } else if valid == 0 {
                set_status.push(
                    conditions,
                    &listeners_field,
                    "Accepted",
                    "ListenersNotValid",
                    not_valid,
                );
            }
            if valid == 0 {
                set_status.push(
                    conditions,
                    &listeners_field,
                    "Programmed",
                    "ListenersNotValid",
                    not_valid,
                );
            } else if let Some((reason, message)) = address_problem(world, &context, &ports) {
                set_status.push(
                    conditions,
                    &FieldPath::root().field("spec").field("parentRef"),
                    "Programmed",
                    reason,
                    &message,
                );
            }
        }
        if let Some((reason, message)) = address_problem(world, &context, &gateway_ports) {
            gateway_status.push(conditions, &addresses_field, "Programmed", reason, &message);
        }
    }
    listeners
}

/// Where the status conditions of one object go.
struct StatusSink {
    object: usize,
    origin: String,
    place: &'static str,
}

impl StatusSink {
    fn new(object: usize, owner: &Object, place: &'static str) -> StatusSink {
        StatusSink {
            object,
            origin: format!(
                "{} {}/{}",
                owner.kind(),
                owner.namespace_or(DEFAULT_NAMESPACE),
                owner.meta.name
            ),
            place,
        }
    }

    fn push(
        &self,
        conditions: &mut Vec<Condition>,
        field: &FieldPath,
        condition_type: &str,
        reason: &str,
        message: &str,
    ) {
        conditions.push(Condition {
            object: self.object,
            origin: self.origin.clone(),
            place: self.place.to_string(),
            field: field.clone(),
            condition_type: condition_type.to_string(),
            status: false,
            reason: reason.to_string(),
            message: message.to_string(),
        });
    }
}

/// The ListenerSets attached to a Gateway that it takes, in istiod's
/// order (creation time, namespace, name). The others are told so in their
/// status (`ReportNotAllowedListenerSet`, `ReportUnsupportedListenerSet`).
fn attached_listener_sets<'w>(
    world: &World<'w>,
    context: &GatewayContext<'_>,
    gateway: &Object,
    conditions: &mut Vec<Condition>,
    ignored: &mut Vec<Ignored>,
) -> Vec<(usize, &'w gw::ListenerSetSpec)> {
    let mut taken = Vec::new();
    let sets = world.ordered(|candidate| match &candidate.spec {
        Spec::ListenerSet(set) => Some(set.as_ref()),
        _ => None,
    });
    for (set_id, set) in sets {
        let set_object = world.object(set_id);
        if !listener_set_attaches(set_object, set, gateway) {
            continue;
        }
        let refusal = if context.controller != GATEWAY_CONTROLLER {
            let class = context
                .spec
                .gateway_class_name
                .as_deref()
                .unwrap_or_default();
            Some(format!(
                "The {class:?} GatewayClass does not support ListenerSet"
            ))
        } else if !context.allows_listener_set(world, set_object) {
            Some(
                "The parent Gateway does not allow this reference; check the 'spec.allowedRoutes'"
                    .to_string(),
            )
        } else {
            None
        };
        let Some(refusal) = refusal else {
            taken.push((set_id, set));
            continue;
        };
        let status = StatusSink::new(set_id, set_object, "status");
        let field = FieldPath::root().field("spec").field("parentRef");
        for condition_type in ["Accepted", "Programmed"] {
            status.push(conditions, &field, condition_type, "NotAllowed", &refusal);
        }
        ignored.push(Ignored {
            object: set_id,
            reason: format!(
                "Gateway {}/{} does not take it: {refusal}",
                context.namespace, gateway.meta.name
            ),
        });
    }
    taken
}

/// The reason (`HostnameConflict`, `ProtocolConflict`) of each listener
/// that loses to an earlier one on the same port, keyed by owner object
/// and listener index (`ComputeGatewayListenerConflicts`): the Gateway's
/// listeners first, then its ListenerSets' in order. Only winners block
/// later listeners.
fn listener_conflicts(
    owners: &[(usize, &[gw::Listener])],
) -> HashMap<(usize, usize), &'static str> {
    let mut conflicts = HashMap::new();
    let mut winners: Vec<&gw::Listener> = Vec::new();
    for (owner, listeners) in owners {
        for (index, listener) in listeners.iter().enumerate() {
            match winners
                .iter()
                .find(|prior| !listeners_distinct(listener, prior))
            {
                Some(prior) => {
                    let reason = if listener.protocol == prior.protocol && !is_layer4(listener) {
                        "HostnameConflict"
                    } else {
                        "ProtocolConflict"
                    };
                    conflicts.insert((*owner, index), reason);
                }
                None => winners.push(listener),
            }
        }
    }
    conflicts
}

fn is_layer4(listener: &gw::Listener) -> bool {
    matches!(listener.protocol.as_deref(), Some("TCP" | "UDP"))
}

fn is_http_like(listener: &gw::Listener) -> bool {
    matches!(listener.protocol.as_deref(), Some("HTTP" | "HTTPS" | "TLS"))
}

/// `listenersDistinct`: whether two listeners can share a Gateway.
fn listeners_distinct(a: &gw::Listener, b: &gw::Listener) -> bool {
    if a.port != b.port {
        return true;
    }
    if (is_layer4(a) && is_http_like(b)) || (is_http_like(a) && is_layer4(b)) {
        return false;
    }
    if is_layer4(a) && is_layer4(b) {
        return false;
    }
    if is_http_like(a) && is_http_like(b) {
        // Distinct by hostname, an unset one being "*".
        let hostname = |l: &gw::Listener| {
            l.hostname
                .clone()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "*".into())
        };
        return hostname(a) != hostname(b);
    }
    a.protocol != b.protocol
}

/// `ReportListenerConflict`: a conflicted listener is neither accepted nor
/// programmed, and says so in `Conflicted=True`.
fn report_conflict(
    id: usize,
    owner: &Object,
    listener: &gw::Listener,
    field: FieldPath,
    reason: &str,
    conditions: &mut Vec<Condition>,
) {
    let message = "Listener has a conflict with another listener attached to the same Gateway";
    let name = listener.name.clone().unwrap_or_default();
    let origin = format!(
        "{} {}/{}",
        owner.kind(),
        owner.namespace_or(DEFAULT_NAMESPACE),
        owner.meta.name
    );
    let mut entries = vec![
        ("Accepted", false, reason, message),
        ("Programmed", false, reason, message),
        ("Conflicted", true, reason, message),
    ];
    if !supported_kinds(listener).1 {
        entries.push((
            "ResolvedRefs",
            false,
            "InvalidRouteKinds",
            "Invalid route kinds",
        ));
    }
    for (condition_type, status, reason, message) in entries {
        conditions.push(Condition {
            object: id,
            origin: origin.clone(),
            place: format!("listener {name}"),
            field: field.clone(),
            condition_type: condition_type.to_string(),
            status,
            reason: reason.to_string(),
            message: message.to_string(),
        });
    }
}

/// `ResolveGatewayInstances` and `SetProgrammedCondition`: whether the
/// Gateway's services exist in its namespace and expose its listeners'
/// ports. Offline there are no Endpoints: every port of a Service found is
/// taken to have ready endpoints, as in istiod's conversion test.
fn address_problem(
    world: &World<'_>,
    context: &GatewayContext<'_>,
    ports: &BTreeSet<i32>,
) -> Option<(&'static str, String)> {
    let namespace = &context.namespace;
    let mut assigned: BTreeSet<String> = BTreeSet::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut usable = true;
    for host in &context.services {
        let found = service_ports(world, host);
        let Some(service) = found.iter().find(|s| s.namespace == *namespace) else {
            let mut elsewhere: Vec<String> =
                found.iter().map(|s| format!("{:?}", s.namespace)).collect();
            elsewhere.sort();
            elsewhere.dedup();
            warnings.push(if elsewhere.is_empty() {
                format!("hostname {host:?} not found")
            } else {
                format!(
                    "hostname {host:?} not found in namespace {namespace:?}, but it was found in namespace(s) {}",
                    elsewhere.join(", ")
                )
            });
            usable = false;
            continue;
        };
        for port in ports {
            if service.ports.iter().any(|(number, _)| number == port) {
                assigned.insert(format!("{host}:{port}"));
                if service.pending_address {
                    let warning = format!("address pending for hostname {host:?}");
                    if !warnings.contains(&warning) {
                        warnings.push(warning);
                    }
                }
                continue;
            }
            // The workload port named instead of the service port?
            let mut hints: Vec<String> = service
                .ports
                .iter()
                .filter(|(_, endpoint)| endpoint == port)
                .map(|(number, _)| number.to_string())
                .collect();
            hints.sort();
            hints.dedup();
            warnings.push(if hints.is_empty() {
                format!("port {port} not found for hostname {host:?}")
            } else {
                format!(
                    "port {port} not found for hostname {host:?} (hint: the service port should be specified, not the workload port. Did you mean one of these ports: [{}]?)",
                    hints.join(" ")
                )
            });
            usable = false;
        }
    }
    if warnings.is_empty() {
        return None;
    }
    warnings.sort();
    let assigned: Vec<String> = assigned.into_iter().collect();
    let message = if assigned.is_empty() {
        format!(
            "Failed to assign to any requested addresses: {}",
            warnings.join("; ")
        )
    } else {
        format!(
            "Assigned to service(s) {}, but failed to assign to all requested addresses: {}",
            human_readable_join(&assigned),
            warnings.join("; ")
        )
    };
    let reason = if usable {
        "AddressNotAssigned"
    } else {
        "AddressNotUsable"
    };
    Some((reason, message))
}

/// A registry service behind a hostname, in one namespace.
struct RegistryService {
    namespace: String,
    /// Service ports with the endpoint (target) port each sends to.
    ports: Vec<(i32, i32)>,
    /// A LoadBalancer Service still waiting for its external address.
    pending_address: bool,
}

/// The services of the registry with `host`, one per namespace: the
/// Kubernetes Service the host names, or the ServiceEntries listing it.
fn service_ports(world: &World<'_>, host: &str) -> Vec<RegistryService> {
    let mut found = Vec::new();
    let kubernetes = host
        .strip_suffix(&format!(".svc.{}", world.domain))
        .and_then(|rest| rest.split_once('.'))
        .and_then(|(name, namespace)| world.service(namespace, name).map(|s| (namespace, s)));
    if let Some((namespace, object)) = kubernetes {
        if let Spec::Service(service) = &object.spec {
            let spec = service.spec.as_ref();
            let ports =
                spec.and_then(|spec| spec.ports.as_ref())
                    .map(|ports| {
                        ports
                            .iter()
                            .map(|p| {
                                let endpoint = match &p.target_port {
                                Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(
                                    target,
                                )) => *target,
                                _ => p.port,
                            };
                                (p.port, endpoint)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
            let load_balancer = spec.and_then(|s| s.type_.as_deref()) == Some("LoadBalancer");
            let has_external = service
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_ref())
                .is_some_and(|ingress| !ingress.is_empty());
            found.push(RegistryService {
                namespace: namespace.to_string(),
                ports,
                pending_address: load_balancer && !has_external,
            });
        }
    }
    for object in world.objects {
        let Spec::ServiceEntry(entry) = &object.spec else {
            continue;
        };
        let namespace = object.namespace_or(DEFAULT_NAMESPACE);
        if !entry.hosts.iter().any(|h| h == host) || found.iter().any(|s| s.namespace == namespace)
        {
            continue;
        }
        let ports = entry
            .ports
            .iter()
            .filter_map(|p| {
                let number = i32::try_from(p.number?).ok()?;
                let endpoint = p.target_port.and_then(|t| i32::try_from(t).ok());
                Some((number, endpoint.unwrap_or(number)))
            })
            .collect();
        found.push(RegistryService {
            namespace: namespace.to_string(),
            ports,
            pending_address: false,
        });
    }
    found
}

/// `HumanReadableJoin`: `a`, `a and b`, `a, b, and c`.
fn human_readable_join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [first, second] => format!("{first} and {second}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}

/// The controller of a class istiod generates config for.
fn served_controller(world: &World<'_>, class: &str) -> Option<String> {
    let controller = world.class_controller(class)?;
    ISTIO_CONTROLLERS
        .contains(&controller.as_str())
        .then_some(controller)
}

fn listener_set_attaches(set: &Object, spec: &gw::ListenerSetSpec, gateway: &Object) -> bool {
    let Some(parent) = &spec.parent_ref else {
        return false;
    };
    let group = parent
        .group
        .as_deref()
        .unwrap_or("gateway.networking.k8s.io");
    let kind = parent.kind.as_deref().unwrap_or("Gateway");
    let namespace = parent
        .namespace
        .as_deref()
        .unwrap_or(set.namespace_or(DEFAULT_NAMESPACE));
    group == "gateway.networking.k8s.io"
        && kind == "Gateway"
        && parent.name.as_deref() == Some(gateway.meta.name.as_str())
        && namespace == gateway.namespace_or(DEFAULT_NAMESPACE)
}

/// What every listener of one Gateway shares.
struct GatewayContext<'a> {
    spec: &'a gw::GatewaySpec,
    namespace: String,
    controller: String,
    services: Vec<String>,
    service_account: String,
}

impl<'a> GatewayContext<'a> {
    fn new(
        world: &World<'_>,
        object: &Object,
        spec: &'a gw::GatewaySpec,
        controller: &str,
    ) -> GatewayContext<'a> {
        let namespace = object.namespace_or(DEFAULT_NAMESPACE).to_string();
        let class = spec.gateway_class_name.as_deref().unwrap_or_default();
        // Waypoint and east-west classes name their deployments without
        // the class suffix (`DisableNameSuffix`).
        let default_name =
            if controller == WAYPOINT_CONTROLLER || controller == EAST_WEST_CONTROLLER {
                object.meta.name.clone()
            } else {
                format!("{}-{class}", object.meta.name)
            };
        let managed = is_managed(spec);
        let services = if managed {
            let name = object
                .meta
                .annotations
                .get("gateway.istio.io/name-override")
                .cloned()
                .unwrap_or_else(|| default_name.clone());
            vec![crate::index::service_host(&name, &namespace, &world.domain)]
        } else {
            spec.addresses
                .iter()
                .filter(|address| address.r#type.as_deref().is_none_or(|t| t == "Hostname"))
                .filter_map(|address| address.value.clone())
                .map(|value| {
                    if value.contains('.') {
                        value
                    } else {
                        crate::index::service_host(&value, &namespace, &world.domain)
                    }
                })
                .collect()
        };
        let service_account = if managed {
            object
                .meta
                .annotations
                .get("gateway.istio.io/service-account")
                .cloned()
                .unwrap_or(default_name)
        } else {
            String::new()
        };
        GatewayContext {
            spec,
            namespace,
            controller: controller.to_string(),
            services,
            service_account,
        }
    }

    /// `NamespaceAcceptedByAllowListeners`: only `All` and `Same`-style
    /// defaults are modelled; a selector allows nothing it does not match.
    fn allows_listener_set(&self, world: &World<'_>, set: &Object) -> bool {
        let set_namespace = set.namespace_or(DEFAULT_NAMESPACE);
        let Some(namespaces) = self
            .spec
            .allowed_listeners
            .as_ref()
            .and_then(|allowed| allowed.namespaces.as_ref())
        else {
            return false;
        };
        match namespaces.from {
            Some(gw::ListenerNamespacesFrom::All) => true,
            Some(gw::ListenerNamespacesFrom::Same) => set_namespace == self.namespace,
            Some(gw::ListenerNamespacesFrom::Selector) => {
                let selector = namespaces.selector.clone().unwrap_or_default();
                world
                    .namespaces_where(|labels| selector_matches(&selector, labels))
                    .iter()
                    .any(|name| name == set_namespace)
            }
            Some(gw::ListenerNamespacesFrom::None) | None => false,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn listener(
        &self,
        world: &World<'_>,
        id: usize,
        object: &Object,
        listener: &gw::Listener,
        field: FieldPath,
        parent_namespace: Option<&str>,
        conditions: &mut Vec<Condition>,
    ) -> Listener {
        let namespace = object.namespace_or(DEFAULT_NAMESPACE).to_string();
        let name = listener.name.clone().unwrap_or_default();
        let port = listener.port.unwrap_or_default();
        let protocol = listener.protocol.clone().unwrap_or_default();
        let origin = format!("{} {namespace}/{}", object.kind(), object.meta.name);
        let mut report = |condition_type: &str, reason: &str, message: String| {
            conditions.push(Condition {
                object: id,
                origin: origin.clone(),
                place: format!("listener {name}"),
                field: field.clone(),
                condition_type: condition_type.to_string(),
                status: false,
                reason: reason.to_string(),
                message,
            });
        };
        let mut valid = true;
        let tls = match self.server_tls(world, &namespace, object, port, listener) {
            Ok(tls) => tls,
            Err(error) => {
                report("ResolvedRefs", error.reason, error.message.clone());
                report("Programmed", "Invalid", "Bad TLS configuration".into());
                if matches!(
                    error.reason,
                    "InvalidCACertificateRef" | "InvalidCACertificateKind" | "RefNotPermitted"
                ) {
                    report("Accepted", "NoValidCACertificate", error.message);
                }
                valid = false;
                None
            }
        };
        let istio_protocol = match listener_protocol(&self.controller, &protocol) {
            Ok(protocol) => protocol,
            Err(message) => {
                report("Accepted", "UnsupportedProtocol", message);
                valid = false;
                String::new()
            }
        };
        // Waypoint and east-west listeners of other shapes are reported
        // but still count as programmed, as istiod does.
        if self.controller == WAYPOINT_CONTROLLER && (port != 15008 || protocol != "HBONE") {
            report(
                "Accepted",
                "UnsupportedProtocol",
                r#"Expected a single listener on port 15008 with protocol "HBONE""#.into(),
            );
        }
        if self.controller == EAST_WEST_CONTROLLER && !east_west_listener_expected(listener) {
            report(
                "Accepted",
                "UnsupportedProtocol",
                r#"East-west gateway listeners must be either port 15008 with protocol "HBONE" and TLS.Mode == Terminate, or TLS with TLS.Mode == Passthrough"#.into(),
            );
        }
        let (allowed_kinds, all_kinds_supported) = supported_kinds(listener);
        if !all_kinds_supported {
            report(
                "ResolvedRefs",
                "InvalidRouteKinds",
                "Invalid route kinds".into(),
            );
        }
        let hosts = hostname_match(world, &namespace, listener);
        // A TLS listener without a `tls` block gets no server at all.
        let no_server = listener.tls.is_none() && (protocol == "HTTPS" || protocol == "TLS");
        if no_server && object.kind() == "ListenerSet" {
            report(
                "Accepted",
                "UnsupportedProtocol",
                format!("protocol is {protocol} but no TLS section is defined"),
            );
            report("Programmed", "Invalid", "Bad TLS configuration".into());
            valid = false;
        }
        let placeholder = tls.is_none() && (protocol == "HTTPS" || protocol == "TLS");
        let internal_name = format!("{}~{GENERATED_SUFFIX}~{name}", object.meta.name);
        let parent = ParentInfo {
            internal_name: format!("{namespace}/{internal_name}"),
            allowed_kinds,
            hostnames: hosts.clone(),
            original_hostname: listener.hostname.clone().unwrap_or_default(),
            section_name: name.clone(),
            port,
            protocol: protocol.clone(),
            owner_kind: object.kind().to_string(),
            owner_namespace: namespace.clone(),
            owner_name: object.meta.name.clone(),
        };
        // Waypoint listeners, the east-west HBONE listener and TLS
        // listeners without TLS settings generate no Istio Gateway.
        let generates = valid
            && !placeholder
            && self.controller != WAYPOINT_CONTROLLER
            && !(self.controller == EAST_WEST_CONTROLLER && port == 15008);
        let generated = generates.then(|| {
            let mut annotations = BTreeMap::new();
            annotations.insert(
                PARENTS_ANNOTATION.to_string(),
                format!("{}/{}/{name}.{namespace}", object.kind(), object.meta.name),
            );
            annotations.insert(
                "internal.istio.io/gateway-semantics".to_string(),
                "gateway".to_string(),
            );
            annotations.insert(
                "internal.istio.io/gateway-service".to_string(),
                self.services.join(","),
            );
            annotations.insert(
                "internal.istio.io/service-account-name".to_string(),
                self.service_account.clone(),
            );
            if let Some(parent_namespace) = parent_namespace {
                annotations.insert(
                    "internal.istio.io/parent-namespace".to_string(),
                    parent_namespace.to_string(),
                );
            }
            Generated {
                name: internal_name,
                namespace: namespace.clone(),
                annotations,
                spec: GeneratedSpec::Gateway(net::GatewaySpec {
                    servers: vec![net::Server {
                        port: Some(net::Port {
                            number: u32::try_from(port).ok(),
                            protocol: Some(istio_protocol),
                            name: Some("default".to_string()),
                            target_port: None,
                        }),
                        hosts,
                        tls,
                        ..Default::default()
                    }],
                    selector: BTreeMap::new(),
                }),
                sources: vec![SourceField { object: id, field }],
            }
        });
        Listener {
            parent,
            generated,
            programmed: valid,
            server_port: (!no_server).then_some(port),
        }
    }

    /// `buildTLS`: the server TLS settings of a listener.
    fn server_tls(
        &self,
        world: &World<'_>,
        namespace: &str,
        owner: &Object,
        port: i32,
        listener: &gw::Listener,
    ) -> Result<Option<net::ServerTLSSettings>, ListenerError> {
        let owner_kind = owner.kind();
        let Some(tls) = &listener.tls else {
            return Ok(None);
        };
        let mut out = net::ServerTLSSettings::default();
        let terminate_mode = tls.options.get("gateway.istio.io/tls-terminate-mode");
        match tls.mode.unwrap_or(gw::TLSModeType::Terminate) {
            gw::TLSModeType::Passthrough => {
                // PASSTHROUGH is the proto default: written as `tls: {}`.
                if is_auto_passthrough(&owner.meta.labels, tls, port) {
                    out.mode = Some(net::ServerTLSMode::AutoPassthrough);
                }
            }
            gw::TLSModeType::Terminate => {
                out.mode = Some(net::ServerTLSMode::Simple);
                match terminate_mode.map(String::as_str) {
                    Some("MUTUAL") => out.mode = Some(net::ServerTLSMode::Mutual),
                    Some("OPTIONAL_MUTUAL") => out.mode = Some(net::ServerTLSMode::OptionalMutual),
                    Some("ISTIO_SIMPLE") => {
                        out.credential_name = Some("builtin://".into());
                        return Ok(Some(out));
                    }
                    Some("ISTIO_MUTUAL") => {
                        out.mode = Some(net::ServerTLSMode::IstioMutual);
                        return Ok(Some(out));
                    }
                    _ => {}
                }
                if tls.certificate_refs.len() > 2 {
                    return Err(ListenerError::new(
                        "InvalidCertificateRef",
                        "TLS mode can only support up to 2 server certificates",
                    ));
                }
                let mut names = Vec::new();
                let mut error: Option<ListenerError> = None;
                for reference in &tls.certificate_refs {
                    match certificate(world, namespace, owner_kind, reference) {
                        Ok(name) => names.push(name),
                        Err(e) => {
                            error = Some(match error {
                                Some(mut first) => {
                                    first.message = format!("{}; {}", first.message, e.message);
                                    first
                                }
                                None => e,
                            })
                        }
                    }
                }
                match names.len() {
                    0 => {
                        return Err(error.unwrap_or_else(|| {
                            ListenerError::new("InvalidCertificateRef", "no certificateRefs")
                        }))
                    }
                    1 => out.credential_name = names.pop(),
                    _ => out.credential_names = names,
                }
                if let Some(validation) = frontend_validation(self.spec, port) {
                    ca_validation(
                        world,
                        namespace,
                        owner_kind,
                        validation,
                        terminate_mode,
                        &mut out,
                    )?;
                }
            }
        }
        if let Some(ciphers) = tls.options.get("gateway.istio.io/tls-cipher-suites") {
            // Unknown names are dropped (`security.FilterCipherSuites`).
            out.cipher_suites = ciphers
                .split(',')
                .map(str::trim)
                .filter(|c| SUPPORTED_CIPHER_SUITES.contains(c))
                .map(str::to_string)
                .collect();
        }
        Ok(Some(out))
    }
}

/// The cipher suites Istio passes to Envoy (`security.ValidCipherSuites`).
const SUPPORTED_CIPHER_SUITES: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
    "AES128-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "ECDHE-RSA-AES256-SHA",
    "AES256-SHA",
    "DES-CBC3-SHA",
];

/// A listener problem: its reason and message.
struct ListenerError {
    reason: &'static str,
    message: String,
}

impl ListenerError {
    fn new(reason: &'static str, message: impl Into<String>) -> ListenerError {
        ListenerError {
            reason,
            message: message.into(),
        }
    }
}

/// `resolveGatewayTLS`: the Gateway's frontend validation for a port.
fn frontend_validation(spec: &gw::GatewaySpec, port: i32) -> Option<&gw::FrontendTLSValidation> {
    let frontend = spec.tls.as_ref()?.frontend.as_ref()?;
    let config = frontend
        .per_port
        .iter()
        .find(|per_port| per_port.port == Some(port))
        .and_then(|per_port| per_port.tls.as_ref())
        .or(frontend.default.as_ref())?;
    config
        .validation
        .as_ref()
        .filter(|validation| !validation.ca_certificate_refs.is_empty())
}

fn ca_validation(
    world: &World<'_>,
    namespace: &str,
    owner_kind: &str,
    validation: &gw::FrontendTLSValidation,
    terminate_mode: Option<&String>,
    out: &mut net::ServerTLSSettings,
) -> Result<(), ListenerError> {
    if validation.ca_certificate_refs.len() > 1 {
        return Err(ListenerError::new(
            "InvalidCACertificateRef",
            "only one caCertificateRef is supported",
        ));
    }
    let reference = &validation.ca_certificate_refs[0];
    let group = reference.group.as_deref().unwrap_or_default();
    let kind = reference.kind.as_deref().unwrap_or_default();
    let name = reference.name.as_deref().unwrap_or_default();
    let ref_namespace = reference.namespace.as_deref().unwrap_or(namespace);
    let text = format!(
        "{group}/{kind}/{name}.{}",
        reference.namespace.as_deref().unwrap_or_default()
    );
    let (scheme, grant_kind) = match (group, kind) {
        ("", "Secret") => ("kubernetes-gateway", "Secret"),
        _ => ("configmap", "ConfigMap"),
    };
    if ref_namespace != namespace
        && !world.grant_allows(owner_kind, namespace, grant_kind, ref_namespace, name)
    {
        return Err(ListenerError::new(
            "RefNotPermitted",
            format!(
                "caCertificateRef {ref_namespace}/{name} not accessible to a Gateway in namespace {namespace:?} (missing a ReferenceGrant?)"
            ),
        ));
    }
    let bundle_ok = match (group, kind) {
        ("", "ConfigMap") => match world.config_map(ref_namespace, name).map(|o| &o.spec) {
            Some(Spec::ConfigMap(map)) => map
                .data
                .as_ref()
                .and_then(|data| data.get("ca.crt"))
                .is_some_and(|pem| pem.contains("-----BEGIN CERTIFICATE-----")),
            _ => {
                return Err(ListenerError::new(
                    "InvalidCACertificateRef",
                    format!("invalid CA certificate reference {text}, configmap {ref_namespace}/{name} not found"),
                ))
            }
        },
        ("", "Secret") => match world.secret(ref_namespace, name).map(|o| &o.spec) {
            Some(Spec::Secret { keys, credential_problems, .. }) => {
                keys.iter().any(|k| k == "ca.crt") && !unparsable(credential_problems)
            }
            _ => {
                return Err(ListenerError::new(
                    "InvalidCACertificateRef",
                    format!("invalid CA certificate reference {text}, secret {ref_namespace}/{name} not found"),
                ))
            }
        },
        _ => {
            return Err(ListenerError::new(
                "InvalidCACertificateKind",
                format!("invalid CA certificate reference {text}, only secret and configmap are allowed"),
            ))
        }
    };
    if !bundle_ok {
        return Err(ListenerError::new(
            "InvalidCACertificateRef",
            format!("invalid CA certificate reference {text}, the bundle is malformed"),
        ));
    }
    out.mode = Some(net::ServerTLSMode::Mutual);
    out.insecure_skip_verify = Some(false);
    if validation.mode == Some(gw::FrontendValidationMode::AllowInsecureFallback) {
        out.mode = Some(net::ServerTLSMode::OptionalMutual);
        out.insecure_skip_verify = Some(true);
    }
    out.ca_cert_credential_name = Some(format!("{scheme}://{ref_namespace}/{name}-cacert"));
    match terminate_mode.map(String::as_str) {
        Some("MUTUAL") => {
            out.mode = Some(net::ServerTLSMode::Mutual);
            out.insecure_skip_verify = Some(false);
        }
        Some("OPTIONAL_MUTUAL") => {
            out.mode = Some(net::ServerTLSMode::OptionalMutual);
            out.insecure_skip_verify = Some(false);
        }
        _ => {}
    }
    Ok(())
}

/// `buildSecretReference`, after the ReferenceGrant check: the credential
/// name of a certificate Secret.
fn certificate(
    world: &World<'_>,
    namespace: &str,
    owner_kind: &str,
    reference: &gw::SecretObjectReference,
) -> Result<String, ListenerError> {
    let group = reference.group.as_deref().unwrap_or_default();
    let kind = reference.kind.as_deref().unwrap_or("Secret");
    let name = reference.name.as_deref().unwrap_or_default();
    let secret_namespace = reference.namespace.as_deref().unwrap_or(namespace);
    if secret_namespace != namespace
        && !world.grant_allows(owner_kind, namespace, "Secret", secret_namespace, name)
    {
        return Err(ListenerError::new(
            "RefNotPermitted",
            format!(
                "certificateRef {name}/{secret_namespace} not accessible to a Gateway in namespace {namespace:?} (missing a ReferenceGrant?)"
            ),
        ));
    }
    let text = format!(
        "{}/{}/{name}.{}",
        reference.group.as_deref().unwrap_or_default(),
        reference.kind.as_deref().unwrap_or_default(),
        reference.namespace.as_deref().unwrap_or_default()
    );
    if !(group.is_empty() || group == "core") || kind != "Secret" {
        return Err(ListenerError::new(
            "InvalidCertificateRef",
            format!("invalid certificate reference {text}, only secret is allowed"),
        ));
    }
    match world.secret(secret_namespace, name).map(|o| &o.spec) {
        Some(Spec::Secret {
            keys,
            credential_problems,
            ..
        }) => {
            if let Some(error) = missing_key_pair(keys) {
                return Err(ListenerError::new(
                    "InvalidCertificateRef",
                    format!("invalid certificate reference {text}, {error}"),
                ));
            }
            if unparsable(credential_problems) {
                let why = key_pair_error(credential_problems)
                    .map(|error| format!(": {error}"))
                    .unwrap_or_default();
                return Err(ListenerError::new(
                    "InvalidCertificateRef",
                    format!(
                        "invalid certificate reference {text}, the certificate is malformed{why}"
                    ),
                ));
            }
            Ok(format!("kubernetes-gateway://{secret_namespace}/{name}"))
        }
        _ => Err(ListenerError::new(
            "InvalidCertificateRef",
            format!(
                "invalid certificate reference {text}, secret {secret_namespace}/{name} not found"
            ),
        )),
    }
}

/// `ExtractCertInfo`'s error for a Secret without a key pair: istiod reads
/// a generic `cert`/`key` pair or `tls.crt`/`tls.key`. Only key names are
/// kept, so a present but empty value counts as present.
fn missing_key_pair(keys: &[String]) -> Option<String> {
    let has = |key: &str| keys.iter().any(|k| k == key);
    if (has("cert") && has("key")) || (has("tls.crt") && has("tls.key")) {
        return None;
    }
    Some(format!(
        "found secret, but didn't have expected keys (cert and key) or (tls.crt and tls.key); found: {}",
        truncated_keys_message(keys.iter().map(String::as_str))
    ))
}

/// `validateBackendClientCertificateRef`: why the Gateway's client
/// certificate for backends (`spec.tls.backend.clientCertificateRef`) is
/// unusable, if it is: reason and message.
fn backend_client_certificate_problem(
    world: &World<'_>,
    namespace: &str,
    spec: &gw::GatewaySpec,
) -> Option<(&'static str, String)> {
    let reference = spec
        .tls
        .as_ref()?
        .backend
        .as_ref()?
        .client_certificate_ref
        .as_ref()?;
    let group = reference.group.as_deref().unwrap_or_default();
    let kind = reference.kind.as_deref().unwrap_or("Secret");
    let name = reference.name.as_deref().unwrap_or_default();
    let text = format!(
        "{}/{}/{name}.{}",
        reference.group.as_deref().unwrap_or_default(),
        reference.kind.as_deref().unwrap_or_default(),
        reference.namespace.as_deref().unwrap_or_default()
    );
    let invalid = |message: String| Some(("InvalidClientCertificateRef", message));
    if !group.is_empty() || kind != "Secret" {
        return invalid(format!(
            "invalid clientCertificateRef {text}, only secret is allowed"
        ));
    }
    let secret_namespace = reference.namespace.as_deref().unwrap_or(namespace);
    let Some(Spec::Secret {
        keys,
        credential_problems,
        ..
    }) = world.secret(secret_namespace, name).map(|o| &o.spec)
    else {
        return invalid(format!(
            "invalid clientCertificateRef {text}, secret {secret_namespace}/{name} not found"
        ));
    };
    if let Some(error) = missing_key_pair(keys) {
        return invalid(format!("invalid clientCertificateRef {text}, {error}"));
    }
    if unparsable(credential_problems) {
        let why = key_pair_error(credential_problems)
            .map(|error| format!(": {error}"))
            .unwrap_or_default();
        return invalid(format!(
            "invalid clientCertificateRef {text}, the certificate is malformed{why}"
        ));
    }
    if secret_namespace != namespace
        && !world.grant_allows("Gateway", namespace, "Secret", secret_namespace, name)
    {
        return Some((
            "RefNotPermitted",
            format!(
                "clientCertificateRef {name}/{secret_namespace} not accessible to a Gateway in namespace {namespace:?} (missing a ReferenceGrant?)"
            ),
        ));
    }
    None
}

/// `validateParametersRef`: a Gateway's `infrastructure.parametersRef` must
/// name an existing ConfigMap of its namespace.
fn parameters_problem(
    world: &World<'_>,
    namespace: &str,
    spec: &gw::GatewaySpec,
) -> Option<String> {
    let reference = spec.infrastructure.as_ref()?.parameters_ref.as_ref()?;
    let group = reference.group.as_deref().unwrap_or_default();
    let kind = reference.kind.as_deref().unwrap_or_default();
    let name = reference.name.as_deref().unwrap_or_default();
    if !group.is_empty() || kind != "ConfigMap" {
        return Some(format!(
            "Unsupported parametersRef group/kind {group}/{kind}, only ConfigMap is supported"
        ));
    }
    world
        .config_map(namespace, name)
        .is_none()
        .then(|| format!("parametersRef ConfigMap {namespace}/{name} does not exist"))
}

/// Go's `tls.X509KeyPair` error for the first unreadable half of a key
/// pair. The problem found does not tell "no PEM data" from "PEM blocks of
/// other types"; the first is what a malformed Secret usually holds.
fn key_pair_error(problems: &[crate::model::credentials::CredentialProblem]) -> Option<String> {
    let problem_of = |keys: &[&str], text: &str| {
        problems
            .iter()
            .any(|p| keys.contains(&p.key.as_str()) && p.problem == text)
    };
    if problem_of(&["tls.crt", "cert"], "is not a PEM certificate") {
        return Some("tls: failed to find any PEM data in certificate input".into());
    }
    if problem_of(&["tls.key", "key"], "is not a PEM private key") {
        return Some("tls: failed to find any PEM data in key input".into());
    }
    None
}

/// Whether a Secret's credentials do not parse. An expired certificate
/// still parses: istiod serves it (`tls.X509KeyPair` does not check dates).
fn unparsable(problems: &[crate::model::credentials::CredentialProblem]) -> bool {
    problems
        .iter()
        .any(|p| !p.problem.starts_with("holds a certificate that expired"))
}

/// `unexpectedEastWestWaypointListener`, negated: port 15008 is the HBONE
/// listener terminating TLS, every other port TLS passthrough. An unset
/// TLS mode is the CRD default, Terminate.
fn east_west_listener_expected(listener: &gw::Listener) -> bool {
    let mode = listener
        .tls
        .as_ref()
        .map(|tls| tls.mode.unwrap_or(gw::TLSModeType::Terminate));
    let protocol = listener.protocol.as_deref().unwrap_or_default();
    if listener.port == Some(15008) {
        return protocol == "HBONE" && mode == Some(gw::TLSModeType::Terminate);
    }
    protocol == "TLS" && mode == Some(gw::TLSModeType::Passthrough)
}

/// `IsAutoPassthrough`: a passthrough listener asking for it in its
/// options, or on the network gateway port (15443, or the
/// `networking.istio.io/gatewayPort` label) of an owner labelled with its
/// network.
fn is_auto_passthrough(
    labels: &BTreeMap<String, String>,
    tls: &gw::ListenerTLSConfig,
    port: i32,
) -> bool {
    if tls
        .options
        .get("gateway.istio.io/listener-protocol")
        .map(String::as_str)
        == Some("auto-passthrough")
    {
        return true;
    }
    if !labels.contains_key("topology.istio.io/network") {
        return false;
    }
    let expected = labels
        .get("networking.istio.io/gatewayPort")
        .map_or("15443", String::as_str);
    port.to_string() == expected
}

/// `IsManaged`: istiod deploys the gateway unless it names a Hostname address.
fn is_managed(spec: &gw::GatewaySpec) -> bool {
    match spec.addresses.as_slice() {
        [] => true,
        [only] => only.r#type.as_deref().is_none_or(|t| t == "IPAddress"),
        _ => false,
    }
}

/// `listenerProtocolToIstio`.
fn listener_protocol(controller: &str, protocol: &str) -> Result<String, String> {
    match protocol {
        "HTTP" | "HTTPS" | "TLS" | "TCP" => Ok(protocol.to_string()),
        "HBONE" if controller == WAYPOINT_CONTROLLER || controller == EAST_WEST_CONTROLLER => {
            Ok(protocol.to_string())
        }
        "HBONE" => Err(format!(
            "protocol {protocol:?} is only supported for waypoint proxies"
        )),
        _ => {
            let upper = protocol.to_uppercase();
            if ["HTTP", "HTTPS", "TLS", "TCP", "HBONE"].contains(&upper.as_str()) {
                Err(format!(
                    "protocol {protocol:?} is unsupported. hint: {upper:?} (uppercase) may be supported"
                ))
            } else {
                Err(format!("protocol {protocol:?} is unsupported"))
            }
        }
    }
}

/// `GenerateGatewaySupportedKinds`: the route kinds a listener admits, and
/// whether every kind it lists is supported.
fn supported_kinds(listener: &gw::Listener) -> (Vec<String>, bool) {
    let protocol = listener.protocol.as_deref().unwrap_or_default();
    let mut supported: Vec<&str> = match protocol {
        "HTTP" | "HTTPS" => vec!["HTTPRoute", "GRPCRoute"],
        "TCP" => vec!["TCPRoute"],
        "TLS" => vec!["TLSRoute"],
        _ => vec![],
    };
    let terminate = listener.tls.as_ref().is_some_and(|tls| {
        tls.mode.unwrap_or(gw::TLSModeType::Terminate) == gw::TLSModeType::Terminate
    });
    if protocol == "TLS" && listener.tls.is_some() && terminate {
        supported.push("TCPRoute");
    }
    let listed = listener
        .allowed_routes
        .as_ref()
        .map(|allowed| allowed.kinds.as_slice())
        .unwrap_or_default();
    if listed.is_empty() {
        return (supported.into_iter().map(str::to_string).collect(), true);
    }
    let intersection: Vec<String> = supported
        .into_iter()
        .filter(|kind| {
            listed.iter().any(|listed| {
                listed.kind.as_deref() == Some(*kind)
                    && listed
                        .group
                        .as_deref()
                        .unwrap_or("gateway.networking.k8s.io")
                        == "gateway.networking.k8s.io"
            })
        })
        .map(str::to_string)
        .collect();
    let complete = intersection.len() == listed.len();
    (intersection, complete)
}

/// `buildHostnameMatch`: `NAMESPACE/HOSTNAME` for each namespace routes
/// may come from; `~/HOSTNAME` when none.
fn hostname_match(world: &World<'_>, namespace: &str, listener: &gw::Listener) -> Vec<String> {
    let hostname = listener.hostname.as_deref().unwrap_or("*");
    let namespaces = listener
        .allowed_routes
        .as_ref()
        .and_then(|allowed| allowed.namespaces.as_ref());
    let allowed: Vec<String> = match namespaces.and_then(|n| n.from) {
        None | Some(gw::FromNamespaces::Same) => vec![namespace.to_string()],
        Some(gw::FromNamespaces::All) => vec!["*".to_string()],
        Some(gw::FromNamespaces::Selector) => match namespaces.and_then(|n| n.selector.as_ref()) {
            None => vec!["*".to_string()],
            Some(selector) => world.namespaces_where(|labels| selector_matches(selector, labels)),
        },
    };
    let hosts: Vec<String> = allowed
        .iter()
        .filter(|ns| !ns.is_empty())
        .map(|ns| format!("{ns}/{hostname}"))
        .collect();
    if hosts.is_empty() {
        vec![format!("~/{hostname}")]
    } else {
        hosts
    }
}

/// A Kubernetes label selector (`matchLabels` and `matchExpressions`);
/// an unknown operator matches nothing, as an invalid selector does.
pub(super) fn selector_matches(
    selector: &gw::LabelSelector,
    labels: &BTreeMap<String, String>,
) -> bool {
    selector
        .match_labels
        .iter()
        .all(|(key, value)| labels.get(key) == Some(value))
        && selector.match_expressions.iter().all(|expression| {
            let key = expression.key.as_deref().unwrap_or_default();
            let value = labels.get(key);
            match expression.operator.as_deref() {
                Some("In") => value.is_some_and(|v| expression.values.contains(v)),
                Some("NotIn") => value.is_none_or(|v| !expression.values.contains(v)),
                Some("Exists") => value.is_some(),
                Some("DoesNotExist") => value.is_none(),
                _ => false,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::super::Conversion;

    fn run(yaml: &str) -> Conversion {
        super::super::convert_text(yaml, Default::default())
    }

    fn conditions(conversion: &Conversion) -> Vec<String> {
        conversion
            .conditions
            .iter()
            .map(|c| {
                format!(
                    "{} | {} | {}={} {}",
                    c.origin,
                    c.place,
                    c.condition_type,
                    if c.status { "True" } else { "False" },
                    c.reason
                )
            })
            .collect()
    }

    /// A Gateway whose deployment Service exists, with `listeners`.
    fn gateway(listeners: &str) -> String {
        format!("apiVersion: v1\nkind: Service\nmetadata: {{name: gw-istio, namespace: infra}}\nspec: {{ports: [{{name: http, port: 80}}]}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: gw, namespace: infra}}\nspec:\n  gatewayClassName: istio\n  allowedListeners: {{namespaces: {{from: Same}}}}\n  listeners: {listeners}\n")
    }

    #[test]
    fn listeners_losing_to_an_earlier_one_on_their_port_are_conflicted() {
        let conversion = run(&gateway(
            "[{name: a, port: 80, protocol: HTTP, hostname: a.example}, {name: b, port: 80, protocol: HTTP, hostname: a.example}, {name: c, port: 80, protocol: TCP}, {name: d, port: 80, protocol: HTTP, hostname: d.example}]",
        ));
        let conflict = |listener: &str, reason: &str| {
            ["Accepted=False", "Programmed=False", "Conflicted=True"].map(|condition| {
                format!("Gateway infra/gw | listener {listener} | {condition} {reason}")
            })
        };
        let mut want: Vec<String> = conflict("b", "HostnameConflict").to_vec();
        want.extend(conflict("c", "ProtocolConflict"));
        assert_eq!(conditions(&conversion), want);
        // The conflicted listeners generate no Istio Gateway; the others do.
        let names: Vec<&str> = conversion
            .generated
            .iter()
            .map(|g| g.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "gw~istio-autogenerated-k8s-gateway~a",
                "gw~istio-autogenerated-k8s-gateway~d"
            ]
        );
    }

    #[test]
    fn listener_sets_report_refusal_and_listeners_not_valid() {
        let set = |name: &str, namespace: &str, listeners: &str| {
            format!("---\napiVersion: gateway.networking.k8s.io/v1\nkind: ListenerSet\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec:\n  parentRef: {{name: gw, namespace: infra}}\n  listeners: {listeners}\n")
        };
        let conversion = run(&format!(
            "{}{}{}{}",
            gateway("[{name: a, port: 80, protocol: HTTP}]"),
            set(
                "elsewhere",
                "other",
                "[{name: x, port: 80, protocol: HTTP, hostname: x.example}]"
            ),
            set(
                "same-port",
                "infra",
                "[{name: y, port: 80, protocol: HTTP}]"
            ),
            set(
                "fine",
                "infra",
                "[{name: z, port: 80, protocol: HTTP, hostname: z.example}]"
            ),
        ));
        assert_eq!(
            conditions(&conversion),
            [
                "ListenerSet other/elsewhere | status | Accepted=False NotAllowed",
                "ListenerSet other/elsewhere | status | Programmed=False NotAllowed",
                "ListenerSet infra/same-port | listener y | Accepted=False HostnameConflict",
                "ListenerSet infra/same-port | listener y | Programmed=False HostnameConflict",
                "ListenerSet infra/same-port | listener y | Conflicted=True HostnameConflict",
                "ListenerSet infra/same-port | status | Accepted=False ListenersNotValid",
                "ListenerSet infra/same-port | status | Programmed=False ListenersNotValid",
            ]
        );
    }
    #[test]
    fn a_missing_parameters_config_map_and_client_certificate_are_reported() {
        let yaml = gateway("[{name: a, port: 80, protocol: HTTP}]").replace(
            "  gatewayClassName: istio\n",
            "  gatewayClassName: istio\n  infrastructure: {parametersRef: {group: \"\", kind: ConfigMap, name: params}}\n  tls: {backend: {clientCertificateRef: {name: client}}}\n",
        );
        let conversion = run(&yaml);
        let found: Vec<String> = conversion
            .conditions
            .iter()
            .map(|c| format!("{} {}: {}", c.condition_type, c.reason, c.message))
            .collect();
        assert_eq!(
            found,
            [
                "Accepted InvalidParameters: parametersRef ConfigMap infra/params does not exist",
                "ResolvedRefs InvalidClientCertificateRef: invalid clientCertificateRef //client., secret infra/client not found",
            ]
        );
    }
    #[test]
    fn passthrough_on_the_network_gateway_port_is_auto_passthrough() {
        let yaml = gateway(
            "[{name: cross, port: 15443, protocol: TLS, hostname: \"*.local\", tls: {mode: Passthrough}}, {name: other, port: 15012, protocol: TLS, tls: {mode: Passthrough}}]",
        )
        .replace(
            "metadata: {name: gw, namespace: infra}",
            "metadata: {name: gw, namespace: infra, labels: {topology.istio.io/network: n1}}",
        );
        let conversion = run(&yaml);
        let modes: Vec<(String, serde_json::Value)> = conversion
            .generated
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    g.to_json()["spec"]["servers"][0]["tls"].clone(),
                )
            })
            .collect();
        assert_eq!(
            modes,
            [
                (
                    "gw~istio-autogenerated-k8s-gateway~cross".to_string(),
                    serde_json::json!({"mode": "AUTO_PASSTHROUGH"})
                ),
                // PASSTHROUGH is protobuf's default: an empty message.
                (
                    "gw~istio-autogenerated-k8s-gateway~other".to_string(),
                    serde_json::json!({})
                ),
            ]
        );
    }
}
