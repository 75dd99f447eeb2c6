//! DestinationRule rules (Istio's `ValidateDestinationRule` and the CRD's CEL rules).
use std::collections::BTreeSet;

use super::common::{self, spec_path, Errors};
use crate::model::networking::{
    ClientTLSMode, ClientTLSSettings, ConnectionPoolSettings, DestinationRuleSpec, H2UpgradePolicy,
    LoadBalancerSettings, OutlierDetection, PortTrafficPolicy, TrafficPolicy, TunnelSettings,
};
use crate::model::Object;
use crate::source::FieldPath;

pub(super) fn check(object: &Object, spec: &DestinationRuleSpec, out: &mut Errors) {
    let root = spec_path();
    match spec.host.as_deref() {
        None => out.error(&root.field("host"), "destination rule host is required"),
        Some(host) => out.check(&root.field("host"), common::wildcard_domain(host)),
    }
    if let Some(policy) = &spec.traffic_policy {
        traffic_policy(out, &root.field("trafficPolicy"), policy);
    }
    let mut names = BTreeSet::new();
    for (i, subset) in spec.subsets.iter().enumerate() {
        let at = root.field("subsets").index(i);
        let name = subset.name.as_deref().unwrap_or("");
        out.check(&at.field("name"), common::subset_name(name));
        if !name.is_empty() && !names.insert(name) {
            out.error(
                &at.field("name"),
                format!("duplicate subset names: {name:?}"),
            );
        }
        common::labels(out, &at.field("labels"), &subset.labels);
        if let Some(policy) = &subset.traffic_policy {
            traffic_policy(out, &at.field("trafficPolicy"), policy);
        }
    }
    common::export_to(
        out,
        &root.field("exportTo"),
        &spec.export_to,
        object.meta.namespace.as_deref(),
        false,
    );
    if let Some(selector) = &spec.workload_selector {
        common::selector_labels(
            out,
            &root.field("workloadSelector").field("matchLabels"),
            &selector.match_labels,
        );
    }
}

fn traffic_policy(out: &mut Errors, path: &FieldPath, policy: &TrafficPolicy) {
    if policy.load_balancer.is_none()
        && policy.connection_pool.is_none()
        && policy.outlier_detection.is_none()
        && policy.tls.is_none()
        && policy.port_level_settings.is_empty()
        && policy.tunnel.is_none()
        && policy.proxy_protocol.is_none()
        && policy.retry_budget.is_none()
    {
        out.error(path, "traffic policy must have at least one field");
        return;
    }
    if policy.tunnel.is_some() && policy.proxy_protocol.is_some() {
        out.error(
            path,
            "tunnel and proxyProtocol must not be specified at the same time",
        );
    }
    settings(
        out,
        path,
        policy.load_balancer.as_deref(),
        policy.connection_pool.as_ref(),
        policy.outlier_detection.as_ref(),
        policy.tls.as_ref(),
    );
    if let Some(tunnel) = &policy.tunnel {
        tunnel_settings(out, &path.field("tunnel"), tunnel);
    }
    if let Some(budget) = &policy.retry_budget {
        let at = path.field("retryBudget");
        if let Some(percent) = budget.percent {
            if !(0.0..=100.0).contains(&percent) {
                out.error(
                    &at.field("percent"),
                    format!("percentage {percent} is not in range 0..100"),
                );
            }
        }
        common::opt_duration(
            out,
            &at.field("budgetInterval"),
            budget.budget_interval.as_ref(),
            common::duration,
        );
    }
    let mut ports = BTreeSet::new();
    for (i, port_policy) in policy.port_level_settings.iter().enumerate() {
        port_traffic_policy(
            out,
            &path.field("portLevelSettings").index(i),
            port_policy,
            &mut ports,
        );
    }
}

fn port_traffic_policy(
    out: &mut Errors,
    path: &FieldPath,
    policy: &PortTrafficPolicy,
    seen: &mut BTreeSet<u32>,
) {
    match policy.port.as_ref().and_then(|p| p.number) {
        None | Some(0) => out.error(
            &path.field("port"),
            "portTrafficPolicy must have valid port",
        ),
        Some(number) => {
            let at = path.field("port").field("number");
            out.check(&at, common::port(number));
            if !seen.insert(number) {
                out.error(
                    &at,
                    format!("port {number} already has a portLevelSettings entry"),
                );
            }
        }
    }
    if policy.load_balancer.is_none()
        && policy.connection_pool.is_none()
        && policy.outlier_detection.is_none()
        && policy.tls.is_none()
    {
        out.error(path, "port traffic policy must have at least one field");
        return;
    }
    settings(
        out,
        path,
        policy.load_balancer.as_deref(),
        policy.connection_pool.as_ref(),
        policy.outlier_detection.as_ref(),
        policy.tls.as_ref(),
    );
}

/// The settings a traffic policy and a port traffic policy share.
fn settings(
    out: &mut Errors,
    path: &FieldPath,
    load_balancer: Option<&LoadBalancerSettings>,
    pool: Option<&ConnectionPoolSettings>,
    outlier: Option<&OutlierDetection>,
    tls: Option<&ClientTLSSettings>,
) {
    if let Some(lb) = load_balancer {
        load_balancer_settings(out, &path.field("loadBalancer"), lb);
    }
    if let Some(pool) = pool {
        connection_pool(out, &path.field("connectionPool"), pool);
    }
    if let Some(outlier) = outlier {
        outlier_detection(out, &path.field("outlierDetection"), outlier);
    }
    if let Some(tls) = tls {
        client_tls(out, &path.field("tls"), tls);
    }
}

fn load_balancer_settings(out: &mut Errors, path: &FieldPath, lb: &LoadBalancerSettings) {
    let policies = [
        lb.simple.is_some(),
        lb.consistent_hash.is_some(),
        lb.backend_utilization.is_some(),
    ];
    if policies.iter().filter(|set| **set).count() > 1 {
        out.error(
            path,
            "load balancer may only contain one of simple, consistentHash or backendUtilization",
        );
    }
    if let Some(hash) = &lb.consistent_hash {
        let at = path.field("consistentHash");
        let keys = [
            hash.http_header_name.is_some(),
            hash.http_cookie.is_some(),
            hash.use_source_ip.is_some(),
            hash.http_query_parameter_name.is_some(),
        ];
        let count = keys.iter().filter(|set| **set).count();
        if count != 1 {
            out.error(
                &at,
                format!(
                    "consistent hash must set exactly one of httpHeaderName, httpCookie, useSourceIp or \
                     httpQueryParameterName, found {count}"
                ),
            );
        }
        if let Some(cookie) = &hash.http_cookie {
            let cp = at.field("httpCookie");
            if cookie.name.as_deref().unwrap_or("").is_empty() {
                out.error(&cp.field("name"), "name required for HttpCookie");
            }
            common::opt_duration(out, &cp.field("ttl"), cookie.ttl.as_ref(), common::duration);
        }
        if hash.ring_hash.is_some() && hash.maglev.is_some() {
            out.error(
                &at,
                "consistent hash may only contain one of ringHash or maglev",
            );
        }
        if hash.minimum_ring_size.is_some_and(|size| size != 0) {
            let mp = at.field("minimumRingSize");
            out.warning(
                &mp,
                "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
            );
            if hash.ring_hash.is_some() || hash.maglev.is_some() {
                out.error(
                    &mp,
                    "only one of MinimumRingSize or Maglev/Ringhash can be specified",
                );
            }
        }
        if let Some(size) = hash.maglev.as_ref().and_then(|m| m.table_size) {
            let tp = at.field("maglev").field("tableSize");
            if size >= 5_000_011 {
                out.error(&tp, "tableSize must be less than 5000011 for maglev");
            } else if size != 0 && !is_prime(size) {
                out.error(
                    &tp,
                    format!("tableSize {size} must be a prime number for maglev"),
                );
            }
        }
    }
    common::opt_duration(
        out,
        &path.field("warmupDurationSecs"),
        lb.warmup_duration_secs.as_ref(),
        common::duration_min_1ms,
    );
    if let Some(warmup) = &lb.warmup {
        let wp = path.field("warmup");
        match &warmup.duration {
            Some(duration) => out.check(&wp.field("duration"), common::duration_min_1ms(duration)),
            None => out.error(&wp.field("duration"), "warmup duration is required"),
        }
        if let Some(percent) = warmup.minimum_percent {
            if !(0.0..=100.0).contains(&percent) {
                out.error(
                    &wp.field("minimumPercent"),
                    format!("percentage {percent} is not in range 0..100"),
                );
            }
        }
        if let Some(aggression) = warmup.aggression {
            if aggression.is_nan() || aggression <= 0.0 {
                out.error(
                    &wp.field("aggression"),
                    format!("aggression should be greater than 0, found {aggression}"),
                );
            }
        }
    }
    if let Some(backend) = &lb.backend_utilization {
        let bp = path.field("backendUtilization");
        for (field, value) in [
            ("weightExpirationPeriod", &backend.weight_expiration_period),
            ("weightUpdatePeriod", &backend.weight_update_period),
            (
                "weightStabilizationPeriod",
                &backend.weight_stabilization_period,
            ),
        ] {
            common::opt_duration(out, &bp.field(field), value.as_ref(), common::duration);
        }
    }
}

fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    let mut d = 2;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 1;
    }
    true
}

/// Connection-pool settings, shared with Sidecar's ingress and inbound pools.
pub(super) fn connection_pool(out: &mut Errors, path: &FieldPath, pool: &ConnectionPoolSettings) {
    if pool.http.is_none() && pool.tcp.is_none() {
        out.error(path, "connection pool must have at least one field");
        return;
    }
    if let Some(http) = &pool.http {
        let hp = path.field("http");
        for (field, value, what) in [
            (
                "http1MaxPendingRequests",
                http.http1_max_pending_requests,
                "http1 max pending requests",
            ),
            (
                "http2MaxRequests",
                http.http2_max_requests,
                "http2 max requests",
            ),
            (
                "maxRequestsPerConnection",
                http.max_requests_per_connection,
                "max requests per connection",
            ),
            ("maxRetries", http.max_retries, "max retries"),
            (
                "maxConcurrentStreams",
                http.max_concurrent_streams,
                "max concurrent streams",
            ),
        ] {
            if value.is_some_and(|v| v < 0) {
                out.error(&hp.field(field), format!("{what} must be non-negative"));
            }
        }
        common::opt_duration(
            out,
            &hp.field("idleTimeout"),
            http.idle_timeout.as_ref(),
            common::duration_min_1ms,
        );
        if http.h2_upgrade_policy == Some(H2UpgradePolicy::Upgrade)
            && http.use_client_protocol == Some(true)
        {
            out.error(
                &hp.field("useClientProtocol"),
                "use client protocol must not be true when H2UpgradePolicy is UPGRADE",
            );
        }
        if let Some(keepalive) = &http.http2_keep_alive {
            let kp = hp.field("http2KeepAlive");
            for (field, value) in [
                ("interval", &keepalive.interval),
                ("timeout", &keepalive.timeout),
            ] {
                common::opt_duration(
                    out,
                    &kp.field(field),
                    value.as_ref(),
                    common::duration_min_1ms,
                );
            }
        }
    }
    if let Some(tcp) = &pool.tcp {
        let tp = path.field("tcp");
        if tcp.max_connections.is_some_and(|v| v < 0) {
            out.error(
                &tp.field("maxConnections"),
                "max connections must be non-negative",
            );
        }
        for (field, value) in [
            ("connectTimeout", &tcp.connect_timeout),
            ("maxConnectionDuration", &tcp.max_connection_duration),
        ] {
            common::opt_duration(
                out,
                &tp.field(field),
                value.as_ref(),
                common::duration_min_1ms,
            );
        }
        // `0s` disables the TCP idle timeout.
        common::opt_duration(
            out,
            &tp.field("idleTimeout"),
            tcp.idle_timeout.as_ref(),
            common::duration,
        );
        if let Some(keepalive) = &tcp.tcp_keepalive {
            let kp = tp.field("tcpKeepalive");
            for (field, value) in [("time", &keepalive.time), ("interval", &keepalive.interval)] {
                common::opt_duration(
                    out,
                    &kp.field(field),
                    value.as_ref(),
                    common::duration_min_1ms,
                );
            }
        }
    }
}

fn outlier_detection(out: &mut Errors, path: &FieldPath, outlier: &OutlierDetection) {
    for (field, value) in [
        ("baseEjectionTime", &outlier.base_ejection_time),
        ("interval", &outlier.interval),
    ] {
        common::opt_duration(
            out,
            &path.field(field),
            value.as_ref(),
            common::duration_min_1ms,
        );
    }
    for (field, value) in [
        ("maxEjectionPercent", outlier.max_ejection_percent),
        ("minHealthPercent", outlier.min_health_percent),
    ] {
        if let Some(value) = value {
            out.check(&path.field(field), common::percent_0_100(i64::from(value)));
        }
    }
    if outlier.consecutive_errors.is_some_and(|n| n != 0) {
        out.warning(
            &path.field("consecutiveErrors"),
            "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead",
        );
    }
    if outlier
        .consecutive_local_origin_failures
        .is_some_and(|n| n > 0)
        && outlier.split_external_local_origin_errors != Some(true)
    {
        out.error(
            &path.field("consecutiveLocalOriginFailures"),
            "outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false",
        );
    }
}

fn is_set(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty())
}

fn client_tls(out: &mut Errors, path: &FieldPath, tls: &ClientTLSSettings) {
    let mode = tls.mode.unwrap_or_default();
    let credential = is_set(&tls.credential_name);
    if mode == ClientTLSMode::IstioMutual {
        if is_set(&tls.client_certificate)
            || is_set(&tls.private_key)
            || is_set(&tls.ca_certificates)
            || credential
        {
            out.error(
                path,
                "cannot specify client certificates or CA certificate If ISTIO_MUTUAL TLS is set",
            );
        }
        return;
    }
    if tls.insecure_skip_verify == Some(true) {
        if mode == ClientTLSMode::Simple
            && (is_set(&tls.ca_certificates) || credential || !tls.subject_alt_names.is_empty())
        {
            out.error(
                path,
                "cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true",
            );
        }
        if mode == ClientTLSMode::Mutual
            && (is_set(&tls.ca_certificates) || !tls.subject_alt_names.is_empty())
        {
            out.error(
                path,
                "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true",
            );
        }
    }
    if matches!(mode, ClientTLSMode::Simple | ClientTLSMode::Mutual) && credential {
        if is_set(&tls.client_certificate)
            || is_set(&tls.ca_certificates)
            || is_set(&tls.private_key)
            || is_set(&tls.ca_crl)
        {
            out.error(
                path,
                "cannot specify client certificates or CA certificate or CA CRL If credentialName is set",
            );
        }
        return;
    }
    if mode == ClientTLSMode::Mutual {
        if !is_set(&tls.client_certificate) {
            out.error(
                &path.field("clientCertificate"),
                "client certificate required for mutual tls",
            );
        }
        if !is_set(&tls.private_key) {
            out.error(
                &path.field("privateKey"),
                "private key required for mutual tls",
            );
        }
    }
}

fn tunnel_settings(out: &mut Errors, path: &FieldPath, tunnel: &TunnelSettings) {
    if let Some(protocol) = tunnel.protocol.as_deref() {
        if protocol != "CONNECT" && protocol != "POST" {
            out.error(
                &path.field("protocol"),
                format!("tunnel protocol must be \"CONNECT\" or \"POST\", found {protocol:?}"),
            );
        }
    }
    match tunnel.target_host.as_deref() {
        None | Some("") => out.error(
            &path.field("targetHost"),
            "tunnel target host must be specified",
        ),
        Some(host) if common::is_ip(host) => {}
        Some(host) => out.check(&path.field("targetHost"), common::fqdn(host)),
    }
    match tunnel.target_port {
        None => out.error(
            &path.field("targetPort"),
            "tunnel target port must be specified",
        ),
        Some(port) => out.check(&path.field("targetPort"), common::port(port)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::FieldError;

    fn dr(spec: &str) -> Vec<FieldError> {
        check_spec("DestinationRule", spec)
    }

    #[test]
    fn realistic_destination_rule_is_clean() {
        assert_clean(&dr(r#"
host: ratings.prod.svc.cluster.local
exportTo: ["*"]
trafficPolicy:
  loadBalancer:
    consistentHash:
      httpHeaderName: x-user
      ringHash: {minimumRingSize: 1024}
  connectionPool:
    tcp:
      maxConnections: 100
      connectTimeout: 30ms
      tcpKeepalive: {time: 7200s, interval: 75s, probes: 9}
      idleTimeout: 0s
    http:
      http1MaxPendingRequests: 1024
      maxRequestsPerConnection: 10
      idleTimeout: 90s
      h2UpgradePolicy: UPGRADE
  outlierDetection:
    consecutive5xxErrors: 7
    interval: 5m
    baseEjectionTime: 15m
    maxEjectionPercent: 50
    minHealthPercent: 30
    splitExternalLocalOriginErrors: true
    consecutiveLocalOriginFailures: 3
  tls:
    mode: ISTIO_MUTUAL
    sni: ratings.prod
    subjectAltNames: ["spiffe://cluster.local/ns/prod/sa/ratings"]
  portLevelSettings:
  - port: {number: 80}
    loadBalancer: {simple: LEAST_REQUEST}
    tls: {mode: SIMPLE, credentialName: ratings-client}
  - port: {number: 9080}
    connectionPool: {tcp: {maxConnections: 10}}
subsets:
- name: v1
  labels: {version: v1}
- name: v2
  labels: {version: v2}
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    tunnel: {protocol: CONNECT, targetHost: 10.0.0.1, targetPort: 8443}
- name: v3
  labels: {version: v3}
  trafficPolicy:
    loadBalancer:
      consistentHash:
        httpCookie: {name: user, ttl: 0s}
        maglev: {tableSize: 65537}
"#));
    }

    #[test]
    fn warmup_aggression_must_be_positive() {
        assert_clean(&dr(
            "host: a\ntrafficPolicy: {loadBalancer: {warmup: {duration: 300s, minimumPercent: 5.0, aggression: 5.0}}}\n",
        ));
        for bad in ["-0.1", "0"] {
            assert_error(
                &dr(&format!(
                    "host: a\ntrafficPolicy: {{loadBalancer: {{warmup: {{duration: 300s, aggression: {bad}}}}}}}\n"
                )),
                "spec.trafficPolicy.loadBalancer.warmup.aggression",
                "aggression should be greater than 0",
            );
        }
    }

    #[test]
    fn host_is_required_and_a_domain() {
        assert_error(
            &dr("subsets: [{name: v1}]"),
            "spec.host",
            "destination rule host is required",
        );
        assert_error(
            &dr("host: \"bad_host\""),
            "spec.host",
            "domain name \"bad_host\" invalid",
        );
    }

    #[test]
    fn subset_names_required_valid_unique() {
        let errors =
            dr("host: a\nsubsets:\n- labels: {v: a}\n- name: V_1\n- name: v2\n- name: v2\n");
        assert_error(
            &errors,
            "spec.subsets[0].name",
            "subset name cannot be empty",
        );
        assert_error(
            &errors,
            "spec.subsets[1].name",
            "subset name is invalid: \"V_1\"",
        );
        assert_error(
            &errors,
            "spec.subsets[3].name",
            "duplicate subset names: \"v2\"",
        );
    }

    #[test]
    fn subset_labels_are_valid() {
        let errors = dr("host: a\nsubsets:\n- name: v1\n  labels: {version: \"not valid\"}\n");
        assert_error(
            &errors,
            "spec.subsets[0].labels.version",
            "invalid tag value",
        );
    }

    #[test]
    fn empty_traffic_policy() {
        assert_error(
            &dr("host: a\ntrafficPolicy: {}"),
            "spec.trafficPolicy",
            "traffic policy must have at least one field",
        );
    }

    #[test]
    fn load_balancer_has_one_policy() {
        let errors = dr("host: a\ntrafficPolicy:\n  loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}\n");
        assert_error(
            &errors,
            "spec.trafficPolicy.loadBalancer",
            "only contain one of simple, consistentHash",
        );
    }

    #[test]
    fn consistent_hash_has_one_key() {
        let errors = dr("host: a\ntrafficPolicy:\n  loadBalancer: {consistentHash: {httpHeaderName: x, useSourceIp: true}}\n");
        assert_error(
            &errors,
            "spec.trafficPolicy.loadBalancer.consistentHash",
            "exactly one of httpHeaderName",
        );
        let none = dr("host: a\ntrafficPolicy:\n  loadBalancer: {consistentHash: {maglev: {tableSize: 65537}}}\n");
        assert_error(
            &none,
            "spec.trafficPolicy.loadBalancer.consistentHash",
            "found 0",
        );
    }

    #[test]
    fn maglev_table_size_is_prime() {
        let errors = dr("host: a\ntrafficPolicy:\n  loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 1000}}}\n");
        assert_error(
            &errors,
            "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize",
            "prime",
        );
    }

    #[test]
    fn outlier_percentages_and_durations() {
        let errors = dr("host: a\ntrafficPolicy:\n  outlierDetection: {maxEjectionPercent: 120, minHealthPercent: -1, interval: 0s, baseEjectionTime: 30 s}\n");
        let od = "spec.trafficPolicy.outlierDetection";
        assert_error(
            &errors,
            &format!("{od}.maxEjectionPercent"),
            "percentage 120 is not in range 0..100",
        );
        assert_error(&errors, &format!("{od}.minHealthPercent"), "percentage -1");
        assert_error(&errors, &format!("{od}.interval"), "greater than 1ms");
        assert_error(
            &errors,
            &format!("{od}.baseEjectionTime"),
            "invalid duration",
        );
    }

    #[test]
    fn outlier_local_origin_needs_split() {
        let errors = dr(
            "host: a\ntrafficPolicy:\n  outlierDetection: {consecutiveLocalOriginFailures: 3}\n",
        );
        assert_error(
            &errors,
            "spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures",
            "split external local origin errors",
        );
    }

    #[test]
    fn connection_pool_durations_and_counts() {
        let errors = dr("host: a\ntrafficPolicy:\n  connectionPool:\n    tcp: {connectTimeout: 0ms, maxConnections: -1}\n    http: {idleTimeout: forever, maxRetries: -2}\n");
        let cp = "spec.trafficPolicy.connectionPool";
        assert_error(
            &errors,
            &format!("{cp}.tcp.connectTimeout"),
            "greater than 1ms",
        );
        assert_error(&errors, &format!("{cp}.tcp.maxConnections"), "non-negative");
        assert_error(
            &errors,
            &format!("{cp}.http.idleTimeout"),
            "invalid duration \"forever\"",
        );
        assert_error(
            &errors,
            &format!("{cp}.http.maxRetries"),
            "max retries must be non-negative",
        );
    }

    #[test]
    fn istio_mutual_takes_no_certificates() {
        let errors = dr("host: a\ntrafficPolicy:\n  tls: {mode: ISTIO_MUTUAL, clientCertificate: /etc/cert.pem}\n");
        assert_error(
            &errors,
            "spec.trafficPolicy.tls",
            "cannot specify client certificates or CA certificate If ISTIO_MUTUAL",
        );
    }

    #[test]
    fn mutual_needs_certificate_and_key() {
        let errors =
            dr("host: a\ntrafficPolicy:\n  tls: {mode: MUTUAL, caCertificates: /ca.pem}\n");
        assert_error(
            &errors,
            "spec.trafficPolicy.tls.clientCertificate",
            "client certificate required for mutual tls",
        );
        assert_error(
            &errors,
            "spec.trafficPolicy.tls.privateKey",
            "private key required for mutual tls",
        );
        assert_clean(&dr(
            "host: a\ntrafficPolicy:\n  tls: {mode: MUTUAL, credentialName: client-secret}\n",
        ));
    }

    #[test]
    fn credential_name_excludes_file_certificates() {
        let errors = dr("host: a\ntrafficPolicy:\n  tls: {mode: SIMPLE, credentialName: s, caCertificates: /ca.pem}\n");
        assert_error(
            &errors,
            "spec.trafficPolicy.tls",
            "If credentialName is set",
        );
    }

    #[test]
    fn port_level_settings_need_unique_ports() {
        let errors = dr("host: a\ntrafficPolicy:\n  portLevelSettings:\n  - loadBalancer: {simple: RANDOM}\n  - port: {number: 80}\n    loadBalancer: {simple: RANDOM}\n  - port: {number: 80}\n    tls: {mode: SIMPLE}\n  - port: {number: 81}\n");
        let pls = "spec.trafficPolicy.portLevelSettings";
        assert_error(
            &errors,
            &format!("{pls}[0].port"),
            "portTrafficPolicy must have valid port",
        );
        assert_error(
            &errors,
            &format!("{pls}[2].port.number"),
            "port 80 already has a portLevelSettings entry",
        );
        assert_error(
            &errors,
            &format!("{pls}[3]"),
            "port traffic policy must have at least one field",
        );
    }

    #[test]
    fn subset_traffic_policies_are_checked() {
        let errors = dr("host: a\nsubsets:\n- name: v1\n  trafficPolicy:\n    connectionPool: {http: {http2MaxRequests: -1}}\n");
        assert_error(
            &errors,
            "spec.subsets[0].trafficPolicy.connectionPool.http.http2MaxRequests",
            "non-negative",
        );
    }

    #[test]
    fn tunnel_settings() {
        let errors = dr("host: a\ntrafficPolicy:\n  tunnel: {protocol: GET, targetPort: 0}\n");
        assert_error(
            &errors,
            "spec.trafficPolicy.tunnel.protocol",
            "tunnel protocol must be",
        );
        assert_error(
            &errors,
            "spec.trafficPolicy.tunnel.targetHost",
            "target host must be specified",
        );
        assert_error(
            &errors,
            "spec.trafficPolicy.tunnel.targetPort",
            "port number 0",
        );
    }

    #[test]
    fn workload_selector_labels() {
        let errors = dr("host: a\nworkloadSelector: {matchLabels: {app: \"*\"}}\n");
        assert_error(
            &errors,
            "spec.workloadSelector.matchLabels.app",
            "wildcard is not supported in selector",
        );
    }
}
