use super::image_auto::{auto_image, image_path, not_injected};
use super::lookup::Injection;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::DEFAULT_NAMESPACE;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A Deployment's `image: auto` proxy will not be injected.
    ///
    /// ## What it checks
    /// Deployments whose pod template has an `istio-proxy` container with
    /// `image: auto` (as gateway deployments do) that no Istio injector will
    /// see (istioctl's IST0146). With Istio's injector
    /// MutatingWebhookConfigurations (webhooks named `*istio.io`) among the
    /// inputs, no webhook's namespace and object selectors match the
    /// Deployment's namespace and template labels. Without them, the template
    /// opts out with `sidecar.istio.io/inject`, or its declared namespace is not
    /// enabled for injection.
    ///
    /// ## Why it matters
    /// `auto` is a placeholder the injector replaces with the proxy image; if
    /// the injector never sees the pods, they fail to pull an image named
    /// `auto` and never start.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// metadata: {name: ingress, namespace: not-injected}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - name: istio-proxy
    ///         image: auto
    /// ```
    ///
    /// ## How to fix
    /// Enable injection for the namespace (`istio-injection: enabled` or `istio.io/rev`) or label the pod template `sidecar.istio.io/inject: "true"`.
    pub static RULE = { code: "IST0146", name: "image-auto-deployment-not-injected", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let injection = Injection::new(index);
    for object in &index.objects {
        let Spec::Deployment(deployment) = &object.spec else {
            continue;
        };
        let Some(template) = deployment.spec.as_ref().map(|s| &s.template) else {
            continue;
        };
        let Some(container) = template.spec.as_ref().and_then(auto_image) else {
            continue;
        };
        static NONE: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
        let meta = template.metadata.as_ref();
        let labels = meta.and_then(|m| m.labels.as_ref()).unwrap_or(&NONE);
        let annotations = meta.and_then(|m| m.annotations.as_ref()).unwrap_or(&NONE);
        let namespace = object.namespace_or(DEFAULT_NAMESPACE);
        if !not_injected(index, &injection, namespace, labels, annotations) {
            continue;
        }
        let spec = FieldPath::root()
            .field("spec")
            .field("template")
            .field("spec");
        findings.report(
            object,
            &image_path(spec, container),
            format!(
                "Deployment {} has an istio-proxy container with `image: auto`, but no Istio injection webhook selects its pods.",
                object.meta.name
            ),
        ).help = Some("without injection the pods try to pull an image named `auto`; enable injection for the namespace or the pod template".into());
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str = include_str!("../../../../../testdata/rules/workloads/image-auto.yaml");

    #[test]
    fn reports_deployments_no_webhook_selects() {
        let found = run_rule("IST0146", "image-auto.yaml", FIXTURE);
        let origins: Vec<_> = found
            .iter()
            .map(|f| (f.1.as_str(), f.2, f.3.as_str()))
            .collect();
        assert_eq!(
            origins,
            [(
                "Deployment plain/gateway",
                55,
                "spec.template.spec.containers[0].image"
            )]
        );
    }

    #[test]
    fn without_webhooks_the_injection_labels_decide() {
        let fixture = FIXTURE.split("# webhooks-end\n").nth(1).unwrap();
        let found = run_rule("IST0146", "image-auto.yaml", fixture);
        let origins: Vec<_> = found.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(origins, ["Deployment plain/gateway"]);
    }
}
