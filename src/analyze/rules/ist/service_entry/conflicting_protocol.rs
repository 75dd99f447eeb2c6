use std::collections::BTreeSet;

use super::declared::{by_host_and_port, Declared};
use crate::analyze::{Context, Findings};
use crate::declare_rule;
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

fn check(context: &Context<'_>, findings: &mut Findings) {
    let by_host_port = by_host_and_port(context.index);
    for ((host, number), declared) in &by_host_port {
        // Ports without a protocol are not compared.
        let conflicts = |a: &Declared<'_>, b: &Declared<'_>| {
            a.protocol.is_some()
                && b.protocol.is_some()
                && a.protocol != b.protocol
                && a.overlaps(b)
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
        let protocols: BTreeSet<&str> = involved
            .iter()
            .filter_map(|d| d.protocol.as_deref())
            .collect();
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
