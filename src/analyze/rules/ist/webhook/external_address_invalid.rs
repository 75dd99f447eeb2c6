use super::istio_webhooks::client_config_path;
use super::url::host;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::webhook::{self, Webhook};
use crate::model::Object;

declare_rule! {
    /// An Istio webhook has neither a Service nor a valid URL.
    ///
    /// ## What it checks
    /// The webhooks of Istio's validator (`istiod-default-validator`,
    /// `istio-validator*`) and injector (`istio-sidecar-injector*`)
    /// configurations, as an external control plane's remote cluster has them
    /// (istioctl's IST0163): a webhook with no `clientConfig.service` must have a
    /// `clientConfig.url`, and the URL must parse.
    ///
    /// ## Why it matters
    /// With an external control plane the API server reaches istiod through
    /// the URL; without one (or with one it cannot read), injection and
    /// validation requests fail, and with them pod creation or config updates.
    ///
    /// ## Example
    /// ```yaml
    /// kind: MutatingWebhookConfiguration
    /// metadata: {name: istio-sidecar-injector-external-istiod}
    /// webhooks:
    /// - name: rev.namespace.sidecar-injector.istio.io
    ///   clientConfig:
    ///     url:            # blank
    /// ```
    ///
    /// ## How to fix
    /// Set `clientConfig.url` to the address of the external control plane's ingress gateway (for example `https://istiod.example.com:15017/inject/cluster/CLUSTER/net/NETWORK`).
    pub static RULE = { code: "IST0163", name: "external-control-plane-address-invalid", level: Warning, check: check };
}

/// Istio's validator and injector configurations.
pub(super) fn control_plane_webhooks(
    objects: &[Object],
) -> impl Iterator<Item = (&Object, Webhook)> {
    objects
        .iter()
        .filter(|object| {
            let name = object.meta.name.as_str();
            (webhook::is_validating(object)
                && (name == "istiod-default-validator" || name.starts_with("istio-validator")))
                || (webhook::is_mutating(object) && name.starts_with("istio-sidecar-injector"))
        })
        .flat_map(|object| {
            webhook::webhooks(object)
                .into_iter()
                .map(move |w| (object, w))
        })
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for (object, hook) in control_plane_webhooks(&context.index.objects) {
        let config = &hook.client_config;
        let (problem, path) = match (&config.url, &config.service) {
            (Some(url), _) => match host(url) {
                Ok(_) => continue,
                Err(why) => (
                    format!("URL {url:?} {why}"),
                    client_config_path(&hook).field("url"),
                ),
            },
            (None, Some(_)) => continue,
            (None, None) => ("is blank".to_string(), client_config_path(&hook)),
        };
        findings
            .report(
                object,
                &path,
                format!(
                    "The address of webhook {} for the external control plane's ingress gateway {problem}: traffic may not flow properly.",
                    hook.name
                ),
            )
            .help = Some("set clientConfig.url to the external control plane's ingress gateway, or clientConfig.service to an in-cluster istiod".into());
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/webhooks/external-control-plane.yaml");

    #[test]
    fn reports_blank_and_unreadable_addresses() {
        let found = run_rule(
            "external-control-plane-address-invalid",
            "webhooks.yaml",
            FIXTURE,
        );
        let summary: Vec<_> = found.iter().map(|f| (f.1.as_str(), f.3.as_str())).collect();
        assert_eq!(
            summary,
            [
                (
                    "ValidatingWebhookConfiguration istio-validator-external-istiod",
                    "webhooks[0].clientConfig"
                ),
                (
                    "MutatingWebhookConfiguration istio-sidecar-injector-external-istiod",
                    "webhooks[1].clientConfig.url"
                ),
            ]
        );
        assert_eq!(
            found[0].4,
            "The address of webhook rev.validation.istio.io for the external control plane's ingress gateway is blank: traffic may not flow properly."
        );
    }
}
