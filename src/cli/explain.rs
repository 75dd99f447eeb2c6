//! `mesh explain CODE`: a rule's documentation.

use anyhow::Result;

use super::{print_stdout, Exit};
use crate::analyze::registry;

/// Print the documentation of a rule, by code (IST0101) or name.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mesh explain IST0144\n  mesh explain application-uid-1337\n  mesh explain proxyless-scope"
)]
pub struct Args {
    /// A code such as IST0101 (every rule with that code), a rule name, or
    /// `proxyless-scope` (which configs and ports the GRPC rules check, and
    /// `--assume-proxyless`).
    rule: String,
}

pub fn run(args: Args) -> Result<Exit> {
    if ["proxyless-scope", "assume-proxyless"].contains(&args.rule.as_str()) {
        return print_stdout(crate::analyze::proxyless::SCOPE_DOC);
    }
    let rules = registry::find(&args.rule);
    if rules.is_empty() {
        eprintln!(
            "mesh: error: no rule has the code or name {:?}; see `mesh analyze --list-rules`",
            args.rule
        );
        return Ok(Exit::Usage);
    }
    let text: Vec<String> = rules
        .iter()
        .map(|rule| {
            format!(
                "# {} ({}, {})\n\n{}\n",
                rule.name,
                rule.code,
                rule.level_text(),
                rule.doc_text()
            )
        })
        .collect();
    print_stdout(&text.join("\n"))
}
