//! Go's `text/template`, as Istio's injector runs it: our own engine over
//! `serde_json` data (no maintained Rust crate handles variable assignment,
//! `else if` chains and `define` the way Istio's templates use them).

mod exec;
pub mod funcs;
mod parse;

use std::fmt;

use serde_json::Value as Json;

pub use exec::{MAX_OUTPUT, MAX_STEPS};

/// A template error: which template, the line in it, and what went wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    pub template: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "template {:?}:{}: {}",
                self.template, self.line, self.message
            )
        } else {
            write!(f, "template {:?}: {}", self.template, self.message)
        }
    }
}

impl std::error::Error for TemplateError {}

/// A parsed template, ready to render many times.
#[derive(Debug, Clone)]
pub struct Template {
    name: String,
    parsed: parse::Parsed,
}

impl Template {
    pub fn parse(name: &str, text: &str) -> Result<Template, TemplateError> {
        Ok(Template {
            name: name.to_string(),
            parsed: parse::parse(name, text, &funcs::check_name)?,
        })
    }

    pub fn render(&self, data: &Json) -> Result<String, TemplateError> {
        let mut exec = exec::Exec::new(&self.name, &self.parsed.defines);
        exec.run(&self.parsed.root, data)?;
        Ok(exec.out)
    }
}

/// Parses and renders in one step (tests and one-off use).
pub fn render(name: &str, text: &str, data: &Json) -> Result<String, TemplateError> {
    Template::parse(name, text)?.render(data)
}

#[cfg(test)]
mod tests;
