use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::Feature;
use crate::semantics::persistent_session::{COOKIE_LABEL, HEADER_LABEL};
use crate::source::FieldPath;

use super::scope;

declare_rule! {
    /// A Service carries a persistent-session label, whose stateful-session filter gRPC clients reject (NACK).
    ///
    /// ## What it checks
    /// A Kubernetes Service labelled `istio.io/persistent-session` (cookie) or
    /// `istio.io/persistent-session-header` (header) that proxyless gRPC
    /// clients can see. The cookie form counts only for clients whose gRPC
    /// lacks stateful session affinity (gRFCs A55/A60: C-core from 1.61;
    /// Java, Go and Node never); the header form counts for every client.
    ///
    /// ## Why it matters
    /// With `PILOT_ENABLE_PERSISTENT_SESSION_FILTER=true` (istiod 1.22:
    /// whatever the flag says), istiod puts an
    /// `envoy.filters.http.stateful_session` filter in the client listener and
    /// route. grpc-go and grpc-java have no such filter, and no gRPC has the
    /// header-based session state: the unknown, non-optional filter makes them
    /// NACK the listener and route configuration, so the clients keep their
    /// last good config or never get one. Independently of that flag, istiod's
    /// gRPC cluster builder dereferences a nil `CommonLbConfig` for these
    /// Services and panics when the default cluster is requested.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: echo
    ///   namespace: echo-grpc
    ///   labels: {istio.io/persistent-session-header: x-session}
    /// spec:
    ///   selector: {app: echo}
    ///   ports: [{name: grpc, port: 7070}]
    /// ```
    ///
    /// ## How to fix
    /// Remove the label from Services that proxyless clients call; for
    /// affinity use a DestinationRule `consistentHash.httpHeaderName`.
    pub static RULE = { code: "GRPC038", name: "persistent-session-rejected", level: Error, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let release = context.index.istio_release;
    let when = if release.session_filter_needs_flag() {
        "with PILOT_ENABLE_PERSISTENT_SESSION_FILTER on".to_string()
    } else {
        format!("as istiod {release} sends the filter whatever PILOT_ENABLE_PERSISTENT_SESSION_FILTER says")
    };
    for service in scope::kubernetes_services(context) {
        if service.clients.is_empty() {
            continue;
        }
        let labels = &service.object.meta.labels;
        let labels_path = FieldPath::root().field("metadata").field("labels");
        if labels.get(HEADER_LABEL).is_some_and(|v| !v.is_empty()) {
            findings
                .report(
                    service.object,
                    &labels_path.field(HEADER_LABEL),
                    format!(
                        "header-based persistent sessions are rejected (NACK) by every gRPC runtime: {when}, the listener and routes for {} are refused, leaving proxyless clients {} on their last good config (and istiod's gRPC cluster builder panics on this Service)",
                        service.host,
                        context.workload_names(&service.clients)
                    ),
                )
                .help = Some(
                "remove the label; use DestinationRule consistentHash.httpHeaderName for affinity".into(),
            );
        }
        if labels.get(COOKIE_LABEL).is_some_and(|v| !v.is_empty()) {
            let Some(impact) = context.feature_gaps(&service.clients, Feature::StatefulSession)
            else {
                continue;
            };
            findings
                .report(
                    service.object,
                    &labels_path.field(COOKIE_LABEL),
                    format!(
                        "cookie-based persistent sessions (gRFC A55) are {}: {when}, the listener and routes for {} are refused (and istiod's gRPC cluster builder panics on this Service); {}",
                        impact.runtimes(),
                        service.host,
                        impact.affects(context, "clients")
                    ),
                )
                .help = Some(
                "remove the label, or run gRPC C-core 1.61+ on every client; use consistentHash.httpHeaderName for affinity".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::{run_rule, run_rule_with};

    const BASE: &str = "
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ns, labels: {LABEL}}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ns, annotations: {inject.istio.io/templates: grpc-agent, mesh.dev/grpc-runtime: RUNTIME}}
spec:
  containers: [{name: app, image: app}]
";

    #[test]
    fn cookie_per_runtime_header_everywhere() {
        for (label, runtime, fires) in [
            ("istio.io/persistent-session: sid", "cpp@1.61", false),
            ("istio.io/persistent-session: sid", "cpp@1.60", true),
            ("istio.io/persistent-session: sid", "go", true),
            (
                "istio.io/persistent-session-header: x-session",
                "cpp@1.70",
                true,
            ),
            ("app: echo", "go", false),
        ] {
            let yaml = BASE.replace("LABEL", label).replace("RUNTIME", runtime);
            let found = run_rule("GRPC038", "t.yaml", &yaml);
            assert_eq!(
                found.len(),
                usize::from(fires),
                "{label} {runtime}: {found:?}"
            );
        }
    }

    #[test]
    fn istiod_1_22_sends_the_filter_whatever_the_flag_says() {
        let yaml = BASE
            .replace("LABEL", "istio.io/persistent-session: sid")
            .replace("RUNTIME", "go");
        let old = run_rule_with("GRPC038", "1.22", &yaml);
        assert!(
            old[0].4.contains(": as istiod 1.22 sends the filter whatever PILOT_ENABLE_PERSISTENT_SESSION_FILTER says, the listener and routes for echo.ns.svc.cluster.local are refused"),
            "{old:?}"
        );
        let new = run_rule_with("GRPC038", "1.23", &yaml);
        assert!(
            new[0]
                .4
                .contains(": with PILOT_ENABLE_PERSISTENT_SESSION_FILTER on, the listener"),
            "{new:?}"
        );
    }
}
