use crate::analyze::unresolved::Referenced;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::{host_matches, DEFAULT_NAMESPACE};
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A Sidecar egress host matches no service.
    ///
    /// ## What it checks
    /// Every `egress[].hosts` entry `namespace/dnsName` of a Sidecar whose
    /// `dnsName` is not `*` must match the host of a Kubernetes Service or a
    /// ServiceEntry in that namespace (`.` is the Sidecar's own, `*` any;
    /// `~/…` names nothing on purpose). When the inputs hold no Service or
    /// ServiceEntry at all, these findings are set aside and counted in the
    /// run summary; `--report-unresolved Service` reports them,
    /// `--ignore-unresolved Service` sets them aside even when the inputs
    /// hold some (README, Partial inputs).
    ///
    /// ## Why it matters
    /// A Sidecar with egress hosts limits its workloads to those services:
    /// an entry that matches nothing, often a typo or a short name where a
    /// fully qualified one is needed, leaves the service it meant
    /// unreachable (a 502 from the passthrough or blackhole cluster).
    ///
    /// ## Example
    /// ```yaml
    /// egress:
    /// - hosts: ["shop/reviews"]   # needs reviews.shop.svc.cluster.local
    /// ```
    ///
    /// ## How to fix
    /// Write the service's fully qualified host (or a wildcard such as
    /// `shop/*`), in the namespace the service is in.
    pub static RULE = { code: "MESH107", name: "sidecar-egress-host-matches-nothing", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for object in &index.objects {
        let Spec::Sidecar(sidecar) = &object.spec else {
            continue;
        };
        let own = object.namespace_or(DEFAULT_NAMESPACE);
        for (i, listener) in sidecar.egress.iter().enumerate() {
            for (j, entry) in listener.hosts.iter().enumerate() {
                let Some((namespace, host)) = entry.split_once('/') else {
                    continue;
                };
                if host == "*" || namespace == "~" {
                    continue;
                }
                let namespace = if namespace == "." { own } else { namespace };
                let matched = index.all_services().any(|service| {
                    (namespace == "*" || service.namespace == namespace)
                        && host_matches(host, &service.host)
                });
                if matched {
                    continue;
                }
                findings
                    .report_unresolved(
                        object,
                        &FieldPath::root()
                            .field("spec")
                            .field("egress")
                            .index(i)
                            .field("hosts")
                            .index(j),
                        format!("Egress host {entry:?} matches no service"),
                        Referenced::Service,
                    )
                    .help = Some(format!(
                    "no Service or ServiceEntry in {} has a host matching `{host}` (hosts are fully qualified)",
                    if namespace == "*" { "any namespace".to_string() } else { format!("namespace `{namespace}`") }
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "sidecar-egress-host-matches-nothing";

    #[test]
    fn reports_egress_hosts_no_service_has() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [
                finding(
                    "MESH107",
                    "Sidecar frontend/default",
                    14,
                    "spec.egress[0].hosts[0]",
                    "Egress host \"shop/reviews\" matches no service",
                ),
                finding(
                    "MESH107",
                    "Sidecar frontend/default",
                    15,
                    "spec.egress[0].hosts[1]",
                    "Egress host \"./reviews.shop.svc.cluster.local\" matches no service",
                ),
            ]
        );
    }

    #[test]
    fn silent_when_every_host_matches() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
