use std::collections::HashMap;

use crate::analyze::unresolved::Referenced;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::{Index, DEFAULT_NAMESPACE};
use crate::model::Spec;

use super::lookup::{mirror_destinations, route_destinations, virtual_services, Scope};

declare_rule! {
    /// A VirtualService routes to a subset that no DestinationRule defines for that host.
    ///
    /// ## What it checks
    /// Every route or mirror destination with a `subset` needs a
    /// DestinationRule for its host (exact, or a wildcard host covering it),
    /// visible where the VirtualService applies, that defines a subset of that
    /// name (istioctl's IST0101 on `host+subset in destinationrule`). When
    /// the inputs hold no DestinationRule at all, these findings are set
    /// aside and counted in the run summary; `--report-unresolved
    /// DestinationRule` reports them (as istioctl does),
    /// `--ignore-unresolved DestinationRule` sets them aside even when the
    /// inputs hold some (README, Partial inputs).
    ///
    /// ## Why it matters
    /// A subset is a cluster Istio builds from a DestinationRule. Without it
    /// the route points at a cluster that does not exist and requests fail
    /// with 503 (`NC`).
    ///
    /// ## Example
    /// ```yaml
    /// - destination:
    ///     host: reviews
    ///     subset: v3   # the DestinationRule defines v1 and v2
    /// ```
    ///
    /// ## How to fix
    /// Define the subset in the host's DestinationRule, or route to a subset it defines.
    pub static RULE = { code: "IST0101", name: "virtual-service-subset-not-found", level: Error, check: check };
}

/// A DestinationRule's host, scope and subset names.
struct Rule<'a> {
    host: String,
    namespace: &'a str,
    scope: Scope,
    subsets: Vec<&'a str>,
}

fn destination_rules(index: &Index) -> Vec<Rule<'_>> {
    let default = &index.mesh_config.default_destination_rule_export_to;
    index
        .objects
        .iter()
        .filter_map(|object| {
            let Spec::DestinationRule(dr) = &object.spec else {
                return None;
            };
            let namespace = object.namespace_or(DEFAULT_NAMESPACE);
            Some(Rule {
                host: index.config_host_fqdn(dr.host.as_deref()?, namespace),
                namespace,
                scope: Scope::of(&dr.export_to, default, namespace),
                subsets: dr
                    .subsets
                    .iter()
                    .filter_map(|s| s.name.as_deref())
                    .collect(),
            })
        })
        .collect()
}

fn covers(rule_host: &str, host: &str) -> bool {
    rule_host == host
        || rule_host
            .strip_prefix('*')
            .is_some_and(|suffix| host.ends_with(suffix))
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let rules = destination_rules(index);
    // Exact hosts in a map, wildcards aside: a lookup per destination, not a scan.
    let mut by_host: HashMap<&str, Vec<&Rule<'_>>> = HashMap::new();
    let mut wildcards: Vec<&Rule<'_>> = Vec::new();
    for rule in &rules {
        if rule.host.starts_with('*') {
            wildcards.push(rule);
        } else {
            by_host.entry(rule.host.as_str()).or_default().push(rule);
        }
    }
    for (object, vs, namespace) in virtual_services(index) {
        let scope = Scope::of_routes(vs, namespace);
        for destination in route_destinations(vs)
            .into_iter()
            .chain(mirror_destinations(vs))
        {
            let Some(subset) = destination.subset() else {
                continue;
            };
            let host = destination.host();
            let fqdn = index.config_host_fqdn(host, namespace);
            let for_host: Vec<&Rule<'_>> = by_host
                .get(fqdn.as_str())
                .into_iter()
                .flatten()
                .chain(wildcards.iter())
                .copied()
                .filter(|r| covers(&r.host, &fqdn))
                .filter(|r| scope.intersects(&r.scope))
                .collect();
            if for_host.iter().any(|r| r.subsets.contains(&subset)) {
                continue;
            }
            let what = if destination.mirror { "mirror" } else { "host" };
            let help = if for_host.is_empty() {
                format!(
                    "no DestinationRule for `{fqdn}` is visible in {}",
                    scope.describe()
                )
            } else {
                let mut defined: Vec<&str> = for_host
                    .iter()
                    .flat_map(|r| r.subsets.iter().copied())
                    .collect();
                defined.sort_unstable();
                defined.dedup();
                let names: Vec<String> = for_host
                    .iter()
                    .map(|r| format!("{}/{}", r.namespace, r.host))
                    .collect();
                format!(
                    "the DestinationRules for this host ({}) define subsets: {}",
                    names.join(", "),
                    if defined.is_empty() {
                        "none".to_string()
                    } else {
                        defined.join(", ")
                    }
                )
            };
            findings
                .report_unresolved(
                    object,
                    &destination.destination_path().field("subset"),
                    format!("Referenced {what}+subset in destinationrule not found: \"{host}+{subset}\""),
                    Referenced::DestinationRule,
                )
                .help = Some(help);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, run};

    #[test]
    fn reports_subsets_no_destination_rule_defines() {
        let found = run(
            "virtual-service-subset-not-found",
            &fixture("virtual-service-subset-not-found.yaml"),
        );
        let expected = [
            (
                "IST0101",
                "VirtualService shop/canary",
                46,
                "spec.http[0].route[1].destination.subset",
                "Referenced host+subset in destinationrule not found: \"cart+v3\"",
            ),
            (
                "IST0101",
                "VirtualService shop/canary",
                50,
                "spec.http[0].mirror.subset",
                "Referenced mirror+subset in destinationrule not found: \"payments+v1\"",
            ),
        ];
        assert_eq!(
            found,
            expected.map(|(c, o, l, f, m)| (c, o.to_string(), l, f.to_string(), m.to_string()))
        );
    }

    #[test]
    // Whether a run shows it, or sets it aside, is decided in `analyze::unresolved`.
    fn the_rule_reports_it_without_any_destination_rule_in_the_inputs() {
        let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: x}\nspec:\n  http: [{route: [{destination: {host: a, subset: v1}}]}]\n";
        let found = run("virtual-service-subset-not-found", text);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].4,
            "Referenced host+subset in destinationrule not found: \"a+v1\""
        );
    }
}
