use super::external_address_invalid::control_plane_webhooks;
use super::istio_webhooks::client_config_path;
use super::url::{host, is_ip};
use crate::analyze::{Context, Findings};
use crate::declare_rule;

declare_rule! {
    /// An Istio webhook reaches the external control plane by IP address.
    ///
    /// ## What it checks
    /// The webhooks of Istio's validator and injector configurations (as
    /// `external-control-plane-address-invalid` finds them) whose
    /// `clientConfig.url` has an IP address for its host (istioctl's IST0164).
    ///
    /// ## Why it matters
    /// An IP address ties the remote cluster to one address of the external
    /// control plane's gateway, and its certificate must then name the IP: a
    /// hostname survives gateway changes and matches the usual certificates.
    ///
    /// ## Example
    /// ```yaml
    /// webhooks:
    /// - name: rev.namespace.sidecar-injector.istio.io
    ///   clientConfig:
    ///     url: https://1.1.1.1:15017/inject/cluster/c1/net/n1
    /// ```
    ///
    /// ## How to fix
    /// Use a DNS name that resolves to the external control plane's ingress gateway in `clientConfig.url`.
    pub static RULE = { code: "IST0164", name: "external-control-plane-address-ip", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for (object, hook) in control_plane_webhooks(&context.index.objects) {
        let Some(url) = &hook.client_config.url else {
            continue;
        };
        if !host(url).is_ok_and(is_ip) {
            continue;
        }
        findings
            .report(
                object,
                &client_config_path(&hook).field("url"),
                format!(
                    "The address {url} of webhook {} for the external control plane's ingress gateway is an IP address, which is not recommended in production.",
                    hook.name
                ),
            )
            .help = Some("use a hostname that resolves to the gateway".into());
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/webhooks/external-control-plane.yaml");

    #[test]
    fn reports_ip_addresses() {
        let found = run_rule(
            "external-control-plane-address-ip",
            "webhooks.yaml",
            FIXTURE,
        );
        let summary: Vec<_> = found.iter().map(|f| (f.1.as_str(), f.3.as_str())).collect();
        assert_eq!(
            summary,
            [(
                "MutatingWebhookConfiguration istio-sidecar-injector-external-istiod",
                "webhooks[2].clientConfig.url"
            )]
        );
    }
}
