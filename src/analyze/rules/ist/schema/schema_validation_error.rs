use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// A resource does not fit its schema or breaks a field rule Istio enforces.
    ///
    /// ## What it checks
    /// Every object of a known kind against its JSON Schema (unknown fields,
    /// wrong types, bad enum values, missing required fields) and, for Istio
    /// kinds, the field rules istiod's validation applies (durations, hosts,
    /// ports, mutually exclusive fields...). The same checks as `mesh validate`.
    ///
    /// ## Why it matters
    /// The API server or istiod's webhook rejects such a resource, or worse, a
    /// client accepts part of it: the change you meant never takes effect.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - route:
    ///   - destination: {host: reviews}
    ///     weight: "eighty"   # expected integer
    /// ```
    ///
    /// ## How to fix
    /// Correct the field at the reported line; `mesh schema KIND` shows what it accepts.
    pub static RULE = { code: "IST0106", name: "schema-validation-error", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for diagnostic in context.validation() {
        if diagnostic.code == RULE.code {
            findings.push(diagnostic.clone());
        }
    }
}
