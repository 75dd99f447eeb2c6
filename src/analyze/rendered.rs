//! What proxyless clients really receive for a host, rendered by the
//! renderer ([`crate::xds::render_host`]) once per distinct client view —
//! namespace and labels, which decide visibility, DestinationRule and route
//! matches — and host, for the rules that judge rendered resources rather
//! than re-derive istiod's choices.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use crate::index::Workload;
use crate::xds::Resources;

use super::Context;

/// Rendered resources by (client namespace, client labels, host).
pub type RenderedMemo = Mutex<HashMap<(String, BTreeMap<String, String>, String), Arc<Resources>>>;

impl Context<'_> {
    /// What `client` receives for `host` (listeners, route configurations,
    /// clusters), rendered once per client view.
    pub fn rendered_for(&self, client: &Workload, host: &str) -> Arc<Resources> {
        let key = (
            client.namespace.clone(),
            client.labels.clone(),
            host.to_string(),
        );
        if let Some(found) = self.rendered.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return found;
        }
        let proxy = crate::xds::Proxy::for_workload(self.index, client);
        let rendered = Arc::new(crate::xds::render_host(self.index, &proxy, host));
        if let Ok(mut memo) = self.rendered.lock() {
            memo.insert(key, rendered.clone());
        }
        rendered
    }
}
