//! One test per translation: PeerAuthentication → filter chain (spec §2.4),
//! the VirtualService field map (§3.4, §3.5), DestinationRule → cluster
//! (§4.3), AuthorizationPolicy → RBAC (§2.5), names (§2.1), endpoints (§5).

use envoy_types::pb::envoy::config::cluster::v3::{cluster, Cluster};
use envoy_types::pb::envoy::config::listener::v3::{filter, Listener};
use envoy_types::pb::envoy::config::route::v3::{
    header_matcher::HeaderMatchSpecifier, route, route_action, route_match::PathSpecifier, Route,
    RouteAction,
};
use envoy_types::pb::envoy::extensions::filters::http::fault::v3::{fault_abort, HttpFault};
use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;
use envoy_types::pb::envoy::r#type::matcher::v3::string_matcher::MatchPattern;
use prost::Message;

use super::render::RenderOptions;
use super::*;
use crate::index::Index;
use crate::load::load_files;
use crate::model::MeshConfig;
use crate::source::SourceFile;

const BASE: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ns}
spec:
  clusterIP: 10.96.12.34
  selector: {app: echo}
  ports: [{name: grpc, port: 7070, targetPort: 17070}, {name: tcp-x, port: 9000}]
---
apiVersion: v1
kind: Pod
metadata: {name: echo-1, namespace: ns, labels: {app: echo, version: v1}}
spec:
  serviceAccountName: echo
  containers: [{name: app, image: app}]
status: {podIP: 10.1.2.3}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ns, labels: {app: client}}
spec:
  containers: [{name: app, image: app}]
status: {podIP: 10.1.2.9}
"#;

fn index(extra: &str) -> Index {
    let text = format!("{BASE}---\n{extra}");
    let loaded = load_files(vec![SourceFile::new("t.yaml", text)]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    Index::build(loaded.objects, MeshConfig::default())
}

fn proxy(index: &Index, pod: &str) -> Proxy {
    Proxy::find(
        index,
        &WorkloadRef::Pod {
            namespace: "ns".into(),
            name: pod.into(),
        },
        None,
    )
    .unwrap()
}

fn render_for(index: &Index, pod: &str, targets: &[&str]) -> Resources {
    let proxy = proxy(index, pod);
    render(
        index,
        &proxy,
        &RenderOptions {
            targets: targets.iter().map(|t| t.to_string()).collect(),
            server_address: None,
        },
    )
    .unwrap()
}

/// The server listener echo-1 receives for echo:7070.
fn inbound_listener(index: &Index) -> Listener {
    let resources = render_for(index, "echo-1", &["echo:7070"]);
    resources
        .listeners
        .into_iter()
        .find(|l| l.name.contains("inbound"))
        .unwrap()
}

fn manager(listener: &Listener) -> HttpConnectionManager {
    let any = match &listener.filter_chains[0].filters[0].config_type {
        Some(filter::ConfigType::TypedConfig(any)) => any,
        other => panic!("{other:?}"),
    };
    HttpConnectionManager::decode(any.value.as_slice()).unwrap()
}

fn routes(resources: &Resources) -> Vec<Route> {
    resources.routes[0].virtual_hosts[0].routes.clone()
}

fn action(route: &Route) -> RouteAction {
    match &route.action {
        Some(route::Action::Route(action)) => action.clone(),
        other => panic!("{other:?}"),
    }
}

fn cluster<'a>(resources: &'a Resources, name: &str) -> &'a Cluster {
    resources
        .clusters
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no cluster {name}: {:?}", resources.notes))
}

// §2.4: the mTLS mode table, including inheritance and port-level settings.
#[test]
fn server_filter_chain_follows_peer_authentication() {
    let cases = [
        ("", "", "inbound-plaintext"),
        (
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: m, namespace: istio-system}\nspec: {mtls: {mode: STRICT}}",
            "",
            "inbound-mtls",
        ),
        (
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: m, namespace: istio-system}\nspec: {mtls: {mode: STRICT}}\n---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: n, namespace: ns}\nspec: {mtls: {mode: UNSET}}",
            "",
            "inbound-mtls",
        ),
        (
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: n, namespace: ns}\nspec: {mtls: {mode: STRICT}}\n---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: w, namespace: ns}\nspec: {selector: {matchLabels: {app: echo}}, mtls: {mode: DISABLE}}",
            "",
            "inbound-plaintext",
        ),
        (
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: w, namespace: ns}\nspec: {selector: {matchLabels: {app: echo}}, mtls: {mode: STRICT}, portLevelMtls: {'17070': {mode: DISABLE}}}",
            "",
            "inbound-plaintext",
        ),
        // PERMISSIVE becomes STRICT for pods that clients reach with mTLS.
        (
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: n, namespace: ns}\nspec: {mtls: {mode: PERMISSIVE}}",
            "security.istio.io/tlsMode: istio",
            "inbound-mtls",
        ),
    ];
    for (policies, label, want) in cases {
        let mut index_text = policies.to_string();
        if !label.is_empty() {
            index_text.push_str(&format!(
                "\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: echo-2, namespace: ns, labels: {{app: echo, {label}}}}}\nspec: {{containers: [{{name: app, image: app}}]}}\nstatus: {{podIP: 10.1.2.4}}"
            ));
        }
        let index = index(&index_text);
        let pod = if label.is_empty() { "echo-1" } else { "echo-2" };
        let resources = render_for(&index, pod, &["echo:7070"]);
        let server = resources
            .listeners
            .iter()
            .find(|l| l.name == "xds.istio.io/grpc/lds/inbound/0.0.0.0:17070")
            .expect("a server listener on the target port");
        let chain = &server.filter_chains[0];
        assert_eq!(chain.name, want, "{policies}");
        assert_eq!(chain.transport_socket.is_some(), want == "inbound-mtls");
        let hcm_name = &chain.filters[0].name;
        assert_eq!(hcm_name, &want.replace("inbound-", "inbound-hcm"));
    }
}

// §2.3: no server listener for a port no Service targets.
#[test]
fn server_listeners_only_for_targeted_ports() {
    let index = index("");
    let resources = render_for(&index, "client", &["echo:7070"]);
    assert!(resources
        .listeners
        .iter()
        .all(|l| !l.name.starts_with("xds.istio.io")));
    let proxy = proxy(&index, "echo-1");
    let renderer = Renderer::new(&index, &proxy);
    let mut notes = Vec::new();
    let listeners = renderer
        .listeners(
            &["xds.istio.io/grpc/lds/inbound/0.0.0.0:7070".into()],
            &mut notes,
        )
        .unwrap();
    assert!(listeners.is_empty());
    assert!(notes[0].contains("targets port 7070"), "{notes:?}");
}

// §2.1/§2.2: listener names as asked, routes always by FQDN.
#[test]
fn client_listeners_keep_the_requested_name() {
    let index = index("");
    let resources = render_for(
        &index,
        "client",
        &["echo:7070", "echo.ns:7070", "echo.other:7070"],
    );
    let names: Vec<&str> = resources
        .listeners
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(names, ["echo.ns:7070", "echo:7070"]);
    assert_eq!(
        lds::route_names(&resources.listeners),
        [
            "outbound|7070||echo.ns.svc.cluster.local",
            "outbound|7070||echo.ns.svc.cluster.local"
        ]
    );
    assert!(
        resources
            .notes
            .iter()
            .any(|n| n.contains("echo.other:7070")),
        "{:?}",
        resources.notes
    );
    // No port: every port, each named with its port.
    let resources = render_for(&index, "client", &["echo"]);
    let names: Vec<&str> = resources
        .listeners
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(names, ["echo:7070", "echo:9000"]);
}

// §3.2/§3.3: the default route, and no virtual host for a TCP port.
#[test]
fn default_route_without_virtual_service() {
    let index = index("");
    let resources = render_for(&index, "client", &["echo:7070", "echo:9000"]);
    let tcp = resources
        .routes
        .iter()
        .find(|r| r.name.contains("|9000|"))
        .unwrap();
    assert!(tcp.virtual_hosts.is_empty());
    let config = resources
        .routes
        .iter()
        .find(|r| r.name.contains("|7070|"))
        .unwrap();
    let host = &config.virtual_hosts[0];
    assert_eq!(host.name, "echo.ns.svc.cluster.local:7070");
    assert_eq!(
        host.domains,
        [
            "echo.ns.svc.cluster.local",
            "echo.ns.svc.cluster.local:7070",
            "echo.ns.svc.cluster.local.",
            "echo.ns.svc.cluster.local.:7070",
            "echo",
            "echo:7070",
            "echo.ns.svc",
            "echo.ns.svc:7070",
            "echo.ns",
            "echo.ns:7070",
            "10.96.12.34",
            "10.96.12.34:7070"
        ]
    );
    let route = &host.routes[0];
    assert_eq!(route.name, "default");
    let action = action(route);
    assert!(action.max_stream_duration.is_none());
    #[allow(deprecated)]
    let max_grpc_timeout = action.max_grpc_timeout;
    assert_eq!(max_grpc_timeout.map(|d| d.seconds), Some(0));
    let retry = action.retry_policy.unwrap();
    assert_eq!(retry.num_retries.unwrap().value, 2);
    assert_eq!(retry.retry_host_predicate.len(), 1);
}

const VS: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - name: canary
    match:
    - name: m
      uri: {prefix: /pkg.Svc/}
      ignoreUriCase: true
      headers:
        x-b: {prefix: pre}
        x-a: {exact: "true"}
        x-c: {regex: "v[0-9]+"}
        x-d: {}
      withoutHeaders:
        x-e: {exact: "no"}
      queryParams:
        q: {exact: "1"}
    - uri: {exact: /pkg.Svc/Get}
      sourceLabels: {app: nobody}
    route: [{destination: {host: echo, subset: v1}}]
    timeout: 1.5s
    retries: {attempts: 4, retryOn: "5xx,503,unavailable", perTryTimeout: 100ms}
    fault:
      abort: {httpStatus: 503, percentage: {value: 50}}
  - match: [{uri: {regex: "/pkg.Svc/.*"}}]
    route: [{destination: {host: echo, subset: v1}}]
    retries: {attempts: 0}
    fault:
      abort: {grpcStatus: UNAVAILABLE}
      delay: {fixedDelay: 1s, percent: 5}
  - route: [{destination: {host: echo, subset: v1}, weight: 100}, {destination: {host: echo, subset: v2}, weight: 0}]
  - route: [{destination: {host: echo}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: ns}
spec:
  host: echo
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
"#;

// §3.4/§3.5: every VirtualService field istiod translates for gRPC.
#[test]
fn virtual_service_field_map() {
    let index = index(VS);
    let resources = render_for(&index, "client", &["echo:7070"]);
    let routes = routes(&resources);
    // The second match of route 1 does not apply to this client; the catch-all
    // third route ends the list, so the fourth is never emitted.
    assert_eq!(routes.len(), 3, "{routes:#?}");

    let first = &routes[0];
    assert_eq!(first.name, "canary.m");
    let m = first.r#match.as_ref().unwrap();
    assert_eq!(
        m.path_specifier,
        Some(PathSpecifier::Prefix("/pkg.Svc/".into()))
    );
    assert_eq!(m.case_sensitive.as_ref().map(|b| b.value), Some(false));
    let headers: Vec<(&str, bool)> = m
        .headers
        .iter()
        .map(|h| (h.name.as_str(), h.invert_match))
        .collect();
    assert_eq!(
        headers,
        [
            ("x-a", false),
            ("x-b", false),
            ("x-c", false),
            ("x-d", false),
            ("x-e", true)
        ]
    );
    assert!(matches!(&m.headers[0].header_match_specifier,
        Some(HeaderMatchSpecifier::StringMatch(s)) if s.match_pattern == Some(MatchPattern::Exact("true".into()))));
    assert!(matches!(&m.headers[1].header_match_specifier,
        Some(HeaderMatchSpecifier::StringMatch(s)) if s.match_pattern == Some(MatchPattern::Prefix("pre".into()))));
    assert!(matches!(&m.headers[2].header_match_specifier,
        Some(HeaderMatchSpecifier::StringMatch(s)) if matches!(&s.match_pattern, Some(MatchPattern::SafeRegex(r)) if r.regex == "v[0-9]+")));
    assert_eq!(
        m.headers[3].header_match_specifier,
        Some(HeaderMatchSpecifier::PresentMatch(true))
    );
    assert!(m.headers[4].treat_missing_header_as_empty);
    assert_eq!(m.query_parameters[0].name, "q");

    let first_action = action(first);
    assert_eq!(
        first_action.cluster_specifier,
        Some(route_action::ClusterSpecifier::Cluster(
            "outbound|7070|v1|echo.ns.svc.cluster.local".into()
        ))
    );
    let timeout = first_action.timeout.unwrap();
    assert_eq!((timeout.seconds, timeout.nanos), (1, 500_000_000));
    assert_eq!(
        first_action
            .max_stream_duration
            .unwrap()
            .max_stream_duration,
        Some(timeout)
    );
    let retry = first_action.retry_policy.unwrap();
    assert_eq!(retry.retry_on, "5xx,unavailable,retriable-status-codes");
    assert_eq!(retry.retriable_status_codes, [503]);
    assert_eq!(retry.num_retries.unwrap().value, 4);
    assert_eq!(retry.per_try_timeout.unwrap().nanos, 100_000_000);
    let fault = HttpFault::decode(
        first.typed_per_filter_config["envoy.filters.http.fault"]
            .value
            .as_slice(),
    )
    .unwrap();
    let abort = fault.abort.unwrap();
    assert_eq!(
        abort.error_type,
        Some(fault_abort::ErrorType::HttpStatus(503))
    );
    assert_eq!(abort.percentage.unwrap().numerator, 500_000);
    assert_eq!(
        first.decorator.as_ref().unwrap().operation,
        "echo.ns.svc.cluster.local:7070/pkg.Svc/*"
    );

    let second = &routes[1];
    let m = second.r#match.as_ref().unwrap();
    assert!(
        matches!(&m.path_specifier, Some(PathSpecifier::SafeRegex(r)) if r.regex == "/pkg.Svc/.*")
    );
    assert!(
        action(second).retry_policy.is_none(),
        "attempts: 0 drops the retry policy"
    );
    let fault = HttpFault::decode(
        second.typed_per_filter_config["envoy.filters.http.fault"]
            .value
            .as_slice(),
    )
    .unwrap();
    assert_eq!(
        fault.abort.unwrap().error_type,
        Some(fault_abort::ErrorType::GrpcStatus(14))
    );
    let delay = fault.delay.unwrap();
    assert_eq!(
        delay
            .percentage
            .as_ref()
            .map(|p| (p.numerator, p.denominator)),
        Some((5, 0))
    );

    // Zero weights are dropped from weighted clusters.
    let third = action(&routes[2]);
    let Some(route_action::ClusterSpecifier::WeightedClusters(weighted)) = third.cluster_specifier
    else {
        panic!("weighted clusters expected");
    };
    assert_eq!(weighted.clusters.len(), 1);
    assert_eq!(weighted.clusters[0].weight.as_ref().unwrap().value, 100);
    assert_eq!(
        routes[2].decorator.as_ref().unwrap().operation,
        "echo:7070/*"
    );
}

/// A VirtualService as istiod generates one from a GRPCRoute attached to
/// the `echo` Service (`NS` is its namespace).
const GATEWAY_SEMANTICS_VS: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: echo-7070-grpc
  namespace: NS
  annotations: {internal.istio.io/route-semantics: gateway}
spec:
  hosts: [echo.ns.svc.cluster.local]
  http:
  - match: [{uri: {prefix: /pkg.Svc/}}]
    route:
    - destination: {host: echo.ns.svc.cluster.local, port: {number: 7070}}
      weight: 20
    - destination: {}
      weight: 80
  - match: [{uri: {prefix: /}}]
    route: [{destination: {host: echo.ns.svc.cluster.local, port: {number: 7070}}}]
"#;

#[test]
fn gateway_semantics_reach_the_client() {
    let index = index(&GATEWAY_SEMANTICS_VS.replace("NS", "ns"));
    let resources = render_for(&index, "client", &["echo:7070"]);
    let routes = routes(&resources);
    assert_eq!(routes.len(), 2, "{routes:#?}");
    // Whole path segments: the trailing slash goes, the kind changes.
    assert_eq!(
        routes[0].r#match.as_ref().unwrap().path_specifier,
        Some(PathSpecifier::PathSeparatedPrefix("/pkg.Svc".into()))
    );
    assert_eq!(
        routes[1].r#match.as_ref().unwrap().path_specifier,
        Some(PathSpecifier::Prefix("/".into()))
    );
    let first = action(&routes[0]);
    assert_eq!(
        first.cluster_not_found_response_code,
        route_action::ClusterNotFoundResponseCode::InternalServerError as i32
    );
    let Some(route_action::ClusterSpecifier::WeightedClusters(weighted)) = &first.cluster_specifier
    else {
        panic!("{first:?}")
    };
    let clusters: Vec<(&str, u32)> = weighted
        .clusters
        .iter()
        .map(|c| (c.name.as_str(), c.weight.as_ref().unwrap().value))
        .collect();
    assert_eq!(
        clusters,
        [
            ("outbound|7070||echo.ns.svc.cluster.local", 20),
            ("UnknownService", 80)
        ]
    );
    assert!(
        resources.notes.iter().any(|n| n.contains("UnknownService")),
        "{:?}",
        resources.notes
    );
}

#[test]
fn a_consumer_route_comes_before_a_virtual_service_of_its_namespace() {
    // istiod merges neither: the client takes the route's VirtualService
    // whole, whatever the order of the inputs.
    let plain = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo-plain, namespace: ns}
spec:
  hosts: [echo.ns.svc.cluster.local]
  http:
  - route: [{destination: {host: echo.ns.svc.cluster.local, port: {number: 9000}}}]
";
    let index = index(&format!(
        "{plain}---\n{}",
        GATEWAY_SEMANTICS_VS.replace("NS", "ns")
    ));
    let resources = render_for(&index, "client", &["echo:7070"]);
    let routes = routes(&resources);
    assert_eq!(routes.len(), 2, "{routes:#?}");
    assert_eq!(
        routes[0].r#match.as_ref().unwrap().path_specifier,
        Some(PathSpecifier::PathSeparatedPrefix("/pkg.Svc".into()))
    );
}

#[test]
fn gateway_semantics_routes_apply_as_consumer_or_producer_routes() {
    // Neither the client's namespace nor the Service's: istiod builds no
    // virtual host from it, the default route stays.
    let index = index(&GATEWAY_SEMANTICS_VS.replace("NS", "elsewhere"));
    let resources = render_for(&index, "client", &["echo:7070"]);
    let routes = routes(&resources);
    assert_eq!(routes.len(), 1, "{routes:#?}");
    assert_eq!(
        routes[0].r#match.as_ref().unwrap().path_specifier,
        Some(PathSpecifier::Prefix("/".into()))
    );
    assert_eq!(action(&routes[0]).cluster_not_found_response_code, 0);
}

#[test]
fn bad_durations_name_the_field_and_line() {
    let index = index(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bad, namespace: ns}\nspec:\n  hosts: [echo]\n  http:\n  - route: [{destination: {host: echo}}]\n    timeout: soon\n",
    );
    let proxy = proxy(&index, "client");
    let error = render(
        &index,
        &proxy,
        &RenderOptions {
            targets: vec!["echo:7070".into()],
            server_address: None,
        },
    )
    .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("t.yaml:"), "{text}");
    assert!(text.contains("spec.http[0].timeout"), "{text}");
    assert!(text.contains("\"soon\""), "{text}");
}

const DR: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - route:
    - {destination: {host: echo, subset: ring}, weight: 25}
    - {destination: {host: echo, subset: maglev}, weight: 25}
    - {destination: {host: echo, subset: conn}, weight: 25}
    - {destination: {host: echo, subset: legacy}, weight: 25}
    - {destination: {host: echo, subset: missing}, weight: 1}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: ns}
spec:
  host: echo.ns.svc.cluster.local
  trafficPolicy:
    loadBalancer: {simple: LEAST_REQUEST}
    connectionPool: {http: {http2MaxRequests: 7, http1MaxPendingRequests: 3}, tcp: {maxConnections: 1}}
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings:
    - port: {number: 9000}
      loadBalancer: {simple: ROUND_ROBIN}
  subsets:
  - name: ring
    labels: {version: v1}
    trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, ringHash: {minimumRingSize: 2048}}}}
  - name: maglev
    labels: {version: v1}
    trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 65537}}}}
  - name: conn
    labels: {version: v1}
    trafficPolicy: {loadBalancer: {simple: LEAST_CONN}, tls: {mode: SIMPLE}}
  - name: legacy
    labels: {version: v1}
    trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user}}}
"#;

// §4.3: load balancer, circuit breakers, TLS, port-level and subset policies.
#[test]
fn destination_rule_mapping() {
    let index = index(DR);
    let resources = render_for(&index, "client", &["echo:7070", "echo:9000"]);
    let lb = |name: &str| cluster::LbPolicy::try_from(cluster(&resources, name).lb_policy).unwrap();
    let ring = cluster(&resources, "outbound|7070|ring|echo.ns.svc.cluster.local");
    assert_eq!(
        lb("outbound|7070|ring|echo.ns.svc.cluster.local"),
        cluster::LbPolicy::RingHash
    );
    assert!(
        matches!(&ring.lb_config, Some(cluster::LbConfig::RingHashLbConfig(c)) if c.minimum_ring_size.as_ref().unwrap().value == 2048)
    );
    let legacy = cluster(&resources, "outbound|7070|legacy|echo.ns.svc.cluster.local");
    assert!(
        matches!(&legacy.lb_config, Some(cluster::LbConfig::RingHashLbConfig(c)) if c.minimum_ring_size.as_ref().unwrap().value == 1024)
    );
    assert_eq!(
        lb("outbound|7070|maglev|echo.ns.svc.cluster.local"),
        cluster::LbPolicy::Maglev
    );
    // LEAST_CONN is not mapped for proxyless: round robin.
    assert_eq!(
        lb("outbound|7070|conn|echo.ns.svc.cluster.local"),
        cluster::LbPolicy::RoundRobin
    );
    // SIMPLE TLS is not sent; the subset's tls replaces ISTIO_MUTUAL.
    assert!(
        cluster(&resources, "outbound|7070|conn|echo.ns.svc.cluster.local")
            .transport_socket
            .is_none()
    );
    // Only http2MaxRequests reaches the cluster.
    let thresholds = &ring.circuit_breakers.as_ref().unwrap().thresholds;
    assert_eq!(thresholds.len(), 1);
    assert_eq!(thresholds[0].max_requests.as_ref().unwrap().value, 7);
    assert!(
        thresholds[0].max_connections.is_none() && thresholds[0].max_pending_requests.is_none()
    );
    // ISTIO_MUTUAL names the certificate provider and the backends' SANs.
    let socket = ring.transport_socket.as_ref().unwrap();
    assert_eq!(socket.name, "envoy.transport_sockets.tls");
    let json = json::any_to_json(match &socket.config_type {
        Some(
            envoy_types::pb::envoy::config::core::v3::transport_socket::ConfigType::TypedConfig(
                any,
            ),
        ) => any,
        None => panic!(),
    })
    .unwrap();
    assert_eq!(
        json.pointer("/commonTlsContext/combinedValidationContext/defaultValidationContext/matchSubjectAltNames/0/exact"),
        Some(&serde_json::json!("spiffe://cluster.local/ns/ns/sa/echo"))
    );
    assert_eq!(
        json.pointer("/commonTlsContext/tlsCertificateProviderInstance/instanceName"),
        Some(&serde_json::json!("default"))
    );
    // A subset no DestinationRule defines is never produced.
    assert!(resources
        .clusters
        .iter()
        .all(|c| !c.name.contains("missing")));
    assert!(
        resources.notes.iter().any(|n| n.contains("\"missing\"")),
        "{:?}",
        resources.notes
    );
    // The port-level setting replaces the top-level one: no TLS, round robin on 9000.
    let proxy = proxy(&index, "client");
    let renderer = Renderer::new(&index, &proxy);
    let mut notes = Vec::new();
    let defaults = renderer.clusters(
        &[
            "outbound|7070||echo.ns.svc.cluster.local".into(),
            "outbound|9000||echo.ns.svc.cluster.local".into(),
        ],
        &mut notes,
    );
    let port_level = &defaults[1];
    assert_eq!(port_level.lb_policy, cluster::LbPolicy::RoundRobin as i32);
    assert!(port_level.transport_socket.is_none());
    assert!(port_level.circuit_breakers.is_none());
    // The top level applies on 7070's default cluster.
    assert_eq!(
        defaults[0].lb_policy,
        cluster::LbPolicy::LeastRequest as i32
    );
    assert!(defaults[0].transport_socket.is_some());
}

// §2.5: RBAC filters in Istio's order; allow-nothing and CUSTOM yield nothing.
#[test]
fn authorization_policies_become_rbac_filters() {
    let index = index(
        r#"apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny, namespace: ns}
spec:
  action: DENY
  rules: [{when: [{key: "request.headers[x-block]", values: ["yes"]}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: nothing, namespace: ns}
spec: {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: custom, namespace: ns}
spec: {action: CUSTOM, provider: {name: x}, rules: [{}]}
"#,
    );
    let server = &inbound_listener(&index);
    let names: Vec<String> = manager(server)
        .http_filters
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(
        names,
        ["envoy.filters.http.rbac.DENY", "envoy.filters.http.router"]
    );
    let json = json::any_to_json(&json::pack(server)).unwrap();
    let text = json.to_string();
    assert!(text.contains("\"ns[ns]-policy[deny]-rule[0]\""), "{text}");
    assert!(text.contains("\"x-block\""), "{text}");
}

// §5: endpoints by locality, subset labels applied; a pod not ready is
// sent UNHEALTHY (istiod 1.31) and counts in its locality's weight.
#[test]
fn endpoints_by_locality_with_subsets() {
    let index = index(&format!(
        "{DR}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: echo-2, namespace: ns, labels: {{app: echo, version: v2, istio-locality: r1.z1}}}}\nspec: {{containers: [{{name: app, image: app}}]}}\nstatus: {{podIP: 10.1.2.5}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: echo-3, namespace: ns, labels: {{app: echo, version: v1}}}}\nspec: {{containers: [{{name: app, image: app}}]}}\nstatus: {{podIP: 10.1.2.6, conditions: [{{type: Ready, status: 'False'}}]}}"
    ));
    let proxy = proxy(&index, "client");
    let renderer = Renderer::new(&index, &proxy);
    let mut notes = Vec::new();
    let all = renderer.endpoints(
        &["outbound|7070||echo.ns.svc.cluster.local".into()],
        &mut notes,
    );
    let localities: Vec<(String, u32)> = all[0]
        .endpoints
        .iter()
        .map(|l| {
            let locality = l.locality.as_ref().unwrap();
            (
                format!("{}/{}", locality.region, locality.zone),
                l.load_balancing_weight.as_ref().unwrap().value,
            )
        })
        .collect();
    assert_eq!(localities, [("/".to_string(), 2), ("r1/z1".to_string(), 1)]);
    let v1 = renderer.endpoints(
        &["outbound|7070|ring|echo.ns.svc.cluster.local".into()],
        &mut notes,
    );
    assert_eq!(
        eds::summary(&v1[0]),
        "2 endpoints: 10.1.2.3:17070 10.1.2.6:17070(UNHEALTHY)"
    );
}

// §5: a locality's weight is the sum of its endpoints', kept within u32
// (two WorkloadEntries of weight u32::MAX overflowed it).
#[test]
fn locality_weight_saturates() {
    let entry = |name: &str, ip: &str| {
        format!("apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {{name: {name}, namespace: ns}}\nspec: {{address: {ip}, labels: {{app: echo}}, weight: 4294967295, locality: r1/z1}}\n")
    };
    let index = index(&format!(
        "{}---\n{}",
        entry("vm-1", "10.9.0.1"),
        entry("vm-2", "10.9.0.2")
    ));
    let proxy = proxy(&index, "client");
    let renderer = Renderer::new(&index, &proxy);
    let all = renderer.endpoints(
        &["outbound|7070||echo.ns.svc.cluster.local".into()],
        &mut Vec::new(),
    );
    let weights: Vec<(u32, usize)> = all[0]
        .endpoints
        .iter()
        .map(|l| {
            (
                l.load_balancing_weight.as_ref().unwrap().value,
                l.lb_endpoints.len(),
            )
        })
        .collect();
    assert!(weights.contains(&(u32::MAX, 2)), "{weights:?}");
}

// Sidecar egress hosts limit what a client sees (G046).
#[test]
fn sidecar_egress_scopes_services() {
    let index = index(
        "apiVersion: v1\nkind: Service\nmetadata: {name: other, namespace: ns}\nspec: {ports: [{name: grpc, port: 80}]}\n---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: ns}\nspec: {egress: [{hosts: ['./echo.ns.svc.cluster.local']}]}\n",
    );
    let proxy = proxy(&index, "client");
    let renderer = Renderer::new(&index, &proxy);
    assert_eq!(
        renderer.default_client_listener_names(),
        [
            "echo.ns.svc.cluster.local:7070",
            "echo.ns.svc.cluster.local:9000"
        ]
    );
}

// A node id finds the pod, or its controller, or stands for itself.
#[test]
fn node_ids_find_workloads() {
    let index = index("");
    let found = |id: &str| Proxy::find(&index, &WorkloadRef::NodeId(id.into()), None).unwrap();
    let pod = found("sidecar~10.1.2.3~echo-1.ns~ns.svc.cluster.local");
    assert_eq!(pod.labels["app"], "echo");
    let by_ip = found("sidecar~10.1.2.3~echo-7f9c-xyz.ns~ns.svc.cluster.local");
    assert_eq!(by_ip.workload.unwrap().name, "echo-1");
    let labels = std::collections::BTreeMap::from([("app".to_string(), "echo".to_string())]);
    let unknown = Proxy::find(
        &index,
        &WorkloadRef::NodeId("sidecar~127.0.0.9~ghost.ns~ns.svc.cluster.local".into()),
        Some(&labels),
    )
    .unwrap();
    assert!(unknown.workload.is_none());
    assert_eq!(unknown.labels, labels);
    assert!(matches!(
        Proxy::find(&index, &WorkloadRef::NodeId("bad".into()), None),
        Err(XdsError::BadNodeId { .. })
    ));
}

// A path template becomes a uri_template permission (istiod ≥ 1.22), which
// every gRPC runtime rejects, and the model says so for that RBAC policy.
#[test]
fn path_templates_become_uri_template_permissions() {
    let index = index(
        r#"apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: admin, namespace: ns}
spec:
  rules: [{to: [{operation: {paths: ["/admin.{*}/Delete"]}}]}]
"#,
    );
    let server = &inbound_listener(&index);
    let json = json::any_to_json(&json::pack(server)).unwrap().to_string();
    assert!(
        json.contains("\"pathTemplate\":\"/admin.*/Delete\""),
        "{json}"
    );
    let verdicts =
        crate::xds::client::acceptance::server_listener_fields(server, "go@1.70".parse().unwrap());
    assert!(
        verdicts.iter().any(|v| v.rule == "GRPC049"
            && v.part
                == crate::xds::client::acceptance::Part::RbacUriTemplate(
                    "ns[ns]-policy[admin]-rule[0]".into()
                )),
        "{verdicts:?}"
    );
}

// What gRPC's RBAC engine sees the same for every request (gRFC A41): the
// model finds a :method matcher, a requested server name and JWT metadata
// in the rendered policies, each for its rule.
#[test]
fn matchers_on_inputs_grpc_never_varies_are_found_in_the_rendered_policy() {
    let index = index(
        r#"apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: odd, namespace: ns}
spec:
  rules:
  - to: [{operation: {methods: [GET]}}]
  - when: [{key: connection.sni, values: [echo.example]}]
  - from: [{source: {requestPrincipals: ["*"]}}]
  - from: [{source: {namespaces: [ns]}}]
"#,
    );
    let server = inbound_listener(&index);
    let verdicts = crate::xds::client::acceptance::server_listener_fields(
        &server,
        "python@1.85".parse().unwrap(),
    );
    let mut found: Vec<(String, &str)> = verdicts
        .iter()
        .filter_map(|v| match &v.part {
            crate::xds::client::acceptance::Part::RbacConstantInput(policy, _) => {
                Some((policy.clone(), v.rule))
            }
            _ => None,
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("ns[ns]-policy[odd]-rule[0]".to_string(), "GRPC052"),
            ("ns[ns]-policy[odd]-rule[1]".to_string(), "GRPC051"),
            ("ns[ns]-policy[odd]-rule[2]".to_string(), "GRPC048"),
        ]
    );
}
