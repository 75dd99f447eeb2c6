//! Rules on RequestAuthentication and what istiod needs to serve it safely
//! (istioctl's `authn.BlockedCIDRsAnalyzer`).

mod jwks_fetch_unrestricted;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[&jwks_fetch_unrestricted::RULE];

#[cfg(test)]
pub(crate) use crate::analyze::testing::run_rule;
