//! The negative conditions istiod writes in the status of Gateway API
//! objects (`gw/conditions.go`): what is wrong, on which object, about
//! which field. Only problems are kept; a condition istiod reports as
//! fine is not a finding.

use std::collections::BTreeMap;

use crate::model::gateway_api as gw;
use crate::source::FieldPath;

/// A problem istiod reports in an object's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The input object (index into the objects given to `convert`).
    pub object: usize,
    /// `HTTPRoute default/echo`.
    pub origin: String,
    /// Where in the status: `status`, `listener NAME`, or the parentRef as
    /// written (`parent Gateway istio-system/gateway section http`).
    pub place: String,
    /// The field the condition is about (a parentRef, a listener).
    pub field: FieldPath,
    /// `Accepted`, `ResolvedRefs`, `Programmed`...
    pub condition_type: String,
    /// The condition's status: `false` for every problem but `Conflicted`.
    pub status: bool,
    pub reason: String,
    pub message: String,
}

/// Why a rule (or a piece of one) could not be converted as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ConfigError {
    pub reason: &'static str,
    pub message: String,
}

impl ConfigError {
    pub fn new(reason: &'static str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            reason,
            message: message.into(),
        }
    }

    /// Backend problems are soft: the route is kept, the backend is not
    /// (`isInvalidBackend`).
    pub fn is_invalid_backend(&self) -> bool {
        matches!(
            self.reason,
            REF_NOT_PERMITTED | BACKEND_NOT_FOUND | INVALID_KIND
        )
    }

    /// Two soft errors of one rule (`joinErrors`): the first reason, both messages.
    pub fn join(first: Option<ConfigError>, second: Option<ConfigError>) -> Option<ConfigError> {
        match (first, second) {
            (Some(mut a), Some(b)) => {
                a.message = format!("{}; {}", a.message, b.message);
                Some(a)
            }
            (a, b) => a.or(b),
        }
    }
}

pub(super) const REF_NOT_PERMITTED: &str = "RefNotPermitted";
pub(super) const BACKEND_NOT_FOUND: &str = "BackendNotFound";
pub(super) const INVALID_KIND: &str = "InvalidKind";
pub(super) const INVALID_DESTINATION: &str = "InvalidDestination";
pub(super) const INVALID_FILTER: &str = "InvalidFilter";
pub(super) const INVALID_CONFIGURATION: &str = "InvalidConfiguration";

/// Why a parentRef was not accepted, in `rankParentError` order: when one
/// parentRef matches several listeners, istiod reports the lowest rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum DeniedReason {
    NotAllowedByListeners,
    NoMatchingListenerHostname,
    NoMatchingParent,
}

impl DeniedReason {
    fn name(self) -> &'static str {
        match self {
            DeniedReason::NotAllowedByListeners => "NotAllowedByListeners",
            DeniedReason::NoMatchingListenerHostname => "NoMatchingListenerHostname",
            DeniedReason::NoMatchingParent => "NoMatchingParent",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Denied {
    pub reason: DeniedReason,
    pub message: String,
}

/// The outcome for one parent (listener) a parentRef resolved to.
pub(super) struct ParentResult<'a> {
    pub reference: &'a gw::ParentReference,
    pub reference_index: usize,
    pub denied: Option<Denied>,
    /// The conversion error of the rules' variant (mesh or gateway) the
    /// parent uses.
    pub route_error: Option<ConfigError>,
}

/// The conditions of one route: one status entry per distinct parentRef,
/// the results of its listeners merged as `createRouteStatus` merges them.
pub(super) fn route_conditions(
    object: usize,
    origin: &str,
    route_namespace: &str,
    results: Vec<ParentResult<'_>>,
    out: &mut Vec<Condition>,
) {
    // Distinct references in first-seen order, with their results.
    let mut by_reference: BTreeMap<usize, Vec<ParentResult<'_>>> = BTreeMap::new();
    let mut first_index: Vec<(&gw::ParentReference, usize)> = Vec::new();
    for result in results {
        let index = match first_index
            .iter()
            .find(|(reference, _)| **reference == *result.reference)
        {
            Some((_, index)) => *index,
            None => {
                first_index.push((result.reference, result.reference_index));
                result.reference_index
            }
        };
        by_reference.entry(index).or_default().push(result);
    }
    for (index, results) in by_reference {
        let mut accepted = false;
        let mut reported: Option<Denied> = None;
        let mut route_error = None;
        for result in results {
            route_error = route_error.or(result.route_error);
            match result.denied {
                None => accepted = true,
                Some(denied) => {
                    reported = Some(match reported.take() {
                        None => denied,
                        Some(seen) if denied.reason < seen.reason => denied,
                        Some(mut seen) if denied.reason == seen.reason => {
                            seen.message = format!("{}; {}", seen.message, denied.message);
                            seen
                        }
                        Some(seen) => seen,
                    });
                }
            }
        }
        let Some((reference, _)) = first_index.iter().find(|(_, i)| *i == index) else {
            continue;
        };
        let place = parent_place(reference, route_namespace);
        let field = FieldPath::root()
            .field("spec")
            .field("parentRefs")
            .index(index);
        let mut push = |condition_type: &str, reason: &str, message: String| {
            out.push(Condition {
                object,
                origin: origin.to_string(),
                place: place.clone(),
                field: field.clone(),
                condition_type: condition_type.to_string(),
                status: false,
                reason: reason.to_string(),
                message,
            })
        };
        if !accepted {
            if let Some(denied) = reported {
                push("Accepted", denied.reason.name(), denied.message);
            }
        }
        if let Some(error) = route_error {
            push("ResolvedRefs", error.reason, error.message);
        }
    }
}

/// A parentRef as the kit's `where` shows it: kind, `[namespace/]name`,
/// then `section S` and `port P` when set.
fn parent_place(reference: &gw::ParentReference, _route_namespace: &str) -> String {
    reference_place(
        "parent",
        reference.kind.as_deref().unwrap_or("Gateway"),
        reference.namespace.as_deref(),
        reference.name.as_deref().unwrap_or_default(),
        reference.section_name.as_deref(),
        reference.port,
    )
}

/// A status entry's reference as written: `ROLE KIND [NAMESPACE/]NAME`,
/// then `section S` and `port P` when set (`parent Gateway
/// istio-system/gateway section http`, `ancestor Service echo`).
pub(super) fn reference_place(
    role: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    section: Option<&str>,
    port: Option<i32>,
) -> String {
    let mut place = match namespace {
        Some(namespace) => format!("{role} {kind} {namespace}/{name}"),
        None => format!("{role} {kind} {name}"),
    };
    if let Some(section) = section {
        place.push_str(&format!(" section {section}"));
    }
    if let Some(port) = port {
        place.push_str(&format!(" port {port}"));
    }
    place
}

/// `truncatedKeysMessage`: the first three key names, sorted, as istiod
/// lists what a Secret or ConfigMap holds instead of what it expected.
pub(super) fn truncated_keys_message<'k>(keys: impl IntoIterator<Item = &'k str>) -> String {
    let mut keys: Vec<&str> = keys.into_iter().collect();
    keys.sort_unstable();
    if keys.len() < 3 {
        keys.join(", ")
    } else {
        format!("{}, and {} more...", keys[..3].join(", "), keys.len() - 3)
    }
}
