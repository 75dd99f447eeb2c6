//! Evaluates parsed templates over JSON data with Go's semantics: truth,
//! field lookup by Go name, variables and their scopes, `range` over lists
//! and maps (keys sorted), and bounded work and output.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::funcs;
use super::parse::{Branch, Cmd, Node, Operand, Pipe, Term};
use super::TemplateError;

/// Output larger than this is refused (a real injection renders a few KiB).
pub const MAX_OUTPUT: usize = 8 * 1024 * 1024;
/// Evaluation steps allowed per render; stops runaway `range`s.
pub const MAX_STEPS: usize = 2_000_000;
/// Deepest `{{template}}` call chain.
pub const MAX_CALL_DEPTH: usize = 64;

pub struct Exec<'a> {
    pub name: &'a str,
    pub defines: &'a HashMap<String, Vec<Node>>,
    pub out: String,
    vars: Vec<(String, Json)>,
    steps: usize,
    depth: usize,
}

enum Flow {
    Normal,
    Break,
    Continue,
}

impl<'a> Exec<'a> {
    pub fn new(name: &'a str, defines: &'a HashMap<String, Vec<Node>>) -> Exec<'a> {
        Exec {
            name,
            defines,
            out: String::new(),
            vars: Vec::new(),
            steps: 0,
            depth: 0,
        }
    }

    fn error(&self, line: usize, message: impl Into<String>) -> TemplateError {
        TemplateError {
            template: self.name.to_string(),
            line,
            message: message.into(),
        }
    }

    pub fn run(&mut self, nodes: &[Node], dot: &Json) -> Result<(), TemplateError> {
        self.walk(nodes, dot, dot).map(|_| ())
    }

    fn tick(&mut self, line: usize) -> Result<(), TemplateError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(self.error(line, format!("template runs more than {MAX_STEPS} steps")));
        }
        if self.out.len() > MAX_OUTPUT {
            return Err(self.error(line, format!("template output exceeds {MAX_OUTPUT} bytes")));
        }
        Ok(())
    }

    fn walk(&mut self, nodes: &[Node], dot: &Json, root: &Json) -> Result<Flow, TemplateError> {
        for node in nodes {
            match self.node(node, dot, root)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn node(&mut self, node: &Node, dot: &Json, root: &Json) -> Result<Flow, TemplateError> {
        match node {
            Node::Text(text) => {
                self.tick(0)?;
                self.out.push_str(text);
            }
            Node::Action(pipe) => {
                self.tick(pipe.line)?;
                let value = self.pipe(pipe, dot, root)?;
                if pipe.vars.is_empty() {
                    self.out.push_str(&funcs::print(&value));
                }
            }
            Node::If(branch) => return self.scoped(|exec| exec.if_with(branch, dot, root, false)),
            Node::With(branch) => return self.scoped(|exec| exec.if_with(branch, dot, root, true)),
            Node::Range(branch) => return self.scoped(|exec| exec.range(branch, dot, root)),
            Node::Template { name, pipe, line } => {
                self.tick(*line)?;
                let body = self
                    .defines
                    .get(name)
                    .ok_or_else(|| self.error(*line, format!("no such template {name:?}")))?;
                if self.depth >= MAX_CALL_DEPTH {
                    return Err(self.error(
                        *line,
                        format!("template calls nest deeper than {MAX_CALL_DEPTH}"),
                    ));
                }
                // `{{ template "x" . }}` passes dot along without copying it.
                let passes_dot = pipe.as_ref().is_some_and(|p| {
                    p.vars.is_empty()
                        && p.cmds.len() == 1
                        && p.cmds[0].args.len() == 1
                        && p.cmds[0].args[0].term == Term::Dot
                        && p.cmds[0].args[0].chain.is_empty()
                });
                let owned = match pipe {
                    Some(pipe) if !passes_dot => self.pipe(pipe, dot, root)?,
                    _ => Json::Null,
                };
                let value = if passes_dot { dot } else { &owned };
                self.depth += 1;
                let saved = std::mem::take(&mut self.vars);
                let result = self.walk(body, value, value);
                self.vars = saved;
                self.depth -= 1;
                result?;
            }
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    /// Runs `f` with a variable scope that ends with it.
    fn scoped(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Flow, TemplateError>,
    ) -> Result<Flow, TemplateError> {
        let mark = self.vars.len();
        let result = f(self);
        self.vars.truncate(mark);
        result
    }

    fn if_with(
        &mut self,
        branch: &Branch,
        dot: &Json,
        root: &Json,
        with: bool,
    ) -> Result<Flow, TemplateError> {
        self.tick(branch.pipe.line)?;
        let value = self.pipe(&branch.pipe, dot, root)?;
        if funcs::truth(&value) {
            if with {
                self.walk(&branch.body, &value, root)
            } else {
                self.walk(&branch.body, dot, root)
            }
        } else {
            self.walk(&branch.otherwise, dot, root)
        }
    }

    fn range(&mut self, branch: &Branch, dot: &Json, root: &Json) -> Result<Flow, TemplateError> {
        let line = branch.pipe.line;
        // The range variables are bound per element, not to the whole value.
        let mut pipe = branch.pipe.clone();
        let vars = std::mem::take(&mut pipe.vars);
        let value = self.pipe(&pipe, dot, root)?;
        let items: Vec<(Json, Json)> = match &value {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Json::from(i), v.clone()))
                .collect(),
            Json::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                keys.into_iter()
                    .map(|k| (Json::String(k.clone()), map[k].clone()))
                    .collect()
            }
            Json::Number(n) => {
                let count = n.as_u64().unwrap_or(0).min(MAX_STEPS as u64);
                (0..count).map(|i| (Json::from(i), Json::from(i))).collect()
            }
            Json::Null => Vec::new(),
            other => {
                return Err(self.error(
                    line,
                    format!("range can't iterate over {}", funcs::print(other)),
                ));
            }
        };
        if items.is_empty() {
            return self.walk(&branch.otherwise, dot, root);
        }
        let mark = self.vars.len();
        for (key, item) in items {
            self.tick(line)?;
            self.vars.truncate(mark);
            match vars.len() {
                0 => {}
                1 => self.vars.push((vars[0].clone(), item.clone())),
                _ => {
                    self.vars.push((vars[0].clone(), key));
                    self.vars.push((vars[1].clone(), item.clone()));
                }
            }
            match self.walk(&branch.body, &item, root)? {
                Flow::Break => break,
                Flow::Continue | Flow::Normal => {}
            }
        }
        Ok(Flow::Normal)
    }

    fn pipe(&mut self, pipe: &Pipe, dot: &Json, root: &Json) -> Result<Json, TemplateError> {
        let mut value: Option<Json> = None;
        for cmd in &pipe.cmds {
            value = Some(self.cmd(cmd, dot, root, value, pipe.line)?);
        }
        let value = value.unwrap_or(Json::Null);
        if pipe.assign {
            for name in &pipe.vars {
                match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = value.clone(),
                    None => {
                        return Err(self.error(pipe.line, format!("undefined variable: {name}")))
                    }
                }
            }
        } else {
            for name in &pipe.vars {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn cmd(
        &mut self,
        cmd: &Cmd,
        dot: &Json,
        root: &Json,
        piped: Option<Json>,
        line: usize,
    ) -> Result<Json, TemplateError> {
        let first = &cmd.args[0];
        if let Term::Func(name) = &first.term {
            // `and` and `or` stop at the first deciding argument.
            if name == "and" || name == "or" {
                let mut last = Json::Null;
                let total = cmd.args.len() - 1 + usize::from(piped.is_some());
                if total == 0 {
                    return Err(self.error(line, format!("wrong number of args for {name}")));
                }
                for arg in &cmd.args[1..] {
                    last = self.operand(arg, dot, root, line)?;
                    if funcs::truth(&last) != (name == "and") {
                        return Ok(last);
                    }
                }
                if let Some(value) = piped {
                    last = value;
                }
                return Ok(last);
            }
            // `index` and `isset` on a field of dot or of a variable look it
            // up in place: copying a whole map for one key would dominate.
            if (name == "index" || name == "isset") && piped.is_none() && cmd.args.len() >= 3 {
                let by_reference = matches!(cmd.args[1].term, Term::Dot | Term::Var(_));
                if by_reference {
                    let mut keys = Vec::with_capacity(cmd.args.len() - 2);
                    for arg in &cmd.args[2..] {
                        keys.push(self.operand(arg, dot, root, line)?);
                    }
                    let Some(base) = self.operand_ref(&cmd.args[1], dot, root) else {
                        let name = match &cmd.args[1].term {
                            Term::Var(name) => name.clone(),
                            _ => String::new(),
                        };
                        return Err(self.error(line, format!("undefined variable: {name}")));
                    };
                    let found = if name == "isset" {
                        Json::Bool(
                            keys.len() == 1
                                && base
                                    .as_object()
                                    .is_some_and(|m| m.contains_key(&funcs::print(&keys[0]))),
                        )
                    } else {
                        funcs::index_ref(base, &keys)
                            .map_err(|m| self.error(line, format!("error calling index: {m}")))?
                            .cloned()
                            .unwrap_or(Json::Null)
                    };
                    return Ok(chain(found, &first.chain));
                }
            }
            let mut args = Vec::with_capacity(cmd.args.len());
            for arg in &cmd.args[1..] {
                args.push(self.operand(arg, dot, root, line)?);
            }
            if let Some(value) = piped {
                args.push(value);
            }
            let result = funcs::call(name, args)
                .map_err(|m| self.error(line, format!("error calling {name}: {m}")))?;
            // sprig's `set` changes the map it is given; a map held in a
            // variable is changed in place here too (data is not).
            if name == "set" {
                if let Some(target) = cmd.args.get(1) {
                    self.store_in_variable(target, &result);
                }
            }
            return Ok(chain(result, &first.chain));
        }
        if cmd.args.len() > 1 || piped.is_some() {
            return Err(self.error(line, "can't give arguments to a non-function".to_string()));
        }
        self.operand(first, dot, root, line)
    }

    fn operand(
        &mut self,
        operand: &Operand,
        dot: &Json,
        root: &Json,
        line: usize,
    ) -> Result<Json, TemplateError> {
        // Fields of dot and of variables are looked up in place and only the
        // value reached is copied: the data holds all of Values and MeshConfig.
        match &operand.term {
            Term::Dot => return Ok(lookup(dot, &operand.chain)),
            Term::Var(name) if name == "$" => return Ok(lookup(root, &operand.chain)),
            Term::Var(name) => {
                return match self.vars.iter().rev().find(|(n, _)| n == name) {
                    Some((_, value)) => Ok(lookup(value, &operand.chain)),
                    None => Err(self.error(line, format!("undefined variable: {name}"))),
                };
            }
            _ => {}
        }
        let base = match &operand.term {
            Term::Func(name) => funcs::call(name, Vec::new())
                .map_err(|m| self.error(line, format!("error calling {name}: {m}")))?,
            Term::Str(text) => Json::String(text.clone()),
            Term::Int(n) => Json::from(*n),
            Term::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Term::Bool(b) => Json::Bool(*b),
            Term::Sub(pipe) => self.pipe(pipe, dot, root)?,
            Term::Nil | Term::Dot | Term::Var(_) => Json::Null,
        };
        Ok(chain(base, &operand.chain))
    }
}

impl Exec<'_> {
    /// Replaces the value `$var.a.b` names (a variable or a map inside
    /// one) with `value`; other operands are left alone.
    fn store_in_variable(&mut self, operand: &Operand, value: &Json) {
        let Term::Var(name) = &operand.term else {
            return;
        };
        let Some((_, slot)) = self.vars.iter_mut().rev().find(|(n, _)| n == name) else {
            return;
        };
        let mut at = Some(slot);
        for field in &operand.chain {
            at = at
                .and_then(|v| v.as_object_mut())
                .and_then(|m| m.get_mut(field));
        }
        if let Some(place) = at {
            *place = value.clone();
        }
    }

    /// A field of dot or of a variable, by reference; `None` for other terms.
    fn operand_ref<'x>(
        &'x self,
        operand: &Operand,
        dot: &'x Json,
        root: &'x Json,
    ) -> Option<&'x Json> {
        let base = match &operand.term {
            Term::Dot => dot,
            Term::Var(name) if name == "$" => root,
            Term::Var(name) => &self.vars.iter().rev().find(|(n, _)| n == name)?.1,
            _ => return None,
        };
        let mut at = Some(base);
        for name in &operand.chain {
            at = at.and_then(|v| funcs::field_ref(v, name));
        }
        Some(at.unwrap_or(&NULL))
    }
}

static NULL: Json = Json::Null;

fn lookup(value: &Json, fields: &[String]) -> Json {
    let mut at = Some(value);
    for name in fields {
        at = at.and_then(|v| funcs::field_ref(v, name));
    }
    at.cloned().unwrap_or(Json::Null)
}

fn chain(value: Json, fields: &[String]) -> Json {
    if fields.is_empty() {
        return value;
    }
    lookup(&value, fields)
}
