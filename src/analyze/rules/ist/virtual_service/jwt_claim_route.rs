use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::VirtualServiceSpec;
use crate::model::Spec;
use crate::source::FieldPath;

use super::super::gateway::lookup::{gateway_workloads, has_request_authentication, Gateways};
use super::gateway_refs::gateway_refs;

declare_rule! {
    /// A VirtualService routes on JWT claims at a gateway that validates no JWT.
    ///
    /// ## What it checks
    /// A VirtualService bound to an Istio Gateway that matches on an
    /// `@request.auth.claims…` header, while some workload the gateway selects
    /// (the default ingress gateway when the inputs hold none) has no
    /// RequestAuthentication applied: none in its namespace selecting it, and
    /// no selector-less one in the root namespace (istioctl's IST0149).
    ///
    /// ## Why it matters
    /// Claims only exist once a RequestAuthentication has validated the
    /// token. Without one the match never succeeds, so the claim-based route
    /// is dead and requests fall through to other rules.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - match:
    ///   - headers:
    ///       "@request.auth.claims.group": {exact: admin}
    /// ```
    ///
    /// ## How to fix
    /// Apply a RequestAuthentication to the gateway workloads (same selector, in their namespace).
    pub static RULE = { code: "IST0149", name: "jwt-claim-route-without-request-authentication", level: Error, check: check };
}

use crate::semantics::routing::JWT_CLAIM_PREFIX as CLAIM_PREFIX;

/// The first header key that routes on a JWT claim, with its path.
fn claim_key(vs: &VirtualServiceSpec) -> Option<(&str, FieldPath)> {
    for (i, route) in vs.http.iter().enumerate() {
        for (j, request) in route.r#match.iter().enumerate() {
            let at = FieldPath::root()
                .field("spec")
                .field("http")
                .index(i)
                .field("match")
                .index(j);
            for (field, headers) in [
                ("headers", &request.headers),
                ("withoutHeaders", &request.without_headers),
            ] {
                if let Some(key) = headers.keys().find(|k| k.starts_with(CLAIM_PREFIX)) {
                    return Some((key, at.field(field).field(key)));
                }
            }
        }
    }
    None
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let gateways = Gateways::build(index);
    for reference in gateway_refs(index) {
        let Some((key, path)) = claim_key(reference.vs) else {
            continue;
        };
        let Some(gateway) = gateways
            .istio
            .get(&reference.key)
            .and_then(|objects| objects.first())
        else {
            continue;
        };
        let Spec::Gateway(spec) = &gateway.spec else {
            continue;
        };
        if spec.selector.is_empty() {
            continue;
        }
        let name = format!("{}/{}", reference.key.0, reference.key.1);
        for workload in gateway_workloads(index, &spec.selector) {
            if has_request_authentication(index, &workload.namespace, &workload.labels) {
                continue;
            }
            findings
                .report(
                    reference.object,
                    &path,
                    format!(
                        "The virtual service uses the JWT claim based routing (key: {key}) but found no request authentication \
                         for the gateway ({name}) pod ({}). The request authentication must first be applied for the gateway pods \
                         to validate the JWT token and make the claims available for routing.",
                        workload.full_name()
                    ),
                )
                .help = Some(if workload.stand_in {
                "the inputs hold no workload for this gateway; the default ingress gateway stands in".to_string()
            } else {
                format!("no RequestAuthentication in namespace `{}` selects this workload", workload.namespace)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, run};

    #[test]
    fn reports_claim_routes_on_gateways_without_request_authentication() {
        let found = run(
            "jwt-claim-route-without-request-authentication",
            &fixture("jwt-claim-route-without-request-authentication.yaml"),
        );
        assert_eq!(
            found,
            [(
                "IST0149",
                "VirtualService web/admin".to_string(),
                53,
                "spec.http[0].match[0].headers[\"@request.auth.claims.group\"]".to_string(),
                "The virtual service uses the JWT claim based routing (key: @request.auth.claims.group) but found no \
                 request authentication for the gateway (web/open) pod (web/open-gateway). The request authentication \
                 must first be applied for the gateway pods to validate the JWT token and make the claims available for routing."
                    .to_string(),
            )]
        );
    }
}
