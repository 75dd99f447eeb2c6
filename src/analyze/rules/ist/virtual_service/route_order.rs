//! Which rules and matches of a VirtualService earlier ones shadow: the
//! analysis behind istiod's `VirtualServiceUnreachableRule` and
//! `VirtualServiceIneffectiveMatch` validation warnings (IST0130, IST0131).

use std::collections::BTreeMap;

use crate::model::networking::{HTTPMatchRequest, StringMatch, VirtualServiceSpec};
use crate::source::FieldPath;

/// A rule or match an earlier one makes useless.
pub(super) enum Shadowed {
    /// The whole rule at `path` can never match.
    Rule {
        path: FieldPath,
        rule: String,
        reason: String,
    },
    /// The match at `path` duplicates or falls inside an earlier one.
    Match {
        path: FieldPath,
        rule: String,
        name: String,
        by: String,
    },
}

/// `"name"` for a named HTTP rule, else `#index`, as istiod prints them.
fn label(name: Option<&str>, index: usize) -> String {
    match name.filter(|n| !n.is_empty()) {
        Some(name) => format!("{name:?}"),
        None => format!("#{index}"),
    }
}

/// The rules of one kind (http, tls, tcp) reduced to what the analysis needs.
struct Rule<M> {
    name: Option<String>,
    matches: Vec<(Option<String>, M)>,
}

/// Analyses one list of rules: exact duplicates of earlier matches
/// (names ignored), matches inside an earlier match (`covers`), rules whose
/// matches all duplicate earlier ones, and rules after one that matches
/// everything (`catch_all`: a rule with no match).
fn analyse<M: PartialEq>(
    list: &str,
    rules: &[Rule<M>],
    catch_all: bool,
    covers: impl Fn(&M, &M) -> bool,
    found: &mut Vec<Shadowed>,
) {
    let base = FieldPath::root().field("spec").field(list);
    let mut seen: Vec<(&M, usize)> = Vec::new();
    let mut takes_all: Option<usize> = None;
    for (i, rule) in rules.iter().enumerate() {
        let rule_label = label(rule.name.as_deref(), i);
        let path = base.index(i);
        if rule.matches.is_empty() {
            if !catch_all {
                continue;
            }
            if takes_all.is_some() {
                found.push(Shadowed::Rule {
                    path,
                    rule: rule_label,
                    reason: "only the last rule can have no matches".to_string(),
                });
            }
            takes_all = Some(i);
            continue;
        }
        let mut duplicates = 0;
        for (j, (name, request)) in rule.matches.iter().enumerate() {
            let match_path = path.field("match").index(j);
            let name = label(name.as_deref(), j);
            if let Some(&(_, by)) = seen.iter().find(|(earlier, _)| *earlier == request) {
                duplicates += 1;
                found.push(Shadowed::Match {
                    path: match_path,
                    rule: rule_label.clone(),
                    name,
                    by: label(rules[by].name.as_deref(), by),
                });
                continue;
            }
            if let Some(&(_, by)) = seen.iter().find(|(earlier, _)| covers(earlier, request)) {
                found.push(Shadowed::Match {
                    path: match_path,
                    rule: rule_label.clone(),
                    name,
                    by: label(rules[by].name.as_deref(), by),
                });
            }
            seen.push((request, i));
        }
        if duplicates == rule.matches.len() {
            found.push(Shadowed::Rule {
                path,
                rule: rule_label,
                reason: "all matches used by prior rules".to_string(),
            });
        } else if let Some(all) = takes_all {
            found.push(Shadowed::Rule {
                path,
                rule: rule_label,
                reason: format!(
                    "rule {} has no matches and takes all traffic",
                    label(rules[all].name.as_deref(), all)
                ),
            });
        }
    }
}

/// Whether `map` holds every entry of `part`.
fn includes<V: PartialEq>(map: &BTreeMap<String, V>, part: &BTreeMap<String, V>) -> bool {
    part.iter().all(|(k, v)| map.get(k) == Some(v))
}

fn prefix(uri: &Option<StringMatch>) -> Option<&str> {
    uri.as_ref()
        .filter(|u| u.exact.is_none() && u.regex.is_none())
        .and_then(|u| u.prefix.as_deref())
}

/// Whether every request `later` matches is also matched by `earlier`, for
/// the case istiod knows: URI prefixes, the later one extending the earlier,
/// with the earlier's other conditions a subset of the later's.
fn http_covers(earlier: &HTTPMatchRequest, later: &HTTPMatchRequest) -> bool {
    let (Some(outer), Some(inner)) = (prefix(&earlier.uri), prefix(&later.uri)) else {
        return false;
    };
    let same_or_unset = |a: &Option<StringMatch>, b: &Option<StringMatch>| a.is_none() || a == b;
    inner.starts_with(outer)
        && same_or_unset(&earlier.scheme, &later.scheme)
        && same_or_unset(&earlier.method, &later.method)
        && same_or_unset(&earlier.authority, &later.authority)
        && includes(&later.headers, &earlier.headers)
        && includes(&later.query_params, &earlier.query_params)
        && includes(&later.without_headers, &earlier.without_headers)
        && includes(&later.source_labels, &earlier.source_labels)
        && (earlier.port.is_none() || earlier.port == later.port)
        && (earlier.gateways.is_empty() || earlier.gateways == later.gateways)
        && (earlier.source_namespace.is_none()
            || earlier.source_namespace == later.source_namespace)
        && (earlier.ignore_uri_case.unwrap_or(false) || !later.ignore_uri_case.unwrap_or(false))
}

/// Every shadowed rule and match of a VirtualService: HTTP, then TLS, then TCP.
pub(super) fn shadowed(vs: &VirtualServiceSpec) -> Vec<Shadowed> {
    let mut found = Vec::new();
    let http: Vec<Rule<HTTPMatchRequest>> = vs
        .http
        .iter()
        .map(|route| Rule {
            name: route.name.clone(),
            matches: route
                .r#match
                .iter()
                .map(|m| {
                    let mut request = m.clone();
                    // The name and stat prefix are labels, not conditions.
                    request.stat_prefix = None;
                    (request.name.take(), request)
                })
                .collect(),
        })
        .collect();
    analyse("http", &http, true, http_covers, &mut found);
    let tls: Vec<Rule<_>> = vs
        .tls
        .iter()
        .map(|route| Rule {
            name: None,
            matches: route.r#match.iter().map(|m| (None, m)).collect(),
        })
        .collect();
    analyse("tls", &tls, false, |_, _| false, &mut found);
    let tcp: Vec<Rule<_>> = vs
        .tcp
        .iter()
        .map(|route| Rule {
            name: None,
            matches: route.r#match.iter().map(|m| (None, m)).collect(),
        })
        .collect();
    analyse("tcp", &tcp, true, |_, _| false, &mut found);
    found
}
