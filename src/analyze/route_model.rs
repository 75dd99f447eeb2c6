//! The routing rules ask the gRPC client model (`xds::client::acceptance`)
//! what proxyless clients do with the route istiod builds from a
//! VirtualService route: which fields they reject (NACK) or ignore, and for
//! which runtimes. A rule reports what the model says and never restates
//! gRPC's behaviour itself.

use crate::index::Workload;
use crate::model::networking::VirtualServiceSpec;
use crate::model::Object;
use crate::semantics::routing::EmittedRoute;
use crate::xds::client::acceptance::{self, FieldVerdict};

use super::Context;

/// One thing the model says of a route, and the clients it holds for.
#[derive(Debug, Clone)]
pub struct ModelVerdict<'a> {
    pub verdict: FieldVerdict,
    pub clients: Vec<&'a Workload>,
}

impl<'a> Context<'a> {
    /// What the model says of the route istiod builds from
    /// `spec.http[http_index]` (from its match `match_index`, or as a route
    /// without one) for `clients`, whose runtimes may differ: each verdict
    /// with the clients it holds for.
    pub fn route_model(
        &self,
        object: &Object,
        spec: &VirtualServiceSpec,
        http_index: usize,
        match_index: Option<usize>,
        clients: &[&'a Workload],
    ) -> Vec<ModelVerdict<'a>> {
        let (Some(http), Some(first)) = (spec.http.get(http_index), clients.first()) else {
            return Vec::new();
        };
        let matcher = match_index.and_then(|j| http.r#match.get(j));
        let emitted = EmittedRoute {
            http_index,
            http,
            match_index,
            matcher,
        };
        // Which fields a client gets does not depend on the client; the
        // port only names clusters.
        let port = matcher.and_then(|m| m.port).unwrap_or_else(|| {
            spec.hosts
                .iter()
                .flat_map(|h| self.index.services(h))
                .flat_map(|s| &s.ports)
                .find(|p| p.protocol.is_http_or_sniffed())
                .map_or(80, |p| p.port)
        });
        let proxy = crate::xds::Proxy::for_workload(self.index, first);
        let renderer = crate::xds::Renderer::new(self.index, &proxy);
        // A field the renderer cannot translate is validation's finding.
        let Ok(route) = crate::xds::rds::emitted_route(&renderer, port, object, emitted) else {
            return Vec::new();
        };
        let mut out: Vec<ModelVerdict<'a>> = Vec::new();
        let mut runtimes = Vec::new();
        for &client in clients {
            let runtime = self.runtime_of(client);
            if !runtimes.contains(&runtime) {
                runtimes.push(runtime);
            }
        }
        for runtime in runtimes {
            let holders: Vec<&'a Workload> = clients
                .iter()
                .copied()
                .filter(|c| self.runtime_of(c) == runtime)
                .collect();
            for verdict in acceptance::route_fields(&route, "route", runtime) {
                match out
                    .iter_mut()
                    .find(|v| v.verdict.part == verdict.part && v.verdict.rule == verdict.rule)
                {
                    Some(existing) => existing.clients.extend(holders.iter().copied()),
                    None => out.push(ModelVerdict {
                        verdict,
                        clients: holders.clone(),
                    }),
                }
            }
        }
        out
    }

    /// The clients for which the model gives `rule` on the route, if any.
    pub fn route_model_says(
        &self,
        object: &Object,
        spec: &VirtualServiceSpec,
        http_index: usize,
        match_index: Option<usize>,
        clients: &[&'a Workload],
        rule: &str,
    ) -> Option<Vec<&'a Workload>> {
        let mut found: Vec<&'a Workload> = self
            .route_model(object, spec, http_index, match_index, clients)
            .into_iter()
            .filter(|v| v.verdict.rule == rule)
            .flat_map(|v| v.clients)
            .collect();
        found.sort_by_key(|w| (w.namespace.as_str(), w.name.as_str()));
        found.dedup_by(|a, b| std::ptr::eq(*a, *b));
        (!found.is_empty()).then_some(found)
    }
}
