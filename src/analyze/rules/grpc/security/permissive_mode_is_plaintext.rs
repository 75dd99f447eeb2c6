use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::security::MutualTLSMode;
use crate::model::Spec;
use crate::source::FieldPath;

use super::scope::{listening_ports, port_tls};

declare_rule! {
    /// A PERMISSIVE PeerAuthentication gives proxyless gRPC servers a plaintext-only listener.
    ///
    /// ## What it checks
    /// A PeerAuthentication that sets `mtls.mode` (or a `portLevelMtls` entry)
    /// to `PERMISSIVE` explicitly, when that setting decides the mode of a
    /// proxyless gRPC server's port and the pod lacks the
    /// `security.istio.io/tlsMode: istio` label.
    ///
    /// ## Why it matters
    /// gRPC cannot serve TLS and plaintext on one port: its filter chain match
    /// only knows `transport_protocol: raw_buffer` (gRFC A36), so istiod turns
    /// PERMISSIVE into DISABLE for a proxyless server (Istio's proxyless gRPC
    /// blog: "no PERMISSIVE"). The server accepts plaintext only: clients that
    /// follow a DestinationRule `ISTIO_MUTUAL` fail, and callers are never
    /// authenticated, which is not what PERMISSIVE promises.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata: {name: default, namespace: echo-grpc}
    /// spec:
    ///   mtls: {mode: PERMISSIVE}
    /// ```
    ///
    /// ## How to fix
    /// Pick `STRICT` (with a DestinationRule `ISTIO_MUTUAL` for the clients) or
    /// `DISABLE` for proxyless servers, in a PeerAuthentication that selects
    /// them.
    pub static RULE = { code: "GRPC042", name: "permissive-mode-is-plaintext", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::PeerAuthentication(spec) = &object.spec else {
            continue;
        };
        let mut fields = Vec::new();
        if spec.mtls.as_ref().and_then(|m| m.mode) == Some(MutualTLSMode::Permissive) {
            fields.push(FieldPath::root().field("spec").field("mtls").field("mode"));
        }
        for (port, setting) in &spec.port_level_mtls {
            if setting.mode == Some(MutualTLSMode::Permissive) {
                fields.push(
                    FieldPath::root()
                        .field("spec")
                        .field("portLevelMtls")
                        .field(port)
                        .field("mode"),
                );
            }
        }
        if fields.is_empty() {
            continue;
        }
        let servers = context.proxyless_selected_by(object);
        for field in fields {
            let mut plaintext = Vec::new();
            let mut ports = Vec::new();
            for &server in &servers {
                for (port, _, _) in listening_ports(context, server) {
                    let tls = port_tls(context, server, port);
                    let decided = tls.policy.is_some_and(|p| std::ptr::eq(p, object))
                        && tls.field.as_ref() == Some(&field);
                    if decided && !tls.mtls {
                        if !plaintext.contains(&server) {
                            plaintext.push(server);
                        }
                        if !ports.contains(&port) {
                            ports.push(port);
                        }
                    }
                }
            }
            if plaintext.is_empty() {
                continue;
            }
            ports.sort();
            let ports: Vec<String> = ports.iter().map(u32::to_string).collect();
            findings
                .report(
                    object,
                    &field,
                    format!(
                        "PERMISSIVE is plaintext for proxyless gRPC servers {} (port {}): gRPC cannot accept TLS and plaintext on one port, so istiod gives them a plaintext-only listener; callers are never authenticated and clients sending ISTIO_MUTUAL fail",
                        context.workload_names(&plaintext),
                        ports.join(", ")
                    ),
                )
                .help = Some(
                "use STRICT (with a DestinationRule ISTIO_MUTUAL for the clients) or DISABLE for proxyless servers".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = concat!(
        crate::proxyless_echo_yaml!(),
        "---
"
    );

    #[test]
    fn overridden_mesh_permissive_is_silent_and_port_level_fires() {
        let text = format!(
            "{BASE}apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: mesh, namespace: istio-system}}\nspec: {{mtls: {{mode: PERMISSIVE}}}}\n---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: echo, namespace: echo-grpc}}\nspec:\n  selector: {{matchLabels: {{app: echo}}}}\n  mtls: {{mode: STRICT}}\n  portLevelMtls:\n    \"7070\": {{mode: PERMISSIVE}}\n"
        );
        let found = run_rule("GRPC042", "t.yaml", &text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "PeerAuthentication echo-grpc/echo");
        assert_eq!(found[0].3, "spec.portLevelMtls.7070.mode");
    }
}
