//! Telemetry rules (Istio's `ValidateTelemetry` and the CRD's CEL rules).
//! Telemetry is not typed: the rules read the schema-checked document.
use serde_json::Value as Json;

use super::common::{self, spec_path, Errors};
use crate::source::FieldPath;

pub(super) fn check(spec: &Json, out: &mut Errors) {
    let root = spec_path();
    common::raw_policy_targets(out, &root, spec);
    for (i, metrics) in items(spec, "metrics") {
        let at = root.field("metrics").index(i);
        if let Some(interval) = metrics.get("reportingInterval").and_then(Json::as_str) {
            out.check(&at.field("reportingInterval"), at_least_1ms(interval));
        }
        for (j, overrides) in items(metrics, "overrides") {
            let tags = overrides.get("tagOverrides").and_then(Json::as_object);
            for (name, tag) in tags.into_iter().flatten() {
                tag_override(
                    out,
                    &at.field("overrides")
                        .index(j)
                        .field("tagOverrides")
                        .field(name),
                    name,
                    tag,
                );
            }
        }
    }
}

/// The entries of an array field, with their index.
fn items<'a>(value: &'a Json, field: &str) -> impl Iterator<Item = (usize, &'a Json)> {
    value
        .get(field)
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// An UPSERT sets a value; a REMOVE sets none.
fn tag_override(out: &mut Errors, path: &FieldPath, name: &str, tag: &Json) {
    let operation = tag
        .get("operation")
        .and_then(Json::as_str)
        .unwrap_or("UPSERT");
    let value = tag.get("value").filter(|v| !v.is_null());
    let has_value = value.and_then(Json::as_str).is_some_and(|v| !v.is_empty());
    match operation {
        "UPSERT" if !has_value => out.error(
            path,
            format!("tag {name:?}: value must be set when operation is UPSERT"),
        ),
        "REMOVE" if value.is_some() => out.error(
            &path.field("value"),
            format!("tag {name:?}: value must not be set when operation is REMOVE"),
        ),
        _ => {}
    }
}

/// The CRD's rule for `reportingInterval`: a duration of at least 1ms.
fn at_least_1ms(text: &str) -> Result<(), String> {
    const MILLISECOND: i128 = 1_000_000;
    if common::parse_duration(text)? < MILLISECOND {
        return Err(format!("duration {text:?} must be greater than 1ms"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::FieldError;

    fn telemetry(spec: &str) -> Vec<FieldError> {
        check_yaml(&object_yaml(
            "telemetry.istio.io/v1",
            "Telemetry",
            "t",
            spec,
        ))
    }

    #[test]
    fn realistic_telemetry_is_clean() {
        assert_clean(&telemetry(
            r#"
selector: {matchLabels: {app: reviews}}
metrics:
- providers: [{name: prometheus}]
  reportingInterval: 15s
  overrides:
  - match: {metric: REQUEST_COUNT, mode: CLIENT_AND_SERVER}
    tagOverrides:
      request_host: {operation: UPSERT, value: "request.host"}
      request_protocol: {operation: REMOVE}
tracing:
- providers: [{name: zipkin}]
  randomSamplingPercentage: 10.5
accessLogging:
- providers: [{name: envoy}]
"#,
        ));
    }

    #[test]
    fn tag_overrides_match_their_operation() {
        let errors = telemetry(
            r#"
metrics:
- overrides:
  - tagOverrides:
      foo: {operation: UPSERT}
      bar: {}
      baz: {operation: REMOVE, value: oops}
"#,
        );
        assert_error(
            &errors,
            "spec.metrics[0].overrides[0].tagOverrides.foo",
            "tag \"foo\": value must be set when operation is UPSERT",
        );
        // UPSERT is the default operation.
        assert_error(
            &errors,
            "spec.metrics[0].overrides[0].tagOverrides.bar",
            "value must be set when operation is UPSERT",
        );
        assert_error(
            &errors,
            "spec.metrics[0].overrides[0].tagOverrides.baz.value",
            "value must not be set when operation is REMOVE",
        );
    }

    #[test]
    fn targets_and_intervals() {
        let errors = telemetry(
            r#"
selector: {matchLabels: {app: a}}
targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: w}]
metrics: [{reportingInterval: 0s}]
"#,
        );
        assert_error(
            &errors,
            "spec",
            "only one of targetRefs or selector can be set",
        );
        assert_error(
            &errors,
            "spec.metrics[0].reportingInterval",
            "must be greater than 1ms",
        );
    }
}
