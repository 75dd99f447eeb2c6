use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

declare_rule! {
    /// A resource or CRD of the removed `rbac.istio.io` API.
    ///
    /// ## What it checks
    /// Objects of the `rbac.istio.io` API group (ServiceRole,
    /// ServiceRoleBinding, RbacConfig, ClusterRbacConfig) and
    /// CustomResourceDefinitions that define kinds of that group (istioctl's
    /// IST0002).
    ///
    /// ## Why it matters
    /// Istio removed the `rbac.istio.io` API in 1.6: istiod ignores these
    /// resources, so the access control they describe is not enforced.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.istio.io/v1alpha1
    /// kind: ServiceRole
    /// metadata: {name: reader}
    /// ```
    ///
    /// ## How to fix
    /// Rewrite the policy as `security.istio.io` AuthorizationPolicies and delete the old resources and CRDs.
    pub static RULE = { code: "IST0002", name: "removed-rbac-istio-io-kind", level: Warning, check: check };
}

const GROUP: &str = "rbac.istio.io";

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let (kind, path) = if object.group() == GROUP {
            (object.kind(), FieldPath::root().field("apiVersion"))
        } else if object.kind() == "CustomResourceDefinition"
            && object.group() == "apiextensions.k8s.io"
            && object
                .doc
                .raw
                .pointer("/spec/group")
                .and_then(|g| g.as_str())
                == Some(GROUP)
        {
            let kind = object
                .doc
                .raw
                .pointer("/spec/names/kind")
                .and_then(|k| k.as_str())
                .unwrap_or_default();
            (kind, FieldPath::root().field("spec").field("group"))
        } else {
            continue;
        };
        findings
            .report(
                object,
                &path,
                format!("Deprecated: Custom resource type {GROUP} {kind} is removed"),
            )
            .help = Some("use security.istio.io AuthorizationPolicy instead".to_string());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/removed-rbac-istio-io-kind.yaml"
    );

    #[test]
    fn reports_rbac_resources_and_crds() {
        assert_eq!(findings("removed-rbac-istio-io-kind", FIXTURE), [
                "IST0002 ServiceRole default/reader 3 apiVersion Deprecated: Custom resource type rbac.istio.io ServiceRole is removed",
                "IST0002 CustomResourceDefinition serviceroles.rbac.istio.io 16 spec.group Deprecated: Custom resource type rbac.istio.io ServiceRole is removed",
            ]);
    }
}
