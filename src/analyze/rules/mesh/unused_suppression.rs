use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// A suppression (`-S` or the analyze-suppress annotation) hides no finding.
    ///
    /// ## What it checks
    /// Each `-S CODE=RESOURCE` flag and each code in a
    /// `galley.istio.io/analyze-suppress` annotation must suppress at least one
    /// finding of the run.
    ///
    /// ## Why it matters
    /// A stale suppression silently hides the next real problem with that
    /// resource, and a mistyped one never worked.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     galley.istio.io/analyze-suppress: IST0102   # nothing reports IST0102 here
    /// ```
    ///
    /// ## How to fix
    /// Remove the suppression, or correct its code or resource name.
    pub static RULE = { code: "MESH001", name: "unused-suppression", level: Info, check: check };
}

/// Reported by the suppression step (`analyze::suppress`), which alone knows
/// what was suppressed; the rule exists for its code and documentation.
fn check(_: &Context<'_>, _: &mut Findings) {}
