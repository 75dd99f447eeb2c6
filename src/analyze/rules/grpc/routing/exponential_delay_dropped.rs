use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope::{clients_text, http_path, mesh_virtual_services};

declare_rule! {
    /// A VirtualService fault.delay.exponentialDelay is dropped by istiod, so proxyless gRPC clients inject no such delay.
    ///
    /// ## What it checks
    /// `http[].fault.delay.exponentialDelay` in a VirtualService bound to
    /// `mesh` whose hosts proxyless gRPC clients call.
    ///
    /// ## Why it matters
    /// gRPC implements fault injection (gRFC A33), but istiod's
    /// `TranslateFault` translates only `fixedDelay`: an exponential delay is
    /// dropped before it reaches the client. A fault test that relies on it
    /// sees no delay at all.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - route: [{destination: {host: echo}}]
    ///   fault: {delay: {exponentialDelay: 1s, percentage: {value: 50}}}
    /// ```
    ///
    /// ## How to fix
    /// Use `fixedDelay`.
    pub static RULE = { code: "GRPC013", name: "exponential-delay-dropped", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, route, clients) in vs.routes() {
            let Some(delay) = route.fault.as_ref().and_then(|f| f.delay.as_ref()) else {
                continue;
            };
            let Some(exponential) = &delay.exponential_delay else {
                continue;
            };
            let effect = match &delay.fixed_delay {
                Some(fixed) => format!("only the fixedDelay {fixed} is injected"),
                None => "no delay is injected".to_string(),
            };
            findings
                .report(
                    vs.object,
                    &http_path(i).field("fault").field("delay").field("exponentialDelay"),
                    format!(
                        "exponentialDelay {exponential} is dropped by istiod (TranslateFault handles only fixedDelay): for {}, {effect}",
                        clients_text(context, &clients)
                    ),
                )
                .help = Some("use fixedDelay".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};

    #[test]
    fn exponential_delay_alone_injects_nothing() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - route: [{destination: {host: echo}}]
    fault: {delay: {exponentialDelay: 1s}}
  - route: [{destination: {host: echo}}]
    fault: {delay: {fixedDelay: 1s}}
";
        let found = run_rule_as("GRPC013", "any", &mesh(vs));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "spec.http[0].fault.delay.exponentialDelay");
        assert!(found[0].2.ends_with("no delay is injected"));
    }
}
