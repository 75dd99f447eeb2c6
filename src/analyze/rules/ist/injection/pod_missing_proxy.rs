use super::lookup::{has_istio_proxy, inject_switch, is_proxyless, Injection};
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::DEFAULT_NAMESPACE;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A pod in an injection-enabled namespace has no Istio proxy.
    ///
    /// ## What it checks
    /// Pods in a declared namespace where injection is on (`istio-injection:
    /// enabled`, `istio.io/rev`, or unlabeled with `enableNamespacesByDefault`)
    /// that have no container named `istio-proxy` (istioctl's IST0103). Pods
    /// that opt out (`sidecar.istio.io/inject: "false"`), run on the host
    /// network, or are proxyless gRPC pods (`inject.istio.io/templates` naming
    /// `grpc-simple` or `grpc-agent`, a `grpc-bootstrap-init` init container,
    /// or `GRPC_XDS_BOOTSTRAP` in a container's environment) are not reported.
    ///
    /// ## Why it matters
    /// The pod was created before injection was enabled, or the webhook did not
    /// reach it: it runs outside the mesh, without mTLS or policy, while its
    /// namespace says it should be in.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Pod
    /// metadata:
    ///   name: web
    ///   namespace: shop    # labelled istio-injection: enabled
    /// spec:
    ///   containers:
    ///   - name: web        # no istio-proxy
    /// ```
    ///
    /// ## How to fix
    /// Restart or redeploy the workload so the injector adds the proxy, or opt the pod out with the label `sidecar.istio.io/inject: "false"`.
    pub static RULE = { code: "IST0103", name: "pod-missing-proxy", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let injection = Injection::new(context.index);
    for object in &context.index.objects {
        let Spec::Pod(pod) = &object.spec else {
            continue;
        };
        let Some(spec) = &pod.spec else { continue };
        let namespace = object.namespace_or(DEFAULT_NAMESPACE);
        if !injection.namespace_injects(namespace) {
            continue;
        }
        let meta = &object.meta;
        let opted_out = inject_switch(&meta.labels, &meta.annotations)
            .is_some_and(|v| v.eq_ignore_ascii_case("false"));
        if opted_out
            || spec.host_network == Some(true)
            || has_istio_proxy(spec)
            || is_proxyless(&meta.annotations, spec)
        {
            continue;
        }
        findings
            .report(
                object,
                &FieldPath::root().field("spec").field("containers"),
                format!(
                    "The pod {} is missing the Istio proxy. This can often be resolved by restarting or redeploying the workload.",
                    object.display_name()
                ),
            )
            .help = Some(format!(
            "namespace {namespace} is enabled for injection; recreate the pod so the injector adds istio-proxy, or label it sidecar.istio.io/inject: \"false\""
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/workloads/pod-missing-proxy.yaml");

    #[test]
    fn reports_uninjected_pods_but_not_proxyless_ones() {
        let found = run_rule("pod-missing-proxy", "pods.yaml", FIXTURE);
        assert_eq!(
            found,
            [
                (
                    "IST0103".to_string(),
                    "Pod shop/plain".to_string(),
                    13,
                    "spec.containers".to_string(),
                    "The pod plain is missing the Istio proxy. This can often be resolved by restarting or redeploying the workload.".to_string(),
                ),
                (
                    "IST0103".to_string(),
                    "Pod canary/plain".to_string(),
                    26,
                    "spec.containers".to_string(),
                    "The pod plain is missing the Istio proxy. This can often be resolved by restarting or redeploying the workload.".to_string(),
                ),
            ]
        );
    }
}
