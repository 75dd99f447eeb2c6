//! The GRPC family: what proxyless gRPC clients and servers honour, ignore or
//! reject of the config Istio sends them. Each rule asks
//! [`crate::analyze::proxyless`] which proxyless workloads a config reaches
//! and [`crate::grpc_support`] what their runtime does with it.
//!
//! Codes by area: GRPC001-019 routing (VirtualService), GRPC020-039 traffic
//! policy (DestinationRule, ServiceEntry, Service), GRPC040-059 security
//! (PeerAuthentication, AuthorizationPolicy, RequestAuthentication),
//! GRPC060-079 workloads and resources gRPC never receives; from GRPC080,
//! pairs of an istiod release (`--istio`) and a gRPC runtime that break, in
//! the folder of their area.

pub mod routing;
pub mod security;
pub mod traffic_policy;
pub mod workload;
