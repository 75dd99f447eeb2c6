//! Field rules Istio's validation enforces beyond the schema: what
//! `istioctl validate` and istiod's admission webhook (plus the CEL rules of
//! the CRDs) reject or warn about in objects that are well-typed.
//!
//! One file per kind; [`common`] holds the checks several kinds share
//! (durations, DNS names, IPs, ports, string matches, label selectors) and the
//! metadata rules that apply to every Istio object.
//!
//! Where this differs from a literal reading of Istio's docs, it follows
//! istiod: IP addresses are accepted as VirtualService hosts; a destination
//! port `number: 0` means unset; an empty StringMatch in headers/queryParams is
//! a presence match; `~` is refused in Gateway hosts (only generated Gateways
//! use it). Not checked yet: locality LB settings, cipher-suite names,
//! AuthorizationPolicy path templates, header-operation names, and an empty
//! `from: []`/`to: []` (the model cannot tell it from a missing list).
use crate::diagnostic::Level;
use crate::model::{Object, Spec};
use crate::source::FieldPath;

mod authorization_policy;
mod common;
mod destination_rule;
mod envoy_filter;
mod gateway;
mod peer_authentication;
mod proxy_config;
mod request_authentication;
mod service_entry;
mod sidecar;
mod telemetry;
mod virtual_service;
mod wasm_plugin;
mod workload_entry;

/// One field rule violation.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub path: FieldPath,
    pub message: String,
    pub level: Level,
}

/// Every field rule finding for one object. Paths are relative to the object root.
pub fn check(object: &Object) -> Vec<FieldError> {
    let mut out = common::Errors::default();
    if common::is_istio(object) {
        common::check_metadata(object, &mut out);
    }
    match &object.spec {
        Spec::VirtualService(spec) => virtual_service::check(object, spec, &mut out),
        Spec::DestinationRule(spec) => destination_rule::check(object, spec, &mut out),
        Spec::Gateway(spec) => gateway::check(object, spec, &mut out),
        Spec::ServiceEntry(spec) => service_entry::check(object, spec, &mut out),
        Spec::Sidecar(spec) => sidecar::check(object, spec, &mut out),
        Spec::EnvoyFilter(spec) => envoy_filter::check(spec, &mut out),
        Spec::PeerAuthentication(spec) => peer_authentication::check(spec, &mut out),
        Spec::AuthorizationPolicy(spec) => authorization_policy::check(spec, &mut out),
        Spec::RequestAuthentication(spec) => request_authentication::check(spec, &mut out),
        Spec::WorkloadEntry(spec) => workload_entry::check_entry(spec, &mut out),
        Spec::WorkloadGroup(spec) => workload_entry::check_group(spec, &mut out),
        // Kinds checked against their CRD schema only: their rules read the
        // document, once it fits the schema.
        Spec::Raw if object.schema_errors.is_empty() => {
            let spec = object
                .doc
                .raw
                .get("spec")
                .unwrap_or(&serde_json::Value::Null);
            match object.kind_info.map(|info| info.kind) {
                Some("Telemetry") => telemetry::check(spec, &mut out),
                Some("WasmPlugin") => wasm_plugin::check(spec, &mut out),
                Some("ProxyConfig") => proxy_config::check(spec, &mut out),
                _ => {}
            }
        }
        _ => {}
    }
    let mut found = out.into_vec();
    // The CRD's own rules, for the kinds whose CRD is vendored.
    found.extend(super::cel::check(object));
    found
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Helpers for the per-kind rule tests: parse a YAML object, run the
    //! field rules, and assert on paths and messages.
    use super::FieldError;
    use crate::diagnostic::Level;
    use crate::load::load_files;
    use crate::model::Object;
    use crate::source::SourceFile;

    /// Parses one or more YAML documents into objects, insisting that they
    /// type cleanly (so the field rules, not the schema, are under test).
    pub(crate) fn objects(text: &str) -> Vec<Object> {
        let loaded = load_files(vec![SourceFile::new("t.yaml", text.to_string())]);
        assert!(
            loaded.errors.is_empty(),
            "input errors: {:?}",
            loaded.errors
        );
        for object in &loaded.objects {
            assert!(
                object.schema_errors.is_empty(),
                "schema errors in test object: {:?}",
                object.schema_errors
            );
        }
        loaded.objects
    }

    /// The field findings of a single YAML object.
    pub(crate) fn check_yaml(text: &str) -> Vec<FieldError> {
        let objects = objects(text);
        assert_eq!(objects.len(), 1, "expected one object");
        objects.iter().flat_map(super::check).collect()
    }

    /// A whole object of `kind` around `spec` (block YAML at column 0).
    pub(crate) fn object_yaml(api_version: &str, kind: &str, name: &str, spec: &str) -> String {
        let mut text = format!(
            "apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n"
        );
        for line in spec.trim_matches('\n').lines() {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// The field findings of an object of `kind` with this spec.
    pub(crate) fn check_spec(kind: &str, spec: &str) -> Vec<FieldError> {
        let api_version = match kind {
            "PeerAuthentication" | "AuthorizationPolicy" | "RequestAuthentication" => {
                "security.istio.io/v1"
            }
            _ => "networking.istio.io/v1",
        };
        check_yaml(&object_yaml(api_version, kind, "t", spec))
    }

    fn describe(errors: &[FieldError]) -> String {
        errors
            .iter()
            .map(|e| format!("  {} {}: {}", e.level, e.path, e.message))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Asserts an Error at exactly `path` whose message contains `needle`.
    pub(crate) fn assert_error(errors: &[FieldError], path: &str, needle: &str) {
        assert_finding(errors, Level::Error, path, needle);
    }

    /// Asserts a Warning at exactly `path` whose message contains `needle`.
    pub(crate) fn assert_warning(errors: &[FieldError], path: &str, needle: &str) {
        assert_finding(errors, Level::Warning, path, needle);
    }

    fn assert_finding(errors: &[FieldError], level: Level, path: &str, needle: &str) {
        let found = errors
            .iter()
            .any(|e| e.level == level && e.path.to_string() == path && e.message.contains(needle));
        assert!(
            found,
            "expected {level} at {path} containing {needle:?}; got:\n{}",
            describe(errors)
        );
    }

    /// Asserts there are no findings at all.
    pub(crate) fn assert_clean(errors: &[FieldError]) {
        assert!(
            errors.is_empty(),
            "expected no findings; got:\n{}",
            describe(errors)
        );
    }
}
