use std::collections::HashMap;

use crate::analyze::proxyless::Clients;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::Workload;
use crate::model::networking::ClientTLSMode;
use crate::model::Object;
use crate::source::FieldPath;

use super::scope::{listening_ports, port_tls};

declare_rule! {
    /// Proxyless gRPC servers require mTLS, but their proxyless clients have no DestinationRule ISTIO_MUTUAL and send plaintext.
    ///
    /// ## What it checks
    /// A STRICT PeerAuthentication (`mtls.mode` or a `portLevelMtls` entry), or
    /// PERMISSIVE turned into STRICT by the `security.istio.io/tlsMode: istio`
    /// pod label, on proxyless gRPC servers behind a host that proxyless
    /// clients call without a DestinationRule whose `trafficPolicy.tls.mode`
    /// is `ISTIO_MUTUAL` (no DestinationRule sets TLS, or one sets another
    /// mode).
    ///
    /// ## Why it matters
    /// Proxyless gRPC has no auto-mTLS (Istio's proxyless gRPC blog, "Auto-mTLS
    /// isn't supported"): a client uses TLS only when its Cluster carries the
    /// `transport_socket` that istiod derives from a DestinationRule with
    /// `ISTIO_MUTUAL` (gRFC A29). Without one, clients send plaintext to a
    /// server whose Listener requires a client certificate, the handshake
    /// fails and every RPC fails with "all SubConns are in
    /// TransientFailure". This is the reverse of GRPC040: mTLS must be explicit
    /// on both sides.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata: {name: strict, namespace: echo-grpc}
    /// spec:
    ///   mtls: {mode: STRICT}
    /// # ...and no DestinationRule with tls.mode ISTIO_MUTUAL for echo
    /// ```
    ///
    /// ## How to fix
    /// Add a DestinationRule for the host with `trafficPolicy.tls.mode:
    /// ISTIO_MUTUAL`, visible to the clients, or relax the servers to
    /// `DISABLE`.
    pub static RULE = { code: "GRPC041", name: "strict-server-without-istio-mutual-clients", level: Error, check: check };
}

/// Where the STRICT comes from: a PeerAuthentication field, or the pod label
/// (reported on the Service port).
struct Finding<'a> {
    object: &'a Object,
    field: FieldPath,
    from_label: bool,
    host: String,
    servers: Vec<&'a Workload>,
    clients: Clients<'a>,
    client_modes: Vec<String>,
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let mut found: Vec<Finding<'_>> = Vec::new();
    // Where each (object, field, host) finding is in `found`.
    let mut slots: HashMap<(usize, FieldPath, String), usize> = HashMap::new();
    let mut by_host: HashMap<String, (Clients<'_>, Vec<String>)> = HashMap::new();
    for workload in context.proxyless_workloads() {
        for (port, service, port_index) in listening_ports(context, workload) {
            let tls = port_tls(context, workload, port);
            if !tls.mtls {
                continue;
            }
            let service_object = index.object(service.object);
            let (object, field, from_label) = match (tls.policy, &tls.field) {
                (Some(policy), Some(field)) if !tls.strict_from_label() => {
                    (policy, field.clone(), false)
                }
                _ => (
                    service_object,
                    FieldPath::root()
                        .field("spec")
                        .field("ports")
                        .index(port_index),
                    true,
                ),
            };
            // Every server behind the same Service has the same clients.
            let (clients, client_modes) = by_host
                .entry(service.host.clone())
                .or_insert_with(|| plaintext_clients(context, service_object, &service.host));
            if clients.is_empty() {
                continue;
            }
            let key = (
                std::ptr::from_ref::<Object>(object) as usize,
                field,
                service.host.clone(),
            );
            let slot = *slots.entry(key).or_insert_with_key(|(_, field, host)| {
                // The clients depend on the host alone, which is part of the key.
                found.push(Finding {
                    object,
                    field: field.clone(),
                    from_label,
                    host: host.clone(),
                    servers: Vec::new(),
                    // Already distinct, in index order.
                    clients: clients.clone(),
                    client_modes: client_modes.clone(),
                });
                found.len() - 1
            });
            let servers = &mut found[slot].servers;
            // A server's ports are all seen in one pass: a repeat is the last one.
            if servers
                .last()
                .is_none_or(|last| !std::ptr::eq(*last, workload))
            {
                servers.push(workload);
            }
        }
    }
    for finding in found {
        let source = if finding.from_label {
            "the security.istio.io/tlsMode=istio label turns PERMISSIVE into STRICT for".to_string()
        } else {
            "PeerAuthentication requires STRICT mTLS on".to_string()
        };
        let mut modes = finding.client_modes.clone();
        modes.sort();
        findings
            .report(
                finding.object,
                &finding.field,
                format!(
                    "{source} proxyless servers {} behind {}, but proxyless clients {} have no DestinationRule with tls.mode ISTIO_MUTUAL for it ({}): proxyless gRPC has no auto-mTLS, so they send plaintext and every RPC fails (\"all SubConns are in TransientFailure\")",
                    context.workload_names(&finding.servers),
                    finding.host,
                    context.workload_names(&finding.clients),
                    modes.join("; "),
                ),
            )
            .help = Some(format!(
            "add a DestinationRule for {} with trafficPolicy.tls.mode ISTIO_MUTUAL, or set the servers' mtls.mode to DISABLE",
            finding.host
        ));
    }
}

/// The proxyless clients of `host` that send it plaintext, and the
/// DestinationRule settings (or their absence) that make them.
fn plaintext_clients<'a>(
    context: &Context<'a>,
    service_object: &Object,
    host: &str,
) -> (Clients<'a>, Vec<String>) {
    let reached = context.proxyless_clients(service_object, host);
    // The DestinationRule a client uses depends on its namespace only:
    // decide once per run of a namespace, not per client.
    let host_tls = context.host_tls(host);
    let runs = context.namespace_runs(&reached);
    let mut plaintext_runs = Vec::new();
    // What makes them plaintext, each once in first-seen order: a
    // DestinationRule with another mode, or none.
    let mut deciders: Vec<Option<(&Object, ClientTLSMode)>> = Vec::new();
    for (namespace, range) in runs.iter() {
        let decider = host_tls.for_namespace(namespace);
        if matches!(decider, Some((_, ClientTLSMode::IstioMutual))) {
            continue;
        }
        plaintext_runs.push(range.clone());
        let identity = |d: &Option<(&Object, ClientTLSMode)>| {
            d.map(|(rule, mode)| (std::ptr::from_ref::<Object>(rule), mode))
        };
        if !deciders
            .iter()
            .any(|known| identity(known) == identity(&decider))
        {
            deciders.push(decider);
        }
    }
    let mut client_modes: Vec<String> = Vec::new();
    for decider in deciders {
        let mode = match decider {
            Some((rule, mode)) => format!(
                "DestinationRule {}/{} sets {}",
                rule.namespace_or("default"),
                rule.meta.name,
                client_mode_name(mode)
            ),
            None => "no DestinationRule sets tls".to_string(),
        };
        if !client_modes.contains(&mode) {
            client_modes.push(mode);
        }
    }
    let clients = if plaintext_runs.len() == runs.len() {
        // Usually all or none: share the list rather than copy it.
        reached
    } else {
        plaintext_runs
            .into_iter()
            .flat_map(|range| reached[range].iter().copied())
            .collect()
    };
    (clients, client_modes)
}

fn client_mode_name(mode: ClientTLSMode) -> String {
    serde_json::to_value(mode)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{mode:?}"))
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070, targetPort: grpc}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: echo, ports: [{name: grpc, containerPort: 8080}]}]
";

    fn with(extra: &str) -> String {
        format!("{BASE}---\n{extra}")
    }

    #[test]
    fn port_level_strict_on_the_named_target_port_fires_on_that_entry() {
        let found = run_rule(
            "GRPC041",
            "t.yaml",
            &with("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p, namespace: echo-grpc}\nspec:\n  selector: {matchLabels: {app: echo}}\n  mtls: {mode: DISABLE}\n  portLevelMtls:\n    \"8080\": {mode: STRICT}\n"),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].3, "spec.portLevelMtls.8080.mode");
        assert!(found[0].4.contains("no DestinationRule sets tls"));
    }

    #[test]
    fn port_level_on_another_port_does_not_count() {
        let found = run_rule(
            "GRPC041",
            "t.yaml",
            &with("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p, namespace: echo-grpc}\nspec:\n  selector: {matchLabels: {app: echo}}\n  mtls: {mode: DISABLE}\n  portLevelMtls:\n    \"7070\": {mode: STRICT}\n"),
        );
        assert_eq!(found, vec![]);
    }

    #[test]
    fn disable_destination_rule_is_named() {
        let found = run_rule(
            "GRPC041",
            "t.yaml",
            &with("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p, namespace: istio-system}\nspec: {mtls: {mode: STRICT}}\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: plain, namespace: echo-grpc}\nspec:\n  host: echo\n  trafficPolicy: {tls: {mode: DISABLE}}\n"),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "PeerAuthentication istio-system/p");
        assert!(
            found[0]
                .4
                .contains("(DestinationRule echo-grpc/plain sets DISABLE)"),
            "{}",
            found[0].4
        );
    }
}
