//! WorkloadEntry and WorkloadGroup: istiod's `ValidateWorkloadEntry` and
//! `ValidateWorkloadGroup`. A standalone WorkloadEntry may name a host as
//! its address (a ServiceEntry's STATIC endpoints may not, see
//! [`super::service_entry`]); a WorkloadGroup's template is not validated
//! as an entry, since istiod fills its address in.

use super::common::{self, Errors};
use crate::model::networking::{ReadinessProbe, WorkloadEntrySpec, WorkloadGroupSpec};
use crate::source::FieldPath;

pub(super) const UNIX_PREFIX: &str = "unix://";

pub(super) fn check_entry(spec: &WorkloadEntrySpec, out: &mut Errors) {
    let root = common::spec_path();
    let address = spec.address.as_deref().unwrap_or("");
    let address_path = root.field("address");
    if address.is_empty() {
        match &spec.network {
            None => {
                out.error(&address_path, "address is required");
                return;
            }
            Some(network) => out.warning(
                &address_path,
                format!("address is unset with network {network:?}"),
            ),
        }
    } else if let Some(socket) = address.strip_prefix(UNIX_PREFIX) {
        unix_socket(out, &address_path, address, socket);
        if !spec.ports.is_empty() {
            out.error(
                &root.field("ports"),
                format!("unix endpoint {address} must not include ports"),
            );
        }
    } else if !common::is_ip(address) && common::fqdn(address).is_err() {
        out.error(
            &address_path,
            format!("endpoint address {address:?} is not a valid FQDN or an IP address"),
        );
    }
    for (name, number) in &spec.ports {
        let at = root.field("ports").field(name);
        out.check(&at, common::port_name(name));
        out.check(&at, common::port(*number));
    }
    common::labels(out, &root.field("labels"), &spec.labels);
}

/// A `unix://` address: an absolute path or an abstract socket, not a directory.
pub(super) fn unix_socket(out: &mut Errors, path: &FieldPath, address: &str, socket: &str) {
    if !socket.starts_with('/') && !socket.starts_with('@') {
        out.error(
            path,
            format!("UDS must be an absolute path or abstract socket: {address:?}"),
        );
    }
    if socket.ends_with('/') {
        out.error(path, format!("UDS may not be a dir: {address:?}"));
    }
}

pub(super) fn check_group(spec: &WorkloadGroupSpec, out: &mut Errors) {
    let root = common::spec_path();
    if spec.template.is_none() {
        out.error(&root.field("template"), "template is required");
        return;
    }
    if let Some(metadata) = &spec.metadata {
        common::labels(
            out,
            &root.field("metadata").field("labels"),
            &metadata.labels,
        );
    }
    if let Some(probe) = &spec.probe {
        check_probe(probe, &root.field("probe"), out);
    }
}

fn check_probe(probe: &ReadinessProbe, path: &FieldPath, out: &mut Errors) {
    for (field, value) in [
        ("periodSeconds", probe.period_seconds),
        ("initialDelaySeconds", probe.initial_delay_seconds),
        ("timeoutSeconds", probe.timeout_seconds),
        ("successThreshold", probe.success_threshold),
        ("failureThreshold", probe.failure_threshold),
    ] {
        if value.is_some_and(|v| v < 0) {
            out.error(&path.field(field), format!("{field} must be non-negative"));
        }
    }
    // The probe's method is a oneof: istiod reads the one that is set.
    if let Some(http) = &probe.http_get {
        let at = path.field("httpGet");
        out.check(&at.field("port"), common::port(http.port.unwrap_or(0)));
        if let Some(scheme) = http.scheme.as_deref() {
            if !scheme.is_empty() && scheme != "HTTP" && scheme != "HTTPS" {
                out.error(
                    &at.field("scheme"),
                    "httpGet.scheme must be one of \"HTTPS\", \"HTTP\"",
                );
            }
        }
        for (i, header) in http.http_headers.iter().enumerate() {
            let name = header.name.as_deref().unwrap_or("");
            out.check(
                &at.field("httpHeaders").index(i).field("name"),
                common::header_name(name),
            );
        }
    } else if let Some(tcp) = &probe.tcp_socket {
        out.check(
            &path.field("tcpSocket").field("port"),
            common::port(tcp.port.unwrap_or(0)),
        );
    } else if let Some(exec) = &probe.exec {
        if exec.command.is_empty() {
            out.error(
                &path.field("exec").field("command"),
                "exec.command is required",
            );
        }
    } else if let Some(grpc) = &probe.grpc {
        out.check(
            &path.field("grpc").field("port"),
            common::port(grpc.port.unwrap_or(0)),
        );
    } else {
        out.error(path, "unknown health check method <nil>");
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::check_spec;

    fn messages(kind: &str, spec: &str) -> Vec<(String, String)> {
        check_spec(kind, spec)
            .into_iter()
            .map(|e| (e.path.to_string(), e.message))
            .collect()
    }

    #[test]
    fn a_workload_entry_needs_a_routable_address() {
        assert_eq!(
            messages("WorkloadEntry", "labels: {app: a}"),
            [(
                "spec.address".to_string(),
                "address is required".to_string()
            )]
        );
        assert!(messages("WorkloadEntry", "address: 10.0.0.1\nports: {grpc: 7070}").is_empty());
        assert!(messages("WorkloadEntry", "address: vm.example.com").is_empty());
        assert_eq!(
            messages("WorkloadEntry", "address: not_a_host!"),
            [(
                "spec.address".to_string(),
                "endpoint address \"not_a_host!\" is not a valid FQDN or an IP address".to_string()
            )]
        );
        assert_eq!(
            messages(
                "WorkloadEntry",
                "address: unix://relative.sock\nports: {grpc: 7070}"
            ),
            [
                (
                    "spec.address".to_string(),
                    "UDS must be an absolute path or abstract socket: \"unix://relative.sock\""
                        .to_string()
                ),
                (
                    "spec.ports".to_string(),
                    "unix endpoint unix://relative.sock must not include ports".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_workload_entry_on_another_network_may_leave_its_address() {
        let found = super::super::test_support::check_spec("WorkloadEntry", "network: remote");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].level, crate::diagnostic::Level::Warning);
        assert_eq!(found[0].message, "address is unset with network \"remote\"");
    }

    #[test]
    fn workload_entry_ports_and_labels() {
        assert_eq!(
            messages(
                "WorkloadEntry",
                "address: 10.0.0.1\nports: {Bad_Name: 70000}"
            ),
            [
                (
                    "spec.ports.Bad_Name".to_string(),
                    "invalid port name: \"Bad_Name\"".to_string()
                ),
                (
                    "spec.ports.Bad_Name".to_string(),
                    "port number 70000 must be in the range 1..65535".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_workload_group_needs_a_template_and_a_sound_probe() {
        assert_eq!(
            messages("WorkloadGroup", "metadata: {labels: {app: a}}"),
            [(
                "spec.template".to_string(),
                "template is required".to_string()
            )]
        );
        // The template's address is filled in by istiod: not required.
        assert!(messages("WorkloadGroup", "template: {ports: {grpc: 7070}}").is_empty());
        assert_eq!(
            messages(
                "WorkloadGroup",
                "template: {}\nprobe: {periodSeconds: -1, httpGet: {port: 0, scheme: FTP}}"
            ),
            [
                (
                    "spec.probe.periodSeconds".to_string(),
                    "periodSeconds must be non-negative".to_string()
                ),
                (
                    "spec.probe.httpGet.port".to_string(),
                    "port number 0 must be in the range 1..65535".to_string()
                ),
                (
                    "spec.probe.httpGet.scheme".to_string(),
                    "httpGet.scheme must be one of \"HTTPS\", \"HTTP\"".to_string()
                ),
            ]
        );
        assert_eq!(
            messages(
                "WorkloadGroup",
                "template: {}\nprobe: {exec: {command: []}}"
            ),
            [(
                "spec.probe.exec.command".to_string(),
                "exec.command is required".to_string()
            )]
        );
        assert!(messages(
            "WorkloadGroup",
            "template: {}\nprobe: {tcpSocket: {port: 8080}}"
        )
        .is_empty());
    }
}
