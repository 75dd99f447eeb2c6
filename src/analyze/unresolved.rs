//! References to objects the inputs do not hold: which findings on them a
//! run sets aside, and why.
//!
//! File inputs are often part of a mesh: a directory of VirtualServices
//! whose Services and DestinationRules are applied from elsewhere. When the
//! inputs hold no object of a kind at all, they are evidently partial for
//! that kind, and findings on references to it are set aside by default;
//! where they hold some, every unresolved reference to it is reported.
//! `--report-unresolved` reports them whatever the inputs hold (istioctl's
//! answer), `--ignore-unresolved` sets them aside whatever the inputs hold.
//! Nothing is set aside silently: the run summary counts the findings by
//! kind and says why.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::index::Index;
use crate::model::Object;

/// What a reference names, as `--report-unresolved` and
/// `--ignore-unresolved` spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Referenced {
    /// A host: a Kubernetes Service or a ServiceEntry host.
    #[value(name = "Service", alias = "ServiceEntry")]
    Service,
    /// A subset of a host's DestinationRule.
    #[value(name = "DestinationRule")]
    DestinationRule,
    /// An Istio or Kubernetes Gateway a VirtualService is bound to.
    #[value(name = "Gateway")]
    Gateway,
    /// A TLS credential (Secret) a Gateway names.
    #[value(name = "Secret")]
    Secret,
    /// A namespace an AuthorizationPolicy or an `exportTo` names.
    #[value(name = "Namespace")]
    Namespace,
    /// A service account an AuthorizationPolicy principal names.
    #[value(name = "ServiceAccount")]
    ServiceAccount,
}

impl Referenced {
    const ALL: [Referenced; 6] = [
        Referenced::Service,
        Referenced::DestinationRule,
        Referenced::Gateway,
        Referenced::Secret,
        Referenced::Namespace,
        Referenced::ServiceAccount,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Referenced::Service => "Service",
            Referenced::DestinationRule => "DestinationRule",
            Referenced::Gateway => "Gateway",
            Referenced::Secret => "Secret",
            Referenced::Namespace => "Namespace",
            Referenced::ServiceAccount => "ServiceAccount",
        }
    }

    /// The kind in the plural, for the run summary.
    pub fn plural(self) -> &'static str {
        match self {
            Referenced::Service => "Services",
            Referenced::DestinationRule => "DestinationRules",
            Referenced::Gateway => "Gateways",
            Referenced::Secret => "Secrets",
            Referenced::Namespace => "Namespaces",
            Referenced::ServiceAccount => "ServiceAccounts",
        }
    }

    /// Whether `object` is evidence that the inputs hold objects of this
    /// kind: a ServiceEntry declares hosts as a Service does, a
    /// cert-manager Certificate writes a Secret, and a pod naming its
    /// `serviceAccountName` shows the accounts are part of the inputs.
    fn is_held_by(self, object: &Object) -> bool {
        if self == Referenced::ServiceAccount
            && crate::semantics::workload::pod_spec(object)
                .is_some_and(|spec| spec.service_account_name.is_some())
        {
            return true;
        }
        matches!(
            (self, object.group(), object.kind()),
            (Referenced::Service, "", "Service")
                | (Referenced::Service, "networking.istio.io", "ServiceEntry")
                | (
                    Referenced::DestinationRule,
                    "networking.istio.io",
                    "DestinationRule"
                )
                | (
                    Referenced::Gateway,
                    "networking.istio.io" | "gateway.networking.k8s.io",
                    "Gateway"
                )
                | (Referenced::Secret, "", "Secret")
                | (Referenced::Secret, "cert-manager.io", "Certificate")
                | (Referenced::Namespace, "", "Namespace")
                | (Referenced::ServiceAccount, "", "ServiceAccount")
        )
    }
}

/// A value of `--report-unresolved`: a kind, or `all` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindOrAll {
    All,
    Kind(Referenced),
}

impl clap::ValueEnum for KindOrAll {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            KindOrAll::All,
            KindOrAll::Kind(Referenced::Service),
            KindOrAll::Kind(Referenced::DestinationRule),
            KindOrAll::Kind(Referenced::Gateway),
            KindOrAll::Kind(Referenced::Secret),
            KindOrAll::Kind(Referenced::Namespace),
            KindOrAll::Kind(Referenced::ServiceAccount),
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        match self {
            KindOrAll::All => Some(clap::builder::PossibleValue::new("all").help("Every kind")),
            KindOrAll::Kind(kind) => kind.to_possible_value(),
        }
    }
}

/// The kinds `--report-unresolved` names.
pub fn expand(values: &[KindOrAll]) -> Vec<Referenced> {
    if values.contains(&KindOrAll::All) {
        return Referenced::ALL.to_vec();
    }
    values
        .iter()
        .filter_map(|value| match value {
            KindOrAll::Kind(kind) => Some(*kind),
            KindOrAll::All => None,
        })
        .collect()
}

/// The first kind both flags name: they contradict each other on it.
pub fn named_by_both(report: &[Referenced], ignore: &[Referenced]) -> Option<Referenced> {
    ignore.iter().copied().find(|kind| report.contains(kind))
}

/// A finding's reference to an object the inputs do not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unresolved {
    pub referenced: Referenced,
    /// The finding is about the referring object itself, not a dependency
    /// of it, so it stands even when the inputs hold no object of the kind
    /// (`--ignore-unresolved` still sets it aside).
    pub stands_without_the_kind: bool,
}

/// Why the findings on references to a kind are set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// The inputs hold no object of the kind: they are evidently partial
    /// for it.
    InputsHoldNone,
    /// `--ignore-unresolved` names the kind.
    Ignored,
}

impl Reason {
    /// For SARIF and JUnit.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::InputsHoldNone => "the inputs hold none",
            Reason::Ignored => "--ignore-unresolved",
        }
    }
}

/// Findings a run set aside on references to one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub referenced: Referenced,
    pub reason: Reason,
    pub count: usize,
}

/// Which referenced kinds a run sets aside, and why.
#[derive(Debug, Clone, Default)]
pub struct SetAsideKinds {
    kinds: BTreeMap<Referenced, Reason>,
}

impl SetAsideKinds {
    /// Decided once per run, from what the inputs hold and the two flags
    /// (which [`named_by_both`] has checked do not contradict each other).
    pub fn decide(index: &Index, report: &[Referenced], ignore: &[Referenced]) -> SetAsideKinds {
        let mut kinds = BTreeMap::new();
        for kind in Referenced::ALL {
            if ignore.contains(&kind) {
                kinds.insert(kind, Reason::Ignored);
            } else if !report.contains(&kind)
                && !index.objects.iter().any(|object| kind.is_held_by(object))
            {
                kinds.insert(kind, Reason::InputsHoldNone);
            }
        }
        SetAsideKinds { kinds }
    }

    fn reason(&self, unresolved: Unresolved) -> Option<Reason> {
        match self.kinds.get(&unresolved.referenced)? {
            Reason::InputsHoldNone if unresolved.stands_without_the_kind => None,
            reason => Some(*reason),
        }
    }

    /// Takes out the findings on the kinds set aside; returns the findings
    /// kept and how many were taken out, by kind.
    pub fn apply(&self, found: Vec<Diagnostic>) -> (Vec<Diagnostic>, Vec<SetAside>) {
        let mut counts: BTreeMap<(Referenced, Reason), usize> = BTreeMap::new();
        let kept = found
            .into_iter()
            .filter(|d| {
                let Some(unresolved) = d.unresolved else {
                    return true;
                };
                match self.reason(unresolved) {
                    Some(reason) => {
                        *counts.entry((unresolved.referenced, reason)).or_default() += 1;
                        false
                    }
                    None => true,
                }
            })
            .collect();
        let set_aside = counts
            .into_iter()
            .map(|((referenced, reason), count)| SetAside {
                referenced,
                reason,
                count,
            })
            .collect();
        (kept, set_aside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Its gateway, host and subset are all missing; the DestinationRule of
    /// another host shows the inputs hold DestinationRules.
    const VIRTUAL_SERVICE: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: x}
spec:
  hosts: [a]
  gateways: [gw]
  http: [{route: [{destination: {host: a, subset: v1}}]}]
";

    const OTHER_DESTINATION_RULE: &str = "---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: b, namespace: x}
spec:
  host: b
";

    fn index(text: &str) -> Index {
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(
            "inputs.yaml",
            text.to_string(),
        )]);
        Index::build(loaded.objects, Default::default())
    }

    /// The messages kept and the set-aside counts.
    fn run(
        text: &str,
        report: &[Referenced],
        ignore: &[Referenced],
    ) -> (Vec<String>, Vec<(&'static str, Reason, usize)>) {
        let index = index(text);
        let found = crate::analyze::analyze(
            &index,
            &crate::analyze::Selection {
                select: vec!["IST0101".into(), "IST0132".into()],
                ignore: vec![],
            },
        );
        let (kept, set_aside) = SetAsideKinds::decide(&index, report, ignore).apply(found);
        (
            kept.into_iter().map(|d| d.message).collect(),
            set_aside
                .into_iter()
                .map(|s| (s.referenced.as_str(), s.reason, s.count))
                .collect(),
        )
    }

    #[test]
    fn references_to_kinds_the_inputs_hold_none_of_are_set_aside_by_default() {
        let (kept, set_aside) = run(VIRTUAL_SERVICE, &[], &[]);
        assert!(kept.is_empty(), "{kept:?}");
        // The missing gateway is both not found (IST0101) and serves no host (IST0132).
        assert_eq!(
            set_aside,
            [
                ("Service", Reason::InputsHoldNone, 1),
                ("DestinationRule", Reason::InputsHoldNone, 1),
                ("Gateway", Reason::InputsHoldNone, 2),
            ]
        );
    }

    #[test]
    fn references_to_kinds_the_inputs_hold_are_reported() {
        let text = format!("{VIRTUAL_SERVICE}{OTHER_DESTINATION_RULE}");
        let (kept, _) = run(&text, &[], &[]);
        assert_eq!(
            kept,
            ["Referenced host+subset in destinationrule not found: \"a+v1\""]
        );
    }

    #[test]
    fn report_unresolved_reports_them_whatever_the_inputs_hold() {
        let (kept, set_aside) = run(VIRTUAL_SERVICE, &Referenced::ALL, &[]);
        assert_eq!(kept.len(), 4, "{kept:?}");
        assert!(set_aside.is_empty());
    }

    #[test]
    fn ignore_unresolved_sets_them_aside_whatever_the_inputs_hold() {
        let text = format!("{VIRTUAL_SERVICE}{OTHER_DESTINATION_RULE}");
        let (kept, set_aside) = run(&text, &[], &[Referenced::DestinationRule]);
        assert!(kept.is_empty(), "{kept:?}");
        assert!(set_aside.contains(&("DestinationRule", Reason::Ignored, 1)));
    }

    #[test]
    fn all_names_every_kind_and_a_kind_named_by_both_flags_is_found() {
        assert_eq!(expand(&[KindOrAll::All]), Referenced::ALL);
        let report = expand(&[KindOrAll::Kind(Referenced::Gateway)]);
        assert_eq!(
            named_by_both(&report, &[Referenced::Secret, Referenced::Gateway]),
            Some(Referenced::Gateway)
        );
        assert_eq!(named_by_both(&report, &[Referenced::Secret]), None);
    }
}
