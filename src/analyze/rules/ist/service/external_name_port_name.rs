use super::port_name_convention::skipped;
use super::protocol::port_protocol;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// An ExternalName Service has a port named `tcp` or a port Istio cannot name.
    ///
    /// ## What it checks
    /// Ports of `type: ExternalName` Services whose name is exactly `tcp`, or
    /// whose protocol Istio cannot read from `appProtocol` or the name prefix
    /// (istioctl's IST0150). Control-plane and gateway-controller Services are
    /// skipped as for IST0118.
    ///
    /// ## Why it matters
    /// For an ExternalName Service the proxy has no address to match TCP
    /// traffic on: ports serving TCP, or whose protocol is sniffed, may not be
    /// forwarded to the external name at all.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   type: ExternalName
    ///   externalName: db.example.com
    ///   ports:
    ///   - name: tcp
    ///     port: 5432
    /// ```
    ///
    /// ## How to fix
    /// Name the port after an application protocol Istio can route by name (for example `https` or `tls-db`), or use a ServiceEntry for plain TCP.
    pub static RULE = { code: "IST0150", name: "external-name-service-invalid-port-name", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::Service(service) = &object.spec else {
            continue;
        };
        let Some(spec) = &service.spec else { continue };
        if spec.type_.as_deref() != Some("ExternalName") || skipped(object) {
            continue;
        }
        for (i, port) in spec.ports.iter().flatten().enumerate() {
            let named_tcp = port.name.as_deref() == Some("tcp");
            if !named_tcp && port_protocol(port).is_some() {
                continue;
            }
            let base = FieldPath::root().field("spec").field("ports").index(i);
            let path = if port.name.is_some() {
                base.field("name")
            } else {
                base
            };
            findings
                .report(
                    object,
                    &path,
                    "Port name for ExternalName service is invalid. Proxy may prevent tcp named ports and unmatched traffic for ports serving TCP protocol from being forwarded correctly",
                )
                .help = Some(if named_tcp {
                "a port named `tcp` is treated as plain TCP, which the proxy cannot match for an ExternalName Service; name it after its application protocol (https, tls-..., http-...)".to_string()
            } else {
                format!(
                    "Istio cannot tell the protocol of port {}; name it <protocol>[-<suffix>] or set appProtocol",
                    port.port
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/workloads/external-name-service-invalid-port-name.yaml"
    );

    #[test]
    fn reports_tcp_and_unnamed_ports_of_external_name_services() {
        let found = run_rule(
            "external-name-service-invalid-port-name",
            "external-name.yaml",
            FIXTURE,
        );
        let message = "Port name for ExternalName service is invalid. Proxy may prevent tcp named ports and unmatched traffic for ports serving TCP protocol from being forwarded correctly";
        let want = [
            ("Service ext/db", 12, "spec.ports[0].name"),
            ("Service ext/db", 14, "spec.ports[1]"),
        ];
        assert_eq!(found.len(), want.len(), "{found:#?}");
        for (got, (origin, line, field)) in found.iter().zip(want) {
            assert_eq!(got.0, "IST0150");
            assert_eq!(
                (got.1.as_str(), got.2, got.3.as_str(), got.4.as_str()),
                (origin, line, field, message)
            );
        }
    }
}
