use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::DEFAULT_NAMESPACE;
use crate::model::identity::{duplicate_findings, Identity};

declare_rule! {
    /// Two objects have the same group, kind, namespace and name.
    ///
    /// ## What it checks
    /// Every object against those read before it. Objects without a
    /// namespace count as in `default` (or the namespace `-n` gives), as
    /// `kubectl apply` places them.
    ///
    /// ## Why it matters
    /// Applied together, the later definition silently replaces the earlier
    /// one, so one of them never takes effect. `mesh` checks each of them
    /// alone, but builds the mesh (routing, workloads, the rendered xDS)
    /// from the later one only, as the cluster would hold it.
    ///
    /// ## Example
    /// ```yaml
    /// # a.yaml                       # b.yaml
    /// kind: VirtualService           kind: VirtualService
    /// metadata: {name: reviews}      metadata: {name: reviews}
    /// ```
    ///
    /// ## How to fix
    /// Rename one of them, merge them, or keep only one in the inputs (for
    /// overlays, analyze each rendered overlay on its own).
    pub static RULE = { code: "MESH005", name: "duplicate-object", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    // Objects `-n` did not place are where kubectl puts them.
    let identities: Vec<Identity> = context
        .index
        .objects
        .iter()
        // What istiod generates is not applied: it cannot collide.
        .filter(|object| object.generated.is_none())
        .filter_map(|object| Identity::of(object, DEFAULT_NAMESPACE))
        .collect();
    for finding in duplicate_findings(&identities) {
        findings.push(finding);
    }
}
