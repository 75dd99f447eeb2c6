//! GRPC060-079: proxyless workloads themselves (their runtime, injection
//! and bootstrap) and the Istio resources gRPC never receives or only
//! partly honours (EnvoyFilter, WasmPlugin, Telemetry, Gateway, Sidecar,
//! ambient mode, multi-network).

mod agent_closes_extra_xds_streams;
mod ambient_namespace_with_proxyless;
mod bootstrap_env_without_template;
mod envoy_filter_on_proxyless;
mod envoy_sidecar_on_proxyless_pod;
mod gateway_selects_proxyless;
mod grpc_simple_client_with_istio_mutual;
mod grpc_simple_server_with_policy;
mod injection_disabled_for_proxyless_template;
mod invalid_runtime_annotation;
mod multi_network;
mod proxyless_template_not_injected;
mod runtime_annotation_on_controller;
mod runtime_below_blog_minimum;
mod runtime_without_xds;
mod scope;
mod server_without_hold_application;
mod sidecar_field_ignored;
mod telemetry_on_proxyless;
mod wasm_plugin_on_proxyless;
mod waypoint_for_proxyless;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &invalid_runtime_annotation::RULE,
    &runtime_without_xds::RULE,
    &runtime_below_blog_minimum::RULE,
    &server_without_hold_application::RULE,
    &envoy_sidecar_on_proxyless_pod::RULE,
    &injection_disabled_for_proxyless_template::RULE,
    &bootstrap_env_without_template::RULE,
    &envoy_filter_on_proxyless::RULE,
    &wasm_plugin_on_proxyless::RULE,
    &telemetry_on_proxyless::RULE,
    &gateway_selects_proxyless::RULE,
    &sidecar_field_ignored::RULE,
    &ambient_namespace_with_proxyless::RULE,
    &waypoint_for_proxyless::RULE,
    &multi_network::RULE,
    &grpc_simple_client_with_istio_mutual::RULE,
    &grpc_simple_server_with_policy::RULE,
    &proxyless_template_not_injected::RULE,
    &runtime_annotation_on_controller::RULE,
    &agent_closes_extra_xds_streams::RULE,
];
