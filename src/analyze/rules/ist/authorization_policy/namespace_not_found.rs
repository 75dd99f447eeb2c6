use std::collections::BTreeSet;

use crate::analyze::unresolved::Referenced;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::{Index, DEFAULT_NAMESPACE};
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// An AuthorizationPolicy source names a namespace that does not exist.
    ///
    /// ## What it checks
    /// Each entry of `rules[].from[].source.namespaces` and `notNamespaces`
    /// must match a namespace: one declared by a Namespace object or holding
    /// some object in the inputs, or one that every cluster has (`default`,
    /// `kube-system`, `kube-public`, `kube-node-lease`, the root namespace).
    /// A leading or trailing `*` matches a suffix or prefix, and `*` alone
    /// matches any namespace (istioctl's IST0101). When the inputs declare
    /// no Namespace at all, these findings are set aside and counted in the
    /// run summary; `--report-unresolved Namespace` reports them (as
    /// istioctl does), `--ignore-unresolved Namespace` sets them aside even
    /// when the inputs declare some (README, Partial inputs).
    ///
    /// ## Why it matters
    /// A misspelt namespace in an ALLOW rule silently denies the callers it
    /// meant to admit; in a DENY rule it lets them through.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - from:
    ///   - source:
    ///       namespaces: ["prod-*", "frontned"]   # no namespace frontned
    /// ```
    ///
    /// ## How to fix
    /// Correct the namespace name or pattern, or add the Namespace to the inputs.
    pub static RULE = { code: "IST0101", name: "authorization-policy-namespace-not-found", level: Error, check: check };
}

/// Namespaces every Kubernetes cluster has.
const BUILT_IN: [&str; 4] = [
    DEFAULT_NAMESPACE,
    "kube-system",
    "kube-public",
    "kube-node-lease",
];

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let known = known_namespaces(index);
    for object in &index.objects {
        let Spec::AuthorizationPolicy(policy) = &object.spec else {
            continue;
        };
        for (i, rule) in policy.rules.iter().enumerate() {
            for (j, from) in rule.from.iter().enumerate() {
                let Some(source) = &from.source else { continue };
                let path = FieldPath::root()
                    .field("spec")
                    .field("rules")
                    .index(i)
                    .field("from")
                    .index(j)
                    .field("source");
                for (field, list) in [
                    ("namespaces", &source.namespaces),
                    ("notNamespaces", &source.not_namespaces),
                ] {
                    for (k, pattern) in list.iter().enumerate() {
                        if known.iter().any(|ns| namespace_matches(pattern, ns)) {
                            continue;
                        }
                        findings
                            .report_unresolved(
                                object,
                                &path.field(field).index(k),
                                format!("Referenced namespace not found: {pattern:?}"),
                                Referenced::Namespace,
                            )
                            .help = Some(
                            "no Namespace in the inputs matches; `*` may start or end a pattern"
                                .to_string(),
                        );
                    }
                }
            }
        }
    }
}

pub(crate) fn known_namespaces(index: &Index) -> BTreeSet<&str> {
    index
        .namespaces()
        .map(|(name, _)| name)
        .chain(BUILT_IN)
        .chain([index.mesh_config.root_namespace.as_str()])
        .collect()
}

/// istioctl's namespace pattern match: `*`, `*suffix`, `prefix*` or a name.
pub(crate) fn namespace_matches(pattern: &str, namespace: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        return namespace.ends_with(suffix);
    }
    if let Some(prefix) = pattern.strip_suffix('*') {
        return namespace.starts_with(prefix);
    }
    pattern.eq_ignore_ascii_case(namespace)
}

#[cfg(test)]
mod tests {
    use super::super::testing::findings;
    use super::namespace_matches;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/traffic-and-policy/authorization-policy-namespace-not-found.yaml");

    #[test]
    fn reports_source_namespaces_that_match_nothing() {
        assert_eq!(
            findings("authorization-policy-namespace-not-found", FIXTURE),
            [
                "IST0101 AuthorizationPolicy shop/callers 28 spec.rules[0].from[0].source.namespaces[2] Referenced namespace not found: \"frontned\"",
                "IST0101 AuthorizationPolicy shop/callers 30 spec.rules[0].from[0].source.namespaces[3] Referenced namespace not found: \"*-bogus\"",
                "IST0101 AuthorizationPolicy shop/callers 36 spec.rules[0].from[1].source.notNamespaces[1] Referenced namespace not found: \"bogus-*\"",
            ]
        );
    }

    #[test]
    fn patterns_match_prefixes_and_suffixes() {
        assert!(namespace_matches("*", "a"));
        assert!(namespace_matches("prod-*", "prod-eu"));
        assert!(namespace_matches("*-test", "shop-test"));
        assert!(!namespace_matches("*-test", "test-shop"));
        assert!(namespace_matches("Shop", "shop"));
        assert!(!namespace_matches("shop", "shop2"));
    }
}
