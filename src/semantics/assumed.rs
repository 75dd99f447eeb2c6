//! `--assume-proxyless`: for configuration-only inputs (VirtualServices,
//! DestinationRules and policies whose client Deployments live elsewhere),
//! proxyless gRPC workloads are assumed where the inputs imply them:
//!
//! - clients: one in every namespace of the inputs (other than the root
//!   namespace), with no labels, so that every host is dialled from every
//!   namespace that can see it;
//! - servers: for every Service selector and every policy selector
//!   (PeerAuthentication, AuthorizationPolicy, RequestAuthentication) that
//!   selects no workload of the inputs, one with the selector's labels; a
//!   host that no Service declares is taken to be served by the assumed
//!   workload of its namespace ([`assumed_servers_of`]).
//!
//! They are ordinary Pods in a source of their own ([`SOURCE_NAME`]), so
//! every rule and the renderer see them as they see real ones; findings on
//! them are dropped, and messages name them "in NS (assumed)".

use std::collections::{BTreeMap, BTreeSet};

use crate::index::{policy_selector, Index};
use crate::model::{Scope, Spec};

/// The name of the source the assumed workloads come from.
pub const SOURCE_NAME: &str = "<assumed proxyless workloads>";

/// Whether an object is one of the assumed workloads.
pub fn is_assumed(object: &crate::model::Object) -> bool {
    &*object.doc.file.name == SOURCE_NAME
}

/// The index with the assumed proxyless workloads added (the index as it
/// was when the inputs imply none).
pub fn with_assumed_proxyless(index: Index) -> Index {
    let text = assumed_workloads(&index);
    if text.is_empty() {
        return index;
    }
    let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(SOURCE_NAME, text)]);
    debug_assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let cluster_domain = index.cluster_domain.clone();
    let mesh_config = index.mesh_config.clone();
    let istiod = index.istiod.clone();
    let mut objects = index.objects;
    // The new index generates its own.
    objects.retain(|object| object.generated.is_none());
    objects.extend(loaded.objects);
    Index::build_for(objects, mesh_config, &cluster_domain, istiod)
}

/// The YAML of the assumed Pods.
fn assumed_workloads(index: &Index) -> String {
    let root = index.mesh_config.root_namespace.as_str();
    let namespaces: BTreeSet<&str> = index
        .objects
        .iter()
        .filter(|o| o.kind_info.is_some_and(|k| k.scope == Scope::Namespaced))
        .map(|o| o.namespace_or(crate::index::DEFAULT_NAMESPACE))
        .filter(|ns| *ns != root)
        .collect();
    let mut servers: BTreeSet<(String, BTreeMap<String, String>)> = BTreeSet::new();
    for object in &index.objects {
        let namespace = object.namespace_or(crate::index::DEFAULT_NAMESPACE);
        let selector = match &object.spec {
            Spec::Service(service) => service.spec.as_ref().and_then(|s| s.selector.as_ref()),
            Spec::PeerAuthentication(_)
            | Spec::AuthorizationPolicy(_)
            | Spec::RequestAuthentication(_) => policy_selector(&object.spec),
            _ => None,
        };
        let Some(selector) = selector.filter(|s| !s.is_empty()) else {
            continue;
        };
        if index
            .workloads_matching(namespace, selector)
            .next()
            .is_none()
        {
            servers.insert((namespace.to_string(), selector.clone()));
        }
    }
    let mut text = String::new();
    for namespace in namespaces {
        text.push_str(&pod(namespace, "proxyless-clients", &BTreeMap::new()));
    }
    for (i, (namespace, labels)) in servers.iter().enumerate() {
        text.push_str(&pod(namespace, &format!("proxyless-server-{i}"), labels));
    }
    text
}

fn pod(namespace: &str, name: &str, labels: &BTreeMap<String, String>) -> String {
    // JSON strings are YAML flow scalars: labels are written back exactly.
    let labels = serde_json::to_string(labels).unwrap_or_else(|_| "{}".into());
    let namespace = serde_json::to_string(namespace).unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  labels: {labels}\n  annotations: {{inject.istio.io/templates: grpc-agent, proxy.istio.io/config: '{{\"holdApplicationUntilProxyStarts\": true}}'}}\nspec:\n  containers: [{{name: app, image: assumed}}]\n---\n"
    )
}

/// The assumed workloads that serve `host` when no Service in the inputs
/// declares it: those of the host's namespace (`NAME.NS.svc.DOMAIN`).
pub fn assumed_servers_of<'a>(
    index: &'a Index,
    host: &str,
) -> impl Iterator<Item = &'a crate::index::Workload> + 'a {
    let suffix = format!(".svc.{}", index.cluster_domain);
    let namespace = host
        .strip_suffix(&suffix)
        .and_then(|short| short.split_once('.'))
        .map(|(_, namespace)| namespace.to_string())
        .filter(|ns| !ns.contains('.') && index.services(host).is_empty());
    index
        .workloads_in(namespace.as_deref().unwrap_or(""))
        .filter(move |w| w.assumed && w.labels.is_empty() && namespace.is_some())
}
