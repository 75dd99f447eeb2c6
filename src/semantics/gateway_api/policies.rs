//! Backend policies → DestinationRules (`DestinationRuleCollection` in
//! `gw/backend_policies.go`): BackendTLSPolicy, XBackendTrafficPolicy and
//! the TLS of XBackends each contribute settings for a (target, host); the
//! contributions of one (target, host) merge into one DestinationRule, the
//! oldest policy winning each setting. The policies' own status (ancestor
//! conditions) is computed alongside.

use std::collections::BTreeSet;

use super::conditions::{reference_place, truncated_keys_message, Condition};
use super::filters::{proto_duration, try_parse_duration};
use super::world::{World, DEFAULT_NAMESPACE};
use super::{Generated, GeneratedSpec, Ignored, SourceField, GENERATED_SUFFIX, PARENTS_ANNOTATION};
use crate::model::gateway_api as gw;
use crate::model::networking as net;
use crate::model::{Object, Spec};
use crate::source::FieldPath;

/// The annotation that makes istiod leave a policy alone.
const IGNORE_ANNOTATION: &str = "istio.io/ignore-policy-attachment";
/// istiod caps a policy's ancestors at 16 (`mergeAncestors`), an XBackend's at 32.
const MAX_POLICY_ANCESTORS: usize = 16;
const MAX_BACKEND_ANCESTORS: usize = 32;
/// `credentials.InvalidSecretTypeURI`: a credential that blocks traffic.
const INVALID_CREDENTIAL: &str = "invalid://";

/// A kind a policy can target or a route can send to, as istiod keys it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TargetKind {
    Service,
    ServiceEntry,
    XBackend,
}

impl TargetKind {
    /// The kind of a `group`/`kind` reference, when it is one of these.
    fn of(group: &str, kind: &str) -> Option<TargetKind> {
        match (group, kind) {
            ("", "Service") => Some(TargetKind::Service),
            ("networking.istio.io", "ServiceEntry") => Some(TargetKind::ServiceEntry),
            ("gateway.networking.x-k8s.io", "XBackend") => Some(TargetKind::XBackend),
            _ => None,
        }
    }
}

/// What a DestinationRule is generated for: a target and one of its hosts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Target {
    kind: TargetKind,
    namespace: String,
    name: String,
}

/// One policy's contribution to the DestinationRule of a (target, host)
/// (`BackendPolicy`).
struct Contribution {
    /// `BackendTLSPolicy/default.name`, as `internal.istio.io/parents` lists it.
    parent: String,
    source: SourceField,
    target: Target,
    host: String,
    /// TLS for the named port only (a targetRef's `sectionName`).
    section_name: Option<String>,
    /// TLS for this port number only (an XBackend's port).
    port: Option<u32>,
    tls: Option<net::ClientTLSSettings>,
    load_balancer: Option<net::LoadBalancerSettings>,
    retry_budget: Option<net::RetryBudget>,
}

/// A problem a policy's status reports, with the field it is about.
#[derive(Clone)]
struct Problem {
    reason: &'static str,
    message: String,
    field: FieldPath,
}

impl Problem {
    fn new(reason: &'static str, message: impl Into<String>, field: FieldPath) -> Problem {
        Problem {
            reason,
            message: message.into(),
            field,
        }
    }
}

/// The `Accepted` and `ResolvedRefs` problems of a policy so far. istiod
/// clones its condition map per target but the conditions are shared
/// pointers, so a problem found for one target stays on every later
/// ancestor entry; this struct is carried along the same way.
#[derive(Clone, Default)]
struct PolicyProblems {
    accepted: Option<Problem>,
    resolved_refs: Option<Problem>,
}

/// Where one policy's conditions go.
struct StatusSink<'o> {
    object: usize,
    origin: String,
    out: &'o mut Vec<Condition>,
    entries: usize,
    max_entries: usize,
}

impl StatusSink<'_> {
    /// One status entry (an ancestor or parent) with the problems known now.
    fn entry(&mut self, place: String, problems: &PolicyProblems) {
        if self.entries == self.max_entries {
            return;
        }
        self.entries += 1;
        for (condition_type, problem) in [
            ("Accepted", &problems.accepted),
            ("ResolvedRefs", &problems.resolved_refs),
        ] {
            if let Some(problem) = problem {
                self.out.push(Condition {
                    object: self.object,
                    origin: self.origin.clone(),
                    place: place.clone(),
                    field: problem.field.clone(),
                    condition_type: condition_type.to_string(),
                    status: false,
                    reason: problem.reason.to_string(),
                    message: problem.message.clone(),
                });
            }
        }
    }
}

/// The DestinationRules istiod derives from backend policies and
/// XBackends, and the conditions it writes on them.
pub(super) fn destination_rules(
    world: &World<'_>,
    conditions: &mut Vec<Condition>,
) -> Vec<Generated> {
    let ancestors = RouteAncestors::new(world);
    let mut contributions = Vec::new();
    // Oldest first (creation time, namespace, name): the oldest policy wins.
    let policies = world.ordered(|object| match &object.spec {
        Spec::BackendTLSPolicy(_) => Some(()),
        Spec::XBackendTrafficPolicy(_) if world.features.alpha_gateway_api => Some(()),
        Spec::XBackend(_) if world.features.alpha_gateway_api => Some(()),
        _ => None,
    });
    for (id, ()) in policies {
        let object = world.object(id);
        match &object.spec {
            Spec::BackendTLSPolicy(spec) => {
                tls_policy(world, &ancestors, id, spec, &mut contributions, conditions)
            }
            Spec::XBackendTrafficPolicy(spec) => {
                traffic_policy(world, id, spec, &mut contributions, conditions)
            }
            Spec::XBackend(spec) => {
                backend(world, &ancestors, id, spec, &mut contributions, conditions)
            }
            _ => {}
        }
    }
    merge(world, contributions)
}

/// Policies istiod leaves alone because of their annotation.
pub(super) fn report_ignored(world: &World<'_>, ignored: &mut Vec<Ignored>) {
    for (id, object) in world.objects.iter().enumerate() {
        let policy = match &object.spec {
            Spec::BackendTLSPolicy(_) => true,
            Spec::XBackendTrafficPolicy(_) => world.features.alpha_gateway_api,
            _ => false,
        };
        if policy && is_ignored(object) {
            ignored.push(Ignored {
                object: id,
                reason: format!("it is annotated {IGNORE_ANNOTATION}=true"),
            });
        }
    }
}

fn is_ignored(object: &Object) -> bool {
    object
        .meta
        .annotations
        .get(IGNORE_ANNOTATION)
        .is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

fn origin(kind: &str, object: &Object) -> String {
    format!(
        "{kind} {}/{}",
        object.namespace_or(DEFAULT_NAMESPACE),
        object.meta.name
    )
}

fn target_ref_field(index: usize) -> FieldPath {
    FieldPath::root()
        .field("spec")
        .field("targetRefs")
        .index(index)
}

/// `ReferenceSet.LocalPolicyTargetRef`: a same-namespace reference to a
/// Service, ServiceEntry, ConfigMap or Secret (the kinds istiod registers).
enum Referent<'a> {
    Service(&'a Object),
    ServiceEntry(&'a Object),
    /// A ConfigMap's `data`.
    ConfigMap(&'a Object),
    Secret,
}

fn local_reference<'a>(
    world: &World<'a>,
    namespace: &str,
    group: &str,
    kind: &str,
    name: &str,
) -> Result<Referent<'a>, String> {
    let found = match (group, kind) {
        ("", "Service") => world.service(namespace, name).map(Referent::Service),
        ("networking.istio.io", "ServiceEntry") => world
            .service_entry(namespace, name)
            .map(Referent::ServiceEntry),
        ("", "ConfigMap") => world.config_map(namespace, name).map(Referent::ConfigMap),
        ("", "Secret") => world.secret(namespace, name).map(|_| Referent::Secret),
        _ => return Err(format!("unsupported kind {kind}")),
    };
    found.ok_or_else(|| format!("reference {namespace}/{name} (of kind {kind}) not found"))
}

/// The port names of a Service or ServiceEntry, with their numbers.
fn named_ports(object: &Object) -> Vec<(String, u32)> {
    match &object.spec {
        Spec::Service(service) => service
            .spec
            .as_ref()
            .and_then(|spec| spec.ports.as_ref())
            .map(|ports| {
                ports
                    .iter()
                    .map(|p| {
                        (
                            p.name.clone().unwrap_or_default(),
                            u32::try_from(p.port).unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Spec::ServiceEntry(entry) => entry
            .ports
            .iter()
            .map(|p| (p.name.clone().unwrap_or_default(), p.number.unwrap_or(0)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The client TLS a validation block asks for (`BackendTLSPolicyCollection`,
/// `backendResourceTLSSettings`), before the credential is resolved.
fn client_tls(validation: &gw::BackendTLSPolicyValidation) -> net::ClientTLSSettings {
    net::ClientTLSSettings {
        mode: Some(net::ClientTLSMode::Simple),
        sni: validation.hostname.clone().filter(|h| !h.is_empty()),
        subject_alt_names: validation
            .subject_alt_names
            .iter()
            .filter_map(|name| match name.r#type {
                Some(gw::SubjectAltNameType::Hostname) => {
                    Some(name.hostname.clone().unwrap_or_default())
                }
                Some(gw::SubjectAltNameType::URI) => Some(name.uri.clone().unwrap_or_default()),
                None => None,
            })
            .collect(),
        ..Default::default()
    }
}

/// `getBackendTLSCredentialName`: the credential of the CA bundle a
/// validation names (only the first `caCertificateRefs` entry counts, and
/// only ConfigMaps); an unusable reference yields a credential that blocks
/// traffic.
fn ca_credential(
    world: &World<'_>,
    namespace: &str,
    validation: &gw::BackendTLSPolicyValidation,
    validation_field: &FieldPath,
    problems: &mut PolicyProblems,
) -> Option<String> {
    if let Some(well_known) = &validation.well_known_ca_certificates {
        if well_known != "System" {
            problems.accepted = Some(Problem::new(
                "Invalid",
                format!("Unknown wellKnownCACertificates: {well_known}"),
                validation_field.clone().field("wellKnownCACertificates"),
            ));
        }
        return None;
    }
    let reference = validation.ca_certificate_refs.first()?;
    let field = validation_field.clone().field("caCertificateRefs").index(0);
    let group = reference.group.as_deref().unwrap_or_default();
    let kind = reference.kind.as_deref().unwrap_or_default();
    let name = reference.name.as_deref().unwrap_or_default();
    let error = match local_reference(world, namespace, group, kind, name) {
        Ok(Referent::ConfigMap(object)) => match ca_bundle_problem(object) {
            None => return Some(format!("configmap://{namespace}/{name}")),
            Some(error) => {
                problems.resolved_refs = Some(Problem::new(
                    "InvalidCACertificateRef",
                    format!("Certificate invalid: {error}"),
                    field.clone(),
                ));
                error
            }
        },
        Ok(_) => {
            // Secrets are not supported yet (istiod's TODO), nor other kinds.
            let error = format!("unsupported reference kind: {kind}");
            problems.resolved_refs = Some(Problem::new(
                "InvalidKind",
                format!("Certificate reference invalid: {error}"),
                field.clone(),
            ));
            error
        }
        Err(error) if error.contains("unsupported kind") => {
            problems.resolved_refs = Some(Problem::new(
                "InvalidKind",
                format!("Certificate reference not supported: {error}"),
                field.clone(),
            ));
            error
        }
        Err(error) => {
            problems.resolved_refs = Some(Problem::new(
                "InvalidCACertificateRef",
                format!("Certificate reference not found: {error}"),
                field.clone(),
            ));
            error
        }
    };
    problems.accepted = Some(Problem::new(
        "NoValidCACertificate",
        format!("Certificate reference invalid: {error}"),
        field,
    ));
    Some(INVALID_CREDENTIAL.to_string())
}

/// `kubesecrets.ExtractRootFromString`: why a ConfigMap holds no CA bundle.
fn ca_bundle_problem(object: &Object) -> Option<String> {
    let Spec::ConfigMap(map) = &object.spec else {
        return Some("not a ConfigMap".into());
    };
    let empty = Default::default();
    let data = map.data.as_ref().unwrap_or(&empty);
    let has_value = |key: &str| data.get(key).is_some_and(|v| !v.is_empty());
    if has_value("cacert") || has_value("ca.crt") {
        return None;
    }
    for key in ["cacert", "ca.crt"] {
        if data.contains_key(key) {
            return Some(format!("found key {key:?}, but it was empty"));
        }
    }
    let found = truncated_keys_message(data.keys().map(String::as_str));
    Some(format!(
        "found secret, but didn't have expected keys cacert or ca.crt; found: {found}"
    ))
}

/// `BackendTLSPolicyCollection`.
fn tls_policy(
    world: &World<'_>,
    ancestors: &RouteAncestors,
    id: usize,
    spec: &gw::BackendTLSPolicySpec,
    contributions: &mut Vec<Contribution>,
    conditions: &mut Vec<Condition>,
) {
    let object = world.object(id);
    let namespace = object.namespace_or(DEFAULT_NAMESPACE);
    let mut sink = StatusSink {
        object: id,
        origin: origin("BackendTLSPolicy", object),
        out: conditions,
        entries: 0,
        max_entries: MAX_POLICY_ANCESTORS,
    };
    if is_ignored(object) {
        let problems = PolicyProblems {
            accepted: Some(ignored_problem()),
            resolved_refs: None,
        };
        for target in &spec.target_refs {
            sink.entry(ancestor_place_of_target(target), &problems);
        }
        return;
    }
    let mut problems = PolicyProblems::default();
    let empty = gw::BackendTLSPolicyValidation::default();
    let validation = spec.validation.as_ref().unwrap_or(&empty);
    let validation_field = FieldPath::root().field("spec").field("validation");
    let mut tls = client_tls(validation);
    tls.credential_name = ca_credential(
        world,
        namespace,
        validation,
        &validation_field,
        &mut problems,
    );
    let mut gateways = BTreeSet::new();
    for (index, target) in spec.target_refs.iter().enumerate() {
        let field = target_ref_field(index);
        let group = target.group.as_deref().unwrap_or_default();
        let kind = target.kind.as_deref().unwrap_or_default();
        let name = target.name.as_deref().unwrap_or_default();
        let section = target.section_name.as_deref().filter(|s| !s.is_empty());
        let resolved = local_reference(world, namespace, group, kind, name).and_then(|found| {
            let (target_kind, object, kind_name) = match found {
                Referent::Service(object) => (TargetKind::Service, object, "Service"),
                Referent::ServiceEntry(object) => {
                    (TargetKind::ServiceEntry, object, "ServiceEntry")
                }
                _ => return Err(format!("unsupported reference kind: {kind}")),
            };
            if let Some(section) = section {
                if !named_ports(object).iter().any(|(port, _)| port == section) {
                    return Err(format!(
                        "sectionName {section:?} does not exist in {kind_name} {namespace}/{name}"
                    ));
                }
            }
            Ok((target_kind, object))
        });
        match resolved {
            Err(error) => {
                problems.accepted = Some(Problem::new(
                    "TargetNotFound",
                    format!("targetRefs invalid: {error}"),
                    field.clone(),
                ));
            }
            Ok((target_kind, target_object)) => {
                let resolved_target = Target {
                    kind: target_kind,
                    namespace: namespace.to_string(),
                    name: name.to_string(),
                };
                if let Some(winner) = conflicting_tls_policy(world, id, object, target) {
                    problems.accepted = Some(Problem::new(
                        "Conflicted",
                        format!(
                            "Conflicts with BackendTLSPolicy {winner:?} targeting the same backend"
                        ),
                        field.clone(),
                    ));
                } else {
                    let hosts = match &target_object.spec {
                        Spec::ServiceEntry(entry) => entry.hosts.clone(),
                        _ => vec![crate::index::service_host(name, namespace, &world.domain)],
                    };
                    for host in hosts {
                        contributions.push(Contribution {
                            parent: format!("BackendTLSPolicy/{namespace}.{}", object.meta.name),
                            source: SourceField {
                                object: id,
                                field: field.clone(),
                            },
                            target: resolved_target.clone(),
                            host,
                            section_name: section.map(str::to_string),
                            port: None,
                            tls: Some(tls.clone()),
                            load_balancer: None,
                            retry_budget: None,
                        });
                    }
                }
                gateways.extend(ancestors.gateways_of(&resolved_target).cloned());
            }
        }
        sink.entry(ancestor_place_of_target(target), &problems);
    }
    // Gateway ancestors get the problems as they stand after the last target.
    for (_, gateway) in gateways {
        sink.entry(
            reference_place("ancestor", "Gateway", None, &gateway, None, None),
            &problems,
        );
    }
}

fn ancestor_place_of_target(target: &gw::LocalPolicyTargetReferenceWithSectionName) -> String {
    reference_place(
        "ancestor",
        target.kind.as_deref().unwrap_or_default(),
        None,
        target.name.as_deref().unwrap_or_default(),
        target.section_name.as_deref(),
        None,
    )
}

fn ignored_problem() -> Problem {
    Problem::new(
        "IgnoredByIstio",
        format!("Ignored by Istio due to annotation {IGNORE_ANNOTATION}=true"),
        FieldPath::root()
            .field("metadata")
            .field("annotations")
            .field(IGNORE_ANNOTATION),
    )
}

/// `btlsIsConflicted`: the name of an older BackendTLSPolicy (by creation
/// time, then name) of the namespace with the same targetRef, if any.
/// istiod tells policies apart by UID; objects read from files have none,
/// so each object is its own policy here, as each has its own UID in a
/// cluster.
fn conflicting_tls_policy(
    world: &World<'_>,
    id: usize,
    object: &Object,
    target: &gw::LocalPolicyTargetReferenceWithSectionName,
) -> Option<String> {
    let namespace = object.namespace_or(DEFAULT_NAMESPACE);
    let priority = |o: &Object| (crate::semantics::creation_order(o).0, o.meta.name.clone());
    world
        .objects
        .iter()
        .enumerate()
        .filter(|(other_id, other)| {
            *other_id != id
                && other.namespace_or(DEFAULT_NAMESPACE) == namespace
                && !is_ignored(other)
                && priority(other) < priority(object)
        })
        .find(|(_, other)| match &other.spec {
            Spec::BackendTLSPolicy(spec) => spec.target_refs.iter().any(|t| {
                t.group == target.group
                    && t.kind == target.kind
                    && t.name == target.name
                    && t.section_name == target.section_name
            }),
            _ => false,
        })
        .map(|(_, other)| other.meta.name.clone())
}

/// `BackendTrafficPolicyCollection`: XBackendTrafficPolicy on Services.
fn traffic_policy(
    world: &World<'_>,
    id: usize,
    spec: &gw::XBackendTrafficPolicySpec,
    contributions: &mut Vec<Contribution>,
    conditions: &mut Vec<Condition>,
) {
    let object = world.object(id);
    let namespace = object.namespace_or(DEFAULT_NAMESPACE);
    let mut sink = StatusSink {
        object: id,
        origin: origin("XBackendTrafficPolicy", object),
        out: conditions,
        entries: 0,
        max_entries: MAX_POLICY_ANCESTORS,
    };
    let place = |target: &gw::LocalParametersReference| {
        reference_place(
            "ancestor",
            target.kind.as_deref().unwrap_or_default(),
            None,
            target.name.as_deref().unwrap_or_default(),
            None,
            None,
        )
    };
    if is_ignored(object) {
        let problems = PolicyProblems {
            accepted: Some(ignored_problem()),
            resolved_refs: None,
        };
        for target in &spec.target_refs {
            sink.entry(place(target), &problems);
        }
        return;
    }
    let retry_budget = spec.retry_constraint.as_ref().map(retry_budget);
    let mut problems = PolicyProblems::default();
    for (index, target) in spec.target_refs.iter().enumerate() {
        let field = target_ref_field(index);
        let group = target.group.as_deref().unwrap_or_default();
        let kind = target.kind.as_deref().unwrap_or_default();
        let name = target.name.as_deref().unwrap_or_default();
        match local_reference(world, namespace, group, kind, name) {
            Ok(Referent::Service(_)) => contributions.push(Contribution {
                parent: format!("XBackendTrafficPolicy/{namespace}.{}", object.meta.name),
                source: SourceField {
                    object: id,
                    field: field.clone(),
                },
                target: Target {
                    kind: TargetKind::Service,
                    namespace: namespace.to_string(),
                    name: name.to_string(),
                },
                host: crate::index::service_host(name, namespace, &world.domain),
                section_name: None,
                port: None,
                tls: None,
                // istiod always sets an empty load balancer: the default.
                load_balancer: Some(net::LoadBalancerSettings::default()),
                retry_budget: retry_budget.clone(),
            }),
            found => {
                let error = match found {
                    Err(error) => error,
                    Ok(_) => format!("unsupported reference kind: {kind}"),
                };
                problems.accepted = Some(Problem::new(
                    "TargetNotFound",
                    format!("targetRefs invalid: {error}"),
                    field,
                ));
            }
        }
        sink.entry(place(target), &problems);
    }
}

/// `retryConstraint` → `retryBudget`, with the Gateway API defaults istiod
/// applies (interval 10s, minimum concurrency 10).
fn retry_budget(constraint: &gw::XBackendTrafficPolicyRetryConstraint) -> net::RetryBudget {
    let budget = constraint.budget.as_ref();
    let interval = budget
        .and_then(|b| b.interval.as_deref())
        .and_then(try_parse_duration)
        .unwrap_or(10_000_000_000);
    net::RetryBudget {
        percent: budget.and_then(|b| b.percent).map(|p| p as f64),
        budget_interval: Some(proto_duration(interval)),
        min_retry_concurrency: Some(
            constraint
                .min_retry_rate
                .as_ref()
                .and_then(|rate| rate.count)
                .map_or(10, |count| u32::try_from(count).unwrap_or(0)),
        ),
    }
}

/// `BackendResourcePolicyCollection`: an XBackend's TLS, for its host and port.
fn backend(
    world: &World<'_>,
    ancestors: &RouteAncestors,
    id: usize,
    spec: &gw::XBackendSpec,
    contributions: &mut Vec<Contribution>,
    conditions: &mut Vec<Condition>,
) {
    let object = world.object(id);
    let namespace = object.namespace_or(DEFAULT_NAMESPACE);
    let name = &object.meta.name;
    let mut problems = PolicyProblems::default();
    let this = Target {
        kind: TargetKind::XBackend,
        namespace: namespace.to_string(),
        name: name.clone(),
    };
    let hostname = spec
        .external_hostname
        .as_ref()
        .map(|h| h.hostname.clone().unwrap_or_default());
    match (spec.r#type, hostname) {
        (Some(gw::XBackendType::ExternalHostname), Some(hostname)) => {
            if let Some(tls) = backend_tls(world, namespace, spec, &hostname, &mut problems) {
                contributions.push(Contribution {
                    parent: format!("XBackend/{namespace}.{name}"),
                    source: SourceField {
                        object: id,
                        field: FieldPath::root().field("spec").field("tls"),
                    },
                    target: this.clone(),
                    host: hostname,
                    section_name: None,
                    port: Some(
                        spec.port
                            .as_ref()
                            .and_then(|p| p.port)
                            .map_or(0, |p| u32::try_from(p).unwrap_or(0)),
                    ),
                    tls: Some(tls),
                    load_balancer: None,
                    retry_budget: None,
                });
            }
        }
        (backend_type, _) => {
            let backend_type = backend_type.map_or(String::new(), |t| format!("{t:?}"));
            problems.accepted = Some(Problem::new(
                "Invalid",
                format!("unsupported backend type: {backend_type}"),
                FieldPath::root().field("spec").field("type"),
            ));
        }
    }
    let mut sink = StatusSink {
        object: id,
        origin: origin("XBackend", object),
        out: conditions,
        entries: 0,
        max_entries: MAX_BACKEND_ANCESTORS,
    };
    sink.entry(
        reference_place("parent", "XBackend", None, name, None, None),
        &problems,
    );
    for (gateway_namespace, gateway) in ancestors.gateways_of(&this) {
        sink.entry(
            reference_place(
                "parent",
                "Gateway",
                Some(gateway_namespace),
                gateway,
                None,
                None,
            ),
            &problems,
        );
    }
}

/// `backendResourceTLSSettings`: the client TLS of an XBackend, if any.
fn backend_tls(
    world: &World<'_>,
    namespace: &str,
    spec: &gw::XBackendSpec,
    hostname: &str,
    problems: &mut PolicyProblems,
) -> Option<net::ClientTLSSettings> {
    let tls = spec.tls.as_ref()?;
    let mode_field = FieldPath::root().field("spec").field("tls").field("mode");
    match tls.mode {
        Some(gw::BackendTLSMode::ServerOnly) => {}
        Some(gw::BackendTLSMode::None) => return None,
        Some(gw::BackendTLSMode::ClientAndServer) => {
            problems.accepted = Some(Problem::new(
                "Invalid",
                "unsupported ClientAndServer TLS mode: Istio does not support client certificates on backend",
                mode_field,
            ));
            return None;
        }
        None => {
            problems.accepted = Some(Problem::new(
                "Invalid",
                "unsupported TLS mode: \"\"",
                mode_field,
            ));
            return None;
        }
    }
    let empty = gw::BackendTLSPolicyValidation::default();
    let validation = tls.validation.as_ref().unwrap_or(&empty);
    let mut settings = client_tls(validation);
    // Validation is optional on an XBackend: SNI falls back to its host.
    if settings.sni.is_none() && !hostname.is_empty() {
        settings.sni = Some(hostname.to_string());
    }
    let validation_field = FieldPath::root()
        .field("spec")
        .field("tls")
        .field("validation");
    settings.credential_name =
        ca_credential(world, namespace, validation, &validation_field, problems);
    Some(settings)
}

/// `extractAncestorBackends`: which Gateways each backend is reached
/// through, from the parentRefs and backendRefs of every route (accepted
/// or not, as istiod indexes them).
struct RouteAncestors {
    pairs: BTreeSet<(Target, (String, String))>,
}

impl RouteAncestors {
    fn new(world: &World<'_>) -> RouteAncestors {
        let mut pairs = BTreeSet::new();
        for object in world.objects {
            let namespace = object.namespace_or(DEFAULT_NAMESPACE);
            let Some((parents, backend_refs)) = super::backends::route_references(&object.spec)
            else {
                continue;
            };
            let backends: Vec<Target> = backend_refs
                .iter()
                .filter_map(|b| {
                    Some(Target {
                        kind: TargetKind::of(
                            b.group.unwrap_or_default(),
                            b.kind.unwrap_or("Service"),
                        )?,
                        namespace: b.namespace.unwrap_or(namespace).to_string(),
                        name: b.name.to_string(),
                    })
                })
                .collect();
            let gateways: Vec<(String, String)> = parents
                .iter()
                .filter(|p| {
                    p.group.as_deref().unwrap_or("gateway.networking.k8s.io")
                        == "gateway.networking.k8s.io"
                        && p.kind.as_deref().unwrap_or("Gateway") == "Gateway"
                })
                .map(|p| {
                    (
                        p.namespace.as_deref().unwrap_or(namespace).to_string(),
                        p.name.clone().unwrap_or_default(),
                    )
                })
                .collect();
            for target in backends {
                for gateway in &gateways {
                    pairs.insert((target.clone(), gateway.clone()));
                }
            }
        }
        RouteAncestors { pairs }
    }

    /// The Gateways (namespace, name) a backend is reached through, sorted
    /// as istiod sorts them (`namespace/name`).
    fn gateways_of<'s>(&'s self, target: &Target) -> impl Iterator<Item = &'s (String, String)> {
        let target = target.clone();
        self.pairs
            .iter()
            .filter(move |(t, _)| *t == target)
            .map(|(_, gateway)| gateway)
    }
}

/// The DestinationRule of each (target, host), from its contributions,
/// oldest first: the first TLS, load balancer and retry budget win; a
/// port's TLS is set by the first policy naming that port.
fn merge(world: &World<'_>, contributions: Vec<Contribution>) -> Vec<Generated> {
    let mut keys: Vec<(Target, String)> = contributions
        .iter()
        .map(|c| (c.target.clone(), c.host.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for (target, host) in keys {
        let mut policy = net::TrafficPolicy::default();
        let mut named_port_tls: Vec<(String, net::ClientTLSSettings)> = Vec::new();
        let mut numbered_port_tls: Vec<(u32, net::ClientTLSSettings)> = Vec::new();
        let mut parents: Vec<String> = Vec::new();
        let mut sources = Vec::new();
        for contribution in contributions
            .iter()
            .filter(|c| c.target == target && c.host == host)
        {
            if let Some(tls) = &contribution.tls {
                if let Some(port) = contribution.port {
                    if !numbered_port_tls.iter().any(|(p, _)| *p == port) {
                        numbered_port_tls.push((port, tls.clone()));
                    }
                } else if let Some(section) = &contribution.section_name {
                    if !named_port_tls.iter().any(|(s, _)| s == section) {
                        named_port_tls.push((section.clone(), tls.clone()));
                    }
                } else if policy.tls.is_some() {
                    // A later service-wide TLS loses entirely, parent included.
                    continue;
                } else {
                    policy.tls = Some(tls.clone());
                }
            }
            if let Some(load_balancer) = &contribution.load_balancer {
                if policy.load_balancer.is_some() {
                    continue;
                }
                policy.load_balancer = Some(Box::new(load_balancer.clone()));
            }
            if let Some(budget) = &contribution.retry_budget {
                if policy.retry_budget.is_some() {
                    continue;
                }
                policy.retry_budget = Some(budget.clone());
            }
            if !parents.contains(&contribution.parent) {
                parents.push(contribution.parent.clone());
            }
            sources.push(contribution.source.clone());
        }
        let ports = match target.kind {
            TargetKind::Service => world.service(&target.namespace, &target.name),
            TargetKind::ServiceEntry => world.service_entry(&target.namespace, &target.name),
            TargetKind::XBackend => None,
        }
        .map(named_ports)
        .unwrap_or_default();
        let mut port_settings: Vec<(u32, net::ClientTLSSettings)> = named_port_tls
            .into_iter()
            .map(|(section, tls)| {
                let number = ports
                    .iter()
                    .find(|(name, _)| *name == section)
                    .map_or(0, |(_, number)| *number);
                (number, tls)
            })
            .chain(numbered_port_tls)
            .collect();
        port_settings.sort_by_key(|(number, _)| *number);
        policy.port_level_settings = port_settings
            .into_iter()
            .map(|(number, tls)| net::PortTrafficPolicy {
                // Port 0 (unresolved) is proto3's default: written as `port: {}`.
                port: Some(net::PortSelector {
                    number: (number != 0).then_some(number),
                }),
                tls: Some(tls),
                ..Default::default()
            })
            .collect();
        let name = match target.kind {
            TargetKind::Service => format!("{}~{GENERATED_SUFFIX}", target.name),
            TargetKind::ServiceEntry | TargetKind::XBackend => format!(
                "{}~{}~{GENERATED_SUFFIX}",
                target.name,
                host.replace('.', "-")
            ),
        };
        out.push(Generated {
            name,
            namespace: target.namespace.clone(),
            annotations: [(PARENTS_ANNOTATION.to_string(), parents.join(","))].into(),
            spec: GeneratedSpec::DestinationRule(net::DestinationRuleSpec {
                host: Some(host),
                traffic_policy: Some(Box::new(policy)),
                ..Default::default()
            }),
            sources,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Conversion, IstiodFeatures};
    use super::*;

    fn run(yaml: &str) -> Conversion {
        super::super::convert_text(
            yaml,
            IstiodFeatures {
                alpha_gateway_api: true,
                ..Default::default()
            },
        )
    }

    /// The DestinationRules as `name: spec` JSON, and the conditions as
    /// `origin | place | type | reason | message`.
    fn summary(conversion: &Conversion) -> (Vec<String>, Vec<String>) {
        let rules = conversion
            .generated
            .iter()
            .filter(|g| g.kind() == super::super::GeneratedKind::DestinationRule)
            .map(|g| {
                let json = g.to_json();
                format!(
                    "{}/{} [{}] {}",
                    g.namespace,
                    g.name,
                    g.annotations[PARENTS_ANNOTATION],
                    sorted_keys(&json["spec"])
                )
            })
            .collect();
        let conditions = conversion
            .conditions
            .iter()
            .map(|c| {
                format!(
                    "{} | {} | {} | {} | {}",
                    c.origin, c.place, c.condition_type, c.reason, c.message
                )
            })
            .collect();
        (rules, conditions)
    }

    /// JSON text with object keys sorted, to compare with a literal.
    fn sorted_keys(value: &serde_json::Value) -> String {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let fields: Vec<String> = entries
                    .into_iter()
                    .map(|(k, v)| format!("{k:?}:{}", sorted_keys(v)))
                    .collect();
                format!("{{{}}}", fields.join(","))
            }
            serde_json::Value::Array(items) => {
                let items: Vec<String> = items.iter().map(sorted_keys).collect();
                format!("[{}]", items.join(","))
            }
            other => other.to_string(),
        }
    }

    const WORLD: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: echo, namespace: default}\nspec: {ports: [{name: http, port: 80}, {name: https, port: 443}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ca, namespace: default}\ndata: {ca.crt: \"-----BEGIN CERTIFICATE-----\"}\n";

    fn tls_policy(name: &str, created: &str, target: &str, ca: &str) -> String {
        format!("---\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata: {{name: {name}, namespace: default, creationTimestamp: \"{created}\"}}\nspec:\n  targetRefs: [{target}]\n  validation:\n    hostname: echo.example.com\n    caCertificateRefs: [{{group: \"\", kind: ConfigMap, name: {ca}}}]\n")
    }

    #[test]
    fn the_oldest_tls_policy_wins_a_service_and_the_newer_one_is_conflicted() {
        let conversion = run(&format!(
            "{WORLD}{}{}{}",
            tls_policy(
                "newer",
                "2024-02-01T00:00:00Z",
                "{group: \"\", kind: Service, name: echo}",
                "ca"
            ),
            tls_policy(
                "older",
                "2024-01-01T00:00:00Z",
                "{group: \"\", kind: Service, name: echo}",
                "ca"
            ),
            tls_policy(
                "port",
                "2024-03-01T00:00:00Z",
                "{group: \"\", kind: Service, name: echo, sectionName: https}",
                "ca"
            ),
        ));
        let (rules, conditions) = summary(&conversion);
        assert_eq!(
            rules,
            [
                r#"default/echo~istio-autogenerated-k8s-gateway [BackendTLSPolicy/default.older,BackendTLSPolicy/default.port] {"host":"echo.default.svc.cluster.local","trafficPolicy":{"portLevelSettings":[{"port":{"number":443},"tls":{"credentialName":"configmap://default/ca","mode":"SIMPLE","sni":"echo.example.com"}}],"tls":{"credentialName":"configmap://default/ca","mode":"SIMPLE","sni":"echo.example.com"}}}"#
            ]
        );
        assert_eq!(
            conditions,
            ["BackendTLSPolicy default/newer | ancestor Service echo | Accepted | Conflicted | Conflicts with BackendTLSPolicy \"older\" targeting the same backend"]
        );
    }

    #[test]
    fn unusable_targets_and_ca_bundles_are_reported_and_block_traffic() {
        let conversion = run(&format!(
            "{WORLD}{}{}",
            tls_policy(
                "missing-ca",
                "2024-01-01T00:00:00Z",
                "{group: \"\", kind: Service, name: echo}",
                "nope"
            ),
            tls_policy(
                "bad-port",
                "2024-01-02T00:00:00Z",
                "{group: \"\", kind: Service, name: other}",
                "ca"
            ),
        ));
        let (rules, conditions) = summary(&conversion);
        // The policy without its CA still makes a DestinationRule, with a
        // credential that fails every handshake.
        assert_eq!(rules.len(), 1);
        assert!(
            rules[0].contains(r#""credentialName":"invalid://""#),
            "{}",
            rules[0]
        );
        assert_eq!(
            conditions,
            [
                "BackendTLSPolicy default/missing-ca | ancestor Service echo | Accepted | NoValidCACertificate | Certificate reference invalid: reference default/nope (of kind ConfigMap) not found",
                "BackendTLSPolicy default/missing-ca | ancestor Service echo | ResolvedRefs | InvalidCACertificateRef | Certificate reference not found: reference default/nope (of kind ConfigMap) not found",
                "BackendTLSPolicy default/bad-port | ancestor Service other | Accepted | TargetNotFound | targetRefs invalid: reference default/other (of kind Service) not found",
            ]
        );
    }

    #[test]
    fn a_traffic_policy_merges_with_a_tls_policy_into_one_destination_rule() {
        let conversion = run(&format!(
            "{WORLD}{}---\napiVersion: gateway.networking.x-k8s.io/v1alpha1\nkind: XBackendTrafficPolicy\nmetadata: {{name: budget, namespace: default, creationTimestamp: \"2024-02-01T00:00:00Z\"}}\nspec:\n  targetRefs: [{{group: \"\", kind: Service, name: echo}}, {{group: \"\", kind: ConfigMap, name: ca}}]\n  retryConstraint: {{budget: {{percent: 25}}}}\n",
            tls_policy("tls", "2024-01-01T00:00:00Z", "{group: \"\", kind: Service, name: echo}", "ca"),
        ));
        let (rules, conditions) = summary(&conversion);
        // Gateway API defaults for the interval (10s) and minimum (10).
        assert_eq!(
            rules,
            [
                r#"default/echo~istio-autogenerated-k8s-gateway [BackendTLSPolicy/default.tls,XBackendTrafficPolicy/default.budget] {"host":"echo.default.svc.cluster.local","trafficPolicy":{"loadBalancer":{},"retryBudget":{"budgetInterval":"10s","minRetryConcurrency":10,"percent":25.0},"tls":{"credentialName":"configmap://default/ca","mode":"SIMPLE","sni":"echo.example.com"}}}"#
            ]
        );
        assert_eq!(
            conditions,
            ["XBackendTrafficPolicy default/budget | ancestor ConfigMap ca | Accepted | TargetNotFound | targetRefs invalid: unsupported reference kind: ConfigMap"]
        );
    }

    #[test]
    fn an_xbackend_with_server_tls_gets_port_tls_and_client_certificates_are_rejected() {
        let backend = |name: &str, host: &str, mode: &str| {
            format!("---\napiVersion: gateway.networking.x-k8s.io/v1alpha1\nkind: XBackend\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  type: ExternalHostname\n  externalHostname: {{hostname: {host}}}\n  port: {{port: 443}}\n  tls: {{mode: {mode}}}\n")
        };
        let route = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: default}\nspec:\n  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{group: gateway.networking.x-k8s.io, kind: XBackend, name: mtls}]}]\n";
        let conversion = run(&format!(
            "{WORLD}{}{}{route}",
            backend("plain-tls", "api.example.com", "ServerOnly"),
            backend("mtls", "mtls.example.com", "ClientAndServer"),
        ));
        let (rules, conditions) = summary(&conversion);
        // No validation: SNI falls back to the backend's hostname.
        assert_eq!(
            rules,
            [
                r#"default/plain-tls~api-example-com~istio-autogenerated-k8s-gateway [XBackend/default.plain-tls] {"host":"api.example.com","trafficPolicy":{"portLevelSettings":[{"port":{"number":443},"tls":{"mode":"SIMPLE","sni":"api.example.com"}}]}}"#
            ]
        );
        let message = "unsupported ClientAndServer TLS mode: Istio does not support client certificates on backend";
        let backend_conditions: Vec<_> = conditions
            .iter()
            .filter(|c| c.starts_with("XBackend"))
            .cloned()
            .collect();
        // One entry for the mesh, one per Gateway a route reaches it through.
        assert_eq!(
            backend_conditions,
            [
                format!("XBackend default/mtls | parent XBackend mtls | Accepted | Invalid | {message}"),
                format!("XBackend default/mtls | parent Gateway infra/gw | Accepted | Invalid | {message}"),
            ]
        );
    }

    #[test]
    fn a_policy_annotated_to_be_ignored_generates_nothing() {
        let policy = tls_policy(
            "skip",
            "2024-01-01T00:00:00Z",
            "{group: \"\", kind: Service, name: echo}",
            "ca",
        )
        .replace(
            "namespace: default,",
            "namespace: default, annotations: {istio.io/ignore-policy-attachment: \"True\"},",
        );
        let conversion = run(&format!("{WORLD}{policy}"));
        let (rules, conditions) = summary(&conversion);
        assert!(rules.is_empty(), "{rules:?}");
        assert_eq!(
            conditions,
            ["BackendTLSPolicy default/skip | ancestor Service echo | Accepted | IgnoredByIstio | Ignored by Istio due to annotation istio.io/ignore-policy-attachment=true"]
        );
        assert_eq!(conversion.ignored.len(), 1);
    }
}
