//! Rules on Istio annotations of Kubernetes objects: unknown, misplaced,
//! invalid or deprecated (istioctl's `annotations.K8sAnalyzer`), and the
//! opt-in alpha-annotation rule (`annotations.AlphaAnalyzer`).

mod alpha;
mod deprecated;
mod invalid;
mod misplaced;
mod scan;
mod table;
mod unknown;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[
    &unknown::RULE,
    &misplaced::RULE,
    &invalid::RULE,
    &deprecated::RULE,
    &alpha::RULE,
];

#[cfg(test)]
pub(crate) use crate::analyze::testing::{finding, run_rule};
