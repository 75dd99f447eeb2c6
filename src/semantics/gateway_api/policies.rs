//! Backend policies → DestinationRules (`DestinationRuleCollection` in
//! `gw/backend_policies.go`): not converted yet. Each BackendTLSPolicy and
//! XBackendTrafficPolicy is reported instead of silently dropped.

use super::conditions::Condition;
use super::world::World;
use super::{Generated, Ignored};
use crate::model::Spec;

/// The DestinationRules istiod derives from backend policies: none yet.
pub(super) fn destination_rules(
    _world: &World<'_>,
    _conditions: &mut [Condition],
) -> Vec<Generated> {
    Vec::new()
}

/// The backend policies `destination_rules` does not convert yet.
pub(super) fn report_unconverted(world: &World<'_>, ignored: &mut Vec<Ignored>) {
    for (id, object) in world.objects.iter().enumerate() {
        let unconverted = match &object.spec {
            Spec::BackendTLSPolicy(_) => true,
            Spec::XBackendTrafficPolicy(_) => world.features.alpha_gateway_api,
            _ => false,
        };
        if unconverted {
            ignored.push(Ignored {
                object: id,
                reason: "mesh does not convert backend policies to DestinationRules yet".into(),
            });
        }
    }
}
