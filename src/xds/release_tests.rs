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
    let text = format!("{FIXTURE}\n---\n{extra}");
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
