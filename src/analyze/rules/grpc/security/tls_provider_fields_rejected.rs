use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::xds::client::acceptance;
use crate::xds::names::SERVER_LISTENER_PREFIX;
use crate::xds::render::RenderOptions;

declare_rule! {
    /// grpc-java 1.73–1.76 rejects the TLS settings istiod 1.28 and older send (NACK of mTLS clusters and server listeners).
    ///
    /// ## What it checks
    /// Proxyless workloads running grpc-java 1.73.0 to 1.76.x (`--grpc
    /// java@1.74`, or the `mesh.dev/grpc-runtime` annotation) that receive a
    /// TLS context naming the certificate provider only in the deprecated
    /// fields: clusters of ISTIO_MUTUAL DestinationRules, and server
    /// listeners under STRICT mTLS. That is what istiod sends up to 1.28
    /// (`--istio`).
    ///
    /// ## Why it matters
    /// Up to 1.28 istiod's `buildCommonTLSContext` fills only the deprecated
    /// `tls_certificate_certificate_provider_instance` and
    /// `validation_context_certificate_provider_instance`. grpc-java 1.73.0
    /// stopped reading them (grpc-java `65d0bb8a4d`) until 1.77.0 (#12508,
    /// `53cd1a2256`), so it refuses the cluster ("ca_certificate_provider_instance
    /// or system_root_certs is required in upstream-tls-context") and the
    /// server listener ("tls_certificate_provider_instance is required in
    /// downstream-tls-context"): RPCs fail UNAVAILABLE and the server does not
    /// serve. Istio 1.29 (istio/istio#58257, commit `57cbeb15b07`) sends the
    /// current fields too. grpc-go, C-core and other grpc-java releases fall
    /// back to the deprecated fields.
    ///
    /// ## Example
    /// ```yaml
    /// # mesh analyze --istio 1.28 --grpc java@1.74
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: echo, namespace: echo-grpc}
    /// spec:
    ///   host: echo.echo-grpc.svc.cluster.local
    ///   trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
    /// ```
    ///
    /// ## How to fix
    /// Upgrade istiod to 1.29 or grpc-java to 1.77 (or stay on 1.72).
    pub static RULE = { code: "GRPC081", name: "tls-provider-fields-rejected", level: Error, check: check };
}

/// The grpc-java releases that read only the current fields: from 1.73.0
/// up to (not including) 1.77.0.
fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for workload in context.proxyless_workloads() {
        let runtime = context.runtime_of(workload);
        // Rendering a workload's whole config is costly: only for runtimes
        // the model has anything to say about.
        if !acceptance::reads_only_current_tls_fields(runtime)
            || workload.object >= index.objects.len()
        {
            continue;
        }
        let proxy = crate::xds::Proxy::for_workload(index, workload);
        let Ok(resources) = crate::xds::render(index, &proxy, &RenderOptions::default()) else {
            continue;
        };
        let refuses =
            |verdicts: Vec<acceptance::FieldVerdict>| verdicts.iter().any(|v| v.rule == "GRPC081");
        let clusters: Vec<&str> = resources
            .clusters
            .iter()
            .filter(|c| refuses(acceptance::cluster_fields(c, runtime)))
            .map(|c| c.name.as_str())
            .collect();
        let listeners: Vec<&str> = resources
            .listeners
            .iter()
            .filter(|l| l.name.starts_with(SERVER_LISTENER_PREFIX))
            .filter(|l| refuses(acceptance::server_listener_fields(l, runtime)))
            .map(|l| l.name.as_str())
            .collect();
        let mut refused = Vec::new();
        if !clusters.is_empty() {
            refused.push(format!(
                "the clusters {} (\"ca_certificate_provider_instance or system_root_certs is required in upstream-tls-context\")",
                clusters.join(", ")
            ));
        }
        if !listeners.is_empty() {
            refused.push(format!(
                "the server listeners {} (\"tls_certificate_provider_instance is required in downstream-tls-context\")",
                listeners.join(", ")
            ));
        }
        if refused.is_empty() {
            continue;
        }
        let object = index.object(workload.object);
        findings
            .report(
                object,
                &crate::semantics::workload::pod_metadata_path(object),
                format!(
                    "{}/{} runs {runtime}, which reads only the current TLS certificate-provider fields; istiod {} sends only the deprecated ones, so it refuses (NACK) {}",
                    workload.namespace,
                    workload.name,
                    index.istio_release,
                    refused.join(" and ")
                ),
            )
            .help = Some("upgrade istiod to 1.29 or grpc-java to 1.77".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule_with;

    const CONFIG: &str = concat!(
        crate::proxyless_echo_yaml!(),
        "---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: echo-grpc}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata:
      labels: {app: client}
      annotations: {inject.istio.io/templates: grpc-agent, mesh.dev/grpc-runtime: RUNTIME}
    spec:
      containers: [{name: app, image: client}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: echo-grpc}
spec:
  host: echo.echo-grpc.svc.cluster.local
  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
"
    );

    #[test]
    fn java_1_73_to_1_76_refuses_what_istiod_1_28_sends() {
        let java = CONFIG.replace("RUNTIME", "java@1.74");
        let found = run_rule_with("GRPC081", "1.28", &java);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].4.starts_with("echo-grpc/client runs java@1.74, which reads only the current TLS certificate-provider fields; istiod 1.28 sends only the deprecated ones, so it refuses (NACK) the clusters outbound|7070||echo.echo-grpc.svc.cluster.local"),
            "{}",
            found[0].4
        );
        assert!(run_rule_with("GRPC081", "1.29", &java).is_empty());
        for other in ["java@1.72", "java@1.77", "go@1.74"] {
            let config = CONFIG.replace("RUNTIME", other);
            assert!(
                run_rule_with("GRPC081", "1.28", &config).is_empty(),
                "{other}"
            );
        }
    }
}
