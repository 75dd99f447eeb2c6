use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::ConnectionPoolSettings;

use super::scope;

declare_rule! {
    /// A DestinationRule's connectionPool sets fields other than http.http2MaxRequests, which proxyless gRPC clients never receive.
    ///
    /// ## What it checks
    /// A DestinationRule reaching proxyless gRPC clients whose
    /// `connectionPool` sets any `tcp` field, or an `http` field other than
    /// `http2MaxRequests`.
    ///
    /// ## Why it matters
    /// istiod's gRPC generator turns only `http.http2MaxRequests` into a
    /// circuit breaker (`max_requests`, the one threshold gRFC A32 supports).
    /// Connection limits, timeouts, keepalives, idle timeouts, pending-request
    /// and retry limits are silently ignored: proxyless clients keep gRPC's own
    /// defaults.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy:
    ///     connectionPool:
    ///       tcp: {connectTimeout: 1s}
    ///       http: {http2MaxRequests: 100, idleTimeout: 30s}
    /// ```
    ///
    /// ## How to fix
    /// Configure these limits in the gRPC client (channel arguments, keepalive
    /// and deadline settings) and keep only `http2MaxRequests` in the rule.
    pub static RULE = { code: "GRPC027", name: "connection-pool-fields-ignored", level: Info, check: check };
}

/// The connectionPool fields istiod drops for proxyless clients, as paths.
fn ignored_fields(pool: &ConnectionPoolSettings) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if let Some(tcp) = &pool.tcp {
        for (name, set) in [
            ("tcp.maxConnections", tcp.max_connections.is_some()),
            ("tcp.connectTimeout", tcp.connect_timeout.is_some()),
            ("tcp.tcpKeepalive", tcp.tcp_keepalive.is_some()),
            (
                "tcp.maxConnectionDuration",
                tcp.max_connection_duration.is_some(),
            ),
            ("tcp.idleTimeout", tcp.idle_timeout.is_some()),
        ] {
            if set {
                fields.push(name);
            }
        }
    }
    if let Some(http) = &pool.http {
        for (name, set) in [
            (
                "http.http1MaxPendingRequests",
                http.http1_max_pending_requests.is_some(),
            ),
            (
                "http.maxRequestsPerConnection",
                http.max_requests_per_connection.is_some(),
            ),
            ("http.maxRetries", http.max_retries.is_some()),
            ("http.idleTimeout", http.idle_timeout.is_some()),
            ("http.h2UpgradePolicy", http.h2_upgrade_policy.is_some()),
            ("http.useClientProtocol", http.use_client_protocol.is_some()),
            (
                "http.maxConcurrentStreams",
                http.max_concurrent_streams.is_some(),
            ),
            ("http.http2KeepAlive", http.http2_keep_alive.is_some()),
        ] {
            if set {
                fields.push(name);
            }
        }
    }
    fields
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for rule in scope::destination_rules(context) {
        for policy in &rule.policies {
            let Some(pool) = policy.connection_pool else {
                continue;
            };
            let fields = ignored_fields(pool);
            let Some(first) = fields.first() else {
                continue;
            };
            let mut path = policy.path.field("connectionPool");
            for part in first.split('.') {
                path = path.field(part);
            }
            findings
                .report(
                    rule.object,
                    &path,
                    format!(
                        "connectionPool {} {} ignored for proxyless gRPC: istiod sends only http.http2MaxRequests (as the max_requests circuit breaker) in the cluster for {}; affects proxyless clients {}",
                        fields.join(", "),
                        if fields.len() == 1 { "is" } else { "are" },
                        policy.scope,
                        context.workload_names(&rule.clients)
                    ),
                )
                .help = Some(
                "set connection limits, keepalives and timeouts in the gRPC client itself; keep only http2MaxRequests here".into(),
            );
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
    connectionPool: POOL
"
    );

    #[test]
    fn only_http2_max_requests_is_silent() {
        let kept = BASE.replace("POOL", "{http: {http2MaxRequests: 10}}");
        assert_eq!(run_rule("GRPC027", "t.yaml", &kept), vec![]);
        let dropped = BASE.replace(
            "POOL",
            "{tcp: {connectTimeout: 1s}, http: {http2MaxRequests: 10, maxRetries: 3}}",
        );
        let found = run_rule("GRPC027", "t.yaml", &dropped);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].3,
            "spec.trafficPolicy.connectionPool.tcp.connectTimeout"
        );
        assert!(found[0]
            .4
            .starts_with("connectionPool tcp.connectTimeout, http.maxRetries are ignored"));
    }
}
