//! A small YAML emitter for JSON values (block style, strings quoted whenever
//! a plain scalar could be read back as something else).

use serde_json::Value as Json;

pub fn to_yaml(value: &Json) -> String {
    let mut out = String::new();
    match value {
        Json::Array(items) if items.is_empty() => out.push_str("[]\n"),
        Json::Object(map) if map.is_empty() => out.push_str("{}\n"),
        Json::Array(_) | Json::Object(_) => write_block(value, 0, &mut out),
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
    out
}

fn write_block(value: &Json, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Json::Object(map) => {
            for (key, item) in map {
                out.push_str(&pad);
                out.push_str(&string_text(key));
                out.push(':');
                write_child(item, indent + 2, out);
            }
        }
        Json::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                match item {
                    // A mapping starts on the dash's line, as kubectl writes it.
                    Json::Object(map) if !map.is_empty() => {
                        let mut nested = String::new();
                        write_block(item, indent + 2, &mut nested);
                        out.push(' ');
                        out.push_str(nested.trim_start());
                    }
                    _ => write_child(item, indent + 2, out),
                }
            }
        }
        _ => {}
    }
}

fn write_child(value: &Json, indent: usize, out: &mut String) {
    match value {
        Json::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_block(value, indent, out);
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_block(value, indent.saturating_sub(2), out);
        }
        Json::Object(_) => out.push_str(" {}\n"),
        Json::Array(_) => out.push_str(" []\n"),
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn scalar_text(value: &Json) -> String {
    match value {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => string_text(s),
        _ => String::new(),
    }
}

/// Plain when unambiguous, else a JSON-style double-quoted string (valid YAML).
fn string_text(text: &str) -> String {
    let plain_safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _-./()@,'+=".contains(c))
        && !text.starts_with([' ', '-', '.', '\'', '@'])
        && !text.ends_with(' ')
        && !looks_like_other_scalar(text);
    if plain_safe {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_default()
    }
}

fn looks_like_other_scalar(text: &str) -> bool {
    matches!(
        text.to_ascii_lowercase().as_str(),
        "null" | "~" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | ".inf" | ".nan"
    ) || text.parse::<f64>().is_ok()
        || text.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn emits_block_yaml_that_reads_back() {
        let value = json!([{"code": "IST0106", "line": 12, "ok": true, "message": "x: \"y\"", "n": "10", "items": ["a", {"b": 1}], "empty": {}}]);
        let text = to_yaml(&value);
        assert_eq!(
            text,
            "- code: IST0106\n  line: 12\n  ok: true\n  message: \"x: \\\"y\\\"\"\n  \"n\": \"10\"\n  items:\n  - a\n  - b: 1\n  empty: {}\n"
        );
        let stream = crate::source::yaml::parse_stream(&text);
        let root = stream.documents.into_iter().find_map(|d| d.root).unwrap();
        assert_eq!(root.to_json(), value);
    }
}
