//! Which AuthorizationPolicies apply to a workload, as istiod selects them:
//! those of its namespace whose selector matches it (or that have none),
//! and those of the root namespace — mesh-wide without a selector, on every
//! namespace's matching workloads with one. Policies attached by
//! `targetRef(s)` apply to gateways and waypoints, never to a pod's own
//! proxy or gRPC server.

use std::collections::BTreeMap;

use crate::index::{labels_match, policy_selector, Index, DEFAULT_NAMESPACE};
use crate::model::security::Rule;
use crate::model::{Object, Spec};
use crate::source::FieldPath;

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

/// The path of `spec.rules[rule].from[from].source`.
pub fn source_path(rule: usize, from: usize) -> FieldPath {
    FieldPath::root()
        .field("spec")
        .field("rules")
        .index(rule)
        .field("from")
        .index(from)
        .field("source")
}

/// A condition of an AuthorizationPolicy rule that reads the peer's mTLS
/// certificate: istiod turns it into an `authenticated` matcher, which a
/// plaintext connection never satisfies.
#[derive(Debug, Clone)]
pub struct PeerIdentityCondition {
    /// The field, under the rule's path.
    pub path: FieldPath,
    /// `principals`, `notNamespaces`, `source.principal`...
    pub name: String,
    /// A negated condition, which plaintext always satisfies.
    pub negated: bool,
}

/// `when` keys that read the peer's certificate.
const PEER_IDENTITY_KEYS: [&str; 3] = [
    "source.principal",
    "source.namespace",
    "source.serviceAccount",
];

/// The peer identity conditions of `rule`, whose path is `rule_path`:
/// source `principals`, `namespaces`, `serviceAccounts`, `trustDomains`
/// and their `not` forms, and `when` on the identity keys.
pub fn peer_identity_conditions(rule: &Rule, rule_path: &FieldPath) -> Vec<PeerIdentityCondition> {
    let mut found = Vec::new();
    for (j, from) in rule.from.iter().enumerate() {
        let Some(source) = &from.source else { continue };
        let base = rule_path.field("from").index(j).field("source");
        for (field, values, negated) in [
            ("principals", &source.principals, false),
            ("notPrincipals", &source.not_principals, true),
            ("namespaces", &source.namespaces, false),
            ("notNamespaces", &source.not_namespaces, true),
            ("serviceAccounts", &source.service_accounts, false),
            ("notServiceAccounts", &source.not_service_accounts, true),
            ("trustDomains", &source.trust_domains, false),
            ("notTrustDomains", &source.not_trust_domains, true),
        ] {
            if !values.is_empty() {
                found.push(PeerIdentityCondition {
                    path: base.field(field),
                    name: field.to_string(),
                    negated,
                });
            }
        }
    }
    for (k, condition) in rule.when.iter().enumerate() {
        let Some(key) = condition.key.as_deref() else {
            continue;
        };
        if PEER_IDENTITY_KEYS.contains(&key) {
            found.push(PeerIdentityCondition {
                path: rule_path.field("when").index(k).field("key"),
                name: key.to_string(),
                negated: condition.values.is_empty() && !condition.not_values.is_empty(),
            });
        }
    }
    found
}

/// Whether a rule's `to` operations can match requests to (container)
/// port `port`.
pub fn rule_matches_port(rule: &Rule, port: u32) -> bool {
    let port = port.to_string();
    rule.to.is_empty()
        || rule.to.iter().any(|to| {
            to.operation.as_ref().is_none_or(|op| {
                (op.ports.is_empty() || op.ports.contains(&port)) && !op.not_ports.contains(&port)
            })
        })
}
