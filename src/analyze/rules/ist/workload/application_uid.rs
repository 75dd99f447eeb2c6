use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::pod_template;
use crate::model::{Object, Spec};
use crate::source::FieldPath;

declare_rule! {
    /// A pod or container runs as user ID 1337, which is reserved for the sidecar proxy.
    ///
    /// ## What it checks
    /// `securityContext.runAsUser: 1337` on a Pod, a pod template, or one of
    /// their application containers (istioctl's IST0144). As istioctl does,
    /// it skips Istio's own workloads (an object labelled `istio`, or
    /// `release: istio`: istiod, the gateways), the `istio-proxy` and
    /// `istio-operator` containers, and init containers (running an
    /// application's init container as 1337 is Istio's advice for init
    /// containers that need the network).
    ///
    /// ## Why it matters
    /// Traffic from UID 1337 is exempt from the sidecar's redirection rules, so
    /// an application running as 1337 bypasses the mesh: no mTLS, no policy.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsUser: 1337
    /// ```
    ///
    /// ## How to fix
    /// Run the application under any other user ID.
    pub static RULE = { code: "IST0144", name: "application-uid-1337", level: Warning, check: check };
}

/// The UID the sidecar proxy runs as.
const PROXY_UID: i64 = 1337;

/// Containers of Istio's own that run as 1337 by design.
const ISTIO_CONTAINERS: [&str; 2] = ["istio-proxy", "istio-operator"];

/// istioctl's test for the control plane: the object's own labels.
fn is_istio_control_plane(object: &Object) -> bool {
    let labels = &object.meta.labels;
    labels.contains_key("istio") || labels.get("release").is_some_and(|r| r == "istio")
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        if is_istio_control_plane(object) {
            continue;
        }
        let (pod_spec, base) = match &object.spec {
            Spec::Pod(pod) => (pod.spec.as_ref(), FieldPath::root().field("spec")),
            spec => match pod_template(spec) {
                Some(template) => (template.spec.as_ref(), template_path(spec)),
                None => continue,
            },
        };
        let Some(pod_spec) = pod_spec else { continue };
        // One finding per workload, as istioctl reports it: the pod-level
        // setting first, else the first container that sets 1337.
        let pod_level = (pod_spec
            .security_context
            .as_ref()
            .and_then(|c| c.run_as_user)
            == Some(PROXY_UID))
        .then(|| base.field("securityContext").field("runAsUser"));
        let container_level = || {
            pod_spec
                .containers
                .iter()
                .enumerate()
                .find(|(_, c)| {
                    !ISTIO_CONTAINERS.contains(&c.name.as_str())
                        && c.security_context.as_ref().and_then(|s| s.run_as_user)
                            == Some(PROXY_UID)
                })
                .map(|(i, _)| {
                    base.field("containers")
                        .index(i)
                        .field("securityContext")
                        .field("runAsUser")
                })
        };
        if let Some(path) = pod_level.or_else(container_level) {
            findings.report(
                object,
                &path,
                "User ID (UID) 1337 is reserved for the sidecar proxy.",
            );
        }
    }
}

/// Where the pod spec sits in a controller: `spec.template.spec`, or
/// `spec.jobTemplate.spec.template.spec` for a CronJob.
pub(crate) fn template_path(spec: &Spec) -> FieldPath {
    let root = FieldPath::root().field("spec");
    match spec {
        Spec::CronJob(_) => root
            .field("jobTemplate")
            .field("spec")
            .field("template")
            .field("spec"),
        _ => root.field("template").field("spec"),
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::{finding, run_rule};

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/workloads/application-uid-1337.yaml");

    #[test]
    fn skips_istio_workloads_proxy_containers_and_init_containers() {
        assert_eq!(
            run_rule("application-uid-1337", "uid.yaml", FIXTURE),
            [finding(
                "IST0144",
                "Deployment shop/cart",
                167,
                "spec.template.spec.containers[1].securityContext.runAsUser",
                "User ID (UID) 1337 is reserved for the sidecar proxy.",
            )]
        );
    }
}
