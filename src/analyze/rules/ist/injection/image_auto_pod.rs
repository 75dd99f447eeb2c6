use super::image_auto::{auto_image, image_path, not_injected};
use super::lookup::Injection;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::DEFAULT_NAMESPACE;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A Pod's `image: auto` proxy will not be injected.
    ///
    /// ## What it checks
    /// Pods with an `istio-proxy` container whose image is `auto` that no Istio
    /// injector will see (istioctl's IST0147), decided as for Deployments
    /// (`image-auto-deployment-not-injected`): by the selectors of Istio's
    /// injector webhooks among the inputs, else by the injection labels of the
    /// pod and its declared namespace.
    ///
    /// ## Why it matters
    /// The injector never replaces the placeholder, so the pod tries to pull an
    /// image named `auto` and never starts.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Pod
    /// metadata: {name: proxy, namespace: default}
    /// spec:
    ///   containers:
    ///   - name: istio-proxy
    ///     image: auto
    /// ```
    ///
    /// ## How to fix
    /// Enable injection for the namespace or label the pod `sidecar.istio.io/inject: "true"`, then recreate it.
    pub static RULE = { code: "IST0147", name: "image-auto-pod-not-injected", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let injection = Injection::new(index);
    for object in &index.objects {
        let Spec::Pod(pod) = &object.spec else {
            continue;
        };
        let Some(container) = pod.spec.as_ref().and_then(auto_image) else {
            continue;
        };
        let namespace = object.namespace_or(DEFAULT_NAMESPACE);
        let meta = &object.meta;
        if !not_injected(
            index,
            &injection,
            namespace,
            &meta.labels,
            &meta.annotations,
        ) {
            continue;
        }
        findings.report(
            object,
            &image_path(FieldPath::root().field("spec"), container),
            format!(
                "Pod {} has an istio-proxy container with `image: auto`, but no Istio injection webhook selects it.",
                meta.name
            ),
        ).help = Some("without injection the pod tries to pull an image named `auto`; enable injection for the namespace or the pod".into());
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str = include_str!("../../../../../testdata/rules/workloads/image-auto.yaml");

    #[test]
    fn reports_pods_no_webhook_selects() {
        let found = run_rule("IST0147", "image-auto.yaml", FIXTURE);
        let origins: Vec<_> = found.iter().map(|f| (f.1.as_str(), f.3.as_str())).collect();
        assert_eq!(origins, [("Pod plain/proxy", "spec.containers[0].image")]);
    }
}
