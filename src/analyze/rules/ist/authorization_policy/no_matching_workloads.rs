use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::{labels_match, DEFAULT_NAMESPACE};
use crate::model::Spec;
use crate::source::FieldPath;

use super::in_mesh::{in_mesh, is_ambient, selectable, selector_text};

declare_rule! {
    /// An AuthorizationPolicy selects no workload in the mesh, so it enforces nothing.
    ///
    /// ## What it checks
    /// An AuthorizationPolicy's `selector` must match a workload in the mesh
    /// (with a sidecar, proxyless gRPC, or in ambient mode) in the policy's
    /// namespace; a policy in the root namespace (`istio-system`) is mesh-wide
    /// and may match one anywhere. A policy without a selector needs some
    /// workload in the mesh in its namespace. Pods, pod templates
    /// (Deployments...) and WorkloadEntries count; policies attached with
    /// `targetRef` or `targetRefs` are not checked (istioctl's IST0127).
    ///
    /// ## Why it matters
    /// A policy that applies to nothing is usually a typo in a label, or a
    /// namespace that is not injected: the traffic it was meant to deny or
    /// allow is not controlled at all.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: httpbin, namespace: httpbin}
    /// spec:
    ///   selector:
    ///     matchLabels: {app: httpbn}   # no such workload
    ///   action: DENY
    /// ```
    ///
    /// ## How to fix
    /// Correct the selector labels, enable injection for the workloads, or
    /// move the policy to the namespace of the workloads it should protect.
    pub static RULE = { code: "IST0127", name: "authorization-policy-matches-no-workloads", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let root = index.mesh_config.root_namespace.as_str();
    let members: Vec<_> = selectable(index)
        .into_iter()
        .filter(|s| in_mesh(index, s) || is_ambient(index, s))
        .collect();
    for object in &index.objects {
        let Spec::AuthorizationPolicy(policy) = &object.spec else {
            continue;
        };
        if policy.target_ref.is_some() || !policy.target_refs.is_empty() {
            continue;
        }
        let namespace = object.namespace_or(DEFAULT_NAMESPACE);
        let selector = policy.selector.as_ref().map(|s| &s.match_labels);
        let mesh_wide = namespace == root;
        if mesh_wide && selector.is_none() {
            continue;
        }
        let matched = members.iter().any(|member| {
            (mesh_wide || member.namespace == namespace)
                && selector.is_none_or(|labels| labels_match(labels, &member.labels))
        });
        if matched {
            continue;
        }
        let (path, labels, help) = match selector {
            Some(labels) => (
                FieldPath::root()
                    .field("spec")
                    .field("selector")
                    .field("matchLabels"),
                selector_text(labels),
                if mesh_wide {
                    "no workload in the mesh, in any namespace, has these labels".to_string()
                } else {
                    format!("no workload in the mesh in namespace {namespace:?} has these labels")
                },
            ),
            None => (
                FieldPath::root().field("spec"),
                String::new(),
                format!("namespace {namespace:?} has no workload in the mesh"),
            ),
        };
        findings
            .report(
                object,
                &path,
                format!(
                    "No matching workloads for this resource with the following labels: {labels}"
                ),
            )
            .help = Some(help);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::findings;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/traffic-and-policy/authorization-policy-matches-no-workloads.yaml");

    #[test]
    fn reports_policies_that_select_nothing_in_the_mesh() {
        assert_eq!(
            findings("authorization-policy-matches-no-workloads", FIXTURE),
            [
                "IST0127 AuthorizationPolicy shop/typo 55 spec.selector.matchLabels No matching workloads for this resource with the following labels: app=cartt",
                "IST0127 AuthorizationPolicy shop/not-injected 63 spec.selector.matchLabels No matching workloads for this resource with the following labels: app=legacy",
                "IST0127 AuthorizationPolicy istio-system/mesh-wide-typo 71 spec.selector.matchLabels No matching workloads for this resource with the following labels: version=v9",
                "IST0127 AuthorizationPolicy empty/namespace-wide 77 spec No matching workloads for this resource with the following labels: ",
            ]
        );
    }
}
