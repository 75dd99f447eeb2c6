use super::lookup::data_plane_labels;
use super::user_namespaces;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

declare_rule! {
    /// A namespace has more than one kind of injection label.
    ///
    /// ## What it checks
    /// Namespace objects with two or more of `istio-injection`, `istio.io/rev`
    /// and `istio.io/dataplane-mode: ambient` (istioctl's IST0123). A namespace
    /// labelled `istio-injection: disabled` is out of the mesh whatever else it
    /// carries, and is not reported.
    ///
    /// ## Why it matters
    /// Each label selects a different injector (the default revision, a named
    /// revision) or data plane (ambient); which one wins depends on webhook
    /// configuration, so pods may get the wrong proxy version, two proxies'
    /// worth of redirection, or none.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     istio-injection: enabled
    ///     istio.io/rev: canary
    /// ```
    ///
    /// ## How to fix
    /// Keep exactly one of the labels: `istio.io/rev` for revisioned installs, `istio-injection` otherwise, or the ambient label alone.
    pub static RULE = { code: "IST0123", name: "namespace-multiple-injection-labels", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for (_, object) in user_namespaces(context.index) {
        let labels = data_plane_labels(&object.meta.labels);
        if labels.len() < 2 {
            continue;
        }
        // Point at the label that came second: the one that conflicts.
        let path = FieldPath::root()
            .field("metadata")
            .field("labels")
            .field(labels[1]);
        findings
            .report(
                object,
                &path,
                format!(
                    "The namespace has more than one type of injection labels [{}], which may lead to undefined behavior. Make sure only one injection label exists.",
                    labels.join(" ")
                ),
            )
            .help = Some(format!("remove all but one of {}", labels.join(", ")));
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/workloads/namespace-multiple-injection-labels.yaml"
    );

    #[test]
    fn reports_namespaces_with_conflicting_labels() {
        let found = run_rule("namespace-multiple-injection-labels", "ns.yaml", FIXTURE);
        let message = |labels: &str| {
            format!("The namespace has more than one type of injection labels [{labels}], which may lead to undefined behavior. Make sure only one injection label exists.")
        };
        assert_eq!(
            found,
            [
                (
                    "IST0123".to_string(),
                    "Namespace busted".to_string(),
                    9,
                    "metadata.labels[\"istio.io/rev\"]".to_string(),
                    message("istio-injection istio.io/rev"),
                ),
                (
                    "IST0123".to_string(),
                    "Namespace mixed".to_string(),
                    18,
                    "metadata.labels[\"istio.io/dataplane-mode\"]".to_string(),
                    message("istio.io/rev istio.io/dataplane-mode"),
                ),
            ]
        );
    }
}
