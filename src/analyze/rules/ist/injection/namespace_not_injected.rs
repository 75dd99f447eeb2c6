use super::lookup::{is_unlabeled, Injection};
use super::{labels_path, user_namespaces};
use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// A namespace carries no label saying whether Istio should inject its pods.
    ///
    /// ## What it checks
    /// Namespace objects with none of `istio-injection`, `istio.io/rev` or
    /// `istio.io/dataplane-mode: ambient` (istioctl's IST0102). Kubernetes
    /// system namespaces and the Istio control-plane namespace are skipped, and
    /// so is every namespace when the injector config among the inputs sets
    /// `enableNamespacesByDefault` (IST0148 reports those instead).
    ///
    /// ## Why it matters
    /// Pods started there get no sidecar and no proxyless bootstrap: they are
    /// outside the mesh, with no mTLS, policy or telemetry, which is easy to
    /// miss when it was not meant.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop      # no istio-injection label
    /// ```
    ///
    /// ## How to fix
    /// Label the namespace `istio-injection=enabled` (or `istio.io/rev=<revision>`), or `istio-injection=disabled` to say it stays out of the mesh.
    pub static RULE = { code: "IST0102", name: "namespace-not-injected", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    if Injection::new(context.index).by_default() {
        return;
    }
    for (name, object) in user_namespaces(context.index) {
        if !is_unlabeled(&object.meta.labels) {
            continue;
        }
        findings
            .report(
                object,
                &labels_path(object),
                format!(
                    "The namespace is not enabled for Istio injection. Run 'kubectl label namespace {name} istio-injection=enabled' to enable it, or 'kubectl label namespace {name} istio-injection=disabled' to explicitly mark it as not needing injection."
                ),
            )
            .help = Some(
            "add `istio-injection: enabled` (or `istio.io/rev: <revision>`) to metadata.labels, or `istio-injection: disabled` to keep it out of the mesh"
                .to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/workloads/namespace-not-injected.yaml");

    #[test]
    fn reports_unlabeled_user_namespaces() {
        let found = run_rule("namespace-not-injected", "ns.yaml", FIXTURE);
        assert_eq!(
            found,
            [
                (
                    "IST0102".to_string(),
                    "Namespace shop".to_string(),
                    6,
                    "metadata.name".to_string(),
                    "The namespace is not enabled for Istio injection. Run 'kubectl label namespace shop istio-injection=enabled' to enable it, or 'kubectl label namespace shop istio-injection=disabled' to explicitly mark it as not needing injection.".to_string(),
                ),
                (
                    "IST0102".to_string(),
                    "Namespace team".to_string(),
                    13,
                    "metadata.labels".to_string(),
                    "The namespace is not enabled for Istio injection. Run 'kubectl label namespace team istio-injection=enabled' to enable it, or 'kubectl label namespace team istio-injection=disabled' to explicitly mark it as not needing injection.".to_string(),
                ),
            ]
        );
    }

    #[test]
    fn silent_when_the_injector_enables_namespaces_by_default() {
        let text = format!(
            "{FIXTURE}\n---\n{}",
            super::super::namespace_injected_by_default::INJECTOR
        );
        assert!(run_rule("namespace-not-injected", "ns.yaml", &text).is_empty());
    }
}
