use crate::analyze::proxyless::RUNTIME_ANNOTATION;
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::WorkloadKind;
use crate::source::FieldPath;

use super::scope::metadata_path;

declare_rule! {
    /// The `mesh.dev/grpc-runtime` annotation sits on a Deployment (or other controller) instead of its pod template.
    ///
    /// ## What it checks
    /// A Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or
    /// ReplicationController with proxyless gRPC pods whose own
    /// `metadata.annotations` carry `mesh.dev/grpc-runtime` while its pod
    /// template's annotations do not.
    ///
    /// ## Why it matters
    /// Like Istio's pod annotations, the runtime annotation is read from the
    /// pod (template) metadata, where it ends up on every pod. On the
    /// controller it is ignored: the workload is judged as `--grpc` says, so
    /// findings that depend on its gRPC language and release are missed or
    /// wrong.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: echo
    ///   annotations: {mesh.dev/grpc-runtime: go@1.66}   # ignored here
    /// spec:
    ///   template:
    ///     metadata:
    ///       annotations: {inject.istio.io/templates: grpc-agent}
    /// ```
    ///
    /// ## How to fix
    /// Move the annotation to `spec.template.metadata.annotations`.
    pub static RULE = { code: "GRPC078", name: "grpc-runtime-annotation-on-controller", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for workload in context.proxyless_workloads() {
        if workload.kind != WorkloadKind::PodTemplate
            || workload.annotations.contains_key(RUNTIME_ANNOTATION)
        {
            continue;
        }
        let object = index.object(workload.object);
        let Some(value) = object.meta.annotations.get(RUNTIME_ANNOTATION) else {
            continue;
        };
        findings
            .report(
                object,
                &FieldPath::root()
                    .field("metadata")
                    .field("annotations")
                    .field(RUNTIME_ANNOTATION),
                format!(
                    "{RUNTIME_ANNOTATION}: {value} is on the {} itself, where it is ignored: the proxyless pods of {}/{} are judged as --grpc {} instead; it belongs in {}.annotations",
                    object.kind(),
                    workload.namespace,
                    workload.name,
                    context.grpc,
                    metadata_path(object)
                ),
            )
            .help = Some(format!(
            "move {RUNTIME_ANNOTATION} to {}.annotations",
            metadata_path(object)
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "apiVersion: batch/v1
kind: CronJob
metadata:
  name: probe
  namespace: ns
  annotations: {mesh.dev/grpc-runtime: go@1.66}
spec:
  schedule: '* * * * *'
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {inject.istio.io/templates: grpc-agent TEMPLATE}
        spec:
          restartPolicy: Never
          containers: [{name: app, image: app}]
";

    #[test]
    fn cron_job_annotation_points_at_its_template() {
        let found = run_rule("GRPC078", "t.yaml", &BASE.replace(" TEMPLATE", ""));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .4
                .contains("it belongs in spec.jobTemplate.spec.template.metadata.annotations"),
            "{}",
            found[0].4
        );
        let both = BASE.replace(" TEMPLATE", ", mesh.dev/grpc-runtime: go@1.66");
        assert!(run_rule("GRPC078", "t.yaml", &both).is_empty());
    }
}
