use super::sidecar_servers::{client_tls, decided_by, server_ports, sidecar_workloads};
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::networking::ClientTLSMode;
use crate::model::security::MutualTLSMode;
use crate::model::Object;
use crate::semantics::ServerMtls;
use crate::source::FieldPath;

declare_rule! {
    /// A DestinationRule's TLS mode contradicts the PeerAuthentication of the servers it reaches.
    ///
    /// ## What it checks
    /// For each port of a workload behind a Service that is not a proxyless
    /// gRPC server (GRPC040 and GRPC041 check those), and each namespace of
    /// the inputs that sees the Service: the DestinationRule its clients use
    /// (namespace order, `exportTo`, merging, port-level settings, subsets
    /// selecting the workload) against the workload's effective
    /// PeerAuthentication mode on the target port:
    /// - `tls.mode: ISTIO_MUTUAL` towards a DISABLE port;
    /// - `tls.mode: DISABLE` towards a STRICT port.
    ///
    /// Reported on the `tls.mode` field the clients' setting comes from.
    ///
    /// ## Why it matters
    /// The client sidecar follows the DestinationRule, not auto mTLS. A
    /// server sidecar in DISABLE mode has no TLS listener, so the mTLS
    /// handshake fails; one in STRICT mode refuses plaintext. Either way
    /// every request from those clients fails (`upstream connect error`,
    /// 503).
    ///
    /// ## Example
    /// ```yaml
    /// kind: DestinationRule
    /// spec:
    ///   host: reviews.shop.svc.cluster.local
    ///   trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
    /// ---
    /// kind: PeerAuthentication
    /// metadata: {namespace: shop}
    /// spec: {mtls: {mode: DISABLE}}
    /// ```
    ///
    /// ## How to fix
    /// Make both sides agree: drop the DestinationRule's `tls` (auto mTLS
    /// follows the server), or change the PeerAuthentication mode.
    pub static RULE = { code: "MESH109", name: "destination-rule-tls-contradicts-peer-authentication", level: Error, check: check };
}

/// One finding: a DestinationRule field and what it contradicts.
struct Contradiction<'a> {
    object: &'a Object,
    path: FieldPath,
    client_mode: ClientTLSMode,
    target: String,
    /// The first server's mode, and why.
    server_tls: ServerMtls<'a>,
    servers: Vec<String>,
    client_namespaces: Vec<&'a str>,
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let mut found: Vec<Contradiction<'_>> = Vec::new();
    for workload in sidecar_workloads(index) {
        for server in server_ports(index, workload) {
            for client in client_tls(index, &server) {
                let contradicts = matches!(
                    (client.mode, server.tls.mode),
                    (ClientTLSMode::IstioMutual, MutualTLSMode::Disable)
                        | (ClientTLSMode::Disable, MutualTLSMode::Strict)
                );
                if !contradicts {
                    continue;
                }
                let path = client.source.path.field("mode");
                let at = found
                    .iter()
                    .position(|c| std::ptr::eq(c.object, client.source.object) && c.path == path);
                let contradiction = match at {
                    Some(at) => &mut found[at],
                    None => {
                        found.push(Contradiction {
                            object: client.source.object,
                            path,
                            client_mode: client.mode,
                            target: format!("{}:{}", server.service.host, server.port),
                            server_tls: server.tls.clone(),
                            servers: Vec::new(),
                            client_namespaces: Vec::new(),
                        });
                        found.last_mut().expect("just pushed")
                    }
                };
                let name = format!("{}/{}", workload.namespace, workload.name);
                if !contradiction.servers.contains(&name) {
                    contradiction.servers.push(name);
                }
                if !contradiction.client_namespaces.contains(&client.namespace) {
                    contradiction.client_namespaces.push(client.namespace);
                }
            }
        }
    }
    for contradiction in found {
        let Contradiction {
            object,
            path,
            client_mode,
            target,
            server_tls,
            servers,
            client_namespaces,
        } = contradiction;
        let (sends, accepts, fails) = match client_mode {
            ClientTLSMode::IstioMutual => (
                "ISTIO_MUTUAL",
                "accept only plaintext",
                "the mTLS handshake fails",
            ),
            _ => (
                "plaintext (DISABLE)",
                "require mTLS",
                "plaintext is refused",
            ),
        };
        findings
            .report(
                object,
                &path,
                format!(
                    "DestinationRule sends {sends} to {target}, but its servers {} {accepts} ({}): {fails} for sidecar clients in {}",
                    servers.join(", "),
                    decided_by(&server_tls),
                    client_namespaces.join(", ")
                ),
            )
            .help = Some(
            "drop the DestinationRule's tls (auto mTLS follows the server), or change the PeerAuthentication mode".to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "destination-rule-tls-contradicts-peer-authentication";

    #[test]
    fn reports_both_contradictions() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [
                finding(
                    "MESH109",
                    "DestinationRule shop/reviews",
                    33,
                    "spec.trafficPolicy.tls.mode",
                    "DestinationRule sends ISTIO_MUTUAL to reviews.shop.svc.cluster.local:9080, but its servers shop/reviews accept only plaintext (PeerAuthentication shop/off sets DISABLE): the mTLS handshake fails for sidecar clients in front, shop",
                ),
                finding(
                    "MESH109",
                    "DestinationRule shop/ratings",
                    62,
                    "spec.subsets[0].trafficPolicy.tls.mode",
                    "DestinationRule sends plaintext (DISABLE) to ratings.shop.svc.cluster.local:9080, but its servers shop/ratings-v1 require mTLS (PeerAuthentication shop/ratings-strict sets STRICT): plaintext is refused for sidecar clients in front, shop",
                ),
            ]
        );
    }

    #[test]
    fn silent_when_modes_agree_or_servers_are_proxyless() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
