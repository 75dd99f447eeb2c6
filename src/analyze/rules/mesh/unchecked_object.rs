use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// With `--strict`: an object was read but mesh has no schema to check it against.
    ///
    /// ## What it checks
    /// Every object whose kind or apiVersion `mesh` does not model: custom
    /// resources of other projects, Kubernetes kinds `mesh` does not type
    /// (ServiceAccount, Role, HorizontalPodAutoscaler...), removed versions
    /// such as `extensions/v1beta1` Deployments, and the Gateway API kinds
    /// for now. Without `--strict` they are only counted in the run summary
    /// ("N objects not checked", with each kind and the reason); with it,
    /// each is an Error, as kubeconform does without
    /// `-ignore-missing-schemas`, and inputs holding no object at all exit 65.
    ///
    /// ## Why it matters
    /// A CI gate should not pass config nobody checked.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: extensions/v1beta1   # removed in Kubernetes 1.16
    /// kind: Deployment
    /// ```
    ///
    /// ## How to fix
    /// Move the object to a version `mesh` checks (`mesh schema` lists
    /// shows them), leave it out of the inputs (`--exclude`), or run without
    /// `--strict` and read the summary.
    pub static RULE = { code: "MESH004", name: "unchecked-object", level: Error, check: check };
}

/// Reported by the input step (`cli::common`) with `--strict`; the rule
/// exists for its code and documentation.
fn check(_: &Context<'_>, _: &mut Findings) {}
