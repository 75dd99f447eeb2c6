use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::Index;
use crate::model::{Object, Spec};
use crate::source::{FieldPath, Value};

declare_rule! {
    /// A ServiceEntry with a TCP (or unset) protocol port has no addresses.
    ///
    /// ## What it checks
    /// A ServiceEntry without `addresses`, without addresses allocated in its
    /// `status`, and without DNS auto-allocation in the mesh config
    /// (`defaultConfig.proxyMetadata` with `ISTIO_META_DNS_CAPTURE: "true"` and
    /// `ISTIO_META_DNS_AUTO_ALLOCATE` or `PILOT_ENABLE_IP_AUTOALLOCATE` set to
    /// `"true"`) is reported once for each port whose protocol is `TCP` (any
    /// case) or unset (istioctl's IST0134).
    ///
    /// ## Why it matters
    /// TCP traffic carries no host name, so a sidecar can only match it to the
    /// ServiceEntry by destination address; without one, every such entry on
    /// the port merges into a single listener and traffic may go to the wrong
    /// service.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hosts: [db.example.com]
    ///   ports:
    ///   - {number: 5432, name: tcp, protocol: TCP}   # and no addresses
    /// ```
    ///
    /// ## How to fix
    /// Add `addresses` (a VIP or CIDR), set the port's real protocol, or enable DNS auto-allocation.
    pub static RULE = { code: "IST0134", name: "service-entry-addresses-required", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    if auto_allocates(index) {
        return;
    }
    for object in &index.objects {
        let Spec::ServiceEntry(entry) = &object.spec else {
            continue;
        };
        if !entry.addresses.is_empty() {
            continue;
        }
        let needing: Vec<(usize, bool)> = entry
            .ports
            .iter()
            .enumerate()
            .filter(|(_, port)| {
                let protocol = port.protocol.as_deref().unwrap_or_default();
                protocol.is_empty() || protocol.eq_ignore_ascii_case("TCP")
            })
            .map(|(i, port)| (i, port.protocol.is_some()))
            .collect();
        // Reading the status needs the document tree: only when it matters.
        if needing.is_empty() || has_status_addresses(object) {
            continue;
        }
        for (i, has_protocol) in needing {
            let path = FieldPath::root().field("spec").field("ports").index(i);
            let path = if has_protocol {
                path.field("protocol")
            } else {
                path
            };
            findings
                .report(object, &path, "ServiceEntry addresses are required for this protocol.")
                .help = Some(
                "add spec.addresses, or enable DNS auto-allocation (ISTIO_META_DNS_CAPTURE and ISTIO_META_DNS_AUTO_ALLOCATE)"
                    .to_string(),
            );
        }
    }
}

/// Whether proxies get addresses for ServiceEntries from DNS auto-allocation.
fn auto_allocates(index: &Index) -> bool {
    let metadata = &index.mesh_config.default_config.proxy_metadata;
    let on = |key: &str| {
        metadata
            .get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    };
    on("ISTIO_META_DNS_CAPTURE")
        && (on("ISTIO_META_DNS_AUTO_ALLOCATE") || on("PILOT_ENABLE_IP_AUTOALLOCATE"))
}

/// Whether istiod allocated addresses, recorded in `status.addresses`. The
/// typed model drops `status`, so this reads the document tree.
fn has_status_addresses(object: &Object) -> bool {
    object
        .doc
        .file
        .tree(object.doc.index, object.doc.item)
        .and_then(|root| root.get("status"))
        .and_then(|status| status.get("addresses"))
        .is_some_and(|addresses| matches!(&addresses.value, Value::Seq(items) if !items.is_empty()))
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::{findings, findings_with};
    use crate::model::MeshConfig;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/service-entry-addresses-required.yaml"
    );

    #[test]
    fn reports_tcp_and_unset_protocol_ports_without_addresses() {
        assert_eq!(findings("service-entry-addresses-required", FIXTURE), [
                "IST0134 ServiceEntry default/db 9 spec.ports[0].protocol ServiceEntry addresses are required for this protocol.",
                "IST0134 ServiceEntry unset 19 spec.ports[0] ServiceEntry addresses are required for this protocol.",
                "IST0134 ServiceEntry unset 20 spec.ports[1].protocol ServiceEntry addresses are required for this protocol.",
            ]);
    }

    #[test]
    fn dns_auto_allocation_supplies_addresses() {
        let mut mesh = MeshConfig::default();
        for key in ["ISTIO_META_DNS_CAPTURE", "ISTIO_META_DNS_AUTO_ALLOCATE"] {
            mesh.default_config
                .proxy_metadata
                .insert(key.to_string(), "true".to_string());
        }
        assert!(
            findings_with("service-entry-addresses-required", FIXTURE, mesh.clone()).is_empty()
        );
        mesh.default_config
            .proxy_metadata
            .remove("ISTIO_META_DNS_AUTO_ALLOCATE");
        assert_eq!(
            findings_with("service-entry-addresses-required", FIXTURE, mesh).len(),
            3
        );
    }
}
