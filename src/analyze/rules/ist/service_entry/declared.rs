//! The ports ServiceEntries declare for each host, shared by the rules that
//! compare ServiceEntries (IST0177 and MESH105).

use std::collections::{BTreeMap, BTreeSet};

use crate::analyze::rules::ist::destination_rule::lookup::scopes_overlap;
use crate::index::{Index, DEFAULT_NAMESPACE};
use crate::model::{Object, Spec};

/// One port of one host of one ServiceEntry.
pub(crate) struct Declared<'a> {
    pub object: &'a Object,
    pub namespace: &'a str,
    pub export_to: &'a [String],
    pub port_index: usize,
    /// Upper case; `None` when the port names no protocol.
    pub protocol: Option<String>,
}

impl Declared<'_> {
    /// Another ServiceEntry, seen in some namespace where this one is.
    pub fn overlaps(&self, other: &Declared<'_>) -> bool {
        !std::ptr::eq(self.object, other.object)
            && scopes_overlap(
                self.export_to,
                self.namespace,
                other.export_to,
                other.namespace,
            )
    }
}

/// Every declared port, by (host made fully qualified, port number).
pub(crate) fn by_host_and_port(index: &Index) -> BTreeMap<(String, u32), Vec<Declared<'_>>> {
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
    by_host_port
}
