//! Helpers shared by the security rules. They belong in
//! `src/analyze/proxyless.rs` (or the index) but live here so the security
//! area owns them: the ports a proxyless server listens on, the
//! PeerAuthentication mode of one of those ports (with `portLevelMtls`), the
//! AuthorizationPolicies that reach proxyless servers, and the pod spec of a
//! workload.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::analyze::proxyless::TLS_MODE_LABEL;
use crate::analyze::Context;
use crate::grpc_support::{Feature, Gap, Runtime};
use crate::index::{Service, Workload};
use crate::model::security::{AuthorizationPolicyAction, AuthorizationPolicySpec, MutualTLSMode};
use crate::model::{Object, Spec};
use crate::source::FieldPath;

/// The pod spec of a Pod or of a controller's pod template.
pub fn pod_spec<'a>(context: &Context<'a>, workload: &Workload) -> Option<&'a PodSpec> {
    let object = context.index.object(workload.object);
    match &object.spec {
        Spec::Pod(pod) => pod.spec.as_ref(),
        spec => crate::index::pod_template(spec).and_then(|t| t.spec.as_ref()),
    }
}

/// A container port number from a probe or Service `targetPort`: a number,
/// or the name of a container port of the workload.
pub fn resolve_port(context: &Context<'_>, workload: &Workload, port: &str) -> Option<u32> {
    if let Ok(number) = port.parse::<u32>() {
        return Some(number);
    }
    let spec = pod_spec(context, workload)?;
    crate::model::pod::all_containers(spec)
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some(port))
        .and_then(|p| u32::try_from(p.container_port).ok())
}

pub fn int_or_string(value: &IntOrString) -> String {
    match value {
        IntOrString::Int(number) => number.to_string(),
        IntOrString::String(text) => text.clone(),
    }
}

/// The ports a proxyless server gets a server Listener for: the `targetPort`
/// (the `port` when unset) of every Service port that selects it (spec §2.3),
/// with the Service and the index of the port in it.
pub fn listening_ports<'a>(
    context: &Context<'a>,
    workload: &'a Workload,
) -> Vec<(u32, &'a Service, usize)> {
    let mut ports = Vec::new();
    for service in context.index.services_selecting(workload) {
        for (i, port) in service.ports.iter().enumerate() {
            let target = match &port.target_port {
                Some(target) => resolve_port(context, workload, target),
                None => Some(port.port),
            };
            if let Some(target) = target {
                ports.push((target, service, i));
            }
        }
    }
    ports
}

/// What a proxyless server's Listener on one port accepts, and what decided it.
#[derive(Debug, Clone)]
pub struct PortTls<'a> {
    pub mtls: bool,
    pub mode: MutualTLSMode,
    /// The PeerAuthentication that set the mode, if any.
    pub policy: Option<&'a Object>,
    /// The field of `policy` that set it (`spec.mtls.mode` or
    /// `spec.portLevelMtls.<port>.mode`).
    pub field: Option<FieldPath>,
}

impl PortTls<'_> {
    /// mTLS that comes from the pod label turning PERMISSIVE into STRICT.
    pub fn strict_from_label(&self) -> bool {
        self.mtls && self.mode != MutualTLSMode::Strict
    }
}

pub fn mode_name(mode: MutualTLSMode) -> &'static str {
    match mode {
        MutualTLSMode::Unset => "UNSET",
        MutualTLSMode::Disable => "DISABLE",
        MutualTLSMode::Permissive => "PERMISSIVE",
        MutualTLSMode::Strict => "STRICT",
    }
}

/// The mode of one port of a proxyless server, as istiod's gRPC generator
/// decides it (spec §2.4): the workload's mode from
/// [`Context::server_tls`], overridden by a `portLevelMtls` entry keyed by
/// the target port in a PeerAuthentication with a selector that matches the
/// workload (the first by name when several do); then PERMISSIVE is mTLS only
/// with the `security.istio.io/tlsMode: istio` label.
pub fn port_tls<'a>(context: &Context<'a>, workload: &Workload, port: u32) -> PortTls<'a> {
    let base = context.server_tls(workload);
    let mut mode = base.mode;
    let mut policy = base.policy;
    let mut field = base
        .policy
        .map(|_| FieldPath::root().field("spec").field("mtls").field("mode"));
    let key = port.to_string();
    let mut port_level: Vec<(&'a Object, MutualTLSMode)> = context
        .index
        .policies_for(workload)
        .into_iter()
        .map(|id| context.index.object(id))
        .filter_map(|object| match &object.spec {
            Spec::PeerAuthentication(spec)
                if crate::index::policy_selector(&object.spec).is_some() =>
            {
                let mode = spec.port_level_mtls.get(&key)?.mode?;
                (mode != MutualTLSMode::Unset).then_some((object, mode))
            }
            _ => None,
        })
        .collect();
    port_level.sort_by(|a, b| a.0.meta.name.cmp(&b.0.meta.name));
    if let Some(&(object, port_mode)) = port_level.first() {
        mode = port_mode;
        policy = Some(object);
        field = Some(
            FieldPath::root()
                .field("spec")
                .field("portLevelMtls")
                .field(&key)
                .field("mode"),
        );
    }
    let labelled = workload
        .labels
        .get(TLS_MODE_LABEL)
        .is_some_and(|v| v == "istio");
    let mtls = match mode {
        MutualTLSMode::Strict => true,
        MutualTLSMode::Disable => false,
        MutualTLSMode::Permissive | MutualTLSMode::Unset => labelled,
    };
    PortTls {
        mtls,
        mode,
        policy,
        field,
    }
}

/// An AuthorizationPolicy that istiod's gRPC generator turns into RBAC for
/// some proxyless servers.
pub struct Authz<'a> {
    pub object: &'a Object,
    pub spec: &'a AuthorizationPolicySpec,
    pub action: AuthorizationPolicyAction,
    pub servers: Vec<&'a Workload>,
}

/// Proxyless workloads a policy selects that are servers: a Service selects
/// them, so they get a server Listener (a pure client has none, and server
/// policies do nothing to it).
pub fn proxyless_servers_selected_by<'a>(
    context: &Context<'a>,
    policy: &Object,
) -> Vec<&'a Workload> {
    context
        .proxyless_selected_by(policy)
        .into_iter()
        .filter(|w| !listening_ports(context, w).is_empty())
        .collect()
}

/// AuthorizationPolicies selecting at least one proxyless server. Policies
/// attached with `targetRef(s)` apply to gateways and waypoints, never to a
/// proxyless pod, so they are left out. Gathered once, for the ten rules
/// that ask.
pub fn authorization_policies<'c, 'a>(context: &'c Context<'a>) -> &'c [Authz<'a>] {
    context.proxyless_authorization_policies(|| gather_authorization_policies(context))
}

fn gather_authorization_policies<'a>(context: &Context<'a>) -> Vec<Authz<'a>> {
    context
        .index
        .objects
        .iter()
        .filter_map(|object| {
            let Spec::AuthorizationPolicy(spec) = &object.spec else {
                return None;
            };
            if spec.target_ref.is_some() || !spec.target_refs.is_empty() {
                return None;
            }
            let servers = proxyless_servers_selected_by(context, object);
            (!servers.is_empty()).then_some(Authz {
                object,
                spec,
                action: spec.action.unwrap_or_default(),
                servers,
            })
        })
        .collect()
}

/// The path of `spec.rules[i]`.
pub fn rule_path(i: usize) -> FieldPath {
    FieldPath::root().field("spec").field("rules").index(i)
}

/// Gaps of a feature among workloads whose runtime is known (`--grpc LANG`
/// or the workload annotation). With `--grpc any` the security rules assume
/// a current release of a language that has xDS servers and xDS security
/// (C++, Java, Go), so they stay silent rather than name languages nobody
/// said were in use.
pub fn known_runtime_gaps<'a>(
    context: &Context<'a>,
    workloads: &[&'a Workload],
    feature: Feature,
) -> Option<(Vec<&'a Workload>, Vec<Gap>)> {
    let mut affected = Vec::new();
    let mut gaps: Vec<Gap> = Vec::new();
    for &workload in workloads {
        let runtime = context.runtime_of(workload);
        if runtime == Runtime::Any {
            continue;
        }
        let found = runtime.gaps(feature);
        if !found.is_empty() {
            affected.push(workload);
            gaps.extend(found);
        }
    }
    gaps.sort();
    gaps.dedup();
    (!affected.is_empty()).then_some((affected, gaps))
}

/// The action, as written in YAML.
pub fn action_name(action: AuthorizationPolicyAction) -> &'static str {
    match action {
        AuthorizationPolicyAction::Allow => "ALLOW",
        AuthorizationPolicyAction::Deny => "DENY",
        AuthorizationPolicyAction::Audit => "AUDIT",
        AuthorizationPolicyAction::Custom => "CUSTOM",
    }
}

/// "ignored by gRPC Go 1.40 (added in 1.41)": what runtimes lacking a
/// feature do with it, and which.
pub fn gaps_text(feature: Feature, gaps: &[Gap]) -> String {
    format!(
        "{} by {}",
        crate::grpc_support::row(feature).when_unsupported.verb(),
        crate::grpc_support::describe_gaps(gaps)
    )
}
