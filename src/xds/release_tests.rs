//! Each istiod release switch (src/semantics/istiod_release.rs) as the
//! renderer applies it: the same config rendered on both sides of the
//! release that changed it.
#![allow(deprecated)] // the deprecated TLS fields are what older istiod sends

use envoy_types::pb::envoy::config::cluster::v3::cluster::LbPolicy;
use envoy_types::pb::envoy::config::core::v3::{transport_socket, TransportSocket};
use envoy_types::pb::envoy::config::route::v3::{route, RetryPolicy};
use envoy_types::pb::envoy::extensions::transport_sockets::tls::v3::{
    common_tls_context::ValidationContextType, CommonTlsContext, DownstreamTlsContext,
    UpstreamTlsContext,
};
use prost::Message;

use super::render::RenderOptions;
use super::*;
use crate::index::Index;
use crate::load::load_files;
use crate::model::MeshConfig;
use crate::semantics::IstioRelease;
use crate::source::SourceFile;

const FIXTURE: &str = include_str!("../../testdata/istio-releases-xds/mesh.yaml");
const ECHO: &str = "outbound|7070||echo.demo.svc.cluster.local";
const STRICT: &str = "
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: strict, namespace: demo}
spec: {mtls: {mode: STRICT}}
";

fn render_at(release: &str, extra: &str, pod: &str) -> Resources {
    render_config(release, &format!("{FIXTURE}\n---\n{extra}"), pod)
}

fn render_config(release: &str, text: &str, pod: &str) -> Resources {
    let text = text.to_string();
    let loaded = load_files(vec![SourceFile::new("t.yaml", text)]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let mut index = Index::build(loaded.objects, MeshConfig::default());
    index.istio_release = IstioRelease::parse(release).unwrap();
    let proxy = Proxy::find(
        &index,
        &WorkloadRef::Workload {
            namespace: "demo".into(),
            name: pod.into(),
        },
        None,
    )
    .unwrap();
    let options = RenderOptions {
        targets: if pod == "client" {
            vec!["echo.demo.svc.cluster.local:7070".into()]
        } else {
            Vec::new()
        },
        server_address: None,
    };
    render(&index, &proxy, &options).unwrap()
}

fn echo_cluster(resources: &Resources) -> &envoy_types::pb::envoy::config::cluster::v3::Cluster {
    resources
        .clusters
        .iter()
        .find(|c| c.name == ECHO)
        .unwrap_or_else(|| panic!("no {ECHO}: {:?}", resources.notes))
}

fn typed<T: Message + Default>(socket: &TransportSocket) -> T {
    match &socket.config_type {
        Some(transport_socket::ConfigType::TypedConfig(any)) => {
            T::decode(any.value.as_slice()).unwrap()
        }
        other => panic!("{other:?}"),
    }
}

/// (current fields present, deprecated fields present) of a TLS context.
fn provider_fields(context: &CommonTlsContext) -> (bool, bool) {
    let Some(ValidationContextType::CombinedValidationContext(combined)) =
        &context.validation_context_type
    else {
        panic!("{context:?}")
    };
    let current = context.tls_certificate_provider_instance.is_some()
        && combined
            .default_validation_context
            .as_ref()
            .is_some_and(|v| v.ca_certificate_provider_instance.is_some());
    let deprecated = context
        .tls_certificate_certificate_provider_instance
        .is_some()
        && combined
            .validation_context_certificate_provider_instance
            .is_some();
    (current, deprecated)
}

fn echo_retry(resources: &Resources) -> RetryPolicy {
    let route = &resources.routes[0].virtual_hosts[0].routes[0];
    match &route.action {
        Some(route::Action::Route(action)) => action.retry_policy.clone().unwrap(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn least_request_is_round_robin_until_1_29() {
    let old = render_at("1.28", "", "client");
    assert_eq!(echo_cluster(&old).lb_policy, LbPolicy::RoundRobin as i32);
    let new = render_at("1.29", "", "client");
    assert_eq!(echo_cluster(&new).lb_policy, LbPolicy::LeastRequest as i32);
}

#[test]
fn http2_max_requests_is_a_circuit_breaker_from_1_29() {
    assert_eq!(
        echo_cluster(&render_at("1.28", "", "client")).circuit_breakers,
        None
    );
    let new = render_at("1.29", "", "client");
    let thresholds = &echo_cluster(&new)
        .circuit_breakers
        .as_ref()
        .unwrap()
        .thresholds;
    assert_eq!(
        thresholds[0].max_requests.as_ref().map(|m| m.value),
        Some(100)
    );
}

#[test]
fn client_tls_carries_the_current_provider_fields_from_1_29() {
    let upstream = |release| {
        let resources = render_at(release, "", "client");
        let socket = echo_cluster(&resources).transport_socket.clone().unwrap();
        let context: UpstreamTlsContext = typed(&socket);
        provider_fields(&context.common_tls_context.unwrap())
    };
    assert_eq!(upstream("1.28"), (false, true));
    assert_eq!(upstream("1.29"), (true, true));
}

#[test]
fn server_tls_carries_the_current_provider_fields_from_1_29() {
    let downstream = |release| {
        let resources = render_at(release, STRICT, "echo");
        let listener = resources
            .listeners
            .iter()
            .find(|l| l.name.starts_with(names::SERVER_LISTENER_PREFIX))
            .unwrap_or_else(|| panic!("{:?}", resources.notes));
        let socket = listener.filter_chains[0].transport_socket.clone().unwrap();
        let context: DownstreamTlsContext = typed(&socket);
        provider_fields(&context.common_tls_context.unwrap())
    };
    assert_eq!(downstream("1.28.9"), (false, true));
    assert_eq!(downstream("1.29.0"), (true, true));
}

#[test]
fn retry_backoff_is_sent_from_1_26() {
    assert_eq!(
        echo_retry(&render_at("1.25", "", "client")).retry_back_off,
        None
    );
    let backoff = echo_retry(&render_at("1.26", "", "client"))
        .retry_back_off
        .unwrap();
    assert_eq!(
        backoff.base_interval.map(|d| (d.seconds, d.nanos)),
        Some((0, 50_000_000))
    );
}

#[test]
fn route_configuration_holds_the_whole_port_until_1_31() {
    let vhosts = |release| -> Vec<String> {
        render_at(release, "", "client").routes[0]
            .virtual_hosts
            .iter()
            .map(|v| v.name.clone())
            .collect()
    };
    assert_eq!(
        vhosts("1.30"),
        [
            "echo.demo.svc.cluster.local:7070",
            "billing.demo.svc.cluster.local:7070"
        ]
    );
    assert_eq!(vhosts("1.31"), ["echo.demo.svc.cluster.local:7070"]);
    // The client still asks only for the clusters of the host it dials.
    let clusters: Vec<String> = render_at("1.30", "", "client")
        .clusters
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(clusters, [ECHO]);
}

#[test]
fn alt_stat_name_is_sent_from_1_23() {
    assert_eq!(
        echo_cluster(&render_at("1.22", "", "client")).alt_stat_name,
        ""
    );
    assert_eq!(
        echo_cluster(&render_at("1.23", "", "client")).alt_stat_name,
        format!("{ECHO};")
    );
}

/// Two echo pods, one not ready yet.
const ECHO_PODS: &str = "
apiVersion: v1
kind: Pod
metadata: {name: echo-ready, namespace: demo, labels: {app: echo}}
spec: {containers: [{name: app, image: echo, ports: [{containerPort: 7070}]}]}
status: {podIP: 10.1.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: echo-starting, namespace: demo, labels: {app: echo}}
spec: {containers: [{name: app, image: echo, ports: [{containerPort: 7070}]}]}
status:
  podIP: 10.1.0.2
  conditions: [{type: Ready, status: 'False'}]
";

/// (address, health status) of echo's endpoints.
fn echo_endpoints(resources: &Resources) -> Vec<(String, String)> {
    use envoy_types::pb::envoy::config::core::v3::{address, HealthStatus};
    use envoy_types::pb::envoy::config::endpoint::v3::lb_endpoint::HostIdentifier;
    let assignment = resources
        .endpoints
        .iter()
        .find(|e| e.cluster_name == ECHO)
        .unwrap_or_else(|| panic!("no endpoints of {ECHO}: {:?}", resources.notes));
    assignment
        .endpoints
        .iter()
        .flat_map(|l| &l.lb_endpoints)
        .map(|e| {
            let Some(HostIdentifier::Endpoint(endpoint)) = &e.host_identifier else {
                panic!("{e:?}")
            };
            let Some(address::Address::SocketAddress(socket)) =
                endpoint.address.as_ref().and_then(|a| a.address.as_ref())
            else {
                panic!("{endpoint:?}")
            };
            let health = HealthStatus::try_from(e.health_status).unwrap();
            (socket.address.clone(), health.as_str_name().to_string())
        })
        .collect()
}

#[test]
fn not_ready_endpoints_are_sent_unhealthy_from_1_31() {
    let ready = ("10.1.0.1".to_string(), "HEALTHY".to_string());
    let starting = ("10.1.0.2".to_string(), "UNHEALTHY".to_string());
    assert_eq!(
        echo_endpoints(&render_at("1.30", ECHO_PODS, "client")),
        std::slice::from_ref(&ready)
    );
    assert_eq!(
        echo_endpoints(&render_at("1.31", ECHO_PODS, "client")),
        [ready.clone(), starting]
    );
    // A minimum health percentage keeps them out, as before.
    let guarded = format!("{FIXTURE}\n---\n{ECHO_PODS}").replace(
        "tls: {mode: ISTIO_MUTUAL}",
        "tls: {mode: ISTIO_MUTUAL}\n    outlierDetection: {minHealthPercent: 50}",
    );
    assert_eq!(
        echo_endpoints(&render_config("1.31", &guarded, "client")),
        [ready]
    );
}

/// The route verdict of an RPC from demo/client (gRPC Go 1.80) to echo,
/// on 1.31.
fn echo_verdict(text: String) -> client::RouteVerdict {
    echo_verdict_at("1.31", &text, "go@1.80")
}

/// The route verdict of an RPC from demo/client to echo.
fn echo_verdict_at(release: &str, text: &str, runtime: &str) -> client::RouteVerdict {
    let loaded = load_files(vec![SourceFile::new("t.yaml", text.to_string())]);
    let mut index = Index::build(loaded.objects, MeshConfig::default());
    index.istio_release = IstioRelease::parse(release).unwrap();
    let proxy = Proxy::find(
        &index,
        &WorkloadRef::Workload {
            namespace: "demo".into(),
            name: "client".into(),
        },
        None,
    )
    .unwrap();
    let rpc = client::Rpc {
        path: "/echo.Echo/Say".into(),
        headers: Vec::new(),
    };
    client::route_verdict(
        &index,
        &proxy,
        "echo.demo.svc.cluster.local:7070",
        &rpc,
        runtime.parse().unwrap(),
    )
    .unwrap()
}

#[test]
fn the_client_model_skips_unhealthy_endpoints() {
    let verdict = echo_verdict(format!("{FIXTURE}\n---\n{ECHO_PODS}"));
    let destination = &verdict.destinations[0];
    let addresses = |endpoints: &[client::EndpointInfo]| -> Vec<String> {
        endpoints.iter().map(|e| e.address.clone()).collect()
    };
    assert_eq!(addresses(&destination.endpoints), ["10.1.0.1:7070"]);
    assert_eq!(addresses(&destination.skipped_endpoints), ["10.1.0.2:7070"]);
    assert!(verdict.outcome.reaches_backend, "{:?}", verdict.outcome);
}

#[test]
fn a_cluster_of_unhealthy_endpoints_only_fails() {
    let starting_only = ECHO_PODS.split("---").nth(1).unwrap();
    let verdict = echo_verdict(format!("{FIXTURE}\n---\n{starting_only}"));
    assert!(verdict.destinations[0].endpoints.is_empty());
    assert_eq!(verdict.outcome.status.as_deref(), Some("UNAVAILABLE"));
    assert!(
        verdict
            .outcome
            .reason
            .contains("no endpoint gRPC uses (1 UNHEALTHY, skipped)"),
        "{:?}",
        verdict.outcome
    );
}

/// An ALLOW policy on echo whose one source is `source` (YAML flow).
fn allow_from(source: &str) -> String {
    format!(
        "
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {{name: from-client, namespace: demo}}
spec:
  selector: {{matchLabels: {{app: echo}}}}
  action: ALLOW
  rules:
  - from: [{{source: {source}}}]
"
    )
}

/// The ALLOW RBAC filter of echo's server listener as JSON text, if any,
/// and the render's notes.
fn allow_filter(release: &str, policy: &str) -> (Option<String>, Vec<String>) {
    use envoy_types::pb::envoy::config::listener::v3::filter;
    use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::{
        http_filter, HttpConnectionManager,
    };
    let resources = render_at(release, policy, "echo");
    let listener = resources
        .listeners
        .iter()
        .find(|l| l.name.starts_with(names::SERVER_LISTENER_PREFIX))
        .unwrap_or_else(|| panic!("{:?}", resources.notes));
    let Some(filter::ConfigType::TypedConfig(any)) =
        &listener.filter_chains[0].filters[0].config_type
    else {
        panic!("{listener:?}")
    };
    let manager = HttpConnectionManager::decode(any.value.as_slice()).unwrap();
    let allow = manager
        .http_filters
        .iter()
        .find(|f| f.name == rbac::ALLOW_FILTER)
        .map(|f| match &f.config_type {
            Some(http_filter::ConfigType::TypedConfig(any)) => {
                json::any_to_json(any).unwrap().to_string()
            }
            other => panic!("{other:?}"),
        });
    (allow, resources.notes)
}

#[test]
fn service_accounts_reach_the_rbac_from_1_25() {
    let policy = allow_from("{serviceAccounts: [client], ipBlocks: [10.0.0.0/8]}");
    let (new, notes) = allow_filter("1.25", &policy);
    let new = new.unwrap();
    // A name alone is of the policy's namespace.
    assert!(
        new.contains(r#""regex":"spiffe://.+/ns/demo/(.+/|)sa/client(/.+)?""#),
        "{new}"
    );
    assert!(new.contains(r#""addressPrefix":"10.0.0.0""#), "{new}");
    assert!(notes.is_empty(), "{notes:?}");
    // 1.24's CRD has no serviceAccounts: the rule keeps only the IP block.
    let (old, notes) = allow_filter("1.24", &policy);
    let old = old.unwrap();
    assert!(!old.contains("sa/client"), "{old}");
    assert!(old.contains(r#""addressPrefix":"10.0.0.0""#), "{old}");
    assert_eq!(
        notes,
        ["AuthorizationPolicy demo/from-client: istiod 1.24 does not know spec.rules[0].from[0].source.serviceAccounts (from 1.25): the API server drops it, so the rule matches peers of any service account"]
    );
}

#[test]
fn a_source_of_unknown_fields_only_is_refused_and_not_applied() {
    let policy = allow_from("{serviceAccounts: [client]}");
    assert!(allow_filter("1.25", &policy).0.is_some());
    let (old, notes) = allow_filter("1.24.6", &policy);
    assert_eq!(old, None);
    assert_eq!(
        notes,
        ["AuthorizationPolicy demo/from-client: istiod 1.24.6 does not know spec.rules[0].from[0].source.serviceAccounts (from 1.25), so the API server drops it and istiod's validation refuses the policy (`from.source` must not be empty): not applied"]
    );
}

#[test]
fn trust_domains_reach_the_rbac_from_1_30_2() {
    let only = allow_from("{trustDomains: [example.org, '*.corp']}");
    let new = allow_filter("1.30.2", &only).0.unwrap();
    assert!(new.contains(r#""prefix":"spiffe://example.org/""#), "{new}");
    assert!(
        new.contains(r#""regex":"spiffe://[^/]*\\.corp/.*""#),
        "{new}"
    );
    // 1.30.0–1.30.1 ignore the field their CRD has, as older ones prune it.
    assert_eq!(allow_filter("1.30.1", &only).0, None);
    let mixed = allow_from("{trustDomains: [example.org], namespaces: [demo]}");
    let (old, notes) = allow_filter("1.29", &mixed);
    let old = old.unwrap();
    assert!(!old.contains("example.org"), "{old}");
    assert!(old.contains("/ns/demo/"), "{old}");
    assert!(
        notes[0].contains("matches peers of any trust domain"),
        "{notes:?}"
    );
}

#[test]
fn a_when_key_the_release_does_not_know_refuses_the_policy() {
    let policy = "
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: by-key, namespace: demo}
spec:
  selector: {matchLabels: {app: echo}}
  rules:
  - when: [{key: source.serviceAccount, values: [demo/client]}]
";
    let new = allow_filter("1.25", policy).0.unwrap();
    assert!(new.contains("/ns/demo/(.+/|)sa/client"), "{new}");
    let (old, notes) = allow_filter("1.24", policy);
    assert_eq!(old, None);
    assert!(
        notes[0].contains("spec.rules[0].when[0].key (from 1.25)")
            && notes[0].contains("(unknown attribute): not applied"),
        "{notes:?}"
    );
}

/// The fixture with echo's Service labelled `label: value`.
fn echo_labelled(label: &str, value: &str) -> String {
    let service = "metadata: {name: echo, namespace: demo}\nspec:\n  selector: {app: echo}";
    assert!(FIXTURE.contains(service));
    FIXTURE.replace(
        service,
        &format!(
            "metadata: {{name: echo, namespace: demo, labels: {{{label}: '{value}'}}}}\nspec:\n  selector: {{app: echo}}"
        ),
    )
}

fn client_filters(resources: &Resources) -> Vec<String> {
    use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;
    let any = resources.listeners[0]
        .api_listener
        .as_ref()
        .and_then(|l| l.api_listener.as_ref())
        .unwrap();
    HttpConnectionManager::decode(any.value.as_slice())
        .unwrap()
        .http_filters
        .into_iter()
        .map(|f| f.name)
        .collect()
}

#[test]
fn persistent_sessions_reach_clients_without_the_flag_only_on_1_22() {
    const SESSION: &str = "envoy.filters.http.stateful_session";
    let config = echo_labelled("istio.io/persistent-session", "sid:/echo.Echo/");
    let old = render_config("1.22", &config, "client");
    assert_eq!(
        client_filters(&old),
        [
            SESSION,
            "envoy.filters.http.fault",
            "envoy.filters.http.router"
        ]
    );
    let listener = json::any_to_json(&json::pack(&old.listeners[0])).unwrap();
    let text = listener.to_string();
    assert!(
        text.contains(r#""cookie":{"name":"sid","path":"/echo.Echo/"}"#),
        "{text}"
    );
    // The virtual host and the VirtualService's route carry it too.
    let host = &old.routes[0].virtual_hosts[0];
    assert!(
        host.typed_per_filter_config.contains_key(SESSION),
        "{host:?}"
    );
    assert!(host.routes[0].typed_per_filter_config.contains_key(SESSION));
    let new = render_config("1.23", &config, "client");
    assert_eq!(
        client_filters(&new),
        ["envoy.filters.http.fault", "envoy.filters.http.router"]
    );
    let host = &new.routes[0].virtual_hosts[0];
    assert!(host.typed_per_filter_config.is_empty(), "{host:?}");
    assert!(!host.routes[0].typed_per_filter_config.contains_key(SESSION));
}

#[test]
fn clients_without_session_affinity_reject_the_1_22_listener() {
    // billing's CORS route, which releases before 1.31 pack with echo's,
    // is left out: only the session filter is judged.
    let labelled = |label, value| {
        let config = echo_labelled(label, value);
        let kept: Vec<&str> = config
            .split("---")
            .filter(|document| !document.contains("billing-cors"))
            .collect();
        kept.join("---")
    };
    let cookie = labelled("istio.io/persistent-session", "sid");
    let go = echo_verdict_at("1.22", &cookie, "go@1.80");
    assert_eq!(go.outcome.status.as_deref(), Some("UNAVAILABLE"));
    assert!(
        go.outcome.reason.starts_with(
            "gRPC Go 1.80 rejects (NACKs) listener echo.demo.svc.cluster.local:7070 (http_filters[0] envoy.filters.http.stateful_session, GRPC038)"
        ),
        "{:?}",
        go.outcome
    );
    // C-core has cookie-based session affinity from 1.61 (gRFC A55).
    let cpp = echo_verdict_at("1.22", &cookie, "cpp@1.61");
    assert!(cpp.outcome.reaches_backend, "{:?}", cpp.outcome);
    assert!(
        echo_verdict_at("1.23", &cookie, "go@1.80")
            .outcome
            .reaches_backend
    );
    // No gRPC keeps sessions in a header.
    let header = labelled("istio.io/persistent-session-header", "x-session");
    let cpp = echo_verdict_at("1.22", &header, "cpp@1.70");
    assert!(!cpp.outcome.reaches_backend, "{:?}", cpp.outcome);
    assert!(
        cpp.outcome
            .reason
            .starts_with("every gRPC runtime rejects (NACKs) listener"),
        "{:?}",
        cpp.outcome
    );
}
