//! Rules on workloads: Deployments, Pods and other pod templates.

mod application_uid;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[&application_uid::RULE];
