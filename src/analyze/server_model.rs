//! The security rules ask the gRPC client model
//! (`xds::client::acceptance::server_listener_fields`) what a proxyless
//! server does with the inbound listeners the renderer builds for it: its
//! mTLS filter chain, its RBAC filters and their policies. A rule maps a
//! verdict back to the policy that caused it and never restates gRPC's
//! behaviour itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use envoy_types::pb::envoy::config::listener::v3::Listener;

use crate::index::Workload;
use crate::xds::client::acceptance::{self, FieldVerdict};

use super::Context;

/// Server listeners rendered for the server model, by workload address.
pub type ServerRenders = Mutex<HashMap<usize, Arc<Vec<Listener>>>>;

impl Context<'_> {
    /// The inbound listeners `server` receives, rendered once per workload.
    fn server_listeners(&self, server: &Workload) -> Arc<Vec<Listener>> {
        let key = std::ptr::from_ref(server) as usize;
        if let Some(found) = self.server_renders.lock().unwrap().get(&key) {
            return found.clone();
        }
        let proxy = crate::xds::Proxy::for_workload(self.index, server);
        let renderer = crate::xds::Renderer::new(self.index, &proxy);
        let names = renderer.server_listener_names(proxy.ip.as_deref());
        let mut notes = Vec::new();
        // A field the renderer cannot translate is validation's finding.
        let listeners = Arc::new(renderer.listeners(&names, &mut notes).unwrap_or_default());
        self.server_renders
            .lock()
            .unwrap()
            .insert(key, listeners.clone());
        listeners
    }

    /// What the model gives `rule` on the inbound listeners of `server` for
    /// its runtime: each verdict with the port of its listener.
    pub fn server_model_says(&self, server: &Workload, rule: &str) -> Vec<(u32, FieldVerdict)> {
        let runtime = self.runtime_of(server);
        self.server_listeners(server)
            .iter()
            .flat_map(|listener| {
                let address = listener
                    .name
                    .strip_prefix(crate::xds::names::SERVER_LISTENER_PREFIX)
                    .unwrap_or_default();
                let port = match crate::xds::names::split_host_port(address).1 {
                    Some(Ok(port)) => port,
                    _ => 0,
                };
                acceptance::server_listener_fields(listener, runtime)
                    .into_iter()
                    .filter(|v| v.rule == rule)
                    .map(move |v| (port, v))
            })
            .collect()
    }
}
