use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope::{clients_text, http_path, mesh_virtual_services};

declare_rule! {
    /// VirtualService mirroring (mirror, mirrors, mirrorPercentage) is silently ignored by proxyless gRPC clients.
    ///
    /// ## What it checks
    /// `http[].mirror`, `http[].mirrors` and `http[].mirrorPercentage` in a
    /// VirtualService bound to `mesh` whose hosts proxyless gRPC clients call.
    ///
    /// ## Why it matters
    /// istiod emits `request_mirror_policies`; no gRPC runtime mirrors requests
    /// and gRFC A28 ignores the fields it does not cover. The shadow backend
    /// receives no traffic from proxyless clients, so a test that relies on it
    /// sees nothing. Istio's proxyless gRPC blog lists mirroring as
    /// unsupported; it still is.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - route: [{destination: {host: echo, subset: v1}}]
    ///   mirror: {host: echo, subset: v2}
    ///   mirrorPercentage: {value: 10}
    /// ```
    ///
    /// ## How to fix
    /// Mirror in the application (or through an Envoy sidecar client) instead,
    /// or accept that proxyless clients are not mirrored.
    pub static RULE = { code: "GRPC003", name: "mirror-ignored", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, route, clients) in vs.routes() {
            let field = if route.mirror.is_some() {
                "mirror"
            } else if !route.mirrors.is_empty() {
                "mirrors"
            } else if route.mirror_percentage.is_some() {
                "mirrorPercentage"
            } else {
                continue;
            };
            let Some(ignoring) =
                context.route_model_says(vs.object, vs.spec, i, None, &clients, RULE.code)
            else {
                continue;
            };
            let targets: Vec<String> = route
                .mirror
                .iter()
                .chain(route.mirrors.iter().filter_map(|m| m.destination.as_ref()))
                .filter_map(|d| d.host.clone())
                .collect();
            let target = if targets.is_empty() {
                String::new()
            } else {
                format!(" to {}", targets.join(", "))
            };
            findings
                .report(
                    vs.object,
                    &http_path(i).field(field),
                    format!(
                        "{field} is ignored by every gRPC runtime (no gRFC supports request mirroring): {} send no mirrored copy{target}",
                        clients_text(context, &ignoring)
                    ),
                )
                .help = Some("mirror in the application, or accept that proxyless clients are not mirrored".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn one_finding_per_route_naming_targets() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - route: [{destination: {host: echo}}]
    mirrors: [{destination: {host: shadow}}, {destination: {host: shadow2}}]
    mirrorPercentage: {value: 5}
";
        let found = run_rule_as("GRPC003", "any", &mesh(vs));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "spec.http[0].mirrors");
        assert!(
            found[0]
                .2
                .ends_with("send no mirrored copy to shadow, shadow2"),
            "{}",
            found[0].2
        );
    }
}
