//! Differential tests: `mesh analyze` against the xDS renderer.
//!
//! A proptest strategy generates small random meshes (1-3 namespaces, 1-3
//! Services, 1-4 workloads, PeerAuthentications, DestinationRules,
//! VirtualServices, some with Gateway API semantics and `uri` matches,
//! Sidecars, AuthorizationPolicies, GRPCRoutes attached to Services) as
//! YAML. Each mesh is loaded and indexed once (which converts the GRPCRoutes
//! into VirtualServices), analyzed once with every rule, and every
//! proxyless workload is rendered with the default options (a client
//! listener for every visible service port, plus its server listeners).
//! Six properties then ask whether what analyze concludes is what the
//! renderer emits:
//!
//! 1. [`check_mtls`]: GRPC040 (istio-mutual-to-plaintext-server) is
//!    reported for a host iff a proxyless client gets a cluster of that host
//!    with an upstream TLS transport socket while a proxyless server of the
//!    host has a plaintext inbound listener on the port that cluster's
//!    service port targets.
//! 2. [`check_identity`]: GRPC059 (identity-match-on-plaintext-server) is
//!    reported for rule `i` of an AuthorizationPolicy iff some proxyless
//!    server renders that rule as an RBAC policy matching on an
//!    authenticated principal in a plaintext inbound listener whose port the
//!    policy's permissions can match.
//! 3. [`check_visibility`]: a proxyless client C has a client listener for
//!    some port of Service host H whose route configuration has a virtual
//!    host iff `Context::proxyless_clients(service, H)` contains C.
//! 4. [`check_cors`]: GRPC001 (cors-policy-rejected) is reported on
//!    `spec.http[i].corsPolicy` of a VirtualService iff a route configuration
//!    rendered for some proxyless client holds a CORS override from that
//!    route, and the clients the finding names are exactly those.
//! 5. [`check_gateway_prefix`]: GRPC079 (path-separated-prefix-rejected) is
//!    reported on `spec.http[i].match[j].uri.prefix` of a VirtualService iff
//!    some proxyless client renders the route built from that match (route
//!    metadata names the VirtualService, route name `r{i}.m{j}`) as a
//!    `path_separated_prefix`, and the finding names exactly those clients.
//!    Meshes annotate some VirtualServices
//!    `internal.istio.io/route-semantics: gateway` and match on prefixes
//!    with and without a trailing `/`, `/`, exact paths and a regex.
//! 6. [`check_grpc_route_prefix`]: GRPC079 is reported on a GRPCRoute's
//!    `spec.rules[r].matches[m]` (a match on a service alone) iff some
//!    proxyless client renders, from a VirtualService generated from that
//!    GRPCRoute, rule `r`'s route as the `path_separated_prefix` `/SERVICE`;
//!    again naming exactly those clients.
//!
//! Every failure message starts each disagreement with a tag
//! (`[grpc040-extra:no-virtual-host]`, `[cors-missed]`...) saying which side
//! claims what, and prints the generated YAML. A failing mesh is shrunk by
//! proptest, then greedily ([`Minimized`]), so the YAML printed is minimal.
//! Minimal counterexamples found so far are kept in
//! `testdata/differential/*.yaml` (each file says, in its header, what each
//! side concludes), each checked by a plain `#[test]` below
//! (`counterexample_*`): they fail while analyze and the renderer disagree.
//!
//! The run is reproducible: a fixed ChaCha seed, no failure persistence.
//! `MESH_DIFF_CASES` sets the number of meshes per property (default
//! [`DEFAULT_CASES`]: about 3 min for the six properties in a debug build on
//! 2 shared cores when they hold) and `MESH_DIFF_SEED` the seed (a number, or
//! `random`, which prints the seed it picked). A longer random run:
//!
//! ```text
//! MESH_DIFF_CASES=20000 MESH_DIFF_SEED=random \
//!     cargo test --test differential -- --test-threads 2
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use envoy_types::pb::envoy::config::listener::v3::{filter, Listener};
use envoy_types::pb::envoy::config::rbac::v3::{permission, principal, Permission, Principal};
use envoy_types::pb::envoy::extensions::filters::http::rbac::v3::Rbac;
use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::{
    http_connection_manager::RouteSpecifier, http_filter, HttpConnectionManager,
};
use envoy_types::pb::google::protobuf::{value, Any};
use mesh::analyze::proxyless::workload_names;
use mesh::analyze::{analyze_for, Context, Selection};
use mesh::diagnostic::Diagnostic;
use mesh::grpc_support::Runtime;
use mesh::index::{Index, Workload};
use mesh::load::load_files;
use mesh::model::{MeshConfig, Spec};
use mesh::source::{Segment, SourceFile};
use mesh::xds::names::{ClusterKey, SERVER_LISTENER_PREFIX};
use mesh::xds::render::RenderOptions;
use mesh::xds::{Proxy, Renderer, Resources};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, RngSeed};
use prost::Message;

/// Meshes per property when `MESH_DIFF_CASES` is unset.
const DEFAULT_CASES: u32 = 3000;
/// The seed when `MESH_DIFF_SEED` is unset.
const DEFAULT_SEED: u64 = 0x6d65_7368_6469_6666; // "meshdiff"

fn config() -> ProptestConfig {
    let cases = std::env::var("MESH_DIFF_CASES")
        .ok()
        .map(|v| v.parse().expect("MESH_DIFF_CASES: a number of meshes"))
        .unwrap_or(DEFAULT_CASES);
    let seed = match std::env::var("MESH_DIFF_SEED").ok().as_deref() {
        None => DEFAULT_SEED,
        Some("random") => {
            // Printed (shown with a failure) so that the run can be replayed.
            let seed = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            eprintln!("MESH_DIFF_SEED={seed}");
            seed
        }
        Some(n) => n.parse().expect("MESH_DIFF_SEED: a number or `random`"),
    };
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        // Enough for proptest's shrinking and the greedy rounds after it
        // (a round tries up to ~100 simplifications), whatever `cases` is.
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// The generated mesh. Cross references are small numbers taken modulo the
// length of what they refer to, so every shrink of a list stays valid.

const NAMESPACES: [&str; 3] = ["ns1", "ns2", "ns3"];
const ROOT: &str = "istio-system";
const DOMAIN: &str = "svc.cluster.local";
const APPS: [&str; 2] = ["echo", "web"];
const VERSIONS: [&str; 2] = ["v1", "v2"];
const SERVICE_PORTS: [u32; 3] = [7070, 8080, 9090];
const PORT_NAMES: [Option<&str>; 8] = [
    Some("grpc"),
    Some("grpc-x"),
    Some("http"),
    Some("http2-x"),
    Some("tcp"),
    Some("tls"),
    Some("mysql"),
    None,
];
const APP_PROTOCOLS: [&str; 4] = ["grpc", "kubernetes.io/h2c", "http", "tcp"];
const TARGET_NUMBERS: [u32; 3] = [7070, 17070, 8080];
const TARGET_NAMES: [&str; 2] = ["grpc-c", "http-c"];
/// Container ports a workload may declare: number and name.
const CONTAINER_PORTS: [(u32, Option<&str>); 5] = [
    (7070, None),
    (7070, Some("grpc-c")),
    (17070, Some("grpc-c")),
    (8080, Some("http-c")),
    (9090, None),
];
const PORT_LEVEL_PORTS: [u32; 4] = [7070, 17070, 8080, 9090];
const MTLS_MODES: [&str; 4] = ["STRICT", "PERMISSIVE", "DISABLE", "UNSET"];
/// Equal values on purpose: istiod breaks ties by name.
const TIMESTAMPS: [&str; 4] = [
    "2024-01-01T00:00:00Z",
    "2023-06-01T12:00:00Z",
    "2024-01-01T00:00:00Z",
    "2025-03-04T05:06:07Z",
];
/// Name stems whose order differs from the order objects are generated in.
const NAME_STEMS: [&str; 3] = ["mid", "alpha", "zeta"];
/// `uri` conditions of a match: (kind, value). A prefix with and without
/// its trailing `/` and `/` itself (which Gateway API semantics leave a
/// plain prefix) beside exact paths and a regex, which stay as written.
const URI_MATCHES: [(&str, &str); 6] = [
    ("prefix", "/"),
    ("prefix", "/pkg.Svc/"),
    ("prefix", "/pkg.Svc"),
    ("exact", "/pkg.Svc/Call"),
    ("exact", "/pkg.Svc/"),
    ("regex", "/pkg.Svc/.+"),
];
/// The annotation istiod puts on VirtualServices it builds from Gateway API
/// routes; users may write it too.
const ROUTE_SEMANTICS: &str = "internal.istio.io/route-semantics";
/// gRPC services a GRPCRoute method match names.
const GRPC_SERVICES: [&str; 2] = ["pkg.Svc", "pkg.Other"];

#[derive(Debug, Clone)]
struct Mesh {
    namespaces: usize,
    services: Vec<ServiceGen>,
    workloads: Vec<WorkloadGen>,
    peer_authentications: Vec<PeerAuthGen>,
    destination_rules: Vec<DestinationRuleGen>,
    virtual_services: Vec<VirtualServiceGen>,
    sidecars: Vec<SidecarGen>,
    authorization_policies: Vec<AuthzGen>,
    grpc_routes: Vec<GrpcRouteGen>,
}

#[derive(Debug, Clone, Copy)]
enum ExportTo {
    Own,
    All,
    Namespace(usize),
    OwnAnd(usize),
}

#[derive(Debug, Clone, Copy)]
enum Selector {
    App(usize),
    Version(usize),
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Unset,
    Number(usize),
    Name(usize),
}

#[derive(Debug, Clone)]
struct PortGen {
    number: usize,
    name: usize,
    app_protocol: Option<usize>,
    target: Target,
}

#[derive(Debug, Clone)]
struct ServiceGen {
    namespace: usize,
    app: usize,
    ports: Vec<PortGen>,
    export_to: Option<ExportTo>,
}

#[derive(Debug, Clone)]
struct WorkloadGen {
    namespace: usize,
    deployment: bool,
    proxyless: bool,
    app: usize,
    version: Option<usize>,
    tls_mode_label: bool,
    ports: Vec<usize>,
}

#[derive(Debug, Clone, Copy)]
enum PeerAuthScope {
    Mesh,
    Namespace(usize),
    Workload(usize, Selector),
}

#[derive(Debug, Clone)]
struct PeerAuthGen {
    scope: PeerAuthScope,
    stem: usize,
    timestamp: Option<usize>,
    /// `None`: no `mtls`; `Some(None)`: `mtls: {}`; else the mode.
    mtls: Option<Option<usize>>,
    port_level: Option<(usize, usize)>,
}

#[derive(Debug, Clone, Copy)]
struct HostRef {
    service: usize,
    fqdn: bool,
}

#[derive(Debug, Clone)]
struct DestinationRuleGen {
    namespace: usize,
    host: HostRef,
    /// 0: ISTIO_MUTUAL, 1: DISABLE.
    tls: Option<usize>,
    port_level: Option<(usize, Option<usize>)>,
    subsets: Vec<(usize, Option<usize>)>,
    export_to: Option<ExportTo>,
}

#[derive(Debug, Clone, Copy)]
enum Gateways {
    Unset,
    Mesh,
    Gateway,
    Both,
}

#[derive(Debug, Clone)]
struct MatchGen {
    source_labels: Option<Selector>,
    source_namespace: Option<usize>,
    port: Option<usize>,
    header: bool,
    uri: Option<usize>,
}

#[derive(Debug, Clone)]
struct DestinationGen {
    subset: Option<usize>,
    port: Option<usize>,
    weight: u32,
}

#[derive(Debug, Clone)]
struct HttpGen {
    matches: Vec<MatchGen>,
    cors: bool,
    destinations: Vec<DestinationGen>,
}

#[derive(Debug, Clone)]
struct VirtualServiceGen {
    namespace: usize,
    host: HostRef,
    gateways: Gateways,
    export_to: Option<ExportTo>,
    /// Annotated `internal.istio.io/route-semantics: gateway`.
    gateway_semantics: bool,
    http: Vec<HttpGen>,
}

/// A GRPCRoute match and the `uri` istiod converts it to.
#[derive(Debug, Clone, Copy)]
enum GrpcMatchGen {
    /// `method: {service: S}`: prefix `/S/`.
    Service(usize),
    /// `method: {service: S, method: Call}`: exact path `/S/Call`.
    ServiceAndMethod(usize),
    /// `method: {method: Call}`: regex `/[^/]+/Call`.
    MethodOnly,
    /// No `method`, a header condition: no `uri`.
    Header,
}

#[derive(Debug, Clone)]
struct GrpcRuleGen {
    matches: Vec<GrpcMatchGen>,
    /// (Service, which of its ports) of each backendRef.
    backends: Vec<(usize, usize)>,
}

/// A GRPCRoute attached to a Service (GAMMA).
#[derive(Debug, Clone)]
struct GrpcRouteGen {
    namespace: usize,
    parent: usize,
    /// Which of the parent's ports `parentRef.port` names, if any.
    parent_port: Option<usize>,
    rules: Vec<GrpcRuleGen>,
}

#[derive(Debug, Clone, Copy)]
enum EgressHost {
    Own,
    Namespace(usize),
    All,
}

#[derive(Debug, Clone)]
struct SidecarGen {
    /// `None`: the root namespace.
    namespace: Option<usize>,
    selector: Option<Selector>,
    hosts: Vec<EgressHost>,
}

#[derive(Debug, Clone, Copy)]
enum SourceGen {
    Principals,
    NotPrincipals,
    Namespaces(usize),
    NotNamespaces(usize),
    ServiceAccounts,
    TrustDomains,
    IpBlocks,
    RequestPrincipals,
}

#[derive(Debug, Clone, Copy)]
enum WhenGen {
    SourceNamespace(usize),
    NotSourceNamespace(usize),
    SourcePrincipal,
    SourceServiceAccount,
    Header,
}

#[derive(Debug, Clone)]
struct AuthzRuleGen {
    from: Option<SourceGen>,
    when: Option<WhenGen>,
    to_port: Option<usize>,
}

#[derive(Debug, Clone)]
struct AuthzGen {
    /// `None`: the root namespace.
    namespace: Option<usize>,
    selector: Option<Selector>,
    /// 0: unset (ALLOW), 1: ALLOW, 2: DENY, 3: AUDIT.
    action: usize,
    rules: Vec<AuthzRuleGen>,
}

fn export_to() -> impl Strategy<Value = Option<ExportTo>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(ExportTo::Own)),
        1 => Just(Some(ExportTo::All)),
        1 => (0..3usize).prop_map(|n| Some(ExportTo::Namespace(n))),
        1 => (0..3usize).prop_map(|n| Some(ExportTo::OwnAnd(n))),
    ]
}

fn selector() -> impl Strategy<Value = Selector> {
    prop_oneof![
        3 => (0..APPS.len()).prop_map(Selector::App),
        1 => (0..VERSIONS.len()).prop_map(Selector::Version),
    ]
}

fn port() -> impl Strategy<Value = PortGen> {
    (
        0..SERVICE_PORTS.len(),
        0..PORT_NAMES.len(),
        prop_oneof![3 => Just(None), 2 => (0..APP_PROTOCOLS.len()).prop_map(Some)],
        prop_oneof![
            2 => Just(Target::Unset),
            2 => (0..TARGET_NUMBERS.len()).prop_map(Target::Number),
            1 => (0..TARGET_NAMES.len()).prop_map(Target::Name),
        ],
    )
        .prop_map(|(number, name, app_protocol, target)| PortGen {
            number,
            name,
            app_protocol,
            target,
        })
}

fn service() -> impl Strategy<Value = ServiceGen> {
    (
        0..3usize,
        0..APPS.len(),
        prop::collection::vec(port(), 1..=3),
        export_to(),
    )
        .prop_map(|(namespace, app, ports, export_to)| ServiceGen {
            namespace,
            app,
            ports,
            export_to,
        })
}

fn workload() -> impl Strategy<Value = WorkloadGen> {
    (
        0..3usize,
        any::<bool>(),
        prop::bool::weighted(0.8),
        0..APPS.len(),
        prop::option::of(0..VERSIONS.len()),
        prop::bool::weighted(0.25),
        prop::collection::vec(0..CONTAINER_PORTS.len(), 0..=2),
    )
        .prop_map(
            |(namespace, deployment, proxyless, app, version, tls_mode_label, ports)| WorkloadGen {
                namespace,
                deployment,
                proxyless,
                app,
                version,
                tls_mode_label,
                ports,
            },
        )
}

fn peer_authentication() -> impl Strategy<Value = PeerAuthGen> {
    (
        prop_oneof![
            1 => Just(PeerAuthScope::Mesh),
            1 => (0..3usize).prop_map(PeerAuthScope::Namespace),
            2 => (0..3usize, selector()).prop_map(|(n, s)| PeerAuthScope::Workload(n, s)),
        ],
        0..NAME_STEMS.len(),
        prop::option::of(0..TIMESTAMPS.len()),
        prop_oneof![
            1 => Just(None),
            1 => Just(Some(None)),
            6 => (0..MTLS_MODES.len()).prop_map(|m| Some(Some(m))),
        ],
        prop::option::weighted(0.3, (0..PORT_LEVEL_PORTS.len(), 0..MTLS_MODES.len())),
    )
        .prop_map(|(scope, stem, timestamp, mtls, port_level)| PeerAuthGen {
            scope,
            stem,
            timestamp,
            mtls,
            port_level,
        })
}

fn host_ref() -> impl Strategy<Value = HostRef> {
    (0..3usize, any::<bool>()).prop_map(|(service, fqdn)| HostRef { service, fqdn })
}

fn destination_rule() -> impl Strategy<Value = DestinationRuleGen> {
    (
        0..3usize,
        host_ref(),
        prop_oneof![1 => Just(None), 2 => Just(Some(0usize)), 1 => Just(Some(1usize))],
        prop::option::weighted(0.3, (0..SERVICE_PORTS.len(), prop::option::of(0..2usize))),
        prop::collection::vec(
            (0..VERSIONS.len(), prop::option::weighted(0.3, 0..2usize)),
            0..=2,
        ),
        export_to(),
    )
        .prop_map(|(namespace, host, tls, port_level, subsets, export_to)| {
            DestinationRuleGen {
                namespace,
                host,
                tls,
                port_level,
                subsets,
                export_to,
            }
        })
}

fn http_route() -> impl Strategy<Value = HttpGen> {
    let matcher = (
        prop::option::weighted(0.3, selector()),
        prop::option::weighted(0.3, 0..3usize),
        prop::option::weighted(0.3, 0..SERVICE_PORTS.len()),
        prop::bool::weighted(0.3),
        // Mostly prefixes other than `/`, what property 5 is about.
        prop::option::weighted(
            0.5,
            prop_oneof![
                1 => Just(0usize),
                3 => Just(1usize),
                2 => Just(2usize),
                1 => 3..URI_MATCHES.len(),
            ],
        ),
    )
        .prop_map(
            |(source_labels, source_namespace, port, header, uri)| MatchGen {
                source_labels,
                source_namespace,
                port,
                header,
                uri,
            },
        );
    let destination = (
        prop::option::of(0..VERSIONS.len()),
        prop::option::weighted(0.3, 0..SERVICE_PORTS.len()),
        prop_oneof![Just(0u32), Just(20), Just(80), Just(100)],
    )
        .prop_map(|(subset, port, weight)| DestinationGen {
            subset,
            port,
            weight,
        });
    (
        prop::collection::vec(matcher, 0..=2),
        prop::bool::weighted(0.4),
        prop::collection::vec(destination, 1..=2),
    )
        .prop_map(|(matches, cors, destinations)| HttpGen {
            matches,
            cors,
            destinations,
        })
}

fn virtual_service() -> impl Strategy<Value = VirtualServiceGen> {
    (
        0..3usize,
        host_ref(),
        prop_oneof![
            3 => Just(Gateways::Unset),
            1 => Just(Gateways::Mesh),
            1 => Just(Gateways::Gateway),
            1 => Just(Gateways::Both),
        ],
        export_to(),
        prop::bool::weighted(0.4),
        prop::collection::vec(http_route(), 1..=2),
    )
        .prop_map(
            |(namespace, host, gateways, export_to, gateway_semantics, http)| VirtualServiceGen {
                namespace,
                host,
                gateways,
                export_to,
                gateway_semantics,
                http,
            },
        )
}

fn sidecar() -> impl Strategy<Value = SidecarGen> {
    (
        prop::option::weighted(0.8, 0..3usize),
        prop::option::weighted(0.3, selector()),
        prop::collection::vec(
            prop_oneof![
                2 => Just(EgressHost::Own),
                2 => (0..3usize).prop_map(EgressHost::Namespace),
                1 => Just(EgressHost::All),
            ],
            1..=2,
        ),
    )
        .prop_map(|(namespace, selector, hosts)| SidecarGen {
            namespace,
            selector,
            hosts,
        })
}

fn authorization_policy() -> impl Strategy<Value = AuthzGen> {
    let source = prop_oneof![
        Just(SourceGen::Principals),
        Just(SourceGen::NotPrincipals),
        (0..3usize).prop_map(SourceGen::Namespaces),
        (0..3usize).prop_map(SourceGen::NotNamespaces),
        Just(SourceGen::ServiceAccounts),
        Just(SourceGen::TrustDomains),
        Just(SourceGen::IpBlocks),
        Just(SourceGen::RequestPrincipals),
    ];
    let when = prop_oneof![
        (0..3usize).prop_map(WhenGen::SourceNamespace),
        (0..3usize).prop_map(WhenGen::NotSourceNamespace),
        Just(WhenGen::SourcePrincipal),
        Just(WhenGen::SourceServiceAccount),
        Just(WhenGen::Header),
    ];
    let rule = (
        prop::option::weighted(0.7, source),
        prop::option::weighted(0.3, when),
        prop::option::weighted(0.3, 0..PORT_LEVEL_PORTS.len()),
    )
        .prop_map(|(from, when, to_port)| AuthzRuleGen {
            from,
            when,
            to_port,
        });
    (
        prop::option::weighted(0.8, 0..3usize),
        prop::option::weighted(0.6, selector()),
        0..4usize,
        prop::collection::vec(rule, 0..=2),
    )
        .prop_map(|(namespace, selector, action, rules)| AuthzGen {
            namespace,
            selector,
            action,
            rules,
        })
}

fn grpc_route() -> impl Strategy<Value = GrpcRouteGen> {
    let matcher = prop_oneof![
        3 => (0..GRPC_SERVICES.len()).prop_map(GrpcMatchGen::Service),
        2 => (0..GRPC_SERVICES.len()).prop_map(GrpcMatchGen::ServiceAndMethod),
        1 => Just(GrpcMatchGen::MethodOnly),
        1 => Just(GrpcMatchGen::Header),
    ];
    let rule = (
        prop::collection::vec(matcher, 0..=2),
        prop::collection::vec((0..3usize, 0..3usize), 1..=2),
    )
        .prop_map(|(matches, backends)| GrpcRuleGen { matches, backends });
    (
        0..3usize,
        0..3usize,
        prop::option::of(0..3usize),
        prop::collection::vec(rule, 1..=2),
    )
        .prop_map(|(namespace, parent, parent_port, rules)| GrpcRouteGen {
            namespace,
            parent,
            parent_port,
            rules,
        })
}

fn mesh_strategy() -> impl Strategy<Value = Mesh> {
    (
        1..=3usize,
        prop::collection::vec(service(), 1..=3),
        prop::collection::vec(workload(), 1..=4),
        prop::collection::vec(peer_authentication(), 0..=3),
        prop::collection::vec(destination_rule(), 0..=2),
        prop::collection::vec(virtual_service(), 0..=2),
        prop::collection::vec(sidecar(), 0..=1),
        prop::collection::vec(authorization_policy(), 0..=2),
        prop::collection::vec(grpc_route(), 0..=2),
    )
        .prop_map(
            |(
                namespaces,
                services,
                workloads,
                peer_authentications,
                destination_rules,
                virtual_services,
                sidecars,
                authorization_policies,
                grpc_routes,
            )| Mesh {
                namespaces,
                services,
                workloads,
                peer_authentications,
                destination_rules,
                virtual_services,
                sidecars,
                authorization_policies,
                grpc_routes,
            },
        )
}

// ---------------------------------------------------------------------------
// Shrinking. proptest shrinks each part of the mesh once, in order, so a
// part it could not drop early (another part still needed it) stays. Once
// proptest's own shrinking is done, [`Minimized`] goes on greedily: it tries
// every one-step simplification of the last failing mesh ([`simplifications`])
// and restarts from the first that still fails, until none does.

#[derive(Debug)]
struct Minimized<S>(S);

impl<S: Strategy<Value = Mesh>> Strategy for Minimized<S> {
    type Tree = MinimalMesh<S::Tree>;
    type Value = Mesh;

    fn new_tree(
        &self,
        runner: &mut proptest::test_runner::TestRunner,
    ) -> proptest::strategy::NewTree<Self> {
        let inner = self.0.new_tree(runner)?;
        let last_failing = inner.current();
        Ok(MinimalMesh {
            inner,
            greedy: false,
            current: last_failing.clone(),
            last_failing,
            candidates: Vec::new(),
        })
    }
}

struct MinimalMesh<T> {
    inner: T,
    /// proptest's shrinking is over: trying `candidates`.
    greedy: bool,
    current: Mesh,
    last_failing: Mesh,
    /// Simplifications of `last_failing` not tried yet, the next last.
    candidates: Vec<Mesh>,
}

impl<T: proptest::strategy::ValueTree<Value = Mesh>> MinimalMesh<T> {
    fn start_greedy(&mut self) -> bool {
        self.greedy = true;
        self.candidates = simplifications(&self.last_failing);
        self.candidates.reverse();
        self.next_candidate()
    }

    fn next_candidate(&mut self) -> bool {
        match self.candidates.pop() {
            Some(candidate) => {
                self.current = candidate;
                true
            }
            None => {
                self.current = self.last_failing.clone();
                false
            }
        }
    }
}

impl<T: proptest::strategy::ValueTree<Value = Mesh>> proptest::strategy::ValueTree
    for MinimalMesh<T>
{
    type Value = Mesh;

    fn current(&self) -> Mesh {
        if self.greedy {
            self.current.clone()
        } else {
            self.inner.current()
        }
    }

    /// Called when the current mesh failed (or first, on the original).
    fn simplify(&mut self) -> bool {
        self.last_failing = self.current();
        if !self.greedy && self.inner.simplify() {
            return true;
        }
        self.start_greedy()
    }

    /// Called when the current mesh passed.
    fn complicate(&mut self) -> bool {
        if !self.greedy {
            return self.inner.complicate() || self.start_greedy();
        }
        self.next_candidate()
    }
}

/// Every mesh one simplification step away from `m`.
fn simplifications(m: &Mesh) -> Vec<Mesh> {
    let mut out = Vec::new();
    macro_rules! each_removal {
        ($field:ident, $min:expr) => {
            if m.$field.len() > $min {
                for i in 0..m.$field.len() {
                    let mut c = m.clone();
                    c.$field.remove(i);
                    out.push(c);
                }
            }
        };
    }
    each_removal!(services, 1);
    each_removal!(workloads, 1);
    each_removal!(peer_authentications, 0);
    each_removal!(destination_rules, 0);
    each_removal!(virtual_services, 0);
    each_removal!(sidecars, 0);
    each_removal!(authorization_policies, 0);
    each_removal!(grpc_routes, 0);
    if m.namespaces > 1 {
        let mut c = m.clone();
        c.namespaces -= 1;
        out.push(c);
    }
    for i in 0..m.services.len() {
        let s = &m.services[i];
        let mut push = |f: &dyn Fn(&mut ServiceGen)| {
            let mut c = m.clone();
            f(&mut c.services[i]);
            out.push(c);
        };
        if s.ports.len() > 1 {
            for j in 0..s.ports.len() {
                push(&|s| {
                    s.ports.remove(j);
                });
            }
        }
        if s.export_to.is_some() {
            push(&|s| s.export_to = None);
        }
        if s.namespace != 0 {
            push(&|s| s.namespace = 0);
        }
        if s.app != 0 {
            push(&|s| s.app = 0);
        }
        for j in 0..s.ports.len() {
            let p = &s.ports[j];
            if p.app_protocol.is_some() {
                push(&|s| s.ports[j].app_protocol = None);
            }
            if !matches!(p.target, Target::Unset) {
                push(&|s| s.ports[j].target = Target::Unset);
            }
            if p.name != 0 {
                push(&|s| s.ports[j].name = 0);
            }
            if p.number != 0 {
                push(&|s| s.ports[j].number = 0);
            }
        }
    }
    for i in 0..m.workloads.len() {
        let w = &m.workloads[i];
        let mut push = |f: &dyn Fn(&mut WorkloadGen)| {
            let mut c = m.clone();
            f(&mut c.workloads[i]);
            out.push(c);
        };
        for j in 0..w.ports.len() {
            push(&|w| {
                w.ports.remove(j);
            });
        }
        if w.deployment {
            push(&|w| w.deployment = false);
        }
        if w.version.is_some() {
            push(&|w| w.version = None);
        }
        if w.tls_mode_label {
            push(&|w| w.tls_mode_label = false);
        }
        if w.namespace != 0 {
            push(&|w| w.namespace = 0);
        }
        if w.app != 0 {
            push(&|w| w.app = 0);
        }
        if !w.proxyless {
            push(&|w| w.proxyless = true);
        }
    }
    for i in 0..m.peer_authentications.len() {
        let p = &m.peer_authentications[i];
        let mut push = |f: &dyn Fn(&mut PeerAuthGen)| {
            let mut c = m.clone();
            f(&mut c.peer_authentications[i]);
            out.push(c);
        };
        if p.port_level.is_some() {
            push(&|p| p.port_level = None);
        }
        if p.timestamp.is_some() {
            push(&|p| p.timestamp = None);
        }
        if p.stem != 0 {
            push(&|p| p.stem = 0);
        }
        if !matches!(p.scope, PeerAuthScope::Mesh) {
            push(&|p| p.scope = PeerAuthScope::Mesh);
        }
        if let PeerAuthScope::Workload(n, _) = p.scope {
            push(&|p| p.scope = PeerAuthScope::Namespace(n));
        }
    }
    for i in 0..m.destination_rules.len() {
        let d = &m.destination_rules[i];
        let mut push = |f: &dyn Fn(&mut DestinationRuleGen)| {
            let mut c = m.clone();
            f(&mut c.destination_rules[i]);
            out.push(c);
        };
        for j in 0..d.subsets.len() {
            push(&|d| {
                d.subsets.remove(j);
            });
        }
        if d.port_level.is_some() {
            push(&|d| d.port_level = None);
        }
        if d.export_to.is_some() {
            push(&|d| d.export_to = None);
        }
        if d.tls.is_some() {
            push(&|d| d.tls = None);
        }
        if d.host.fqdn {
            push(&|d| d.host.fqdn = false);
        }
        if d.namespace != 0 {
            push(&|d| d.namespace = 0);
        }
    }
    for i in 0..m.virtual_services.len() {
        let v = &m.virtual_services[i];
        let mut push = |f: &dyn Fn(&mut VirtualServiceGen)| {
            let mut c = m.clone();
            f(&mut c.virtual_services[i]);
            out.push(c);
        };
        if v.http.len() > 1 {
            for j in 0..v.http.len() {
                push(&|v| {
                    v.http.remove(j);
                });
            }
        }
        if v.export_to.is_some() {
            push(&|v| v.export_to = None);
        }
        if !matches!(v.gateways, Gateways::Unset) {
            push(&|v| v.gateways = Gateways::Unset);
        }
        if v.gateway_semantics {
            push(&|v| v.gateway_semantics = false);
        }
        if v.host.fqdn {
            push(&|v| v.host.fqdn = false);
        }
        if v.namespace != 0 {
            push(&|v| v.namespace = 0);
        }
        for j in 0..v.http.len() {
            let h = &v.http[j];
            for k in 0..h.matches.len() {
                push(&|v| {
                    v.http[j].matches.remove(k);
                });
                let mm = &h.matches[k];
                if mm.source_labels.is_some() {
                    push(&|v| v.http[j].matches[k].source_labels = None);
                }
                if mm.source_namespace.is_some() {
                    push(&|v| v.http[j].matches[k].source_namespace = None);
                }
                if mm.port.is_some() {
                    push(&|v| v.http[j].matches[k].port = None);
                }
                if mm.header {
                    push(&|v| v.http[j].matches[k].header = false);
                }
                if mm.uri.is_some() {
                    push(&|v| v.http[j].matches[k].uri = None);
                }
            }
            if h.cors {
                push(&|v| v.http[j].cors = false);
            }
            if h.destinations.len() > 1 {
                for k in 0..h.destinations.len() {
                    push(&|v| {
                        v.http[j].destinations.remove(k);
                    });
                }
            }
            for k in 0..h.destinations.len() {
                if h.destinations[k].subset.is_some() {
                    push(&|v| v.http[j].destinations[k].subset = None);
                }
                if h.destinations[k].port.is_some() {
                    push(&|v| v.http[j].destinations[k].port = None);
                }
            }
        }
    }
    for i in 0..m.sidecars.len() {
        let s = &m.sidecars[i];
        let mut push = |f: &dyn Fn(&mut SidecarGen)| {
            let mut c = m.clone();
            f(&mut c.sidecars[i]);
            out.push(c);
        };
        if s.hosts.len() > 1 {
            for j in 0..s.hosts.len() {
                push(&|s| {
                    s.hosts.remove(j);
                });
            }
        }
        if s.selector.is_some() {
            push(&|s| s.selector = None);
        }
    }
    for i in 0..m.authorization_policies.len() {
        let a = &m.authorization_policies[i];
        let mut push = |f: &dyn Fn(&mut AuthzGen)| {
            let mut c = m.clone();
            f(&mut c.authorization_policies[i]);
            out.push(c);
        };
        for j in 0..a.rules.len() {
            push(&|a| {
                a.rules.remove(j);
            });
            let r = &a.rules[j];
            if r.from.is_some() {
                push(&|a| a.rules[j].from = None);
            }
            if r.when.is_some() {
                push(&|a| a.rules[j].when = None);
            }
            if r.to_port.is_some() {
                push(&|a| a.rules[j].to_port = None);
            }
        }
        if a.selector.is_some() {
            push(&|a| a.selector = None);
        }
        if a.action != 0 {
            push(&|a| a.action = 0);
        }
    }
    for i in 0..m.grpc_routes.len() {
        let g = &m.grpc_routes[i];
        let mut push = |f: &dyn Fn(&mut GrpcRouteGen)| {
            let mut c = m.clone();
            f(&mut c.grpc_routes[i]);
            out.push(c);
        };
        if g.rules.len() > 1 {
            for j in 0..g.rules.len() {
                push(&|g| {
                    g.rules.remove(j);
                });
            }
        }
        if g.parent_port.is_some() {
            push(&|g| g.parent_port = None);
        }
        if g.namespace != 0 {
            push(&|g| g.namespace = 0);
        }
        if g.parent != 0 {
            push(&|g| g.parent = 0);
        }
        for j in 0..g.rules.len() {
            let rule = &g.rules[j];
            for k in 0..rule.matches.len() {
                push(&|g| {
                    g.rules[j].matches.remove(k);
                });
            }
            if rule.backends.len() > 1 {
                for k in 0..rule.backends.len() {
                    push(&|g| {
                        g.rules[j].backends.remove(k);
                    });
                }
            }
            for k in 0..rule.backends.len() {
                if rule.backends[k] != (0, 0) {
                    push(&|g| g.rules[j].backends[k] = (0, 0));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The mesh as YAML. Every string scalar is written as a JSON string, which
// YAML reads as a double-quoted scalar: `*`, `./*` and `:` need no thought.

fn q(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

impl Mesh {
    fn ns(&self, i: usize) -> &'static str {
        NAMESPACES[i % self.namespaces]
    }

    fn service_name(i: usize) -> String {
        format!("svc{i}")
    }

    /// (namespace, name) of the Service a reference names.
    fn service_of(&self, host: HostRef) -> (&'static str, String) {
        let i = host.service % self.services.len();
        (self.ns(self.services[i].namespace), Mesh::service_name(i))
    }

    fn host(&self, host: HostRef) -> String {
        let (namespace, name) = self.service_of(host);
        if host.fqdn {
            format!("{name}.{namespace}.{DOMAIN}")
        } else {
            name
        }
    }

    fn export_list(&self, export: ExportTo) -> Vec<String> {
        match export {
            ExportTo::Own => vec![".".into()],
            ExportTo::All => vec!["*".into()],
            ExportTo::Namespace(n) => vec![self.ns(n).into()],
            ExportTo::OwnAnd(n) => vec![".".into(), self.ns(n).into()],
        }
    }

    fn selector_labels(selector: Selector) -> String {
        match selector {
            Selector::App(a) => format!("{{app: {}}}", q(APPS[a])),
            Selector::Version(v) => format!("{{version: {}}}", q(VERSIONS[v])),
        }
    }

    fn flow_list(items: &[String]) -> String {
        let quoted: Vec<String> = items.iter().map(|s| q(s)).collect();
        format!("[{}]", quoted.join(", "))
    }

    fn to_yaml(&self) -> String {
        let mut out = String::new();
        let mut doc = |text: String| {
            if !out.is_empty() {
                out.push_str("---\n");
            }
            out.push_str(&text);
        };
        for (i, s) in self.services.iter().enumerate() {
            let namespace = self.ns(s.namespace);
            let mut text = format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: {}\n  namespace: {}\n",
                Mesh::service_name(i),
                namespace
            );
            if let Some(export) = s.export_to {
                let _ = writeln!(
                    text,
                    "  annotations:\n    networking.istio.io/exportTo: {}",
                    q(&self.export_list(export).join(","))
                );
            }
            let _ = writeln!(
                text,
                "spec:\n  selector: {{app: {}}}\n  ports:",
                q(APPS[s.app])
            );
            let mut numbers = BTreeSet::new();
            let mut names = BTreeSet::new();
            let emitted: Vec<&PortGen> = s
                .ports
                .iter()
                .filter(|p| numbers.insert(SERVICE_PORTS[p.number]))
                .collect();
            for p in &emitted {
                let number = SERVICE_PORTS[p.number];
                let mut fields = vec![format!("port: {number}")];
                // Kubernetes wants a unique name on each port of a multi-port Service.
                let name = match PORT_NAMES[p.name] {
                    Some(name) if names.insert(name.to_string()) => Some(name.to_string()),
                    Some(name) => Some(format!("{name}-{number}")),
                    None if emitted.len() > 1 => Some(format!("port-{number}")),
                    None => None,
                };
                if let Some(name) = name {
                    fields.push(format!("name: {}", q(&name)));
                }
                if let Some(a) = p.app_protocol {
                    fields.push(format!("appProtocol: {}", q(APP_PROTOCOLS[a])));
                }
                match p.target {
                    Target::Unset => {}
                    Target::Number(t) => fields.push(format!("targetPort: {}", TARGET_NUMBERS[t])),
                    Target::Name(t) => fields.push(format!("targetPort: {}", q(TARGET_NAMES[t]))),
                }
                let _ = writeln!(text, "  - {{{}}}", fields.join(", "));
            }
            doc(text);
        }
        for (i, w) in self.workloads.iter().enumerate() {
            doc(self.workload_yaml(i, w));
        }
        for (i, p) in self.peer_authentications.iter().enumerate() {
            let (namespace, selector) = match p.scope {
                PeerAuthScope::Mesh => (ROOT, None),
                PeerAuthScope::Namespace(n) => (self.ns(n), None),
                PeerAuthScope::Workload(n, s) => (self.ns(n), Some(s)),
            };
            let mut text = format!(
                "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: {}-{i}\n  namespace: {namespace}\n",
                NAME_STEMS[p.stem]
            );
            if let Some(t) = p.timestamp {
                let _ = writeln!(text, "  creationTimestamp: {}", q(TIMESTAMPS[t]));
            }
            text.push_str("spec:\n");
            if let Some(s) = selector {
                let _ = writeln!(
                    text,
                    "  selector:\n    matchLabels: {}",
                    Mesh::selector_labels(s)
                );
            }
            match p.mtls {
                None => {}
                Some(None) => text.push_str("  mtls: {}\n"),
                Some(Some(m)) => {
                    let _ = writeln!(text, "  mtls: {{mode: {}}}", MTLS_MODES[m]);
                }
            }
            if let Some((port, mode)) = p.port_level {
                let _ = writeln!(
                    text,
                    "  portLevelMtls:\n    {}: {{mode: {}}}",
                    PORT_LEVEL_PORTS[port], MTLS_MODES[mode]
                );
            }
            doc(text);
        }
        for (i, d) in self.destination_rules.iter().enumerate() {
            doc(self.destination_rule_yaml(i, d));
        }
        for (i, v) in self.virtual_services.iter().enumerate() {
            doc(self.virtual_service_yaml(i, v));
        }
        for (i, s) in self.sidecars.iter().enumerate() {
            let namespace = s.namespace.map_or(ROOT, |n| self.ns(n));
            let mut text = format!(
                "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: sidecar{i}\n  namespace: {namespace}\nspec:\n"
            );
            if let Some(selector) = s.selector {
                let _ = writeln!(
                    text,
                    "  workloadSelector:\n    labels: {}",
                    Mesh::selector_labels(selector)
                );
            }
            let hosts: Vec<String> = s
                .hosts
                .iter()
                .map(|h| match h {
                    EgressHost::Own => "./*".to_string(),
                    EgressHost::Namespace(n) => format!("{}/*", self.ns(*n)),
                    EgressHost::All => "*/*".to_string(),
                })
                .collect();
            let _ = writeln!(text, "  egress:\n  - hosts: {}", Mesh::flow_list(&hosts));
            doc(text);
        }
        for (i, a) in self.authorization_policies.iter().enumerate() {
            doc(self.authorization_policy_yaml(i, a));
        }
        for (i, g) in self.grpc_routes.iter().enumerate() {
            doc(self.grpc_route_yaml(i, g));
        }
        out
    }

    /// A reference to Service `service` on its `port`-th port (modulo):
    /// `name`, `namespace` (when not `from`'s) and `port` fields.
    fn service_port_ref(&self, from: &str, service: usize, port: Option<usize>) -> Vec<String> {
        let i = service % self.services.len();
        let s = &self.services[i];
        let mut fields = vec![format!("name: {}", q(&Mesh::service_name(i)))];
        let namespace = self.ns(s.namespace);
        if namespace != from {
            fields.push(format!("namespace: {}", q(namespace)));
        }
        if let Some(p) = port {
            let number = SERVICE_PORTS[s.ports[p % s.ports.len()].number];
            fields.push(format!("port: {number}"));
        }
        fields
    }

    fn grpc_route_yaml(&self, i: usize, g: &GrpcRouteGen) -> String {
        let namespace = self.ns(g.namespace);
        let mut parent = vec!["group: \"\"".to_string(), "kind: Service".to_string()];
        parent.extend(self.service_port_ref(namespace, g.parent, g.parent_port));
        let mut text = format!(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata:\n  name: gr{i}\n  namespace: {namespace}\nspec:\n  parentRefs:\n  - {{{}}}\n  rules:\n",
            parent.join(", ")
        );
        for rule in &g.rules {
            let mut first = true;
            let mut line = |text: &mut String, body: String| {
                let _ = writeln!(text, "  {} {body}", if first { "-" } else { " " });
                first = false;
            };
            if !rule.matches.is_empty() {
                line(&mut text, "matches:".to_string());
                for m in &rule.matches {
                    let body = match *m {
                        GrpcMatchGen::Service(s) => {
                            format!("method: {{service: {}}}", q(GRPC_SERVICES[s]))
                        }
                        GrpcMatchGen::ServiceAndMethod(s) => format!(
                            "method: {{service: {}, method: \"Call\"}}",
                            q(GRPC_SERVICES[s])
                        ),
                        GrpcMatchGen::MethodOnly => "method: {method: \"Call\"}".to_string(),
                        GrpcMatchGen::Header => {
                            "headers: [{name: \"x-user\", value: \"a\"}]".to_string()
                        }
                    };
                    let _ = writeln!(text, "    - {{{body}}}");
                }
            }
            line(&mut text, "backendRefs:".to_string());
            for &(service, port) in &rule.backends {
                let fields = self.service_port_ref(namespace, service, Some(port));
                let _ = writeln!(text, "    - {{{}}}", fields.join(", "));
            }
        }
        text
    }

    fn workload_yaml(&self, i: usize, w: &WorkloadGen) -> String {
        let namespace = self.ns(w.namespace);
        let mut labels = vec![format!("app: {}", q(APPS[w.app]))];
        if let Some(v) = w.version {
            labels.push(format!("version: {}", q(VERSIONS[v])));
        }
        if w.tls_mode_label {
            labels.push("security.istio.io/tlsMode: \"istio\"".into());
        }
        let labels = format!("{{{}}}", labels.join(", "));
        let annotations = if w.proxyless {
            "{inject.istio.io/templates: \"grpc-agent\"}"
        } else {
            "{}"
        };
        let mut numbers = BTreeSet::new();
        let mut names = BTreeSet::new();
        let ports: Vec<String> = w
            .ports
            .iter()
            .map(|&p| CONTAINER_PORTS[p])
            .filter(|(number, name)| {
                numbers.insert(*number) && name.is_none_or(|n| names.insert(n))
            })
            .map(|(number, name)| match name {
                Some(name) => format!("{{containerPort: {number}, name: {}}}", q(name)),
                None => format!("{{containerPort: {number}}}"),
            })
            .collect();
        let container = if ports.is_empty() {
            "{name: app, image: \"app\"}".to_string()
        } else {
            format!(
                "{{name: app, image: \"app\", ports: [{}]}}",
                ports.join(", ")
            )
        };
        if w.deployment {
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w{i}\n  namespace: {namespace}\nspec:\n  selector:\n    matchLabels: {{app: {}}}\n  template:\n    metadata:\n      labels: {labels}\n      annotations: {annotations}\n    spec:\n      containers:\n      - {container}\n",
                q(APPS[w.app])
            )
        } else {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: w{i}\n  namespace: {namespace}\n  labels: {labels}\n  annotations: {annotations}\nspec:\n  containers:\n  - {container}\nstatus:\n  podIP: \"127.0.0.{}\"\n",
                i + 2
            )
        }
    }

    fn destination_rule_yaml(&self, i: usize, d: &DestinationRuleGen) -> String {
        const TLS: [&str; 2] = ["ISTIO_MUTUAL", "DISABLE"];
        let namespace = self.ns(d.namespace);
        let mut text = format!(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: dr{i}\n  namespace: {namespace}\nspec:\n  host: {}\n",
            q(&self.host(d.host))
        );
        if let Some(export) = d.export_to {
            let _ = writeln!(
                text,
                "  exportTo: {}",
                Mesh::flow_list(&self.export_list(export))
            );
        }
        if d.tls.is_some() || d.port_level.is_some() {
            text.push_str("  trafficPolicy:\n");
            if let Some(t) = d.tls {
                let _ = writeln!(text, "    tls: {{mode: {}}}", TLS[t]);
            }
            if let Some((port, tls)) = d.port_level {
                let _ = write!(
                    text,
                    "    portLevelSettings:\n    - port: {{number: {}}}\n",
                    SERVICE_PORTS[port]
                );
                match tls {
                    Some(t) => {
                        let _ = writeln!(text, "      tls: {{mode: {}}}", TLS[t]);
                    }
                    None => text.push_str("      loadBalancer: {simple: ROUND_ROBIN}\n"),
                }
            }
        }
        let mut seen = BTreeSet::new();
        let subsets: Vec<String> = d
            .subsets
            .iter()
            .filter(|(v, _)| seen.insert(*v))
            .map(|(v, tls)| {
                let mut s = format!(
                    "  - name: {}\n    labels: {{version: {}}}\n",
                    VERSIONS[*v],
                    q(VERSIONS[*v])
                );
                if let Some(t) = tls {
                    let _ = writeln!(s, "    trafficPolicy:\n      tls: {{mode: {}}}", TLS[*t]);
                }
                s
            })
            .collect();
        if !subsets.is_empty() {
            text.push_str("  subsets:\n");
            for s in subsets {
                text.push_str(&s);
            }
        }
        text
    }

    fn virtual_service_yaml(&self, i: usize, v: &VirtualServiceGen) -> String {
        let namespace = self.ns(v.namespace);
        let host = self.host(v.host);
        let mut text = format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: vs{i}\n  namespace: {namespace}\n",
        );
        if v.gateway_semantics {
            let _ = writeln!(text, "  annotations: {{{ROUTE_SEMANTICS}: \"gateway\"}}");
        }
        let _ = writeln!(text, "spec:\n  hosts: [{}]", q(&host));
        match v.gateways {
            Gateways::Unset => {}
            Gateways::Mesh => text.push_str("  gateways: [\"mesh\"]\n"),
            Gateways::Gateway => text.push_str("  gateways: [\"istio-system/ingress\"]\n"),
            Gateways::Both => text.push_str("  gateways: [\"mesh\", \"istio-system/ingress\"]\n"),
        }
        if let Some(export) = v.export_to {
            let _ = writeln!(
                text,
                "  exportTo: {}",
                Mesh::flow_list(&self.export_list(export))
            );
        }
        text.push_str("  http:\n");
        for (j, http) in v.http.iter().enumerate() {
            let _ = writeln!(text, "  - name: r{j}");
            if !http.matches.is_empty() {
                text.push_str("    match:\n");
                for (k, m) in http.matches.iter().enumerate() {
                    // Named, so that a rendered route (`r{j}.m{k}`) tells
                    // which match it is built from.
                    let mut fields = vec![format!("name: \"m{k}\"")];
                    if let Some(u) = m.uri {
                        let (kind, value) = URI_MATCHES[u];
                        fields.push(format!("uri: {{{kind}: {}}}", q(value)));
                    }
                    if let Some(s) = m.source_labels {
                        fields.push(format!("sourceLabels: {}", Mesh::selector_labels(s)));
                    }
                    if let Some(n) = m.source_namespace {
                        fields.push(format!("sourceNamespace: {}", q(self.ns(n))));
                    }
                    if let Some(p) = m.port {
                        fields.push(format!("port: {}", SERVICE_PORTS[p]));
                    }
                    if m.header {
                        fields.push("headers: {x-user: {exact: \"a\"}}".into());
                    }
                    let _ = writeln!(text, "    - {{{}}}", fields.join(", "));
                }
            }
            if http.cors {
                text.push_str("    corsPolicy: {allowOrigins: [{exact: \"https://a.example\"}]}\n");
            }
            text.push_str("    route:\n");
            let weighted = http.destinations.len() > 1;
            for d in &http.destinations {
                let mut destination = vec![format!("host: {}", q(&host))];
                if let Some(s) = d.subset {
                    destination.push(format!("subset: {}", VERSIONS[s]));
                }
                if let Some(p) = d.port {
                    destination.push(format!("port: {{number: {}}}", SERVICE_PORTS[p]));
                }
                let _ = write!(text, "    - destination: {{{}}}", destination.join(", "));
                if weighted {
                    let _ = write!(text, "\n      weight: {}", d.weight);
                }
                text.push('\n');
            }
        }
        text
    }

    fn authorization_policy_yaml(&self, i: usize, a: &AuthzGen) -> String {
        let namespace = a.namespace.map_or(ROOT, |n| self.ns(n));
        let mut text = format!(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: ap{i}\n  namespace: {namespace}\nspec:\n"
        );
        if let Some(s) = a.selector {
            let _ = writeln!(
                text,
                "  selector:\n    matchLabels: {}",
                Mesh::selector_labels(s)
            );
        }
        match a.action {
            1 => text.push_str("  action: ALLOW\n"),
            2 => text.push_str("  action: DENY\n"),
            3 => text.push_str("  action: AUDIT\n"),
            _ => {}
        }
        if a.rules.is_empty() {
            return text;
        }
        text.push_str("  rules:\n");
        for rule in &a.rules {
            let mut parts = Vec::new();
            if let Some(source) = rule.from {
                let field = match source {
                    SourceGen::Principals => {
                        format!("principals: [{}]", q("cluster.local/ns/ns1/sa/default"))
                    }
                    SourceGen::NotPrincipals => {
                        format!("notPrincipals: [{}]", q("cluster.local/ns/ns1/sa/default"))
                    }
                    SourceGen::Namespaces(n) => format!("namespaces: [{}]", q(self.ns(n))),
                    SourceGen::NotNamespaces(n) => format!("notNamespaces: [{}]", q(self.ns(n))),
                    SourceGen::ServiceAccounts => {
                        format!("serviceAccounts: [{}]", q("ns1/default"))
                    }
                    SourceGen::TrustDomains => format!("trustDomains: [{}]", q("cluster.local")),
                    SourceGen::IpBlocks => format!("ipBlocks: [{}]", q("127.0.0.0/8")),
                    SourceGen::RequestPrincipals => {
                        format!("requestPrincipals: [{}]", q("issuer/subject"))
                    }
                };
                parts.push(format!("from: [{{source: {{{field}}}}}]"));
            }
            if let Some(port) = rule.to_port {
                parts.push(format!(
                    "to: [{{operation: {{ports: [{}]}}}}]",
                    q(&PORT_LEVEL_PORTS[port].to_string())
                ));
            }
            if let Some(when) = rule.when {
                let condition = match when {
                    WhenGen::SourceNamespace(n) => {
                        format!("key: \"source.namespace\", values: [{}]", q(self.ns(n)))
                    }
                    WhenGen::NotSourceNamespace(n) => {
                        format!("key: \"source.namespace\", notValues: [{}]", q(self.ns(n)))
                    }
                    WhenGen::SourcePrincipal => format!(
                        "key: \"source.principal\", values: [{}]",
                        q("cluster.local/ns/ns1/sa/default")
                    ),
                    WhenGen::SourceServiceAccount => {
                        format!(
                            "key: \"source.serviceAccount\", values: [{}]",
                            q("ns1/default")
                        )
                    }
                    WhenGen::Header => {
                        format!("key: \"request.headers[x-user]\", values: [{}]", q("a"))
                    }
                };
                parts.push(format!("when: [{{{condition}}}]"));
            }
            if parts.is_empty() {
                text.push_str("  - {}\n");
            } else {
                let _ = writeln!(text, "  - {}", parts.join("\n    "));
            }
        }
        text
    }
}

// ---------------------------------------------------------------------------
// One mesh, loaded, indexed, analyzed and rendered once.

struct Rendered {
    proxy: Proxy,
    resources: Resources,
}

impl Rendered {
    fn id(&self) -> String {
        format!("{}/{}", self.proxy.namespace, self.proxy.pod_name)
    }

    fn listener(&self, name: &str) -> Option<&Listener> {
        self.resources.listeners.iter().find(|l| l.name == name)
    }
}

struct World<'a> {
    index: &'a Index,
    context: Context<'a>,
    findings: Vec<Diagnostic>,
    rendered: Vec<Rendered>,
}

impl World<'_> {
    /// Findings of `code` on an object of `kind`: (namespace, name, field, message).
    fn findings(&self, code: &str, kind: &str) -> Vec<(String, String, String, String)> {
        self.findings
            .iter()
            .filter(|d| d.code == code)
            .filter_map(|d| {
                let origin = d.origin.as_ref()?;
                (origin.kind == kind).then(|| {
                    (
                        origin.namespace.clone().unwrap_or_default(),
                        origin.name.clone(),
                        d.field.as_ref().map(|f| f.to_string()).unwrap_or_default(),
                        d.message.clone(),
                    )
                })
            })
            .collect()
    }

    fn workload(&self, id: &str) -> &Workload {
        self.index
            .workloads()
            .iter()
            .find(|w| format!("{}/{}", w.namespace, w.name) == id)
            .expect("a rendered proxy is a workload of the index")
    }
}

/// Loads, indexes, analyzes and renders `yaml`, then runs `check` on it.
fn evaluate<R>(yaml: &str, check: impl FnOnce(&World<'_>) -> R) -> R {
    let loaded = load_files(vec![SourceFile::new("mesh.yaml", yaml.to_string())]);
    assert!(
        loaded.errors.is_empty(),
        "generator bug: the loader refused the mesh: {:?}\n{yaml}",
        loaded.errors
    );
    for object in &loaded.objects {
        assert!(
            object.schema_errors.is_empty() && !matches!(object.spec, Spec::Raw),
            "generator bug: {} does not fit its schema: {:?}\n{yaml}",
            object.origin(),
            object.schema_errors
        );
    }
    let index = Index::build(loaded.objects, MeshConfig::default());
    let findings = analyze_for(&index, &Selection::default(), Runtime::Any);
    let rendered = Proxy::all_proxyless(&index)
        .into_iter()
        .map(|proxy| {
            let resources = mesh::xds::render(&index, &proxy, &RenderOptions::default())
                .unwrap_or_else(|e| panic!("render {}: {e}\n{yaml}", proxy.pod_name));
            Rendered { proxy, resources }
        })
        .collect();
    let world = World {
        index: &index,
        context: Context::new(&index, Runtime::Any),
        findings,
        rendered,
    };
    check(&world)
}

fn hcm(any: &Any) -> Option<HttpConnectionManager> {
    HttpConnectionManager::decode(any.value.as_slice()).ok()
}

/// The connection manager of a server listener's (only) filter chain.
fn server_manager(listener: &Listener) -> Option<HttpConnectionManager> {
    listener
        .filter_chains
        .iter()
        .flat_map(|c| &c.filters)
        .find_map(|f| match &f.config_type {
            Some(filter::ConfigType::TypedConfig(any)) => hcm(any),
            _ => None,
        })
}

fn plaintext(listener: &Listener) -> bool {
    listener
        .filter_chains
        .iter()
        .all(|c| c.transport_socket.is_none())
}

/// Server listeners of a rendered workload: (port, listener).
fn server_listeners(rendered: &Rendered) -> Vec<(u32, &Listener)> {
    rendered
        .resources
        .listeners
        .iter()
        .filter_map(|l| {
            let address = l.name.strip_prefix(SERVER_LISTENER_PREFIX)?;
            let port = address.rsplit_once(':')?.1.parse().ok()?;
            Some((port, l))
        })
        .collect()
}

/// The IP of an endpoint.
fn endpoint_address(
    endpoint: &envoy_types::pb::envoy::config::endpoint::v3::LbEndpoint,
) -> Option<String> {
    use envoy_types::pb::envoy::config::core::v3::address;
    use envoy_types::pb::envoy::config::endpoint::v3::lb_endpoint::HostIdentifier;
    let Some(HostIdentifier::Endpoint(endpoint)) = &endpoint.host_identifier else {
        return None;
    };
    match endpoint.address.as_ref()?.address.as_ref()? {
        address::Address::SocketAddress(socket) => Some(socket.address.clone()),
        _ => None,
    }
}

fn report(disagreements: Vec<String>) -> Result<(), String> {
    if disagreements.is_empty() {
        Ok(())
    } else {
        Err(disagreements.join("\n"))
    }
}

// ---------------------------------------------------------------------------
// Property 1: GRPC040 against client cluster TLS and server listener TLS.
//
// GRPC040 reports a DestinationRule field that gives some proxyless client a
// cluster with ISTIO_MUTUAL towards a server that takes plaintext on the
// targeted port. The renderer side: some proxyless client has a cluster
// `outbound|P|S|H` with a transport socket, and some proxyless server among
// that cluster's endpoints has a rendered inbound listener without one on
// the container port that service port P targets.

fn check_mtls(world: &World<'_>) -> Result<(), String> {
    let index = world.index;
    let mut analyzed: BTreeMap<String, String> = BTreeMap::new();
    for (namespace, name, _, message) in world.findings("GRPC040", "DestinationRule") {
        let host = index.objects.iter().find_map(|o| match &o.spec {
            Spec::DestinationRule(rule)
                if o.meta.name == name && o.meta.namespace.as_deref() == Some(&namespace) =>
            {
                rule.host
                    .as_deref()
                    .map(|h| index.config_host_fqdn(h, &namespace))
            }
            _ => None,
        });
        let Some(host) = host else {
            panic!("GRPC040 on DestinationRule {namespace}/{name}, which has no host");
        };
        analyzed.insert(
            host,
            format!("DestinationRule {namespace}/{name}: {message}"),
        );
    }
    // Per host: the TLS clusters clients render, and what the servers'
    // listeners on the targeted ports are.
    let mut tls_clusters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut targeted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rendered: BTreeMap<String, String> = BTreeMap::new();
    for client in &world.rendered {
        for cluster in &client.resources.clusters {
            if cluster.transport_socket.is_none() {
                continue;
            }
            let Some(key) = ClusterKey::parse(&cluster.name) else {
                continue;
            };
            tls_clusters
                .entry(key.host.clone())
                .or_default()
                .push(format!("{} has {}", client.id(), cluster.name));
            // The servers behind the cluster: those among its endpoints
            // (a subset cluster reaches only the subset's pods).
            let endpoints: Vec<String> = client
                .resources
                .endpoints
                .iter()
                .filter(|e| e.cluster_name == cluster.name)
                .flat_map(|e| &e.endpoints)
                .flat_map(|l| &l.lb_endpoints)
                .filter_map(endpoint_address)
                .collect();
            // A pod template has no IP: it is behind the cluster when it
            // has the subset's labels.
            let subset: BTreeMap<String, String> = if key.subset.is_empty() {
                BTreeMap::new()
            } else {
                let client_view = mesh::semantics::destination_rule::Client {
                    namespace: &client.proxy.namespace,
                    labels: Some(&client.proxy.labels),
                };
                let service_namespace = key.host.split('.').nth(1);
                mesh::semantics::destination_rule::applied(
                    index,
                    client_view,
                    &key.host,
                    service_namespace,
                )
                .and_then(|rule| {
                    rule.spec
                        .subsets
                        .iter()
                        .find(|s| s.name.as_deref() == Some(key.subset.as_str()))
                        .map(|s| s.labels.clone())
                })
                .unwrap_or_default()
            };
            for server in &world.rendered {
                let behind = match &server.proxy.ip {
                    Some(ip) => endpoints.contains(ip),
                    None => subset
                        .iter()
                        .all(|(k, v)| server.proxy.labels.get(k) == Some(v)),
                };
                if !behind {
                    continue;
                }
                let renderer = Renderer::new(index, &server.proxy);
                for served in renderer.served_ports() {
                    if served.service.host != key.host || served.port().port != key.port {
                        continue;
                    }
                    {
                        let target = served.target;
                        let name = format!("{SERVER_LISTENER_PREFIX}0.0.0.0:{target}");
                        let state = match server.listener(&name) {
                            None => "no listener",
                            Some(l) if plaintext(l) => "plaintext",
                            Some(_) => "mTLS",
                        };
                        targeted
                            .entry(key.host.clone())
                            .or_default()
                            .push(format!("{} {name}: {state}", server.id()));
                        if state == "plaintext" {
                            rendered.entry(key.host.clone()).or_insert_with(|| {
                                format!(
                                    "client {} has TLS cluster {}, server {} has plaintext listener {name}",
                                    client.id(),
                                    cluster.name,
                                    server.id()
                                )
                            });
                        }
                    }
                }
            }
        }
    }
    let mut disagreements = Vec::new();
    for (host, why) in &analyzed {
        if rendered.contains_key(host) {
            continue;
        }
        // Why the renderer shows no such pair, from the client side first.
        let prefix = format!("{host}:");
        let clusters: Vec<String> = world
            .rendered
            .iter()
            .flat_map(|c| &c.resources.clusters)
            .map(|c| c.name.clone())
            .filter(|n| ClusterKey::parse(n).is_some_and(|k| k.host == *host))
            .collect();
        let (tag, detail) = if let Some(tls) = tls_clusters.get(host) {
            let servers = targeted.get(host).cloned().unwrap_or_default();
            let tag = if servers.is_empty() {
                "grpc040-extra:no-proxyless-server-port"
            } else if servers.iter().any(|s| s.ends_with("mTLS")) {
                "grpc040-extra:server-mtls"
            } else {
                "grpc040-extra:no-server-listener"
            };
            (tag, format!("TLS clusters {tls:?}; servers {servers:?}"))
        } else if !clusters.is_empty() {
            (
                "grpc040-extra:clusters-plaintext",
                format!("clients render {clusters:?}, none with TLS"),
            )
        } else if world.rendered.iter().any(|c| routes_to(c, host).is_some()) {
            (
                "grpc040-extra:routes-elsewhere",
                "clients have a virtual host for it, but render no cluster of it".to_string(),
            )
        } else if world.rendered.iter().any(|c| {
            c.resources
                .listeners
                .iter()
                .any(|l| l.name.starts_with(&prefix))
        }) {
            (
                "grpc040-extra:no-virtual-host",
                "clients have listeners for it, but no virtual host".to_string(),
            )
        } else {
            (
                "grpc040-extra:unseen",
                "no proxyless client has a listener for it".to_string(),
            )
        };
        disagreements.push(format!(
            "[{tag}] GRPC040 for {host}, but no proxyless client renders an mTLS cluster of it towards a plaintext server listener of it: {detail} ({why})"
        ));
    }
    for (host, why) in &rendered {
        if !analyzed.contains_key(host) {
            disagreements.push(format!("[grpc040-missed] no GRPC040 for {host}, but {why}"));
        }
    }
    report(disagreements)
}

// ---------------------------------------------------------------------------
// Property 2: GRPC059 against RBAC on plaintext server listeners.
//
// GRPC059 reports rule `i` of an ALLOW or DENY AuthorizationPolicy (at
// `spec.rules[i]...`) when the rule matches on peer identity and the policy
// selects a proxyless server with a plaintext listening port. The renderer
// side: a proxyless workload's rendered inbound listener without a transport
// socket carries an RBAC policy `NS-NAME-i` whose principals use an
// authenticated principal name and whose permissions can match that
// listener's port.

/// Three-valued: whether a permission can match a request on `port`, when
/// only the destination port is known (`None`: depends on the request).
fn permission_on_port(p: &Permission, port: u32) -> Option<bool> {
    use permission::Rule;
    match p.rule.as_ref()? {
        Rule::Any(any) => Some(*any),
        Rule::DestinationPort(p) => Some(*p == port),
        Rule::AndRules(set) => {
            let results: Vec<_> = set
                .rules
                .iter()
                .map(|r| permission_on_port(r, port))
                .collect();
            if results.contains(&Some(false)) {
                Some(false)
            } else if results.iter().all(|r| *r == Some(true)) {
                Some(true)
            } else {
                None
            }
        }
        Rule::OrRules(set) => {
            let results: Vec<_> = set
                .rules
                .iter()
                .map(|r| permission_on_port(r, port))
                .collect();
            if results.contains(&Some(true)) {
                Some(true)
            } else if results.iter().all(|r| *r == Some(false)) {
                Some(false)
            } else {
                None
            }
        }
        Rule::NotRule(inner) => permission_on_port(inner, port).map(|b| !b),
        _ => None,
    }
}

fn uses_authenticated(p: &Principal) -> bool {
    use principal::Identifier;
    match p.identifier.as_ref() {
        Some(Identifier::Authenticated(_)) => true,
        Some(Identifier::AndIds(set) | Identifier::OrIds(set)) => {
            set.ids.iter().any(uses_authenticated)
        }
        Some(Identifier::NotId(inner)) => uses_authenticated(inner),
        _ => false,
    }
}

fn rbac_filters(manager: &HttpConnectionManager) -> Vec<Rbac> {
    manager
        .http_filters
        .iter()
        .filter(|f| f.name.starts_with("envoy.filters.http.rbac"))
        .filter_map(|f| match &f.config_type {
            Some(http_filter::ConfigType::TypedConfig(any)) => {
                Rbac::decode(any.value.as_slice()).ok()
            }
            _ => None,
        })
        .collect()
}

fn check_identity(world: &World<'_>) -> Result<(), String> {
    let index = world.index;
    // (namespace, name, rule) → a finding's message.
    let mut analyzed: BTreeMap<(String, String, usize), String> = BTreeMap::new();
    for (namespace, name, field, message) in world.findings("GRPC059", "AuthorizationPolicy") {
        let path = mesh::source::FieldPath::parse(&field).expect("a field path");
        let rule = match path.0.as_slice() {
            [Segment::Field(spec), Segment::Field(rules), Segment::Index(i), ..]
                if spec == "spec" && rules == "rules" =>
            {
                *i
            }
            _ => panic!("GRPC059 at {field}, not under spec.rules[i]"),
        };
        analyzed.insert((namespace, name, rule), message);
    }
    // RBAC policy name → (namespace, name, rule), from the policies in the mesh.
    let mut names: BTreeMap<String, (String, String, usize)> = BTreeMap::new();
    for object in &index.objects {
        if let Spec::AuthorizationPolicy(policy) = &object.spec {
            let namespace = object.namespace_or("default").to_string();
            for i in 0..policy.rules.len() {
                names.insert(
                    // istiod's RBAC policy names.
                    format!("ns[{namespace}]-policy[{}]-rule[{i}]", object.meta.name),
                    (namespace.clone(), object.meta.name.clone(), i),
                );
            }
        }
    }
    let mut rendered: BTreeMap<(String, String, usize), String> = BTreeMap::new();
    // Every listener each rule is rendered in, and how.
    let mut seen: BTreeMap<(String, String, usize), BTreeSet<String>> = BTreeMap::new();
    for server in &world.rendered {
        for (port, listener) in server_listeners(server) {
            let Some(manager) = server_manager(listener) else {
                continue;
            };
            for rbac in rbac_filters(&manager) {
                let Some(rules) = rbac.rules else { continue };
                for (policy_name, policy) in &rules.policies {
                    let key = names
                        .get(policy_name)
                        .unwrap_or_else(|| {
                            panic!("RBAC policy {policy_name} from no AuthorizationPolicy")
                        })
                        .clone();
                    let identity = policy.principals.iter().any(uses_authenticated);
                    let on_port = policy
                        .permissions
                        .iter()
                        .any(|p| permission_on_port(p, port) != Some(false));
                    let state = match (plaintext(listener), identity, on_port) {
                        (false, _, _) => "mtls-listener",
                        (true, false, _) => "no-identity",
                        (true, true, false) => "other-port",
                        (true, true, true) => "plaintext",
                    };
                    seen.entry(key.clone()).or_default().insert(format!(
                        "{} {}: {state}",
                        server.id(),
                        listener.name
                    ));
                    if state != "plaintext" {
                        continue;
                    }
                    rendered.entry(key).or_insert_with(|| {
                        format!(
                            "{} renders RBAC policy {policy_name} matching an authenticated principal in plaintext listener {}",
                            server.id(),
                            listener.name
                        )
                    });
                }
            }
        }
    }
    let mut disagreements = Vec::new();
    for (key, message) in &analyzed {
        if rendered.contains_key(key) {
            continue;
        }
        let (namespace, name, rule) = key;
        let states = seen.get(key).cloned().unwrap_or_default();
        let tag = if states.is_empty() {
            "grpc059-extra:not-rendered"
        } else if states.iter().any(|s| s.ends_with("other-port")) {
            "grpc059-extra:other-port"
        } else if states.iter().any(|s| s.ends_with("no-identity")) {
            "grpc059-extra:no-identity"
        } else {
            "grpc059-extra:mtls-listener"
        };
        disagreements.push(format!(
            "[{tag}] GRPC059 on AuthorizationPolicy {namespace}/{name} spec.rules[{rule}], but no proxyless server renders that rule's identity match on a plaintext listener port it applies to (rendered: {states:?}) ({message})"
        ));
    }
    for ((namespace, name, rule), why) in &rendered {
        if !analyzed.contains_key(&(namespace.clone(), name.clone(), *rule)) {
            disagreements.push(format!(
                "[grpc059-missed] no GRPC059 on AuthorizationPolicy {namespace}/{name} spec.rules[{rule}], but {why}"
            ));
        }
    }
    report(disagreements)
}

// ---------------------------------------------------------------------------
// Property 3: analyze's proxyless clients of a Service host against the
// client listeners (with a virtual host) rendered for it.
//
// `Context::proxyless_clients(config, host)` is keyed by (the config's
// namespace, its exportTo, host); for a Service object the config exportTo is
// the mesh default, and the Service's own `networking.istio.io/exportTo`
// decides which namespaces see the host. It looks at nothing else: not the
// Sidecar egress hosts, not the port protocols. What analyze claims is thus
// "C receives config for H"; the rules built on it (GRPC040's "every RPC
// from proxyless clients ... fails", GRPC036's "clients dial it") read it as
// "C dials H over xDS", which needs a virtual host. This property checks the
// latter: `[visibility-extra:no-listener]` is the Sidecar gap,
// `[visibility-extra:no-virtual-host]` the port protocol gap (known
// disagreements b and c).

/// Whether a rendered client has a listener for some port of `host` whose
/// route configuration has a virtual host.
fn routes_to(rendered: &Rendered, host: &str) -> Option<String> {
    let prefix = format!("{host}:");
    rendered.resources.listeners.iter().find_map(|l| {
        if !l.name.starts_with(&prefix) {
            return None;
        }
        let any = l.api_listener.as_ref()?.api_listener.as_ref()?;
        let Some(RouteSpecifier::Rds(rds)) = hcm(any)?.route_specifier else {
            return None;
        };
        let config = rendered
            .resources
            .routes
            .iter()
            .find(|r| r.name == rds.route_config_name)?;
        (!config.virtual_hosts.is_empty()).then(|| format!("{} via {}", l.name, config.name))
    })
}

fn check_visibility(world: &World<'_>) -> Result<(), String> {
    let index = world.index;
    let mut disagreements = Vec::new();
    for object in &index.objects {
        let Spec::Service(_) = &object.spec else {
            continue;
        };
        let namespace = object.namespace_or("default");
        let host = format!(
            "{}.{namespace}.svc.{}",
            object.meta.name, index.cluster_domain
        );
        let analyzed: BTreeSet<String> = world
            .context
            .proxyless_clients(object, &host)
            .iter()
            .map(|w| format!("{}/{}", w.namespace, w.name))
            .collect();
        for client in &world.rendered {
            let id = client.id();
            let routed = routes_to(client, &host);
            let listed = analyzed.contains(&id);
            match (listed, routed) {
                (true, None) => {
                    let listeners: Vec<&str> = client
                        .resources
                        .listeners
                        .iter()
                        .map(|l| l.name.as_str())
                        .filter(|n| n.starts_with(&format!("{host}:")))
                        .collect();
                    let tag = if listeners.is_empty() {
                        "visibility-extra:no-listener"
                    } else {
                        "visibility-extra:no-virtual-host"
                    };
                    disagreements.push(format!(
                        "[{tag}] proxyless_clients({host}) lists {id}, but no client listener of {id} for {host} has a virtual host (its listeners for the host: {listeners:?})"
                    ))
                }
                (false, Some(how)) => disagreements.push(format!(
                    "[visibility-missed] proxyless_clients({host}) leaves out {id}, but {id} routes to it: {how}"
                )),
                _ => {}
            }
        }
    }
    report(disagreements)
}

// ---------------------------------------------------------------------------
// Property 4: GRPC001 (cors-policy-rejected) against CORS overrides in the
// rendered route configurations.
//
// GRPC001 reports `spec.http[i].corsPolicy` of a VirtualService bound to
// `mesh` for the proxyless clients that see one of its hosts
// (`proxyless_clients`, by exportTo) and that a match of route `i` keeps
// (sourceLabels, sourceNamespace, gateways), naming them in its message.
// The renderer side: the proxyless clients with a rendered route whose
// metadata names the VirtualService, whose name is route `i`'s (`r{i}` in
// generated meshes) and that carries the `envoy.filters.http.cors` override.

const CORS_FILTER: &str = "envoy.filters.http.cors";

fn route_source(r: &envoy_types::pb::envoy::config::route::v3::Route) -> Option<String> {
    let istio = r.metadata.as_ref()?.filter_metadata.get("istio")?;
    match istio.fields.get("config")?.kind.as_ref()? {
        value::Kind::StringValue(s) => Some(s.clone()),
        _ => None,
    }
}

fn check_cors(world: &World<'_>) -> Result<(), String> {
    let index = world.index;
    let findings = world.findings("GRPC001", "VirtualService");
    let mut disagreements = Vec::new();
    for object in &index.objects {
        let Spec::VirtualService(vs) = &object.spec else {
            continue;
        };
        let namespace = object.namespace_or("default").to_string();
        let name = object.meta.name.clone();
        let config =
            format!("/apis/networking.istio.io/v1/namespaces/{namespace}/virtual-service/{name}");
        // Whether some client renders any route of the VirtualService.
        let vs_used = world.rendered.iter().any(|c| {
            c.resources
                .routes
                .iter()
                .flat_map(|r| &r.virtual_hosts)
                .flat_map(|v| &v.routes)
                .any(|r| route_source(r).as_deref() == Some(config.as_str()))
        });
        for (i, http) in vs.http.iter().enumerate() {
            let route_name = http.name.clone().unwrap_or_default();
            let field = format!("spec.http[{i}].corsPolicy");
            let analyzed: Vec<&String> = findings
                .iter()
                .filter(|(n, m, f, _)| *n == namespace && *m == name && *f == field)
                .map(|(_, _, _, message)| message)
                .collect();
            let clients: Vec<&Rendered> = world
                .rendered
                .iter()
                .filter(|c| {
                    c.resources
                        .routes
                        .iter()
                        .flat_map(|r| &r.virtual_hosts)
                        .flat_map(|v| &v.routes)
                        .any(|r| {
                            route_source(r).as_deref() == Some(config.as_str())
                                && (r.name == route_name
                                    || r.name.starts_with(&format!("{route_name}.")))
                                && r.typed_per_filter_config.contains_key(CORS_FILTER)
                        })
                })
                .collect();
            let ids: Vec<String> = clients.iter().map(|c| c.id()).collect();
            match (analyzed.first(), clients.is_empty()) {
                (Some(message), true) => disagreements.push(format!(
                    "[cors-extra:{}] GRPC001 on VirtualService {namespace}/{name} {field}, but no proxyless client renders a route from it with a CORS override ({message})",
                    if vs_used { "route-dropped" } else { "vs-unused" }
                )),
                (None, false) => disagreements.push(format!(
                    "[cors-missed] no GRPC001 on VirtualService {namespace}/{name} {field}, but proxyless clients {ids:?} render it with a CORS override"
                )),
                (Some(message), false) => {
                    let workloads: Vec<&Workload> =
                        ids.iter().map(|id| world.workload(id)).collect();
                    let named = format!("affects proxyless clients {} and leaves", workload_names(&workloads));
                    if !message.contains(&named) {
                        disagreements.push(format!(
                            "[cors-clients] GRPC001 on VirtualService {namespace}/{name} {field} names other clients than those rendering its CORS override {ids:?}: {message}"
                        ));
                    }
                }
                (None, true) => {}
            }
        }
    }
    report(disagreements)
}

// ---------------------------------------------------------------------------
// Property 5: GRPC079 (path-separated-prefix-rejected) against the path
// specifiers of the rendered routes.
//
// GRPC079 reports `spec.http[i].match[j].uri.prefix` of a VirtualService
// with Gateway API semantics (the `internal.istio.io/route-semantics:
// gateway` annotation) bound to `mesh`, for the proxyless clients that get
// a route built from that match, naming them. The renderer side: the
// proxyless clients with a rendered route whose metadata names the
// VirtualService, whose name is that of route `i` and match `j` (`r{i}.m{j}`
// in generated meshes) and whose match is a `path_separated_prefix`.

/// The `istio.config` route metadata of a VirtualService.
fn virtual_service_config(namespace: &str, name: &str) -> String {
    format!("/apis/networking.istio.io/v1/namespaces/{namespace}/virtual-service/{name}")
}

fn rendered_routes(
    client: &Rendered,
) -> impl Iterator<Item = &envoy_types::pb::envoy::config::route::v3::Route> {
    client
        .resources
        .routes
        .iter()
        .flat_map(|r| &r.virtual_hosts)
        .flat_map(|v| &v.routes)
}

fn is_path_separated_prefix(r: &envoy_types::pb::envoy::config::route::v3::Route) -> bool {
    use envoy_types::pb::envoy::config::route::v3::route_match::PathSpecifier;
    matches!(
        r.r#match.as_ref().and_then(|m| m.path_specifier.as_ref()),
        Some(PathSpecifier::PathSeparatedPrefix(_))
    )
}

/// Whether `message` names exactly `clients` as the proxyless clients it
/// affects (the list ends the message, or the note on a generated object
/// follows it).
fn names_clients(world: &World<'_>, message: &str, clients: &[&Rendered]) -> bool {
    let workloads: Vec<&Workload> = clients.iter().map(|c| world.workload(&c.id())).collect();
    let named = format!("affects proxyless clients {}", workload_names(&workloads));
    message.match_indices(&named).any(|(at, _)| {
        let rest = &message[at + named.len()..];
        rest.is_empty() || rest.starts_with(" (in ")
    })
}

fn check_gateway_prefix(world: &World<'_>) -> Result<(), String> {
    let index = world.index;
    let findings = world.findings("GRPC079", "VirtualService");
    let mut checked: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut disagreements = Vec::new();
    for object in index.objects.iter().filter(|o| o.generated.is_none()) {
        let Spec::VirtualService(vs) = &object.spec else {
            continue;
        };
        let namespace = object.namespace_or("default").to_string();
        let name = object.meta.name.clone();
        let config = virtual_service_config(&namespace, &name);
        for (i, http) in vs.http.iter().enumerate() {
            let http_name = http.name.clone().unwrap_or_default();
            for (j, matcher) in http.r#match.iter().enumerate() {
                if matcher
                    .uri
                    .as_ref()
                    .and_then(|u| u.prefix.as_ref())
                    .is_none()
                {
                    continue;
                }
                let route_name = match &matcher.name {
                    Some(match_name) => format!("{http_name}.{match_name}"),
                    None => http_name.clone(),
                };
                let field = format!("spec.http[{i}].match[{j}].uri.prefix");
                checked.insert((namespace.clone(), name.clone(), field.clone()));
                let analyzed = findings
                    .iter()
                    .find(|(n, m, f, _)| *n == namespace && *m == name && *f == field)
                    .map(|(_, _, _, message)| message);
                let from_match = |r: &envoy_types::pb::envoy::config::route::v3::Route| {
                    route_source(r).as_deref() == Some(config.as_str()) && r.name == route_name
                };
                let clients: Vec<&Rendered> = world
                    .rendered
                    .iter()
                    .filter(|c| {
                        rendered_routes(c).any(|r| from_match(r) && is_path_separated_prefix(r))
                    })
                    .collect();
                let ids: Vec<String> = clients.iter().map(|c| c.id()).collect();
                match (analyzed, clients.is_empty()) {
                    (Some(message), true) => {
                        let rendered = world.rendered.iter().any(|c| rendered_routes(c).any(from_match));
                        let tag = if rendered { "plain-prefix" } else { "route-dropped" };
                        disagreements.push(format!(
                            "[gwprefix-extra:{tag}] GRPC079 on VirtualService {namespace}/{name} {field}, but no proxyless client renders route {route_name:?} from it as a path_separated_prefix ({message})"
                        ));
                    }
                    (None, false) => disagreements.push(format!(
                        "[gwprefix-missed] no GRPC079 on VirtualService {namespace}/{name} {field}, but proxyless clients {ids:?} render route {route_name:?} from it as a path_separated_prefix"
                    )),
                    (Some(message), false) if !names_clients(world, message, &clients) => {
                        disagreements.push(format!(
                            "[gwprefix-clients] GRPC079 on VirtualService {namespace}/{name} {field} names other clients than those rendering its path_separated_prefix {ids:?}: {message}"
                        ));
                    }
                    _ => {}
                }
            }
        }
    }
    for (namespace, name, field, message) in &findings {
        if !checked.contains(&(namespace.clone(), name.clone(), field.clone())) {
            disagreements.push(format!(
                "[gwprefix-extra:not-a-prefix] GRPC079 on VirtualService {namespace}/{name} {field}, which is not the uri.prefix of a match ({message})"
            ));
        }
    }
    report(disagreements)
}

// ---------------------------------------------------------------------------
// Property 6: GRPC079 on mesh-attached GRPCRoutes against the rendered
// routes of the VirtualServices istiod generates from them.
//
// A GRPCRoute match on a service alone (`method: {service: S}`) becomes the
// prefix `/S/` of a generated VirtualService with Gateway API semantics, and
// GRPC079 on it is told at the route: origin `GRPCRoute ns/name`, field
// `spec.rules[r].matches[m]`. The renderer side: the proxyless clients with
// a rendered route whose metadata names a VirtualService generated from the
// GRPCRoute (its `internal.istio.io/parents` annotation), whose name is the
// rule's (`ns.name.r`) and whose match is the `path_separated_prefix` `/S`.

const PARENTS_ANNOTATION: &str = "internal.istio.io/parents";

fn check_grpc_route_prefix(world: &World<'_>) -> Result<(), String> {
    use envoy_types::pb::envoy::config::route::v3::route_match::PathSpecifier;
    use mesh::model::gateway_api::MatchType;
    let index = world.index;
    let findings = world.findings("GRPC079", "GRPCRoute");
    let mut checked: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut disagreements = Vec::new();
    for object in &index.objects {
        let Spec::GRPCRoute(route) = &object.spec else {
            continue;
        };
        let namespace = object.namespace_or("default").to_string();
        let name = object.meta.name.clone();
        let parent = format!("GRPCRoute/{name}.{namespace}");
        let generated: BTreeSet<String> = index
            .objects
            .iter()
            .filter(|o| o.generated.is_some() && matches!(o.spec, Spec::VirtualService(_)))
            .filter(|o| {
                o.meta
                    .annotations
                    .get(PARENTS_ANNOTATION)
                    .is_some_and(|parents| parents.split(',').any(|p| p == parent))
            })
            .map(|o| virtual_service_config(o.namespace_or("default"), &o.meta.name))
            .collect();
        for (r, rule) in route.rules.iter().enumerate() {
            let rule_name = rule
                .name
                .clone()
                .unwrap_or_else(|| format!("{namespace}.{name}.{r}"));
            for (m, matcher) in rule.matches.iter().enumerate() {
                let Some(method) = &matcher.method else {
                    continue;
                };
                let (Some(service), None, None | Some(MatchType::Exact)) =
                    (&method.service, &method.method, &method.r#type)
                else {
                    continue;
                };
                let separated = format!("/{service}");
                let field = format!("spec.rules[{r}].matches[{m}]");
                checked.insert((namespace.clone(), name.clone(), field.clone()));
                let analyzed = findings
                    .iter()
                    .find(|(n, o, f, _)| *n == namespace && *o == name && *f == field)
                    .map(|(_, _, _, message)| message);
                let from_rule = |r: &envoy_types::pb::envoy::config::route::v3::Route| {
                    route_source(r).is_some_and(|config| generated.contains(&config))
                        && r.name == rule_name
                };
                let clients: Vec<&Rendered> = world
                    .rendered
                    .iter()
                    .filter(|c| {
                        rendered_routes(c).any(|r| {
                            from_rule(r)
                                && r.r#match.as_ref().and_then(|m| m.path_specifier.as_ref())
                                    == Some(&PathSpecifier::PathSeparatedPrefix(separated.clone()))
                        })
                    })
                    .collect();
                let ids: Vec<String> = clients.iter().map(|c| c.id()).collect();
                match (analyzed, clients.is_empty()) {
                    (Some(message), true) => {
                        let tag = if generated.is_empty() {
                            "not-converted"
                        } else if world.rendered.iter().any(|c| rendered_routes(c).any(from_rule)) {
                            "match-dropped"
                        } else {
                            "route-dropped"
                        };
                        disagreements.push(format!(
                            "[gwprefix-extra:{tag}] GRPC079 on GRPCRoute {namespace}/{name} {field}, but no proxyless client renders route {rule_name:?} of {generated:?} as path_separated_prefix {separated:?} ({message})"
                        ));
                    }
                    (None, false) => disagreements.push(format!(
                        "[gwprefix-missed] no GRPC079 on GRPCRoute {namespace}/{name} {field}, but proxyless clients {ids:?} render route {rule_name:?} of {generated:?} as path_separated_prefix {separated:?}"
                    )),
                    (Some(message), false) if !names_clients(world, message, &clients) => {
                        disagreements.push(format!(
                            "[gwprefix-clients] GRPC079 on GRPCRoute {namespace}/{name} {field} names other clients than those rendering its path_separated_prefix {ids:?}: {message}"
                        ));
                    }
                    _ => {}
                }
            }
        }
    }
    for (namespace, name, field, message) in &findings {
        if !checked.contains(&(namespace.clone(), name.clone(), field.clone())) {
            disagreements.push(format!(
                "[gwprefix-extra:not-a-service-match] GRPC079 on GRPCRoute {namespace}/{name} {field}, which is not a match on a service alone ({message})"
            ));
        }
    }
    report(disagreements)
}

// ---------------------------------------------------------------------------
// The properties over random meshes.

fn run(mesh: &Mesh, check: fn(&World<'_>) -> Result<(), String>) -> Result<(), TestCaseError> {
    let yaml = mesh.to_yaml();
    match evaluate(&yaml, check) {
        Ok(()) => Ok(()),
        Err(disagreements) => Err(TestCaseError::fail(format!(
            "analyze and the renderer disagree:\n{disagreements}\n--- mesh ---\n{yaml}--- end of mesh ---"
        ))),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mtls_per_server_port(mesh in Minimized(mesh_strategy())) {
        run(&mesh, check_mtls)?;
    }

    #[test]
    fn identity_match_on_plaintext(mesh in Minimized(mesh_strategy())) {
        run(&mesh, check_identity)?;
    }

    #[test]
    fn visible_hosts_and_grpc_ports(mesh in Minimized(mesh_strategy())) {
        run(&mesh, check_visibility)?;
    }

    #[test]
    fn cors_nack_vs_rendered_override(mesh in Minimized(mesh_strategy())) {
        run(&mesh, check_cors)?;
    }

    #[test]
    fn gateway_prefix_nack_vs_rendered_path_separated_prefix(mesh in Minimized(mesh_strategy())) {
        run(&mesh, check_gateway_prefix)?;
    }

    #[test]
    fn grpc_route_prefix_nack_vs_rendered_path_separated_prefix(mesh in Minimized(mesh_strategy())) {
        run(&mesh, check_grpc_route_prefix)?;
    }
}

// ---------------------------------------------------------------------------
// Minimal counterexamples found by the properties, one test each. They fail
// while analyze and the renderer disagree on them.

fn counterexample(file: &str, check: fn(&World<'_>) -> Result<(), String>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/differential")
        .join(file);
    let yaml = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Err(disagreements) = evaluate(&yaml, check) {
        panic!(
            "analyze and the renderer disagree on {file}:\n{disagreements}\n--- mesh ---\n{yaml}"
        );
    }
}
#[test]
fn counterexample_cors_after_catch_all_route() {
    counterexample("cors-after-catch-all-route.yaml", check_cors);
}

#[test]
fn counterexample_cors_host_without_service() {
    counterexample("cors-host-without-service.yaml", check_cors);
}

#[test]
fn counterexample_cors_match_port() {
    counterexample("cors-match-port.yaml", check_cors);
}

#[test]
fn counterexample_cors_sidecar_egress() {
    counterexample("cors-sidecar-egress.yaml", check_cors);
}

#[test]
fn counterexample_cors_two_virtual_services() {
    counterexample("cors-two-virtual-services.yaml", check_cors);
}

#[test]
fn counterexample_gwprefix_not_consumer_nor_producer() {
    counterexample(
        "gwprefix-not-consumer-nor-producer.yaml",
        check_gateway_prefix,
    );
}

#[test]
fn counterexample_identity_port_level_mtls_second_policy() {
    counterexample(
        "identity-port-level-mtls-second-policy.yaml",
        check_identity,
    );
}

#[test]
fn counterexample_identity_root_namespace_selector() {
    counterexample("identity-root-namespace-selector.yaml", check_identity);
}

#[test]
fn counterexample_identity_to_ports() {
    counterexample("identity-to-ports.yaml", check_identity);
}

#[test]
fn counterexample_identity_two_mesh_peer_authentications() {
    counterexample(
        "identity-two-mesh-peer-authentications.yaml",
        check_identity,
    );
}

#[test]
fn counterexample_identity_when_service_account() {
    counterexample("identity-when-service-account.yaml", check_identity);
}

#[test]
fn counterexample_mtls_destination_rule_not_exported() {
    counterexample("mtls-destination-rule-not-exported.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_destination_rule_shadowed() {
    counterexample("mtls-destination-rule-shadowed.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_grpc_route_to_tcp_port() {
    counterexample("mtls-grpc-route-to-tcp-port.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_h2c_port() {
    counterexample("mtls-h2c-port.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_port_level_mtls() {
    counterexample("mtls-port-level-mtls.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_port_level_settings_istio_mutual() {
    counterexample("mtls-port-level-settings-istio-mutual.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_port_level_settings_replace_tls() {
    counterexample("mtls-port-level-settings-replace-tls.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_route_to_undefined_subset() {
    counterexample("mtls-route-to-undefined-subset.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_service_not_exported() {
    counterexample("mtls-service-not-exported.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_sidecar_hides_host() {
    counterexample("mtls-sidecar-hides-host.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_subset_istio_mutual() {
    counterexample("mtls-subset-istio-mutual.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_target_port_unresolved() {
    counterexample("mtls-target-port-unresolved.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_tcp_port() {
    counterexample("mtls-tcp-port.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_two_destination_rules() {
    counterexample("mtls-two-destination-rules.yaml", check_mtls);
}

#[test]
fn counterexample_mtls_two_workload_peer_authentications() {
    counterexample("mtls-two-workload-peer-authentications.yaml", check_mtls);
}

#[test]
fn counterexample_visibility_h2c_port() {
    counterexample("visibility-h2c-port.yaml", check_visibility);
}

#[test]
fn counterexample_visibility_sidecar_egress() {
    counterexample("visibility-sidecar-egress.yaml", check_visibility);
}

#[test]
fn counterexample_visibility_tcp_port() {
    counterexample("visibility-tcp-port.yaml", check_visibility);
}
