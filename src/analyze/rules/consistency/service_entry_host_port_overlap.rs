use crate::analyze::rules::ist::gateway::lookup::full_name;
use crate::analyze::rules::ist::service_entry::declared::{by_host_and_port, Declared};
use crate::analyze::{Context, Findings};
use crate::declare_rule;
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

fn check(context: &Context<'_>, findings: &mut Findings) {
    let by_host_port = by_host_and_port(context.index);
    for ((host, number), declared) in &by_host_port {
        let overlap = |a: &Declared<'_>, b: &Declared<'_>| {
            // Different protocols are IST0177's finding.
            let same_protocol = match (&a.protocol, &b.protocol) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            };
            same_protocol && a.overlaps(b)
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
