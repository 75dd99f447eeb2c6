use serde_json::Value as Json;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::telemetries;

declare_rule! {
    /// A Telemetry's access logging names no provider, and the mesh has no default access-log provider.
    ///
    /// ## What it checks
    /// An entry of `spec.accessLogging` that is not `disabled: true` and has
    /// no `providers`, when the mesh config sets no
    /// `defaultProviders.accessLogging`; reported once per Telemetry, at its
    /// first such entry (istioctl's IST0157).
    ///
    /// ## Why it matters
    /// Without a provider, named or default, istiod has nowhere to send the
    /// logs: the entry, its filter included, is ignored and nothing is logged.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: telemetry.istio.io/v1
    /// kind: Telemetry
    /// metadata: {name: mesh-default, namespace: istio-system}
    /// spec:
    ///   accessLogging:
    ///   - filter:
    ///       expression: response.code >= 400
    /// ```
    ///
    /// ## How to fix
    /// Name a provider (`providers: [{name: envoy}]`), or set `defaultProviders.accessLogging` in the mesh config.
    pub static RULE = { code: "IST0157", name: "telemetry-access-logging-without-provider", level: Warning, check: check };
}

/// Whether a JSON value is a non-empty array.
fn non_empty(value: Option<&Json>) -> bool {
    value
        .and_then(Json::as_array)
        .is_some_and(|items| !items.is_empty())
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let defaults = context
        .index
        .mesh_config
        .other
        .get("defaultProviders")
        .and_then(|d| d.get("accessLogging"));
    if non_empty(defaults) {
        return;
    }
    for telemetry in telemetries(context.index) {
        let entries = telemetry
            .object
            .doc
            .raw
            .pointer("/spec/accessLogging")
            .and_then(Json::as_array);
        let Some(first) = entries.into_iter().flatten().position(|entry| {
            let disabled = entry.get("disabled").and_then(Json::as_bool) == Some(true);
            !disabled && !non_empty(entry.get("providers"))
        }) else {
            continue;
        };
        let path = FieldPath::root()
            .field("spec")
            .field("accessLogging")
            .index(first);
        findings
            .report(
                telemetry.object,
                &path,
                format!(
                    "The Telemetry {} in namespace {:?} with empty providers will be ignored.",
                    telemetry.object.display_name(),
                    telemetry.namespace
                ),
            )
            .help = Some(
            "name a provider in the entry, or set defaultProviders.accessLogging in the mesh config"
                .to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::mesh_config_with;
    use crate::analyze::rules::ist::authorization_policy::testing::{findings, findings_with};

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/telemetry-access-logging-without-provider.yaml"
    );

    #[test]
    fn reports_entries_without_providers_once_per_telemetry() {
        assert_eq!(
            findings("telemetry-access-logging-without-provider", FIXTURE),
            [
                "IST0157 Telemetry istio-system/mesh-default 10 spec.accessLogging[1] The Telemetry mesh-default in namespace \"istio-system\" with empty providers will be ignored.",
            ]
        );
    }

    #[test]
    fn default_providers_fill_in() {
        let config = mesh_config_with("defaultProviders", json!({"accessLogging": ["envoy"]}));
        assert!(
            findings_with("telemetry-access-logging-without-provider", FIXTURE, config).is_empty()
        );
    }
}
