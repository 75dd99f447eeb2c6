use std::collections::{BTreeMap, BTreeSet};

use crate::analyze::rules::ist::destination_rule::lookup::scopes_overlap;
use crate::analyze::rules::ist::gateway::lookup::full_name;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::DEFAULT_NAMESPACE;
use crate::model::{Object, Spec};
use crate::source::FieldPath;

declare_rule! {
    /// Two ServiceEntries declare the same host and port.
    ///
    /// ## What it checks
    /// ServiceEntries whose `exportTo` scopes overlap must not both declare
    /// a host (short names made fully qualified) on the same port number.
    /// Declarations with different protocols are istioctl's IST0177; this
    /// rule reports the others, on every ServiceEntry involved.
    ///
    /// ## Why it matters
    /// istiod keeps one service per host and namespace and merges what it
    /// can: the endpoints, resolution and location of the other entry are
    /// silently combined or dropped, depending on the order istiod reads
    /// them in.
    ///
    /// ## Example
    /// ```yaml
    /// # api-v1: hosts [api.example.com], ports [{number: 443, protocol: TLS}]
    /// # api-v2: hosts [api.example.com], ports [{number: 443, protocol: TLS}]
    /// ```
    ///
    /// ## How to fix
    /// Declare each host and port in one ServiceEntry.
    pub static RULE = { code: "MESH105", name: "service-entry-host-port-overlap", level: Warning, check: check };
}

struct Declared<'a> {
    object: &'a Object,
    namespace: &'a str,
    export_to: &'a [String],
    port_index: usize,
    protocol: Option<String>,
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let mut by_host_port: BTreeMap<(String, u32), Vec<Declared<'_>>> = BTreeMap::new();
    for object in &index.objects {
        let Spec::ServiceEntry(entry) = &object.spec else {
            continue;
        };
        let namespace = object.namespace_or(DEFAULT_NAMESPACE);
        let hosts: BTreeSet<String> = entry
            .hosts
            .iter()
            .map(|h| index.config_host_fqdn(h, namespace))
            .collect();
        for host in hosts {
            for (port_index, port) in entry.ports.iter().enumerate() {
                let Some(number) = port.number else { continue };
                by_host_port
                    .entry((host.clone(), number))
                    .or_default()
                    .push(Declared {
                        object,
                        namespace,
                        export_to: index.export_to(object),
                        port_index,
                        protocol: port
                            .protocol
                            .as_deref()
                            .filter(|p| !p.is_empty())
                            .map(str::to_ascii_uppercase),
                    });
            }
        }
    }
    for ((host, number), declared) in &by_host_port {
        let overlap = |a: &Declared<'_>, b: &Declared<'_>| {
            // Different protocols are IST0177's finding.
            let same_protocol = match (&a.protocol, &b.protocol) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            };
            !std::ptr::eq(a.object, b.object)
                && same_protocol
                && scopes_overlap(a.export_to, a.namespace, b.export_to, b.namespace)
        };
        for a in declared {
            let others: Vec<String> = declared
                .iter()
                .filter(|b| overlap(a, b))
                .map(|b| full_name(b.object))
                .collect();
            if others.is_empty() {
                continue;
            }
            findings
                .report(
                    a.object,
                    &FieldPath::root()
                        .field("spec")
                        .field("ports")
                        .index(a.port_index),
                    format!(
                        "Host {host} port {number} is also declared by ServiceEntry {}",
                        others.join(", ")
                    ),
                )
                .help = Some("declare each host and port in one ServiceEntry".to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "service-entry-host-port-overlap";

    #[test]
    fn reports_every_entry_declaring_the_host_and_port() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [
                finding(
                    "MESH105",
                    "ServiceEntry shop/api-v1",
                    6,
                    "spec.ports[0]",
                    "Host api.example.com port 443 is also declared by ServiceEntry shop/api-v2",
                ),
                finding(
                    "MESH105",
                    "ServiceEntry shop/api-v2",
                    14,
                    "spec.ports[0]",
                    "Host api.example.com port 443 is also declared by ServiceEntry shop/api-v1",
                ),
            ]
        );
    }

    #[test]
    fn silent_for_other_ports_private_scopes_and_protocol_conflicts() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
