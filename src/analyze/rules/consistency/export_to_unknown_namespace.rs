use crate::analyze::rules::ist::authorization_policy::namespace_not_found::known_namespaces;
use crate::analyze::unresolved::Referenced;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// An `exportTo` names a namespace that does not exist.
    ///
    /// ## What it checks
    /// Every `exportTo` entry of a VirtualService, DestinationRule or
    /// ServiceEntry other than `.`, `*` and `~` must be a namespace of the
    /// inputs (declared, or holding some object) or one every cluster has.
    /// When the inputs declare no Namespace at all, these findings are set
    /// aside and counted in the run summary; `--report-unresolved Namespace`
    /// reports them, `--ignore-unresolved Namespace` sets them aside even
    /// when the inputs declare some (README, Partial inputs).
    ///
    /// ## Why it matters
    /// istiod exports the object to that name only: a misspelt namespace
    /// leaves the clients it was meant for without the config, silently.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   exportTo: [".", "frontned"]   # typo
    /// ```
    ///
    /// ## How to fix
    /// Correct the namespace name, or create the namespace.
    pub static RULE = { code: "MESH106", name: "export-to-unknown-namespace", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let known = known_namespaces(index);
    for object in &index.objects {
        let export_to = match &object.spec {
            Spec::VirtualService(s) => &s.export_to,
            Spec::DestinationRule(s) => &s.export_to,
            Spec::ServiceEntry(s) => &s.export_to,
            _ => continue,
        };
        for (i, namespace) in export_to.iter().enumerate() {
            if matches!(namespace.as_str(), "." | "*" | "~") || known.contains(namespace.as_str()) {
                continue;
            }
            findings
                .report_unresolved(
                    object,
                    &FieldPath::root().field("spec").field("exportTo").index(i),
                    format!("exportTo names namespace {namespace:?}, which does not exist"),
                    Referenced::Namespace,
                )
                .help = Some("no Namespace in the inputs has this name".to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "export-to-unknown-namespace";

    #[test]
    fn reports_namespaces_the_inputs_do_not_hold() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [finding(
                "MESH106",
                "DestinationRule shop/reviews",
                11,
                "spec.exportTo[1]",
                "exportTo names namespace \"frontned\", which does not exist",
            )]
        );
    }

    #[test]
    fn silent_for_known_namespaces_and_the_special_values() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
