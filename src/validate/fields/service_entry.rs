//! ServiceEntry rules (Istio's `ValidateServiceEntry` and the CRD's CEL rules).
use std::collections::BTreeSet;

use super::common::{self, spec_path, Errors};
use crate::model::networking::{ServiceEntryResolution, ServiceEntrySpec, WorkloadEntrySpec};
use crate::model::Object;
use crate::source::FieldPath;

use super::workload_entry::UNIX_PREFIX;

pub(super) fn check(object: &Object, spec: &ServiceEntrySpec, out: &mut Errors) {
    let root = spec_path();
    if spec.workload_selector.is_some() && !spec.endpoints.is_empty() {
        out.error(
            &root.field("workloadSelector"),
            "only one of WorkloadSelector or Endpoints is allowed in Service Entry",
        );
    }

    if spec.hosts.is_empty() {
        out.error(
            &root.field("hosts"),
            "service entry must have at least one host",
        );
    }
    for (i, host) in spec.hosts.iter().enumerate() {
        let at = root.field("hosts").index(i);
        if host == "*" {
            out.error(&at, "invalid host \"*\": hostname cannot be wildcard");
            continue;
        }
        match common::wildcard_domain(host) {
            Err(message) => out.error(&at, message),
            Ok(()) => {
                if let Err(message) = common::partial_wildcard(host) {
                    out.warning(&at, message);
                }
            }
        }
    }

    let resolution = spec.resolution.unwrap_or(ServiceEntryResolution::None);
    let mut cidr = false;
    for (i, address) in spec.addresses.iter().enumerate() {
        cidr |= address.contains('/');
        out.check(
            &root.field("addresses").index(i),
            common::ip_or_cidr(address),
        );
    }
    if cidr
        && !matches!(
            resolution,
            ServiceEntryResolution::None | ServiceEntryResolution::Static
        )
    {
        out.error(
            &root.field("addresses"),
            "CIDR addresses are allowed only for NONE/STATIC resolution types",
        );
    }

    let mut port_names = BTreeSet::new();
    let mut port_numbers = BTreeSet::new();
    for (i, port) in spec.ports.iter().enumerate() {
        let at = root.field("ports").index(i);
        let name = port.name.as_deref().unwrap_or("");
        out.check(&at.field("name"), common::port_name(name));
        if !name.is_empty() && !port_names.insert(name) {
            out.error(
                &at.field("name"),
                format!("service entry port name {name:?} already defined"),
            );
        }
        match port.number {
            None => out.error(&at.field("number"), "port number is required"),
            Some(number) => {
                out.check(&at.field("number"), common::port(number));
                if !port_numbers.insert(number) {
                    out.error(
                        &at.field("number"),
                        format!("service entry port {number} already defined"),
                    );
                }
            }
        }
        if let Some(target) = port.target_port.filter(|p| *p != 0) {
            out.check(&at.field("targetPort"), common::port(target));
        }
        if let Some(protocol) = &port.protocol {
            out.check(&at.field("protocol"), common::protocol(protocol));
        }
    }

    if let Some(selector) = &spec.workload_selector {
        common::selector_labels(
            out,
            &root.field("workloadSelector").field("labels"),
            &selector.labels,
        );
    }

    match resolution {
        ServiceEntryResolution::None => {
            if !spec.endpoints.is_empty() {
                out.error(
                    &root.field("endpoints"),
                    "no endpoints should be provided for resolution type none",
                );
            }
            if spec.workload_selector.is_some() {
                out.warning(
                    &root.field("workloadSelector"),
                    "workloadSelector should not be set when resolution mode is NONE",
                );
            }
        }
        // A STATIC entry may list no endpoints: they can come later from
        // WorkloadEntries, and istiod accepts it.
        ServiceEntryResolution::Static => {}
        ServiceEntryResolution::Dns | ServiceEntryResolution::DnsRoundRobin => {
            if spec.endpoints.is_empty() {
                for (i, host) in spec.hosts.iter().enumerate() {
                    if host != "*"
                        && common::wildcard_domain(host).is_ok()
                        && common::fqdn(host).is_err()
                    {
                        out.error(
                            &root.field("hosts").index(i),
                            format!(
                                "hosts must be FQDN if no endpoints are provided for resolution mode {}",
                                resolution_name(resolution)
                            ),
                        );
                    }
                }
            }
            if resolution == ServiceEntryResolution::DnsRoundRobin && spec.endpoints.len() > 1 {
                out.error(
                    &root.field("endpoints"),
                    "there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN",
                );
            }
        }
        ServiceEntryResolution::DynamicDns => {}
    }

    for (i, endpoint) in spec.endpoints.iter().enumerate() {
        check_endpoint(
            out,
            &root.field("endpoints").index(i),
            endpoint,
            resolution,
            &port_names,
        );
    }

    if resolution != ServiceEntryResolution::None && spec.hosts.len() > 1 {
        if let Some(i) = spec.ports.iter().position(|p| {
            let protocol = p.protocol.as_deref().unwrap_or("");
            !common::is_http_protocol(protocol) && !common::is_tls_protocol(protocol)
        }) {
            out.error(
                &root.field("ports").index(i),
                "multiple hosts provided with non-HTTP, non-TLS ports",
            );
        }
    }

    common::export_to(
        out,
        &root.field("exportTo"),
        &spec.export_to,
        object.meta.namespace.as_deref(),
        true,
    );
}

fn resolution_name(resolution: ServiceEntryResolution) -> &'static str {
    match resolution {
        ServiceEntryResolution::None => "NONE",
        ServiceEntryResolution::Static => "STATIC",
        ServiceEntryResolution::Dns => "DNS",
        ServiceEntryResolution::DnsRoundRobin => "DNS_ROUND_ROBIN",
        ServiceEntryResolution::DynamicDns => "DYNAMIC_DNS",
    }
}

fn check_endpoint(
    out: &mut Errors,
    path: &FieldPath,
    endpoint: &WorkloadEntrySpec,
    resolution: ServiceEntryResolution,
    port_names: &BTreeSet<&str>,
) {
    let address = endpoint.address.as_deref().unwrap_or("");
    let address_path = path.field("address");
    if address.is_empty() {
        if endpoint.network.is_none() {
            out.error(&address_path, "endpoint address is required");
        }
    } else if let Some(socket) = address.strip_prefix(UNIX_PREFIX) {
        super::workload_entry::unix_socket(out, &address_path, address, socket);
        if !endpoint.ports.is_empty() {
            out.error(&path.field("ports"), "UDS may not include ports");
        }
    } else {
        match resolution {
            ServiceEntryResolution::Static if !common::is_ip(address) => out.error(
                &address_path,
                format!("endpoint address {address:?} is not a valid IP address"),
            ),
            ServiceEntryResolution::Dns | ServiceEntryResolution::DnsRoundRobin
                if !common::is_ip(address) && common::fqdn(address).is_err() =>
            {
                out.error(
                    &address_path,
                    format!("endpoint address {address:?} is not a valid FQDN or an IP address"),
                );
            }
            _ => {}
        }
    }
    common::labels(out, &path.field("labels"), &endpoint.labels);
    for (name, number) in &endpoint.ports {
        let at = path.field("ports").field(name);
        if !port_names.contains(name.as_str()) {
            out.error(
                &at,
                format!("endpoint port {name:?} is not defined by the service entry"),
            );
        }
        out.check(&at, common::port_name(name));
        out.check(&at, common::port(*number));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::FieldError;
    use crate::diagnostic::Level;

    fn se(spec: &str) -> Vec<FieldError> {
        check_spec("ServiceEntry", spec)
    }

    #[test]
    fn realistic_service_entries_are_clean() {
        assert_clean(&se(r#"
hosts: [api.dropboxapi.com, www.googleapis.com]
addresses: [240.0.0.1]
location: MESH_EXTERNAL
resolution: DNS
ports:
- {number: 443, name: https, protocol: TLS}
- {number: 8080, name: http, protocol: HTTP, targetPort: 80}
endpoints:
- address: us.foo.bar.com
  ports: {https: 8443}
  locality: us-west/zone1
  weight: 3
- address: uk.foo.bar.com
  ports: {https: 9443}
  labels: {region: uk}
exportTo: ["."]
"#));
        assert_clean(&se(r#"
hosts: [mysqldb.vm.svc.cluster.local]
location: MESH_INTERNAL
resolution: STATIC
ports: [{number: 3306, name: mysql, protocol: TCP}]
workloadSelector: {labels: {app: mysqldb}}
"#));
        assert_clean(&se(r#"
hosts: ["*.wikipedia.org"]
addresses: [10.0.0.0/16]
resolution: NONE
ports: [{number: 443, name: tls, protocol: TLS}]
"#));
    }

    #[test]
    fn needs_a_host() {
        assert_error(
            &se("ports: [{number: 80, name: http}]"),
            "spec.hosts",
            "service entry must have at least one host",
        );
    }

    #[test]
    fn no_full_wildcard_host() {
        let errors = se("hosts: [\"*\"]\nports: [{number: 80, name: http}]\n");
        assert_error(&errors, "spec.hosts[0]", "hostname cannot be wildcard");
    }

    #[test]
    fn hosts_are_domains() {
        let errors = se("hosts: [\"not_valid.com\"]\nports: [{number: 80, name: http}]\n");
        assert_error(
            &errors,
            "spec.hosts[0]",
            "domain name \"not_valid.com\" invalid",
        );
    }

    #[test]
    fn addresses_are_ips_or_cidrs() {
        let errors = se("hosts: [a.com]\naddresses: [300.0.0.1, 10.0.0.0/33]\nports: [{number: 80, name: http}]\n");
        assert_error(
            &errors,
            "spec.addresses[0]",
            "\"300.0.0.1\" is not a valid IP",
        );
        assert_error(&errors, "spec.addresses[1]", "not a valid CIDR block");
    }

    #[test]
    fn cidr_only_with_none_or_static() {
        let errors = se("hosts: [a.com]\naddresses: [10.0.0.0/8]\nresolution: DNS\nports: [{number: 80, name: http, protocol: HTTP}]\n");
        assert_error(
            &errors,
            "spec.addresses",
            "CIDR addresses are allowed only for NONE/STATIC",
        );
    }

    #[test]
    fn ports_endpoints_and_selector_are_optional() {
        // Istio requires none of them (its own test data accepts these).
        assert_clean(&se("hosts: [example.com]"));
        // Istio warns (a NONE entry ignores its selector), but accepts it.
        let errors = se("hosts: [example.com]\nworkloadSelector: {}\n");
        assert!(errors.iter().all(|e| e.level != Level::Error), "{errors:?}");
        assert_clean(&se("hosts: [example.com]\naddresses: [1.1.1.1/32]\n"));
        assert_clean(&se("hosts: [example.com]\nresolution: STATIC\n"));
    }

    #[test]
    fn ipv6_addresses_and_cidrs_are_accepted() {
        // JSON flow syntax: the addresses reach the rule as strings.
        let errors = se(
            r#"{"hosts": ["example.com"], "resolution": "STATIC", "addresses": ["1.2.3.4", "001:db8::", "2001:db8::1", "2001:db8::/32", "::ffff:10.0.0.1"]}"#,
        );
        assert_clean(&errors);
        let errors = se(
            r#"{"hosts": ["example.com"], "resolution": "STATIC", "addresses": ["2001:db8::/129", "2001:db8:::1"]}"#,
        );
        assert_error(&errors, "spec.addresses[0]", "not a valid CIDR block");
        assert_error(&errors, "spec.addresses[1]", "not a valid IP");
    }

    #[test]
    fn ports_valid_and_unique() {
        let errors = se("hosts: [a.com]\nports:\n- {number: 80, name: http, protocol: HTTP}\n- {number: 80, name: http, protocol: FTP}\n- {number: 70000, name: Bad_Name}\n");
        assert_error(
            &errors,
            "spec.ports[1].name",
            "service entry port name \"http\" already defined",
        );
        assert_error(
            &errors,
            "spec.ports[1].number",
            "service entry port 80 already defined",
        );
        assert_error(
            &errors,
            "spec.ports[1].protocol",
            "unrecognized protocol \"FTP\"",
        );
        assert_error(&errors, "spec.ports[2].number", "port number 70000");
        assert_error(
            &errors,
            "spec.ports[2].name",
            "invalid port name: \"Bad_Name\"",
        );
    }

    #[test]
    fn workload_selector_and_endpoints_exclusive() {
        let errors = se("hosts: [a.com]\nresolution: STATIC\nports: [{number: 80, name: http}]\nworkloadSelector: {labels: {app: a}}\nendpoints: [{address: 10.0.0.1}]\n");
        assert_error(
            &errors,
            "spec.workloadSelector",
            "only one of WorkloadSelector or Endpoints",
        );
    }

    #[test]
    fn static_endpoints_are_ips() {
        let errors = se("hosts: [a.com]\nresolution: STATIC\nports: [{number: 80, name: http}]\nendpoints: [{address: db.example.com}, {address: \"unix:///var/run/a.sock\"}]\n");
        assert_error(
            &errors,
            "spec.endpoints[0].address",
            "endpoint address \"db.example.com\" is not a valid IP address",
        );
        assert!(!errors
            .iter()
            .any(|e| e.path.to_string().starts_with("spec.endpoints[1]")));
    }

    #[test]
    fn dns_wildcard_hosts_need_endpoints() {
        let errors = se("hosts: [\"*.example.com\"]\nresolution: DNS\nports: [{number: 443, name: tls, protocol: TLS}]\n");
        assert_error(
            &errors,
            "spec.hosts[0]",
            "hosts must be FQDN if no endpoints are provided for resolution mode DNS",
        );
    }

    #[test]
    fn endpoint_ports_must_be_service_ports() {
        let errors = se("hosts: [a.com]\nresolution: STATIC\nports: [{number: 80, name: http}]\nendpoints: [{address: 10.0.0.1, ports: {grpc: 9090, http: 0}}]\n");
        assert_error(
            &errors,
            "spec.endpoints[0].ports.grpc",
            "endpoint port \"grpc\" is not defined by the service entry",
        );
        assert_error(&errors, "spec.endpoints[0].ports.http", "port number 0");
    }

    #[test]
    fn none_resolution_takes_no_endpoints() {
        let errors = se(
            "hosts: [a.com]\nports: [{number: 80, name: http}]\nendpoints: [{address: 10.0.0.1}]\n",
        );
        assert_error(
            &errors,
            "spec.endpoints",
            "no endpoints should be provided for resolution type none",
        );
    }

    #[test]
    fn multiple_hosts_need_http_or_tls_ports() {
        let errors = se("hosts: [a.com, b.com]\nresolution: DNS\nports: [{number: 5432, name: pg, protocol: TCP}]\n");
        assert_error(
            &errors,
            "spec.ports[0]",
            "multiple hosts provided with non-HTTP, non-TLS ports",
        );
    }
}
