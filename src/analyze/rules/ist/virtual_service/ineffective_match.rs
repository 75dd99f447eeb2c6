use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::lookup::virtual_services;
use super::route_order::{shadowed, Shadowed};

declare_rule! {
    /// A VirtualService match repeats, or falls inside, an earlier match.
    ///
    /// ## What it checks
    /// A match of an HTTP, TLS or TCP rule identical to an earlier match
    /// (match names aside), or an HTTP match whose URI prefix extends an
    /// earlier match's prefix while the earlier match sets no other condition
    /// the later one lacks (istioctl's IST0131, from istiod's validation).
    ///
    /// ## Why it matters
    /// Requests that fit the match are always taken by the earlier one: the
    /// match is dead, and the rule behaves differently from how it reads.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - match: [{uri: {prefix: /api/v1/product}}]
    ///   route: [{destination: {host: catalog}}]
    /// - match: [{uri: {prefix: /api/v1/products}}]   # already taken above
    ///   route: [{destination: {host: products}}]
    /// ```
    ///
    /// ## How to fix
    /// Put the more specific match first, or remove the duplicate.
    pub static RULE = { code: "IST0131", name: "virtual-service-ineffective-match", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for (object, vs, _) in virtual_services(context.index) {
        for shadow in shadowed(vs) {
            if let Shadowed::Match {
                path,
                rule,
                name,
                by,
            } = shadow
            {
                findings.report(
                    object,
                    &path,
                    format!(
                        "VirtualService rule {rule} match {name} is not used (duplicate/overlapping match in rule {by})."
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, run};

    #[test]
    fn reports_duplicate_and_overlapping_matches() {
        let found = run(
            "virtual-service-ineffective-match",
            &fixture("virtual-service-ineffective-match.yaml"),
        );
        let expected = [
            (
                "IST0131",
                "VirtualService web/catalog",
                17,
                "spec.http[1].match[0]",
                "VirtualService rule \"products\" match \"products-get\" is not used (duplicate/overlapping match in rule \"product\").",
            ),
            (
                "IST0131",
                "VirtualService web/catalog",
                21,
                "spec.http[1].match[1]",
                "VirtualService rule \"products\" match #1 is not used (duplicate/overlapping match in rule \"product\").",
            ),
            (
                "IST0131",
                "VirtualService web/sni",
                42,
                "spec.tls[1].match[0]",
                "VirtualService rule #1 match #0 is not used (duplicate/overlapping match in rule #0).",
            ),
        ];
        assert_eq!(
            found,
            expected.map(|(c, o, l, f, m)| (c, o.to_string(), l, f.to_string(), m.to_string()))
        );
    }
}
