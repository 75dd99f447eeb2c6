//! The istiod release a cluster runs (`--istio`), and the one table of what
//! changed, release by release, in what istiod sends proxyless gRPC
//! (shared/spec/istiod-versions.md §1, §4). The renderer and the rules ask
//! [`IstioRelease`] a switch; none of them compares version numbers.

use std::fmt;

/// The oldest minor release `--istio` accepts.
pub const OLDEST_MINOR: u32 = 22;
/// The newest minor release `--istio` knows, and the default.
pub const NEWEST_MINOR: u32 = 31;

/// A change in what istiod sends proxyless gRPC, from the release that
/// first carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switch {
    /// Short name, as the spec's §4 spells it.
    pub name: &'static str,
    /// First release with the change: (minor, patch).
    pub since: (u32, u32),
    /// The Istio commit and pull request.
    pub commit: &'static str,
    /// What a client receives from that release on.
    pub change: &'static str,
}

/// The stateful-session filter for Services with a persistent-session
/// label reaches clients only with `PILOT_ENABLE_PERSISTENT_SESSION_FILTER`
/// (default off); 1.22 sends it (LDS filter, virtual host and route
/// overrides) whatever the flag says
/// ([`crate::semantics::persistent_session::sent_to_clients`]).
pub const SESSION_FILTER_NEEDS_FLAG: Switch = Switch {
    name: "session_filter_needs_flag",
    since: (23, 0),
    commit: "56fd9c8fd3c (istio/istio#51652)",
    change: "no stateful_session filter for persistent-session Services unless PILOT_ENABLE_PERSISTENT_SESSION_FILTER is on",
};

/// CDS `alt_stat_name` = `<cluster>;` (ignored by gRPC); in 1.23 only
/// behind `ENABLE_DELIMITED_STATS_TAG_REGEX`.
pub const ALT_STAT_NAME: Switch = Switch {
    name: "alt_stat_name",
    since: (23, 0),
    commit: "26d671821a3 (istio/istio#51861)",
    change: "clusters carry alt_stat_name (ignored by gRPC)",
};

/// Retry `backoff` reaches RDS; before, gRPC used its 25 ms / 250 ms default.
pub const RETRY_BACKOFF: Switch = Switch {
    name: "retry_backoff",
    since: (26, 0),
    commit: "126806ab73d (istio/istio#55639)",
    change: "VirtualService retries.backoff becomes retry_back_off.base_interval",
};

/// `simple: LEAST_REQUEST` becomes `lb_policy: LEAST_REQUEST` (before:
/// round robin, with a warning in istiod's log).
pub const LEAST_REQUEST: Switch = Switch {
    name: "least_request",
    since: (29, 0),
    commit: "b10251b3f61 (istio/istio#58052)",
    change: "DestinationRule simple: LEAST_REQUEST becomes lb_policy LEAST_REQUEST",
};

/// AuthorizationPolicy `source.serviceAccounts` / `notServiceAccounts` and
/// the `when` key `source.serviceAccount` exist; before, the CRD has no such
/// field ([`crate::semantics::authorization::as_release_reads`]).
pub const AUTHZ_SERVICE_ACCOUNTS: Switch = Switch {
    name: "authz_service_accounts",
    since: (25, 0),
    commit: "8ac43d22d77 (istio/istio#54091)",
    change: "AuthorizationPolicy source.serviceAccounts becomes a principal_name regex in the server RBAC",
};

/// `http2MaxRequests` becomes an enforced `max_requests` (before: nothing).
pub const CIRCUIT_BREAKERS: Switch = Switch {
    name: "circuit_breakers",
    since: (29, 0),
    commit: "b10251b3f61 (istio/istio#58052)",
    change: "connectionPool.http.http2MaxRequests becomes circuit_breakers max_requests",
};

/// TLS contexts name the certificate provider in the current fields too,
/// not only in the deprecated ones grpc-java 1.73–1.76 no longer reads.
pub const TLS_CURRENT_FIELDS: Switch = Switch {
    name: "tls_fields",
    since: (29, 0),
    commit: "57cbeb15b07 (istio/istio#58257)",
    change: "TLS contexts add tls_certificate_provider_instance and ca_certificate_provider_instance to the deprecated fields",
};

/// AuthorizationPolicy `source.trustDomains` / `notTrustDomains` and the
/// `when` key `source.trustDomain` reach the RBAC; before, the CRD of 1.29
/// and older has no such field, and istiod 1.30.0–1.30.1 ignores it
/// ([`crate::semantics::authorization::as_release_reads`]).
pub const AUTHZ_TRUST_DOMAINS: Switch = Switch {
    name: "authz_trust_domains",
    since: (30, 2),
    commit: "6f3c7bf0243 (istio/istio#59358)",
    change:
        "AuthorizationPolicy source.trustDomains becomes a principal_name prefix in the server RBAC",
};

/// `outbound|P||host` carries only the virtual hosts of that host; before,
/// every virtual host of port P the client sees.
pub const HOST_SCOPED_RDS: Switch = Switch {
    name: "rds_scope",
    since: (31, 0),
    commit: "20b5c87f4f3 (istio/istio#59241)",
    change: "a RouteConfiguration carries only the requested host's virtual hosts, not every one of its port",
};

/// Endpoints of not-ready pods reach EDS as UNHEALTHY
/// (`PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS` on by default), unless the
/// cluster's DestinationRule policy has `outlierDetection.minHealthPercent
/// > 0`; before, they were left out.
pub const UNHEALTHY_EDS_DEFAULT: Switch = Switch {
    name: "unhealthy_eds_default",
    since: (31, 0),
    commit: "a7c9ae034fb (istio/istio#60690)",
    change: "EDS carries the endpoints of not-ready pods as UNHEALTHY (gRPC skips them), unless outlierDetection.minHealthPercent > 0",
};

/// Every switch, oldest first (README "Which istiod", `mesh explain`).
pub const SWITCHES: &[Switch] = &[
    SESSION_FILTER_NEEDS_FLAG,
    ALT_STAT_NAME,
    AUTHZ_SERVICE_ACCOUNTS,
    RETRY_BACKOFF,
    LEAST_REQUEST,
    CIRCUIT_BREAKERS,
    TLS_CURRENT_FIELDS,
    AUTHZ_TRUST_DOMAINS,
    HOST_SCOPED_RDS,
    UNHEALTHY_EDS_DEFAULT,
];

/// Which certificate-provider fields a TLS context carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFields {
    /// Only the deprecated `tls_certificate_certificate_provider_instance`
    /// (11) and `validation_context_certificate_provider_instance` (4).
    DeprecatedOnly,
    /// The deprecated ones and the current (14, `ca_certificate_provider_instance`).
    Both,
}

/// What a RouteConfiguration named for a host carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdsScope {
    /// Every virtual host of the port the client sees.
    Port,
    /// Only the requested host's.
    Host,
}

/// An Istio release: a minor version, and a patch when one was named.
/// A minor alone means its newest patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IstioRelease {
    minor: u32,
    patch: Option<u32>,
}

impl Default for IstioRelease {
    fn default() -> Self {
        IstioRelease::newest()
    }
}

impl IstioRelease {
    /// The newest release the table knows.
    pub const fn newest() -> IstioRelease {
        IstioRelease {
            minor: NEWEST_MINOR,
            patch: None,
        }
    }

    /// `1.MINOR` (its newest patch); `None` outside the range known.
    pub fn minor(minor: u32) -> Option<IstioRelease> {
        (OLDEST_MINOR..=NEWEST_MINOR)
            .contains(&minor)
            .then_some(IstioRelease { minor, patch: None })
    }

    /// Reads `1.30`, `1.30.1`, `v1.30.1`, or an image tag such as
    /// `1.30.1-distroless` (what follows `-` is left out).
    pub fn parse(text: &str) -> Result<IstioRelease, String> {
        let trimmed = text.trim();
        let version = trimmed.strip_prefix('v').unwrap_or(trimmed);
        let version = version.split(['-', '+']).next().unwrap_or("");
        let expected = || {
            format!(
                "{text:?}: expected an Istio release 1.{OLDEST_MINOR} … 1.{NEWEST_MINOR}, such as 1.{NEWEST_MINOR} or 1.30.1"
            )
        };
        let parts: Vec<&str> = version.split('.').collect();
        let number = |part: &str| -> Option<u32> {
            (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten()
        };
        let (major, minor, patch) = match parts.as_slice() {
            [major, minor] => (number(major), number(minor), None),
            [major, minor, patch] => (number(major), number(minor), Some(number(patch))),
            _ => return Err(expected()),
        };
        let (Some(1), Some(minor)) = (major, minor) else {
            return Err(expected());
        };
        let patch = match patch {
            None => None,
            Some(Some(patch)) => Some(patch),
            Some(None) => return Err(expected()),
        };
        if !(OLDEST_MINOR..=NEWEST_MINOR).contains(&minor) {
            return Err(format!(
                "{text:?}: mesh knows Istio 1.{OLDEST_MINOR} … 1.{NEWEST_MINOR}, not 1.{minor}"
            ));
        }
        Ok(IstioRelease { minor, patch })
    }

    /// The release of an istiod image (`…/pilot:1.30.1-distroless`); `None`
    /// when its tag is no release mesh knows (a digest, `latest`).
    pub fn from_image(image: &str) -> Option<IstioRelease> {
        let image = image.split('@').next()?;
        let (name, tag) = image.rsplit_once(':')?;
        // A registry port (`host:5000/pilot`) is no tag.
        if tag.contains('/') || name.is_empty() {
            return None;
        }
        IstioRelease::parse(tag).ok()
    }

    /// Whether this release carries the change.
    pub fn has(&self, switch: &Switch) -> bool {
        let (minor, patch) = switch.since;
        match self.minor.cmp(&minor) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            // A minor alone is its newest patch.
            std::cmp::Ordering::Equal => self.patch.is_none_or(|p| p >= patch),
        }
    }

    /// See [`TLS_CURRENT_FIELDS`].
    pub fn tls_fields(&self) -> TlsFields {
        if self.has(&TLS_CURRENT_FIELDS) {
            TlsFields::Both
        } else {
            TlsFields::DeprecatedOnly
        }
    }

    /// See [`LEAST_REQUEST`].
    pub fn least_request(&self) -> bool {
        self.has(&LEAST_REQUEST)
    }

    /// See [`CIRCUIT_BREAKERS`].
    pub fn circuit_breakers(&self) -> bool {
        self.has(&CIRCUIT_BREAKERS)
    }

    /// See [`RETRY_BACKOFF`].
    pub fn retry_backoff(&self) -> bool {
        self.has(&RETRY_BACKOFF)
    }

    /// See [`ALT_STAT_NAME`].
    pub fn alt_stat_name(&self) -> bool {
        self.has(&ALT_STAT_NAME)
    }

    /// See [`HOST_SCOPED_RDS`].
    pub fn rds_scope(&self) -> RdsScope {
        if self.has(&HOST_SCOPED_RDS) {
            RdsScope::Host
        } else {
            RdsScope::Port
        }
    }

    /// See [`SESSION_FILTER_NEEDS_FLAG`].
    pub fn session_filter_needs_flag(&self) -> bool {
        self.has(&SESSION_FILTER_NEEDS_FLAG)
    }

    /// See [`AUTHZ_SERVICE_ACCOUNTS`].
    pub fn authz_service_accounts(&self) -> bool {
        self.has(&AUTHZ_SERVICE_ACCOUNTS)
    }

    /// See [`AUTHZ_TRUST_DOMAINS`].
    pub fn authz_trust_domains(&self) -> bool {
        self.has(&AUTHZ_TRUST_DOMAINS)
    }

    /// See [`UNHEALTHY_EDS_DEFAULT`]: whether istiod sends unhealthy
    /// endpoints when nothing else asks for them (the DestinationRule's say
    /// is [`crate::semantics::destination_rule::EffectivePolicy::sends_unhealthy_endpoints`]).
    pub fn unhealthy_eds_default(&self) -> bool {
        self.has(&UNHEALTHY_EDS_DEFAULT)
    }

    /// istio-agent keeps one downstream ADS stream and closes the previous
    /// one when another opens: `registerStream` in `xds_proxy.go`, the same
    /// in every release (istio/istio#53532, open; the fix #58056 was closed).
    pub fn agent_single_stream(&self) -> bool {
        true
    }
}

/// The release of the istiod in the inputs (as `--kube` reads them): the
/// `discovery` container's image tag of a Deployment or Pod labelled
/// `app: istiod` in the mesh's root namespace; the newest such when
/// revisions run side by side (patches compare as written).
pub fn running_istiod(index: &crate::index::Index) -> Option<IstioRelease> {
    let root = index.mesh_config.root_namespace.as_str();
    index
        .objects
        .iter()
        .filter(|o| {
            matches!(
                o.spec,
                crate::model::Spec::Deployment(_) | crate::model::Spec::Pod(_)
            )
        })
        .filter(|o| o.meta.namespace.as_deref() == Some(root))
        .filter(|o| {
            let labels = match &o.spec {
                crate::model::Spec::Pod(_) => Some(&o.meta.labels),
                spec => crate::index::pod_template(spec)
                    .and_then(|t| t.metadata.as_ref())
                    .and_then(|m| m.labels.as_ref()),
            };
            labels.and_then(|l| l.get("app")).map(String::as_str) == Some("istiod")
        })
        .filter_map(super::workload::pod_spec)
        .flat_map(|spec| &spec.containers)
        .filter(|c| c.name == "discovery")
        .filter_map(|c| IstioRelease::from_image(c.image.as_deref()?))
        .max_by_key(|r| (r.minor, r.patch))
}

impl fmt::Display for IstioRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(patch) => write!(f, "1.{}.{patch}", self.minor),
            None => write!(f, "1.{}", self.minor),
        }
    }
}

impl std::str::FromStr for IstioRelease {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        IstioRelease::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(text: &str) -> IstioRelease {
        IstioRelease::parse(text).unwrap()
    }

    #[test]
    fn reads_minors_patches_and_image_tags() {
        assert_eq!(release("1.30").to_string(), "1.30");
        assert_eq!(release("1.30.1").to_string(), "1.30.1");
        assert_eq!(release("v1.30.1").to_string(), "1.30.1");
        assert_eq!(release("1.30.1-distroless").to_string(), "1.30.1");
        assert_eq!(release("1.31.0-rc.0").to_string(), "1.31.0");
        assert_eq!(IstioRelease::default().to_string(), "1.31");
        assert_eq!(
            IstioRelease::from_image("docker.io/istio/pilot:1.28.2-distroless"),
            Some(release("1.28.2"))
        );
        assert_eq!(IstioRelease::from_image("registry:5000/pilot"), None);
        assert_eq!(IstioRelease::from_image("istio/pilot:latest"), None);
    }

    #[test]
    fn refuses_releases_it_does_not_know() {
        for bad in ["1.21", "1.32", "2.0", "1", "1.x", "1.30.", "", "latest"] {
            assert!(IstioRelease::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            IstioRelease::parse("1.21").unwrap_err(),
            "\"1.21\": mesh knows Istio 1.22 … 1.31, not 1.21"
        );
    }

    #[test]
    fn switches_turn_on_at_their_first_release() {
        assert!(!release("1.28").least_request());
        assert!(release("1.29.0").least_request());
        assert!(!release("1.28").circuit_breakers());
        assert!(release("1.29").circuit_breakers());
        assert_eq!(release("1.28.9").tls_fields(), TlsFields::DeprecatedOnly);
        assert_eq!(release("1.29").tls_fields(), TlsFields::Both);
        assert!(!release("1.25").retry_backoff());
        assert!(release("1.26").retry_backoff());
        assert_eq!(release("1.30").rds_scope(), RdsScope::Port);
        assert_eq!(release("1.31").rds_scope(), RdsScope::Host);
        assert!(!release("1.22").alt_stat_name());
        assert!(release("1.23").alt_stat_name());
        assert!(!release("1.22.8").session_filter_needs_flag());
        assert!(release("1.23.0").session_filter_needs_flag());
        assert!(!release("1.24").authz_service_accounts());
        assert!(release("1.25").authz_service_accounts());
        assert!(!release("1.29").authz_trust_domains());
        assert!(!release("1.30.1").authz_trust_domains());
        assert!(release("1.30.2").authz_trust_domains());
        assert!(release("1.30").authz_trust_domains());
        assert!(!release("1.30").unhealthy_eds_default());
        assert!(release("1.31.0").unhealthy_eds_default());
    }

    #[test]
    fn the_running_istiod_is_read_from_its_discovery_image() {
        let yaml = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system}
spec:
  selector: {matchLabels: {app: istiod}}
  template:
    metadata: {labels: {app: istiod}}
    spec:
      containers: [{name: discovery, image: docker.io/istio/pilot:1.28.2-distroless}]
";
        let index = |text: &str| {
            let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(
                "t.yaml",
                text.to_string(),
            )]);
            crate::index::Index::build(loaded.objects, Default::default())
        };
        assert_eq!(running_istiod(&index(yaml)), Some(release("1.28.2")));
        let elsewhere = yaml.replace("istio-system", "apps");
        assert_eq!(running_istiod(&index(&elsewhere)), None);
    }

    #[test]
    fn a_minor_alone_means_its_newest_patch() {
        const PATCHED: Switch = Switch {
            name: "patched",
            since: (30, 2),
            commit: "",
            change: "",
        };
        assert!(release("1.30").has(&PATCHED));
        assert!(!release("1.30.1").has(&PATCHED));
        assert!(release("1.30.2").has(&PATCHED));
        assert!(!release("1.29").has(&PATCHED));
    }
}
