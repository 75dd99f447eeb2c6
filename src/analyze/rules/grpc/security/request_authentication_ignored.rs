use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A RequestAuthentication has no effect on proxyless gRPC servers.
    ///
    /// ## What it checks
    /// A RequestAuthentication (selected by `selector`, namespace-wide or
    /// mesh-wide; not by `targetRef`) that applies to proxyless gRPC servers.
    ///
    /// ## Why it matters
    /// RequestAuthentication becomes Envoy's `jwt_authn` filter. gRPC has no
    /// JWT filter and istiod's gRPC generator emits none (spec §10, G038): on
    /// proxyless servers tokens are not validated, so requests carrying an
    /// invalid or expired JWT are accepted, and `requestPrincipals` in
    /// AuthorizationPolicies never match (GRPC048).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: RequestAuthentication
    /// metadata: {name: jwt, namespace: echo-grpc}
    /// spec:
    ///   selector: {matchLabels: {app: echo}}
    ///   jwtRules: [{issuer: "https://issuer.example", jwksUri: "https://issuer.example/jwks"}]
    /// ```
    ///
    /// ## How to fix
    /// Validate JWTs in the application (a gRPC server interceptor), or
    /// exclude proxyless servers from the selector.
    pub static RULE = { code: "GRPC054", name: "request-authentication-ignored", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::RequestAuthentication(spec) = &object.spec else {
            continue;
        };
        if spec.target_ref.is_some() || !spec.target_refs.is_empty() {
            continue;
        }
        let servers = super::scope::proxyless_servers_selected_by(context, object);
        if servers.is_empty() {
            continue;
        }
        let field = if spec.jwt_rules.is_empty() {
            FieldPath::root().field("spec")
        } else {
            FieldPath::root().field("spec").field("jwtRules")
        };
        findings
            .report(
                object,
                &field,
                format!(
                    "RequestAuthentication has no effect on proxyless gRPC servers {}: gRPC has no JWT filter, so tokens are not validated (requests with invalid JWTs are accepted) and requestPrincipals never match",
                    context.workload_names(&servers)
                ),
            )
            .help = Some(
            "validate JWTs in a gRPC server interceptor, or exclude proxyless servers from the selector".into(),
        );
    }
}
