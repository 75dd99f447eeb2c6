//! Gateway rules (Istio's `ValidateGateway` and the CRD's CEL rules).
use std::collections::BTreeMap;

use super::common::{self, spec_path, Errors};
use crate::model::networking::{
    GatewaySpec, Server, ServerTLSMode, ServerTLSSettings, TLSProtocol,
};
use crate::model::Object;
use crate::source::FieldPath;

const UNIX_PREFIX: &str = "unix://";

pub(super) fn check(object: &Object, spec: &GatewaySpec, out: &mut Errors) {
    let root = spec_path();
    // The gateway name becomes a label value in generated config.
    if !object.meta.name.is_empty() && !common::is_dns1123_label(&object.meta.name) {
        out.error(
            &FieldPath::root().field("metadata").field("name"),
            format!("invalid gateway name: {:?}", object.meta.name),
        );
    }
    if spec.servers.is_empty() {
        out.error(
            &root.field("servers"),
            "gateway must have at least one server",
        );
    }
    let mut port_names: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, server) in spec.servers.iter().enumerate() {
        let at = root.field("servers").index(i);
        check_server(out, &at, server);
        if let Some(name) = server.port.as_ref().and_then(|p| p.name.as_deref()) {
            if let Some(first) = port_names.insert(name, i) {
                port_names.insert(name, first);
                out.error(
                    &at.field("port").field("name"),
                    format!("port names in servers must be unique: duplicate name {name:?} (also used by servers[{first}])"),
                );
            }
        }
    }
    common::labels(out, &root.field("selector"), &spec.selector);
}

fn check_server(out: &mut Errors, path: &FieldPath, server: &Server) {
    if server.hosts.is_empty() {
        out.error(
            &path.field("hosts"),
            "server config must contain at least one host",
        );
    }
    for (j, host) in server.hosts.iter().enumerate() {
        let at = path.field("hosts").index(j);
        if host.contains('/') {
            out.check(&at, common::namespace_slash_host(host, "gateway", false));
        } else {
            out.check(&at, common::wildcard_domain(host));
        }
    }

    let bind = server.bind.as_deref().unwrap_or("");
    let mut protocol_ok = false;
    match &server.port {
        None => out.error(&path.field("port"), "port is required"),
        Some(port) => {
            let pp = path.field("port");
            let protocol = port.protocol.as_deref().unwrap_or("");
            protocol_ok = common::parse_protocol(protocol).is_some();
            if !protocol_ok {
                out.error(
                    &pp.field("protocol"),
                    format!(
                        "invalid protocol {protocol:?}, supported protocols are HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, \
                         MONGO, REDIS, MYSQL, TCP, TLS"
                    ),
                );
            }
            let number = port.number.unwrap_or(0);
            if number > 0 || !bind.starts_with(UNIX_PREFIX) {
                out.check(&pp.field("number"), common::port(number));
            }
            if bind.starts_with(UNIX_PREFIX) && number != 0 {
                out.error(
                    &path.field("bind"),
                    format!("port number must be 0 for unix domain socket: {bind:?}"),
                );
            }
            if port.name.as_deref().unwrap_or("").is_empty() {
                out.error(&pp.field("name"), "port name must be set");
            }
            if port.target_port.is_some_and(|p| p > 0) {
                out.warning(
                    &pp.field("targetPort"),
                    "targetPort has no impact on Gateways",
                );
            }
        }
    }
    if bind == UNIX_PREFIX {
        out.error(
            &path.field("bind"),
            "unix domain socket path cannot be empty",
        );
    } else if !bind.is_empty() && !bind.starts_with(UNIX_PREFIX) && !common::is_ip(bind) {
        out.error(
            &path.field("bind"),
            format!("bind IP address is malformed: {bind:?}"),
        );
    }

    if let Some(tls) = &server.tls {
        server_tls(out, &path.field("tls"), tls);
    }
    if let (Some(port), true) = (&server.port, protocol_ok) {
        let protocol = port.protocol.as_deref().unwrap_or("");
        let tls_protocol = common::is_tls_protocol(protocol);
        match &server.tls {
            None if tls_protocol => out.error(
                path,
                "server must have TLS settings for HTTPS/TLS protocols",
            ),
            Some(tls) if !tls_protocol => {
                if common::is_http_protocol(protocol) {
                    let passthrough = tls.mode.unwrap_or_default() == ServerTLSMode::Passthrough;
                    if !passthrough
                        || set(&tls.ca_certificates)
                        || set(&tls.private_key)
                        || set(&tls.server_certificate)
                    {
                        out.error(
                            &path.field("tls"),
                            "server cannot have TLS settings for plain text HTTP ports",
                        );
                    }
                } else {
                    out.error(
                        &path.field("tls"),
                        "server cannot have TLS settings for non HTTPS/TLS ports",
                    );
                }
            }
            _ => {}
        }
        if server.tls.as_ref().and_then(|t| t.https_redirect) == Some(true)
            && !common::is_http_protocol(protocol)
        {
            out.warning(
                &path.field("tls").field("httpsRedirect"),
                "tls.httpsRedirect should only be used with http servers",
            );
        }
    }
}

fn set(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty())
}

/// Server-side TLS settings, shared with Sidecar ingress listeners.
pub(super) fn server_tls(out: &mut Errors, path: &FieldPath, tls: &ServerTLSSettings) {
    let credential = set(&tls.credential_name);
    let credentials = !tls.credential_names.is_empty();
    let certificates = !tls.tls_certificates.is_empty();
    for (a, b, message) in [
        (
            credentials,
            certificates,
            "only one of credentialNames or tlsCertificates can be set",
        ),
        (
            credential,
            credentials,
            "only one of credentialName or credentialNames can be set",
        ),
        (
            credential,
            certificates,
            "only one of credentialName or tlsCertificates can be set",
        ),
    ] {
        if a && b {
            out.error(path, message);
        }
    }
    if matches!(
        tls.min_protocol_version,
        Some(TLSProtocol::TlsV1_0 | TLSProtocol::TlsV1_1)
    ) && tls.cipher_suites.is_empty()
    {
        out.warning(
            &path.field("minProtocolVersion"),
            "TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers",
        );
    }
    let mode = tls.mode.unwrap_or_default();
    match mode {
        ServerTLSMode::IstioMutual => {
            for (field, value, what) in [
                (
                    "serverCertificate",
                    &tls.server_certificate,
                    "server certificate",
                ),
                ("privateKey", &tls.private_key, "private key"),
                ("caCertificates", &tls.ca_certificates, "CA bundle"),
                ("credentialName", &tls.credential_name, "credentialName"),
            ] {
                if set(value) {
                    out.error(
                        &path.field(field),
                        format!("ISTIO_MUTUAL TLS cannot have associated {what}"),
                    );
                }
            }
        }
        ServerTLSMode::Passthrough | ServerTLSMode::AutoPassthrough => {
            if set(&tls.ca_crl)
                || set(&tls.server_certificate)
                || set(&tls.private_key)
                || set(&tls.ca_certificates)
                || credential
            {
                let name = if mode == ServerTLSMode::Passthrough {
                    "PASSTHROUGH"
                } else {
                    "AUTO_PASSTHROUGH"
                };
                out.warning(
                    path,
                    format!("{name} mode does not use certificates, they will be ignored"),
                );
            }
        }
        ServerTLSMode::Simple | ServerTLSMode::Mutual | ServerTLSMode::OptionalMutual => {
            if credential || credentials {
                return;
            }
            let name = if mode == ServerTLSMode::Simple {
                "SIMPLE"
            } else {
                "MUTUAL"
            };
            if !certificates {
                if !set(&tls.server_certificate) {
                    out.error(
                        &path.field("serverCertificate"),
                        format!("{name} TLS requires a server certificate"),
                    );
                }
                if !set(&tls.private_key) {
                    out.error(
                        &path.field("privateKey"),
                        format!("{name} TLS requires a private key"),
                    );
                }
            }
            let has_ca = set(&tls.ca_certificates)
                || set(&tls.ca_cert_credential_name)
                || tls.tls_certificates.iter().any(|c| set(&c.ca_certificates));
            if mode != ServerTLSMode::Simple && !has_ca {
                out.error(
                    &path.field("caCertificates"),
                    "MUTUAL TLS requires a client CA bundle",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::FieldError;

    fn gw(spec: &str) -> Vec<FieldError> {
        check_spec("Gateway", spec)
    }

    #[test]
    fn realistic_gateway_is_clean() {
        assert_clean(&gw(r#"
selector:
  istio: ingressgateway
servers:
- port: {number: 80, name: http, protocol: HTTP}
  hosts: [uk.bookinfo.com, eu.bookinfo.com]
  tls: {httpsRedirect: true}
- port: {number: 443, name: https-443, protocol: HTTPS}
  hosts: ["bookinfo-namespace/*.bookinfo.com"]
  tls:
    mode: SIMPLE
    credentialName: bookinfo-secret
    minProtocolVersion: TLSV1_2
- port: {number: 9443, name: https-9443, protocol: https}
  hosts: ["*"]
  bind: 0.0.0.0
  tls:
    mode: MUTUAL
    serverCertificate: /etc/certs/server.pem
    privateKey: /etc/certs/key.pem
    caCertificates: /etc/certs/ca.pem
- port: {number: 15443, name: tls, protocol: TLS}
  hosts: ["*.local"]
  tls: {mode: AUTO_PASSTHROUGH}
- port: {number: 31400, name: tcp, protocol: TCP}
  hosts: ["./*"]
"#));
    }

    #[test]
    fn needs_a_server() {
        assert_error(
            &gw("selector: {istio: ingressgateway}"),
            "spec.servers",
            "gateway must have at least one server",
        );
    }

    #[test]
    fn server_needs_a_host() {
        let errors = gw("servers:\n- port: {number: 80, name: http, protocol: HTTP}\n");
        assert_error(
            &errors,
            "spec.servers[0].hosts",
            "server config must contain at least one host",
        );
    }

    #[test]
    fn hosts_are_namespace_slash_wildcard_domains() {
        let errors = gw("servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [\"Bad_NS/foo.com\", \"~/foo.com\", \"ns/foo_bar.com\", \"a.*.com\"]\n");
        assert_error(
            &errors,
            "spec.servers[0].hosts[0]",
            "invalid namespace value \"Bad_NS\" in gateway",
        );
        assert_error(
            &errors,
            "spec.servers[0].hosts[1]",
            "invalid namespace value \"~\"",
        );
        assert_error(
            &errors,
            "spec.servers[0].hosts[2]",
            "domain name \"foo_bar.com\" invalid",
        );
        assert_error(&errors, "spec.servers[0].hosts[3]", "label \"*\" invalid");
    }

    #[test]
    fn port_number_and_protocol() {
        let errors =
            gw("servers:\n- port: {number: 0, name: http, protocol: QUIC}\n  hosts: [\"*\"]\n");
        assert_error(&errors, "spec.servers[0].port.number", "port number 0");
        assert_error(
            &errors,
            "spec.servers[0].port.protocol",
            "invalid protocol \"QUIC\"",
        );
    }

    #[test]
    fn port_name_required() {
        let errors = gw("servers:\n- port: {number: 80, protocol: HTTP}\n  hosts: [\"*\"]\n");
        assert_error(
            &errors,
            "spec.servers[0].port.name",
            "port name must be set",
        );
    }

    #[test]
    fn https_and_tls_need_tls_settings() {
        let errors =
            gw("servers:\n- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: [\"*\"]\n");
        assert_error(
            &errors,
            "spec.servers[0]",
            "server must have TLS settings for HTTPS/TLS protocols",
        );
    }

    #[test]
    fn plain_ports_take_no_tls() {
        let errors = gw("servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [\"*\"]\n  tls: {mode: SIMPLE, credentialName: c}\n- port: {number: 81, name: tcp, protocol: TCP}\n  hosts: [\"*\"]\n  tls: {mode: PASSTHROUGH}\n");
        assert_error(&errors, "spec.servers[0].tls", "plain text HTTP ports");
        assert_error(&errors, "spec.servers[1].tls", "non HTTPS/TLS ports");
    }

    #[test]
    fn simple_needs_credentials() {
        let errors = gw("servers:\n- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: [\"*\"]\n  tls: {mode: SIMPLE, serverCertificate: /c.pem}\n");
        assert_error(
            &errors,
            "spec.servers[0].tls.privateKey",
            "SIMPLE TLS requires a private key",
        );
    }

    #[test]
    fn mutual_needs_ca_unless_credential_name() {
        let errors = gw("servers:\n- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: [\"*\"]\n  tls: {mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem}\n");
        assert_error(
            &errors,
            "spec.servers[0].tls.caCertificates",
            "MUTUAL TLS requires a client CA bundle",
        );
        assert_clean(&gw("servers:\n- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: [\"*\"]\n  tls: {mode: MUTUAL, credentialName: c}\n"));
    }

    #[test]
    fn istio_mutual_takes_no_certificates() {
        let errors = gw("servers:\n- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: [\"*\"]\n  tls: {mode: ISTIO_MUTUAL, privateKey: /k.pem}\n");
        assert_error(
            &errors,
            "spec.servers[0].tls.privateKey",
            "ISTIO_MUTUAL TLS cannot have associated private key",
        );
    }

    #[test]
    fn credential_sources_are_exclusive() {
        let errors = gw("servers:\n- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: [\"*\"]\n  tls: {mode: SIMPLE, credentialName: a, credentialNames: [b]}\n");
        assert_error(
            &errors,
            "spec.servers[0].tls",
            "only one of credentialName or credentialNames can be set",
        );
    }

    #[test]
    fn port_names_unique() {
        let errors = gw("servers:\n- port: {number: 80, name: web, protocol: HTTP}\n  hosts: [a.com]\n- port: {number: 8080, name: web, protocol: HTTP}\n  hosts: [b.com]\n");
        assert_error(
            &errors,
            "spec.servers[1].port.name",
            "port names in servers must be unique",
        );
    }

    #[test]
    fn bind_must_be_an_ip_or_socket() {
        let errors = gw("servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [\"*\"]\n  bind: localhost\n");
        assert_error(
            &errors,
            "spec.servers[0].bind",
            "bind IP address is malformed: \"localhost\"",
        );
    }

    #[test]
    fn gateway_name_is_a_dns_label() {
        let errors = check_yaml(&object_yaml(
            "networking.istio.io/v1",
            "Gateway",
            "my.gateway",
            "servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [\"*\"]\n",
        ));
        assert_error(
            &errors,
            "metadata.name",
            "invalid gateway name: \"my.gateway\"",
        );
    }
}
