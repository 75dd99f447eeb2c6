//! Rules on multicluster config: the `--mesh-networks` file (istioctl's
//! `meshnetworks.MeshNetworksAnalyzer`).

mod unknown_service_registry;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[&unknown_service_registry::RULE];
