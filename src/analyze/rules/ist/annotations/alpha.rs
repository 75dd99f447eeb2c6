use super::table::{is_alpha, is_istio_annotation};
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::{Object, Spec};
use crate::source::FieldPath;

declare_rule! {
    /// An Istio annotation belongs to an alpha-phase feature.
    ///
    /// ## What it checks
    /// Istio annotations whose feature Istio's annotation list marks alpha, in
    /// the metadata of Namespaces, Services, Pods and Deployments (istioctl's
    /// `annotations.AlphaAnalyzer`, IST0136). Like istioctl, this rule is not
    /// run by default: name it with `--select IST0136` (or its name). Not
    /// reported: the annotations Istio writes itself (`sidecar.istio.io/status`,
    /// `istio.io/rev`, `gateway.istio.io/controller-version`), and on a Pod
    /// without an `istio-init` init container (istio-cni sets them) the
    /// interception mode and inbound-port and outbound-range traffic annotations.
    ///
    /// ## Why it matters
    /// An alpha feature may change or go away between releases and may not be
    /// complete; production workloads should know which of them they rely on.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// metadata:
    ///   annotations:
    ///     networking.istio.io/exportTo: "."
    /// ```
    ///
    /// ## How to fix
    /// Keep the annotation if you accept the feature's alpha status, else use a stable alternative (for `exportTo`, a Sidecar or the mesh config's export defaults).
    pub static RULE = { code: "IST0136", name: "alpha-istio-annotation", level: Info, opt_in: true, check: check };
}

/// Kinds whose metadata istioctl looks at: (API group, kind).
const KINDS: [(&str, &str); 4] = [
    ("", "Namespace"),
    ("", "Service"),
    ("", "Pod"),
    ("apps", "Deployment"),
];

/// Written by Istio itself whatever the setup.
const ALWAYS_IGNORED: [&str; 3] = [
    "sidecar.istio.io/status",
    "gateway.istio.io/controller-version",
    "istio.io/rev",
];

/// Written by istio-cni on the pods it handles.
const CNI_WRITTEN: [&str; 4] = [
    "sidecar.istio.io/interceptionMode",
    "traffic.sidecar.istio.io/includeInboundPorts",
    "traffic.sidecar.istio.io/excludeInboundPorts",
    "traffic.sidecar.istio.io/includeOutboundIPRanges",
];

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        if !KINDS.contains(&(object.group(), object.kind())) {
            continue;
        }
        let cni = uses_cni(object);
        for key in object.meta.annotations.keys() {
            if !is_istio_annotation(key) || !is_alpha(key) || ALWAYS_IGNORED.contains(&key.as_str())
            {
                continue;
            }
            if cni && CNI_WRITTEN.contains(&key.as_str()) {
                continue;
            }
            findings.report(
                object,
                &FieldPath::root()
                    .field("metadata")
                    .field("annotations")
                    .field(key),
                format!(
                    "Annotation {key:?} is part of an alpha-phase feature and may be incompletely supported."
                ),
            );
        }
    }
}

/// A Pod without the `istio-init` init container: its traffic is redirected
/// by istio-cni, which writes the redirection annotations itself.
fn uses_cni(object: &Object) -> bool {
    let Spec::Pod(pod) = &object.spec else {
        return false;
    };
    !pod.spec
        .as_ref()
        .and_then(|spec| spec.init_containers.as_ref())
        .is_some_and(|init| init.iter().any(|c| c.name == "istio-init"))
}

#[cfg(test)]
mod tests {
    use super::super::{finding, run_rule};

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/workloads/alpha-istio-annotation.yaml");

    #[test]
    fn reports_alpha_annotations_when_selected() {
        let found = run_rule("IST0136", "annotations.yaml", FIXTURE);
        assert_eq!(
            found,
            [
                finding(
                    "IST0136",
                    "Service shop/web",
                    8,
                    "metadata.annotations[\"networking.istio.io/exportTo\"]",
                    "Annotation \"networking.istio.io/exportTo\" is part of an alpha-phase feature and may be incompletely supported.",
                ),
                finding(
                    "IST0136",
                    "Pod shop/init",
                    33,
                    "metadata.annotations[\"sidecar.istio.io/interceptionMode\"]",
                    "Annotation \"sidecar.istio.io/interceptionMode\" is part of an alpha-phase feature and may be incompletely supported.",
                ),
            ]
        );
    }

    #[test]
    fn does_not_run_by_default() {
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(
            "annotations.yaml",
            FIXTURE.to_string(),
        )]);
        let index = crate::index::Index::build(loaded.objects, Default::default());
        let found = crate::analyze::analyze(&index, &Default::default());
        assert!(found.iter().all(|d| d.code != "IST0136"), "{found:?}");
        let ignored = crate::analyze::analyze(
            &index,
            &crate::analyze::Selection {
                select: vec!["alpha-istio-annotation".into()],
                ignore: vec!["IST0136".into()],
            },
        );
        assert!(ignored.is_empty(), "{ignored:?}");
    }
}
