//! The run summary: what was read, what was checked, what was not and why.
//! Text goes to stderr after the findings; SARIF and JUnit carry it inside.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Value as Json};

use crate::analyze::unresolved::{Reason, SetAside};
use crate::diagnostic::{Diagnostic, Level};
use crate::model::coverage::Unchecked;

/// One kind of object that was read but not checked, and how many.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UncheckedKey {
    pub api_version: String,
    pub kind: String,
    pub reason: Unchecked,
}

/// What a run read and checked.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub files: usize,
    pub objects: usize,
    /// Objects checked against the schema of their kind and version.
    pub checked: usize,
    pub unchecked: BTreeMap<UncheckedKey, usize>,
    /// Files and documents that could not be read.
    pub unreadable: usize,
    /// Paths skipped on purpose (symbolic link loops, FIFOs, ignored files).
    pub skipped: usize,
    /// Findings at each level, shown or not, [Info, Warning, Error].
    pub findings: [usize; 3],
    /// Findings below `--output-threshold`, counted but not shown.
    pub hidden: usize,
    /// `--output-threshold`, named when findings were hidden by it.
    pub output_threshold: Option<Level>,
    /// Findings on unresolved references set aside, by the kind referenced
    /// and why.
    pub set_aside: Vec<SetAside>,
}

/// At most this many kinds are listed one per line; the rest are counted.
const LISTED_KINDS: usize = 20;

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

impl RunSummary {
    pub fn count_unchecked(&mut self, api_version: &str, kind: &str, reason: Unchecked) {
        let key = UncheckedKey {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            reason,
        };
        *self.unchecked.entry(key).or_default() += 1;
    }

    pub fn unchecked_count(&self) -> usize {
        self.unchecked.values().sum()
    }

    /// Counts the findings of the run at each level, shown or not.
    pub fn count_findings(&mut self, all: &[Diagnostic]) {
        self.findings = [0; 3];
        for d in all {
            self.findings[d.level as usize] += 1;
        }
    }

    fn finding_count(&self) -> usize {
        self.findings.iter().sum()
    }

    /// True when everything read was checked and nothing was found.
    pub fn is_clean(&self) -> bool {
        self.finding_count() == 0
            && self.unreadable == 0
            && self.unchecked.is_empty()
            && self.set_aside.is_empty()
            && self.objects > 0
    }

    /// The closing lines for stderr.
    pub fn text(&self) -> String {
        let files = plural(self.files, "file", "files");
        if self.is_clean() {
            let objects = plural(self.objects, "object", "objects");
            return format!("\u{2714} No validation issues found in {objects} from {files}.\n");
        }
        let mut parts = Vec::new();
        let findings = match self.finding_count() {
            0 => "no findings".to_string(),
            _ => [
                (Level::Error, "error", "errors"),
                (Level::Warning, "warning", "warnings"),
                (Level::Info, "info", "infos"),
            ]
            .iter()
            .filter(|(level, _, _)| self.findings[*level as usize] > 0)
            .map(|(level, one, many)| plural(self.findings[*level as usize], one, many))
            .collect::<Vec<_>>()
            .join(", "),
        };
        parts.push(findings);
        if self.hidden > 0 {
            let threshold = self
                .output_threshold
                .map(|level| format!(" {}", level.as_str().to_ascii_lowercase()))
                .unwrap_or_default();
            parts.push(format!(
                "{} below --output-threshold{threshold} not shown",
                plural(self.hidden, "finding", "findings")
            ));
        }
        if !self.unchecked.is_empty() {
            parts.push(format!(
                "{} not checked",
                plural(self.unchecked_count(), "object", "objects")
            ));
        }
        let set_aside: usize = self.set_aside.iter().map(|s| s.count).sum();
        if set_aside > 0 {
            parts.push(format!(
                "{} on unresolved references set aside",
                plural(set_aside, "finding", "findings")
            ));
        }
        if self.unreadable > 0 {
            parts.push(format!(
                "{} could not be read",
                plural(self.unreadable, "input", "inputs")
            ));
        }
        if self.skipped > 0 {
            parts.push(format!("{} skipped", plural(self.skipped, "path", "paths")));
        }
        let mut out = format!(
            "Checked {} of {} from {files}: {}.\n",
            self.checked,
            plural(self.objects, "object", "objects"),
            parts.join("; ")
        );
        // The most frequent kinds first.
        let mut kinds: Vec<(&UncheckedKey, &usize)> = self.unchecked.iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        for (key, count) in kinds.into_iter().take(LISTED_KINDS) {
            let _ = writeln!(
                out,
                "  not checked: {count} {} ({}): {}",
                key.kind,
                key.api_version,
                key.reason.as_str()
            );
        }
        if self.unchecked.len() > LISTED_KINDS {
            let _ = writeln!(
                out,
                "  not checked: {} more kinds",
                self.unchecked.len() - LISTED_KINDS
            );
        }
        for set_aside in &self.set_aside {
            let findings = plural(set_aside.count, "finding", "findings");
            let kinds = set_aside.referenced.plural();
            let kind = set_aside.referenced.as_str();
            let _ = match set_aside.reason {
                Reason::InputsHoldNone => writeln!(
                    out,
                    "  set aside: {findings} on references to {kinds}: the inputs hold none \
                     (--report-unresolved {kind} reports them, as istioctl does)"
                ),
                Reason::Ignored => writeln!(
                    out,
                    "  set aside: {findings} on references to {kinds} the inputs do not hold \
                     (--ignore-unresolved {kind})"
                ),
            };
        }
        out
    }

    /// The counts as JSON, for SARIF's invocation properties.
    pub fn to_json(&self) -> Json {
        json!({
            "files": self.files,
            "objects": self.objects,
            "checked": self.checked,
            "notChecked": self.unchecked.iter().map(|(key, count)| json!({
                "apiVersion": key.api_version,
                "kind": key.kind,
                "reason": key.reason.as_str(),
                "count": count,
            })).collect::<Vec<_>>(),
            "unreadable": self.unreadable,
            "skipped": self.skipped,
            "findingsNotShown": self.hidden,
            "unresolvedSetAside": self.set_aside.iter().map(|s| json!({
                "kind": s.referenced.as_str(),
                "reason": s.reason.as_str(),
                "count": s.count,
            })).collect::<Vec<_>>(),
        })
    }

    /// `(name, value)` pairs, for JUnit's `<properties>`.
    pub fn properties(&self) -> Vec<(String, String)> {
        let mut properties = vec![
            ("files".to_string(), self.files.to_string()),
            ("objects".to_string(), self.objects.to_string()),
            ("checked".to_string(), self.checked.to_string()),
            (
                "not-checked".to_string(),
                self.unchecked_count().to_string(),
            ),
            ("unreadable".to_string(), self.unreadable.to_string()),
            ("skipped".to_string(), self.skipped.to_string()),
            ("findings-not-shown".to_string(), self.hidden.to_string()),
        ];
        for (key, count) in &self.unchecked {
            properties.push((
                format!("not-checked {} {}", key.api_version, key.kind),
                format!("{count}: {}", key.reason.as_str()),
            ));
        }
        for s in &self.set_aside {
            properties.push((
                format!("set-aside {}", s.referenced.as_str()),
                format!("{}: {}", s.count, s.reason.as_str()),
            ));
        }
        properties
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::unresolved::Referenced;

    #[test]
    fn a_clean_run_says_so_and_anything_else_is_counted() {
        let mut summary = RunSummary {
            files: 2,
            objects: 3,
            checked: 3,
            ..RunSummary::default()
        };
        assert_eq!(
            summary.text(),
            "\u{2714} No validation issues found in 3 objects from 2 files.\n"
        );
        summary.count_unchecked("cert-manager.io/v1", "Certificate", Unchecked::UnknownKind);
        summary.checked = 2;
        summary.unreadable = 1;
        summary.hidden = 1;
        summary.findings = [1, 0, 0];
        assert_eq!(
            summary.text(),
            "Checked 2 of 3 objects from 2 files: 1 info; 1 finding below --output-threshold not shown; \
             1 object not checked; 1 input could not be read.\n  \
             not checked: 1 Certificate (cert-manager.io/v1): unknown kind\n"
        );
    }

    #[test]
    fn findings_set_aside_are_counted_by_kind_with_why_and_the_flag_that_decides() {
        let summary = RunSummary {
            files: 1,
            objects: 1,
            checked: 1,
            set_aside: vec![
                SetAside {
                    referenced: Referenced::DestinationRule,
                    reason: Reason::InputsHoldNone,
                    count: 2,
                },
                SetAside {
                    referenced: Referenced::Gateway,
                    reason: Reason::Ignored,
                    count: 1,
                },
            ],
            ..RunSummary::default()
        };
        assert_eq!(
            summary.text(),
            "Checked 1 of 1 object from 1 file: no findings; 3 findings on unresolved references set aside.\n  \
             set aside: 2 findings on references to DestinationRules: the inputs hold none \
             (--report-unresolved DestinationRule reports them, as istioctl does)\n  \
             set aside: 1 finding on references to Gateways the inputs do not hold \
             (--ignore-unresolved Gateway)\n"
        );
        assert!(summary.properties().contains(&(
            "set-aside DestinationRule".to_string(),
            "2: the inputs hold none".to_string()
        )));
    }

    #[test]
    fn no_objects_is_not_clean() {
        let summary = RunSummary {
            files: 1,
            ..RunSummary::default()
        };
        assert_eq!(
            summary.text(),
            "Checked 0 of 0 objects from 1 file: no findings.\n"
        );
    }
}
