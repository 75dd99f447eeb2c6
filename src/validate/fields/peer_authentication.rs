//! PeerAuthentication rules (Istio's `ValidatePeerAuthentication` and the CRD's CEL rules).
use super::common::{self, spec_path, Errors};
use crate::model::security::PeerAuthenticationSpec;

pub(super) fn check(spec: &PeerAuthenticationSpec, out: &mut Errors) {
    let root = spec_path();
    let labels = spec.selector.as_ref().map(|s| &s.match_labels);
    if let Some(labels) = labels {
        common::selector_labels(out, &root.field("selector").field("matchLabels"), labels);
    }
    if spec.port_level_mtls.is_empty() {
        return;
    }
    let at = root.field("portLevelMtls");
    if labels.is_none_or(|l| l.is_empty()) {
        out.error(
            &at,
            "portLevelMtls requires selector: mesh/namespace peer authentication cannot have port level mTLS",
        );
    }
    for port in spec.port_level_mtls.keys() {
        let valid = port.chars().all(|c| c.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !valid {
            out.error(
                &at.field(port),
                format!("port must be between 1-65535, found {port:?}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::FieldError;

    fn pa(spec: &str) -> Vec<FieldError> {
        check_spec("PeerAuthentication", spec)
    }

    #[test]
    fn realistic_peer_authentication_is_clean() {
        assert_clean(&pa(r#"
selector:
  matchLabels: {app: finance}
mtls: {mode: STRICT}
portLevelMtls:
  8080: {mode: DISABLE}
  "9090": {mode: PERMISSIVE}
  "9091": {mode: UNSET}
"#));
        assert_clean(&pa("mtls: {mode: STRICT}"));
    }

    #[test]
    fn port_level_mtls_requires_a_selector() {
        let errors = pa("portLevelMtls: {\"8080\": {mode: DISABLE}}");
        assert_error(
            &errors,
            "spec.portLevelMtls",
            "portLevelMtls requires selector",
        );
        let empty = pa("selector: {matchLabels: {}}\nportLevelMtls: {\"8080\": {mode: DISABLE}}");
        assert_error(
            &empty,
            "spec.portLevelMtls",
            "portLevelMtls requires selector",
        );
    }

    #[test]
    fn port_keys_are_port_numbers() {
        let errors = pa("selector: {matchLabels: {app: a}}\nportLevelMtls: {\"0\": {mode: DISABLE}, http: {mode: STRICT}, \"70000\": {mode: STRICT}}");
        assert_error(
            &errors,
            "spec.portLevelMtls.0",
            "port must be between 1-65535, found \"0\"",
        );
        assert_error(&errors, "spec.portLevelMtls.http", "found \"http\"");
        assert_error(&errors, "spec.portLevelMtls.70000", "found \"70000\"");
    }

    #[test]
    fn selector_labels_are_checked() {
        let errors = pa("selector: {matchLabels: {\"app*\": a}}\nmtls: {mode: STRICT}");
        assert_error(
            &errors,
            "spec.selector.matchLabels.app*",
            "wildcard is not supported in selector",
        );
    }
}
