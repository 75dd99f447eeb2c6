//! `mesh analyze --mesh-networks FILE`: istiod's MeshNetworks config
//! (`networks: {NAME: {endpoints: [...], gateways: [...]}}`), kept as a
//! located document so findings point into the file.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value as Json;

use super::mesh_config::{read_config_file, MeshConfigError};
use crate::source::{self, Document, SourceFile};

/// The kind findings on the file name, as istioctl does.
pub const KIND: &str = "MeshNetworks";
/// The name istioctl gives the config (`meshnetworks` in the Istio namespace).
pub const NAME: &str = "meshnetworks";

/// A read MeshNetworks file.
#[derive(Debug, Clone)]
pub struct MeshNetworks {
    /// The document, for locating fields.
    pub document: Document,
    pub networks: Vec<Network>,
}

/// One network, in file order.
#[derive(Debug, Clone)]
pub struct Network {
    pub name: String,
    /// `fromRegistry` of each endpoint, by the endpoint's position
    /// (`None`: a `fromCidr` endpoint, or one naming nothing).
    pub from_registry: Vec<Option<String>>,
}

impl MeshNetworks {
    /// Reads `--mesh-networks FILE`.
    pub fn from_file(path: &Path) -> Result<MeshNetworks, MeshConfigError> {
        let file = read_config_file(path, "no mesh networks config read")?;
        MeshNetworks::from_source(file)
    }

    pub fn from_source(file: Arc<SourceFile>) -> Result<MeshNetworks, MeshConfigError> {
        let stream = source::yaml::parse_values(&file.text);
        if let Some(error) = stream.errors.first() {
            return Err(MeshConfigError {
                location: format!("{}:{}", file.name, error.pos),
                message: error.message.clone(),
            });
        }
        let Some(parsed) = stream.documents.into_iter().find(|d| d.root.is_some()) else {
            return Err(MeshConfigError {
                location: file.name.to_string(),
                message: "no mesh networks config in the file".into(),
            });
        };
        let root = parsed.root.unwrap_or(Json::Null);
        let networks = match root.get("networks") {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Object(networks)) => networks
                .iter()
                .map(|(name, network)| Network {
                    name: name.clone(),
                    from_registry: network
                        .get("endpoints")
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten()
                        .map(|endpoint| {
                            endpoint
                                .get("fromRegistry")
                                .and_then(Json::as_str)
                                .map(str::to_string)
                        })
                        .collect(),
                })
                .collect(),
            Some(_) => {
                return Err(MeshConfigError {
                    location: file.name.to_string(),
                    message: "`networks` must map network names to networks".into(),
                })
            }
        };
        Ok(MeshNetworks {
            document: Document {
                file,
                index: parsed.index,
                item: None,
                api_version: String::new(),
                kind: KIND.to_string(),
                pos: parsed.pos,
                raw: Json::Null,
            },
            networks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_networks_and_their_registries_in_file_order() {
        let file = SourceFile::new(
            "networks.yaml",
            "networks:\n  west:\n    endpoints: [{fromRegistry: Kubernetes}, {fromCidr: 10.0.0.0/8}]\n  east:\n    endpoints: [{fromRegistry: east}]\n".into(),
        );
        let read = MeshNetworks::from_source(file).unwrap();
        let names: Vec<_> = read.networks.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names.len(), 2);
        let west = read.networks.iter().find(|n| n.name == "west").unwrap();
        assert_eq!(west.from_registry, [Some("Kubernetes".to_string()), None]);
    }

    #[test]
    fn refuses_networks_that_are_not_a_map() {
        let file = SourceFile::new("networks.yaml", "networks: [a]\n".into());
        assert!(MeshNetworks::from_source(file).is_err());
    }
}
