//! ProxyConfig rules (Istio's `ValidateProxyConfig`); `concurrency` below 0
//! is refused by the CRD schema. ProxyConfig is not typed: the rules read
//! the schema-checked document.
use serde_json::Value as Json;

use super::common::{self, spec_path, Errors};
use crate::model::string_map;

pub(super) fn check(spec: &Json, out: &mut Errors) {
    let labels = spec
        .pointer("/selector/matchLabels")
        .and_then(string_map)
        .unwrap_or_default();
    common::selector_labels(
        out,
        &spec_path().field("selector").field("matchLabels"),
        &labels,
    );
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn selector_labels_are_checked() {
        let yaml =
            |spec: &str| object_yaml("networking.istio.io/v1beta1", "ProxyConfig", "t", spec);
        assert_clean(&check_yaml(&yaml(
            "selector: {matchLabels: {app: a}}\nconcurrency: 2\nenvironmentVariables: {A: b}\nimage: {imageType: distroless}\n",
        )));
        assert_error(
            &check_yaml(&yaml("selector: {matchLabels: {app: \"a*\"}}\n")),
            "spec.selector.matchLabels.app",
            "wildcard is not supported in selector",
        );
    }
}
