//! The rule table: every rule with its code, name, level and documentation.
//!
//! Rules declare themselves with [`declare_rule!`], whose `///` doc comment
//! becomes the text of `mesh explain`, `mesh analyze --list-rules` and
//! `docs/rules.md`, so the three can never disagree.

use crate::diagnostic::Level;

use super::{rules, Context, Findings};

/// One rule: a check with a stable code and kebab-case name.
pub struct Rule {
    /// istioctl's code where the finding means what istioctl's means
    /// (`IST0101`), else `GRPC…` or `MESH…`. Several rules may share a code.
    pub code: &'static str,
    /// Unique kebab-case name describing the bad pattern.
    pub name: &'static str,
    pub level: Level,
    /// Runs only when `--select` names it (by code or name): checks that
    /// istioctl keeps out of its default set because they are noisy.
    pub opt_in: bool,
    /// The doc comment, as written (each line keeps its leading space).
    pub doc: &'static str,
    pub check: fn(&Context<'_>, &mut Findings),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rule({} {})", self.code, self.name)
    }
}

/// The headings every rule's documentation has, in this order.
pub const DOC_HEADINGS: [&str; 4] = [
    "## What it checks",
    "## Why it matters",
    "## Example",
    "## How to fix",
];

impl Rule {
    /// The documentation as Markdown.
    pub fn doc_text(&self) -> String {
        let mut text: String = self
            .doc
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n");
        text.truncate(text.trim_end().len());
        text
    }

    /// The level, with ", opt-in" for a rule that runs only when selected.
    pub fn level_text(&self) -> String {
        if self.opt_in {
            format!("{}, opt-in", self.level)
        } else {
            self.level.to_string()
        }
    }

    /// The first line of the documentation.
    pub fn summary(&self) -> String {
        self.doc_text()
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty() && !line.starts_with('#'))
            .unwrap_or("")
            .to_string()
    }
}

/// Declares a rule: its `///` documentation is kept as the rule's text.
///
/// ```ignore
/// declare_rule! {
///     /// One-line summary.
///     ///
///     /// ## What it checks
///     /// ...
///     pub static RULE = { code: "IST0144", name: "application-uid-1337", level: Warning, check: check };
/// }
/// ```
///
/// A rule that runs only when `--select` names it adds `opt_in: true,`
/// before `check`.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $static:ident = {
            code: $code:literal,
            name: $name:literal,
            level: $level:ident,
            $(opt_in: $opt_in:literal,)?
            check: $check:path $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub static $static: $crate::analyze::registry::Rule = $crate::analyze::registry::Rule {
            code: $code,
            name: $name,
            level: $crate::diagnostic::Level::$level,
            opt_in: $crate::declare_rule!(@opt_in $($opt_in)?),
            doc: concat!($($doc, "\n"),*),
            check: $check,
        };
    };
    (@opt_in) => { false };
    (@opt_in $opt_in:literal) => { $opt_in };
}

/// Every rule, in documentation order.
pub fn rules() -> impl Iterator<Item = &'static Rule> {
    rules::ALL.iter().flat_map(|family| family.iter().copied())
}

/// Rules whose code or name is `key` (codes are shared, names are not).
pub fn find(key: &str) -> Vec<&'static Rule> {
    rules()
        .filter(|rule| rule.code.eq_ignore_ascii_case(key) || rule.name == key)
        .collect()
}

/// `docs/rules.md`: the table of rules, then each rule's documentation.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Rules\n\nGenerated from the rule table by `UPDATE_GENERATED=1 cargo test --test generated`; \
         `mesh explain CODE` prints the same text.\n\n| Code | Name | Level | Summary |\n|---|---|---|---|\n",
    );
    for rule in rules() {
        out.push_str(&format!(
            "| {} | [`{}`](#{}) | {} | {} |\n",
            rule.code,
            rule.name,
            rule.name,
            rule.level_text(),
            rule.summary()
        ));
    }
    for rule in rules() {
        out.push_str(&format!(
            "\n## {}\n\n`{}` · {}\n\n{}\n",
            rule.name,
            rule.code,
            rule.level_text(),
            rule.doc_text().replace("\n## ", "\n### ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_documented_under_the_fixed_headings() {
        let mut names = std::collections::HashSet::new();
        for rule in rules() {
            assert!(names.insert(rule.name), "duplicate rule name {}", rule.name);
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                rule.name
            );
            let doc = rule.doc_text();
            let mut at = 0;
            for heading in DOC_HEADINGS {
                let found = doc[at..]
                    .find(heading)
                    .unwrap_or_else(|| panic!("{}: no {heading:?}", rule.name));
                at += found + heading.len();
            }
            let fix = doc.split("## How to fix").nth(1).unwrap_or("").trim();
            assert!(
                fix.ends_with('.'),
                "{}: the fix must end with a period",
                rule.name
            );
            assert!(!rule.summary().is_empty(), "{}: no summary", rule.name);
        }
    }
}
