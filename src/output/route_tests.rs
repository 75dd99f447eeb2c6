//! `mesh test` results in each format: text for a terminal, JSON, JUnit
//! for CI test reports, SARIF for code scanning (a failing case at its line
//! in the test file).

use std::fmt::Write;

use serde_json::{json, Value as Json};

use super::junit::escape;
use crate::routetest::{CaseResult, FileCoverage};

pub struct Report<'a> {
    pub results: &'a [CaseResult],
    pub coverage: &'a [FileCoverage],
    pub coverage_percent: f64,
    pub min_coverage: Option<f64>,
}

/// The rule id SARIF results carry.
const SARIF_RULE: &str = "mesh-test";

impl Report<'_> {
    fn counts(&self) -> (usize, usize) {
        let passed = self.results.iter().filter(|r| r.passed).count();
        (passed, self.results.len() - passed)
    }

    /// `N passed, M failed`, and the coverage.
    pub fn closing_line(&self) -> String {
        let (passed, failed) = self.counts();
        let routes: usize = self.coverage.iter().map(|f| f.routes).sum();
        let reached: usize = self.coverage.iter().map(|f| f.reached).sum();
        let mut line = format!(
            "{passed} passed, {failed} failed; route coverage {reached} of {routes} ({:.1}%)",
            self.coverage_percent
        );
        if let Some(min) = self.min_coverage {
            if self.coverage_percent + 1e-9 < min {
                line.push_str(&format!(", below --min-coverage {min}%"));
            }
        }
        line
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        for r in self.results {
            let word = if r.passed { "PASS" } else { "FAIL" };
            let _ = writeln!(out, "{word}  {}:{}  {}", r.file, r.line, r.name);
            for failure in &r.failures {
                let _ = writeln!(out, "      {failure}");
            }
        }
        let _ = writeln!(out, "\nroute coverage:");
        for file in self.coverage {
            let _ = writeln!(
                out,
                "  {}: {} of {} routes",
                file.file, file.reached, file.routes
            );
            for unit in &file.not_reached {
                let _ = writeln!(
                    out,
                    "    not reached: {} {} ({}:{}:{})",
                    unit.origin, unit.field, unit.file, unit.line, unit.column
                );
            }
        }
        let _ = writeln!(out, "\n{}", self.closing_line());
        out
    }

    pub fn json(&self) -> serde_json::Result<String> {
        let (passed, failed) = self.counts();
        let value = json!({
            "results": self.results,
            "coverage": {
                "percent": self.coverage_percent,
                "files": self.coverage,
            },
            "passed": passed,
            "failed": failed,
        });
        Ok(serde_json::to_string_pretty(&value)? + "\n")
    }

    pub fn junit(&self) -> String {
        let (_, failed) = self.counts();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"mesh test\" tests=\"{}\" failures=\"{failed}\">",
            self.results.len()
        );
        let _ = writeln!(
            out,
            "  <testsuite name=\"mesh test\" tests=\"{}\" failures=\"{failed}\">",
            self.results.len()
        );
        let _ = writeln!(out, "    <properties>");
        let _ = writeln!(
            out,
            "      <property name=\"route-coverage-percent\" value=\"{:.1}\"/>",
            self.coverage_percent
        );
        let _ = writeln!(out, "    </properties>");
        for r in self.results {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                escape(&r.name),
                escape(&r.file),
                escape(&r.file),
                r.line
            );
            if r.passed {
                out.push_str("/>\n");
            } else {
                let message = r.failures.join("; ");
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    escape(&message),
                    escape(&r.failures.join("\n"))
                );
            }
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }

    pub fn sarif(&self) -> serde_json::Result<String> {
        let results: Vec<Json> = self
            .results
            .iter()
            .filter(|r| !r.passed)
            .map(|r| {
                json!({
                    "ruleId": SARIF_RULE,
                    "level": "error",
                    "message": { "text": format!("{}: {}", r.name, r.failures.join("; ")) },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": r.file.trim_start_matches("./") },
                            "region": { "startLine": r.line, "startColumn": r.column },
                        }
                    }],
                })
            })
            .collect();
        let (passed, failed) = self.counts();
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "mesh",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": [{
                        "id": SARIF_RULE,
                        "name": "routing-test-failed",
                        "shortDescription": { "text": "A routing test case of `mesh test` failed." },
                        "defaultConfiguration": { "level": "error" },
                    }],
                }},
                "invocations": [{
                    "executionSuccessful": true,
                    "properties": {
                        "passed": passed,
                        "failed": failed,
                        "routeCoveragePercent": self.coverage_percent,
                    },
                }],
                "results": results,
            }],
        });
        Ok(serde_json::to_string_pretty(&log)? + "\n")
    }
}
