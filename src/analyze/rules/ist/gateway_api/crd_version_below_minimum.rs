use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::source::FieldPath;

declare_rule! {
    /// A Gateway API CRD is older than Istio reads.
    ///
    /// ## What it checks
    /// A CustomResourceDefinition among the inputs named in Istio's
    /// `MinimumCRDVersions` (GRPCRoute 1.1.0, BackendTLSPolicy 1.4.0,
    /// TLSRoute 1.5.0, TCPRoute 1.6.0) whose
    /// `gateway.networking.k8s.io/bundle-version` annotation, pre-release
    /// dropped, is lower. A CRD without the annotation, or with one that is
    /// not a version, is not reported (istioctl's IST0176).
    ///
    /// ## Why it matters
    /// istiod does not watch such a CRD at all: every object of its kind is
    /// ignored, so a TLS passthrough listener, say, never gets its routes.
    ///
    /// ## Example
    /// ```yaml
    /// kind: CustomResourceDefinition
    /// metadata:
    ///   name: tlsroutes.gateway.networking.k8s.io
    ///   annotations:
    ///     gateway.networking.k8s.io/bundle-version: v1.4.1
    /// ```
    ///
    /// ## How to fix
    /// Install the Gateway API CRDs of the release Istio is built against.
    pub static RULE = { code: "IST0176", name: "gateway-api-crd-below-minimum", level: Warning, check: check };
}

/// `gatewayapi.MinimumCRDVersions`: the CRD and the bundle version istiod needs.
const MINIMUM_CRD_VERSIONS: &[(&str, Version)] = &[
    ("grpcroutes.gateway.networking.k8s.io", [1, 1, 0]),
    ("backendtlspolicies.gateway.networking.k8s.io", [1, 4, 0]),
    ("tlsroutes.gateway.networking.k8s.io", [1, 5, 0]),
    ("tcproutes.gateway.networking.k8s.io", [1, 6, 0]),
];

const BUNDLE_VERSION: &str = "gateway.networking.k8s.io/bundle-version";

type Version = [u64; 3];

fn check(context: &Context<'_>, findings: &mut Findings) {
    for crd in &context.index.objects {
        if (crd.group(), crd.kind()) != ("apiextensions.k8s.io", "CustomResourceDefinition") {
            continue;
        }
        let Some((_, minimum)) = MINIMUM_CRD_VERSIONS
            .iter()
            .find(|(name, _)| *name == crd.meta.name)
        else {
            continue;
        };
        let Some((installed, shown)) = crd
            .meta
            .annotations
            .get(BUNDLE_VERSION)
            .and_then(|text| parse_semver(text))
        else {
            continue;
        };
        if installed < *minimum {
            findings.report(
                crd,
                &FieldPath::root()
                    .field("metadata")
                    .field("annotations")
                    .field(BUNDLE_VERSION),
                format!(
                    "Gateway API CRD {:?} is at version {shown:?} but Istio requires at least \"{}.{}.{}\"; resources of this kind will not be processed. Upgrade the Gateway API CRDs to satisfy the minimum version.",
                    crd.meta.name, minimum[0], minimum[1], minimum[2]
                ),
            );
        }
    }
}

/// A version as Masterminds' semver reads it (a `v` and missing minor or
/// patch allowed): its numbers without pre-release, and how semver prints
/// it (`1.4.1-rc.1`, no `v`).
fn parse_semver(text: &str) -> Option<(Version, String)> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let (rest, metadata) = match text.split_once('+') {
        Some((rest, metadata)) => (rest, Some(metadata)),
        None => (text, None),
    };
    let (numbers, prerelease) = match rest.split_once('-') {
        Some((numbers, prerelease)) => (numbers, Some(prerelease)),
        None => (rest, None),
    };
    let mut version = [0; 3];
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    for (slot, part) in version.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    let [major, minor, patch] = version;
    let mut shown = format!("{major}.{minor}.{patch}");
    for (separator, part) in [('-', prerelease), ('+', metadata)] {
        if let Some(part) = part {
            if part.is_empty() {
                return None;
            }
            shown.push(separator);
            shown.push_str(part);
        }
    }
    Some((version, shown))
}

#[cfg(test)]
mod tests {
    use super::parse_semver;
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/gateway-api/crd-versions.yaml");

    #[test]
    fn reports_listed_crds_below_their_minimum() {
        assert_eq!(
            findings("gateway-api-crd-below-minimum", FIXTURE),
            [
                "IST0176 CustomResourceDefinition tlsroutes.gateway.networking.k8s.io 6 metadata.annotations[\"gateway.networking.k8s.io/bundle-version\"] Gateway API CRD \"tlsroutes.gateway.networking.k8s.io\" is at version \"1.4.1\" but Istio requires at least \"1.5.0\"; resources of this kind will not be processed. Upgrade the Gateway API CRDs to satisfy the minimum version.",
                "IST0176 CustomResourceDefinition tcproutes.gateway.networking.k8s.io 13 metadata.annotations[\"gateway.networking.k8s.io/bundle-version\"] Gateway API CRD \"tcproutes.gateway.networking.k8s.io\" is at version \"1.5.2-rc.1\" but Istio requires at least \"1.6.0\"; resources of this kind will not be processed. Upgrade the Gateway API CRDs to satisfy the minimum version.",
            ]
        );
    }

    #[test]
    fn versions_read_as_semver_does() {
        assert_eq!(parse_semver("v1.4"), Some(([1, 4, 0], "1.4.0".into())));
        assert_eq!(
            parse_semver("1.6.0-rc.1"),
            Some(([1, 6, 0], "1.6.0-rc.1".into()))
        );
        assert_eq!(parse_semver("v1.x"), None);
        assert_eq!(parse_semver(""), None);
    }
}
