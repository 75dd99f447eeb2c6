use crate::analyze::proxyless::RUNTIME_ANNOTATION;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::{Language, Runtime};

use super::scope::annotation_path;

declare_rule! {
    /// The `mesh.dev/grpc-runtime` annotation of a proxyless workload does not name a gRPC runtime.
    ///
    /// ## What it checks
    /// A proxyless gRPC pod or pod template whose `mesh.dev/grpc-runtime`
    /// annotation is not `any`, a language (`go`), or a language at a release
    /// (`go@1.66`, `cpp@1.62.1`), with the language one of cpp, python, ruby,
    /// php, java, go or node.
    ///
    /// ## Why it matters
    /// The annotation tells `mesh` which gRPC library and release the workload
    /// runs, so the GRPC rules can say which fields that runtime honours,
    /// ignores or rejects (NACK) per gRPC's xDS feature matrix
    /// (`grpc/grpc: doc/grpc_xds_features.md`). An unreadable value is
    /// dropped: the workload is then judged as `--grpc` says, and findings
    /// that depend on its real release are missed or wrong.
    ///
    /// ## Example
    /// ```yaml
    /// template:
    ///   metadata:
    ///     annotations:
    ///       inject.istio.io/templates: grpc-agent
    ///       mesh.dev/grpc-runtime: golang-1.66   # not LANGUAGE@VERSION
    /// ```
    ///
    /// ## How to fix
    /// Write the runtime as `LANGUAGE@MAJOR.MINOR[.PATCH]` (for example `go@1.66`
    /// or `java@1.73.0`), a bare language, or `any`.
    pub static RULE = { code: "GRPC060", name: "invalid-grpc-runtime-annotation", level: Error, check: check };
}

/// "cpp, python, ruby, php, java, go, node".
fn languages() -> String {
    Language::ALL
        .iter()
        .map(|l| l.key())
        .collect::<Vec<_>>()
        .join(", ")
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for workload in context.proxyless_workloads() {
        let Some(text) = workload.annotations.get(RUNTIME_ANNOTATION) else {
            continue;
        };
        if text.parse::<Runtime>().is_ok() {
            continue;
        }
        let object = index.object(workload.object);
        findings
            .report(
                object,
                &annotation_path(object, RUNTIME_ANNOTATION),
                format!(
                    "{RUNTIME_ANNOTATION} of proxyless workload {}/{} is {text:?}, not a gRPC runtime: expected LANGUAGE@MAJOR.MINOR[.PATCH] (e.g. go@1.66), a bare LANGUAGE, or any, with LANGUAGE one of {}; the workload is judged as --grpc {} instead",
                    workload.namespace,
                    workload.name,
                    languages(),
                    context.grpc
                ),
            )
            .help = Some(format!(
            "set {RUNTIME_ANNOTATION} to e.g. go@1.66, java@1.73.0 or cpp@1.62 (languages: {})",
            languages()
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    fn deployment(value: &str) -> String {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata: {{name: app, namespace: ns}}
spec:
  selector: {{matchLabels: {{app: app}}}}
  template:
    metadata:
      labels: {{app: app}}
      annotations:
        inject.istio.io/templates: grpc-agent
        mesh.dev/grpc-runtime: {value}
    spec:
      containers: [{{name: app, image: app}}]
"
        )
    }

    #[test]
    fn unreadable_values_are_reported_at_the_annotation() {
        for value in ["golang-1.66", "rust@1.0", "go@one", "go@1.2.3.4", "\"\""] {
            let found = run_rule("GRPC060", "t.yaml", &deployment(value));
            assert_eq!(found.len(), 1, "{value}: {found:?}");
            assert_eq!(found[0].2, 11, "{value}");
            assert_eq!(
                found[0].3,
                "spec.template.metadata.annotations[\"mesh.dev/grpc-runtime\"]"
            );
            assert!(found[0]
                .4
                .contains("cpp, python, ruby, php, java, go, node"));
        }
    }

    #[test]
    fn readable_values_and_non_proxyless_pods_are_silent() {
        for value in ["go@1.66", "any", "java", "cpp@1.62.1", "v1.0", "Go@1.40"] {
            let found = run_rule("GRPC060", "t.yaml", &deployment(value));
            if value == "v1.0" {
                assert_eq!(found.len(), 1, "{value}");
            } else {
                assert!(found.is_empty(), "{value}: {found:?}");
            }
        }
        let plain = deployment("rust").replace("inject.istio.io/templates: grpc-agent", "a: b");
        assert!(run_rule("GRPC060", "t.yaml", &plain).is_empty());
    }
}
