//! AuthorizationPolicy → RBAC HTTP filters on server listeners (spec §2.5):
//! a DENY filter, then an ALLOW filter, each only when it has a policy.
//! CUSTOM and AUDIT policies are ignored, and an ALLOW policy with no rules
//! yields nothing (so, unlike Envoy, it allows everything), as in istiod.
#![allow(deprecated)] // `principal.metadata` is what istiod still emits for JWT fields

use std::collections::HashMap;

use envoy_types::pb::envoy::config::core::v3::{CidrRange, TypedExtensionConfig};
use envoy_types::pb::envoy::config::rbac::v3::{
    permission, principal, rbac::Action, Permission, Policy, Principal, Rbac as RbacRules,
};
use envoy_types::pb::envoy::config::route::v3::{header_matcher, HeaderMatcher};
use envoy_types::pb::envoy::extensions::filters::http::rbac::v3::Rbac;
use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::HttpFilter;
use envoy_types::pb::envoy::extensions::path::r#match::uri_template::v3::UriTemplateMatchConfig;
use envoy_types::pb::envoy::r#type::matcher::v3::{
    metadata_matcher::{path_segment::Segment, PathSegment},
    path_matcher,
    string_matcher::MatchPattern,
    value_matcher, MetadataMatcher, PathMatcher, RegexMatcher, StringMatcher, ValueMatcher,
};
use envoy_types::pb::google::protobuf::UInt32Value;

use crate::index::DEFAULT_NAMESPACE;
use crate::model::security::{AuthorizationPolicyAction, Rule};
use crate::model::Spec;
use crate::semantics::authorization::{as_release_reads, ReleaseReading};
use crate::semantics::istiod_release::{Switch, AUTHZ_SERVICE_ACCOUNTS};

use super::json::pack;
use super::lds::http_filter;
use super::render::Renderer;
use super::XdsError;

pub const DENY_FILTER: &str = "envoy.filters.http.rbac.DENY";
pub const ALLOW_FILTER: &str = "envoy.filters.http.rbac";
/// The extension name of a path-template permission.
const URI_TEMPLATE_EXTENSION: &str = "uri-template";

/// The RBAC filters for the proxy's server listeners, DENY first, from
/// the policies as the istiod release applies them
/// ([`crate::semantics::authorization::as_release_reads`]); what it leaves
/// out or refuses is said in `notes`.
pub fn filters(
    renderer: &Renderer<'_>,
    notes: &mut Vec<String>,
) -> Result<Vec<HttpFilter>, XdsError> {
    let index = renderer.index;
    let policies: Vec<_> = crate::semantics::authorization::policies_for(
        index,
        &renderer.proxy.namespace,
        &renderer.proxy.labels,
    )
    .into_iter()
    .filter_map(|object| match &object.spec {
        Spec::AuthorizationPolicy(policy) => Some((object, policy)),
        _ => None,
    })
    .collect();
    let mut deny = HashMap::new();
    let mut allow = HashMap::new();
    let release = &index.istio_release;
    for (object, policy) in policies {
        let target = match policy.action.unwrap_or_default() {
            AuthorizationPolicyAction::Allow => &mut allow,
            AuthorizationPolicyAction::Deny => &mut deny,
            AuthorizationPolicyAction::Audit | AuthorizationPolicyAction::Custom => continue,
        };
        let mut note = |text: String| {
            if !notes.contains(&text) {
                notes.push(text);
            }
        };
        let policy = match as_release_reads(policy, release) {
            ReleaseReading::Refused { field, reason } => {
                note(format!(
                    "{}: istiod {release} does not know {} (from {}), so the API server drops it and istiod's validation refuses the policy ({reason}): not applied",
                    object.origin(),
                    field.path,
                    since(field.since)
                ));
                continue;
            }
            ReleaseReading::Applied { spec, dropped } => {
                for field in dropped {
                    note(format!(
                        "{}: istiod {release} does not know {} (from {}): the API server drops it, so the rule matches peers of any {}",
                        object.origin(),
                        field.path,
                        since(field.since),
                        if field.since.name == AUTHZ_SERVICE_ACCOUNTS.name {
                            "service account"
                        } else {
                            "trust domain"
                        }
                    ));
                }
                spec
            }
        };
        let ns = object.namespace_or(DEFAULT_NAMESPACE);
        for (i, rule) in policy.rules.iter().enumerate() {
            target.insert(policy_name(ns, &object.meta.name, i), rbac_policy(rule, ns));
        }
    }
    let mut out = Vec::new();
    for (name, action, policies) in [
        (DENY_FILTER, Action::Deny, deny),
        (ALLOW_FILTER, Action::Allow, allow),
    ] {
        if policies.is_empty() {
            continue;
        }
        let config = Rbac {
            rules: Some(RbacRules {
                action: action as i32,
                policies,
                ..Default::default()
            }),
            ..Default::default()
        };
        out.push(http_filter(name, pack(&config)));
    }
    Ok(out)
}

fn string_matcher(pattern: MatchPattern) -> StringMatcher {
    StringMatcher {
        match_pattern: Some(pattern),
        ignore_case: false,
    }
}

fn regex(text: &str) -> MatchPattern {
    MatchPattern::SafeRegex(RegexMatcher {
        regex: text.to_string(),
        ..Default::default()
    })
}

/// Istio's value matching: `*` any, `x*` prefix, `*x` suffix, else exact.
fn value_pattern(value: &str, prefix: &str) -> MatchPattern {
    if value == "*" {
        regex(".+")
    } else if let Some(head) = value.strip_suffix('*') {
        MatchPattern::Prefix(format!("{prefix}{head}"))
    } else if let Some(tail) = value.strip_prefix('*') {
        if prefix.is_empty() {
            MatchPattern::Suffix(tail.to_string())
        } else {
            regex(&format!("{}.*{}", escape(prefix), escape(tail)))
        }
    } else {
        MatchPattern::Exact(format!("{prefix}{value}"))
    }
}

fn escape(text: &str) -> String {
    regex::escape(text)
}

/// Go's `regexp.QuoteMeta`, which istiod quotes service accounts and
/// trust domains with: a backslash before each of `\.+*?()|[]{}^$`.
fn quote_meta(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `1.25`, or `1.30.2` for a patch.
fn since(switch: &Switch) -> String {
    match switch.since {
        (minor, 0) => format!("1.{minor}"),
        (minor, patch) => format!("1.{minor}.{patch}"),
    }
}

fn principal_name(pattern: MatchPattern) -> Principal {
    Principal {
        identifier: Some(principal::Identifier::Authenticated(
            principal::Authenticated {
                principal_name: Some(string_matcher(pattern)),
            },
        )),
    }
}

fn header(name: &str, pattern: MatchPattern, ignore_case: bool) -> HeaderMatcher {
    HeaderMatcher {
        name: name.to_string(),
        header_match_specifier: Some(header_matcher::HeaderMatchSpecifier::StringMatch(
            StringMatcher {
                match_pattern: Some(pattern),
                ignore_case,
            },
        )),
        ..Default::default()
    }
}

fn cidr(text: &str) -> Option<CidrRange> {
    let (address, length) = match text.split_once('/') {
        Some((a, l)) => (a, l.parse().ok()?),
        None => (text, if text.contains(':') { 128 } else { 32 }),
    };
    address.parse::<std::net::IpAddr>().ok()?;
    Some(CidrRange {
        address_prefix: address.to_string(),
        prefix_len: Some(UInt32Value { value: length }),
    })
}

fn request_metadata(key: &str, value: &str) -> Principal {
    Principal {
        identifier: Some(principal::Identifier::Metadata(MetadataMatcher {
            filter: "istio_authn".into(),
            path: vec![PathSegment {
                segment: Some(Segment::Key(key.to_string())),
            }],
            value: Some(ValueMatcher {
                match_pattern: Some(value_matcher::MatchPattern::StringMatch(string_matcher(
                    value_pattern(value, ""),
                ))),
            }),
            ..Default::default()
        })),
    }
}

fn or_ids(ids: Vec<Principal>) -> Principal {
    Principal {
        identifier: Some(principal::Identifier::OrIds(principal::Set { ids })),
    }
}

fn not_id(id: Principal) -> Principal {
    Principal {
        identifier: Some(principal::Identifier::NotId(Box::new(id))),
    }
}

fn or_rules(rules: Vec<Permission>) -> Permission {
    Permission {
        rule: Some(permission::Rule::OrRules(permission::Set { rules })),
    }
}

fn not_rule(rule: Permission) -> Permission {
    Permission {
        rule: Some(permission::Rule::NotRule(Box::new(rule))),
    }
}

/// `{or_ids: [...]}` over the values, and `{not_id: {or_ids}}` over the not-values.
fn push_ids<F: Fn(&str) -> Option<Principal>>(
    out: &mut Vec<Principal>,
    values: &[String],
    not_values: &[String],
    build: F,
) {
    let ids: Vec<_> = values.iter().filter_map(|v| build(v)).collect();
    if !ids.is_empty() {
        out.push(or_ids(ids));
    }
    let ids: Vec<_> = not_values.iter().filter_map(|v| build(v)).collect();
    if !ids.is_empty() {
        out.push(not_id(or_ids(ids)));
    }
}

fn push_rules<F: Fn(&str) -> Option<Permission>>(
    out: &mut Vec<Permission>,
    values: &[String],
    not_values: &[String],
    build: F,
) {
    let rules: Vec<_> = values.iter().filter_map(|v| build(v)).collect();
    if !rules.is_empty() {
        out.push(or_rules(rules));
    }
    let rules: Vec<_> = not_values.iter().filter_map(|v| build(v)).collect();
    if !rules.is_empty() {
        out.push(not_rule(or_rules(rules)));
    }
}

fn namespace_principal(ns: &str) -> Principal {
    principal_name(regex(&format!(".*/ns/{}/.*", escape(ns))))
}

/// `NAMESPACE/NAME`, or `NAME` of the policy's namespace.
fn service_account_principal(value: &str, policy_namespace: &str) -> Principal {
    let (ns, sa) = value.split_once('/').unwrap_or((policy_namespace, value));
    principal_name(regex(&format!(
        "spiffe://.+/ns/{}/(.+/|)sa/{}(/.+)?",
        quote_meta(ns),
        quote_meta(sa)
    )))
}

/// The RBAC policy name of rule `rule` of an AuthorizationPolicy, as
/// istiod names it (`ns[NS]-policy[NAME]-rule[I]`): how a verdict on the
/// rendered filter finds the rule it came from.
pub fn policy_name(namespace: &str, name: &str, rule: usize) -> String {
    format!("ns[{namespace}]-policy[{name}]-rule[{rule}]")
}

/// Whether a path is an Istio path template (`/pkg.Svc/{*}`, `/{**}/Get`).
pub fn is_path_template(path: &str) -> bool {
    path.contains("{*}") || path.contains("{**}")
}

/// A path template as istiod sends it since 1.22 (`6f0f9139d77`, #50365): a
/// `uri_template` permission whose template uses Envoy's operators (`*` one
/// segment, `**` any number).
fn uri_template(path: &str) -> Option<permission::Rule> {
    if !is_path_template(path) {
        return None;
    }
    let template = path.replace("{**}", "**").replace("{*}", "*");
    let config = UriTemplateMatchConfig {
        path_template: template,
    };
    Some(permission::Rule::UriTemplate(TypedExtensionConfig {
        name: URI_TEMPLATE_EXTENSION.into(),
        typed_config: Some(pack(&config)),
    }))
}

/// `TD` (exactly that trust domain), `*` (any), or one `*` inside a name.
fn trust_domain_principal(value: &str) -> Principal {
    principal_name(match value.split_once('*') {
        _ if value == "*" => MatchPattern::Prefix("spiffe://".into()),
        None => MatchPattern::Prefix(format!("spiffe://{value}/")),
        Some((head, tail)) => regex(&format!(
            "spiffe://{}[^/]*{}/.*",
            quote_meta(head),
            quote_meta(tail)
        )),
    })
}

fn permission(rule: permission::Rule) -> Permission {
    Permission { rule: Some(rule) }
}

/// One rule → one RBAC policy: permissions per `to`, principals per `from`,
/// `when` conditions appended to every branch of their side.
fn rbac_policy(rule: &Rule, policy_namespace: &str) -> Policy {
    let mut when_principals = Vec::new();
    let mut when_permissions = Vec::new();
    for condition in &rule.when {
        let key = condition.key.as_deref().unwrap_or_default();
        let (values, not_values) = (&condition.values, &condition.not_values);
        if let Some(name) = key
            .strip_prefix("request.headers[")
            .and_then(|k| k.strip_suffix(']'))
        {
            push_ids(&mut when_principals, values, not_values, |v| {
                Some(Principal {
                    identifier: Some(principal::Identifier::Header(header(
                        name,
                        value_pattern(v, ""),
                        false,
                    ))),
                })
            });
            continue;
        }
        match key {
            "source.ip" => push_ids(&mut when_principals, values, not_values, |v| {
                cidr(v).map(|c| Principal {
                    identifier: Some(principal::Identifier::DirectRemoteIp(c)),
                })
            }),
            "remote.ip" => push_ids(&mut when_principals, values, not_values, |v| {
                cidr(v).map(|c| Principal {
                    identifier: Some(principal::Identifier::RemoteIp(c)),
                })
            }),
            "source.namespace" => push_ids(&mut when_principals, values, not_values, |v| {
                Some(namespace_principal(v))
            }),
            "source.principal" => push_ids(&mut when_principals, values, not_values, |v| {
                Some(principal_name(value_pattern(v, "spiffe://")))
            }),
            "source.serviceAccount" => push_ids(&mut when_principals, values, not_values, |v| {
                Some(service_account_principal(v, policy_namespace))
            }),
            "source.trustDomain" => push_ids(&mut when_principals, values, not_values, |v| {
                Some(trust_domain_principal(v))
            }),
            "destination.ip" => push_rules(&mut when_permissions, values, not_values, |v| {
                cidr(v).map(|c| permission(permission::Rule::DestinationIp(c)))
            }),
            "destination.port" => push_rules(&mut when_permissions, values, not_values, |v| {
                v.parse()
                    .ok()
                    .map(|p| permission(permission::Rule::DestinationPort(p)))
            }),
            "connection.sni" => push_rules(&mut when_permissions, values, not_values, |v| {
                Some(permission(permission::Rule::RequestedServerName(
                    string_matcher(value_pattern(v, "")),
                )))
            }),
            key if key.starts_with("request.auth.") => {
                push_ids(&mut when_principals, values, not_values, |v| {
                    Some(request_metadata(key, v))
                })
            }
            _ => {}
        }
    }
    let mut principals = Vec::new();
    let from_sources: Vec<_> = if rule.from.is_empty() {
        vec![None]
    } else {
        rule.from.iter().map(|f| f.source.as_ref()).collect()
    };
    for source in from_sources {
        let mut ids = Vec::new();
        // istiod's order (`model.New`): principals, request principals,
        // service accounts, trust domains, namespaces, remote IPs, IPs.
        if let Some(s) = source {
            push_ids(&mut ids, &s.principals, &s.not_principals, |v| {
                Some(principal_name(value_pattern(v, "spiffe://")))
            });
            push_ids(
                &mut ids,
                &s.request_principals,
                &s.not_request_principals,
                |v| Some(request_metadata("request.auth.principal", v)),
            );
            push_ids(
                &mut ids,
                &s.service_accounts,
                &s.not_service_accounts,
                |v| Some(service_account_principal(v, policy_namespace)),
            );
            push_ids(&mut ids, &s.trust_domains, &s.not_trust_domains, |v| {
                Some(trust_domain_principal(v))
            });
            push_ids(&mut ids, &s.namespaces, &s.not_namespaces, |v| {
                Some(namespace_principal(v))
            });
            push_ids(
                &mut ids,
                &s.remote_ip_blocks,
                &s.not_remote_ip_blocks,
                |v| {
                    cidr(v).map(|c| Principal {
                        identifier: Some(principal::Identifier::RemoteIp(c)),
                    })
                },
            );
            push_ids(&mut ids, &s.ip_blocks, &s.not_ip_blocks, |v| {
                cidr(v).map(|c| Principal {
                    identifier: Some(principal::Identifier::DirectRemoteIp(c)),
                })
            });
        }
        ids.extend(when_principals.iter().cloned());
        if ids.is_empty() {
            ids.push(Principal {
                identifier: Some(principal::Identifier::Any(true)),
            });
        }
        principals.push(Principal {
            identifier: Some(principal::Identifier::AndIds(principal::Set { ids })),
        });
    }
    let mut permissions = Vec::new();
    let operations: Vec<_> = if rule.to.is_empty() {
        vec![None]
    } else {
        rule.to.iter().map(|t| t.operation.as_ref()).collect()
    };
    for operation in operations {
        let mut rules = Vec::new();
        if let Some(o) = operation {
            push_rules(&mut rules, &o.hosts, &o.not_hosts, |v| {
                Some(permission(permission::Rule::Header(header(
                    ":authority",
                    value_pattern(v, ""),
                    true,
                ))))
            });
            push_rules(&mut rules, &o.ports, &o.not_ports, |v| {
                v.parse()
                    .ok()
                    .map(|p| permission(permission::Rule::DestinationPort(p)))
            });
            push_rules(&mut rules, &o.methods, &o.not_methods, |v| {
                Some(permission(permission::Rule::Header(header(
                    ":method",
                    MatchPattern::Exact(v.to_string()),
                    false,
                ))))
            });
            push_rules(&mut rules, &o.paths, &o.not_paths, |v| {
                Some(permission(match uri_template(v) {
                    Some(template) => template,
                    None => permission::Rule::UrlPath(PathMatcher {
                        rule: Some(path_matcher::Rule::Path(string_matcher(value_pattern(
                            v, "",
                        )))),
                    }),
                }))
            });
        }
        rules.extend(when_permissions.iter().cloned());
        if rules.is_empty() {
            rules.push(permission(permission::Rule::Any(true)));
        }
        permissions.push(permission(permission::Rule::AndRules(permission::Set {
            rules,
        })));
    }
    Policy {
        permissions,
        principals,
        ..Default::default()
    }
}
