//! YAML output as `sigs.k8s.io/yaml` (go-yaml v2) writes it, so injected
//! manifests match what `istioctl kube-inject` prints byte for byte: keys in
//! go-yaml's order, two-space indentation with sequences flush under their
//! key, YAML 1.1 quoting rules, literal blocks for multi-line strings and
//! long plain strings folded after column 80.

use std::cmp::Ordering;

use serde_json::Value as Json;

const BEST_WIDTH: usize = 80;

/// One document, ending in a newline (no `---`).
pub fn to_yaml(value: &Json) -> String {
    let mut out = String::new();
    match value {
        Json::Object(map) if !map.is_empty() => write_map(value, 0, &mut out),
        Json::Array(items) if !items.is_empty() => write_seq(items, 0, &mut out),
        other => {
            write_scalar(other, 0, &mut out);
            out.push('\n');
        }
    }
    out
}

/// go-yaml v2's key order: letters compare as text, runs of digits as
/// numbers, and other characters sort before letters.
pub fn key_order(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .saturating_mul(10)
                .saturating_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .saturating_mul(10)
                .saturating_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

fn sorted_keys(map: &serde_json::Map<String, Json>) -> Vec<&String> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by(|a, b| key_order(a, b));
    keys
}

fn column(out: &str) -> usize {
    match out.rfind('\n') {
        Some(i) => out[i + 1..].chars().count(),
        None => out.chars().count(),
    }
}

fn write_map(value: &Json, indent: usize, out: &mut String) {
    let Json::Object(map) = value else { return };
    let pad = " ".repeat(indent);
    for (n, key) in sorted_keys(map).into_iter().enumerate() {
        // The first key of a mapping inside a sequence item shares the dash's line.
        if n > 0 || !out.ends_with("- ") {
            out.push_str(&pad);
        }
        write_key(key, out);
        out.push(':');
        write_value(&map[key], indent, out);
    }
}

fn write_seq(items: &[Json], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for (n, item) in items.iter().enumerate() {
        if n > 0 || !out.ends_with("- ") {
            out.push_str(&pad);
        }
        out.push_str("- ");
        match item {
            Json::Object(map) if !map.is_empty() => write_map(item, indent + 2, out),
            Json::Array(inner) if !inner.is_empty() => write_seq(inner, indent + 2, out),
            other => {
                write_scalar(other, indent, out);
                out.push('\n');
            }
        }
    }
}

/// A mapping value after `key:`; `indent` is the key's column.
fn write_value(value: &Json, indent: usize, out: &mut String) {
    match value {
        Json::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(value, indent + 2, out);
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(items, indent, out);
        }
        other => {
            out.push(' ');
            write_scalar(other, indent, out);
            out.push('\n');
        }
    }
}

fn write_key(key: &str, out: &mut String) {
    match choose_style(key, true) {
        Style::Plain => out.push_str(key),
        Style::Single => write_single(key, 0, false, out),
        Style::Double | Style::Literal => write_double(key, 0, false, out),
    }
}

/// A scalar; `indent` is the column of the key or dash that owns it.
fn write_scalar(value: &Json, indent: usize, out: &mut String) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&number_text(n)),
        Json::String(text) => match choose_style(text, false) {
            Style::Plain => write_plain(text, indent + 2, out),
            Style::Single => write_single(text, indent + 2, true, out),
            Style::Double => write_double(text, indent + 2, true, out),
            Style::Literal => write_literal(text, indent + 2, out),
        },
        Json::Object(_) => out.push_str("{}"),
        Json::Array(_) => out.push_str("[]"),
    }
}

pub fn number_text(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f.abs() >= 1e21 {
            return format!("{f:e}");
        }
        return format!("{f:.0}");
    }
    let text = format!("{f}");
    if f.abs() < 1e-4 {
        let text = format!("{f:e}");
        if let Some((m, e)) = text.split_once('e') {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e),
            };
            return format!("{m}e{sign}{digits:0>2}");
        }
    }
    text
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// What go-yaml's `stringv` and `yaml_emitter_select_scalar_style` pick.
fn choose_style(text: &str, key: bool) -> Style {
    let wanted = if text.contains('\n') {
        Style::Literal
    } else if !resolves_to_non_string(text) {
        Style::Plain
    } else {
        Style::Double
    };
    let a = analyze(text);
    let mut style = wanted;
    if key && a.multiline {
        style = Style::Double;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (text.is_empty() && key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_quoted_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block_allowed || key) {
        style = Style::Double;
    }
    style
}

struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let count = text.chars().count();
    let mut block_indicators = text.starts_with("---") || text.starts_with("...");
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break, mut previous_space, mut previous_break) =
        (false, false, false, false);
    let (mut line_breaks, mut special) = (false, false);
    let mut preceded_by_whitespace = true;
    let blank = |c: char| c == ' ' || c == '\t';
    for (i, (at, c)) in text.char_indices().enumerate() {
        let next = text[at + c.len_utf8()..].chars().next();
        let followed_by_whitespace = next.is_none_or(|n| blank(n) || n == '\n' || n == '\r');
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' if followed_by_whitespace => block_indicators = true,
                '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == count {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if c == '\n' || c == '\r' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}' {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == count {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = blank(c) || c == '\n' || c == '\r';
    }
    let mut analysis = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        analysis.block_plain_allowed = false;
    }
    if trailing_space {
        analysis.block_allowed = false;
    }
    if break_space {
        analysis.block_plain_allowed = false;
        analysis.single_quoted_allowed = false;
    }
    if space_break || special {
        analysis.block_plain_allowed = false;
        analysis.single_quoted_allowed = false;
        analysis.block_allowed = false;
    }
    if line_breaks || block_indicators {
        analysis.block_plain_allowed = false;
    }
    analysis
}

/// Whether go-yaml v2 (YAML 1.1) would read the plain text as something
/// other than a string: null, a bool, a number, a timestamp, a merge key.
pub fn resolves_to_non_string(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF", "<<",
    ];
    if WORDS.contains(&text) {
        return true;
    }
    let first = text.chars().next().unwrap_or(' ');
    if !(first.is_ascii_digit() || matches!(first, '-' | '+' | '.')) {
        return false;
    }
    let plain = text.replace('_', "");
    if is_go_int(&plain) || is_yaml_float(&plain) || is_base60(text) || is_timestamp(text) {
        return true;
    }
    false
}

fn is_go_int(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    if body.is_empty() {
        return false;
    }
    let (digits, radix) = if let Some(h) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (b, 2)
    } else if let Some(o) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (o, 8)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix))
}

fn is_yaml_float(text: &str) -> bool {
    // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mantissa_ok = if let Some(frac) = mantissa.strip_prefix('.') {
        !frac.is_empty() && frac.chars().all(|c| c.is_ascii_digit())
    } else {
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        !int.is_empty()
            && int.chars().all(|c| c.is_ascii_digit())
            && frac.chars().all(|c| c.is_ascii_digit())
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

fn is_base60(text: &str) -> bool {
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (main, frac) = body.split_once('.').unwrap_or((body, ""));
    let mut parts = main.split(':');
    let Some(head) = parts.next() else {
        return false;
    };
    let head_ok = head.starts_with(|c: char| c.is_ascii_digit())
        && head.chars().all(|c| c.is_ascii_digit() || c == '_');
    let rest: Vec<&str> = parts.collect();
    head_ok
        && !rest.is_empty()
        && rest.iter().all(|p| {
            let b = p.as_bytes();
            match b.len() {
                1 => b[0].is_ascii_digit(),
                2 => (b'0'..=b'5').contains(&b[0]) && b[1].is_ascii_digit(),
                _ => false,
            }
        })
        && frac.chars().all(|c| c.is_ascii_digit() || c == '_')
}

fn is_timestamp(text: &str) -> bool {
    // go-yaml v2 reads YYYY-MM-DD (optionally with a time) as a timestamp.
    let b = text.as_bytes();
    b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && {
        let rest = &text[5..];
        let mut parts = rest.splitn(2, '-');
        let month = parts.next().unwrap_or("");
        let day_and_time = parts.next().unwrap_or("");
        let day: String = day_and_time
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        (1..=2).contains(&month.len())
            && month.chars().all(|c| c.is_ascii_digit())
            && (1..=2).contains(&day.len())
            && {
                let after = &day_and_time[day.len()..];
                after.is_empty() || after.starts_with(['T', 't', ' ', '\t'])
            }
    }
}

fn write_indent(indent: usize, out: &mut String) {
    out.push('\n');
    out.push_str(&" ".repeat(indent));
}

fn write_plain(text: &str, indent: usize, out: &mut String) {
    // Only spaces can fold a plain scalar.
    if !text.contains(' ') {
        out.push_str(text);
        return;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            if !spaces && column(out) > BEST_WIDTH && chars.get(i + 1) != Some(&' ') {
                write_indent(indent, out);
            } else {
                out.push(c);
            }
            spaces = true;
        } else {
            out.push(c);
            spaces = false;
        }
    }
}

fn write_single(text: &str, indent: usize, allow_breaks: bool, out: &mut String) {
    let chars: Vec<char> = text.chars().collect();
    out.push('\'');
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            if allow_breaks
                && !spaces
                && column(out) > BEST_WIDTH
                && i != 0
                && i + 1 != chars.len()
                && chars.get(i + 1) != Some(&' ')
            {
                write_indent(indent, out);
            } else {
                out.push(c);
            }
            spaces = true;
        } else {
            if c == '\'' {
                out.push('\'');
            }
            out.push(c);
            spaces = false;
        }
    }
    out.push('\'');
}

fn write_double(text: &str, indent: usize, allow_breaks: bool, out: &mut String) {
    let chars: Vec<char> = text.chars().collect();
    out.push('"');
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if !is_printable(c)
            || c == '\u{feff}'
            || c == '\n'
            || c == '"'
            || c == '\\'
            || c == '\u{85}'
            || c == '\u{a0}'
            || c == '\u{2028}'
            || c == '\u{2029}'
        {
            let escaped = match c {
                '\0' => "\\0".to_string(),
                '\u{7}' => "\\a".into(),
                '\u{8}' => "\\b".into(),
                '\t' => "\\t".into(),
                '\n' => "\\n".into(),
                '\u{b}' => "\\v".into(),
                '\u{c}' => "\\f".into(),
                '\r' => "\\r".into(),
                '\u{1b}' => "\\e".into(),
                '"' => "\\\"".into(),
                '\\' => "\\\\".into(),
                '\u{85}' => "\\N".into(),
                '\u{a0}' => "\\_".into(),
                '\u{2028}' => "\\L".into(),
                '\u{2029}' => "\\P".into(),
                c if (c as u32) <= 0xff => format!("\\x{:02X}", c as u32),
                c if (c as u32) <= 0xffff => format!("\\u{:04X}", c as u32),
                c => format!("\\U{:08X}", c as u32),
            };
            out.push_str(&escaped);
            spaces = false;
        } else if c == ' ' {
            if allow_breaks && !spaces && column(out) > BEST_WIDTH && i != 0 && i + 1 != chars.len()
            {
                write_indent(indent, out);
                if chars.get(i + 1) == Some(&' ') {
                    out.push('\\');
                }
            } else {
                out.push(c);
            }
            spaces = true;
        } else {
            out.push(c);
            spaces = false;
        }
    }
    out.push('"');
}

fn write_literal(text: &str, indent: usize, out: &mut String) {
    out.push('|');
    if text.starts_with([' ', '\n']) {
        out.push('2');
    }
    let trailing = text.len() - text.trim_end_matches('\n').len();
    if trailing == 0 {
        out.push('-');
    } else if trailing > 1 || text.len() == 1 {
        out.push('+');
    }
    let body = if trailing == 0 {
        text
    } else {
        &text[..text.len() - 1]
    };
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quoting_follows_yaml_1_1() {
        let value = json!({"a": "15001", "b": "*", "c": "", "d": "true", "e": "on", "f": "plain text", "g": "x: y", "h": "1:20", "i": "-x", "j": "- x"});
        assert_eq!(
            to_yaml(&value),
            "a: \"15001\"\nb: '*'\nc: \"\"\nd: \"true\"\ne: \"on\"\nf: plain text\ng: 'x: y'\nh: \"1:20\"\ni: -x\nj: '- x'\n"
        );
    }

    #[test]
    fn sequences_sit_under_their_key_and_maps_share_the_dash_line() {
        let value = json!({"spec": {"containers": [{"name": "a", "args": ["x", "y"]}], "empty": {}, "none": []}});
        assert_eq!(
            to_yaml(&value),
            "spec:\n  containers:\n  - args:\n    - x\n    - \"y\"\n    name: a\n  empty: {}\n  none: []\n"
        );
    }

    #[test]
    fn multi_line_strings_are_literal_blocks_with_chomping() {
        let value = json!({"k": {"a": "{}\n", "b": "[\n  x\n]"}});
        assert_eq!(
            to_yaml(&value),
            "k:\n  a: |\n    {}\n  b: |-\n    [\n      x\n    ]\n"
        );
    }

    #[test]
    fn long_plain_strings_fold_after_column_80() {
        let words = vec!["word"; 30].join(" ");
        let text = to_yaml(&json!({ "key": words }));
        assert!(text.lines().count() > 1);
        assert!(
            text.lines().skip(1).all(|l| l.starts_with("  word")),
            "{text}"
        );
    }

    #[test]
    fn keys_sort_as_go_yaml_sorts_them() {
        let mut keys = vec!["b", "a10", "a2", "a.b", "ab", "A"];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(keys, vec!["A", "a.b", "a2", "a10", "ab", "b"]);
    }
}
