//! What the security rules share: the ports a proxyless server listens on
//! and their PeerAuthentication mode (both decided by [`crate::semantics`]),
//! and the AuthorizationPolicies that reach proxyless servers.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::analyze::Context;
use crate::grpc_support::{Feature, Gap, Runtime};
use crate::index::{Service, Workload};
use crate::model::security::{AuthorizationPolicyAction, AuthorizationPolicySpec, MutualTLSMode};
use crate::model::{Object, Spec};
use crate::semantics::ServerMtls;
use crate::source::FieldPath;

/// The pod spec of a Pod or of a controller's pod template.
pub fn pod_spec<'a>(context: &Context<'a>, workload: &Workload) -> Option<&'a PodSpec> {
    crate::semantics::workload::pod_spec(context.index.object(workload.object))
}

/// The container ports of a workload (none without a pod spec).
fn container_ports(context: &Context<'_>, workload: &Workload) -> Vec<(Option<String>, u32)> {
    pod_spec(context, workload)
        .map(crate::semantics::workload::container_ports)
        .unwrap_or_default()
}

/// A container port number from a probe or Service `targetPort`: a number,
/// or the name of a container port of the workload.
pub fn resolve_port(context: &Context<'_>, workload: &Workload, port: &str) -> Option<u32> {
    crate::semantics::workload::resolve_target_port(port, &container_ports(context, workload))
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
    crate::semantics::workload::served_ports(
        context.index,
        &workload.namespace,
        &workload.labels,
        &container_ports(context, workload),
    )
    .into_iter()
    .map(|served| (served.target, served.service, served.position))
    .collect()
}

/// The container ports a proxyless server serves (those of `host` only,
/// when given); `[None]` for a server `--assume-proxyless` assumed with no
/// known Service: its ports are unknown, its workload-wide mode decides.
pub fn server_ports<'a>(
    context: &Context<'a>,
    workload: &'a Workload,
    host: Option<&str>,
) -> Vec<Option<u32>> {
    let ports: Vec<Option<u32>> = listening_ports(context, workload)
        .into_iter()
        .filter(|(_, service, _)| host.is_none_or(|host| service.host == host))
        .map(|(port, _, _)| Some(port))
        .collect();
    if ports.is_empty() && workload.assumed {
        vec![None]
    } else {
        ports
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

/// What the proxyless server's Listener on container `port` accepts, as
/// [`crate::semantics::peer_authentication`] decides it.
pub fn port_tls<'a>(context: &Context<'a>, workload: &Workload, port: u32) -> ServerMtls<'a> {
    context.server_mtls(workload, Some(port))
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
        .filter(|w| !server_ports(context, w, None).is_empty())
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
/// The servers of `policy` for which the gRPC model gives `rule` on the
/// RBAC policy istiod builds from its rule `i` (a verdict on another
/// policy's rule is that policy's).
pub fn servers_the_model_flags<'a>(
    context: &Context<'a>,
    policy: &Authz<'a>,
    i: usize,
    rule: &str,
) -> Vec<&'a Workload> {
    use crate::xds::client::acceptance::Part;
    let name = crate::xds::rbac::policy_name(
        policy.object.namespace_or(crate::index::DEFAULT_NAMESPACE),
        &policy.object.meta.name,
        i,
    );
    policy
        .servers
        .iter()
        .copied()
        .filter(|server| {
            context
                .server_model_says(server, rule)
                .iter()
                .any(|(_, v)| match &v.part {
                    Part::RbacUriTemplate(p)
                    | Part::RbacReservedHeader(p)
                    | Part::RbacConstantInput(p, _) => *p == name,
                    _ => false,
                })
        })
        .collect()
}

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
