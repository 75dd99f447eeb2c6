//! Which AuthorizationPolicies apply to a workload, as istiod selects them:
//! those of its namespace whose selector matches it (or that have none),
//! and those of the root namespace — mesh-wide without a selector, on every
//! namespace's matching workloads with one. Policies attached by
//! `targetRef(s)` apply to gateways and waypoints, never to a pod's own
//! proxy or gRPC server.

use std::collections::BTreeMap;

use crate::index::{labels_match, policy_selector, Index, DEFAULT_NAMESPACE};
use crate::model::{Object, Spec};

/// Whether the AuthorizationPolicy `policy` applies to a workload in
/// `namespace` with `labels`.
pub fn applies(
    index: &Index,
    policy: &Object,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    let Spec::AuthorizationPolicy(spec) = &policy.spec else {
        return false;
    };
    if spec.target_ref.is_some() || !spec.target_refs.is_empty() {
        return false;
    }
    let owner = policy.namespace_or(DEFAULT_NAMESPACE);
    let selects = policy_selector(&policy.spec).is_none_or(|s| labels_match(s, labels));
    selects && (owner == namespace || owner == index.mesh_config.root_namespace)
}

/// The AuthorizationPolicies that apply to a workload: the root
/// namespace's first, then by namespace and name.
pub fn policies_for<'a>(
    index: &'a Index,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Vec<&'a Object> {
    let root = index.mesh_config.root_namespace.as_str();
    let mut found: Vec<&Object> = index
        .policies_in(namespace)
        .iter()
        .chain(if namespace == root {
            &[][..]
        } else {
            index.policies_in(root)
        })
        .map(|&id| index.object(id))
        .filter(|object| applies(index, object, namespace, labels))
        .collect();
    found.sort_by_key(|object| {
        let ns = object.namespace_or(DEFAULT_NAMESPACE);
        (ns != root, ns.to_string(), object.meta.name.clone())
    });
    found.dedup_by_key(|object| (object.meta.namespace.clone(), object.meta.name.clone()));
    found
}
