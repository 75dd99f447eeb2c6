//! MESH2xx: what istiod does with Gateway API objects, found by converting
//! them as istiod does ([`crate::semantics::gateway_api`]), where istioctl
//! only echoes a status already written (IST0171).

mod route_condition;
mod route_shadows_virtual_service;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[&route_condition::RULE, &route_shadows_virtual_service::RULE];
