use super::istio_webhooks::{client_config_path, injectors};
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;

declare_rule! {
    /// An Istio injector webhook calls a Service that is not in the inputs.
    ///
    /// ## What it checks
    /// Webhooks of Istio's injector MutatingWebhookConfigurations (as
    /// `injector-webhooks-overlap` finds them) whose `clientConfig.service`
    /// names a Service that no input declares (istioctl's IST0139). Webhooks
    /// reaching their injector by `url` are not checked.
    ///
    /// ## Why it matters
    /// The API server cannot call the injector: with `failurePolicy: Fail`
    /// every pod creation the webhook selects is rejected, and with `Ignore`
    /// the pods start without a proxy.
    ///
    /// ## Example
    /// ```yaml
    /// webhooks:
    /// - name: sidecar-injector.istio.io
    ///   clientConfig:
    ///     service: {name: istiod-canary, namespace: istio-system}   # no such Service
    /// ```
    ///
    /// ## How to fix
    /// Point the webhook at the istiod Service of the revision it belongs to, or delete the configuration of a removed revision.
    pub static RULE = { code: "IST0139", name: "injector-service-not-found", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let exists = |namespace: &str, name: &str| {
        index.objects.iter().any(|o| {
            matches!(o.spec, Spec::Service(_))
                && o.meta.name == name
                && o.meta.namespace.as_deref().unwrap_or("") == namespace
        })
    };
    for injector in injectors(index) {
        for hook in &injector.webhooks {
            let Some(service) = &hook.client_config.service else {
                continue;
            };
            if exists(&service.namespace, &service.name) {
                continue;
            }
            findings.report(
                injector.object,
                &client_config_path(hook).field("service"),
                format!(
                    "Injector refers to a control plane service that does not exist: {}/{}.",
                    service.namespace, service.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/webhooks/injector-webhooks.yaml");

    #[test]
    fn reports_webhooks_calling_missing_services() {
        let found = run_rule("injector-service-not-found", "webhooks.yaml", FIXTURE);
        let summary: Vec<_> = found
            .iter()
            .map(|f| (f.1.as_str(), f.3.as_str(), f.4.as_str()))
            .collect();
        assert_eq!(
            summary,
            [(
                "MutatingWebhookConfiguration istio-sidecar-injector-stale",
                "webhooks[0].clientConfig.service",
                "Injector refers to a control plane service that does not exist: istio-system/istiod-stale."
            )]
        );
    }
}
