//! Text-level help for the YAML reader when saphyr stops: where a broken
//! document ends (so that the documents after it still load), and the
//! position-preserving rewrites that let saphyr read what go-yaml (kubectl's
//! reader) accepts although YAML 1.2 does not:
//!
//! - lines inside a flow collection (`[...]`, `{...}`) or a multi-line quoted
//!   string indented less than the block holding it: go-yaml checks no
//!   indentation there. Spaces are inserted at the start of those lines;
//!   values do not change, since folding drops leading white space, and
//!   columns are mapped back through [`Fixes::shifts`];
//! - a plain scalar in a flow collection ending in `:` right before `,`, `]`
//!   or `}` (`[fe80::]`): go-yaml keeps the `:` in the string, YAML 1.2 reads
//!   it as a key separator. That `:` is written as a stand-in character saphyr
//!   reads as part of the scalar, and the builder turns it back into `:`.
//!
//! Nothing here runs unless a document failed or needs go-yaml's reading.

use std::borrow::Cow;

/// A line as saphyr counts lines: `\n`, `\r\n` and a lone `\r` end one.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// 1-based.
    pub number: usize,
    /// Byte offset of the line's first character.
    pub start: usize,
    /// The line without its break.
    pub content: &'a str,
    /// Byte offset of the next line (past the break).
    pub next: usize,
}

/// The lines of a text, as saphyr counts them.
pub struct Lines<'a> {
    text: &'a str,
    next: usize,
    number: usize,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Lines<'a> {
        Lines {
            text,
            next: 0,
            number: 0,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        if self.next >= self.text.len() {
            return None;
        }
        let start = self.next;
        let (end, next) = line_end(self.text, start);
        self.next = next;
        self.number += 1;
        Some(Line {
            number: self.number,
            start,
            content: &self.text[start..end],
            next,
        })
    }
}

/// Where the line starting at `start` ends, and where the next one starts.
fn line_end(text: &str, start: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    match bytes[start..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
    {
        None => (text.len(), text.len()),
        Some(i) => {
            let end = start + i;
            let crlf = bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n');
            (end, end + if crlf { 2 } else { 1 })
        }
    }
}

/// Reads lines of a text by number, moving forward only: the builder asks in
/// text order, so a whole stream costs one pass however often it asks.
pub struct TextCursor<'a> {
    text: &'a str,
    line: usize,
    start: usize,
}

impl<'a> TextCursor<'a> {
    pub fn new(text: &'a str) -> TextCursor<'a> {
        TextCursor {
            text,
            line: 1,
            start: 0,
        }
    }

    /// The text of 1-based `line`, without its break.
    pub fn line(&mut self, line: usize) -> Option<&'a str> {
        if line == 0 {
            return None;
        }
        if line < self.line {
            self.line = 1;
            self.start = 0;
        }
        while self.line < line {
            let (_, next) = line_end(self.text, self.start);
            if next >= self.text.len() {
                return None;
            }
            self.start = next;
            self.line += 1;
        }
        if self.start > self.text.len() {
            return None;
        }
        Some(&self.text[self.start..line_end(self.text, self.start).0])
    }
}

/// The characters before, at and after 0-based character column `col`.
pub fn chars_around(line: &str, col: usize) -> (Option<char>, Option<char>, Option<char>) {
    let mut before = None;
    let mut chars = line.chars();
    for _ in 0..col {
        match chars.next() {
            Some(c) => before = Some(c),
            None => return (before, None, None),
        }
    }
    (before, chars.next(), chars.next())
}

/// True when the character at `col` is a `:` that go-yaml reads as the end
/// of a plain scalar in a flow collection (`,`, `]` or `}` follows it).
pub fn colon_before_flow_end(line: &str, col: usize) -> bool {
    let (_, at, next) = chars_around(line, col);
    at == Some(':') && matches!(next, Some(',' | ']' | '}'))
}

/// A document marker line: `---` or `...` at column 1, alone or followed by
/// white space (and, for `---`, content on the same line). Neither can occur
/// inside a document: YAML ends block scalars there and refuses them in
/// quoted strings and flow collections, so this is always a boundary.
pub fn is_document_marker(line: &str) -> bool {
    let bytes = line.as_bytes();
    (line.starts_with("---") || line.starts_with("..."))
        && matches!(bytes.get(3), None | Some(b' ' | b'\t'))
}

/// Where a document starts, as the reader knows it when saphyr stops.
#[derive(Debug, Clone, Copy)]
pub enum Boundary {
    /// Its `---` or first token is on this line.
    At(usize),
    /// It starts after this line (where the previous document ended; 0 for
    /// the start of the text).
    After(usize),
}

/// A place to resume reading: a byte offset and the lines before it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Resume {
    pub offset: usize,
    pub lines_before: usize,
}

/// The extent of one document in a text, found from its start alone.
#[derive(Debug)]
pub struct Bounds {
    pub range: std::ops::Range<usize>,
    /// Lines of the text before the document.
    pub lines_before: usize,
    /// Where the next document starts (`None` at the end of the text).
    pub resume: Option<Resume>,
}

/// The document starting at `boundary` ends at the first document marker
/// line after its start; the next one resumes at that `---`, or after that
/// `...`. Never resumes at offset 0, so reading always moves on.
pub fn document_bounds(text: &str, boundary: Boundary) -> Bounds {
    let (first_line, after_line) = match boundary {
        Boundary::At(line) => (line.max(1), line.max(1)),
        Boundary::After(line) => (line + 1, line.max(1)),
    };
    let mut start = text.len();
    for line in Lines::new(text) {
        if line.number == first_line {
            start = line.start;
        }
        if line.number > after_line && is_document_marker(line.content) {
            let resume = if line.content.starts_with("---") {
                Resume {
                    offset: line.start,
                    lines_before: line.number - 1,
                }
            } else {
                Resume {
                    offset: line.next,
                    lines_before: line.number,
                }
            };
            return Bounds {
                range: start.min(line.start)..line.start,
                lines_before: first_line - 1,
                resume: (resume.offset < text.len()).then_some(resume),
            };
        }
    }
    Bounds {
        range: start..text.len(),
        lines_before: first_line - 1,
        resume: None,
    }
}

/// The byte offset just past the closing quote of the quoted scalar opening
/// at `open`, or `None` when it does not close.
fn quoted_end(text: &[u8], open: usize) -> Option<usize> {
    let quote = text[open];
    let mut i = open + 1;
    while i < text.len() {
        match text[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && text.get(i + 1) == Some(&b'\'') => i += 2,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The byte offset of the bracket closing the flow collection opening at
/// `open`, read as go-yaml reads flow content: a quote starts a string only
/// where a token starts, `#` after white space starts a comment, and `:`
/// inside a plain scalar stays in it unless white space follows.
fn flow_collection_end(text: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut token_start = true;
    let mut i = open;
    while i < text.len() {
        let byte = text[i];
        match byte {
            b'[' | b'{' => {
                depth += 1;
                token_start = true;
            }
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
                token_start = true;
            }
            b',' => token_start = true,
            b'\'' | b'"' if token_start => {
                i = quoted_end(text, i)?;
                // A `:` right after a quoted key is a separator, as in JSON.
                token_start = true;
                continue;
            }
            b'#' if i == 0 || matches!(text[i - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                while i < text.len() && !matches!(text[i], b'\n' | b'\r') {
                    i += 1;
                }
                continue;
            }
            b':' => {
                let next = text.get(i + 1).copied();
                token_start = token_start
                    || matches!(
                        next,
                        None | Some(
                            b' ' | b'\t' | b'\n' | b'\r' | b',' | b'[' | b']' | b'{' | b'}'
                        )
                    );
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'&' | b'!' if token_start => {
                while i < text.len()
                    && !matches!(
                        text[i],
                        b' ' | b'\t' | b'\n' | b'\r' | b',' | b'[' | b']' | b'{' | b'}'
                    )
                {
                    i += 1;
                }
                continue;
            }
            _ => token_start = false,
        }
        i += 1;
    }
    None
}

/// Character column to byte offset within a line.
fn byte_of_column(line: &str, col: usize) -> Option<usize> {
    line.char_indices().nth(col).map(|(i, _)| i)
}

fn leading_spaces(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

/// What saphyr stopped at in a document, in the coordinates of the text it
/// was given.
#[derive(Debug, Clone)]
pub enum Problem {
    Syntax {
        line: usize,
        col: usize,
        info: String,
        /// Where each open collection's start event ended (line, column), outermost
        /// first: a flow collection's ends right after its bracket.
        openings: Vec<(usize, usize)>,
    },
    /// See [`crate::source::yaml`]'s builder: a `:` go-yaml keeps in a plain scalar.
    GoYamlColon { line: usize, col: usize },
}

impl Problem {
    /// The same problem in a text that starts `lines` lines further down.
    pub fn moved_up(self, lines: usize) -> Problem {
        match self {
            Problem::Syntax {
                line,
                col,
                info,
                openings,
            } => Problem::Syntax {
                line: line.saturating_sub(lines),
                col,
                info,
                openings: openings
                    .into_iter()
                    .map(|(line, col)| (line.saturating_sub(lines), col))
                    .collect(),
            },
            Problem::GoYamlColon { line, col } => Problem::GoYamlColon {
                line: line.saturating_sub(lines),
                col,
            },
        }
    }
}

/// The most rewrites tried on one document before its error is reported:
/// each costs a reading of the document.
pub const MAX_FIXES: usize = 128;

const FLOW_NOTE: &str = "not standard YAML: lines inside this flow collection ([...] or {...}) \
     are indented less than the block that holds it; read as kubectl (go-yaml) reads it, \
     but other YAML tools refuse it";
const QUOTED_NOTE: &str = "not standard YAML: continuation lines of this quoted string are \
     indented less than the block that holds it; read as kubectl (go-yaml) reads it, \
     but other YAML tools refuse it";

/// The rewrites of one document, kept in its original coordinates so that
/// each attempt rewrites the original text afresh.
#[derive(Debug, Default)]
pub struct Fixes {
    /// Spaces inserted at the start of each line (index 0 is line 1).
    pub shifts: Vec<usize>,
    /// `:` go-yaml keeps inside a plain scalar: (line, 0-based column).
    colons: Vec<(usize, usize)>,
    /// The character written for those `:`; one the document does not contain.
    pub stand_in: Option<char>,
    /// What was not standard: (line, 0-based column) in the document, message.
    pub notes: Vec<(usize, usize, String)>,
}

impl Fixes {
    fn shift(&self, line: usize) -> usize {
        self.shifts.get(line.wrapping_sub(1)).copied().unwrap_or(0)
    }

    /// The document as saphyr is to read it.
    pub fn apply<'a>(&self, original: &'a str) -> Cow<'a, str> {
        if self.colons.is_empty() && self.shifts.iter().all(|&s| s == 0) {
            return Cow::Borrowed(original);
        }
        let added: usize = self.shifts.iter().sum::<usize>() + 3 * self.colons.len();
        let mut text = String::with_capacity(original.len() + added);
        for line in Lines::new(original) {
            text.extend(std::iter::repeat_n(' ', self.shift(line.number)));
            let mut colons = self
                .colons
                .iter()
                .filter(|(l, _)| *l == line.number)
                .map(|(_, c)| *c)
                .peekable();
            if colons.peek().is_none() {
                text.push_str(line.content);
            } else {
                let colons: Vec<usize> = colons.collect();
                for (col, c) in line.content.chars().enumerate() {
                    match self.stand_in {
                        Some(stand_in) if c == ':' && colons.contains(&col) => text.push(stand_in),
                        _ => text.push(c),
                    }
                }
            }
            text.push_str(&original[line.start + line.content.len()..line.next]);
        }
        Cow::Owned(text)
    }

    /// Adds the rewrite that gets saphyr past `problem`, found in `text` (the
    /// document as last rewritten); false when go-yaml would refuse it too,
    /// or nothing new can be done.
    pub fn fix(&mut self, original: &str, text: &str, problem: &Problem) -> bool {
        match problem {
            Problem::GoYamlColon { line, col } => self.keep_colon(original, *line, *col),
            Problem::Syntax {
                line,
                col,
                info,
                openings,
            } => {
                if info.contains("indentation") {
                    let note = (*line, col.saturating_sub(self.shift(*line)));
                    if let Some((bracket_line, bracket_col)) = outermost_flow(text, openings) {
                        return self.indent(text, (bracket_line, bracket_col), note, FLOW_NOTE);
                    }
                    if info.contains("quoted scalar") {
                        return self.indent(text, (*line, *col), note, QUOTED_NOTE);
                    }
                    return false;
                }
                let Some(line_text) = Lines::new(text).nth(line.wrapping_sub(1)) else {
                    return false;
                };
                let (before, _, _) = chars_around(line_text.content, *col);
                let after_plain = before.is_some_and(|c| {
                    !c.is_whitespace() && !matches!(c, '\'' | '"' | ',' | '[' | ']' | '{' | '}')
                });
                if after_plain && colon_before_flow_end(line_text.content, *col) {
                    return self.keep_colon(original, *line, *col);
                }
                false
            }
        }
    }

    /// Indents the lines after the one holding the bracket or quote at
    /// `open` (line, column) of `text`, up to its end, past that column; the
    /// note goes at `note` (line, column) of the original document.
    fn indent(
        &mut self,
        text: &str,
        (line, col): (usize, usize),
        note: (usize, usize),
        message: &str,
    ) -> bool {
        let lines: Vec<Line<'_>> = Lines::new(text).collect();
        let Some(open_line) = lines.get(line.wrapping_sub(1)) else {
            return false;
        };
        let Some(open) = byte_of_column(open_line.content, col).map(|b| open_line.start + b) else {
            return false;
        };
        let bytes = text.as_bytes();
        // The byte offset of the closing bracket or quote.
        let last = match bytes[open] {
            b'[' | b'{' => flow_collection_end(bytes, open),
            b'\'' | b'"' => quoted_end(bytes, open).map(|past| past - 1),
            _ => None,
        };
        let Some(last) = last else {
            return false;
        };
        let end_line = lines.partition_point(|l| l.start <= last);
        let needed = col + 1;
        let mut changed = false;
        for current in &lines[line..end_line.max(line)] {
            if current.content.trim().is_empty() {
                continue;
            }
            let indent = leading_spaces(current.content);
            if indent < needed {
                if self.shifts.len() < current.number {
                    self.shifts.resize(current.number, 0);
                }
                self.shifts[current.number - 1] += needed - indent;
                changed = true;
            }
        }
        if changed {
            self.notes.push((note.0, note.1, message.to_string()));
        }
        changed
    }

    /// Keeps the `:` at (`line`, `col`) of the rewritten text in its scalar.
    fn keep_colon(&mut self, original: &str, line: usize, col: usize) -> bool {
        let col = col.saturating_sub(self.shift(line));
        if self.colons.contains(&(line, col)) {
            return false;
        }
        if self.stand_in.is_none() {
            // Private-use characters: YAML reads them as plain-scalar content.
            self.stand_in = ('\u{E000}'..='\u{E0FF}').find(|c| !original.contains(*c));
        }
        if self.stand_in.is_none() {
            return false;
        }
        let Some(line_text) = Lines::new(original).nth(line.wrapping_sub(1)) else {
            return false;
        };
        let chars: Vec<char> = line_text.content.chars().collect();
        if chars.get(col) != Some(&':') {
            return false;
        }
        let start = chars[..col]
            .iter()
            .rposition(|c| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '{' | '}'))
            .map_or(0, |i| i + 1);
        let scalar: String = chars[start..=col].iter().collect();
        let after = chars.get(col + 1).copied().unwrap_or(']');
        self.colons.push((line, col));
        self.notes.push((
            line,
            start,
            format!(
                "not standard YAML: `{scalar}` is read as one string, as kubectl (go-yaml) \
                 reads it; YAML 1.2 tools read the `:` before `{after}` as a key separator. \
                 Quote the string"
            ),
        ));
        true
    }
}

/// The bracket (line, column) of the outermost open flow collection.
fn outermost_flow(text: &str, openings: &[(usize, usize)]) -> Option<(usize, usize)> {
    let mut cursor = TextCursor::new(text);
    openings.iter().find_map(|&(line, end_col)| {
        let bracket = end_col.checked_sub(1)?;
        let (_, at, _) = chars_around(cursor.line(line)?, bracket);
        matches!(at, Some('[' | '{')).then_some((line, bracket))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_as_saphyr_counts_them() {
        let lines: Vec<_> = Lines::new("a\r\nb\rc\n\nd")
            .map(|l| (l.number, l.content))
            .collect();
        assert_eq!(lines, [(1, "a"), (2, "b"), (3, "c"), (4, ""), (5, "d")]);
        let mut cursor = TextCursor::new("a\nbc\n");
        assert_eq!(cursor.line(2), Some("bc"));
        assert_eq!(cursor.line(1), Some("a"));
        assert_eq!(cursor.line(3), None);
    }

    #[test]
    fn markers_are_column_one_dashes_or_dots_alone() {
        assert!(is_document_marker("---"));
        assert!(is_document_marker("--- # c"));
        assert!(is_document_marker("--- |"));
        assert!(is_document_marker("..."));
        assert!(!is_document_marker("----"));
        assert!(!is_document_marker(" ---"));
        assert!(!is_document_marker("---x"));
    }

    #[test]
    fn a_document_ends_at_the_next_marker_after_its_start() {
        let text = "a: 1\n---\nb: [\n---\nc: 3\n";
        let bounds = document_bounds(text, Boundary::At(2));
        assert_eq!(&text[bounds.range], "---\nb: [\n");
        assert_eq!(bounds.lines_before, 1);
        assert_eq!(
            bounds.resume,
            Some(Resume {
                offset: 14,
                lines_before: 3
            })
        );
        // `...` ends a document; the next one starts after it.
        let text = "a: [\n...\nb: 1\n";
        let bounds = document_bounds(text, Boundary::After(0));
        assert_eq!(&text[bounds.range], "a: [\n");
        assert_eq!(&text[bounds.resume.unwrap().offset..], "b: 1\n");
        // A marker on the first line never resumes at the start.
        let bounds = document_bounds("---\n]\n", Boundary::After(0));
        assert_eq!(bounds.resume, None);
    }

    #[test]
    fn flow_collections_end_at_their_bracket_whatever_the_content() {
        fn end(text: &str) -> Option<&str> {
            flow_collection_end(text.as_bytes(), 0).map(|i| &text[i..])
        }
        assert_eq!(end("[a, 'b]', \"c\\\"]\"]x"), Some("]x"));
        assert_eq!(end("[don't, x] y"), Some("] y"));
        assert_eq!(end("[a, # ]\n b]z"), Some("]z"));
        assert_eq!(end("{\"a\":\"]\"}z"), Some("}z"));
        assert_eq!(end("[a, [b, {c: d}]]z"), Some("]z"));
        assert_eq!(end("[a, 'b]"), None);
    }
}
