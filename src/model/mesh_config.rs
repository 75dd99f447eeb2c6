//! MeshConfig with the defaults istiod applies, read from `--mesh-config FILE`
//! (a MeshConfig document or the whole `istio` ConfigMap) or from the `istio`
//! ConfigMap among the inputs. Fields we do not type are kept in `other`.

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::source::{self, SourceFile};

/// istiod's mesh-wide configuration (`meshConfig`), with its defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct MeshConfig {
    /// Where mesh-wide policy (PeerAuthentication, Sidecar defaults) lives.
    pub root_namespace: String,
    pub trust_domain: String,
    pub trust_domain_aliases: Vec<String>,
    /// Istio picks mTLS automatically for destinations with sidecars.
    pub enable_auto_mtls: bool,
    pub outbound_traffic_policy: OutboundTrafficPolicy,
    pub default_config: ProxyConfig,
    pub connect_timeout: String,
    pub dns_refresh_rate: String,
    pub ingress_class: String,
    pub ingress_service: String,
    pub default_service_export_to: Vec<String>,
    pub default_virtual_service_export_to: Vec<String>,
    pub default_destination_rule_export_to: Vec<String>,
    pub enable_prometheus_merge: bool,
    pub enable_tracing: bool,
    pub access_log_file: String,
    /// Everything else (extensionProviders, discoverySelectors, ...), kept as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// `outboundTrafficPolicy`: whether unknown destinations are allowed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct OutboundTrafficPolicy {
    /// `ALLOW_ANY` (default) or `REGISTRY_ONLY`.
    pub mode: String,
}

impl Default for OutboundTrafficPolicy {
    fn default() -> Self {
        OutboundTrafficPolicy {
            mode: "ALLOW_ANY".into(),
        }
    }
}

/// The default ProxyConfig (`meshConfig.defaultConfig`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxyConfig {
    pub discovery_address: String,
    pub proxy_admin_port: u32,
    pub status_port: u32,
    pub drain_duration: String,
    pub termination_drain_duration: String,
    pub hold_application_until_proxy_starts: bool,
    pub proxy_metadata: BTreeMap<String, String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            discovery_address: "istiod.istio-system.svc:15012".into(),
            proxy_admin_port: 15000,
            status_port: 15020,
            drain_duration: "45s".into(),
            termination_drain_duration: "5s".into(),
            hold_application_until_proxy_starts: false,
            proxy_metadata: BTreeMap::new(),
            other: BTreeMap::new(),
        }
    }
}

impl Default for MeshConfig {
    fn default() -> Self {
        let everywhere = vec!["*".to_string()];
        MeshConfig {
            root_namespace: "istio-system".into(),
            trust_domain: "cluster.local".into(),
            trust_domain_aliases: Vec::new(),
            enable_auto_mtls: true,
            outbound_traffic_policy: OutboundTrafficPolicy::default(),
            default_config: ProxyConfig::default(),
            connect_timeout: "10s".into(),
            dns_refresh_rate: "60s".into(),
            ingress_class: "istio".into(),
            ingress_service: "istio-ingressgateway".into(),
            default_service_export_to: everywhere.clone(),
            default_virtual_service_export_to: everywhere.clone(),
            default_destination_rule_export_to: everywhere,
            enable_prometheus_merge: true,
            enable_tracing: true,
            access_log_file: String::new(),
            other: BTreeMap::new(),
        }
    }
}

/// Why a mesh config could not be read, located where possible.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct MeshConfigError {
    pub location: String,
    pub message: String,
}

/// The one file a config flag names (`--mesh-config`, `--mesh-networks`);
/// `nothing_read` when it holds none.
pub fn read_config_file(
    path: &Path,
    nothing_read: &str,
) -> Result<std::sync::Arc<SourceFile>, MeshConfigError> {
    let inputs = source::read_paths(&[path.to_path_buf()]);
    if let Some(error) = inputs.errors.into_iter().next() {
        return Err(MeshConfigError {
            location: error.file.to_string(),
            message: error.message,
        });
    }
    inputs
        .files
        .into_iter()
        .next()
        .ok_or_else(|| MeshConfigError {
            location: path.display().to_string(),
            message: nothing_read.into(),
        })
}

impl MeshConfig {
    /// Reads `--mesh-config FILE`: a MeshConfig document, or an `istio` ConfigMap
    /// whose `data.mesh` holds one.
    pub fn from_file(path: &Path) -> Result<MeshConfig, MeshConfigError> {
        let file = read_config_file(path, "no mesh config read")?;
        MeshConfig::from_source(&file)
    }

    fn from_source(file: &SourceFile) -> Result<MeshConfig, MeshConfigError> {
        let stream = source::yaml::parse_values(&file.text);
        if let Some(error) = stream.errors.first() {
            return Err(MeshConfigError {
                location: format!("{}:{}", file.name, error.pos),
                message: error.message.clone(),
            });
        }
        let root = stream
            .documents
            .into_iter()
            .find_map(|d| d.root)
            .unwrap_or(Json::Null);
        if root.get("kind").and_then(Json::as_str) == Some("ConfigMap") {
            let mesh = root
                .pointer("/data/mesh")
                .and_then(Json::as_str)
                .ok_or_else(|| MeshConfigError {
                    location: file.name.to_string(),
                    message: "ConfigMap has no `data.mesh` key holding the mesh config".into(),
                })?;
            let inner = SourceFile::plain(&format!("{} (data.mesh)", file.name), mesh.to_string());
            return MeshConfig::from_source(&inner);
        }
        MeshConfig::from_json(root).map_err(|message| MeshConfigError {
            location: file.name.to_string(),
            message,
        })
    }

    /// Applies istiod's defaults under whatever the document sets.
    pub fn from_json(json: Json) -> Result<MeshConfig, String> {
        if json.is_null() {
            return Ok(MeshConfig::default());
        }
        serde_json::from_value(json).map_err(|error| format!("invalid mesh config: {error}"))
    }

    /// The mesh config held by an `istio` ConfigMap's `data.mesh`, if valid.
    pub fn from_config_map_data(mesh: &str, name: &str) -> Result<MeshConfig, MeshConfigError> {
        MeshConfig::from_source(&SourceFile::plain(name, mesh.to_string()))
    }
}

/// The `istio` ConfigMap among the inputs, with the mesh config text it holds.
pub fn find_config_map(objects: &[super::Object]) -> Option<(&super::Object, &str)> {
    objects.iter().find_map(|object| match &object.spec {
        super::Spec::ConfigMap(map) if object.meta.name == "istio" => {
            let mesh = map.data.as_ref()?.get("mesh")?;
            Some((object, mesh.as_str()))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_istiod() {
        let config = MeshConfig::from_json(serde_json::json!({})).unwrap();
        assert_eq!(config.root_namespace, "istio-system");
        assert_eq!(config.trust_domain, "cluster.local");
        assert!(config.enable_auto_mtls);
        assert_eq!(config.outbound_traffic_policy.mode, "ALLOW_ANY");
        assert_eq!(
            config.default_config.discovery_address,
            "istiod.istio-system.svc:15012"
        );
    }

    #[test]
    fn set_fields_override_defaults_and_unknown_fields_are_kept() {
        let config = MeshConfig::from_config_map_data(
            "trustDomain: example.org\ndefaultConfig:\n  holdApplicationUntilProxyStarts: true\nextensionProviders:\n- name: x\n",
            "mesh",
        )
        .unwrap();
        assert_eq!(config.trust_domain, "example.org");
        assert!(config.default_config.hold_application_until_proxy_starts);
        assert_eq!(config.default_config.proxy_admin_port, 15000);
        assert!(config.other.contains_key("extensionProviders"));
    }
}
