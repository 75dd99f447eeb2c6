use crate::analyze::unresolved::Referenced;
use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::lookup::{
    destination_services, mirror_destinations, route_destinations, virtual_services, Scope,
};

declare_rule! {
    /// A VirtualService routes or mirrors to a host that no visible Service or ServiceEntry defines.
    ///
    /// ## What it checks
    /// Every `destination.host` of an HTTP, TLS or TCP route, and every mirror
    /// host, must name a Kubernetes Service or a ServiceEntry host (wildcard
    /// ServiceEntry hosts included) that is exported to the namespaces the
    /// VirtualService is exported to (its own namespace when `exportTo` is
    /// unset). Short names are taken relative to the VirtualService's namespace
    /// and the cluster domain (`--cluster-domain`). istioctl's IST0101 on
    /// `host` and `mirror host`. When the inputs hold no Service and no
    /// ServiceEntry at all, these findings are set aside and counted in the
    /// run summary; `--report-unresolved Service` reports them (as istioctl
    /// does), `--ignore-unresolved Service` sets them aside even when the
    /// inputs hold some (README, Partial inputs).
    ///
    /// ## Why it matters
    /// Istio builds no cluster for an unknown host: requests on that route
    /// fail with 503 (`NR`/`NC`), and mirrored traffic is dropped.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - route:
    ///   - destination:
    ///       host: reviews-v2   # no such Service
    /// ```
    ///
    /// ## How to fix
    /// Correct the host, create the Service or ServiceEntry, or export it to the VirtualService's namespace.
    pub static RULE = { code: "IST0101", name: "virtual-service-destination-host-not-found", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for (object, vs, namespace) in virtual_services(index) {
        let scope = Scope::of_routes(vs, namespace);
        for destination in route_destinations(vs)
            .into_iter()
            .chain(mirror_destinations(vs))
        {
            let host = destination.host();
            if !destination_services(index, host, namespace, &scope).is_empty() {
                continue;
            }
            let what = if destination.mirror {
                "mirror host"
            } else {
                "host"
            };
            let help = if host.is_empty() {
                "the destination names no host".to_string()
            } else {
                format!(
                    "no Service or ServiceEntry with host `{}` is visible in {}",
                    index.config_host_fqdn(host, namespace),
                    scope.describe()
                )
            };
            findings
                .report_unresolved(
                    object,
                    &destination.host_path(),
                    format!("Referenced {what} not found: {host:?}"),
                    Referenced::Service,
                )
                .help = Some(help);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, run};

    #[test]
    fn reports_hosts_no_visible_service_defines() {
        let found = run(
            "virtual-service-destination-host-not-found",
            &fixture("virtual-service-destination-host-not-found.yaml"),
        );
        let expected = [
            (
                "IST0101",
                "VirtualService shop/typo",
                48,
                "spec.http[0].route[0].destination.host",
                "Referenced host not found: \"cartt\"",
            ),
            (
                "IST0101",
                "VirtualService shop/mirror-elsewhere",
                60,
                "spec.http[0].mirror.host",
                "Referenced mirror host not found: \"api.partner.example\"",
            ),
            (
                "IST0101",
                "VirtualService shop/not-exported",
                71,
                "spec.tcp[0].route[0].destination.host",
                "Referenced host not found: \"ledger.finance.svc.cluster.local\"",
            ),
        ];
        assert_eq!(
            found,
            expected.map(|(c, o, l, f, m)| (c, o.to_string(), l, f.to_string(), m.to_string()))
        );
    }

    #[test]
    fn hosts_follow_the_cluster_domain() {
        use crate::analyze::{analyze, Selection};
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: bookinfo}\nspec: {ports: [{name: http, port: 9080}]}\n---\n\
                    apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: web}\nspec:\n  hosts: [a]\n  \
                    http: [{route: [{destination: {host: reviews.bookinfo.svc.corp.internal}}]}]\n";
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(
            "t.yaml",
            text.to_string(),
        )]);
        let index = crate::index::Index::build_in_domain(
            loaded.objects,
            Default::default(),
            "corp.internal",
        );
        let selection = Selection {
            select: vec!["virtual-service-destination-host-not-found".into()],
            ignore: vec![],
        };
        assert!(analyze(&index, &selection).is_empty());
    }

    #[test]
    // Whether a run shows it, or sets it aside, is decided in `analyze::unresolved`.
    fn the_rule_reports_it_without_any_service_in_the_inputs() {
        let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: x}\nspec:\n  hosts: [a]\n  http: [{route: [{destination: {host: nowhere}}]}]\n";
        let found = run("virtual-service-destination-host-not-found", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].4, "Referenced host not found: \"nowhere\"");
    }
}
