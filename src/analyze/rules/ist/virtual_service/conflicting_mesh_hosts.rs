use std::collections::HashMap;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

use super::super::gateway::lookup::{full_name, hosts_overlap, identity};
use super::lookup::{mesh_bound, virtual_services, Scope};

declare_rule! {
    /// Several mesh VirtualServices define the same host.
    ///
    /// ## What it checks
    /// VirtualServices bound to the sidecars (no `gateways`, or `mesh` among
    /// them) whose hosts overlap (short names expanded in their namespace,
    /// wildcards included) and whose `exportTo` makes them visible in a common
    /// namespace (istioctl's IST0109). A VirtualService never conflicts with
    /// itself, and each is reported once, on the first host it shares.
    ///
    /// ## Why it matters
    /// For one host a sidecar uses the routes of one VirtualService only;
    /// which one wins depends on creation time, so routing changes when
    /// either object is re-applied.
    ///
    /// ## Example
    /// ```yaml
    /// # foo/productpage and foo/productpage-canary both declare
    /// hosts: [productpage]
    /// ```
    ///
    /// ## How to fix
    /// Merge the VirtualServices into one, or narrow their `exportTo` so they apply in different namespaces.
    pub static RULE = { code: "IST0109", name: "conflicting-mesh-virtual-service-hosts", level: Error, check: check };
}

struct Entry<'a> {
    id: (String, String),
    name: String,
    host: String,
    scope: &'a Scope,
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let default = &index.mesh_config.default_virtual_service_export_to;
    let bound: Vec<_> = virtual_services(index)
        .filter(|(_, vs, _)| mesh_bound(vs))
        .map(|(object, vs, namespace)| {
            (
                object,
                vs,
                namespace,
                Scope::of(&vs.export_to, default, namespace),
            )
        })
        .collect();
    let entries: Vec<Entry<'_>> = bound
        .iter()
        .flat_map(|(object, vs, namespace, scope)| {
            vs.hosts.iter().map(move |host| Entry {
                id: identity(object),
                name: full_name(object),
                host: index.config_host_fqdn(host, namespace),
                scope,
            })
        })
        .collect();
    // Only equal hosts and wildcards can overlap: bucket by host so the check
    // stays linear in the number of VirtualServices.
    let mut by_host: HashMap<&str, Vec<&Entry<'_>>> = HashMap::new();
    let mut wildcards: Vec<&Entry<'_>> = Vec::new();
    for entry in &entries {
        if entry.host.starts_with('*') {
            wildcards.push(entry);
        } else {
            by_host.entry(entry.host.as_str()).or_default().push(entry);
        }
    }
    for (object, vs, namespace, scope) in &bound {
        let own = identity(object);
        for (i, host) in vs.hosts.iter().enumerate() {
            let fqdn = index.config_host_fqdn(host, namespace);
            let candidates: Vec<&Entry<'_>> = if fqdn.starts_with('*') {
                entries.iter().collect()
            } else {
                let exact = by_host.get(fqdn.as_str()).into_iter().flatten();
                exact.chain(wildcards.iter()).copied().collect()
            };
            let mut names: Vec<&str> = candidates
                .into_iter()
                .filter(|e| {
                    e.id != own && hosts_overlap(&e.host, &fqdn) && e.scope.intersects(scope)
                })
                .map(|e| e.name.as_str())
                .collect();
            if names.is_empty() {
                continue;
            }
            let me = full_name(object);
            names.push(&me);
            names.sort_unstable();
            names.dedup();
            let path = FieldPath::root().field("spec").field("hosts").index(i);
            findings.report(
                object,
                &path,
                format!(
                    "The VirtualServices {} associated with mesh gateway define the same host {fqdn} which can lead to undefined behavior. \
                     This can be fixed by merging the conflicting VirtualServices into a single resource.",
                    names.join(",")
                ),
            );
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, run};

    #[test]
    fn reports_each_conflicting_virtual_service_once() {
        let found = run(
            "conflicting-mesh-virtual-service-hosts",
            &fixture("conflicting-mesh-virtual-service-hosts.yaml"),
        );
        let message = "The VirtualServices shop/cart,shop/cart-canary associated with mesh gateway define the same host \
                       cart.shop.svc.cluster.local which can lead to undefined behavior. \
                       This can be fixed by merging the conflicting VirtualServices into a single resource.";
        assert_eq!(
            found,
            [
                (
                    "IST0109",
                    "VirtualService shop/cart".to_string(),
                    9,
                    "spec.hosts[0]".to_string(),
                    message.to_string(),
                ),
                (
                    "IST0109",
                    "VirtualService shop/cart-canary".to_string(),
                    19,
                    "spec.hosts[0]".to_string(),
                    message.to_string(),
                ),
            ]
        );
    }
}
