//! The gRPC xDS feature matrix: which gRPC runtime supports which xDS
//! feature since which release, and what it does with config it does not
//! support. Data, not code paths: rules ask [`Runtime::gaps`] and never
//! compare versions themselves.
//!
//! The rows follow gRPC's `doc/grpc_xds_features.md` (commit `049ca503`),
//! corrected where the libraries' code says otherwise (each row names its
//! source; `testdata/grpc/grpc_xds_features.md` is the transcribed table the
//! tests check the rows against).

use std::fmt;
use std::str::FromStr;

/// A gRPC implementation users pick. C++, Python, Ruby and PHP wrap the same
/// C core but did not all get every feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Language {
    Cpp,
    Python,
    Ruby,
    Php,
    Java,
    Go,
    Node,
}

impl Language {
    pub const ALL: [Language; 7] = [
        Language::Cpp,
        Language::Python,
        Language::Ruby,
        Language::Php,
        Language::Java,
        Language::Go,
        Language::Node,
    ];

    /// The spelling of `--grpc` (`cpp@1.62`).
    pub fn key(self) -> &'static str {
        match self {
            Language::Cpp => "cpp",
            Language::Python => "python",
            Language::Ruby => "ruby",
            Language::Php => "php",
            Language::Java => "java",
            Language::Go => "go",
            Language::Node => "node",
        }
    }

    /// The name users know (`gRPC C++`, `grpc-go`).
    pub fn display(self) -> &'static str {
        match self {
            Language::Cpp => "C++",
            Language::Python => "Python",
            Language::Ruby => "Ruby",
            Language::Php => "PHP",
            Language::Java => "Java",
            Language::Go => "Go",
            Language::Node => "Node",
        }
    }

    /// What `--grpc any` covers: every language with a full column in gRPC's
    /// table. Ruby and PHP wrap the same core but the table lists several
    /// features (retries, ring hash, security) for C++ and Python only; they
    /// are checked when named (`--grpc ruby@1.66`), not on every run.
    pub const ANY: [Language; 5] = [
        Language::Cpp,
        Language::Python,
        Language::Java,
        Language::Go,
        Language::Node,
    ];

    fn is_c_core(self) -> bool {
        matches!(
            self,
            Language::Cpp | Language::Python | Language::Ruby | Language::Php
        )
    }
}

impl FromStr for Language {
    type Err = String;
    fn from_str(text: &str) -> Result<Language, String> {
        match text.to_ascii_lowercase().as_str() {
            "cpp" | "c++" | "core" | "c-core" => Ok(Language::Cpp),
            "python" | "py" => Ok(Language::Python),
            "ruby" | "rb" => Ok(Language::Ruby),
            "php" => Ok(Language::Php),
            "java" => Ok(Language::Java),
            "go" | "golang" => Ok(Language::Go),
            "node" | "nodejs" | "js" => Ok(Language::Node),
            other => Err(format!(
                "unknown gRPC language `{other}`; expected one of cpp, python, ruby, php, java, go, node"
            )),
        }
    }
}

/// A release, `1.66` or `1.37.1`. Node's numbers are those of
/// `@grpc/grpc-js-xds`, as in gRPC's own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }
}

impl FromStr for Version {
    type Err = String;
    fn from_str(text: &str) -> Result<Version, String> {
        let bad = || format!("`{text}` is not a version; expected MAJOR.MINOR[.PATCH], e.g. 1.66");
        let trimmed = text.trim().trim_start_matches('v');
        let mut parts = trimmed.split('.');
        let mut next = |required: bool| -> Result<u32, String> {
            match parts.next() {
                Some(part) => part.parse().map_err(|_| bad()),
                None if required => Err(bad()),
                None => Ok(0),
            }
        };
        let version = Version::new(next(true)?, next(true)?, next(false)?);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(version)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.patch == 0 {
            write!(f, "{}.{}", self.major, self.minor)
        } else {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
        }
    }
}

/// What a runtime does with config for a feature it lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsupported {
    /// Silently ignored: the config has no effect.
    Ignored,
    /// The whole resource is rejected (NACK); the client keeps its last good
    /// copy, or has none.
    Rejected,
    /// The client cannot use xDS at all: RPCs fail.
    Fails,
}

impl Unsupported {
    pub fn verb(self) -> &'static str {
        match self {
            Unsupported::Ignored => "ignored",
            Unsupported::Rejected => "rejected (NACK)",
            Unsupported::Fails => "not supported (RPCs fail)",
        }
    }
}

/// An xDS feature Istio's config can reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    XdsClient,
    PathAndHeaderMatching,
    CaseInsensitivePathMatching,
    XdsV3,
    MaxStreamDuration,
    CircuitBreaking,
    FaultInjection,
    ClientStatusDiscovery,
    AggregateAndLogicalDnsClusters,
    RingHash,
    Retry,
    Security,
    Authorization,
    LeastRequest,
    OutlierDetection,
    IgnoreResourceDeletion,
    CustomLoadBalancing,
    Federation,
    WeightedRoundRobin,
    PickFirst,
    HeaderStringMatcher,
    LrsCustomMetrics,
    BootstrapMtls,
    StatefulSession,
    LocalityMetricsLabel,
    Fallback,
    DualStack,
    Maglev,
    Cors,
    Mirroring,
    Rewrites,
    JwtAuthentication,
    PathSeparatedPrefix,
    XdsClientPerTarget,
}

/// The first release of a language with a feature; `None`: not at all.
#[derive(Debug, Clone, Copy)]
pub struct Since {
    pub cpp: Option<Version>,
    pub python: Option<Version>,
    pub ruby: Option<Version>,
    pub php: Option<Version>,
    pub java: Option<Version>,
    pub go: Option<Version>,
    pub node: Option<Version>,
}

impl Since {
    pub fn get(&self, language: Language) -> Option<Version> {
        match language {
            Language::Cpp => self.cpp,
            Language::Python => self.python,
            Language::Ruby => self.ruby,
            Language::Php => self.php,
            Language::Java => self.java,
            Language::Go => self.go,
            Language::Node => self.node,
        }
    }
}

/// One row of the matrix.
#[derive(Debug)]
pub struct Row {
    pub feature: Feature,
    /// What the feature is, in gRPC's words.
    pub name: &'static str,
    /// The gRFC(s) that define it, or `-`.
    pub grfc: &'static str,
    pub since: Since,
    pub when_unsupported: Unsupported,
    /// Where the row's facts come from.
    pub source: &'static str,
}

const fn v(major: u32, minor: u32, patch: u32) -> Option<Version> {
    Some(Version::new(major, minor, patch))
}

/// A row where all four C-core languages share one version.
const fn core(
    c_core: Option<Version>,
    java: Option<Version>,
    go: Option<Version>,
    node: Option<Version>,
) -> Since {
    Since {
        cpp: c_core,
        python: c_core,
        ruby: c_core,
        php: c_core,
        java,
        go,
        node,
    }
}

const NEVER: Since = core(None, None, None, None);
const FEATURES_DOC: &str = "grpc/grpc doc/grpc_xds_features.md @049ca503";

/// The matrix: one row per feature.
pub static MATRIX: &[Row] = &[
    Row {
        feature: Feature::XdsClient,
        name: "xDS in the client channel: LDS, RDS, CDS, EDS over ADS",
        grfc: "A27",
        since: core(v(1, 30, 0), v(1, 30, 0), v(1, 30, 0), v(1, 2, 0)),
        when_unsupported: Unsupported::Fails,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::PathAndHeaderMatching,
        name: "request matching on path and headers; weighted clusters",
        grfc: "A28",
        since: core(v(1, 31, 0), v(1, 31, 0), v(1, 31, 0), v(1, 3, 0)),
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::CaseInsensitivePathMatching,
        name: "case-insensitive prefix and full-path matching",
        grfc: "–",
        since: core(v(1, 34, 0), v(1, 34, 0), v(1, 34, 0), v(1, 3, 0)),
        when_unsupported: Unsupported::Rejected,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::XdsV3,
        name: "xDS v3 APIs",
        grfc: "A30",
        since: core(v(1, 36, 0), v(1, 36, 0), v(1, 36, 0), v(1, 4, 0)),
        when_unsupported: Unsupported::Fails,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::MaxStreamDuration,
        name: "maximum stream duration (timeouts)",
        grfc: "A31",
        since: core(v(1, 37, 1), v(1, 37, 1), v(1, 37, 0), v(1, 4, 0)),
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::CircuitBreaking,
        name: "circuit breaking (max_requests only)",
        grfc: "A32",
        since: Since {
            cpp: v(1, 37, 1),
            python: v(1, 37, 1),
            ruby: v(1, 37, 1),
            php: None,
            java: v(1, 37, 1),
            go: v(1, 37, 0),
            node: v(1, 4, 0),
        },
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::FaultInjection,
        name: "fault injection (delay, abort)",
        grfc: "A33",
        since: core(v(1, 37, 1), v(1, 37, 1), v(1, 37, 0), v(1, 4, 0)),
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::ClientStatusDiscovery,
        name: "client status discovery service (CSDS)",
        grfc: "A40",
        since: Since {
            cpp: v(1, 37, 1),
            python: v(1, 38, 0),
            ruby: None,
            php: None,
            java: v(1, 37, 1),
            go: v(1, 37, 0),
            node: v(1, 5, 0),
        },
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::AggregateAndLogicalDnsClusters,
        name: "aggregate and logical DNS clusters",
        grfc: "A37",
        since: core(v(1, 47, 0), v(1, 39, 0), v(1, 52, 2), v(1, 9, 0)),
        when_unsupported: Unsupported::Rejected,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::RingHash,
        name: "ring hash load balancing (header hash policies)",
        grfc: "A42",
        since: Since {
            cpp: v(1, 40, 0),
            python: v(1, 40, 0),
            ruby: None,
            php: None,
            java: v(1, 40, 1),
            go: v(1, 41, 0),
            node: v(1, 10, 0),
        },
        when_unsupported: Unsupported::Rejected,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::Retry,
        name: "retries on gRPC status codes",
        grfc: "A44",
        since: Since {
            cpp: v(1, 40, 0),
            python: v(1, 40, 0),
            ruby: None,
            php: None,
            java: v(1, 40, 1),
            go: v(1, 41, 0),
            node: v(1, 8, 0),
        },
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::Security,
        name: "xDS security: certificate providers, mTLS",
        grfc: "A29",
        since: Since {
            cpp: v(1, 41, 0),
            python: v(1, 41, 0),
            ruby: None,
            php: None,
            java: v(1, 41, 0),
            go: v(1, 41, 0),
            node: None,
        },
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::Authorization,
        name: "authorization (RBAC HTTP filter on xDS servers)",
        grfc: "A41",
        since: Since {
            cpp: v(1, 51, 0),
            python: v(1, 51, 0),
            ruby: None,
            php: None,
            java: v(1, 42, 0),
            go: v(1, 42, 0),
            node: None,
        },
        when_unsupported: Unsupported::Rejected,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::LeastRequest,
        name: "least request load balancing",
        grfc: "A48",
        since: core(None, v(1, 73, 0), v(1, 73, 0), None),
        when_unsupported: Unsupported::Rejected,
        source: "grpc/grpc src/core/xds/grpc/xds_cluster_parser.cc (C-core: \"LB policy is not supported\"); \
                 grpc-go PR #8253 and grpc-java PR #12054/#12062 (on by default from 1.73; earlier behind \
                 GRPC_EXPERIMENTAL_ENABLE_LEAST_REQUEST)",
    },
    Row {
        feature: Feature::OutlierDetection,
        name: "outlier detection",
        grfc: "A50",
        since: core(v(1, 51, 0), v(1, 49, 0), v(1, 50, 0), v(1, 7, 0)),
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::IgnoreResourceDeletion,
        name: "ignore resource deletion",
        grfc: "A53",
        since: core(v(1, 48, 0), v(1, 48, 0), v(1, 55, 0), v(1, 7, 0)),
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::CustomLoadBalancing,
        name: "custom load balancing configuration (load_balancing_policy)",
        grfc: "A52",
        since: core(v(1, 55, 0), v(1, 47, 0), v(1, 56, 0), v(1, 10, 0)),
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::Federation,
        name: "xDS federation",
        grfc: "A47",
        since: core(v(1, 55, 0), v(1, 55, 0), v(1, 55, 0), None),
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::WeightedRoundRobin,
        name: "client-side weighted round robin",
        grfc: "A58",
        since: core(v(1, 55, 0), v(1, 54, 0), v(1, 56, 0), None),
        when_unsupported: Unsupported::Rejected,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::PickFirst,
        name: "pick first",
        grfc: "A62",
        since: core(v(1, 58, 0), v(1, 58, 1), v(1, 56, 0), None),
        when_unsupported: Unsupported::Rejected,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::HeaderStringMatcher,
        name: "StringMatcher in header matching (HeaderMatcher.string_match)",
        grfc: "A63",
        since: core(v(1, 56, 0), v(1, 53, 0), v(1, 56, 0), v(1, 9, 0)),
        when_unsupported: Unsupported::Rejected,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::LrsCustomMetrics,
        name: "LRS custom metrics",
        grfc: "A64",
        since: core(v(1, 54, 0), v(1, 57, 0), v(1, 63, 0), None),
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::BootstrapMtls,
        name: "mTLS credentials in the xDS bootstrap",
        grfc: "A65",
        since: core(v(1, 65, 0), None, v(1, 61, 0), None),
        when_unsupported: Unsupported::Fails,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::StatefulSession,
        name: "stateful session affinity (cookie)",
        grfc: "A55, A60, A75",
        since: core(v(1, 61, 0), None, None, None),
        when_unsupported: Unsupported::Rejected,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::LocalityMetricsLabel,
        name: "xDS locality label for OpenTelemetry metrics",
        grfc: "A78",
        since: Since {
            cpp: v(1, 63, 0),
            python: None,
            ruby: None,
            php: None,
            java: v(1, 64, 0),
            go: None,
            node: None,
        },
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::Fallback,
        name: "xDS fallback",
        grfc: "A71",
        since: core(v(1, 67, 0), v(1, 71, 0), v(1, 70, 0), None),
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::DualStack,
        name: "dual-stack backends",
        grfc: "A61",
        since: core(v(1, 66, 1), None, v(1, 71, 0), v(1, 12, 0)),
        when_unsupported: Unsupported::Ignored,
        source: FEATURES_DOC,
    },
    Row {
        feature: Feature::Maglev,
        name: "Maglev load balancing",
        grfc: "-",
        since: NEVER,
        when_unsupported: Unsupported::Rejected,
        source: "no gRPC LB policy registry has MAGLEV (grpc/grpc xds_cluster_parser.cc, grpc-go unmarshal_cds.go)",
    },
    Row {
        feature: Feature::Cors,
        name: "CORS filter (typed_per_filter_config envoy.filters.http.cors)",
        grfc: "A39",
        since: NEVER,
        when_unsupported: Unsupported::Rejected,
        source: "grpc/grpc src/core/xds/grpc/xds_http_filter_registry.cc; grpc-go httpfilter registry (A39: unknown non-optional filter override is a NACK)",
    },
    Row {
        feature: Feature::Mirroring,
        name: "request mirroring",
        grfc: "-",
        since: NEVER,
        when_unsupported: Unsupported::Ignored,
        source: "A28 (fields not covered are ignored); no gRFC covers request_mirror_policies",
    },
    Row {
        feature: Feature::Rewrites,
        name: "path and authority rewrites",
        grfc: "A81",
        since: NEVER,
        when_unsupported: Unsupported::Ignored,
        source: "A28; A81 covers only auto_host_rewrite, gated by trusted_xds_server",
    },
    Row {
        feature: Feature::JwtAuthentication,
        name: "JWT authentication (jwt_authn filter)",
        grfc: "-",
        since: NEVER,
        when_unsupported: Unsupported::Ignored,
        source: "no gRPC HTTP filter registry has jwt_authn; Istio's grpcgen builds none",
    },
    Row {
        feature: Feature::PathSeparatedPrefix,
        name: "path-separated prefix route matches (path_separated_prefix)",
        grfc: "-",
        since: NEVER,
        when_unsupported: Unsupported::Rejected,
        source: "A28 lists prefix, path and safe_regex only: grpc-go unmarshal_rds.go (unrecognized path specifier), grpc/grpc xds_route_config_parser.cc (invalid path specifier), grpc-java XdsRouteConfigureResource (prefix, path and safe_regex only)",
    },
    Row {
        feature: Feature::XdsClientPerTarget,
        name: "one xDS client, with its own ADS stream, per channel target (and one for xDS servers)",
        grfc: "A71",
        since: core(v(1, 67, 0), v(1, 71, 0), v(1, 66, 0), None),
        when_unsupported: Unsupported::Ignored,
        source: "grpc-go 1.66 (istio/istio#53532, grpc/grpc-go#7691); C-core and Java from their A71 fallback releases, which key xDS clients by target (seen with grpcio 1.85: one CSDS ClientConfig per target)",
    },
];

/// The row of a feature.
pub fn row(feature: Feature) -> &'static Row {
    MATRIX
        .iter()
        .find(|row| row.feature == feature)
        .unwrap_or(&MATRIX[0])
}

/// The runtime of a proxyless workload: one language at one release, or
/// `any` (C++, Python, Java, Go and Node, each at a current release).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Runtime {
    #[default]
    Any,
    Exact(Language, Version),
    /// A language at a current release (`--grpc go`).
    Latest(Language),
}

impl FromStr for Runtime {
    type Err = String;
    fn from_str(text: &str) -> Result<Runtime, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("any") {
            return Ok(Runtime::Any);
        }
        match text.split_once('@') {
            Some((language, version)) => Ok(Runtime::Exact(language.parse()?, version.parse()?)),
            None => Ok(Runtime::Latest(text.parse()?)),
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Runtime::Any => f.write_str("any"),
            Runtime::Exact(language, version) => write!(f, "{}@{version}", language.key()),
            Runtime::Latest(language) => f.write_str(language.key()),
        }
    }
}

/// A runtime that mis-handles a feature.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gap {
    pub language: Language,
    /// The release that added the feature, when the runtime is older; `None`
    /// when no release has it.
    pub fixed_in: Option<Version>,
    /// The release in use, when known.
    pub version: Option<Version>,
}

impl Runtime {
    /// The languages (and releases) of this runtime that lack `feature`.
    pub fn gaps(self, feature: Feature) -> Vec<Gap> {
        let since = row(feature).since;
        let check = |language: Language, version: Option<Version>| {
            let first = since.get(language);
            let missing = match (first, version) {
                (None, _) => true,
                (Some(first), Some(version)) => version < first,
                (Some(_), None) => false,
            };
            missing.then_some(Gap {
                language,
                fixed_in: first,
                version,
            })
        };
        match self {
            Runtime::Any => Language::ANY
                .into_iter()
                .filter_map(|language| check(language, None))
                .collect(),
            Runtime::Latest(language) => check(language, None).into_iter().collect(),
            Runtime::Exact(language, version) => {
                check(language, Some(version)).into_iter().collect()
            }
        }
    }

    pub fn supports(self, feature: Feature) -> bool {
        self.gaps(feature).is_empty()
    }
}

/// "gRPC C-core (C++, Python)", "gRPC Go 1.40 (added in 1.41)": gaps in
/// words, C-core languages that never had the feature grouped.
pub fn describe_gaps(gaps: &[Gap]) -> String {
    let mut gaps = gaps.to_vec();
    gaps.sort();
    gaps.dedup();
    let never = |g: &Gap| g.fixed_in.is_none() && g.version.is_none();
    if gaps.iter().all(never)
        && Language::ANY
            .iter()
            .all(|l| gaps.iter().any(|g| g.language == *l))
    {
        return "every gRPC runtime".to_string();
    }
    let mut parts = Vec::new();
    let never_in_core: Vec<Language> = gaps
        .iter()
        .filter(|g| g.language.is_c_core() && g.fixed_in.is_none() && g.version.is_none())
        .map(|g| g.language)
        .collect();
    if never_in_core.len() > 1 {
        let names: Vec<&str> = never_in_core.iter().map(|l| l.display()).collect();
        parts.push(format!("C-core ({})", names.join(", ")));
        gaps.retain(|g| !never_in_core.contains(&g.language));
    }
    for gap in gaps {
        let mut text = gap.language.display().to_string();
        match (gap.version, gap.fixed_in) {
            (Some(version), Some(fixed)) => {
                text.push_str(&format!(" {version} (added in {fixed})"))
            }
            (Some(version), None) => text.push_str(&format!(" {version}")),
            (None, Some(fixed)) => text.push_str(&format!(" before {fixed}")),
            (None, None) => {}
        }
        parts.push(text);
    }
    format!("gRPC {}", parts.join(", "))
}

/// The gRPC status codes by name, in code order (`OK` is 0).
pub const STATUS_NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// The code of a gRPC status name, case-insensitively.
pub fn status_code(name: &str) -> Option<u32> {
    STATUS_NAMES
        .iter()
        .position(|c| c.eq_ignore_ascii_case(name))
        .map(|n| n as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_since(cell: &str, language: Language) -> Option<Version> {
        // Cells read like "v1.40.0 (C++ & Python)", "v1.37.1 (N/A PHP)",
        // "v1.37.1 (C++), v1.38.0 (Python)", "1.41.0", "" (not listed).
        let cell = cell.trim();
        if cell.is_empty() {
            return None;
        }
        let name = language.display();
        for part in cell.split("), ") {
            let (version, note) = match part.split_once(" (") {
                Some((version, note)) => (version, Some(note.trim_end_matches(')'))),
                None => (part, None),
            };
            let applies = match note {
                None => true,
                Some(note) if note.starts_with("N/A") => !note.contains(name),
                Some(note) => note.split(['&', ',']).any(|n| n.trim() == name),
            };
            if applies {
                return version.trim().parse().ok();
            }
        }
        None
    }

    /// Every row sourced from gRPC's features doc agrees with the table
    /// transcribed from it, cell by cell.
    #[test]
    fn rows_match_grpc_features_doc() {
        let doc = include_str!("../testdata/grpc/grpc_xds_features.md");
        let mut checked = std::collections::BTreeSet::new();
        for line in doc
            .lines()
            .filter(|l| l.starts_with("| ") && !l.contains("---"))
        {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            if cells.len() != 6 || cells[0] == "Feature" {
                continue;
            }
            // Rows are keyed by their gRFC cell; the two A27 rows agree.
            let Some(row) = MATRIX
                .iter()
                .find(|r| r.source == FEATURES_DOC && r.grfc == cells[1])
            else {
                continue;
            };
            for language in Language::ALL {
                let column = match language {
                    Language::Java => 3,
                    Language::Go => 4,
                    Language::Node => 5,
                    _ => 2,
                };
                assert_eq!(
                    row.since.get(language),
                    parse_since(cells[column], language),
                    "{:?} for {language:?}",
                    row.feature
                );
            }
            checked.insert(format!("{:?}", row.feature));
        }
        let from_doc = MATRIX.iter().filter(|r| r.source == FEATURES_DOC).count();
        assert_eq!(
            checked.len(),
            from_doc,
            "every row from the doc found in it"
        );
    }

    #[test]
    fn least_request_per_library_code() {
        let gaps = Runtime::Any.gaps(Feature::LeastRequest);
        let languages: Vec<Language> = gaps.iter().map(|g| g.language).collect();
        assert_eq!(languages, [Language::Cpp, Language::Python, Language::Node]);
        assert!(
            Runtime::Exact(Language::Go, Version::new(1, 73, 0)).supports(Feature::LeastRequest)
        );
        assert!(
            !Runtime::Exact(Language::Go, Version::new(1, 72, 0)).supports(Feature::LeastRequest)
        );
        assert!(
            !Runtime::Exact(Language::Cpp, Version::new(1, 85, 0)).supports(Feature::LeastRequest)
        );
        assert_eq!(describe_gaps(&gaps), "gRPC C-core (C++, Python), Node");
    }

    #[test]
    fn gaps_everywhere_read_as_every_runtime() {
        assert_eq!(
            describe_gaps(&Runtime::Any.gaps(Feature::Maglev)),
            "every gRPC runtime"
        );
    }

    #[test]
    fn never_supported_rows_fail_everywhere() {
        for feature in [
            Feature::Maglev,
            Feature::Cors,
            Feature::Mirroring,
            Feature::Rewrites,
            Feature::JwtAuthentication,
        ] {
            assert_eq!(
                Runtime::Any.gaps(feature).len(),
                Language::ANY.len(),
                "{feature:?}"
            );
            let ruby = Runtime::Exact(Language::Ruby, Version::new(1, 66, 0));
            assert!(!ruby.supports(feature), "{feature:?}");
        }
    }

    #[test]
    fn runtimes_parse_and_differ() {
        let go: Runtime = "go@1.66".parse().unwrap();
        let cpp: Runtime = "cpp@1.62".parse().unwrap();
        assert_eq!(go.to_string(), "go@1.66");
        assert!(go.supports(Feature::HeaderStringMatcher));
        assert!(!cpp.supports(Feature::BootstrapMtls));
        assert!(go.supports(Feature::BootstrapMtls));
        assert_eq!("any".parse::<Runtime>().unwrap(), Runtime::Any);
        assert_eq!(
            "java".parse::<Runtime>().unwrap(),
            Runtime::Latest(Language::Java)
        );
        assert!("rust@1.0"
            .parse::<Runtime>()
            .unwrap_err()
            .contains("unknown gRPC language"));
        assert!("go@one"
            .parse::<Runtime>()
            .unwrap_err()
            .contains("not a version"));
        assert_eq!(
            describe_gaps(
                &"go@1.40"
                    .parse::<Runtime>()
                    .unwrap()
                    .gaps(Feature::RingHash)
            ),
            "gRPC Go 1.40 (added in 1.41)"
        );
    }
}
