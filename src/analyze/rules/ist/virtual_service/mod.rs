//! Rules on virtual service config: destinations, subsets, gateways, host
//! conflicts and the order of routing rules (istioctl's `virtualservice.*`
//! analyzers and the VirtualService part of its schema analyzer).

mod conflicting_mesh_hosts;
mod destination_host_not_found;
mod destination_port_not_found;
mod destination_port_required;
mod gateway_not_found;
pub(crate) mod gateway_refs;
mod gateway_route_without_subset;
mod host_not_in_gateway;
mod ineffective_match;
mod internal_gateway;
mod jwt_claim_route;
pub(crate) mod lookup;
mod route_order;
mod subset_not_found;
#[cfg(test)]
pub(crate) mod testing;
mod unreachable_rule;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &destination_host_not_found::RULE,
    &destination_port_required::RULE,
    &destination_port_not_found::RULE,
    &subset_not_found::RULE,
    &gateway_route_without_subset::RULE,
    &gateway_not_found::RULE,
    &host_not_in_gateway::RULE,
    &internal_gateway::RULE,
    &conflicting_mesh_hosts::RULE,
    &jwt_claim_route::RULE,
    &unreachable_rule::RULE,
    &ineffective_match::RULE,
];
