//! Output formats for findings. Nothing outside this module prints findings.

pub mod channelz;
pub mod github;
pub mod health;
pub mod junit;
pub mod proxy_status;
pub mod rootca;
pub mod route_tests;
pub mod sarif;
pub mod summary;
pub mod verdict;
pub mod yaml;

use std::fmt::Write as _;

use clap::ValueEnum;
use serde_json::{json, Map, Value as Json};

use crate::diagnostic::{Diagnostic, Level};
pub use summary::RunSummary;

/// `-o/--output` for findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// istioctl's line per finding, with a source snippet and help.
    Text,
    /// An array of objects with istioctl's keys plus file, line, column, field.
    Json,
    /// The same objects as YAML.
    Yaml,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML, one test case per finding.
    Junit,
    /// GitHub Actions annotations (`::error file=…,line=…::message`).
    Github,
}

/// Whether to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    /// `--failure-threshold`: findings below it are not failures (JUnit).
    pub failure_threshold: Level,
}

/// The findings in `format`; SARIF and JUnit also carry the run's summary
/// (the other formats leave it to stderr).
pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    style: Style,
    summary: &RunSummary,
) -> String {
    match format {
        Format::Text => text(diagnostics, style),
        Format::Json => {
            let mut out = serde_json::to_string_pretty(&records(diagnostics)).unwrap_or_default();
            out.push('\n');
            out
        }
        Format::Yaml => yaml::to_yaml(&records(diagnostics)),
        Format::Sarif => sarif::render(diagnostics, summary),
        Format::Junit => junit::render(diagnostics, style.failure_threshold, summary),
        Format::Github => github::render(diagnostics),
    }
}

fn records(diagnostics: &[Diagnostic]) -> Json {
    Json::Array(diagnostics.iter().map(record).collect())
}

/// One finding as istioctl's JSON object, plus where exactly it is.
fn record(d: &Diagnostic) -> Json {
    let mut object = Map::new();
    object.insert("code".into(), json!(d.code));
    object.insert("level".into(), json!(d.level.as_str()));
    object.insert("message".into(), json!(d.message));
    object.insert(
        "origin".into(),
        json!(d.origin.as_ref().map(ToString::to_string)),
    );
    object.insert("reference".into(), json!(d.reference()));
    object.insert("documentationUrl".into(), json!(d.documentation_url()));
    object.insert(
        "file".into(),
        json!(d.file.as_ref().map(|f| f.name.to_string())),
    );
    object.insert("line".into(), json!(d.pos.map(|p| p.line)));
    object.insert("column".into(), json!(d.pos.map(|p| p.column)));
    object.insert(
        "field".into(),
        json!(d.field.as_ref().map(ToString::to_string)),
    );
    if let Some(help) = &d.help {
        object.insert("help".into(), json!(help));
    }
    Json::Object(object)
}

fn paint(text: &str, code: &str, style: Style) -> String {
    if style.color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn level_word(level: Level, style: Style) -> String {
    let code = match level {
        Level::Error => "1;31",
        Level::Warning => "33",
        Level::Info => "36",
    };
    paint(level.as_str(), code, style)
}

/// `Error [IST0106] (VirtualService ns/name file:line:col) message`, then the
/// source line with the field marked, then `help:`.
fn text(diagnostics: &[Diagnostic], style: Style) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let mut place = Vec::new();
        if let Some(origin) = &d.origin {
            place.push(origin.to_string());
        }
        if let Some(file) = &d.file {
            place.push(match d.pos {
                Some(pos) => format!("{}:{}", file.name, pos),
                None => file.name.to_string(),
            });
        }
        let place = if place.is_empty() {
            String::new()
        } else {
            format!(" ({})", place.join(" "))
        };
        let _ = writeln!(
            out,
            "{} [{}]{} {}",
            level_word(d.level, style),
            d.code,
            place,
            d.message
        );
        if let (Some(file), Some(pos), false) = (&d.file, d.pos, d.redact_source) {
            if let Some(line) = file.line(pos.line) {
                let gutter = pos.line.to_string();
                let pad = " ".repeat(gutter.len());
                let caret_at = " ".repeat(pos.column.saturating_sub(1) as usize);
                let width = token_width(line, pos.column);
                let marker = paint(&"^".repeat(width), "1;31", style);
                let label = d
                    .field
                    .as_ref()
                    .map(|f| format!(" {f}"))
                    .unwrap_or_default();
                let _ = writeln!(out, "  {pad} |");
                let _ = writeln!(out, "  {gutter} | {line}");
                let _ = writeln!(out, "  {pad} | {caret_at}{marker}{label}");
            }
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  = help: {help}");
        }
    }
    out
}

/// How many characters to underline: the key or scalar at `column`.
fn token_width(line: &str, column: u32) -> usize {
    let rest: String = line
        .chars()
        .skip(column.saturating_sub(1) as usize)
        .collect();
    let token = rest
        .split([':', ',', '}', ']', '#'])
        .next()
        .unwrap_or("")
        .trim_end();
    token.chars().count().clamp(1, 80)
}
