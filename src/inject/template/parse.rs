//! Lexer and parser for Go's `text/template` language: text, actions with
//! `-` whitespace trimming, comments, pipelines, variables, and the control
//! structures `if`/`else if`/`range`/`with`/`define`/`template`/`block`.

use std::collections::HashMap;

use super::TemplateError;

/// Deepest nesting of control structures and parentheses accepted.
const MAX_NESTING: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    Action(Pipe),
    If(Branch),
    Range(Branch),
    With(Branch),
    Template {
        name: String,
        pipe: Option<Pipe>,
        line: usize,
    },
    Break(usize),
    Continue(usize),
}

/// The pipeline, body and `else` body of `if`, `range` and `with`.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    pub pipe: Pipe,
    pub body: Vec<Node>,
    pub otherwise: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pipe {
    /// Variables declared (`:=`) or assigned (`=`).
    pub vars: Vec<String>,
    pub assign: bool,
    pub cmds: Vec<Cmd>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cmd {
    pub args: Vec<Operand>,
}

/// A term with the field chain that follows it: `(.A).B.C`, `$x.Name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Operand {
    pub term: Term,
    pub chain: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Dot,
    Var(String),
    Func(String),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    Sub(Box<Pipe>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// `.Name` (a field of dot, or of the preceding term when glued to it).
    Field(String),
    Dot,
    Var(String),
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    LParen,
    RParen,
    Pipe,
    Comma,
    Declare,
    Assign,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// Whether whitespace precedes it (a field glued to a term continues it).
    spaced: bool,
}

/// One `{{ ... }}` with its tokens.
#[derive(Debug)]
struct Action {
    tokens: Vec<Token>,
    line: usize,
}

#[derive(Debug)]
enum Item {
    Text(String),
    Action(Action),
}

/// A parsed template and the templates it `define`s.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub root: Vec<Node>,
    pub defines: HashMap<String, Vec<Node>>,
}

pub fn parse(
    name: &str,
    text: &str,
    check_func: &dyn Fn(&str) -> Result<(), String>,
) -> Result<Parsed, TemplateError> {
    let items = lex(name, text)?;
    let mut parser = Parser {
        name,
        items,
        at: 0,
        defines: HashMap::new(),
        check_func,
        depth: 0,
    };
    let (root, end) = parser.list()?;
    if let Some((word, line)) = end {
        return Err(parser.error(line, format!("unexpected {{{{{word}}}}}")));
    }
    Ok(Parsed {
        root,
        defines: parser.defines,
    })
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn lex(name: &str, text: &str) -> Result<Vec<Item>, TemplateError> {
    let err = |line: usize, message: String| TemplateError {
        template: name.to_string(),
        line,
        message,
    };
    let mut items = Vec::new();
    let mut rest = text;
    let mut line = 1usize;
    let mut trim_next = false;
    while !rest.is_empty() {
        let (mut before, after) = match rest.find("{{") {
            Some(i) => (&rest[..i], Some(&rest[i + 2..])),
            None => (rest, None),
        };
        line += before.matches('\n').count();
        if trim_next {
            before = before.trim_start_matches(is_space);
        }
        let Some(after) = after else {
            if !before.is_empty() {
                items.push(Item::Text(before.to_string()));
            }
            break;
        };
        let mut body = after;
        if body.starts_with('-') && body[1..].starts_with(is_space) {
            before = before.trim_end_matches(is_space);
            body = &body[1..];
        }
        if !before.is_empty() {
            items.push(Item::Text(before.to_string()));
        }
        let start_line = line;
        let (tokens, consumed, trim_right, lines) =
            lex_action(body).map_err(|m| err(start_line, m))?;
        line += lines;
        trim_next = trim_right;
        if let Some(tokens) = tokens {
            items.push(Item::Action(Action {
                tokens,
                line: start_line,
            }));
        }
        rest = &body[consumed..];
    }
    Ok(items)
}

/// Lexes one action body (after `{{` / `{{- `). Returns its tokens (`None`
/// for a comment), the bytes consumed including `}}`, whether it ends with
/// ` -}}`, and the newlines crossed.
#[allow(clippy::type_complexity)]
fn lex_action(body: &str) -> Result<(Option<Vec<Token>>, usize, bool, usize), String> {
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut tokens = Vec::new();
    let mut lines = 0;
    let mut spaced = true;
    // A comment must be the whole action.
    let lead = body.len() - body.trim_start_matches(is_space).len();
    if body[lead..].starts_with("/*") {
        let end = body[lead..].find("*/").ok_or("unclosed comment")? + lead + 2;
        lines += body[..end].matches('\n').count();
        let tail = &body[end..];
        let ws = tail.len() - tail.trim_start_matches(is_space).len();
        let after = &tail[ws..];
        if after.starts_with("}}") {
            return Ok((None, end + ws + 2, false, lines));
        }
        if ws > 0 && after.starts_with("-}}") {
            return Ok((None, end + ws + 3, true, lines));
        }
        return Err("comment ends before closing delimiter".into());
    }
    while i < bytes.len() {
        let c = bytes[i];
        if is_space(c as char) {
            if c == b'\n' {
                lines += 1;
            }
            if body[i..].len() >= 4 && &body[i + 1..i + 4] == "-}}" {
                return Ok((Some(tokens), i + 4, true, lines));
            }
            i += 1;
            spaced = true;
            continue;
        }
        if body[i..].starts_with("}}") {
            return Ok((Some(tokens), i + 2, false, lines));
        }
        let mut push = |tok: Tok, spaced_now: &mut bool| {
            tokens.push(Token {
                tok,
                spaced: *spaced_now,
            });
            *spaced_now = false;
        };
        match c {
            b'(' => {
                push(Tok::LParen, &mut spaced);
                i += 1;
            }
            b')' => {
                push(Tok::RParen, &mut spaced);
                i += 1;
            }
            b'|' => {
                push(Tok::Pipe, &mut spaced);
                i += 1;
            }
            b',' => {
                push(Tok::Comma, &mut spaced);
                i += 1;
            }
            b'=' => {
                push(Tok::Assign, &mut spaced);
                i += 1;
            }
            b':' if bytes.get(i + 1) == Some(&b'=') => {
                push(Tok::Declare, &mut spaced);
                i += 2;
            }
            b'"' => {
                let (text, len) = lex_quoted(&body[i..])?;
                push(Tok::Str(text), &mut spaced);
                i += len;
            }
            b'`' => {
                let end = body[i + 1..].find('`').ok_or("unterminated raw string")?;
                let text = &body[i + 1..i + 1 + end];
                lines += text.matches('\n').count();
                push(Tok::Str(text.to_string()), &mut spaced);
                i += end + 2;
            }
            b'\'' => {
                let end = body[i + 1..]
                    .find('\'')
                    .ok_or("unterminated character constant")?;
                let inner = &body[i + 1..i + 1 + end];
                let ch = match inner {
                    "\\n" => '\n',
                    "\\t" => '\t',
                    "\\\\" => '\\',
                    "\\'" => '\'',
                    other => {
                        let mut chars = other.chars();
                        match (chars.next(), chars.next()) {
                            (Some(c), None) => c,
                            _ => return Err(format!("bad character constant '{other}'")),
                        }
                    }
                };
                push(Tok::Int(ch as i64), &mut spaced);
                i += end + 2;
            }
            b'.' => {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len() && is_ident_byte(bytes[end]) {
                    end += 1;
                }
                if end == start {
                    if bytes.get(start).is_some_and(u8::is_ascii_digit) {
                        let (tok, len) = lex_number(&body[i..])?;
                        push(tok, &mut spaced);
                        i += len;
                    } else {
                        push(Tok::Dot, &mut spaced);
                        i += 1;
                    }
                } else {
                    push(Tok::Field(body[start..end].to_string()), &mut spaced);
                    i = end;
                }
            }
            b'$' => {
                let mut end = i + 1;
                while end < bytes.len() && is_ident_byte(bytes[end]) {
                    end += 1;
                }
                push(Tok::Var(body[i..end].to_string()), &mut spaced);
                i = end;
            }
            b'-' | b'+' | b'0'..=b'9' => {
                let (tok, len) = lex_number(&body[i..])?;
                push(tok, &mut spaced);
                i += len;
            }
            c if is_ident_byte(c) => {
                let mut end = i;
                while end < bytes.len() && is_ident_byte(bytes[end]) {
                    end += 1;
                }
                push(Tok::Ident(body[i..end].to_string()), &mut spaced);
                i = end;
            }
            _ => {
                let ch = body[i..].chars().next().unwrap_or('?');
                return Err(format!("unexpected {ch:?} in action"));
            }
        }
    }
    Err("unclosed action: expected }}".into())
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn lex_number(text: &str) -> Result<(Tok, usize), String> {
    let end = text
        .char_indices()
        .skip(1)
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-')))
        .map_or(text.len(), |(i, _)| i);
    // A sign may only lead, or follow an exponent.
    let mut cut = end;
    for (i, c) in text[..end].char_indices().skip(1) {
        if matches!(c, '+' | '-') && !matches!(text.as_bytes()[i - 1], b'e' | b'E') {
            cut = i;
            break;
        }
    }
    let literal = text[..cut].replace('_', "");
    let (negative, digits) = match literal.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, literal.strip_prefix('+').unwrap_or(&literal)),
    };
    let int = if let Some(hex) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).ok()
    } else {
        digits.parse::<i64>().ok()
    };
    if let Some(value) = int {
        return Ok((Tok::Int(if negative { -value } else { value }), cut));
    }
    match literal.parse::<f64>() {
        Ok(value) => Ok((Tok::Float(value), cut)),
        Err(_) => Err(format!("bad number syntax: {:?}", &text[..cut])),
    }
}

fn lex_quoted(text: &str) -> Result<(String, usize), String> {
    let mut out = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 1)),
            '\n' => break,
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    'x' | 'u' | 'U' => {
                        let len = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = (0..len)
                            .filter_map(|_| chars.next().map(|(_, c)| c))
                            .collect();
                        let code = u32::from_str_radix(&hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .ok_or_else(|| format!("bad escape \\{e}{hex}"))?;
                        out.push(code);
                    }
                    other => return Err(format!("unknown escape sequence \\{other}")),
                }
            }
            c => out.push(c),
        }
    }
    Err("unterminated quoted string".into())
}

struct Parser<'a> {
    name: &'a str,
    items: Vec<Item>,
    at: usize,
    defines: HashMap<String, Vec<Node>>,
    /// Whether a function name may be called, or why not.
    check_func: &'a dyn Fn(&str) -> Result<(), String>,
    depth: usize,
}

/// What ended a list: `end` or `else` (with the rest of its tokens).
type Ending = Option<(String, usize)>;

impl Parser<'_> {
    fn error(&self, line: usize, message: String) -> TemplateError {
        TemplateError {
            template: self.name.to_string(),
            line,
            message,
        }
    }

    /// Parses nodes until `{{end}}`, `{{else ...}}` or the end of input.
    fn list(&mut self) -> Result<(Vec<Node>, Ending), TemplateError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(0, format!("nesting deeper than {MAX_NESTING}")));
        }
        let mut nodes = Vec::new();
        while self.at < self.items.len() {
            let index = self.at;
            self.at += 1;
            let action = match &mut self.items[index] {
                Item::Text(text) => {
                    nodes.push(Node::Text(std::mem::take(text)));
                    continue;
                }
                Item::Action(action) => Action {
                    tokens: std::mem::take(&mut action.tokens),
                    line: action.line,
                },
            };
            let line = action.line;
            let mut tokens = action.tokens;
            let keyword = match tokens.first().map(|t| &t.tok) {
                Some(Tok::Ident(word)) => word.clone(),
                _ => String::new(),
            };
            match keyword.as_str() {
                "end" => {
                    self.depth -= 1;
                    return Ok((nodes, Some(("end".into(), line))));
                }
                "else" => {
                    // Put the rest back for the caller (`else if ...`).
                    tokens.remove(0);
                    self.items[index] = Item::Action(Action { tokens, line });
                    self.depth -= 1;
                    return Ok((nodes, Some(("else".into(), index))));
                }
                "if" | "range" | "with" => {
                    tokens.remove(0);
                    nodes.push(self.control(&keyword, tokens, line)?);
                }
                "define" | "block" => {
                    tokens.remove(0);
                    let name = match tokens.first().map(|t| &t.tok) {
                        Some(Tok::Str(name)) => name.clone(),
                        _ => return Err(self.error(line, format!("{keyword} needs a quoted name"))),
                    };
                    tokens.remove(0);
                    let (body, end) = self.list()?;
                    if !matches!(end, Some((ref w, _)) if w == "end") {
                        return Err(
                            self.error(line, format!("{{{{{keyword}}}}} without {{{{end}}}}"))
                        );
                    }
                    self.defines.insert(name.clone(), body);
                    if keyword == "block" {
                        let pipe = self.pipeline(tokens, line)?;
                        nodes.push(Node::Template {
                            name,
                            pipe: Some(pipe),
                            line,
                        });
                    }
                }
                "template" => {
                    tokens.remove(0);
                    let name = match tokens.first().map(|t| &t.tok) {
                        Some(Tok::Str(name)) => name.clone(),
                        _ => return Err(self.error(line, "template needs a quoted name".into())),
                    };
                    tokens.remove(0);
                    let pipe = if tokens.is_empty() {
                        None
                    } else {
                        Some(self.pipeline(tokens, line)?)
                    };
                    nodes.push(Node::Template { name, pipe, line });
                }
                "break" => nodes.push(Node::Break(line)),
                "continue" => nodes.push(Node::Continue(line)),
                _ => {
                    let pipe = self.pipeline(tokens, line)?;
                    nodes.push(Node::Action(pipe));
                }
            }
        }
        self.depth -= 1;
        Ok((nodes, None))
    }

    fn control(
        &mut self,
        keyword: &str,
        tokens: Vec<Token>,
        line: usize,
    ) -> Result<Node, TemplateError> {
        let pipe = self.pipeline(tokens, line)?;
        let (body, end) = self.list()?;
        let otherwise = match end {
            Some((word, _)) if word == "end" => Vec::new(),
            Some((_, index)) => {
                // `else`, `else if ...` or `else with ...`: the remaining
                // tokens were put back at `index`.
                let rest = match &mut self.items[index] {
                    Item::Action(action) => std::mem::take(&mut action.tokens),
                    Item::Text(_) => Vec::new(),
                };
                let mut rest = rest;
                match rest.first().map(|t| &t.tok) {
                    None => {
                        let (otherwise, end) = self.list()?;
                        if !matches!(end, Some((ref w, _)) if w == "end") {
                            return Err(
                                self.error(line, format!("{{{{{keyword}}}}} without {{{{end}}}}"))
                            );
                        }
                        otherwise
                    }
                    Some(Tok::Ident(word)) if word == "if" || word == "with" => {
                        let word = word.clone();
                        rest.remove(0);
                        vec![self.control(&word, rest, line)?]
                    }
                    Some(_) => return Err(self.error(line, "unexpected tokens after else".into())),
                }
            }
            None => return Err(self.error(line, format!("{{{{{keyword}}}}} without {{{{end}}}}"))),
        };
        let branch = Branch {
            pipe,
            body,
            otherwise,
        };
        Ok(match keyword {
            "if" => Node::If(branch),
            "range" => Node::Range(branch),
            _ => Node::With(branch),
        })
    }

    fn pipeline(&self, tokens: Vec<Token>, line: usize) -> Result<Pipe, TemplateError> {
        self.pipeline_tokens(&tokens, line)
    }

    fn pipeline_tokens(&self, tokens: &[Token], line: usize) -> Result<Pipe, TemplateError> {
        let mut at = 0;
        let mut vars = Vec::new();
        let mut assign = false;
        // `$a, $b :=` / `$x =`
        let mut probe = 0;
        let mut names = Vec::new();
        while let Some(Tok::Var(name)) = tokens.get(probe).map(|t| &t.tok) {
            names.push(name.clone());
            match tokens.get(probe + 1).map(|t| &t.tok) {
                Some(Tok::Comma) => probe += 2,
                Some(Tok::Declare) => {
                    vars = names;
                    at = probe + 2;
                    break;
                }
                Some(Tok::Assign) => {
                    vars = names;
                    assign = true;
                    at = probe + 2;
                    break;
                }
                _ => break,
            }
        }
        let (cmds, used) = self.commands(&tokens[at..], line, 0)?;
        if at + used != tokens.len() {
            return Err(self.error(line, "unexpected ) in pipeline".into()));
        }
        if cmds.is_empty() {
            return Err(self.error(line, "missing value for command".into()));
        }
        Ok(Pipe {
            vars,
            assign,
            cmds,
            line,
        })
    }

    /// Commands separated by `|`, up to a `)` or the end; returns tokens used.
    fn commands(
        &self,
        tokens: &[Token],
        line: usize,
        depth: usize,
    ) -> Result<(Vec<Cmd>, usize), TemplateError> {
        if depth > MAX_NESTING {
            return Err(self.error(
                line,
                format!("parentheses nested deeper than {MAX_NESTING}"),
            ));
        }
        let mut cmds = Vec::new();
        let mut args: Vec<Operand> = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let token = &tokens[i];
            match &token.tok {
                Tok::RParen => break,
                Tok::Pipe => {
                    if args.is_empty() {
                        return Err(self.error(line, "missing command before |".into()));
                    }
                    cmds.push(Cmd {
                        args: std::mem::take(&mut args),
                    });
                    i += 1;
                    continue;
                }
                Tok::Field(name) if !token.spaced && !args.is_empty() => {
                    if let Some(last) = args.last_mut() {
                        last.chain.push(name.clone());
                    }
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let term = match &token.tok {
                Tok::Dot => Term::Dot,
                Tok::Field(name) => {
                    args.push(Operand {
                        term: Term::Dot,
                        chain: vec![name.clone()],
                    });
                    i += 1;
                    continue;
                }
                Tok::Var(name) => Term::Var(name.clone()),
                Tok::Ident(word) => match word.as_str() {
                    "true" => Term::Bool(true),
                    "false" => Term::Bool(false),
                    "nil" => Term::Nil,
                    name => {
                        (self.check_func)(name).map_err(|why| self.error(line, why))?;
                        Term::Func(name.to_string())
                    }
                },
                Tok::Str(text) => Term::Str(text.clone()),
                Tok::Int(n) => Term::Int(*n),
                Tok::Float(f) => Term::Float(*f),
                Tok::LParen => {
                    let (inner, used) = self.commands(&tokens[i + 1..], line, depth + 1)?;
                    let close = i + 1 + used;
                    if !matches!(tokens.get(close).map(|t| &t.tok), Some(Tok::RParen)) {
                        return Err(self.error(line, "unclosed left paren".into()));
                    }
                    if inner.is_empty() {
                        return Err(self.error(line, "missing value in parentheses".into()));
                    }
                    args.push(Operand {
                        term: Term::Sub(Box::new(Pipe {
                            vars: Vec::new(),
                            assign: false,
                            cmds: inner,
                            line,
                        })),
                        chain: Vec::new(),
                    });
                    i = close + 1;
                    continue;
                }
                other => return Err(self.error(line, format!("unexpected {other:?} in command"))),
            };
            args.push(Operand {
                term,
                chain: Vec::new(),
            });
            i += 1;
        }
        if !args.is_empty() {
            cmds.push(Cmd { args });
        }
        Ok((cmds, i))
    }
}
