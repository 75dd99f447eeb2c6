use std::collections::BTreeMap;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::node::Value;
use crate::source::FieldPath;

use super::document;

declare_rule! {
    /// A policy selects the pods of a Kubernetes Gateway by label.
    ///
    /// ## What it checks
    /// An AuthorizationPolicy, RequestAuthentication, Telemetry or WasmPlugin
    /// with a `selector` and no `targetRef` whose `matchLabels` all appear on
    /// a Pod of its namespace labelled `gateway.networking.k8s.io/gateway-name`;
    /// reported once per such Pod (istioctl's IST0166).
    ///
    /// ## Why it matters
    /// Istio applies policies to the Gateway API's gateways through
    /// `targetRef`: a selector on the generated gateway pods has no effect.
    ///
    /// ## Example
    /// ```yaml
    /// kind: AuthorizationPolicy
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       gateway.networking.k8s.io/gateway-name: bookinfo-gateway
    /// ```
    ///
    /// ## How to fix
    /// Replace the selector with `targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: bookinfo-gateway}`.
    pub static RULE = { code: "IST0166", name: "selector-on-kubernetes-gateway", level: Warning, check: check };
}

/// The label the Gateway API's deployments put on a gateway's pods.
const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

/// The policy kinds istioctl checks, by group.
const POLICY_KINDS: &[(&str, &str)] = &[
    ("security.istio.io", "AuthorizationPolicy"),
    ("security.istio.io", "RequestAuthentication"),
    ("telemetry.istio.io", "Telemetry"),
    ("extensions.istio.io", "WasmPlugin"),
];

fn check(context: &Context<'_>, findings: &mut Findings) {
    let gateway_pods: Vec<_> = context
        .index
        .objects
        .iter()
        .filter(|o| {
            matches!(o.spec, Spec::Pod(_)) && o.meta.labels.contains_key(GATEWAY_NAME_LABEL)
        })
        .collect();
    if gateway_pods.is_empty() {
        return;
    }
    for policy in &context.index.objects {
        if !POLICY_KINDS.contains(&(policy.group(), policy.kind())) {
            continue;
        }
        let Some(spec) = document(policy).and_then(|d| d.get("spec")) else {
            continue;
        };
        // istioctl reads only the singular targetRef here.
        if spec
            .get("targetRef")
            .is_some_and(|t| t.value != Value::Null)
        {
            continue;
        }
        let Some(selector) = spec.get("selector").filter(|s| s.value != Value::Null) else {
            continue;
        };
        let mut match_labels = BTreeMap::new();
        if let Some(Value::Map(entries)) = selector.get("matchLabels").map(|m| &m.value) {
            for entry in entries {
                match_labels.insert(&*entry.key, entry.value.as_str().unwrap_or_default());
            }
        }
        let namespace = policy.namespace_or(crate::index::DEFAULT_NAMESPACE);
        for pod in &gateway_pods {
            let selected = pod.namespace_or(crate::index::DEFAULT_NAMESPACE) == namespace
                && match_labels
                    .iter()
                    .all(|(k, v)| pod.meta.labels.get(*k).map(String::as_str) == Some(*v));
            if selected {
                findings.report(
                    policy,
                    &FieldPath::root().field("spec").field("selector"),
                    format!(
                        "Ineffective selector on Kubernetes Gateway {}. Use the TargetRef field instead.",
                        pod.meta.labels[GATEWAY_NAME_LABEL]
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!("../../../../../testdata/rules/gateway-api/selectors.yaml");

    #[test]
    fn reports_selectors_on_gateway_pods_without_target_ref() {
        assert_eq!(
            findings("selector-on-kubernetes-gateway", FIXTURE),
            [
                "IST0166 AuthorizationPolicy default/by-selector 20 spec.selector Ineffective selector on Kubernetes Gateway bookinfo-gateway. Use the TargetRef field instead.",
                "IST0166 Telemetry default/empty-selector 56 spec.selector Ineffective selector on Kubernetes Gateway bookinfo-gateway. Use the TargetRef field instead.",
            ]
        );
    }
}
