//! AuthorizationPolicy rules (Istio's `ValidateAuthorizationPolicy` and the CRD's CEL rules).
use super::common::{self, spec_path, Errors};
use crate::model::security::{
    AuthorizationPolicyAction, AuthorizationPolicySpec, Condition, Operation, Rule, Source,
};
use crate::source::FieldPath;

/// `when` keys Istio supports exactly.
const EXACT_KEYS: &[&str] = &[
    "source.ip",
    "remote.ip",
    "source.namespace",
    "source.principal",
    "source.serviceAccount",
    "source.trustDomain",
    "request.auth.principal",
    "request.auth.audiences",
    "request.auth.presenter",
    "destination.ip",
    "destination.port",
    "connection.sni",
];

/// `when` keys of the form `prefix[name]`.
const MAP_KEYS: &[&str] = &["request.headers", "request.auth.claims"];

const ENVOY_FILTER_PREFIX: &str = "experimental.envoy.filters.";

pub(super) fn check(spec: &AuthorizationPolicySpec, out: &mut Errors) {
    let root = spec_path();
    common::policy_targets(
        out,
        &root,
        spec.selector.as_ref(),
        spec.target_ref.as_ref(),
        &spec.target_refs,
    );
    let action = spec.action.unwrap_or_default();
    match action {
        AuthorizationPolicyAction::Custom => {
            if spec.rules.is_empty() {
                out.error(
                    &root,
                    "CUSTOM action without `rules` is meaningless as it will never be triggered, \
                     add an empty rule `{}` if you want it be triggered for every request",
                );
            }
            if spec
                .provider
                .as_ref()
                .and_then(|p| p.name.as_deref())
                .unwrap_or("")
                .is_empty()
            {
                out.error(
                    &root.field("provider").field("name"),
                    "`provider.name` must not be empty",
                );
            }
        }
        other => {
            if spec.provider.is_some() {
                out.error(
                    &root.field("provider"),
                    format!(
                        "`provider` must not be with non CUSTOM action, found {}",
                        action_name(other)
                    ),
                );
            }
            if other == AuthorizationPolicyAction::Deny && spec.rules.is_empty() {
                out.warning(&root, "DENY action without `rules` is ignored");
            }
        }
    }
    for (i, rule) in spec.rules.iter().enumerate() {
        check_rule(out, &root.field("rules").index(i), rule);
    }
}

fn action_name(action: AuthorizationPolicyAction) -> &'static str {
    match action {
        AuthorizationPolicyAction::Allow => "ALLOW",
        AuthorizationPolicyAction::Deny => "DENY",
        AuthorizationPolicyAction::Audit => "AUDIT",
        AuthorizationPolicyAction::Custom => "CUSTOM",
    }
}

fn check_rule(out: &mut Errors, path: &FieldPath, rule: &Rule) {
    for (j, from) in rule.from.iter().enumerate() {
        let at = path.field("from").index(j);
        match &from.source {
            None => out.error(&at.field("source"), "`from.source` must not be nil"),
            Some(source) => check_source(out, &at.field("source"), source),
        }
    }
    for (j, to) in rule.to.iter().enumerate() {
        let at = path.field("to").index(j);
        match &to.operation {
            None => out.error(&at.field("operation"), "`to.operation` must not be nil"),
            Some(operation) => check_operation(out, &at.field("operation"), operation),
        }
    }
    for (j, condition) in rule.when.iter().enumerate() {
        check_condition(out, &path.field("when").index(j), condition);
    }
}

/// No empty strings in a value list.
fn no_empty_values(out: &mut Errors, path: &FieldPath, field: &str, values: &[String]) {
    for (k, value) in values.iter().enumerate() {
        if value.is_empty() {
            out.error(
                &path.field(field).index(k),
                format!("empty value not allowed, found in {field}"),
            );
        }
    }
}

fn ip_values(out: &mut Errors, path: &FieldPath, values: &[String]) {
    for (k, value) in values.iter().enumerate() {
        if !value.is_empty() {
            out.check(&path.index(k), common::ip_or_cidr(value));
        }
    }
}

/// Istio parses these ports as unsigned integers up to 65535 (0 included).
fn port_value(text: &str) -> Result<(), String> {
    let valid = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit())
        && text.parse::<u32>().is_ok_and(|n| n <= 65535);
    if valid {
        Ok(())
    } else {
        Err(format!("bad port {text:?}: must be an integer in 0..65535"))
    }
}

/// A service account: `name` or `namespace/name`, no wildcard, at most 320
/// characters (Istio's `CheckServiceAccount`; at most 16 values per list).
fn service_accounts(out: &mut Errors, path: &FieldPath, field: &str, values: &[String]) {
    if values.len() > 16 {
        out.error(path, format!("{field} may not have more than 16 values"));
    }
    for (k, value) in values.iter().enumerate() {
        if value.is_empty() {
            continue; // reported as an empty value
        }
        let problem = if value.contains('*') {
            Some(format!("wildcard not allowed, found in {field}"))
        } else if value.len() > 320 {
            Some(format!(
                "value cannot exceed 320 characters, found in {field}"
            ))
        } else {
            match value.split_once('/') {
                Some((namespace, account))
                    if namespace.is_empty() || account.is_empty() || account.contains('/') =>
                {
                    Some(format!(
                        "expected format 'serviceAccount' or 'namespace/serviceAccount', found {value:?} in {field}"
                    ))
                }
                _ => None,
            }
        };
        if let Some(message) = problem {
            out.error(&path.index(k), message);
        }
    }
}

/// Exact, prefix (`a*`), suffix (`*a`) or presence (`*`) values: at most one
/// `*`, at the start or the end (Istio's `CheckWildcardValues`); trust
/// domains also may not contain `/`.
fn wildcard_values(
    out: &mut Errors,
    path: &FieldPath,
    field: &str,
    values: &[String],
    trust_domain: bool,
) {
    for (k, value) in values.iter().enumerate() {
        let stars = value.matches('*').count();
        let problem = if stars > 1 {
            Some(format!(
                "at most one wildcard is allowed, found in {field}: {value:?}"
            ))
        } else if stars == 1 && !value.starts_with('*') && !value.ends_with('*') {
            Some(format!(
                "wildcard is only allowed at the start or end, found in {field}: {value:?}"
            ))
        } else if trust_domain && value.contains('/') {
            Some(format!(
                "trust domain must not contain '/', found in {field}: {value:?}"
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            out.error(&path.index(k), message);
        }
    }
}

fn check_source(out: &mut Errors, path: &FieldPath, s: &Source) {
    let fields: [(&str, &[String]); 14] = [
        ("principals", &s.principals),
        ("notPrincipals", &s.not_principals),
        ("requestPrincipals", &s.request_principals),
        ("notRequestPrincipals", &s.not_request_principals),
        ("namespaces", &s.namespaces),
        ("notNamespaces", &s.not_namespaces),
        ("ipBlocks", &s.ip_blocks),
        ("notIpBlocks", &s.not_ip_blocks),
        ("remoteIpBlocks", &s.remote_ip_blocks),
        ("notRemoteIpBlocks", &s.not_remote_ip_blocks),
        ("serviceAccounts", &s.service_accounts),
        ("notServiceAccounts", &s.not_service_accounts),
        ("trustDomains", &s.trust_domains),
        ("notTrustDomains", &s.not_trust_domains),
    ];
    if fields.iter().all(|(_, values)| values.is_empty()) {
        out.error(path, "`from.source` must not be empty");
        return;
    }
    for (field, values) in fields {
        no_empty_values(out, path, field, values);
    }
    for (field, values) in [
        ("ipBlocks", &s.ip_blocks),
        ("notIpBlocks", &s.not_ip_blocks),
        ("remoteIpBlocks", &s.remote_ip_blocks),
        ("notRemoteIpBlocks", &s.not_remote_ip_blocks),
    ] {
        ip_values(out, &path.field(field), values);
    }
    for (field, values) in [
        ("serviceAccounts", &s.service_accounts),
        ("notServiceAccounts", &s.not_service_accounts),
    ] {
        service_accounts(out, &path.field(field), field, values);
    }
    for (field, values) in [
        ("trustDomains", &s.trust_domains),
        ("notTrustDomains", &s.not_trust_domains),
    ] {
        wildcard_values(out, &path.field(field), field, values, true);
    }
    let accounts = !s.service_accounts.is_empty() || !s.not_service_accounts.is_empty();
    let identities = !s.principals.is_empty()
        || !s.not_principals.is_empty()
        || !s.namespaces.is_empty()
        || !s.not_namespaces.is_empty();
    if accounts && identities {
        out.error(
            path,
            "cannot set serviceAccounts with namespaces or principals",
        );
    }
}

fn check_operation(out: &mut Errors, path: &FieldPath, o: &Operation) {
    let fields: [(&str, &[String]); 8] = [
        ("hosts", &o.hosts),
        ("notHosts", &o.not_hosts),
        ("ports", &o.ports),
        ("notPorts", &o.not_ports),
        ("methods", &o.methods),
        ("notMethods", &o.not_methods),
        ("paths", &o.paths),
        ("notPaths", &o.not_paths),
    ];
    if fields.iter().all(|(_, values)| values.is_empty()) {
        out.error(path, "`to.operation` must not be empty");
        return;
    }
    for (field, values) in fields {
        no_empty_values(out, path, field, values);
    }
    for (field, values) in [("ports", &o.ports), ("notPorts", &o.not_ports)] {
        for (k, value) in values.iter().enumerate() {
            if !value.is_empty() {
                out.check(&path.field(field).index(k), port_value(value));
            }
        }
    }
}

fn check_condition(out: &mut Errors, path: &FieldPath, condition: &Condition) {
    let key = condition.key.as_deref().unwrap_or("");
    if key.is_empty() {
        out.error(&path.field("key"), "`key` must not be empty");
        return;
    }
    if condition.values.is_empty() && condition.not_values.is_empty() {
        out.error(
            path,
            format!("at least one of `values` or `notValues` must be set for key {key}"),
        );
    }
    if let Err(message) = supported_key(key) {
        out.error(&path.field("key"), message);
        return;
    }
    for (field, values) in [
        ("values", &condition.values),
        ("notValues", &condition.not_values),
    ] {
        let at = path.field(field);
        no_empty_values(out, path, field, values);
        match key {
            "source.ip" | "remote.ip" | "destination.ip" => ip_values(out, &at, values),
            "source.serviceAccount" => service_accounts(out, &at, key, values),
            "source.trustDomain" => wildcard_values(out, &at, key, values, false),
            "destination.port" => {
                for (k, value) in values.iter().enumerate() {
                    out.check(&at.index(k), port_value(value));
                }
            }
            _ => {}
        }
    }
}

fn supported_key(key: &str) -> Result<(), String> {
    if EXACT_KEYS.contains(&key) || key.starts_with(ENVOY_FILTER_PREFIX) {
        return Ok(());
    }
    for prefix in MAP_KEYS {
        if let Some(rest) = key.strip_prefix(prefix) {
            if rest.len() > 2 && rest.starts_with('[') && rest.ends_with(']') {
                return Ok(());
            }
            if rest.is_empty() || rest.starts_with('[') {
                return Err(format!("bad key ({key}): should have format a[b]"));
            }
        }
    }
    Err(format!("unknown attribute: {key}"))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::FieldError;

    fn ap(spec: &str) -> Vec<FieldError> {
        check_spec("AuthorizationPolicy", spec)
    }

    #[test]
    fn realistic_authorization_policies_are_clean() {
        assert_clean(&ap(r#"
selector:
  matchLabels: {app: httpbin, version: v1}
action: ALLOW
rules:
- from:
  - source: {principals: ["cluster.local/ns/default/sa/sleep"]}
  - source: {namespaces: [test], notIpBlocks: [10.0.0.0/8]}
  to:
  - operation: {methods: [GET], paths: ["/info*"], ports: ["8000"]}
  - operation: {methods: [POST], paths: [/data], notHosts: [admin.example.com]}
  when:
  - key: request.auth.claims[iss]
    values: ["https://accounts.google.com"]
  - key: source.ip
    notValues: [10.1.2.3]
  - key: request.headers[x-id]
    values: ["*"]
- from:
  - source: {serviceAccounts: [default/sleep], remoteIpBlocks: [1.2.3.4/32]}
"#));
        assert_clean(&ap(r#"
targetRefs:
- {kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}
action: CUSTOM
provider: {name: my-ext-authz}
rules:
- to: [{operation: {paths: ["/admin/*"]}}]
"#));
        assert_clean(&ap(
            "targetRef: {kind: Service, name: ratings}\naction: DENY\nrules: [{}]\n",
        ));
    }

    #[test]
    fn selector_and_target_refs_are_exclusive() {
        let errors = ap("selector: {matchLabels: {app: a}}\ntargetRef: {kind: Service, name: a}\n");
        assert_error(
            &errors,
            "spec",
            "only one of targetRefs or selector can be set",
        );
    }

    #[test]
    fn target_ref_kind_namespace_and_name() {
        let errors = ap("targetRefs:\n- {kind: Deployment, name: a}\n- {kind: Gateway, name: w, namespace: other}\n- {kind: Service}\n");
        assert_error(
            &errors,
            "spec.targetRefs[0].kind",
            "targetRef must be to one of",
        );
        assert_error(
            &errors,
            "spec.targetRefs[1].group",
            "gateway.networking.k8s.io",
        );
        assert_error(
            &errors,
            "spec.targetRefs[1].namespace",
            "cross namespace referencing",
        );
        assert_error(
            &errors,
            "spec.targetRefs[2].name",
            "targetRef name must be set",
        );
    }

    #[test]
    fn custom_requires_provider_name() {
        let errors = ap("action: CUSTOM\nrules: [{}]\n");
        assert_error(
            &errors,
            "spec.provider.name",
            "`provider.name` must not be empty",
        );
        let no_rules = ap("action: CUSTOM\nprovider: {name: ext}\n");
        assert_error(
            &no_rules,
            "spec",
            "CUSTOM action without `rules` is meaningless",
        );
    }

    #[test]
    fn provider_only_with_custom() {
        let errors = ap("action: DENY\nprovider: {name: ext}\nrules: [{}]\n");
        assert_error(
            &errors,
            "spec.provider",
            "`provider` must not be with non CUSTOM action, found DENY",
        );
    }

    #[test]
    fn deny_without_rules_warns() {
        assert_warning(
            &ap("action: DENY\n"),
            "spec",
            "DENY action without `rules` is ignored",
        );
    }

    #[test]
    fn from_needs_a_non_empty_source() {
        let errors = ap("rules:\n- from: [{}, {source: {}}]\n");
        assert_error(
            &errors,
            "spec.rules[0].from[0].source",
            "`from.source` must not be nil",
        );
        assert_error(
            &errors,
            "spec.rules[0].from[1].source",
            "`from.source` must not be empty",
        );
    }

    #[test]
    fn to_needs_a_non_empty_operation() {
        let errors = ap("rules:\n- to: [{}, {operation: {}}]\n");
        assert_error(
            &errors,
            "spec.rules[0].to[0].operation",
            "`to.operation` must not be nil",
        );
        assert_error(
            &errors,
            "spec.rules[0].to[1].operation",
            "`to.operation` must not be empty",
        );
    }

    #[test]
    fn values_must_not_be_empty_strings() {
        let errors = ap("rules:\n- from: [{source: {principals: [\"\"]}}]\n  to: [{operation: {paths: [\"\"]}}]\n");
        assert_error(
            &errors,
            "spec.rules[0].from[0].source.principals[0]",
            "empty value not allowed, found in principals",
        );
        assert_error(
            &errors,
            "spec.rules[0].to[0].operation.paths[0]",
            "empty value not allowed, found in paths",
        );
    }

    #[test]
    fn ip_blocks_are_ips_or_cidrs() {
        let errors =
            ap("rules:\n- from: [{source: {ipBlocks: [10.0.0.0/99], notIpBlocks: [not-an-ip]}}]\n");
        assert_error(
            &errors,
            "spec.rules[0].from[0].source.ipBlocks[0]",
            "not a valid CIDR block",
        );
        assert_error(
            &errors,
            "spec.rules[0].from[0].source.notIpBlocks[0]",
            "not a valid IP",
        );
    }

    #[test]
    fn service_accounts_exclude_principals() {
        let errors =
            ap("rules:\n- from: [{source: {serviceAccounts: [ns/sa], principals: [p]}}]\n");
        assert_error(
            &errors,
            "spec.rules[0].from[0].source",
            "cannot set serviceAccounts with namespaces or principals",
        );
    }

    #[test]
    fn ports_are_numbers() {
        let errors = ap("rules:\n- to: [{operation: {ports: [http, \"70000\"]}}]\n");
        assert_error(
            &errors,
            "spec.rules[0].to[0].operation.ports[0]",
            "bad port \"http\"",
        );
        assert_error(
            &errors,
            "spec.rules[0].to[0].operation.ports[1]",
            "bad port \"70000\"",
        );
    }

    #[test]
    fn when_needs_key_and_values() {
        let errors = ap("rules:\n- when:\n  - values: [a]\n  - key: source.namespace\n");
        assert_error(
            &errors,
            "spec.rules[0].when[0].key",
            "`key` must not be empty",
        );
        assert_error(
            &errors,
            "spec.rules[0].when[1]",
            "at least one of `values` or `notValues` must be set for key source.namespace",
        );
    }

    #[test]
    fn when_keys_must_be_supported() {
        let errors = ap("rules:\n- when:\n  - {key: request.method, values: [GET]}\n  - {key: request.headers, values: [a]}\n  - {key: source.ip, values: [999.0.0.1]}\n  - {key: destination.port, values: [\"0\", \"65536\"]}\n");
        assert_error(
            &errors,
            "spec.rules[0].when[0].key",
            "unknown attribute: request.method",
        );
        assert_error(
            &errors,
            "spec.rules[0].when[1].key",
            "should have format a[b]",
        );
        assert_error(&errors, "spec.rules[0].when[2].values[0]", "not a valid IP");
        assert_error(
            &errors,
            "spec.rules[0].when[3].values[1]",
            "bad port \"65536\"",
        );
        // Istio parses ports as unsigned integers: 0 passes.
        assert!(!errors
            .iter()
            .any(|e| e.path.to_string() == "spec.rules[0].when[3].values[0]"));
    }

    #[test]
    fn service_account_and_trust_domain_keys_are_supported() {
        assert_clean(&ap(r#"
rules:
- when:
  - key: source.serviceAccount
    values: [default/productpage, sleep]
  - key: source.trustDomain
    values: [cluster.local, "cluster-prefix-*", "*-suffix", "*"]
    notValues: [other.local]
"#));
        let errors = ap(r#"
rules:
- when:
  - key: source.serviceAccount
    values: ["ns/*", a/b/c, /sa, ""]
  - key: source.trustDomain
    values: ["a*b", "**"]
"#);
        assert_error(
            &errors,
            "spec.rules[0].when[0].values[0]",
            "wildcard not allowed",
        );
        assert_error(
            &errors,
            "spec.rules[0].when[0].values[1]",
            "expected format 'serviceAccount' or 'namespace/serviceAccount'",
        );
        assert_error(
            &errors,
            "spec.rules[0].when[0].values[2]",
            "expected format 'serviceAccount' or 'namespace/serviceAccount'",
        );
        assert_error(
            &errors,
            "spec.rules[0].when[0].values[3]",
            "empty value not allowed",
        );
        assert_error(
            &errors,
            "spec.rules[0].when[1].values[0]",
            "wildcard is only allowed at the start or end",
        );
        assert_error(
            &errors,
            "spec.rules[0].when[1].values[1]",
            "at most one wildcard is allowed",
        );
    }

    #[test]
    fn source_service_accounts_and_trust_domains_are_checked() {
        let errors = ap(
            "rules:\n- from: [{source: {serviceAccounts: [\"ns/*\"], notTrustDomains: [a/b]}}]\n",
        );
        assert_error(
            &errors,
            "spec.rules[0].from[0].source.serviceAccounts[0]",
            "wildcard not allowed",
        );
        assert_error(
            &errors,
            "spec.rules[0].from[0].source.notTrustDomains[0]",
            "trust domain must not contain '/'",
        );
    }
}
