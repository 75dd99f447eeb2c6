//! JUnit XML: one test case per finding, a `<failure>` for those at or
//! above `--failure-threshold` and `<system-out>` for the others (so a run
//! that exits 0 shows no failure), or one passing case when there are none.

use crate::diagnostic::{Diagnostic, Level};
use crate::output::RunSummary;

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters at all.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

pub fn render(
    diagnostics: &[Diagnostic],
    failure_threshold: Level,
    summary: &RunSummary,
) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let failures = diagnostics
        .iter()
        .filter(|d| d.level >= failure_threshold)
        .count();
    let tests = diagnostics.len().max(1);
    out.push_str(&format!(
        "<testsuites name=\"mesh\" tests=\"{tests}\" failures=\"{failures}\">\n"
    ));
    out.push_str(&format!(
        "  <testsuite name=\"mesh analyze\" tests=\"{tests}\" failures=\"{failures}\">\n"
    ));
    // The run summary: what was read, checked and not checked.
    out.push_str("    <properties>\n");
    for (name, value) in summary.properties() {
        out.push_str(&format!(
            "      <property name=\"{}\" value=\"{}\"/>\n",
            escape(&name),
            escape(&value)
        ));
    }
    out.push_str("    </properties>\n");
    if diagnostics.is_empty() {
        out.push_str("    <testcase name=\"no findings\" classname=\"mesh\"/>\n");
    }
    for d in diagnostics {
        let file = d
            .file
            .as_ref()
            .map(|f| f.name.to_string())
            .unwrap_or_default();
        // Findings about a whole file (it could not be read) are named by it.
        let origin = d
            .origin
            .as_ref()
            .map_or_else(|| file.clone(), ToString::to_string);
        let place = match d.pos {
            Some(pos) => format!("{file}:{}:{}", pos.line, pos.column),
            None => file.clone(),
        };
        out.push_str(&format!(
            "    <testcase name=\"{} {}\" classname=\"{}\" file=\"{}\"{}>\n",
            d.code,
            escape(&origin),
            escape(if file.is_empty() { "mesh" } else { &file }),
            escape(&file),
            d.pos
                .map(|p| format!(" line=\"{}\"", p.line))
                .unwrap_or_default(),
        ));
        let text = format!("{} [{}] {}: {}", d.level, d.code, place, d.message);
        if d.level >= failure_threshold {
            out.push_str(&format!(
                "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                escape(&d.message),
                d.level,
                escape(&text),
            ));
        } else {
            out.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                escape(&text)
            ));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
