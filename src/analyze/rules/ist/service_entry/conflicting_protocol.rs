use std::collections::{BTreeMap, BTreeSet};

use crate::analyze::rules::ist::destination_rule::lookup::scopes_overlap;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::DEFAULT_NAMESPACE;
use crate::model::{Object, Spec};
use crate::source::FieldPath;

declare_rule! {
    /// ServiceEntries give the same host and port different protocols.
    ///
    /// ## What it checks
    /// Two ServiceEntries whose `exportTo` scopes overlap must not declare the
    /// same host (short names made fully qualified) and port number with
    /// different protocols (compared without case; ports without a protocol
    /// are not compared). Every ServiceEntry involved is reported on that
    /// port (istioctl's IST0177).
    ///
    /// ## Why it matters
    /// Istio merges the entries into one service and keeps one protocol, so
    /// traffic on that port is handled as the other protocol: HTTP parsed as
    /// opaque TCP, or TLS treated as plain HTTP.
    ///
    /// ## Example
    /// ```yaml
    /// # ServiceEntry se-https
    /// hosts: [example.com]
    /// ports: [{number: 8443, name: https, protocol: HTTPS}]
    /// # ServiceEntry se-http
    /// hosts: [example.com]
    /// ports: [{number: 8443, name: http, protocol: HTTP}]
    /// ```
    ///
    /// ## How to fix
    /// Give the port one protocol in every ServiceEntry for the host, or merge the entries.
    pub static RULE = { code: "IST0177", name: "service-entry-conflicting-protocol", level: Warning, check: check };
}

/// One port of one host of one ServiceEntry.
struct Declared<'a> {
    object: &'a Object,
    namespace: &'a str,
    export_to: &'a [String],
    port_index: usize,
    protocol: String,
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let mut by_host_port: BTreeMap<(String, u32), Vec<Declared<'_>>> = BTreeMap::new();
    for object in &index.objects {
        let Spec::ServiceEntry(entry) = &object.spec else {
            continue;
        };
        let namespace = object.namespace_or(DEFAULT_NAMESPACE);
        let export_to = index.export_to(object);
        let hosts: BTreeSet<String> = entry
            .hosts
            .iter()
            .map(|h| index.config_host_fqdn(h, namespace))
            .collect();
        for host in hosts {
            for (port_index, port) in entry.ports.iter().enumerate() {
                let (Some(number), Some(protocol)) = (
                    port.number,
                    port.protocol.as_deref().filter(|p| !p.is_empty()),
                ) else {
                    continue;
                };
                by_host_port
                    .entry((host.clone(), number))
                    .or_default()
                    .push(Declared {
                        object,
                        namespace,
                        export_to,
                        port_index,
                        protocol: protocol.to_ascii_uppercase(),
                    });
            }
        }
    }
    for ((host, number), declared) in &by_host_port {
        let conflicts = |a: &Declared<'_>, b: &Declared<'_>| {
            !std::ptr::eq(a.object, b.object)
                && a.protocol != b.protocol
                && scopes_overlap(a.export_to, a.namespace, b.export_to, b.namespace)
        };
        let involved: Vec<&Declared<'_>> = declared
            .iter()
            .filter(|a| declared.iter().any(|b| conflicts(a, b)))
            .collect();
        if involved.is_empty() {
            continue;
        }
        let names: BTreeSet<String> = involved
            .iter()
            .map(|d| format!("{}/{}", d.namespace, d.object.display_name()))
            .collect();
        let protocols: BTreeSet<&str> = involved.iter().map(|d| d.protocol.as_str()).collect();
        let message = format!(
            "Multiple ServiceEntries ({}) define the same host {host:?} and port {number} with conflicting protocols ({}).",
            names.into_iter().collect::<Vec<_>>().join(", "),
            protocols.into_iter().collect::<Vec<_>>().join(", ")
        );
        for d in involved {
            let path = FieldPath::root()
                .field("spec")
                .field("ports")
                .index(d.port_index)
                .field("protocol");
            findings.report(d.object, &path, message.clone()).help = Some(
                "give the port the same protocol in every ServiceEntry for this host".to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/service-entry-conflicting-protocol.yaml"
    );

    #[test]
    fn reports_each_entry_with_a_conflicting_protocol() {
        assert_eq!(findings("service-entry-conflicting-protocol", FIXTURE), [
                "IST0177 ServiceEntry default/se-https 9 spec.ports[0].protocol Multiple ServiceEntries (default/se-http, default/se-https) define the same host \"example.com\" and port 8443 with conflicting protocols (HTTP, HTTPS).",
                "IST0177 ServiceEntry default/se-http 20 spec.ports[1].protocol Multiple ServiceEntries (default/se-http, default/se-https) define the same host \"example.com\" and port 8443 with conflicting protocols (HTTP, HTTPS).",
            ]);
    }
}
