//! Which objects `mesh` checks against a schema it knows, and why the others
//! are not checked: a run must never look green about what it never read.

use super::kinds::{find_kind, KINDS};
use super::{split_api_version, Object};

/// Why an object was read but not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unchecked {
    /// No kind of that name in its API group that `mesh` knows of.
    UnknownKind,
    /// A kind `mesh` knows, at an apiVersion it does not.
    UnknownVersion,
    /// A real kind (Kubernetes, Istio, Gateway API) that `mesh` has no model of.
    NotModelled,
}

impl Unchecked {
    pub fn as_str(self) -> &'static str {
        match self {
            Unchecked::UnknownKind => "unknown kind",
            Unchecked::UnknownVersion => "unknown version",
            Unchecked::NotModelled => "kind not modelled by mesh",
        }
    }
}

/// API groups whose kinds are real but not modelled: Kubernetes' own groups,
/// the Gateway API, and Istio's installation and retired groups.
fn is_known_unmodelled_group(group: &str) -> bool {
    is_kubernetes_group(group)
        || matches!(
            group,
            "gateway.networking.k8s.io"
                | "gateway.networking.x-k8s.io"
                | "install.istio.io"
                | "config.istio.io"
                | "rbac.istio.io"
                | "authentication.istio.io"
        )
}

/// Kubernetes' own API groups, where kinds moved between groups over time
/// (`extensions/v1beta1` Deployments are `apps/v1` now).
fn is_kubernetes_group(group: &str) -> bool {
    matches!(
        group,
        "" | "apps"
            | "batch"
            | "extensions"
            | "policy"
            | "autoscaling"
            | "networking.k8s.io"
            | "rbac.authorization.k8s.io"
            | "admissionregistration.k8s.io"
            | "apiextensions.k8s.io"
            | "apiregistration.k8s.io"
            | "storage.k8s.io"
            | "scheduling.k8s.io"
            | "coordination.k8s.io"
            | "certificates.k8s.io"
            | "discovery.k8s.io"
            | "node.k8s.io"
            | "resource.k8s.io"
    )
}

/// The groups of Istio's configuration kinds: an unknown kind or version
/// here is most likely a typo, worth a Warning with a suggestion.
pub fn is_istio_config_group(group: &str) -> bool {
    matches!(
        group,
        "networking.istio.io" | "security.istio.io" | "telemetry.istio.io" | "extensions.istio.io"
    )
}

/// `None` when the object was checked against its kind's schema.
pub fn unchecked(object: &Object) -> Option<Unchecked> {
    if object.kind_info.is_some() {
        return None;
    }
    let (group, version) = split_api_version(&object.doc.api_version);
    Some(classify(group, version, object.kind()))
}

fn classify(group: &str, version: &str, kind: &str) -> Unchecked {
    debug_assert!(find_kind(group, version, kind).is_none());
    let known_versions = versions_of(group, kind);
    let moved_kubernetes_kind = is_kubernetes_group(group)
        && KINDS
            .iter()
            .any(|info| info.kind == kind && is_kubernetes_group(info.group));
    if known_versions.is_some_and(|versions| !versions.contains(&version)) || moved_kubernetes_kind
    {
        Unchecked::UnknownVersion
    } else if known_versions.is_some() || is_known_unmodelled_group(group) {
        Unchecked::NotModelled
    } else {
        Unchecked::UnknownKind
    }
}

/// The versions of a kind `mesh` checks, newest first.
fn versions_of(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    KINDS
        .iter()
        .find(|info| info.group == group && info.kind == kind)
        .map(|info| info.versions)
}

/// Every Istio configuration kind `mesh` knows: group, kind, versions.
fn istio_kinds() -> impl Iterator<Item = (&'static str, &'static str, &'static [&'static str])> {
    KINDS
        .iter()
        .filter(|info| is_istio_config_group(info.group))
        .map(|info| (info.group, info.kind, info.versions))
}

/// What is wrong with the apiVersion or kind of an object in one of Istio's
/// configuration groups that `mesh` does not know, and what was probably
/// meant: `(field, message)`, the field being `kind` or `apiVersion`.
pub fn istio_typo(object: &Object) -> Option<(&'static str, String)> {
    if object.kind_info.is_some() {
        return None;
    }
    let (group, version) = split_api_version(&object.doc.api_version);
    if !is_istio_config_group(group) {
        return None;
    }
    let kind = object.kind();
    if let Some(versions) = versions_of(group, kind) {
        if versions.contains(&version) {
            return None;
        }
        return Some((
            "apiVersion",
            format!(
                "{group}/{version} is not a version of {kind} (known: {}); did you mean apiVersion: {group}/{}?",
                versions.join(", "),
                versions[0]
            ),
        ));
    }
    // The kind exists in another Istio group: a wrong group, not a typo.
    if let Some((right_group, _, versions)) = istio_kinds().find(|(_, k, _)| *k == kind) {
        return Some((
            "apiVersion",
            format!(
                "{kind} is not a kind of {group}; it belongs to {right_group}: did you mean apiVersion: {right_group}/{}?",
                versions[0]
            ),
        ));
    }
    let names: Vec<&str> = istio_kinds().map(|(_, k, _)| k).collect();
    let message = match crate::diagnostic::closest(kind, &names) {
        Some(meant) => {
            let (meant_group, _, versions) = istio_kinds()
                .find(|(_, k, _)| *k == meant)
                .expect("the suggestion is one of the kinds");
            let api_version = if meant_group == group {
                String::new()
            } else {
                format!(" with apiVersion: {meant_group}/{}", versions[0])
            };
            format!("{kind} is not a kind of {group}; did you mean {meant}{api_version}?")
        }
        None => format!("{kind} is not a kind of {group} that mesh knows, so it was not checked"),
    };
    Some(("kind", message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_is_told_apart() {
        assert_eq!(
            classify("networking.istio.io", "v9", "VirtualService"),
            Unchecked::UnknownVersion
        );
        assert_eq!(
            classify("extensions", "v1beta1", "Deployment"),
            Unchecked::UnknownVersion
        );
        assert_eq!(
            classify("coordination.k8s.io", "v1", "Lease"),
            Unchecked::NotModelled
        );
        assert_eq!(
            classify("telemetry.istio.io", "v2", "Telemetry"),
            Unchecked::UnknownVersion
        );
        assert_eq!(
            classify("gateway.networking.k8s.io", "v1alpha2", "HTTPRoute"),
            Unchecked::UnknownVersion
        );
        // Istio never reads UDPRoute: a kind of a known group, not modelled.
        assert_eq!(
            classify("gateway.networking.k8s.io", "v1", "UDPRoute"),
            Unchecked::NotModelled
        );
        assert_eq!(
            classify("cert-manager.io", "v1", "Certificate"),
            Unchecked::UnknownKind
        );
        assert_eq!(
            classify("networking.istio.io", "v1", "VirtualServce"),
            Unchecked::UnknownKind
        );
    }
}
