//! Sidecar rules (Istio's `ValidateSidecar` and the CRD's CEL rules).
use std::collections::{BTreeMap, BTreeSet};

use super::common::{self, spec_path, Errors};
use super::{destination_rule, gateway};
use crate::model::networking::{
    IstioEgressListener, IstioIngressListener, OutboundTrafficPolicyMode, ServerTLSMode,
    SidecarPort, SidecarSpec,
};
use crate::model::Object;
use crate::source::FieldPath;

const UNIX_PREFIX: &str = "unix://";

pub(super) fn check(object: &Object, spec: &SidecarSpec, out: &mut Errors) {
    let root = spec_path();
    if let Some(selector) = &spec.workload_selector {
        let at = root.field("workloadSelector");
        if selector.labels.is_empty() {
            out.error(&at, "sidecar: workloadSelector cannot have empty labels");
        }
        common::selector_labels(out, &at.field("labels"), &selector.labels);
    }
    if spec.egress.is_empty()
        && spec.ingress.is_empty()
        && spec.outbound_traffic_policy.is_none()
        && spec.inbound_connection_pool.is_none()
    {
        out.error(&root, "sidecar: empty configuration provided");
        return;
    }

    let mut ingress_ports = BTreeSet::new();
    for (i, listener) in spec.ingress.iter().enumerate() {
        ingress(
            out,
            &root.field("ingress").index(i),
            listener,
            &mut ingress_ports,
        );
    }

    if let Some(policy) = &spec.outbound_traffic_policy {
        if let Some(proxy) = &policy.egress_proxy {
            let at = root.field("outboundTrafficPolicy").field("egressProxy");
            if policy.mode != Some(OutboundTrafficPolicyMode::AllowAny) {
                out.error(
                    &at,
                    "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode",
                );
            }
            if proxy.port.as_ref().and_then(|p| p.number).is_none() {
                out.error(
                    &at.field("port"),
                    "sidecar: egress_proxy port must be non-nil",
                );
            }
            common::destination(out, &at, proxy);
        }
    }

    let namespace = object.meta.namespace.as_deref().unwrap_or(".");
    let mut egress_ports = BTreeSet::new();
    let mut sockets = BTreeSet::new();
    let mut catch_all_found = false;
    let last = spec.egress.len().saturating_sub(1);
    for (i, listener) in spec.egress.iter().enumerate() {
        let at = root.field("egress").index(i);
        match &listener.port {
            None if catch_all_found => {
                out.error(
                    &at,
                    "sidecar: egress can have only one listener with empty port",
                );
            }
            None => {
                catch_all_found = true;
                if i != last {
                    out.error(
                        &at,
                        "sidecar: the egress listener with empty port should be the last listener in the list",
                    );
                }
            }
            Some(port) => {
                egress_port(out, &at, listener, port, &mut egress_ports, &mut sockets);
            }
        }
        egress_hosts(out, &at.field("hosts"), listener, namespace);
    }

    if let Some(pool) = &spec.inbound_connection_pool {
        destination_rule::connection_pool(out, &root.field("inboundConnectionPool"), pool);
    }
}

fn port_fields(out: &mut Errors, path: &FieldPath, port: &SidecarPort, check_number: bool) {
    if let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) {
        out.check(&path.field("name"), common::port_name(name));
    }
    if let Some(protocol) = &port.protocol {
        out.check(&path.field("protocol"), common::protocol(protocol));
    }
    if check_number {
        out.check(
            &path.field("number"),
            common::port(port.number.unwrap_or(0)),
        );
    }
    if port.target_port.is_some_and(|p| p > 0) {
        out.warning(
            &path.field("targetPort"),
            "targetPort has no impact on Sidecars",
        );
    }
}

fn ingress(
    out: &mut Errors,
    path: &FieldPath,
    listener: &IstioIngressListener,
    seen: &mut BTreeSet<u32>,
) {
    let Some(port) = &listener.port else {
        out.error(
            &path.field("port"),
            "sidecar: port is required for ingress listeners",
        );
        return;
    };
    let pp = path.field("port");
    port_fields(out, &pp, port, true);
    if let Some(number) = port.number {
        if !seen.insert(number) {
            out.error(
                &pp.field("number"),
                format!("sidecar: ports on IP bound listeners must be unique, port {number} is repeated"),
            );
        }
    }
    if let Some(bind) = listener.bind.as_deref().filter(|b| !b.is_empty()) {
        if !common::is_ip(bind) {
            out.error(&path.field("bind"), format!("{bind:?} is not a valid IP"));
        }
    }
    if let Some(endpoint) = listener
        .default_endpoint
        .as_deref()
        .filter(|e| !e.is_empty())
    {
        default_endpoint(out, &path.field("defaultEndpoint"), endpoint);
    }
    if let Some(tls) = &listener.tls {
        let tp = path.field("tls");
        if !tls.subject_alt_names.is_empty() {
            out.error(
                &tp.field("subjectAltNames"),
                "sidecar: subjectAltNames is not supported in ingress tls",
            );
        }
        if tls.https_redirect == Some(true) {
            out.error(
                &tp.field("httpsRedirect"),
                "sidecar: httpsRedirect is not supported",
            );
        }
        if tls
            .credential_name
            .as_deref()
            .is_some_and(|c| !c.is_empty())
        {
            out.error(
                &tp.field("credentialName"),
                "sidecar: credentialName is not currently supported",
            );
        }
        match tls.mode.unwrap_or_default() {
            ServerTLSMode::IstioMutual => out.error(
                &tp.field("mode"),
                "configuration is invalid: cannot set mode to ISTIO_MUTUAL in sidecar ingress tls",
            ),
            ServerTLSMode::AutoPassthrough => out.error(
                &tp.field("mode"),
                "configuration is invalid: cannot set mode to AUTO_PASSTHROUGH in sidecar ingress tls",
            ),
            _ => {}
        }
        if !common::is_tls_protocol(port.protocol.as_deref().unwrap_or("")) {
            out.error(
                &tp,
                "server cannot have TLS settings for non HTTPS/TLS ports",
            );
        }
        gateway::server_tls(out, &tp, tls);
    }
    if let Some(pool) = &listener.connection_pool {
        destination_rule::connection_pool(out, &path.field("connectionPool"), pool);
    }
}

/// `127.0.0.1:PORT`, `0.0.0.0:PORT`, `[::1]:PORT`, `[::]:PORT`, `:PORT` or `unix://PATH`.
fn default_endpoint(out: &mut Errors, path: &FieldPath, endpoint: &str) {
    const FORMS: &str = "sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath, or unset";
    if let Some(socket) = endpoint.strip_prefix(UNIX_PREFIX) {
        if socket.is_empty() {
            out.error(path, "unix domain socket path cannot be empty");
        } else if !socket.starts_with('/') && !socket.starts_with('@') {
            out.error(path, format!("{socket:?} is not an absolute path"));
        }
        return;
    }
    let Some((host, port)) = endpoint.rsplit_once(':') else {
        out.error(path, FORMS);
        return;
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if !matches!(host, "" | "127.0.0.1" | "0.0.0.0" | "::1" | "::") {
        out.error(path, FORMS);
    }
    match port.parse::<u32>() {
        Ok(number) => out.check(path, common::port(number)),
        Err(_) => out.error(
            path,
            format!("sidecar: defaultEndpoint port ({port}) is not a number"),
        ),
    }
}

fn egress_port(
    out: &mut Errors,
    path: &FieldPath,
    listener: &IstioEgressListener,
    port: &SidecarPort,
    ports: &mut BTreeSet<u32>,
    sockets: &mut BTreeSet<String>,
) {
    let pp = path.field("port");
    let bind = listener.bind.as_deref().unwrap_or("");
    let number = port.number.unwrap_or(0);
    let unix = bind.starts_with(UNIX_PREFIX);
    port_fields(out, &pp, port, !(unix && number == 0));
    if unix {
        if number != 0 {
            out.error(
                &pp.field("number"),
                format!("sidecar: port number must be 0 for unix domain socket: {bind:?}"),
            );
        }
        if bind.len() == UNIX_PREFIX.len() {
            out.error(
                &path.field("bind"),
                "unix domain socket path cannot be empty",
            );
        }
    } else if !bind.is_empty() && !common::is_ip(bind) {
        out.error(&path.field("bind"), format!("{bind:?} is not a valid IP"));
    }
    if number == 0 {
        if !sockets.insert(bind.to_string()) {
            out.error(
                &path.field("bind"),
                "sidecar: unix domain socket values for listeners must be unique",
            );
        }
    } else if !ports.insert(number) {
        out.error(
            &pp.field("number"),
            format!(
                "sidecar: ports on IP bound listeners must be unique, port {number} is repeated"
            ),
        );
    }
}

fn egress_hosts(
    out: &mut Errors,
    path: &FieldPath,
    listener: &IstioEgressListener,
    namespace: &str,
) {
    if listener.hosts.is_empty() {
        out.error(
            path,
            "sidecar: egress listener must contain at least one host",
        );
        return;
    }
    let mut by_namespace: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (j, host) in listener.hosts.iter().enumerate() {
        let at = path.index(j);
        if let Err(message) = common::namespace_slash_host(host, "sidecar", true) {
            out.error(&at, message);
            continue;
        }
        let Some((ns, name)) = host.split_once('/') else {
            continue;
        };
        let ns = if ns == "." { namespace } else { ns };
        let names = by_namespace.entry(ns).or_default();
        let duplicate = if name == "*" {
            !names.is_empty()
        } else {
            names.contains(name) || names.contains("*")
        };
        if duplicate {
            out.warning(&at, format!("duplicated egress host: {host}"));
        }
        names.insert(name);
    }
    if by_namespace
        .get("*")
        .is_some_and(|names| names.contains("*"))
        && by_namespace.len() != 1
    {
        out.warning(
            path,
            "`*/*` host select all resources, no other hosts can be added",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::FieldError;

    fn sc(spec: &str) -> Vec<FieldError> {
        check_spec("Sidecar", spec)
    }

    #[test]
    fn realistic_sidecar_is_clean() {
        assert_clean(&sc(r#"
workloadSelector:
  labels: {app: ratings}
ingress:
- port: {number: 9080, protocol: HTTPS, name: somename}
  defaultEndpoint: "unix:///var/run/someuds.sock"
  captureMode: DEFAULT
  tls: {mode: SIMPLE, privateKey: /etc/certs/key.pem, serverCertificate: /etc/certs/cert.pem}
  connectionPool: {http: {http1MaxPendingRequests: 100}}
- port: {number: 8080, protocol: HTTP, name: http}
  defaultEndpoint: 127.0.0.1:8080
egress:
- port: {number: 3306, protocol: MYSQL, name: egressmysql}
  bind: 127.0.0.1
  captureMode: NONE
  hosts: ["*/mysql.foo.com"]
- hosts: ["./*", "istio-system/*", "~/*"]
inboundConnectionPool: {tcp: {maxConnections: 500}}
outboundTrafficPolicy:
  mode: ALLOW_ANY
  egressProxy:
    host: egress-proxy.istio-system.svc.cluster.local
    subset: v1
    port: {number: 3443}
"#));
    }

    #[test]
    fn empty_configuration() {
        let errors = sc("workloadSelector: {labels: {app: a}}");
        assert_error(&errors, "spec", "sidecar: empty configuration provided");
    }

    #[test]
    fn workload_selector_needs_labels() {
        let errors = sc("workloadSelector: {}\negress: [{hosts: [\"./*\"]}]\n");
        assert_error(
            &errors,
            "spec.workloadSelector",
            "workloadSelector cannot have empty labels",
        );
        let wildcard =
            sc("workloadSelector: {labels: {app: \"a*\"}}\negress: [{hosts: [\"./*\"]}]\n");
        assert_error(
            &wildcard,
            "spec.workloadSelector.labels.app",
            "wildcard is not supported in selector",
        );
    }

    #[test]
    fn egress_needs_hosts() {
        let errors = sc("egress: [{port: {number: 80, name: http, protocol: HTTP}}]");
        assert_error(
            &errors,
            "spec.egress[0].hosts",
            "egress listener must contain at least one host",
        );
    }

    #[test]
    fn egress_hosts_are_namespace_slash_dns_name() {
        let errors =
            sc("egress:\n- hosts: [foo.com, \"Bad_NS/foo.com\", \"ns/foo_bar\", \"/foo.com\"]\n");
        assert_error(
            &errors,
            "spec.egress[0].hosts[0]",
            "must be of form namespace/dnsName",
        );
        assert_error(
            &errors,
            "spec.egress[0].hosts[1]",
            "invalid namespace value \"Bad_NS\" in sidecar",
        );
        assert_error(
            &errors,
            "spec.egress[0].hosts[2]",
            "domain name \"foo_bar\" invalid",
        );
        assert_error(&errors, "spec.egress[0].hosts[3]", "cannot be empty");
    }

    #[test]
    fn egress_duplicate_hosts_warn() {
        let errors = sc("egress:\n- hosts: [\"ns/*\", \"ns/a.com\"]\n");
        assert_warning(
            &errors,
            "spec.egress[0].hosts[1]",
            "duplicated egress host: ns/a.com",
        );
    }

    #[test]
    fn one_catch_all_egress_listener_last() {
        let errors = sc("egress:\n- hosts: [\"./*\"]\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [\"./*\"]\n- hosts: [\"./*\"]\n- hosts: [\"./*\"]\n");
        assert_error(
            &errors,
            "spec.egress[0]",
            "the egress listener with empty port should be the last",
        );
        assert_error(
            &errors,
            "spec.egress[2]",
            "egress can have only one listener with empty port",
        );
        assert_error(
            &errors,
            "spec.egress[3]",
            "egress can have only one listener with empty port",
        );
    }

    #[test]
    fn ingress_needs_a_port() {
        let errors = sc("ingress: [{defaultEndpoint: \"127.0.0.1:8080\"}]");
        assert_error(
            &errors,
            "spec.ingress[0].port",
            "sidecar: port is required for ingress listeners",
        );
    }

    #[test]
    fn ingress_ports_unique_and_valid() {
        let errors = sc("ingress:\n- port: {number: 80, name: http, protocol: HTTP}\n- port: {number: 80, name: http2, protocol: HTTP}\n- port: {number: 0, name: h, protocol: BOGUS}\n");
        assert_error(
            &errors,
            "spec.ingress[1].port.number",
            "ports on IP bound listeners must be unique",
        );
        assert_error(&errors, "spec.ingress[2].port.number", "port number 0");
        assert_error(
            &errors,
            "spec.ingress[2].port.protocol",
            "unrecognized protocol \"BOGUS\"",
        );
    }

    #[test]
    fn egress_ports_unique() {
        let errors = sc("egress:\n- port: {number: 80, name: a, protocol: HTTP}\n  hosts: [\"./*\"]\n- port: {number: 80, name: b, protocol: HTTP}\n  hosts: [\"./*\"]\n");
        assert_error(
            &errors,
            "spec.egress[1].port.number",
            "ports on IP bound listeners must be unique",
        );
    }

    #[test]
    fn default_endpoint_form() {
        let errors = sc("ingress:\n- port: {number: 80, name: http, protocol: HTTP}\n  defaultEndpoint: 10.0.0.1:8080\n");
        assert_error(
            &errors,
            "spec.ingress[0].defaultEndpoint",
            "defaultEndpoint must be of form",
        );
    }

    #[test]
    fn ingress_tls_rules() {
        let errors = sc("ingress:\n- port: {number: 80, name: http, protocol: HTTP}\n  tls: {mode: ISTIO_MUTUAL}\n");
        assert_error(
            &errors,
            "spec.ingress[0].tls.mode",
            "cannot set mode to ISTIO_MUTUAL",
        );
        assert_error(&errors, "spec.ingress[0].tls", "non HTTPS/TLS ports");
    }

    #[test]
    fn egress_proxy_needs_allow_any_and_port() {
        let errors = sc("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n  egressProxy: {host: proxy.example.com}\n");
        let at = "spec.outboundTrafficPolicy.egressProxy";
        assert_error(&errors, at, "only with ALLOW_ANY");
        assert_error(
            &errors,
            &format!("{at}.port"),
            "egress_proxy port must be non-nil",
        );
    }

    #[test]
    fn inbound_connection_pool_durations() {
        let errors = sc("inboundConnectionPool: {tcp: {connectTimeout: 0s}}");
        assert_error(
            &errors,
            "spec.inboundConnectionPool.tcp.connectTimeout",
            "greater than 1ms",
        );
    }
}
