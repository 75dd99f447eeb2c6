//! Istio's annotations, as istio.io/api's `annotation/annotations.yaml`
//! defines them: where each may be placed, whether it is deprecated, and how
//! its value is checked (the injector's `AnnotationValidation`). Data, not
//! code paths: add a row when Istio adds an annotation.

use std::net::IpAddr;

/// Kinds an annotation attaches to; [`ANY`] for every kind.
pub(super) const ANY: &str = "*";

/// How a value is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    /// A 32-bit unsigned integer.
    UInt32,
    /// Go's `strconv.ParseBool`.
    Bool,
    /// `REDIRECT`, `TPROXY` or `NONE`.
    InterceptionMode,
    /// A port number.
    Port,
    /// Comma-separated port numbers.
    Ports,
    /// `*` or comma-separated port numbers.
    PortsOrAll,
    /// Comma-separated CIDRs.
    Cidrs,
    /// `*` or comma-separated CIDRs.
    CidrsOrAll,
    /// A ProxyConfig as YAML or JSON.
    ProxyConfig,
}

/// One annotation of Istio's.
#[derive(Debug)]
pub(super) struct Annotation {
    pub name: &'static str,
    /// Kinds it may be placed on (`Pod`, `Service`...), or [`ANY`].
    pub resources: &'static [&'static str],
    /// `Some(extra)` when deprecated; `extra` completes "has been deprecated…".
    pub deprecated: Option<&'static str>,
    pub check: Option<Check>,
    /// What replaces a deprecated annotation, for the help line.
    pub replacement: Option<&'static str>,
}

const fn pod(name: &'static str, check: Option<Check>) -> Annotation {
    Annotation {
        name,
        resources: &["Pod"],
        deprecated: None,
        check,
        replacement: None,
    }
}

const fn on(name: &'static str, resources: &'static [&'static str]) -> Annotation {
    Annotation {
        name,
        resources,
        deprecated: None,
        check: None,
        replacement: None,
    }
}

const fn deprecated_pod(
    name: &'static str,
    extra: &'static str,
    replacement: &'static str,
) -> Annotation {
    Annotation {
        name,
        resources: &["Pod"],
        deprecated: Some(extra),
        check: None,
        replacement: Some(replacement),
    }
}

/// Every annotation Istio defines, sorted by name.
pub(super) static ANNOTATIONS: &[Annotation] = &[
    Annotation {
        name: "alpha.istio.io/canonical-serviceaccounts",
        resources: &["Service"],
        deprecated: Some(""),
        check: None,
        replacement: Some("the service account identities of the workloads themselves"),
    },
    Annotation {
        name: "alpha.istio.io/kubernetes-serviceaccounts",
        resources: &["Service"],
        deprecated: Some(""),
        check: None,
        replacement: Some("the service account identities of the workloads themselves"),
    },
    pod("ambient.istio.io/bypass-inbound-capture", Some(Check::Bool)),
    pod("ambient.istio.io/dns-capture", None),
    pod("ambient.istio.io/redirection", None),
    on(
        "ambient.istio.io/waypoint-inbound-binding",
        &["GatewayClass"],
    ),
    on("galley.istio.io/analyze-suppress", &[ANY]),
    on("gateway.istio.io/controller-version", &[ANY]),
    on("gateway.istio.io/name-override", &["Gateway"]),
    on("gateway.istio.io/service-account", &["Gateway"]),
    pod("inject.istio.io/templates", None),
    on("install.operator.istio.io/chart-owner", &[ANY]),
    on("install.operator.istio.io/owner-generation", &[ANY]),
    on("install.operator.istio.io/version", &[ANY]),
    on("istio.io/dry-run", &["AuthorizationPolicy"]),
    on("istio.io/persistent-session", &["Service"]),
    on("istio.io/persistent-session-header", &["Service"]),
    pod("istio.io/reroute-virtual-interfaces", None),
    pod("istio.io/rev", None),
    on("kubernetes.io/ingress.class", &["Ingress"]),
    on("networking.istio.io/address-type", &["Gateway"]),
    on(
        "networking.istio.io/enable-autoallocate-ip",
        &["ServiceEntry"],
    ),
    on("networking.istio.io/exportTo", &["Service"]),
    on("networking.istio.io/service-type", &["Gateway"]),
    on(
        "networking.istio.io/traffic-distribution",
        &["Service", "ServiceEntry"],
    ),
    pod("prometheus.istio.io/merge-metrics", Some(Check::Bool)),
    pod("proxy.istio.io/config", Some(Check::ProxyConfig)),
    pod("proxy.istio.io/overrides", None),
    pod("readiness.status.sidecar.istio.io/applicationPorts", None),
    pod(
        "readiness.status.sidecar.istio.io/failureThreshold",
        Some(Check::UInt32),
    ),
    pod(
        "readiness.status.sidecar.istio.io/initialDelaySeconds",
        Some(Check::UInt32),
    ),
    pod(
        "readiness.status.sidecar.istio.io/periodSeconds",
        Some(Check::UInt32),
    ),
    pod("sidecar.istio.io/agentLogLevel", None),
    pod("sidecar.istio.io/bootstrapOverride", None),
    pod("sidecar.istio.io/componentLogLevel", None),
    deprecated_pod(
        "sidecar.istio.io/controlPlaneAuthPolicy",
        "",
        "the mesh's control-plane TLS settings",
    ),
    deprecated_pod(
        "sidecar.istio.io/discoveryAddress",
        "",
        "`discoveryAddress` in the `proxy.istio.io/config` annotation",
    ),
    pod("sidecar.istio.io/enableCoreDump", Some(Check::Bool)),
    pod("sidecar.istio.io/extraStatTags", None),
    Annotation {
        name: "sidecar.istio.io/inject",
        resources: &["Pod"],
        deprecated: Some(" in favor of the \"sidecar.istio.io/inject\" label"),
        check: None,
        replacement: Some("the pod label `sidecar.istio.io/inject`"),
    },
    pod(
        "sidecar.istio.io/interceptionMode",
        Some(Check::InterceptionMode),
    ),
    pod("sidecar.istio.io/logLevel", None),
    pod("sidecar.istio.io/nativeSidecar", Some(Check::Bool)),
    pod("sidecar.istio.io/proxyCPU", None),
    pod("sidecar.istio.io/proxyCPULimit", None),
    pod("sidecar.istio.io/proxyImage", None),
    pod("sidecar.istio.io/proxyImageType", None),
    pod("sidecar.istio.io/proxyMemory", None),
    pod("sidecar.istio.io/proxyMemoryLimit", None),
    pod("sidecar.istio.io/rewriteAppHTTPProbers", Some(Check::Bool)),
    pod("sidecar.istio.io/statsCompression", None),
    pod("sidecar.istio.io/statsHistogramBuckets", None),
    deprecated_pod(
        "sidecar.istio.io/statsInclusionPrefixes",
        "",
        "`proxyStatsMatcher.inclusionPrefixes` in the `proxy.istio.io/config` annotation",
    ),
    deprecated_pod(
        "sidecar.istio.io/statsInclusionRegexps",
        "",
        "`proxyStatsMatcher.inclusionRegexps` in the `proxy.istio.io/config` annotation",
    ),
    deprecated_pod(
        "sidecar.istio.io/statsInclusionSuffixes",
        "",
        "`proxyStatsMatcher.inclusionSuffixes` in the `proxy.istio.io/config` annotation",
    ),
    pod("sidecar.istio.io/status", None),
    pod("sidecar.istio.io/userVolume", None),
    pod("sidecar.istio.io/userVolumeMount", None),
    pod("status.sidecar.istio.io/port", Some(Check::Port)),
    on("topology.istio.io/controlPlaneClusters", &["Namespace"]),
    on("traffic.istio.io/nodeSelector", &["Service"]),
    pod(
        "traffic.sidecar.istio.io/excludeInboundPorts",
        Some(Check::Ports),
    ),
    pod("traffic.sidecar.istio.io/excludeInterfaces", None),
    pod(
        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
        Some(Check::Cidrs),
    ),
    pod(
        "traffic.sidecar.istio.io/excludeOutboundPorts",
        Some(Check::Ports),
    ),
    pod(
        "traffic.sidecar.istio.io/includeInboundPorts",
        Some(Check::PortsOrAll),
    ),
    pod(
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        Some(Check::CidrsOrAll),
    ),
    pod("traffic.sidecar.istio.io/includeOutboundPorts", None),
    deprecated_pod(
        "traffic.sidecar.istio.io/kubevirtInterfaces",
        "",
        "the `istio.io/reroute-virtual-interfaces` annotation",
    ),
];

/// Annotations Istio itself writes (the injector, istio-cni, ztunnel): never
/// reported, whatever the object.
pub(super) const ALWAYS_IGNORED: [&str; 3] = [
    "sidecar.istio.io/status",
    "istio.io/rev",
    "ambient.istio.io/redirection",
];

/// Istio's annotations in an alpha-phase feature (`featureStatus: Alpha`, or no
/// status, which Istio's generated table reads as alpha, in istio.io/api
/// `annotation/annotations.yaml`), sorted.
pub(super) const ALPHA: &[&str] = &[
    "alpha.istio.io/canonical-serviceaccounts",
    "alpha.istio.io/kubernetes-serviceaccounts",
    "ambient.istio.io/bypass-inbound-capture",
    "ambient.istio.io/dns-capture",
    "ambient.istio.io/waypoint-inbound-binding",
    "galley.istio.io/analyze-suppress",
    "gateway.istio.io/controller-version",
    "gateway.istio.io/name-override",
    "gateway.istio.io/service-account",
    "inject.istio.io/templates",
    "istio.io/autoRegistrationGroup",
    "istio.io/connectedAt",
    "istio.io/disconnectedAt",
    "istio.io/dry-run",
    "istio.io/reroute-virtual-interfaces",
    "istio.io/rev",
    "istio.io/use-waypoint-canary-weight",
    "istio.io/workloadController",
    "networking.istio.io/exportTo",
    "networking.istio.io/service-type",
    "networking.istio.io/traffic-distribution",
    "prometheus.istio.io/merge-metrics",
    "proxy.istio.io/overrides",
    "readiness.status.sidecar.istio.io/applicationPorts",
    "readiness.status.sidecar.istio.io/failureThreshold",
    "readiness.status.sidecar.istio.io/initialDelaySeconds",
    "readiness.status.sidecar.istio.io/periodSeconds",
    "sidecar.istio.io/agentLogLevel",
    "sidecar.istio.io/bootstrapOverride",
    "sidecar.istio.io/componentLogLevel",
    "sidecar.istio.io/discoveryAddress",
    "sidecar.istio.io/extraStatTags",
    "sidecar.istio.io/interceptionMode",
    "sidecar.istio.io/logLevel",
    "sidecar.istio.io/nativeSidecar",
    "sidecar.istio.io/proxyCPU",
    "sidecar.istio.io/proxyCPULimit",
    "sidecar.istio.io/proxyImage",
    "sidecar.istio.io/proxyImageType",
    "sidecar.istio.io/proxyMemory",
    "sidecar.istio.io/proxyMemoryLimit",
    "sidecar.istio.io/rewriteAppHTTPProbers",
    "sidecar.istio.io/statsCompression",
    "sidecar.istio.io/statsEvictionInterval",
    "sidecar.istio.io/statsFlushInterval",
    "sidecar.istio.io/statsHistogramBins",
    "sidecar.istio.io/statsHistogramBuckets",
    "sidecar.istio.io/statsInclusionPrefixes",
    "sidecar.istio.io/statsInclusionRegexps",
    "sidecar.istio.io/statsInclusionSuffixes",
    "sidecar.istio.io/status",
    "sidecar.istio.io/userVolume",
    "sidecar.istio.io/userVolumeMount",
    "status.sidecar.istio.io/port",
    "topology.istio.io/controlPlaneClusters",
    "traffic.sidecar.istio.io/excludeInboundPorts",
    "traffic.sidecar.istio.io/excludeInterfaces",
    "traffic.sidecar.istio.io/excludeOutboundIPRanges",
    "traffic.sidecar.istio.io/excludeOutboundPorts",
    "traffic.sidecar.istio.io/includeInboundPorts",
    "traffic.sidecar.istio.io/includeOutboundIPRanges",
    "traffic.sidecar.istio.io/includeOutboundPorts",
    "traffic.sidecar.istio.io/kubevirtInterfaces",
];

/// Whether an annotation belongs to an alpha-phase feature.
pub(super) fn is_alpha(name: &str) -> bool {
    ALPHA.binary_search(&name).is_ok()
}

/// Istio's labels (istio.io/api `label/labels.yaml`): written as annotations
/// by mistake, they have no effect.
pub(super) const LABELS: &[&str] = &[
    "gateway.istio.io/managed",
    "istio.io/dataplane-mode",
    "istio.io/ingress-use-waypoint",
    "istio.io/tag",
    "istio.io/use-waypoint",
    "istio.io/use-waypoint-namespace",
    "istio.io/waypoint-for",
    "networking.istio.io/gatewayPort",
    "networking.istio.io/tunnel",
    "operator.istio.io/component",
    "operator.istio.io/managed",
    "operator.istio.io/version",
    "security.istio.io/tlsMode",
    "service.istio.io/canonical-name",
    "service.istio.io/canonical-revision",
    "topology.istio.io/cluster",
    "topology.istio.io/network",
    "topology.istio.io/subzone",
];

/// Whether istioctl treats an annotation key as Istio's: a `*istio.io/`
/// prefix, or the one Kubernetes annotation Istio documents.
pub(super) fn is_istio_annotation(key: &str) -> bool {
    if key == "kubernetes.io/ingress.class" {
        return true;
    }
    key.split_once('/')
        .is_some_and(|(domain, _)| domain == "istio.io" || domain.ends_with(".istio.io"))
}

pub(super) fn lookup(name: &str) -> Option<&'static Annotation> {
    ANNOTATIONS
        .binary_search_by(|a| a.name.cmp(name))
        .ok()
        .map(|i| &ANNOTATIONS[i])
}

/// The known annotation closest to a misspelt one, if any is close.
pub(super) fn closest(name: &str) -> Option<&'static str> {
    let names: Vec<&'static str> = ANNOTATIONS.iter().map(|a| a.name).collect();
    crate::diagnostic::closest(name, &names)
}

impl Check {
    /// Why `value` is not valid, or `None` when it is.
    pub(super) fn problem(self, value: &str) -> Option<String> {
        match self {
            Check::UInt32 => value
                .parse::<u32>()
                .is_err()
                .then(|| format!("expected a non-negative 32-bit integer, found {value:?}")),
            Check::Bool => crate::model::pod::parse_go_bool(value)
                .is_none()
                .then(|| format!("expected true or false, found {value:?}")),
            Check::InterceptionMode => (!matches!(value, "REDIRECT" | "TPROXY" | "NONE"))
                .then(|| format!("interceptionMode invalid, use REDIRECT,TPROXY,NONE: {value}")),
            Check::Port => port_problem(value),
            Check::Ports => ports_problem(value),
            Check::PortsOrAll => (value != "*").then(|| ports_problem(value)).flatten(),
            Check::Cidrs => cidrs_problem(value),
            Check::CidrsOrAll => (value != "*").then(|| cidrs_problem(value)).flatten(),
            Check::ProxyConfig => proxy_config_problem(value),
        }
    }
}

fn port_problem(text: &str) -> Option<String> {
    text.trim()
        .parse::<u16>()
        .is_err()
        .then(|| format!("failed parsing port {text:?}: expected a number from 0 to 65535"))
}

fn ports_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return None;
    }
    text.split(',').find_map(port_problem)
}

fn cidrs_problem(text: &str) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    text.split(',').find_map(|cidr| {
        let valid = cidr.trim().split_once('/').is_some_and(|(address, bits)| {
            match (address.parse::<IpAddr>(), bits.parse::<u8>()) {
                (Ok(IpAddr::V4(_)), Ok(bits)) => bits <= 32,
                (Ok(IpAddr::V6(_)), Ok(bits)) => bits <= 128,
                _ => false,
            }
        });
        (!valid).then(|| {
            format!(
                "failed parsing cidr {:?}: expected an address/prefix-length",
                cidr.trim()
            )
        })
    })
}

fn proxy_config_problem(text: &str) -> Option<String> {
    let stream = crate::source::yaml::parse_values(text);
    if let Some(error) = stream.errors.first() {
        return Some(format!("not valid YAML or JSON: {}", error.message));
    }
    match stream.documents.into_iter().next().and_then(|d| d.root) {
        None | Some(serde_json::Value::Object(_)) => None,
        Some(other) => Some(format!(
            "expected a ProxyConfig object, found {}",
            crate::source::json_type_name(&other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_list_is_sorted_and_unique() {
        for pair in ALPHA.windows(2) {
            assert!(pair[0] < pair[1], "{} before {}", pair[0], pair[1]);
        }
        assert!(is_alpha("networking.istio.io/exportTo"));
        assert!(!is_alpha("proxy.istio.io/config"));
    }

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in ANNOTATIONS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} before {}",
                pair[0].name,
                pair[1].name
            );
        }
        for name in ALWAYS_IGNORED {
            assert!(lookup(name).is_some(), "{name}");
        }
        for label in LABELS {
            assert!(lookup(label).is_none(), "{label} is a label");
        }
    }

    #[test]
    fn istio_annotations_by_domain() {
        assert!(is_istio_annotation("sidecar.istio.io/inject"));
        assert!(is_istio_annotation("istio.io/rev"));
        assert!(is_istio_annotation("kubernetes.io/ingress.class"));
        assert!(!is_istio_annotation("helm.sh/hook"));
        assert!(!is_istio_annotation("notistio.io/x"));
        assert!(!is_istio_annotation("kubernetes.io/psp"));
    }

    #[test]
    fn closest_names_for_typos() {
        assert_eq!(
            closest("networking.istio.io/exportThree"),
            Some("networking.istio.io/exportTo")
        );
        assert_eq!(
            closest("sidecar.istio.io/Inject"),
            Some("sidecar.istio.io/inject")
        );
        assert_eq!(closest("foo.istio.io/completely-new"), None);
    }

    #[test]
    fn value_checks() {
        for (check, value, valid) in [
            (Check::UInt32, "10", true),
            (Check::UInt32, "bar", false),
            (Check::UInt32, "-1", false),
            (Check::Bool, "True", true),
            (Check::Bool, "yes", false),
            (Check::InterceptionMode, "TPROXY", true),
            (Check::InterceptionMode, "redirect", false),
            (Check::Port, "15020", true),
            (Check::Port, "70000", false),
            (Check::Ports, "", true),
            (Check::Ports, "80, 443", true),
            (Check::Ports, "80,http", false),
            (Check::PortsOrAll, "*", true),
            (Check::Ports, "*", false),
            (Check::Cidrs, "10.0.0.0/8,fd00::/8", true),
            (Check::Cidrs, "10.0.0.1", false),
            (Check::CidrsOrAll, "*", true),
            (Check::CidrsOrAll, "10.0.0.0/33", false),
            (Check::ProxyConfig, "{}", true),
            (
                Check::ProxyConfig,
                "holdApplicationUntilProxyStarts: true",
                true,
            ),
            (Check::ProxyConfig, "[1, 2]", false),
        ] {
            assert_eq!(check.problem(value).is_none(), valid, "{check:?} {value:?}");
        }
    }
}
