//! GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`,
//! which GitHub turns into annotations on the pull request.

use crate::diagnostic::{Diagnostic, Level};

/// Escapes a message (`%`, CR, LF) as the runner expects.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, which also may not contain `:` or `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "notice",
        };
        let mut properties = Vec::new();
        if let Some(file) = &d.file {
            properties.push(format!(
                "file={}",
                escape_property(file.name.trim_start_matches("./"))
            ));
        }
        if let Some(pos) = d.pos {
            properties.push(format!("line={}", pos.line));
            properties.push(format!("col={}", pos.column));
        }
        let origin = d
            .origin
            .as_ref()
            .map(|o| format!(" ({o})"))
            .unwrap_or_default();
        properties.push(format!(
            "title={}",
            escape_property(&format!("{}{origin}", d.code))
        ));
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            escape_data(&d.message)
        ));
    }
    out
}
