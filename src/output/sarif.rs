//! SARIF 2.1.0, as GitHub code scanning reads it: one run, a rule per code
//! with its documentation, a result per finding with file, line and column.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use crate::analyze::registry;
use crate::diagnostic::{codes, Diagnostic, Level};
use crate::output::RunSummary;

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
    }
}

pub fn render(diagnostics: &[Diagnostic], summary: &RunSummary) -> String {
    // One reportingDescriptor per code; codes shared by several rules list
    // every rule's text.
    // Only the codes this run reports, so the log stays small and stable.
    let mut codes: BTreeMap<&str, Vec<&registry::Rule>> = BTreeMap::new();
    for d in diagnostics {
        codes.entry(d.code).or_default();
    }
    for rule in registry::rules() {
        if let Some(rules) = codes.get_mut(rule.code) {
            rules.push(rule);
        }
    }
    let rules: Vec<Json> = codes
        .iter()
        .map(|(code, rules)| {
            let summary = rules
                .first()
                .map(|r| r.summary())
                .unwrap_or_else(|| code.to_string());
            let help = rules
                .iter()
                .map(|r| r.doc_text())
                .collect::<Vec<_>>()
                .join("\n\n---\n\n");
            let level = rules.first().map_or(Level::Warning, |r| r.level);
            json!({
                "id": code,
                "name": rules.first().map_or(*code, |r| r.name),
                "shortDescription": { "text": summary },
                "fullDescription": { "text": summary },
                "help": { "text": help, "markdown": help },
                "defaultConfiguration": { "level": sarif_level(level) },
            })
        })
        .collect();
    let results: Vec<Json> = diagnostics
        .iter()
        .map(|d| {
            let mut result = json!({
                "ruleId": d.code,
                "level": sarif_level(d.level),
                "message": { "text": d.message },
            });
            if let Some(location) = location(d) {
                result["locations"] = json!([location]);
            }
            result
        })
        .collect();
    // What could not be read is also a failure of the tool's run, which
    // viewers show apart from the results.
    let notifications: Vec<Json> = diagnostics
        .iter()
        .filter(|d| d.code == codes::UNREADABLE_INPUT)
        .map(|d| {
            let mut notification = json!({
                "level": "error",
                "message": { "text": d.message },
                "descriptor": { "id": d.code },
            });
            if let Some(location) = location(d) {
                notification["locations"] = json!([location]);
            }
            notification
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "mesh",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://istio.io/latest/docs/reference/config/analysis/",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": summary.unreadable == 0,
                "toolExecutionNotifications": notifications,
                "properties": summary.to_json(),
            }],
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

/// A finding's file, line and column, and the resource it is about.
fn location(d: &Diagnostic) -> Option<Json> {
    let mut location = json!({});
    if let Some(file) = &d.file {
        location["physicalLocation"] = json!({
            "artifactLocation": { "uri": file.name.trim_start_matches("./") },
        });
        if let Some(pos) = d.pos {
            location["physicalLocation"]["region"] =
                json!({ "startLine": pos.line, "startColumn": pos.column });
        }
    }
    if let Some(origin) = &d.origin {
        location["logicalLocations"] =
            json!([{ "fullyQualifiedName": origin.to_string(), "kind": "resource" }]);
    }
    location
        .as_object()
        .is_some_and(|l| !l.is_empty())
        .then_some(location)
}
