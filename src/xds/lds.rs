//! Listeners (spec §2): client API listeners that point at RDS over ADS, and
//! server listeners with one filter chain (plaintext or mTLS) and RBAC.

use envoy_types::pb::envoy::config::core::v3::TypedExtensionConfig;
use envoy_types::pb::envoy::config::core::v3::{
    address, config_source, socket_address::PortSpecifier, Address, AggregatedConfigSource,
    ConfigSource, SocketAddress,
};
use envoy_types::pb::envoy::config::listener::v3::{
    filter, ApiListener, Filter, FilterChain, Listener,
};
use envoy_types::pb::envoy::config::route::v3::{
    route, route_match::PathSpecifier, NonForwardingAction, Route, RouteConfiguration, RouteMatch,
    VirtualHost,
};
use envoy_types::pb::envoy::extensions::filters::http::fault::v3::HttpFault;
use envoy_types::pb::envoy::extensions::filters::http::router::v3::Router;
use envoy_types::pb::envoy::extensions::filters::http::stateful_session::v3::StatefulSession;
use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::{
    http_connection_manager::RouteSpecifier, http_filter, HttpConnectionManager, HttpFilter, Rds,
};
use envoy_types::pb::envoy::extensions::http::stateful_session::cookie::v3::CookieBasedSessionState;
use envoy_types::pb::envoy::extensions::http::stateful_session::header::v3::HeaderBasedSessionState;
use envoy_types::pb::envoy::r#type::http::v3::Cookie;
use envoy_types::pb::google::protobuf::Any;
use prost::Message;

use crate::model::Spec;
use crate::semantics::persistent_session::SessionState;

use super::json::pack;
use super::names::{join_host_port, ClusterKey};
use super::render::Renderer;
use super::{rbac, tls, XdsError};

pub const FAULT_FILTER: &str = "envoy.filters.http.fault";
pub const STATEFUL_SESSION_FILTER: &str = "envoy.filters.http.stateful_session";
pub const ROUTER_FILTER: &str = "envoy.filters.http.router";

pub fn socket_address(address: &str, port: u32) -> Address {
    Address {
        address: Some(address::Address::SocketAddress(SocketAddress {
            address: address.to_string(),
            port_specifier: Some(PortSpecifier::PortValue(port)),
            ..Default::default()
        })),
    }
}

pub fn ads() -> ConfigSource {
    ConfigSource {
        config_source_specifier: Some(config_source::ConfigSourceSpecifier::Ads(
            AggregatedConfigSource {},
        )),
        ..Default::default()
    }
}

pub fn http_filter(name: &str, config: Any) -> HttpFilter {
    HttpFilter {
        name: name.to_string(),
        config_type: Some(http_filter::ConfigType::TypedConfig(config)),
        ..Default::default()
    }
}

/// The stateful-session filter config for a session state (§2.2): a
/// session cookie (no TTL) or a header.
pub fn stateful_session(state: &SessionState) -> StatefulSession {
    let session_state = match state {
        SessionState::Cookie { name, path } => TypedExtensionConfig {
            name: "envoy.http.stateful_session.cookie".into(),
            typed_config: Some(pack(&CookieBasedSessionState {
                cookie: Some(Cookie {
                    name: name.clone(),
                    path: path.clone(),
                    ..Default::default()
                }),
            })),
        },
        SessionState::Header { name } => TypedExtensionConfig {
            name: "envoy.http.stateful_session.header".into(),
            typed_config: Some(pack(&HeaderBasedSessionState { name: name.clone() })),
        },
    };
    StatefulSession {
        session_state: Some(session_state),
        ..Default::default()
    }
}

/// The session state clients of `service` get, if any
/// ([`crate::semantics::persistent_session::sent_to_clients`]).
pub fn session_state(
    renderer: &Renderer<'_>,
    service: &crate::index::Service,
) -> Option<SessionState> {
    crate::semantics::persistent_session::sent_to_clients(
        &renderer.index.istio_release,
        &renderer.index.object(service.object).meta.labels,
    )
}

fn router_filter() -> HttpFilter {
    http_filter(ROUTER_FILTER, pack(&Router::default()))
}

/// Client listeners for a requested `host[:port]` (§2.2): one per port of the
/// service the host names, named as asked, routing to the FQDN's route config.
pub fn client_listeners(
    renderer: &Renderer<'_>,
    host: &str,
    port: Option<u32>,
    notes: &mut Vec<String>,
) -> Vec<Listener> {
    let fqdn = renderer
        .index
        .grpc_target_fqdn(host, &renderer.proxy.namespace);
    let Some(service) = renderer.service(&fqdn).or_else(|| renderer.service(host)) else {
        notes.push(format!(
            "listener {}: no service {fqdn} visible from namespace {}",
            port.map_or(host.to_string(), |p| join_host_port(host, p)),
            renderer.proxy.namespace
        ));
        return Vec::new();
    };
    let vip = service_address(renderer, service);
    let session = session_state(renderer, service);
    let mut out = Vec::new();
    for service_port in &service.ports {
        if port.is_some_and(|p| p != service_port.port) {
            continue;
        }
        let route_name = ClusterKey::new(&service.host, service_port.port, "").to_string();
        // istiod puts the session filter first (`buildOutboundListeners`).
        let http_filters = session
            .iter()
            .map(|state| http_filter(STATEFUL_SESSION_FILTER, pack(&stateful_session(state))))
            .chain([
                http_filter(FAULT_FILTER, pack(&HttpFault::default())),
                router_filter(),
            ])
            .collect();
        let manager = HttpConnectionManager {
            route_specifier: Some(RouteSpecifier::Rds(Rds {
                config_source: Some(ads()),
                route_config_name: route_name,
            })),
            http_filters,
            ..Default::default()
        };
        out.push(Listener {
            name: join_host_port(host, service_port.port),
            address: Some(socket_address(&vip, service_port.port)),
            api_listener: Some(ApiListener {
                api_listener: Some(pack(&manager)),
            }),
            ..Default::default()
        });
    }
    if out.is_empty() {
        notes.push(format!(
            "listener {}: service {} has no port {}",
            join_host_port(host, port.unwrap_or(0)),
            service.host,
            port.unwrap_or(0)
        ));
    }
    out
}

/// The service VIP: the ClusterIP, the ServiceEntry's first address, else `0.0.0.0`.
fn service_address(renderer: &Renderer<'_>, service: &crate::index::Service) -> String {
    let object = renderer.index.object(service.object);
    let address = match &object.spec {
        Spec::Service(svc) => svc
            .spec
            .as_ref()
            .and_then(|s| s.cluster_ip.clone())
            .filter(|ip| ip != "None" && !ip.is_empty()),
        Spec::ServiceEntry(entry) => entry
            .addresses
            .first()
            .filter(|a| !a.contains('/'))
            .cloned(),
        _ => None,
    };
    address.unwrap_or_else(|| "0.0.0.0".to_string())
}

/// Whether the server filter chain on container `port` is mTLS (§2.4),
/// as [`crate::semantics::peer_authentication`] decides it.
pub fn server_uses_mtls(renderer: &Renderer<'_>, port: u32) -> bool {
    crate::semantics::peer_authentication::server_mtls(
        renderer.index,
        &renderer.proxy.namespace,
        &renderer.proxy.labels,
        Some(port),
    )
    .mtls
}

/// A server listener (§2.3): only for a port a selecting Service targets.
pub fn server_listener(
    renderer: &Renderer<'_>,
    name: &str,
    address: &str,
    port: u32,
    notes: &mut Vec<String>,
) -> Result<Option<Listener>, XdsError> {
    if !renderer.server_ports().contains(&port) {
        notes.push(format!(
            "listener {name}: no Service selecting {}/{} targets port {port}",
            renderer.proxy.namespace, renderer.proxy.pod_name
        ));
        return Ok(None);
    }
    let mtls = server_uses_mtls(renderer, port);
    let suffix = if mtls { "mtls" } else { "plaintext" };
    let mut http_filters = rbac::filters(renderer, notes)?;
    http_filters.push(router_filter());
    let manager = HttpConnectionManager {
        route_specifier: Some(RouteSpecifier::RouteConfig(RouteConfiguration {
            name: "inbound".into(),
            virtual_hosts: vec![VirtualHost {
                domains: vec!["*".into()],
                routes: vec![Route {
                    r#match: Some(RouteMatch {
                        path_specifier: Some(PathSpecifier::Prefix("/".into())),
                        ..Default::default()
                    }),
                    action: Some(route::Action::NonForwardingAction(NonForwardingAction {})),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        })),
        http_filters,
        ..Default::default()
    };
    Ok(Some(Listener {
        name: name.to_string(),
        address: Some(socket_address(address, port)),
        filter_chains: vec![FilterChain {
            name: format!("inbound-{suffix}"),
            filters: vec![Filter {
                name: format!("inbound-hcm{suffix}"),
                config_type: Some(filter::ConfigType::TypedConfig(pack(&manager))),
            }],
            transport_socket: mtls.then(|| {
                tls::downstream_transport_socket(renderer.index.istio_release.tls_fields())
            }),
            ..Default::default()
        }],
        ..Default::default()
    }))
}

fn manager_of(any: &Any) -> Option<HttpConnectionManager> {
    HttpConnectionManager::decode(any.value.as_slice()).ok()
}

/// The route configuration names client listeners point at.
pub fn route_names(listeners: &[Listener]) -> Vec<String> {
    listeners
        .iter()
        .filter_map(|l| l.api_listener.as_ref()?.api_listener.as_ref())
        .filter_map(manager_of)
        .filter_map(|m| match m.route_specifier {
            Some(RouteSpecifier::Rds(rds)) => Some(rds.route_config_name),
            _ => None,
        })
        .collect()
}

/// One line for `-o table`.
pub fn summary(listener: &Listener) -> String {
    if let Some(any) = listener
        .api_listener
        .as_ref()
        .and_then(|a| a.api_listener.as_ref())
    {
        let route = manager_of(any).and_then(|m| match m.route_specifier {
            Some(RouteSpecifier::Rds(rds)) => Some(rds.route_config_name),
            _ => None,
        });
        return format!("client, RDS {}", route.unwrap_or_default());
    }
    let chains: Vec<String> = listener
        .filter_chains
        .iter()
        .map(|chain| {
            let filters: Vec<String> = chain
                .filters
                .iter()
                .filter_map(|f| match &f.config_type {
                    Some(filter::ConfigType::TypedConfig(any)) => manager_of(any),
                    _ => None,
                })
                .flat_map(|m| m.http_filters.into_iter().map(|f| f.name))
                .collect();
            format!("{} [{}]", chain.name, filters.join(", "))
        })
        .collect();
    format!("server, {}", chains.join("; "))
}
