use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// An object in one of Istio's API groups has a kind or apiVersion Istio does not define.
    ///
    /// ## What it checks
    /// Objects whose apiVersion is in `networking.istio.io`,
    /// `security.istio.io`, `telemetry.istio.io` or `extensions.istio.io`
    /// but whose kind, or whose version of a known kind, does not exist. The
    /// message names the closest kind, or the version or group the kind
    /// really has.
    ///
    /// ## Why it matters
    /// The API server refuses such an object (no matching CRD), and `mesh`
    /// cannot check it against any schema: a typo in `kind` silently turns a
    /// whole routing rule into an unchecked, unapplied document.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualServce      # did you mean VirtualService?
    /// ```
    ///
    /// ## How to fix
    /// Correct the kind or apiVersion as suggested.
    pub static RULE = { code: "MESH003", name: "unknown-istio-kind", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for diagnostic in context.validation() {
        if diagnostic.code == RULE.code {
            findings.push(diagnostic.clone());
        }
    }
}
