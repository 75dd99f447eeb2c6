//! What proxyless clients really receive for a host, rendered by the
//! renderer ([`crate::xds::render_host`]) once per distinct client view, for
//! the rules that judge rendered resources rather than re-derive istiod's
//! choices.
//!
//! A client view is what the rendering depends on: the namespace (which
//! configs it sees and which apply) and those of its labels that some
//! selector or match of the inputs reads (DestinationRule and Sidecar
//! `workloadSelector`, VirtualService `sourceLabels`). Thousands of clients
//! of a namespace share a handful of views.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::index::{Index, Workload};
use crate::model::Spec;
use crate::xds::Resources;

use super::Context;

/// What a client's rendering depends on: its namespace and relevant labels.
pub type ViewKey = (String, BTreeMap<String, String>);

/// Label keys some selector or match of the inputs reads.
pub fn label_keys_read(index: &Index) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for object in &index.objects {
        match &object.spec {
            Spec::DestinationRule(rule) => {
                if let Some(selector) = &rule.workload_selector {
                    keys.extend(selector.match_labels.keys().cloned());
                }
            }
            Spec::Sidecar(sidecar) => {
                if let Some(selector) = &sidecar.workload_selector {
                    keys.extend(selector.labels.keys().cloned());
                }
            }
            Spec::VirtualService(service) => {
                for matcher in service.http.iter().flat_map(|h| &h.r#match) {
                    keys.extend(matcher.source_labels.keys().cloned());
                }
            }
            _ => {}
        }
    }
    keys
}

/// Resources rendered for one host, by client view.
#[derive(Default)]
pub struct RenderedHost {
    by_view: HashMap<ViewKey, Resources>,
}

impl Context<'_> {
    /// The view `client` is rendered under.
    pub fn view_key(&self, client: &Workload) -> ViewKey {
        let read = self
            .label_keys_read
            .get_or_init(|| label_keys_read(self.index));
        let labels = client
            .labels
            .iter()
            .filter(|(k, _)| read.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        (client.namespace.clone(), labels)
    }
}

impl RenderedHost {
    /// What `client` receives for `host` (listeners, route configurations,
    /// clusters), rendered once per view.
    pub fn for_client<'r>(
        &'r mut self,
        context: &Context<'_>,
        client: &Workload,
        host: &str,
    ) -> &'r Resources {
        let key = context.view_key(client);
        self.by_view.entry(key).or_insert_with(|| {
            let proxy = crate::xds::Proxy::for_workload(context.index, client);
            crate::xds::render_host(context.index, &proxy, host)
        })
    }
}
