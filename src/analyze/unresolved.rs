//! References to objects the inputs do not hold, and `--ignore-unresolved`.
//!
//! As istioctl does, a reference is reported whenever the inputs lack what
//! it names, even when they hold no object of that kind at all: mesh does
//! not guess that such objects live elsewhere. Users analyzing part of a
//! mesh say so instead, kind by kind, and the run summary counts what was
//! set aside.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;

/// What a reference names, as `--ignore-unresolved` spells it.
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
    /// A namespace an AuthorizationPolicy names.
    #[value(name = "Namespace")]
    Namespace,
}

impl Referenced {
    pub fn as_str(self) -> &'static str {
        match self {
            Referenced::Service => "Service",
            Referenced::DestinationRule => "DestinationRule",
            Referenced::Gateway => "Gateway",
            Referenced::Secret => "Secret",
            Referenced::Namespace => "Namespace",
        }
    }
}

/// Findings on references to kinds in `ignored` are taken out; returns the
/// findings kept and how many were taken out, by kind.
pub fn set_aside(
    found: Vec<Diagnostic>,
    ignored: &[Referenced],
) -> (Vec<Diagnostic>, BTreeMap<&'static str, usize>) {
    let mut counts = BTreeMap::new();
    let kept = found
        .into_iter()
        .filter(
            |d| match d.unresolved.filter(|kind| ignored.contains(kind)) {
                Some(kind) => {
                    *counts.entry(kind.as_str()).or_default() += 1;
                    false
                }
                None => true,
            },
        )
        .collect();
    (kept, counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIRTUAL_SERVICE: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: x}
spec:
  hosts: [a]
  gateways: [gw]
  http: [{route: [{destination: {host: a, subset: v1}}]}]
";

    fn analyze(text: &str) -> Vec<Diagnostic> {
        let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(
            "vs.yaml",
            text.to_string(),
        )]);
        let index = crate::index::Index::build(loaded.objects, Default::default());
        crate::analyze::analyze(&index, &crate::analyze::Selection::default())
    }

    #[test]
    fn only_findings_on_the_kinds_named_are_set_aside_and_counted() {
        let found = analyze(VIRTUAL_SERVICE);
        let (kept, counts) = set_aside(found, &[Referenced::DestinationRule, Referenced::Gateway]);
        let kept: Vec<&str> = kept.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(kept, ["Referenced host not found: \"a\""]);
        // The missing gateway is both not found (IST0101) and serves no host (IST0132).
        assert_eq!(
            counts.into_iter().collect::<Vec<_>>(),
            [("DestinationRule", 1), ("Gateway", 2)]
        );
    }

    #[test]
    fn without_kinds_named_everything_is_kept() {
        let found = analyze(VIRTUAL_SERVICE);
        let total = found.len();
        let (kept, counts) = set_aside(found, &[]);
        assert_eq!(kept.len(), total);
        assert!(counts.is_empty());
    }
}
