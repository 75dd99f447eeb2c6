//! Rules on Istio's admission webhook configurations: injector webhooks
//! that overlap or name a missing Service (istioctl's `webhook.Analyzer`),
//! and webhook addresses of an external control plane
//! (`externalcontrolplane.ExternalControlPlaneAnalyzer`).

mod external_address_invalid;
mod external_address_ip;
mod injector_overlap;
mod injector_service_not_found;
mod istio_webhooks;
mod url;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &injector_overlap::RULE,
    &injector_service_not_found::RULE,
    &external_address_invalid::RULE,
    &external_address_ip::RULE,
];

#[cfg(test)]
pub(crate) use crate::analyze::testing::run_rule;
