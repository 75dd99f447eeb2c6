use std::collections::BTreeMap;

use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::Workload;
use crate::model::Object;
use crate::source::FieldPath;

use super::scope::label_path;

/// The label sending a namespace's, service's or pod's traffic through a waypoint.
const USE_WAYPOINT: &str = "istio.io/use-waypoint";

declare_rule! {
    /// A waypoint is attached to proxyless gRPC workloads or the services they serve.
    ///
    /// ## What it checks
    /// The `istio.io/use-waypoint` label (any value but `none`) on a
    /// proxyless gRPC pod or pod template, on a Service whose endpoints
    /// include proxyless gRPC servers, or on a Namespace holding proxyless
    /// gRPC workloads.
    ///
    /// ## Why it matters
    /// A waypoint receives traffic over HBONE and forwards it over HBONE.
    /// Proxyless gRPC has no HBONE: istiod never builds tunnels for proxyless
    /// nodes (`supportTunnel` is false), and Istio's test suite excludes
    /// waypoints from proxyless reachability. Proxyless clients keep calling
    /// endpoints directly, bypassing the waypoint and its policies, and the
    /// waypoint's HBONE connections to proxyless servers fail.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: echo
    ///   labels: {istio.io/use-waypoint: waypoint}
    /// spec:
    ///   selector: {app: echo}   # proxyless gRPC pods
    /// ```
    ///
    /// ## How to fix
    /// Remove `istio.io/use-waypoint` from proxyless workloads and their
    /// Services (or set it to `none`), and apply L7 policy with
    /// AuthorizationPolicies that select the proxyless servers.
    pub static RULE = { code: "GRPC073", name: "waypoint-for-proxyless-workload", level: Error, check: check };
}

fn waypoint(labels: &BTreeMap<String, String>) -> Option<&str> {
    labels
        .get(USE_WAYPOINT)
        .map(String::as_str)
        .filter(|w| *w != "none" && !w.is_empty())
}

const WHY: &str = "proxyless gRPC has no HBONE: proxyless clients bypass the waypoint and its policies, and the waypoint's HBONE connections to proxyless servers fail";

fn report(
    findings: &mut Findings,
    object: &Object,
    path: FieldPath,
    subject: String,
    waypoint: &str,
) {
    findings
        .report(
            object,
            &path,
            format!("{subject} uses waypoint {waypoint:?}, but {WHY}"),
        )
        .help = Some(
        "remove istio.io/use-waypoint (or set it to none) for proxyless gRPC workloads".into(),
    );
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let mut by_namespace: BTreeMap<&str, Vec<&Workload>> = BTreeMap::new();
    for workload in context.proxyless_workloads() {
        let object = index.object(workload.object);
        if let Some(name) = waypoint(&workload.labels) {
            report(
                findings,
                object,
                label_path(object, USE_WAYPOINT),
                format!(
                    "proxyless gRPC workload {}/{}",
                    workload.namespace, workload.name
                ),
                name,
            );
            continue;
        }
        if workload.labels.contains_key(USE_WAYPOINT) {
            continue;
        }
        by_namespace
            .entry(workload.namespace.as_str())
            .or_default()
            .push(workload);
    }
    let mut reported_services = Vec::new();
    for service in index.all_services() {
        let object = index.object(service.object);
        let Some(name) = waypoint(&object.meta.labels) else {
            continue;
        };
        if reported_services.contains(&service.object) {
            continue;
        }
        let servers = context.proxyless_servers(&service.host);
        if servers.is_empty() {
            continue;
        }
        reported_services.push(service.object);
        report(
            findings,
            object,
            FieldPath::root()
                .field("metadata")
                .field("labels")
                .field(USE_WAYPOINT),
            format!(
                "{} {} (served by proxyless gRPC servers {})",
                object.kind(),
                service.host,
                context.workload_names(&servers)
            ),
            name,
        );
    }
    for (namespace, workloads) in by_namespace {
        let Some(info) = index.namespace(namespace) else {
            continue;
        };
        let (Some(id), Some(name)) = (info.object, waypoint(&info.labels)) else {
            continue;
        };
        report(
            findings,
            index.object(id),
            FieldPath::root()
                .field("metadata")
                .field("labels")
                .field(USE_WAYPOINT),
            format!(
                "namespace {namespace} (holding proxyless gRPC workloads {})",
                context.workload_names(&workloads)
            ),
            name,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    const BASE: &str = "apiVersion: v1
kind: Service
metadata:
  name: echo
  namespace: ns
  labels: {istio.io/use-waypoint: WAYPOINT}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: ns}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: app}]
";

    #[test]
    fn service_with_proxyless_servers() {
        let found = run_rule("GRPC073", "t.yaml", &BASE.replace("WAYPOINT", "waypoint"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "Service ns/echo");
        assert!(found[0]
            .4
            .contains("served by proxyless gRPC servers ns/echo"));
        assert!(run_rule("GRPC073", "t.yaml", &BASE.replace("WAYPOINT", "none")).is_empty());
        let other = BASE.replace("WAYPOINT", "waypoint").replace(
            "selector: {app: echo}\n  ports",
            "selector: {app: web}\n  ports",
        );
        assert!(run_rule("GRPC073", "t.yaml", &other).is_empty());
    }
}
