use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::xds::client::acceptance::reserved_rbac_header;

use super::scope::{authorization_policies, rule_path, servers_the_model_flags};

declare_rule! {
    /// A `request.headers[grpc-*]` or `[:scheme]` condition may get the proxyless gRPC server Listener rejected.
    ///
    /// ## What it checks
    /// `when` conditions on `request.headers[grpc-...]` or
    /// `request.headers[:scheme]` in an ALLOW or DENY AuthorizationPolicy
    /// selecting proxyless gRPC servers whose runtime is not Go (with
    /// `--grpc any`, every server counts).
    ///
    /// ## Why it matters
    /// gRFC A41 makes an RBAC header matcher on a `grpc-` header or on
    /// `:scheme` a validation failure, which rejects (NACK) the server
    /// Listener. grpc-go checks only top-level matchers and Istio nests them,
    /// so Go servers accept the policy; C++ and Java servers may reject it and
    /// stay on their last good config (or never serve).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: timeout-only, namespace: echo-grpc}
    /// spec:
    ///   rules: [{when: [{key: "request.headers[grpc-timeout]", values: ["*"]}]}]
    /// ```
    ///
    /// ## How to fix
    /// Match on application metadata (custom headers) instead of gRPC's
    /// reserved headers and pseudo-headers.
    pub static RULE = { code: "GRPC050", name: "reserved-header-condition", level: Warning, check: check };
}

/// The header a `request.headers[...]` key names, if it is reserved.
/// The header a `when` key names, when it is one gRPC reserves.
fn reserved_header(key: &str) -> Option<&str> {
    let name = key
        .strip_prefix("request.headers[")?
        .strip_suffix(']')?
        .trim();
    reserved_rbac_header(name).then_some(name)
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for policy in authorization_policies(context) {
        for (i, rule) in policy.spec.rules.iter().enumerate() {
            let exposed = servers_the_model_flags(context, policy, i, "GRPC050");
            if exposed.is_empty() {
                continue;
            }
            for (k, condition) in rule.when.iter().enumerate() {
                let Some(header) = condition.key.as_deref().and_then(reserved_header) else {
                    continue;
                };
                findings
                    .report(
                        policy.object,
                        &rule_path(i).field("when").index(k).field("key"),
                        format!(
                            "a header matcher on {header} is a validation failure in gRFC A41: gRPC C++ and Java may reject (NACK) the server Listener of proxyless servers {} (grpc-go accepts it)",
                            context.workload_names(&exposed)
                        ),
                    )
                    .help = Some("match on a custom header instead of gRPC's reserved ones".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reserved_header;

    #[test]
    fn reserved_headers() {
        assert_eq!(
            reserved_header("request.headers[grpc-timeout]"),
            Some("grpc-timeout")
        );
        assert_eq!(reserved_header("request.headers[:scheme]"), Some(":scheme"));
        assert_eq!(reserved_header("request.headers[Grpc-X]"), Some("Grpc-X"));
        assert_eq!(reserved_header("request.headers[x-grpc]"), None);
        assert_eq!(reserved_header("source.ip"), None);
    }
}
