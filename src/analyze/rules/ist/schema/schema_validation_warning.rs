use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// A resource is accepted, but Istio's validation warns about a field.
    ///
    /// ## What it checks
    /// The warnings of Istio's field validation: deprecated fields, settings
    /// that have no effect in their context, upper-case header names Envoy
    /// lower-cases, and the like.
    ///
    /// ## Why it matters
    /// The resource applies, but part of it does not do what it says.
    ///
    /// ## Example
    /// ```yaml
    /// trafficPolicy:
    ///   loadBalancer:
    ///     consistentHash:
    ///       minimumRingSize: 1024   # deprecated: use ringHash.minimumRingSize
    /// ```
    ///
    /// ## How to fix
    /// Follow the message: move to the supported field or remove the setting.
    pub static RULE = { code: "IST0133", name: "schema-validation-warning", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for diagnostic in context.validation() {
        if diagnostic.code == RULE.code {
            findings.push(diagnostic.clone());
        }
    }
}
