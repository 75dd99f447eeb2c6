//! Admission webhook configurations (`admissionregistration.k8s.io/v1`),
//! kept raw by the model: read on demand by the rules on Istio's injector and
//! validator webhooks.

use std::collections::BTreeMap;

use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration, WebhookClientConfig,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde_json::Value as Json;

use super::Object;

const GROUP: &str = "admissionregistration.k8s.io";

/// The webhook fields the rules read, from either kind of configuration.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Its index in the configuration's `webhooks`.
    pub position: usize,
    pub name: String,
    pub client_config: WebhookClientConfig,
    pub namespace_selector: Option<LabelSelector>,
    pub object_selector: Option<LabelSelector>,
}

/// Whether `object` is a MutatingWebhookConfiguration.
pub fn is_mutating(object: &Object) -> bool {
    object.group() == GROUP && object.kind() == "MutatingWebhookConfiguration"
}

/// Whether `object` is a ValidatingWebhookConfiguration.
pub fn is_validating(object: &Object) -> bool {
    object.group() == GROUP && object.kind() == "ValidatingWebhookConfiguration"
}

/// The webhooks of a Mutating- or ValidatingWebhookConfiguration; empty for
/// any other object, or one that does not read as its kind.
pub fn webhooks(object: &Object) -> Vec<Webhook> {
    // The two configurations' webhooks are distinct types with the same
    // fields we read.
    macro_rules! read_webhooks {
        ($configuration:ty) => {
            read::<$configuration>(&object.doc.raw)
                .and_then(|c| c.webhooks)
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(position, w)| Webhook {
                    position,
                    name: w.name,
                    client_config: w.client_config,
                    namespace_selector: w.namespace_selector,
                    object_selector: w.object_selector,
                })
                .collect()
        };
    }
    if is_mutating(object) {
        read_webhooks!(MutatingWebhookConfiguration)
    } else if is_validating(object) {
        read_webhooks!(ValidatingWebhookConfiguration)
    } else {
        Vec::new()
    }
}

fn read<T: serde::de::DeserializeOwned>(raw: &Json) -> Option<T> {
    serde_json::from_value(raw.clone()).ok()
}

/// Whether a webhook's label selector matches `labels`, as the API server
/// decides it: no selector matches everything; an invalid one (an unknown
/// operator, `In` without values...) matches nothing.
pub fn selector_matches(
    selector: Option<&LabelSelector>,
    labels: &BTreeMap<String, String>,
) -> bool {
    let Some(selector) = selector else {
        return true;
    };
    let by_label = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(key, value)| labels.get(key) == Some(value));
    let by_expression = selector.match_expressions.iter().flatten().all(|e| {
        let values = e.values.as_deref().unwrap_or_default();
        let value = labels.get(&e.key);
        match e.operator.as_str() {
            "In" => !values.is_empty() && value.is_some_and(|v| values.contains(v)),
            "NotIn" => !values.is_empty() && value.is_none_or(|v| !values.contains(v)),
            "Exists" => values.is_empty() && value.is_some(),
            "DoesNotExist" => values.is_empty() && value.is_none(),
            _ => false,
        }
    });
    by_label && by_expression
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn expression(key: &str, operator: &str, values: &[&str]) -> LabelSelector {
        LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: key.into(),
                operator: operator.into(),
                values: (!values.is_empty())
                    .then(|| values.iter().map(|v| v.to_string()).collect()),
            }]),
            match_labels: None,
        }
    }

    #[test]
    fn selectors_match_as_the_api_server_does() {
        let enabled = labels(&[("istio-injection", "enabled")]);
        assert!(selector_matches(None, &BTreeMap::new()));
        let by_label = LabelSelector {
            match_labels: Some(enabled.clone()),
            match_expressions: None,
        };
        assert!(selector_matches(Some(&by_label), &enabled));
        assert!(!selector_matches(Some(&by_label), &BTreeMap::new()));
        let not_in = expression("istio-injection", "NotIn", &["disabled"]);
        assert!(selector_matches(Some(&not_in), &BTreeMap::new()));
        assert!(!selector_matches(
            Some(&not_in),
            &labels(&[("istio-injection", "disabled")])
        ));
        assert!(!selector_matches(
            Some(&expression("istio.io/rev", "DoesNotExist", &[])),
            &labels(&[("istio.io/rev", "canary")])
        ));
        assert!(!selector_matches(
            Some(&expression("a", "Bogus", &[])),
            &enabled
        ));
    }
}
