//! Go's `html`, `js` and `urlquery` template functions: the text of their
//! arguments (as `fmt.Sprint` joins them) escaped as Go's `text/template`
//! escapes it.

use serde_json::Value as Json;
use unicode_general_category::{get_general_category, GeneralCategory};

/// The text Go's escapers work on: one string argument as it is, otherwise
/// the arguments joined as `fmt.Sprint` joins them, a missing value (Go's
/// nil) counting as the string `<no value>`.
pub fn escaper_text(args: &[Json]) -> String {
    if let [Json::String(text)] = args {
        return text.clone();
    }
    let printable: Vec<Json> = args
        .iter()
        .map(|arg| match arg {
            Json::Null => Json::String("<no value>".into()),
            other => other.clone(),
        })
        .collect();
    super::sprint(&printable)
}

/// Go's `HTMLEscapeString`: the five markup characters as entities, NUL as
/// U+FFFD.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `JSEscapeString`: backslash-escaped quotes and backslashes, `\uXXXX`
/// for `<`, `>`, `&`, `=`, ASCII controls and non-printable runes; other
/// runes as they are.
pub fn js_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' | '>' | '&' | '=' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if c.is_ascii() || is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols
/// and the ASCII space. (Our table is Unicode 16; Go's is 15: runes
/// assigned in 16 print here and are escaped by Go.)
pub fn is_print(c: char) -> bool {
    use GeneralCategory::*;
    c == ' '
        || !matches!(
            get_general_category(c),
            Control
                | Format
                | PrivateUse
                | Surrogate
                | Unassigned
                | SpaceSeparator
                | LineSeparator
                | ParagraphSeparator
        )
}

/// Go's `url.QueryEscape`: ASCII letters, digits and `-_.~` stay, a space
/// becomes `+`, every other byte `%XX`.
pub fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}
