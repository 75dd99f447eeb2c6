use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// YAML that kubectl reads, but that YAML 1.2 tools read otherwise or refuse.
    ///
    /// ## What it checks
    /// `mesh` reads YAML as `kubectl apply` does (go-yaml): where go-yaml
    /// is more lenient than YAML 1.2, the document still loads with
    /// go-yaml's values, and this Warning marks the spot. The cases: a flow
    /// collection (`[...]`, `{...}`) or a quoted string continued on lines
    /// indented less than its block, and a plain scalar with a `:` that
    /// YAML 1.2 reads as a key separator (`[2001:db8::]`).
    ///
    /// ## Why it matters
    /// Other tools in the pipeline (editors, `yq`, Helm's linters, YAML 1.2
    /// libraries) may refuse the file or read a different value, such as a
    /// mapping where kubectl sees a string.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   addresses: [2001:db8::1, 001:db8::]   # one string each for kubectl
    /// ```
    ///
    /// ## How to fix
    /// Quote the string, or indent the continuation lines under their key.
    pub static RULE = { code: "MESH006", name: "non-standard-yaml", level: Warning, check: check };
}

/// Reported by the input step (`cli::common`), which alone sees how each
/// document was read; the rule exists for its code and documentation.
fn check(_: &Context<'_>, _: &mut Findings) {}
