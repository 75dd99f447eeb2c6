use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::security::AuthorizationPolicyAction;

use super::scope::{authorization_policies, rule_path, servers_the_model_flags};

declare_rule! {
    /// `requestPrincipals` and `request.auth.*` conditions never match on proxyless gRPC servers (negations always match).
    ///
    /// ## What it checks
    /// An ALLOW or DENY AuthorizationPolicy selecting proxyless gRPC servers
    /// whose rules use `source.requestPrincipals`,
    /// `source.notRequestPrincipals`, or a `when` condition on
    /// `request.auth.*` (principal, audiences, presenter, claims).
    ///
    /// ## Why it matters
    /// These attributes come from Envoy's `jwt_authn` filter metadata. gRPC has
    /// no JWT filter and Istio's gRPC generator configures none (spec §2.5,
    /// gRFC A41: the metadata matcher never matches). A positive match never
    /// matches and a negated one (`notRequestPrincipals`, `notValues`) always
    /// matches: an ALLOW rule never allows (RPCs fail with
    /// PERMISSION_DENIED) or allows without a token; a DENY rule never denies
    /// or denies everyone.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: require-jwt, namespace: echo-grpc}
    /// spec:
    ///   selector: {matchLabels: {app: echo}}
    ///   rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]
    /// ```
    ///
    /// ## How to fix
    /// Validate tokens in the application (a gRPC server interceptor) and
    /// authorize proxyless servers by mTLS identity (`principals`,
    /// `namespaces`) instead.
    pub static RULE = { code: "GRPC048", name: "jwt-condition-never-matches", level: Error, check: check };
}

fn effect(action: AuthorizationPolicyAction, always: bool) -> &'static str {
    match (action, always) {
        (AuthorizationPolicyAction::Deny, false) => {
            "this DENY rule never denies, so the requests it should block get through"
        }
        (AuthorizationPolicyAction::Deny, true) => {
            "this DENY rule denies whether or not a token is present"
        }
        (_, false) => "this ALLOW rule never allows, so its requests fail with PERMISSION_DENIED",
        (_, true) => "this ALLOW rule allows requests without checking any token",
    }
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for policy in authorization_policies(context) {
        if !matches!(
            policy.action,
            AuthorizationPolicyAction::Allow | AuthorizationPolicyAction::Deny
        ) {
            continue;
        }
        for (i, rule) in policy.spec.rules.iter().enumerate() {
            // The model finds the JWT metadata matchers in the RBAC policy
            // istiod builds from this rule, on the servers it reaches.
            let flagged = servers_the_model_flags(context, policy, i, "GRPC048");
            if flagged.is_empty() {
                continue;
            }
            let servers = context.workload_names(&flagged);
            let mut hits = Vec::new();
            for (j, from) in rule.from.iter().enumerate() {
                let Some(source) = &from.source else { continue };
                let path = rule_path(i).field("from").index(j).field("source");
                if !source.request_principals.is_empty() {
                    hits.push((path.field("requestPrincipals"), "requestPrincipals", false));
                }
                if !source.not_request_principals.is_empty() {
                    hits.push((
                        path.field("notRequestPrincipals"),
                        "notRequestPrincipals",
                        true,
                    ));
                }
            }
            for (k, condition) in rule.when.iter().enumerate() {
                let Some(key) = condition.key.as_deref() else {
                    continue;
                };
                if !key.starts_with("request.auth.") {
                    continue;
                }
                let path = rule_path(i).field("when").index(k).field("key");
                // A condition with both lists needs both to hold: values never
                // match, so the condition never matches.
                let always = condition.values.is_empty() && !condition.not_values.is_empty();
                hits.push((path, key, always));
            }
            for (path, what, always) in hits {
                let matching = if always {
                    "always matches (the negation of a JWT attribute gRPC never has)"
                } else {
                    "never matches (gRPC has no JWT filter)"
                };
                findings
                    .report(
                        policy.object,
                        &path,
                        format!(
                            "{what} {matching} on proxyless gRPC servers {servers}: {}",
                            effect(policy.action, always)
                        ),
                    )
                    .help = Some(
                    "validate JWTs in a gRPC server interceptor; authorize proxyless servers by principals or namespaces".into(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    #[test]
    fn negations_always_match_and_deny_never_denies() {
        let text = "
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: echo}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: jwt, namespace: echo-grpc}
spec:
  action: DENY
  rules:
  - from: [{source: {notRequestPrincipals: [\"*\"]}}]
    when:
    - {key: \"request.auth.claims[group]\", values: [admin]}
    - {key: request.auth.audiences, notValues: [echo]}
    - {key: source.namespace, values: [x]}
";
        let found = run_rule("GRPC048", "t.yaml", text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(
            found[0].3,
            "spec.rules[0].from[0].source.notRequestPrincipals"
        );
        assert!(found[0].4.contains("always matches"));
        assert!(found[0]
            .4
            .contains("denies whether or not a token is present"));
        assert_eq!(found[1].3, "spec.rules[0].when[0].key");
        assert!(found[1].4.contains("never denies"));
        assert!(found[2].4.contains("always matches"));
    }
}
