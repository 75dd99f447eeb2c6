use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Object;
use crate::source::node::Node;
use crate::source::FieldPath;

use super::{document, items};

declare_rule! {
    /// An object's status already holds a negative condition.
    ///
    /// ## What it checks
    /// The `status` written by istiod, as the input holds it: a Kubernetes
    /// Gateway's conditions (not its listeners'), an HTTPRoute's or
    /// GRPCRoute's conditions for each parent, with `Accepted`,
    /// `Programmed` or `ResolvedRefs` false; a Service, ServiceEntry or
    /// WorkloadEntry with `istio.io/WaypointBound` false; an
    /// AuthorizationPolicy with `ZtunnelAccepted` or `WaypointAccepted`
    /// false, or `WaypointAccepted` for reason `PartiallyInvalid`. One
    /// finding per condition (istioctl's IST0171).
    ///
    /// ## Why it matters
    /// The control plane says it could not apply the object, or only part
    /// of it: traffic does not follow the config as written.
    ///
    /// ## Example
    /// ```yaml
    /// kind: HTTPRoute
    /// status:
    ///   parents:
    ///   - conditions:
    ///     - {type: Accepted, status: "False", reason: NotAllowedByListeners}
    /// ```
    ///
    /// ## How to fix
    /// Read the condition's reason and message, fix the object (or what it
    /// refers to), and let istiod write the status again.
    pub static RULE = { code: "IST0171", name: "negative-condition-status", level: Warning, check: check };
}

/// The Gateway API conditions istioctl reads.
const GATEWAY_API_CONDITIONS: &[&str] = &["Accepted", "Programmed", "ResolvedRefs"];
/// Written by istiod's ambient controllers on services and workload entries.
const WAYPOINT_BOUND: &[&str] = &["istio.io/WaypointBound"];
/// Written by ztunnel and waypoints on AuthorizationPolicies.
const POLICY_ACCEPTED: &[&str] = &["ZtunnelAccepted", "WaypointAccepted"];

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Some(status) = document(object).and_then(|d| d.get("status")) else {
            continue;
        };
        let status_path = FieldPath::root().field("status");
        match (object.group(), object.kind()) {
            ("gateway.networking.k8s.io", "Gateway") => report(
                findings,
                object,
                status,
                &status_path,
                GATEWAY_API_CONDITIONS,
            ),
            ("gateway.networking.k8s.io", "HTTPRoute" | "GRPCRoute") => {
                for (i, parent) in items(status.get("parents")).iter().enumerate() {
                    let path = status_path.field("parents").index(i);
                    report(findings, object, parent, &path, GATEWAY_API_CONDITIONS);
                }
            }
            ("", "Service") | ("networking.istio.io", "ServiceEntry" | "WorkloadEntry") => {
                report(findings, object, status, &status_path, WAYPOINT_BOUND)
            }
            ("security.istio.io", "AuthorizationPolicy") => {
                report(findings, object, status, &status_path, POLICY_ACCEPTED)
            }
            _ => {}
        }
    }
}

/// Reports each condition under `holder.conditions` of one of `types` that
/// is false, or (for WaypointAccepted) partially invalid.
fn report(
    findings: &mut Findings,
    object: &Object,
    holder: &Node,
    path: &FieldPath,
    types: &[&str],
) {
    for (i, condition) in items(holder.get("conditions")).iter().enumerate() {
        let text = |key: &str| {
            condition
                .get(key)
                .and_then(Node::as_str)
                .unwrap_or_default()
        };
        let kind = text("type");
        if !types.contains(&kind) {
            continue;
        }
        let partially_invalid = kind == "WaypointAccepted" && text("reason") == "PartiallyInvalid";
        if text("status") == "False" || partially_invalid {
            findings.report(
                object,
                &path.field("conditions").index(i),
                format!(
                    "A condition with a negative status is present: type={kind}, reason={}, message={}.",
                    text("reason"),
                    text("message")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!("../../../../../testdata/rules/gateway-api/conditions.yaml");

    #[test]
    fn reports_each_negative_condition_of_the_kinds_istiod_writes() {
        assert_eq!(
            findings("negative-condition-status", FIXTURE),
            [
                "IST0171 Service default/svc 10 status.conditions[0] A condition with a negative status is present: type=istio.io/WaypointBound, reason=NoWaypoint, message=waypoint is not ready.",
                "IST0171 AuthorizationPolicy default/partial 28 status.conditions[0] A condition with a negative status is present: type=WaypointAccepted, reason=PartiallyInvalid, message=Invalid targetRefs.",
                "IST0171 Gateway default/gw 44 status.conditions[1] A condition with a negative status is present: type=Programmed, reason=AddressNotUsable, message=no address.",
                "IST0171 HTTPRoute default/route 64 status.parents[1].conditions[0] A condition with a negative status is present: type=Accepted, reason=NotAllowedByListeners, message=.",
            ]
        );
    }
}
