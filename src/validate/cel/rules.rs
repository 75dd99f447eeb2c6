//! One `x-kubernetes-validations` entry: compiled once, evaluated with
//! `self` bound to the value of its schema node.
use cel::{Context, Env, Program, Value};
use serde_json::Value as Json;

use crate::source::FieldPath;

#[derive(Debug)]
pub(super) struct Rule {
    /// The expression as the CRD writes it.
    pub(super) source: String,
    message: Option<String>,
    message_expression: Option<Program>,
    /// Where a violation is reported, relative to the rule's node.
    field_path: FieldPath,
    pub(super) compiled: Compiled,
}

#[derive(Debug)]
pub(super) enum Compiled {
    Program(Program),
    /// Reads `oldSelf`: it only runs on an update, and offline there is no
    /// old object.
    Transition,
    /// Does not parse, or calls a function mesh does not define: never
    /// evaluated, reported as not checked wherever it applies.
    Unsupported(String),
}

/// What evaluating a rule on a value found.
pub(super) enum Outcome {
    Holds,
    /// Violated: the message to report, at this path from the rule's node.
    Violated(String, FieldPath),
    /// The rule could not be evaluated (an error, or not a bool).
    Failed(String),
    NotChecked(String),
    Skipped,
}

impl Rule {
    /// Compiles one entry of `x-kubernetes-validations`.
    pub(super) fn compile(entry: &Json, env: &Env, defined: &dyn Fn(&str) -> bool) -> Rule {
        let text = |key: &str| entry.get(key).and_then(Json::as_str).map(str::to_string);
        let source = text("rule").unwrap_or_default();
        let compiled = match env.compile(&source) {
            Err(error) => Compiled::Unsupported(format!("does not parse: {error}")),
            Ok(program) if program.references().has_variable("oldSelf") => Compiled::Transition,
            Ok(program) => match program
                .references()
                .functions()
                .into_iter()
                .find(|name| !defined(name))
            {
                Some(name) => {
                    Compiled::Unsupported(format!("calls {name}(), which mesh does not define"))
                }
                None => Compiled::Program(program),
            },
        };
        // Kubernetes writes `.spec.x` or `.x['y']`; a path that does not read
        // is reported at the rule's own node.
        let field_path = text("fieldPath")
            .and_then(|path| {
                let path = path.strip_prefix('.').unwrap_or(&path).replace('\'', "\"");
                FieldPath::parse(&path).ok()
            })
            .unwrap_or_else(FieldPath::root);
        Rule {
            source,
            message: text("message"),
            message_expression: text("messageExpression").and_then(|e| env.compile(&e).ok()),
            field_path,
            compiled,
        }
    }

    /// Evaluates the rule in `scope`, where `self` is bound.
    pub(super) fn evaluate(&self, scope: &Context<'_, '_>) -> Outcome {
        let program = match &self.compiled {
            Compiled::Program(program) => program,
            Compiled::Transition => return Outcome::Skipped,
            Compiled::Unsupported(why) => {
                return Outcome::NotChecked(format!(
                    "validation rule not checked: it {why}: {}",
                    self.source
                ))
            }
        };
        match program.execute(scope) {
            Ok(Value::Bool(true)) => Outcome::Holds,
            Ok(Value::Bool(false)) => {
                Outcome::Violated(self.message(scope), self.field_path.clone())
            }
            Ok(other) => Outcome::Failed(format!(
                "validation rule evaluated to {other:?}, not a bool: {}",
                self.source
            )),
            Err(error) => Outcome::Failed(format!("{error} evaluating rule: {}", self.source)),
        }
    }

    /// The API server's message for a violation: `messageExpression` when it
    /// gives a non-empty string, else `message`, else the rule itself.
    fn message(&self, scope: &Context<'_, '_>) -> String {
        let evaluated = self.message_expression.as_ref().and_then(|expression| {
            match expression.execute(scope) {
                Ok(Value::String(text)) if !text.trim().is_empty() => Some(text.to_string()),
                _ => None,
            }
        });
        evaluated
            .or_else(|| self.message.clone())
            .unwrap_or_else(|| format!("failed rule: {}", self.source))
    }
}
