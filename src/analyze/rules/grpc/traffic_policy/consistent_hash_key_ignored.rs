use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope;

declare_rule! {
    /// A consistentHash DestinationRule hashes on a cookie, the source IP or a query parameter, which gRPC ignores: each RPC lands on a random ring position.
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients whose
    /// `loadBalancer.consistentHash` hashes on `httpCookie`, `useSourceIp` or
    /// `httpQueryParameterName`, or names no key at all (Maglev is GRPC024).
    ///
    /// ## Why it matters
    /// gRPC's ring hash (gRFC A42) supports only `header` hash policies (and
    /// the channel-id filter state); cookie, connection-property and
    /// query-parameter hash policies are silently skipped. With no usable hash
    /// policy gRPC picks a random hash for every RPC, so there is no session
    /// affinity at all: requests of the same user spread over every endpoint.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     loadBalancer:
    ///       consistentHash:
    ///         httpCookie: {name: session, ttl: 0s}
    /// ```
    ///
    /// ## How to fix
    /// Hash on request metadata with `httpHeaderName` (gRPC metadata keys are
    /// HTTP/2 headers), and have the clients send that metadata.
    pub static RULE = { code: "GRPC025", name: "consistent-hash-key-ignored", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            let Some(hash) = policy
                .load_balancer
                .and_then(|lb| lb.consistent_hash.as_ref())
            else {
                continue;
            };
            if hash.http_header_name.is_some() || hash.maglev.is_some() {
                continue;
            }
            let hash_path = policy.path.field("loadBalancer").field("consistentHash");
            let (path, what) = if hash.http_cookie.is_some() {
                (hash_path.field("httpCookie"), "httpCookie")
            } else if hash.use_source_ip.is_some() {
                (hash_path.field("useSourceIp"), "useSourceIp")
            } else if hash.http_query_parameter_name.is_some() {
                (
                    hash_path.field("httpQueryParameterName"),
                    "httpQueryParameterName",
                )
            } else {
                (hash_path, "consistentHash without a hash key")
            };
            findings
                .report(
                    rule.object,
                    &path,
                    format!(
                        "{what} is ignored by gRPC's ring hash (gRFC A42 hashes on headers only): proxyless clients {} pick a random ring position for every RPC to {}, so there is no affinity",
                        context.workload_names(&rule.clients),
                        policy.scope
                    ),
                )
                .help = Some("hash on request metadata with consistentHash.httpHeaderName".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = concat!(
        "
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ns, annotations: {inject.istio.io/templates: grpc-agent}}
spec:
  containers: [{name: app, image: app}]
---
",
        crate::echo_service_yaml!(),
        "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: ns}
spec:
  host: echo
  trafficPolicy:
    loadBalancer: {consistentHash: HASH}
"
    );

    #[test]
    fn key_decides() {
        let cases = [
            ("{useSourceIp: true}", Some("useSourceIp")),
            (
                "{httpQueryParameterName: user}",
                Some("httpQueryParameterName"),
            ),
            ("{ringHash: {minimumRingSize: 1024}}", Some("")),
            ("{httpHeaderName: x-user}", None),
        ];
        for (hash, field) in cases {
            let found = run_rule("GRPC025", "t.yaml", &BASE.replace("HASH", hash));
            match field {
                None => assert_eq!(found, vec![], "{hash}"),
                Some(field) => {
                    let want = format!(
                        "spec.trafficPolicy.loadBalancer.consistentHash{}",
                        if field.is_empty() {
                            String::new()
                        } else {
                            format!(".{field}")
                        }
                    );
                    assert_eq!(found.len(), 1, "{hash}");
                    assert_eq!(found[0].3, want);
                }
            }
        }
    }
}
