use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::lookup::virtual_services;
use super::route_order::{shadowed, Shadowed};

declare_rule! {
    /// A VirtualService rule can never match because earlier rules take its traffic.
    ///
    /// ## What it checks
    /// HTTP, TLS and TCP rules are tried in order. A rule is unreachable when
    /// every one of its matches repeats a match of an earlier rule, when it
    /// has no match after another rule without match, or when it comes after
    /// a rule with no match at all, which takes all traffic (istioctl's
    /// IST0130, from istiod's validation).
    ///
    /// ## Why it matters
    /// The rule is dead configuration: whatever it was meant to do (a canary,
    /// a fault, a redirect) never happens.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - route: [{destination: {host: reviews, subset: v1}}]   # no match: takes everything
    /// - match: [{headers: {end-user: {exact: jason}}}]        # never reached
    ///   route: [{destination: {host: reviews, subset: v2}}]
    /// ```
    ///
    /// ## How to fix
    /// Move the rule before the rules that shadow it, or remove it.
    pub static RULE = { code: "IST0130", name: "virtual-service-unreachable-rule", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for (object, vs, _) in virtual_services(context.index) {
        for shadow in shadowed(vs) {
            if let Shadowed::Rule { path, rule, reason } = shadow {
                findings.report(
                    object,
                    &path,
                    format!("VirtualService rule {rule} not used ({reason})."),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, run};

    #[test]
    fn reports_rules_earlier_rules_shadow() {
        let found = run(
            "virtual-service-unreachable-rule",
            &fixture("virtual-service-unreachable-rule.yaml"),
        );
        let expected = [
            (
                "IST0130",
                "VirtualService web/duplicate",
                27,
                "spec.http[1]",
                "VirtualService rule \"again\" not used (all matches used by prior rules).",
            ),
            (
                "IST0130",
                "VirtualService web/after-catch-all",
                41,
                "spec.http[1]",
                "VirtualService rule #1 not used (rule \"default\" has no matches and takes all traffic).",
            ),
            (
                "IST0130",
                "VirtualService web/two-defaults",
                52,
                "spec.tcp[1]",
                "VirtualService rule #1 not used (only the last rule can have no matches).",
            ),
        ];
        assert_eq!(
            found,
            expected.map(|(c, o, l, f, m)| (c, o.to_string(), l, f.to_string(), m.to_string()))
        );
    }
}
