//! WasmPlugin rules (Istio's `ValidateWasmPlugin` and the CRD's CEL rules).
//! WasmPlugin is not typed: the rules read the schema-checked document.
use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::common::{self, spec_path, Errors};

pub(super) fn check(spec: &Json, out: &mut Errors) {
    let root = spec_path();
    common::raw_policy_targets(out, &root, spec);
    // The schema requires `url` and bounds `sha256` and the match ports.
    let url = spec.get("url").and_then(Json::as_str).unwrap_or("");
    if let Err(message) = plugin_url(url) {
        out.error(&root.field("url"), message);
    }

    let env = spec
        .pointer("/vmConfig/env")
        .and_then(Json::as_array)
        .into_iter()
        .flatten();
    let mut names = BTreeSet::new();
    for (i, variable) in env.enumerate() {
        let at = root.field("vmConfig").field("env").index(i);
        let name = variable.get("name").and_then(Json::as_str).unwrap_or("");
        if !name.is_empty() && !names.insert(name) {
            out.error(&at.field("name"), format!("duplicate env {name:?}"));
        }
        let from = variable
            .get("valueFrom")
            .and_then(Json::as_str)
            .unwrap_or("INLINE");
        let value = variable.get("value").and_then(Json::as_str).unwrap_or("");
        if from != "INLINE" && !value.is_empty() {
            out.error(
                &at.field("value"),
                "value may only be set when valueFrom is INLINE",
            );
        }
    }
}

/// `oci://`, `http(s)://`, `file://` or no scheme at all (an image
/// reference), and something a URL parser reads: no spaces or control
/// characters, every `%` starting an escape.
fn plugin_url(url: &str) -> Result<(), String> {
    let bytes = url.as_bytes();
    let bad_escape = bytes.iter().enumerate().any(|(i, b)| {
        *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if bad_escape || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("url {url:?} is not a valid URL"));
    }
    let Some((scheme, _)) = url.split_once("://") else {
        return Ok(());
    };
    match scheme {
        "oci" | "http" | "https" | "file" => Ok(()),
        _ => Err(format!(
            "url contains unsupported scheme {scheme:?}: use oci, http, https or file"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::FieldError;

    fn wasm(spec: &str) -> Vec<FieldError> {
        check_yaml(&object_yaml(
            "extensions.istio.io/v1alpha1",
            "WasmPlugin",
            "t",
            spec,
        ))
    }

    #[test]
    fn realistic_wasm_plugins_are_clean() {
        assert_clean(&wasm(
            r#"
selector: {matchLabels: {istio: ingressgateway}}
url: oci://ghcr.io/istio-ecosystem/wasm-extensions/basic_auth:1.12.0
phase: AUTHN
pluginConfig:
  basic_auth_rules:
  - prefix: /productpage
    request_methods: [GET, POST]
vmConfig:
  env:
  - {name: POD_NAME, valueFrom: HOST}
  - {name: TRUST_DOMAIN, value: cluster.local}
match:
- mode: SERVER
  ports: [{number: 80}]
"#,
        ));
        assert_clean(&wasm(
            "url: ghcr.io/istio-ecosystem/wasm-extensions/basic_auth:1.12.0\n",
        ));
    }

    #[test]
    fn url_scheme_and_env() {
        let errors = wasm(
            r#"
url: ftp://example.com/plugin.wasm
vmConfig:
  env:
  - {name: A, valueFrom: HOST, value: x}
  - {name: A}
"#,
        );
        assert_error(&errors, "spec.url", "unsupported scheme \"ftp\"");
        assert_error(
            &wasm("url: \"#%blah$#@\"\n"),
            "spec.url",
            "is not a valid URL",
        );
        assert_error(
            &errors,
            "spec.vmConfig.env[0].value",
            "value may only be set when valueFrom is INLINE",
        );
        assert_error(&errors, "spec.vmConfig.env[1].name", "duplicate env \"A\"");
    }
}
