use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::security::AuthorizationPolicyAction;

use super::scope::{action_name, authorization_policies, rule_path};

declare_rule! {
    /// Mesh `trustDomainAliases` are not applied to AuthorizationPolicy principals on proxyless gRPC servers.
    ///
    /// ## What it checks
    /// When the mesh config sets `trustDomainAliases`: principals (in
    /// `source.principals`, `source.notPrincipals` or a `when` on
    /// `source.principal`) that name a trust domain, in an ALLOW or DENY
    /// AuthorizationPolicy selecting proxyless gRPC servers.
    ///
    /// ## Why it matters
    /// For Envoy, istiod rewrites each principal for every alias of the trust
    /// domain (`MigrateTrustDomain`). Its gRPC generator never does (spec
    /// §2.5): a peer whose certificate carries an alias trust domain does not
    /// match, so an ALLOW rule refuses it (PERMISSION_DENIED) and a DENY rule
    /// lets it through.
    ///
    /// ## Example
    /// ```yaml
    /// # mesh config: {trustDomain: new.example, trustDomainAliases: [old.example]}
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: from-client, namespace: echo-grpc}
    /// spec:
    ///   rules: [{from: [{source: {principals: ["new.example/ns/echo-grpc/sa/client"]}}]}]
    /// ```
    ///
    /// ## How to fix
    /// List the principal once per trust domain (and alias), or match with a
    /// trust-domain wildcard (`*/ns/echo-grpc/sa/client`) or `namespaces`.
    pub static RULE = { code: "GRPC053", name: "trust-domain-aliases-not-applied", level: Warning, check: check };
}

/// A principal that names a trust domain (`td/ns/x/sa/y`), not a wildcard one.
fn names_trust_domain(principal: &str) -> bool {
    !principal.starts_with('*') && !principal.is_empty()
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let mesh = &context.index.mesh_config;
    if mesh.trust_domain_aliases.is_empty() {
        return;
    }
    let aliases = mesh.trust_domain_aliases.join(", ");
    for policy in authorization_policies(context) {
        if !matches!(
            policy.action,
            AuthorizationPolicyAction::Allow | AuthorizationPolicyAction::Deny
        ) {
            continue;
        }
        let servers = context.workload_names(&policy.servers);
        for (i, rule) in policy.spec.rules.iter().enumerate() {
            let mut hits = Vec::new();
            for (j, from) in rule.from.iter().enumerate() {
                let Some(source) = &from.source else { continue };
                let base = rule_path(i).field("from").index(j).field("source");
                for (field, values) in [
                    ("principals", &source.principals),
                    ("notPrincipals", &source.not_principals),
                ] {
                    for (k, value) in values.iter().enumerate() {
                        if names_trust_domain(value) {
                            hits.push((base.field(field).index(k), value));
                        }
                    }
                }
            }
            for (k, condition) in rule.when.iter().enumerate() {
                if condition.key.as_deref() != Some("source.principal") {
                    continue;
                }
                let base = rule_path(i).field("when").index(k);
                for (field, values) in [
                    ("values", &condition.values),
                    ("notValues", &condition.not_values),
                ] {
                    for (v, value) in values.iter().enumerate() {
                        if names_trust_domain(value) {
                            hits.push((base.field(field).index(v), value));
                        }
                    }
                }
            }
            for (path, value) in hits {
                findings
                    .report(
                        policy.object,
                        &path,
                        format!(
                            "principal {value:?} is not extended to the mesh trustDomainAliases ({aliases}) on proxyless gRPC servers {servers}: peers with an alias trust domain do not match this {} rule",
                            action_name(policy.action)
                        ),
                    )
                    .help = Some(
                    "list the principal for each alias too, or use */ns/NS/sa/SA or namespaces".into(),
                );
            }
        }
    }
}
