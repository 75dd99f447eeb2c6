use std::collections::BTreeSet;

use serde_json::Value as Json;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::telemetries;

declare_rule! {
    /// A Telemetry traces to a Lightstep extension provider, which is deprecated.
    ///
    /// ## What it checks
    /// `spec.tracing[].providers[].name` naming an extension provider of the
    /// mesh config (`extensionProviders`) of type `lightstep`; reported once
    /// per provider name and Telemetry (istioctl's IST0002).
    ///
    /// ## Why it matters
    /// Istio deprecated the Lightstep provider in favour of OpenTelemetry,
    /// which Lightstep accepts; it will be removed, and traces sent through it
    /// will stop.
    ///
    /// ## Example
    /// ```yaml
    /// # mesh config
    /// extensionProviders:
    /// - name: lightstep
    ///   lightstep: {service: lightstep.monitoring.svc.cluster.local, port: 443}
    /// ---
    /// apiVersion: telemetry.istio.io/v1
    /// kind: Telemetry
    /// metadata: {name: mesh-default, namespace: istio-system}
    /// spec:
    ///   tracing:
    ///   - providers: [{name: lightstep}]
    /// ```
    ///
    /// ## How to fix
    /// Define an `opentelemetry` extension provider that sends to Lightstep and name it instead.
    pub static RULE = { code: "IST0002", name: "telemetry-lightstep-provider", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let lightstep: BTreeSet<&str> = context
        .index
        .mesh_config
        .other
        .get("extensionProviders")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter(|provider| provider.get("lightstep").is_some_and(|l| !l.is_null()))
        .filter_map(|provider| provider.get("name").and_then(Json::as_str))
        .collect();
    if lightstep.is_empty() {
        return;
    }
    for telemetry in telemetries(context.index) {
        let tracing = telemetry
            .object
            .doc
            .raw
            .pointer("/spec/tracing")
            .and_then(Json::as_array);
        let mut reported = BTreeSet::new();
        for (i, entry) in tracing.into_iter().flatten().enumerate() {
            let providers = entry.get("providers").and_then(Json::as_array);
            for (j, provider) in providers.into_iter().flatten().enumerate() {
                let Some(name) = provider.get("name").and_then(Json::as_str) else {
                    continue;
                };
                if !lightstep.contains(name) || !reported.insert(name) {
                    continue;
                }
                let path = FieldPath::root()
                    .field("spec")
                    .field("tracing")
                    .index(i)
                    .field("providers")
                    .index(j)
                    .field("name");
                findings
                    .report(
                        telemetry.object,
                        &path,
                        format!(
                            "Deprecated: The Lightstep provider {name} is deprecated, please migrate to OpenTelemetry provider."
                        ),
                    )
                    .help = Some(
                    "define an opentelemetry extension provider that exports to Lightstep, and name it here"
                        .to_string(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::mesh_config_with;
    use crate::analyze::rules::ist::authorization_policy::testing::{findings, findings_with};

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/telemetry-lightstep-provider.yaml"
    );

    fn providers() -> crate::model::MeshConfig {
        mesh_config_with(
            "extensionProviders",
            json!([
                {"name": "lightstep", "lightstep": {"service": "lightstep.monitoring.svc.cluster.local", "port": 443}},
                {"name": "otel", "opentelemetry": {"service": "otel.monitoring.svc.cluster.local", "port": 4317}},
            ]),
        )
    }

    #[test]
    fn reports_tracing_to_lightstep_providers() {
        assert_eq!(
            findings_with("telemetry-lightstep-provider", FIXTURE, providers()),
            [
                "IST0002 Telemetry istio-system/mesh-default 9 spec.tracing[0].providers[0].name Deprecated: The Lightstep provider lightstep is deprecated, please migrate to OpenTelemetry provider.",
            ]
        );
    }

    #[test]
    fn silent_without_lightstep_providers() {
        assert!(findings("telemetry-lightstep-provider", FIXTURE).is_empty());
    }
}
