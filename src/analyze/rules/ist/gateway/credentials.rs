//! The credentials a Gateway's servers name, with the namespaces its
//! workloads read them from: shared by the credential rules.

use std::collections::BTreeSet;

use crate::index::Index;
use crate::model::networking::{ServerTLSMode, ServerTLSSettings};
use crate::model::Object;
use crate::source::FieldPath;

use super::lookup::{gateway_workloads, istio_gateways};

/// One credential name of one server.
pub(super) struct CredentialRef<'a> {
    pub object: &'a Object,
    pub name: &'a str,
    pub path: FieldPath,
    pub tls: &'a ServerTLSSettings,
    /// Where the gateway workloads run, each reading its own namespace's Secrets.
    pub namespaces: BTreeSet<String>,
}

impl CredentialRef<'_> {
    /// Whether the server verifies client certificates, and so needs a CA.
    pub fn mutual(&self) -> bool {
        matches!(
            self.tls.mode,
            Some(ServerTLSMode::Mutual | ServerTLSMode::OptionalMutual)
        )
    }
}

pub(super) fn credential_refs(index: &Index) -> Vec<CredentialRef<'_>> {
    let mut found = Vec::new();
    for (object, gateway) in istio_gateways(index) {
        let namespaces: BTreeSet<String> = gateway_workloads(index, &gateway.selector)
            .into_iter()
            .map(|w| w.namespace)
            .collect();
        if namespaces.is_empty() {
            continue;
        }
        for (i, server) in gateway.servers.iter().enumerate() {
            let Some(tls) = &server.tls else { continue };
            let at = FieldPath::root()
                .field("spec")
                .field("servers")
                .index(i)
                .field("tls");
            let names = tls
                .credential_name
                .iter()
                .map(|n| (n, at.field("credentialName")))
                .chain(
                    tls.credential_names
                        .iter()
                        .enumerate()
                        .map(|(j, n)| (n, at.field("credentialNames").index(j))),
                );
            for (name, path) in names {
                // Empty, or an SDS resource name (`kubernetes://…`) rather than a Secret.
                if name.is_empty() || name.contains("://") {
                    continue;
                }
                found.push(CredentialRef {
                    object,
                    name,
                    path,
                    tls,
                    namespaces: namespaces.clone(),
                });
            }
        }
    }
    found
}
