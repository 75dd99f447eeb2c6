use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::{Feature, Gap};
use crate::index::Workload;
use crate::model::Object;
use crate::source::FieldPath;

use super::scope::{gaps_text, known_runtime_gaps, listening_ports, port_tls};

declare_rule! {
    /// STRICT mTLS selects proxyless gRPC servers whose runtime has no xDS security, so they serve plaintext.
    ///
    /// ## What it checks
    /// A PeerAuthentication that makes a port of a proxyless gRPC server
    /// STRICT (or PERMISSIVE with the `security.istio.io/tlsMode: istio`
    /// label, reported on the Service port) when the server's runtime (from
    /// `--grpc` or the `mesh.dev/grpc-runtime` annotation) lacks xDS security
    /// (gRFC A29): gRPC Node (no xDS server at all), Ruby and PHP, and C++,
    /// Python, Java and Go before 1.41. With `--grpc any` the rule stays
    /// silent: it assumes a current C++, Java or Go release.
    ///
    /// ## Why it matters
    /// A server without A29 ignores the `DownstreamTlsContext` of its
    /// Listener and serves plaintext. Clients that follow a DestinationRule
    /// `ISTIO_MUTUAL` fail every RPC, and callers are never authenticated.
    ///
    /// ## Example
    /// ```yaml
    /// # server pod template annotated mesh.dev/grpc-runtime: go@1.40
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata: {name: strict, namespace: echo-grpc}
    /// spec:
    ///   mtls: {mode: STRICT}
    /// ```
    ///
    /// ## How to fix
    /// Upgrade the servers to a gRPC release with xDS security (C++, Python,
    /// Java, Go 1.41 or later), or set their mode to DISABLE.
    pub static RULE = { code: "GRPC056", name: "strict-mtls-on-runtime-without-security", level: Error, check: check };
}

struct Finding<'a> {
    object: &'a Object,
    field: FieldPath,
    servers: Vec<&'a Workload>,
    gaps: Vec<Gap>,
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let mut found: Vec<Finding<'_>> = Vec::new();
    for workload in context.proxyless_workloads() {
        let Some((_, gaps)) = known_runtime_gaps(context, &[workload], Feature::Security) else {
            continue;
        };
        // The ports whose rendered listener the model refuses for its TLS.
        let refused: Vec<u32> = context
            .server_model_says(workload, "GRPC056")
            .into_iter()
            .map(|(port, _)| port)
            .collect();
        for (port, service, port_index) in listening_ports(context, workload) {
            let tls = port_tls(context, workload, port);
            if !tls.mtls || !refused.contains(&port) {
                continue;
            }
            let (object, field) = match (tls.policy, &tls.field) {
                (Some(policy), Some(field)) if !tls.strict_from_label() => (policy, field.clone()),
                _ => (
                    index.object(service.object),
                    FieldPath::root()
                        .field("spec")
                        .field("ports")
                        .index(port_index),
                ),
            };
            let position = found
                .iter()
                .position(|f| std::ptr::eq(f.object, object) && f.field == field);
            let entry = match position {
                Some(i) => &mut found[i],
                None => {
                    found.push(Finding {
                        object,
                        field,
                        servers: Vec::new(),
                        gaps: Vec::new(),
                    });
                    let last = found.len() - 1;
                    &mut found[last]
                }
            };
            if !entry.servers.contains(&workload) {
                entry.servers.push(workload);
            }
            entry.gaps.extend(gaps.iter().cloned());
        }
    }
    for mut finding in found {
        finding.gaps.sort();
        finding.gaps.dedup();
        findings
            .report(
                finding.object,
                &finding.field,
                format!(
                    "STRICT mTLS is {} (no xDS security, gRFC A29): proxyless servers {} serve plaintext, so clients sending ISTIO_MUTUAL fail every RPC and callers are never authenticated",
                    gaps_text(Feature::Security, &finding.gaps),
                    context.workload_names(&finding.servers)
                ),
            )
            .help = Some(
            "upgrade the servers to gRPC 1.41+ in C++, Python, Java or Go, or set their mode to DISABLE".into(),
        );
    }
}
