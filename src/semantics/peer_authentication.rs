//! The mTLS a proxyless server's port gets from PeerAuthentications, as
//! istiod composes them (`ComposePeerAuthentication`) and its gRPC
//! generator applies them (spec §2.4):
//!
//! - a mesh-level policy (root namespace, no selector), a namespace-level
//!   one (the workload's namespace, no selector) and a workload-level one (a
//!   selector matching the workload, outside the root namespace; selectors
//!   in the root namespace are ignored); at each level the oldest policy
//!   counts ([`super::creation_order`]);
//! - the narrowest level with a mode other than UNSET wins; no mode at all
//!   is PERMISSIVE;
//! - `portLevelMtls` of the workload-level policy, keyed by the target
//!   (container) port, overrides it; UNSET there inherits;
//! - PERMISSIVE is plaintext for gRPC unless the pod is labelled
//!   `security.istio.io/tlsMode: istio`, which makes it STRICT.

use std::collections::BTreeMap;

use crate::index::Index;
use crate::model::security::{MutualTLSMode, PeerAuthenticationSpec};
use crate::model::{Object, Spec};
use crate::source::FieldPath;

/// The label that turns PERMISSIVE into STRICT for a proxyless server.
pub const TLS_MODE_LABEL: &str = "security.istio.io/tlsMode";

/// What a proxyless server's listener on one port accepts, and why.
#[derive(Debug, Clone)]
pub struct ServerMtls<'a> {
    /// The server requires mTLS (an mTLS filter chain).
    pub mtls: bool,
    /// The effective PeerAuthentication mode (never UNSET).
    pub mode: MutualTLSMode,
    /// The PeerAuthentication that set the mode; `None`: no policy did
    /// (PERMISSIVE by default).
    pub policy: Option<&'a Object>,
    /// The field of `policy` that set it (`spec.mtls.mode` or
    /// `spec.portLevelMtls.<port>.mode`).
    pub field: Option<FieldPath>,
}

impl ServerMtls<'_> {
    /// mTLS that comes from the pod label turning PERMISSIVE into STRICT.
    pub fn strict_from_label(&self) -> bool {
        self.mtls && self.mode != MutualTLSMode::Strict
    }
}

/// The PeerAuthentications that apply to a workload, one per level.
#[derive(Debug, Clone, Copy, Default)]
pub struct Composed<'a> {
    pub mesh: Option<&'a Object>,
    pub namespace: Option<&'a Object>,
    pub workload: Option<&'a Object>,
}

fn spec_of(object: &Object) -> Option<&PeerAuthenticationSpec> {
    match &object.spec {
        Spec::PeerAuthentication(spec) => Some(spec),
        _ => None,
    }
}

fn set_mode(mode: Option<MutualTLSMode>) -> Option<MutualTLSMode> {
    mode.filter(|m| *m != MutualTLSMode::Unset)
}

/// The policies istiod composes for a workload in `namespace` with `labels`.
pub fn compose<'a>(
    index: &'a Index,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Composed<'a> {
    let root = index.mesh_config.root_namespace.as_str();
    let mut composed = Composed::default();
    for id in index.policies_selecting(namespace, labels) {
        let object = index.object(id);
        if spec_of(object).is_none() {
            continue;
        }
        let owner = object.namespace_or(crate::index::DEFAULT_NAMESPACE);
        let has_selector = crate::index::policy_selector(&object.spec).is_some();
        let slot = match (has_selector, owner == root) {
            (false, true) => &mut composed.mesh,
            (false, false) => &mut composed.namespace,
            (true, false) => &mut composed.workload,
            // A selector in the root namespace selects nothing.
            (true, true) => continue,
        };
        if slot.is_none_or(|held| super::creation_order(object) < super::creation_order(held)) {
            *slot = Some(object);
        }
    }
    composed
}

impl<'a> Composed<'a> {
    /// The mode of the workload as a whole, and the policy that set it.
    fn workload_mode(&self) -> (MutualTLSMode, Option<&'a Object>) {
        let mut decided = (MutualTLSMode::Permissive, None);
        for object in [self.mesh, self.namespace, self.workload]
            .into_iter()
            .flatten()
        {
            let mode = spec_of(object)
                .and_then(|s| s.mtls.as_ref())
                .and_then(|m| m.mode);
            if let Some(mode) = set_mode(mode) {
                decided = (mode, Some(object));
            }
        }
        decided
    }

    /// What the server listener on container port `port` accepts, for a
    /// workload with `labels` (`None`: the workload as a whole).
    pub fn server_mtls(
        &self,
        port: Option<u32>,
        labels: &BTreeMap<String, String>,
    ) -> ServerMtls<'a> {
        let (mut mode, mut policy) = self.workload_mode();
        let mut field = policy.map(|_| FieldPath::root().field("spec").field("mtls").field("mode"));
        if let (Some(port), Some(object)) = (port, self.workload) {
            let key = port.to_string();
            let port_mode = spec_of(object)
                .and_then(|s| s.port_level_mtls.get(&key))
                .and_then(|m| set_mode(m.mode));
            if let Some(port_mode) = port_mode {
                mode = port_mode;
                policy = Some(object);
                field = Some(
                    FieldPath::root()
                        .field("spec")
                        .field("portLevelMtls")
                        .field(&key)
                        .field("mode"),
                );
            }
        }
        let labelled = labels.get(TLS_MODE_LABEL).is_some_and(|v| v == "istio");
        let mtls = match mode {
            MutualTLSMode::Strict => true,
            MutualTLSMode::Disable => false,
            MutualTLSMode::Permissive | MutualTLSMode::Unset => labelled,
        };
        ServerMtls {
            mtls,
            mode,
            policy,
            field,
        }
    }
}

/// [`Composed::server_mtls`] of a workload in `namespace` with `labels`.
pub fn server_mtls<'a>(
    index: &'a Index,
    namespace: &str,
    labels: &BTreeMap<String, String>,
    port: Option<u32>,
) -> ServerMtls<'a> {
    compose(index, namespace, labels).server_mtls(port, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(text: &str) -> Index {
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(
            "t.yaml",
            text.to_string(),
        )]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        Index::build(loaded.objects, Default::default())
    }

    fn policy(name: &str, namespace: &str, created: &str, body: &str) -> String {
        format!(
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: {name}, namespace: {namespace}, creationTimestamp: \"{created}\"}}\nspec: {body}\n---\n"
        )
    }

    fn mode_of(text: &str, port: u32) -> (bool, MutualTLSMode, Option<String>) {
        let index = index(text);
        let labels = BTreeMap::from([("app".to_string(), "echo".to_string())]);
        let found = server_mtls(&index, "ns", &labels, Some(port));
        (
            found.mtls,
            found.mode,
            found.policy.map(|p| p.meta.name.clone()),
        )
    }

    #[test]
    fn the_oldest_workload_policy_decides_its_ports() {
        let strict = "{selector: {matchLabels: {app: echo}}, mtls: {mode: STRICT}}";
        let port_off =
            "{selector: {matchLabels: {app: echo}}, portLevelMtls: {\"17070\": {mode: DISABLE}}}";
        let text = policy("a-strict", "ns", "2024-01-01T00:00:00Z", strict)
            + &policy("b-port", "ns", "2024-02-01T00:00:00Z", port_off);
        assert_eq!(
            mode_of(&text, 17070),
            (true, MutualTLSMode::Strict, Some("a-strict".into()))
        );
        let text = policy("a-strict", "ns", "2024-03-01T00:00:00Z", strict)
            + &policy("b-port", "ns", "2024-02-01T00:00:00Z", port_off);
        assert_eq!(
            mode_of(&text, 17070),
            (false, MutualTLSMode::Disable, Some("b-port".into()))
        );
        // The other ports of b-port's workload inherit the namespace's PERMISSIVE default.
        assert_eq!(
            mode_of(&text, 8080),
            (false, MutualTLSMode::Permissive, None)
        );
    }

    #[test]
    fn narrower_levels_win_and_unset_inherits() {
        let text = policy("default", "istio-system", "2024-01-01T00:00:00Z", "{mtls: {mode: STRICT}}")
            + &policy("ns", "ns", "2024-01-01T00:00:00Z", "{mtls: {mode: UNSET}}")
            + &policy(
                "w",
                "ns",
                "2024-01-01T00:00:00Z",
                "{selector: {matchLabels: {app: echo}}, portLevelMtls: {\"7070\": {mode: UNSET}, \"9090\": {mode: DISABLE}}}",
            )
            // A selector in the root namespace is ignored.
            + &policy(
                "root-selector",
                "istio-system",
                "2023-01-01T00:00:00Z",
                "{selector: {matchLabels: {app: echo}}, mtls: {mode: DISABLE}}",
            );
        assert_eq!(
            mode_of(&text, 7070),
            (true, MutualTLSMode::Strict, Some("default".into()))
        );
        assert_eq!(
            mode_of(&text, 9090),
            (false, MutualTLSMode::Disable, Some("w".into()))
        );
    }
}
