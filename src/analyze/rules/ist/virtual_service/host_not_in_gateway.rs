use crate::analyze::unresolved::Referenced;
use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::super::gateway::lookup::{full_name, hosts_overlap, Gateways};
use super::gateway_refs::gateway_refs;
use super::lookup::go_list;

declare_rule! {
    /// None of a VirtualService's hosts is served by a gateway it is bound to.
    ///
    /// ## What it checks
    /// For every gateway a VirtualService is bound to, at least one of its
    /// `hosts` must match (wildcards included) a host of that gateway's servers
    /// that admits VirtualServices of its namespace (`ns/host`, `./host`,
    /// `*/host`), or a Kubernetes Gateway listener hostname (istioctl's
    /// IST0132). A gateway missing from the inputs has no hosts, so it is
    /// reported here too, as istioctl does; such findings are set aside like
    /// those of `virtual-service-gateway-not-found` when the inputs hold no
    /// gateway at all (`--report-unresolved Gateway`, `--ignore-unresolved
    /// Gateway`).
    ///
    /// ## Why it matters
    /// The gateway only accepts requests for its own hosts: the routes of this
    /// VirtualService are never used for traffic through it.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hosts: [shop.example.com]
    ///   gateways: [istio-system/public]   # serves *.example.org only
    /// ```
    ///
    /// ## How to fix
    /// Add the host to the gateway's servers, or bind the VirtualService to the gateway that serves it.
    pub static RULE = { code: "IST0132", name: "virtual-service-host-not-in-gateway", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let gateways = Gateways::build(index);
    for reference in gateway_refs(index) {
        if reference.internal {
            continue;
        }
        let Some(hosts) = gateways.hosts_for(&reference.key, reference.namespace) else {
            continue;
        };
        let served = hosts
            .iter()
            .any(|g| reference.vs.hosts.iter().any(|h| hosts_overlap(g, h)));
        if served {
            continue;
        }
        let gateway = format!("{}/{}", reference.key.0, reference.key.1);
        let exists = gateways.exists(&reference.key);
        let help = if exists {
            format!(
                "{gateway} serves {} for VirtualServices in namespace `{}`",
                if hosts.is_empty() {
                    "no host".to_string()
                } else {
                    go_list(&hosts)
                },
                reference.namespace
            )
        } else {
            format!("{gateway} is not in the inputs")
        };
        let message = format!(
            "one or more host {} defined in VirtualService {} not found in Gateway {gateway}.",
            go_list(&reference.vs.hosts),
            full_name(reference.object)
        );
        let diagnostic = if exists {
            findings.report(reference.object, &reference.path, message)
        } else {
            findings.report_unresolved(
                reference.object,
                &reference.path,
                message,
                Referenced::Gateway,
            )
        };
        diagnostic.help = Some(help);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, run};

    #[test]
    fn reports_gateways_that_serve_none_of_the_hosts() {
        let found = run(
            "virtual-service-host-not-in-gateway",
            &fixture("virtual-service-host-not-in-gateway.yaml"),
        );
        let expected = [
            (
                "IST0132",
                "VirtualService web/other-host",
                49,
                "spec.gateways[0]",
                "one or more host [shop.example.org] defined in VirtualService web/other-host not found in Gateway istio-system/public.",
            ),
            (
                "IST0132",
                "VirtualService web/other-namespace",
                59,
                "spec.gateways[0]",
                "one or more host [team.example.org] defined in VirtualService web/other-namespace not found in Gateway istio-system/public.",
            ),
        ];
        assert_eq!(
            found,
            expected.map(|(c, o, l, f, m)| (c, o.to_string(), l, f.to_string(), m.to_string()))
        );
    }
}
