use super::lookup::{is_unlabeled, Injection};
use super::{labels_path, user_namespaces};
use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// An unlabeled namespace is injected because the injector enables namespaces by default.
    ///
    /// ## What it checks
    /// When the injector ConfigMap among the inputs (`istio-sidecar-injector`,
    /// whose `values` set `sidecarInjectorWebhook.enableNamespacesByDefault:
    /// true`), every Namespace object without `istio-injection`, `istio.io/rev`
    /// or `istio.io/dataplane-mode: ambient` (istioctl's IST0148). System and
    /// control-plane namespaces are skipped.
    ///
    /// ## Why it matters
    /// Every pod created in such a namespace gets a sidecar although nothing on
    /// the namespace says so; workloads that must stay out of the mesh (or use
    /// proxyless gRPC) have to opt out one by one.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop      # injected: enableNamespacesByDefault is true
    /// ```
    ///
    /// ## How to fix
    /// Label the namespace `istio-injection=enabled` to make the choice explicit, or `istio-injection=disabled` to keep it out of the mesh.
    pub static RULE = { code: "IST0148", name: "namespace-injected-by-default", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    if !Injection::new(context.index).by_default() {
        return;
    }
    for (_, object) in user_namespaces(context.index) {
        if !is_unlabeled(&object.meta.labels) {
            continue;
        }
        findings
            .report(
                object,
                &labels_path(object),
                "is enabled for Istio injection, as Istio is installed with enableNamespacesByDefault as true.",
            )
            .help = Some(
            "say so with `istio-injection: enabled`, or opt out with `istio-injection: disabled`".to_string(),
        );
    }
}

/// An injector ConfigMap that enables namespaces by default, for tests.
#[cfg(test)]
pub(super) const INJECTOR: &str =
    include_str!("../../../../../testdata/rules/workloads/namespace-injected-by-default.yaml");

#[cfg(test)]
mod tests {
    use super::super::run_rule;
    use super::INJECTOR;

    #[test]
    fn reports_unlabeled_namespaces_when_enabled_by_default() {
        let found = run_rule("namespace-injected-by-default", "injector.yaml", INJECTOR);
        assert_eq!(
            found,
            [(
                "IST0148".to_string(),
                "Namespace shop".to_string(),
                15,
                "metadata.name".to_string(),
                "is enabled for Istio injection, as Istio is installed with enableNamespacesByDefault as true.".to_string(),
            )]
        );
    }

    #[test]
    fn silent_without_the_injector_setting() {
        let text = INJECTOR.replace(
            "\"enableNamespacesByDefault\":true",
            "\"enableNamespacesByDefault\":false",
        );
        assert!(run_rule("namespace-injected-by-default", "injector.yaml", &text).is_empty());
    }
}
