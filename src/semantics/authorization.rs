//! Which AuthorizationPolicies apply to a workload, as istiod selects them:
//! those of its namespace whose selector matches it (or that have none),
//! and those of the root namespace — mesh-wide without a selector, on every
//! namespace's matching workloads with one. Policies attached by
//! `targetRef(s)` apply to gateways and waypoints, never to a pod's own
//! proxy or gRPC server.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::index::{labels_match, policy_selector, Index, DEFAULT_NAMESPACE};
use crate::model::security::{AuthorizationPolicySpec, Rule, Source};
use crate::model::{Object, Spec};
use crate::source::FieldPath;

use super::istiod_release::{Switch, AUTHZ_SERVICE_ACCOUNTS, AUTHZ_TRUST_DOMAINS};
use super::IstioRelease;

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

/// A field of an AuthorizationPolicy that an istiod release does not know.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownField {
    /// `spec.rules[0].from[1].source.serviceAccounts`, `spec.rules[0].when[2].key`.
    pub path: FieldPath,
    /// The release that first knows it.
    pub since: &'static Switch,
}

/// What an istiod release makes of an AuthorizationPolicy.
#[derive(Debug, Clone)]
pub enum ReleaseReading<'a> {
    /// Applied: as written, or without the source fields the release does
    /// not know (`dropped`), which leaves each rule matching more peers.
    Applied {
        spec: Cow<'a, AuthorizationPolicySpec>,
        dropped: Vec<UnknownField>,
    },
    /// Refused by istiod's validating webhook, so never applied: a `when`
    /// key it does not know, or a `from.source` that the unknown fields
    /// were all of (`reason` is istiod's message).
    Refused {
        field: UnknownField,
        reason: &'static str,
    },
}

/// A source field and its `not` form, each named, with their values.
type NamedValues<'a> = [(&'static str, &'a Vec<String>); 2];

/// The source fields (and `when` key) that a switch brings.
struct IdentityFields {
    since: &'static Switch,
    known: fn(&IstioRelease) -> bool,
    when_key: &'static str,
    /// (field name, its values) for the field and its `not` form.
    fields: fn(&Source) -> NamedValues<'_>,
    clear: fn(&mut Source),
}

const IDENTITY_FIELDS: [IdentityFields; 2] = [
    IdentityFields {
        since: &AUTHZ_SERVICE_ACCOUNTS,
        known: IstioRelease::authz_service_accounts,
        when_key: "source.serviceAccount",
        fields: |s| {
            [
                ("serviceAccounts", &s.service_accounts),
                ("notServiceAccounts", &s.not_service_accounts),
            ]
        },
        clear: |s| {
            s.service_accounts.clear();
            s.not_service_accounts.clear();
        },
    },
    IdentityFields {
        since: &AUTHZ_TRUST_DOMAINS,
        known: IstioRelease::authz_trust_domains,
        when_key: "source.trustDomain",
        fields: |s| {
            [
                ("trustDomains", &s.trust_domains),
                ("notTrustDomains", &s.not_trust_domains),
            ]
        },
        clear: |s| {
            s.trust_domains.clear();
            s.not_trust_domains.clear();
        },
    },
];

/// The policy as `release` applies it. Before a field exists, the API
/// server prunes it (the release's CRD lacks it; istiod 1.30.0–1.30.1 has
/// `trustDomains` in its CRD but ignores it, to the same effect), and
/// istiod's validating webhook then sees the rest: an unknown `when` key
/// is refused ("unknown attribute"), and so is a source left with no
/// condition ("`from.source` must not be empty"). A source keeping other
/// conditions is admitted without the field: a narrowing ALLOW (or DENY)
/// rule then matches every service account or trust domain.
pub fn as_release_reads<'a>(
    spec: &'a AuthorizationPolicySpec,
    release: &IstioRelease,
) -> ReleaseReading<'a> {
    let unknown: Vec<&IdentityFields> = IDENTITY_FIELDS
        .iter()
        .filter(|f| !(f.known)(release))
        .collect();
    let rules_path = FieldPath::root().field("spec").field("rules");
    for (i, rule) in spec.rules.iter().enumerate() {
        for (k, condition) in rule.when.iter().enumerate() {
            let key = condition.key.as_deref().unwrap_or_default();
            if let Some(fields) = unknown.iter().find(|f| f.when_key == key) {
                return ReleaseReading::Refused {
                    field: UnknownField {
                        path: rules_path.index(i).field("when").index(k).field("key"),
                        since: fields.since,
                    },
                    reason: "unknown attribute",
                };
            }
        }
    }
    let mut spec = Cow::Borrowed(spec);
    let mut dropped = Vec::new();
    for i in 0..spec.rules.len() {
        for j in 0..spec.rules[i].from.len() {
            let Some(source) = spec.rules[i].from[j].source.as_ref() else {
                continue;
            };
            let path = source_path(i, j);
            let here: Vec<UnknownField> = unknown
                .iter()
                .flat_map(|f| (f.fields)(source).map(|(name, values)| (f, name, values)))
                .filter(|(_, _, values)| !values.is_empty())
                .map(|(f, name, _)| UnknownField {
                    path: path.field(name),
                    since: f.since,
                })
                .collect();
            let Some(first) = here.first().cloned() else {
                continue;
            };
            let Some(source) = spec.to_mut().rules[i].from[j].source.as_mut() else {
                continue;
            };
            for fields in &unknown {
                (fields.clear)(source);
            }
            if *source == Source::default() {
                return ReleaseReading::Refused {
                    field: first,
                    reason: "`from.source` must not be empty",
                };
            }
            dropped.extend(here);
        }
    }
    ReleaseReading::Applied { spec, dropped }
}
