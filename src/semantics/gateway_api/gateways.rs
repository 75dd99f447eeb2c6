//! Gateways and ListenerSets → an Istio `Gateway` per listener
//! (`GatewayCollection`, `ListenerSetCollection`, `buildListener`,
//! `buildTLS`, `buildHostnameMatch`, `extractGatewayServices`).

use std::collections::BTreeMap;

use super::conditions::Condition;
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
const WAYPOINT_CONTROLLER: &str = "istio.io/mesh-controller";
const EAST_WEST_CONTROLLER: &str = "istio.io/eastwest-controller";

/// One listener of a Gateway (or ListenerSet): the parent routes bind to,
/// and the Istio Gateway it becomes when valid.
pub(super) struct Listener {
    pub parent: ParentInfo,
    pub generated: Option<Generated>,
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
        if context.services.is_empty() && !is_managed(spec) {
            // Only Hostname addresses are supported; with none left the
            // Gateway is a hard failure (`extractGatewayServices`).
            let skipped: Vec<&str> = spec
                .addresses
                .iter()
                .filter_map(|address| address.value.as_deref())
                .collect();
            conditions.push(Condition {
                object: id,
                origin: format!("Gateway {}/{}", context.namespace, object.meta.name),
                place: "status".into(),
                field: FieldPath::root().field("spec").field("addresses"),
                condition_type: "Accepted".into(),
                status: false,
                reason: "UnsupportedAddress".into(),
                message: format!(
                    "only Hostname is supported, ignoring [{}]",
                    skipped.join(" ")
                ),
            });
            continue;
        }
        for (index, listener) in spec.listeners.iter().enumerate() {
            let field = FieldPath::root()
                .field("spec")
                .field("listeners")
                .index(index);
            listeners.push(context.listener(world, id, object, listener, field, None, conditions));
        }
        // ListenerSets attached to this Gateway, in istiod's order.
        let sets = world.ordered(|candidate| match &candidate.spec {
            Spec::ListenerSet(set) => Some(set.as_ref()),
            _ => None,
        });
        for (set_id, set) in sets {
            let set_object = world.object(set_id);
            if !listener_set_attaches(set_object, set, object) {
                continue;
            }
            if !context.allows_listener_set(world, set_object) {
                ignored.push(Ignored {
                    object: set_id,
                    reason: format!(
                        "Gateway {}/{} does not allow ListenerSets from namespace {}",
                        context.namespace,
                        object.meta.name,
                        set_object.namespace_or(DEFAULT_NAMESPACE)
                    ),
                });
                continue;
            }
            for (index, listener) in set.listeners.iter().enumerate() {
                let field = FieldPath::root()
                    .field("spec")
                    .field("listeners")
                    .index(index);
                listeners.push(context.listener(
                    world,
                    set_id,
                    set_object,
                    listener,
                    field,
                    Some(&context.namespace),
                    conditions,
                ));
            }
        }
    }
    listeners
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
            vec![format!("{name}.{namespace}.svc.{}", world.domain)]
        } else {
            spec.addresses
                .iter()
                .filter(|address| address.r#type.as_deref().is_none_or(|t| t == "Hostname"))
                .filter_map(|address| address.value.clone())
                .map(|value| {
                    if value.contains('.') {
                        value
                    } else {
                        format!("{value}.{namespace}.svc.{}", world.domain)
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
        let tls = match self.server_tls(world, &namespace, object.kind(), port, listener) {
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
        let (allowed_kinds, all_kinds_supported) = supported_kinds(listener);
        if !all_kinds_supported {
            report(
                "ResolvedRefs",
                "InvalidRouteKinds",
                "Invalid route kinds".into(),
            );
        }
        let hosts = hostname_match(world, &namespace, listener);
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
        Listener { parent, generated }
    }

    /// `buildTLS`: the server TLS settings of a listener.
    fn server_tls(
        &self,
        world: &World<'_>,
        namespace: &str,
        owner_kind: &str,
        port: i32,
        listener: &gw::Listener,
    ) -> Result<Option<net::ServerTLSSettings>, ListenerError> {
        let Some(tls) = &listener.tls else {
            return Ok(None);
        };
        let mut out = net::ServerTLSSettings::default();
        let terminate_mode = tls.options.get("gateway.istio.io/tls-terminate-mode");
        match tls.mode.unwrap_or(gw::TLSModeType::Terminate) {
            gw::TLSModeType::Passthrough => {
                // PASSTHROUGH is the proto default: written as `tls: {}`.
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
            let has = |key: &str| keys.iter().any(|k| k == key);
            // istiod reads `tls.crt`/`tls.key` or a generic `cert`/`key` pair.
            let has_pair = (has("tls.crt") && has("tls.key")) || (has("cert") && has("key"));
            if !has_pair || unparsable(credential_problems) {
                return Err(ListenerError::new(
                    "InvalidCertificateRef",
                    format!("invalid certificate reference {text}, the certificate is malformed"),
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

/// Whether a Secret's credentials do not parse. An expired certificate
/// still parses: istiod serves it (`tls.X509KeyPair` does not check dates).
fn unparsable(problems: &[crate::model::credentials::CredentialProblem]) -> bool {
    problems
        .iter()
        .any(|p| !p.problem.starts_with("holds a certificate that expired"))
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
