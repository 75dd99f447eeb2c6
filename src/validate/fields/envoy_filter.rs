//! EnvoyFilter rules (the CRD's CEL rules). `configPatches` stay untyped in
//! the model, so their rules read the raw patch.
use serde_json::Value as Json;

use super::common::{self, spec_path, Errors};
use crate::model::networking::EnvoyFilterSpec;
use crate::source::FieldPath;

pub(super) fn check(spec: &EnvoyFilterSpec, out: &mut Errors) {
    let root = spec_path();
    if spec.workload_selector.is_some() && !spec.target_refs.is_empty() {
        out.error(
            &root,
            "only one of targetRefs or workloadSelector can be set",
        );
    }
    if let Some(selector) = &spec.workload_selector {
        common::selector_labels(
            out,
            &root.field("workloadSelector").field("labels"),
            &selector.labels,
        );
    }
    for (i, target) in spec.target_refs.iter().enumerate() {
        if target.namespace.as_deref().is_some_and(|ns| !ns.is_empty()) {
            out.error(
                &root.field("targetRefs").index(i).field("namespace"),
                "cross namespace referencing is not currently supported",
            );
        }
    }
    for (i, patch) in spec.config_patches.iter().enumerate() {
        let at = root.field("configPatches").index(i).field("match");
        if let Some(Json::Object(matcher)) = patch.get("match") {
            check_match(out, &at, matcher);
        }
    }
}

/// A `waypoint` match goes with `context: WAYPOINT`, and that context needs one.
fn check_match(out: &mut Errors, path: &FieldPath, matcher: &serde_json::Map<String, Json>) {
    let waypoint = matcher.get("waypoint").filter(|w| !w.is_null());
    let context = matcher.get("context").and_then(Json::as_str);
    match (context, waypoint) {
        (Some("WAYPOINT"), None) => out.error(
            path,
            "context WAYPOINT needs a waypoint match (the only match supported for WAYPOINT)",
        ),
        (Some("WAYPOINT"), Some(_)) => {}
        (_, Some(_)) => out.error(
            path,
            format!(
                "a waypoint match is only supported with context WAYPOINT, found context {}",
                context.unwrap_or("ANY (unset)")
            ),
        ),
        (_, None) => {}
    }
    let Some(port) = waypoint.and_then(|w| w.get("portNumber")) else {
        return;
    };
    let at = path.field("waypoint").field("portNumber");
    match port {
        Json::Null => {}
        Json::Number(n) if n.as_u64().is_some_and(|n| (1..=65535).contains(&n)) => {}
        Json::Number(n) if n.is_f64() => out.error(
            &at,
            format!("port number must be an integer in the range 1..65535, found {n}"),
        ),
        Json::Number(n) => out.error(
            &at,
            format!("port number {n} must be in the range 1..65535"),
        ),
        other => out.error(
            &at,
            format!("port number must be an integer, found {other}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::FieldError;

    fn ef(spec: &str) -> Vec<FieldError> {
        check_yaml(&object_yaml(
            "networking.istio.io/v1alpha3",
            "EnvoyFilter",
            "t",
            spec,
        ))
    }

    #[test]
    fn waypoint_matches_are_clean_with_the_waypoint_context() {
        assert_clean(&ef(r#"
configPatches:
- applyTo: HTTP_FILTER
  match:
    context: WAYPOINT
    waypoint:
      portNumber: 8080
      filter: {name: envoy.filters.network.http_connection_manager}
  patch: {operation: INSERT_BEFORE, value: {name: my-filter}}
- applyTo: CLUSTER
  match: {context: WAYPOINT, waypoint: {}}
  patch: {operation: MERGE, value: {}}
- applyTo: HTTP_FILTER
  match: {context: SIDECAR_INBOUND, listener: {portNumber: 8080}}
  patch: {operation: INSERT_BEFORE, value: {name: my-filter}}
"#));
    }

    #[test]
    fn waypoint_match_needs_the_waypoint_context_and_back() {
        let errors = ef(r#"
configPatches:
- applyTo: HTTP_FILTER
  match: {context: SIDECAR_INBOUND, waypoint: {filter: {name: a}}}
- applyTo: HTTP_FILTER
  match: {waypoint: {}}
- applyTo: HTTP_FILTER
  match: {context: WAYPOINT, listener: {filterChain: {filter: {name: a}}}}
"#);
        assert_error(
            &errors,
            "spec.configPatches[0].match",
            "only supported with context WAYPOINT, found context SIDECAR_INBOUND",
        );
        assert_error(
            &errors,
            "spec.configPatches[1].match",
            "only supported with context WAYPOINT",
        );
        assert_error(
            &errors,
            "spec.configPatches[2].match",
            "context WAYPOINT needs a waypoint match",
        );
    }

    #[test]
    fn waypoint_port_is_a_port() {
        let errors = ef(r#"
configPatches:
- match: {context: WAYPOINT, waypoint: {portNumber: 65536}}
- match: {context: WAYPOINT, waypoint: {portNumber: 0}}
"#);
        assert_error(
            &errors,
            "spec.configPatches[0].match.waypoint.portNumber",
            "port number 65536 must be in the range 1..65535",
        );
        assert_error(
            &errors,
            "spec.configPatches[1].match.waypoint.portNumber",
            "port number 0 must be in the range 1..65535",
        );
    }

    #[test]
    fn selector_or_target_refs() {
        let errors = ef(r#"
workloadSelector: {labels: {app: "a*"}}
targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: w, namespace: other}]
"#);
        assert_error(
            &errors,
            "spec",
            "only one of targetRefs or workloadSelector can be set",
        );
        assert_error(
            &errors,
            "spec.workloadSelector.labels.app",
            "wildcard is not supported in selector",
        );
        assert_error(
            &errors,
            "spec.targetRefs[0].namespace",
            "cross namespace referencing is not currently supported",
        );
    }
}
