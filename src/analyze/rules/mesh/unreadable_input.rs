use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// A file or document could not be read, so nothing in it was checked.
    ///
    /// ## What it checks
    /// Every input is read before any rule runs: a missing or unreadable
    /// file, a file that is not UTF-8 or UTF-16 text, a YAML or JSON syntax
    /// error, or a document that is not a Kubernetes object (no `apiVersion`
    /// or `kind`) is reported here, at the line and column where reading
    /// stopped. After a syntax error the next document of the file is read
    /// again, so one broken document hides no other.
    ///
    /// ## Why it matters
    /// A lint step that skips what it cannot read looks green about config it
    /// never saw. `mesh` exits 65 whenever an input could not be read, even
    /// when other findings would give 79 (istioctl gives the findings' code),
    /// and SARIF output marks the run `executionSuccessful: false`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata:
    ///   name: reviews
    /// spec:
    ///   hosts: [reviews
    /// ```
    ///
    /// ## How to fix
    /// Correct the file at the reported line, or leave it out of the inputs
    /// (`--exclude GLOB`, or a `.gitignore` entry for directory walks).
    pub static RULE = { code: "MESH002", name: "unreadable-input", level: Error, check: check };
}

/// Reported by the input step (`cli::common`), which alone knows what could
/// not be read; the rule exists for its code and documentation.
fn check(_: &Context<'_>, _: &mut Findings) {}
