//! The functions Istio's injection templates call: Go's builtins, the sprig
//! functions the templates use, and Istio's own (`pkg/kube/inject/template.go`).

mod duration;
mod escape;
mod istio;
mod semver;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value as Json};

use crate::inject::gojson::{self, GoType};
use crate::inject::goyaml;

/// Every function name templates may call; checked when a template is parsed.
pub const NAMES: &[&str] = &[
    // Go builtins
    "and",
    "or",
    "not",
    "len",
    "index",
    "print",
    "printf",
    "println",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "html",
    "js",
    "urlquery",
    "slice", // sprig's, which replaces Go's
    // sprig
    "default",
    "empty",
    "coalesce",
    "ternary",
    "quote",
    "squote",
    "trunc",
    "trim",
    "trimAll",
    "trimPrefix",
    "trimSuffix",
    "hasPrefix",
    "hasSuffix",
    "list",
    "append",
    "join",
    "nindent",
    "lower",
    "upper",
    "title",
    "replace",
    "split",
    "splitList",
    "dict",
    "hasKey",
    "keys",
    "toJson",
    "toString",
    "int",
    "int64",
    "float64",
    "add",
    "add1",
    "sub",
    "mul",
    "div",
    "mod",
    "max",
    "min",
    "repeat",
    "substr",
    "first",
    "last",
    "b64enc",
    "b64dec",
    "cat",
    "toPrettyJson",
    "kindIs",
    "typeOf",
    "sortAlpha",
    "uniq",
    "has",
    "regexMatch",
    "toStrings",
    "compact",
    "get",
    "set",
    "omit",
    "pick",
    "fromJson",
    "trimall",
    "nospace",
    "semverCompare",
    // Istio
    "isset",
    "annotation",
    "valueOrDefault",
    "toJSON",
    "fromJSON",
    "structToJSON",
    "protoToJSON",
    "toYaml",
    "indent",
    "omitNil",
    "contains",
    "toLower",
    "directory",
    "appendMultusNetwork",
    "env",
    "strdict",
    "excludeInboundPort",
    "includeInboundPorts",
    "kubevirtInterfaces",
    "excludeInterfaces",
    "applicationPorts",
    "formatDuration",
    "otelResourceAttributes",
    "toJsonMap",
    "mergeMaps",
];

/// sprig functions Istio's injector offers that we do not: a template
/// calling one is refused when parsed, saying that it is sprig's.
const SPRIG_NOT_IMPLEMENTED: &str = "\
    hello ago date date_in_zone date_modify dateInZone dateModify duration durationRound \
    htmlDate htmlDateInZone must_date_modify mustDateModify mustToDate now toDate unixEpoch \
    abbrev abbrevboth untitle initials randAlphaNum randAlpha randAscii randNumeric swapcase \
    shuffle snakecase camelcase kebabcase wrap wrapWith plural sha1sum sha256sum sha512sum \
    adler32sum atoi seq toDecimal splitn until untilStep randInt add1f addf subf divf mulf \
    biggest maxf minf ceil floor round all any mustCompact toRawJson mustFromJson mustToJson \
    mustToPrettyJson mustToRawJson deepCopy mustDeepCopy typeIs typeIsLike kindOf deepEqual \
    expandenv getHostByName base dir clean ext isAbs osBase osClean osDir osExt osIsAbs \
    b32enc b32dec tuple unset pluck merge mergeOverwrite mustMerge mustMergeOverwrite values \
    mustAppend prepend mustPrepend mustFirst rest mustRest mustLast initial mustInitial \
    reverse mustReverse mustUniq without mustWithout mustHas mustSlice concat dig chunk \
    mustChunk bcrypt htpasswd genPrivateKey derivePassword buildCustomCert genCA \
    genCAWithKey genSelfSignedCert genSelfSignedCertWithKey genSignedCert \
    genSignedCertWithKey encryptAES decryptAES randBytes uuidv4 semver fail mustRegexMatch \
    regexFindAll mustRegexFindAll regexFind mustRegexFind regexReplaceAll \
    mustRegexReplaceAll regexReplaceAllLiteral mustRegexReplaceAllLiteral regexSplit \
    mustRegexSplit regexQuoteMeta urlParse urlJoin";

/// Whether a template may call `name`, checked when it is parsed: every
/// name accepted here runs; the rest are refused with the reason.
pub fn check_name(name: &str) -> Result<(), String> {
    if NAMES.contains(&name) {
        Ok(())
    } else if name == "call" {
        Err("`call` is not supported: injection data holds no functions".into())
    } else if SPRIG_NOT_IMPLEMENTED.split_whitespace().any(|n| n == name) {
        Err(format!(
            "function {name:?} not defined (sprig has it; mesh's template engine does not)"
        ))
    } else {
        Err(format!("function {name:?} not defined"))
    }
}

/// Go's truth: false, 0, nil and empty strings, lists and maps are false.
pub fn truth(value: &Json) -> bool {
    match value {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(m) => !m.is_empty(),
    }
}

/// `{{ value }}` as Go's `fmt.Sprint` writes it.
pub fn print(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        _ => go_value(value),
    }
}

/// `%v` of a value nested in a list or map.
fn go_value(value: &Json) -> String {
    match value {
        Json::Null => "<nil>".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => number_text(n),
        Json::String(s) => s.clone(),
        Json::Array(items) => format!(
            "[{}]",
            items.iter().map(go_value).collect::<Vec<_>>().join(" ")
        ),
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", go_value(&map[*k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 1e6 {
        format!("{f:.0}")
    } else if f.abs() >= 1e21
        || (f != 0.0 && f.abs() < 1e-4)
        || (f.fract() == 0.0 && f.abs() >= 1e6)
    {
        let text = format!("{f:e}");
        // Go writes e+06 where Rust writes e6.
        match text.split_once('e') {
            Some((mantissa, exp)) => {
                let (sign, digits) = match exp.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', exp),
                };
                format!("{mantissa}e{sign}{digits:0>2}")
            }
            None => text,
        }
    } else {
        f.to_string()
    }
}

/// `x.Name`: a map key, or a Go field or getter on our JSON rendering of a
/// Go struct (`Annotations` → `annotations`, `GetValue` on a wrapper).
pub fn field(value: &Json, name: &str) -> Json {
    field_ref(value, name).cloned().unwrap_or(Json::Null)
}

/// [`field`] without copying: `None` is a missing value.
pub fn field_ref<'v>(value: &'v Json, name: &str) -> Option<&'v Json> {
    match value {
        Json::Object(map) => {
            if let Some(found) = map.get(name) {
                return Some(found);
            }
            if let Some(found) = map.get(&lower_camel(name)) {
                return Some(found);
            }
            match name.strip_prefix("Get") {
                Some(rest) if !rest.is_empty() => field_ref(value, rest),
                _ => None,
            }
        }
        // Protobuf wrappers and enums are plain JSON values here.
        Json::Bool(_) | Json::Number(_) | Json::String(_)
            if name == "GetValue" || name == "String" =>
        {
            Some(value)
        }
        _ => None,
    }
}

/// `APIVersion` → `apiVersion`, `ServiceAccountName` → `serviceAccountName`.
pub fn lower_camel(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let upper_run = chars.iter().take_while(|c| c.is_ascii_uppercase()).count();
    let lower_count = if upper_run > 1 && upper_run < chars.len() {
        upper_run - 1
    } else {
        upper_run.max(1).min(chars.len())
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < lower_count {
                c.to_ascii_lowercase()
            } else {
                *c
            }
        })
        .collect()
}

fn str_arg(args: &[Json], i: usize) -> String {
    args.get(i).map(print).unwrap_or_default()
}

fn int_arg(args: &[Json], i: usize) -> Result<i64, String> {
    match args.get(i) {
        Some(Json::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .ok_or("expected an integer".into()),
        Some(Json::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("expected an integer, found {s:?}")),
        Some(Json::Null) | None => Ok(0),
        Some(other) => Err(format!("expected an integer, found {}", print(other))),
    }
}

/// The most a count of spaces or repeats (`indent`, `nindent`, `repeat`,
/// printf widths and precisions) may be: a template cannot make the
/// injector allocate without bound.
const MAX_PAD: usize = 10_000;

/// A count argument, from 0 to [`MAX_PAD`].
fn pad_arg(args: &[Json], i: usize) -> Result<usize, String> {
    Ok(int_arg(args, i)?.clamp(0, MAX_PAD as i64) as usize)
}

fn want(args: &[Json], count: usize) -> Result<(), String> {
    if args.len() == count {
        Ok(())
    } else {
        Err(format!(
            "wrong number of args: want {count} got {}",
            args.len()
        ))
    }
}

fn want_at_least(args: &[Json], count: usize) -> Result<(), String> {
    if args.len() >= count {
        Ok(())
    } else {
        Err(format!(
            "wrong number of args: want at least {count} got {}",
            args.len()
        ))
    }
}

/// Equality as Go's `eq` sees it, with a missing value equal to any zero value.
pub fn equal(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Null, other) | (other, Json::Null) => match other {
            Json::Null => true,
            Json::Bool(b) => !b,
            Json::Number(n) => n.as_f64() == Some(0.0),
            Json::String(s) => s.is_empty(),
            Json::Array(_) | Json::Object(_) => false,
        },
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn compare(a: &Json, b: &Json) -> Result<std::cmp::Ordering, String> {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x
            .as_f64()
            .zip(y.as_f64())
            .and_then(|(x, y)| x.partial_cmp(&y))
            .ok_or_else(|| "incomparable numbers".into()),
        (Json::String(x), Json::String(y)) => Ok(x.cmp(y)),
        (Json::Null, Json::Number(y)) => Ok(0.0
            .partial_cmp(&y.as_f64().unwrap_or(0.0))
            .unwrap_or(std::cmp::Ordering::Equal)),
        (Json::Number(x), Json::Null) => Ok(x
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&0.0)
            .unwrap_or(std::cmp::Ordering::Equal)),
        _ => Err(format!(
            "incompatible types for comparison: {} and {}",
            print(a),
            print(b)
        )),
    }
}

/// sprig's `empty`.
fn empty(value: &Json) -> bool {
    !truth(value)
}

/// Go's `%q`.
fn go_quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `fmt.Sprintf` for the verbs templates use.
pub fn sprintf(format: &str, args: &[Json]) -> String {
    let mut out = String::new();
    let mut next = 0usize;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Flags and width, kept simple: `-`, `0`, `+` and digits.
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if f == '-'
                || f == '+'
                || f == '0'
                || f == ' '
                || f == '#'
                || f.is_ascii_digit()
                || f == '.'
            {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        let text = match verb {
            'v' | 's' => match arg {
                Json::Null if verb == 's' => "%!s(<nil>)".to_string(),
                Json::Null => "<nil>".to_string(),
                other => go_value(other),
            },
            'd' => match arg {
                Json::Number(n) => n.as_i64().map_or_else(|| number_text(n), |i| i.to_string()),
                other => format!("%!d({})", go_value(other)),
            },
            't' => match arg {
                Json::Bool(b) => b.to_string(),
                Json::Null => "false".into(),
                other => format!("%!t({})", go_value(other)),
            },
            'q' => go_quote(&print(arg)),
            'f' => {
                let precision = flags
                    .split_once('.')
                    .and_then(|(_, p)| p.parse::<usize>().ok())
                    .unwrap_or(6)
                    .min(MAX_PAD);
                match arg {
                    Json::Number(n) => format!("{:.*}", precision, n.as_f64().unwrap_or(0.0)),
                    other => format!("%!f({})", go_value(other)),
                }
            }
            'x' => match arg {
                Json::Number(n) => format!("{:x}", n.as_i64().unwrap_or(0)),
                other => print(other).bytes().map(|b| format!("{b:02x}")).collect(),
            },
            other => format!("%!{other}({})", go_value(arg)),
        };
        let width: usize = flags
            .trim_start_matches(['-', '+', '0', ' ', '#'])
            .split('.')
            .next()
            .and_then(|w| w.parse::<usize>().ok())
            .unwrap_or(0)
            .min(MAX_PAD);
        let pad = width.saturating_sub(text.chars().count());
        if flags.starts_with('-') {
            out.push_str(&text);
            out.push_str(&" ".repeat(pad));
        } else if flags.starts_with('0') && matches!(verb, 'd' | 'f') {
            out.push_str(&"0".repeat(pad));
            out.push_str(&text);
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&text);
        }
    }
    if next < args.len() {
        let extra: Vec<String> = args[next..].iter().map(go_value).collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

fn sorted_json(value: &Json) -> Json {
    match value {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Json::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted_json(&map[k])))
                    .collect(),
            )
        }
        Json::Array(items) => Json::Array(items.iter().map(sorted_json).collect()),
        other => other.clone(),
    }
}

fn omit_nil(value: &Json) -> Json {
    match value {
        Json::Object(map) => Json::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), omit_nil(v)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(omit_nil).collect()),
        other => other.clone(),
    }
}

/// Go's `index`: map keys and list positions, by reference.
pub fn index_ref<'v>(value: &'v Json, keys: &[Json]) -> Result<Option<&'v Json>, String> {
    let mut at = value;
    for key in keys {
        at = match (at, key) {
            (Json::Object(map), key) => match map.get(&print(key)) {
                Some(found) => found,
                None => return Ok(None),
            },
            (Json::Array(items), Json::Number(n)) => {
                let i = n.as_u64().ok_or("index out of range")? as usize;
                items
                    .get(i)
                    .ok_or_else(|| format!("index out of range: {i}"))?
            }
            (Json::Null, _) => return Ok(None),
            (other, key) => {
                return Err(format!(
                    "can't index item of type {} with {}",
                    crate::source::json_type_name(other),
                    print(key)
                ))
            }
        };
    }
    Ok(Some(at))
}

pub fn call(name: &str, args: Vec<Json>) -> Result<Json, String> {
    let s = |i| str_arg(&args, i);
    Ok(match name {
        "not" => {
            want(&args, 1)?;
            Json::Bool(!truth(&args[0]))
        }
        "len" => {
            want(&args, 1)?;
            Json::from(match &args[0] {
                Json::String(s) => s.len(),
                Json::Array(a) => a.len(),
                Json::Object(m) => m.len(),
                Json::Null => 0,
                other => return Err(format!("len of {}", print(other))),
            })
        }
        "index" => {
            want_at_least(&args, 1)?;
            index_ref(&args[0], &args[1..])?
                .cloned()
                .unwrap_or(Json::Null)
        }
        "slice" => {
            // sprig's `slice` replaces Go's: lists only, an empty one gives nil.
            want_at_least(&args, 1)?;
            let Json::Array(items) = &args[0] else {
                return Err(format!(
                    "list should be type of slice or array but {}",
                    kind_name(&args[0])
                ));
            };
            if items.is_empty() {
                return Ok(Json::Null);
            }
            let start = if args.len() > 1 {
                int_arg(&args, 1)?
            } else {
                0
            };
            let end = if args.len() > 2 {
                int_arg(&args, 2)?
            } else {
                items.len() as i64
            };
            let range = usize::try_from(start).ok().zip(usize::try_from(end).ok());
            match range.and_then(|(start, end)| items.get(start..end)) {
                Some(part) => Json::Array(part.to_vec()),
                None => return Err(format!("slice index out of range: [{start}:{end}]")),
            }
        }
        "print" => Json::String(sprint(&args)),
        "println" => Json::String(format!(
            "{}\n",
            args.iter().map(go_value).collect::<Vec<_>>().join(" ")
        )),
        "printf" => {
            want_at_least(&args, 1)?;
            Json::String(sprintf(&s(0), &args[1..]))
        }
        "eq" => {
            want_at_least(&args, 2)?;
            Json::Bool(args[1..].iter().any(|b| equal(&args[0], b)))
        }
        "ne" => {
            want(&args, 2)?;
            Json::Bool(!equal(&args[0], &args[1]))
        }
        "lt" | "le" | "gt" | "ge" => {
            want(&args, 2)?;
            let order = compare(&args[0], &args[1])?;
            use std::cmp::Ordering::*;
            Json::Bool(match name {
                "lt" => order == Less,
                "le" => order != Greater,
                "gt" => order == Greater,
                _ => order != Less,
            })
        }
        "html" => Json::String(escape::html_escape(&escape::escaper_text(&args))),
        "js" => Json::String(escape::js_escape(&escape::escaper_text(&args))),
        "urlquery" => Json::String(escape::query_escape(&escape::escaper_text(&args))),
        "default" => {
            want_at_least(&args, 1)?;
            match args.get(1) {
                Some(given) if !empty(given) => given.clone(),
                _ => args[0].clone(),
            }
        }
        "empty" => {
            want(&args, 1)?;
            Json::Bool(empty(&args[0]))
        }
        "coalesce" => args
            .iter()
            .find(|a| !empty(a))
            .cloned()
            .unwrap_or(Json::Null),
        "ternary" => {
            want(&args, 3)?;
            if truth(&args[2]) {
                args[0].clone()
            } else {
                args[1].clone()
            }
        }
        "quote" | "squote" => {
            let parts: Vec<String> = args
                .iter()
                .filter(|a| !a.is_null())
                .map(|a| {
                    if name == "quote" {
                        go_quote(&print(a))
                    } else {
                        format!("'{}'", print(a))
                    }
                })
                .collect();
            Json::String(parts.join(" "))
        }
        "trunc" => {
            want(&args, 2)?;
            let n = int_arg(&args, 0)?;
            let text = s(1);
            let cut = if n >= 0 {
                let n = n as usize;
                if text.len() > n {
                    text.get(..n).unwrap_or(&text).to_string()
                } else {
                    text
                }
            } else {
                let n = n.unsigned_abs() as usize;
                if text.len() > n {
                    text.get(text.len() - n..).unwrap_or(&text).to_string()
                } else {
                    text
                }
            };
            Json::String(cut)
        }
        "trim" => Json::String(s(0).trim().to_string()),
        "nospace" => Json::String(s(0).chars().filter(|c| !c.is_whitespace()).collect()),
        "trimAll" | "trimall" => {
            want(&args, 2)?;
            let cutset: Vec<char> = s(0).chars().collect();
            Json::String(s(1).trim_matches(|c| cutset.contains(&c)).to_string())
        }
        "trimPrefix" => {
            want(&args, 2)?;
            let text = s(1);
            Json::String(
                text.strip_prefix(s(0).as_str())
                    .unwrap_or(&text)
                    .to_string(),
            )
        }
        "trimSuffix" => {
            want(&args, 2)?;
            let text = s(1);
            Json::String(
                text.strip_suffix(s(0).as_str())
                    .unwrap_or(&text)
                    .to_string(),
            )
        }
        "hasPrefix" => Json::Bool(s(1).starts_with(&s(0))),
        "hasSuffix" => Json::Bool(s(1).ends_with(&s(0))),
        "contains" => {
            want(&args, 2)?;
            Json::Bool(s(1).contains(&s(0)))
        }
        "list" => Json::Array(args),
        "append" => {
            want(&args, 2)?;
            let mut list = match &args[0] {
                Json::Array(items) => items.clone(),
                Json::Null => Vec::new(),
                other => return Err(format!("cannot append to {}", print(other))),
            };
            list.push(args[1].clone());
            Json::Array(list)
        }
        "join" => {
            want(&args, 2)?;
            Json::String(string_list(&args[1]).join(&s(0)))
        }
        "split" | "splitList" => {
            want(&args, 2)?;
            let parts = s(1)
                .split(s(0).as_str())
                .map(|p| Json::String(p.into()))
                .collect::<Vec<_>>();
            if name == "splitList" {
                Json::Array(parts)
            } else {
                Json::Object(
                    parts
                        .into_iter()
                        .enumerate()
                        .map(|(i, p)| (format!("_{i}"), p))
                        .collect(),
                )
            }
        }
        "indent" => {
            want(&args, 2)?;
            let spaces = int_arg(&args, 0)?.unsigned_abs().min(MAX_PAD as u64) as usize;
            Json::String(istio::indent(spaces, &s(1)))
        }
        "nindent" => {
            want(&args, 2)?;
            let pad = " ".repeat(pad_arg(&args, 0)?);
            Json::String(format!(
                "\n{pad}{}",
                s(1).replace('\n', &format!("\n{pad}"))
            ))
        }
        "lower" | "toLower" => Json::String(s(0).to_lowercase()),
        "upper" => Json::String(s(0).to_uppercase()),
        "title" => Json::String(go_title(&s(0))),
        "replace" => {
            want(&args, 3)?;
            Json::String(s(2).replace(&s(0), &s(1)))
        }
        "repeat" => {
            let count = pad_arg(&args, 0)?;
            Json::String(s(1).repeat(count))
        }
        "substr" => {
            want(&args, 3)?;
            let text = s(2);
            let start = int_arg(&args, 0)?.max(0) as usize;
            let end = int_arg(&args, 1)?;
            let end = if end < 0 {
                text.len()
            } else {
                (end as usize).min(text.len())
            };
            Json::String(text.get(start.min(end)..end).unwrap_or("").to_string())
        }
        "cat" => Json::String(
            args.iter()
                .filter(|a| !a.is_null())
                .map(print)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "dict" | "strdict" => {
            // A key without a value maps to "".
            let mut map = Map::new();
            for pair in args.chunks(2) {
                let value = pair.get(1).cloned().unwrap_or(Json::String(String::new()));
                let value = if name == "strdict" {
                    Json::String(print(&value))
                } else {
                    value
                };
                map.insert(go_value(&pair[0]), value);
            }
            Json::Object(map)
        }
        "hasKey" => Json::Bool(
            args.first()
                .and_then(Json::as_object)
                .is_some_and(|m| m.contains_key(&s(1))),
        ),
        "get" => args
            .first()
            .and_then(|m| m.get(s(1)))
            .cloned()
            .unwrap_or(Json::String(String::new())),
        // Every map's keys, repeats kept, as sprig's.
        "keys" => Json::Array(
            args.iter()
                .filter_map(Json::as_object)
                .flat_map(|m| m.keys().map(|k| Json::String(k.clone())))
                .collect(),
        ),
        "has" => Json::Bool(
            args.get(1)
                .and_then(Json::as_array)
                .is_some_and(|l| l.iter().any(|i| equal(i, &args[0]))),
        ),
        "first" => args
            .first()
            .and_then(Json::as_array)
            .and_then(|l| l.first())
            .cloned()
            .unwrap_or(Json::Null),
        "last" => args
            .first()
            .and_then(Json::as_array)
            .and_then(|l| l.last())
            .cloned()
            .unwrap_or(Json::Null),
        "uniq" => {
            let mut out: Vec<Json> = Vec::new();
            for item in args.first().and_then(Json::as_array).into_iter().flatten() {
                if !out.contains(item) {
                    out.push(item.clone());
                }
            }
            Json::Array(out)
        }
        "compact" => Json::Array(
            args.first()
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter(|i| !empty(i))
                .cloned()
                .collect(),
        ),
        "sortAlpha" => {
            want(&args, 1)?;
            let mut items = match &args[0] {
                list @ Json::Array(_) => string_list(list),
                other => vec![go_value(other)],
            };
            items.sort();
            Json::Array(items.into_iter().map(Json::String).collect())
        }
        "toStrings" => {
            want(&args, 1)?;
            Json::Array(
                string_list(&args[0])
                    .into_iter()
                    .map(Json::String)
                    .collect(),
            )
        }
        "toString" => {
            want(&args, 1)?;
            Json::String(go_value(&args[0]))
        }
        "int" | "int64" => Json::from(int_arg(&args, 0)?),
        "float64" => match args.first() {
            Some(Json::Number(n)) => Json::Number(n.clone()),
            _ => Json::from(s(0).trim().parse::<f64>().unwrap_or(0.0)),
        },
        "add" => Json::from((0..args.len()).try_fold(0i64, |sum, i| {
            int_arg(&args, i).map(|n| sum.saturating_add(n))
        })?),
        "add1" => Json::from(int_arg(&args, 0)?.saturating_add(1)),
        "sub" => Json::from(int_arg(&args, 0)?.saturating_sub(int_arg(&args, 1)?)),
        "mul" => Json::from(int_arg(&args, 0)?.saturating_mul(int_arg(&args, 1)?)),
        "div" | "mod" => {
            let divisor = int_arg(&args, 1)?;
            if divisor == 0 {
                return Err("integer divide by zero".into());
            }
            let a = int_arg(&args, 0)?;
            // Go's: MinInt64 / -1 is MinInt64 (and % is 0), not an overflow.
            Json::from(if name == "div" {
                a.wrapping_div(divisor)
            } else {
                a.wrapping_rem(divisor)
            })
        }
        "max" => Json::from(
            (0..args.len())
                .map(|i| int_arg(&args, i))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .max()
                .unwrap_or(0),
        ),
        "min" => Json::from(
            (0..args.len())
                .map(|i| int_arg(&args, i))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .min()
                .unwrap_or(0),
        ),
        "b64enc" => {
            use base64::Engine;
            Json::String(base64::engine::general_purpose::STANDARD.encode(s(0)))
        }
        "b64dec" => {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s(0))
                .map_err(|e| e.to_string())?;
            Json::String(String::from_utf8_lossy(&bytes).into_owned())
        }
        "kindIs" => Json::Bool(kind_name(args.get(1).unwrap_or(&Json::Null)) == s(0)),
        "typeOf" => Json::String(go_type_name(args.first().unwrap_or(&Json::Null)).into()),
        // sprig's: a pattern that does not compile matches nothing.
        "regexMatch" => {
            want(&args, 2)?;
            Json::Bool(regex::Regex::new(&s(0)).is_ok_and(|re| re.is_match(&s(1))))
        }
        "omit" | "pick" => {
            let mut map = args
                .first()
                .and_then(Json::as_object)
                .cloned()
                .unwrap_or_default();
            let names: Vec<String> = args.iter().skip(1).map(print).collect();
            map.retain(|k, _| names.contains(k) == (name == "pick"));
            Json::Object(map)
        }
        "set" => {
            let mut map = args
                .first()
                .and_then(Json::as_object)
                .cloned()
                .unwrap_or_default();
            map.insert(s(1), args.get(2).cloned().unwrap_or(Json::Null));
            Json::Object(map)
        }
        "semverCompare" => {
            want(&args, 2)?;
            Json::Bool(semver::semver_compare(&s(0), &s(1))?)
        }
        "toJson" | "toJSON" => Json::String(match args.first() {
            None | Some(Json::Null) if name == "toJSON" => "{}".into(),
            Some(value) => gojson::to_string(value, GoType::Unknown),
            None => "null".into(),
        }),
        // Istio's: the maps merged, later ones winning; nil without any.
        "mergeMaps" => merge_maps(&args),
        "toJsonMap" => Json::String(gojson::to_string(&merge_maps(&args), GoType::Unknown)),
        "toPrettyJson" => Json::String(go_html_safe(
            &serde_json::to_string_pretty(&sorted_json(args.first().unwrap_or(&Json::Null)))
                .map_err(|e| e.to_string())?,
        )),
        // Istio's `fromJSON` gives the string "{}" for text that is not JSON;
        // sprig's `fromJson` gives nil.
        "fromJSON" => serde_json::from_str(&s(0)).unwrap_or_else(|_| Json::String("{}".into())),
        "fromJson" => serde_json::from_str(&s(0)).unwrap_or(Json::Null),
        "structToJSON" => Json::String(match args.first() {
            None | Some(Json::Null) => "{}".into(),
            Some(value) => {
                crate::inject::gojson::to_string(value, crate::inject::gojson::guess_type(value))
            }
        }),
        "protoToJSON" => Json::String(crate::inject::proxy_config_json(
            args.first().unwrap_or(&Json::Null),
        )),
        // Istio's, not sprig's: the final newline is kept.
        "toYaml" => Json::String(goyaml::to_yaml(args.first().unwrap_or(&Json::Null))),
        "omitNil" => omit_nil(args.first().unwrap_or(&Json::Null)),
        "isset" => {
            want(&args, 2)?;
            Json::Bool(args[0].as_object().is_some_and(|m| m.contains_key(&s(1))))
        }
        "annotation" => {
            want(&args, 3)?;
            let annotations = field(&args[0], "Annotations");
            match annotations.get(s(1)) {
                Some(value) => Json::String(print(value)),
                None => Json::String(if args[2].is_null() {
                    "<nil>".into()
                } else {
                    print(&args[2])
                }),
            }
        }
        "valueOrDefault" => {
            want(&args, 2)?;
            match &args[0] {
                Json::Null => args[1].clone(),
                Json::String(s) if s.is_empty() => args[1].clone(),
                other => other.clone(),
            }
        }
        "excludeInboundPort" => {
            want(&args, 2)?;
            Json::String(istio::exclude_inbound_port(&args[0], &s(1)))
        }
        "includeInboundPorts" | "applicationPorts" => {
            want(&args, 1)?;
            Json::String(istio::container_ports(&args[0], name == "applicationPorts"))
        }
        // Istio's are the identity: kept for templates that still call them.
        "kubevirtInterfaces" | "excludeInterfaces" => Json::String(s(0)),
        "formatDuration" => {
            want(&args, 1)?;
            Json::String(duration::format_duration(&args[0])?)
        }
        "directory" => Json::String(istio::directory(&s(0))),
        "appendMultusNetwork" => {
            want(&args, 2)?;
            Json::String(istio::append_multus_network(&s(0), &s(1)))
        }
        "env" => {
            want(&args, 2)?;
            istio::env_or_default(&s(0), &args[1], istio::process_env)
        }
        "otelResourceAttributes" => {
            want(&args, 5)?;
            Json::String(istio::otel_resource_attributes(
                &args[0],
                &args[1],
                &args[2],
                &s(3),
                &args[4],
            ))
        }
        other => return Err(format!("function {other:?} not defined")),
    })
}

fn kind_name(value: &Json) -> &'static str {
    match value {
        Json::Null => "invalid",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_f64() => "float64",
        Json::Number(_) => "int",
        Json::String(_) => "string",
        Json::Array(_) => "slice",
        Json::Object(_) => "map",
    }
}

/// Go's `%T` of the value as a Go template would hold it.
fn go_type_name(value: &Json) -> &'static str {
    match value {
        Json::Null => "<nil>",
        Json::Array(_) => "[]interface {}",
        Json::Object(_) => "map[string]interface {}",
        other => kind_name(other),
    }
}

/// Go's `fmt.Sprint`: operands as `%v`, a space between two operands when
/// neither is a string.
fn sprint(args: &[Json]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 && !arg.is_string() && !args[i - 1].is_string() {
            out.push(' ');
        }
        out.push_str(&go_value(arg));
    }
    out
}

/// sprig's `strslice`: a list's non-nil items as strings (`%v`); nil is an
/// empty list and any other value a list of itself.
fn string_list(value: &Json) -> Vec<String> {
    match value {
        Json::Array(items) => items
            .iter()
            .filter(|item| !item.is_null())
            .map(go_value)
            .collect(),
        Json::Null => Vec::new(),
        other => vec![go_value(other)],
    }
}

/// Go's `strings.Title`: the first letter after each separator (anything
/// but ASCII letters, digits and `_`, non-ASCII letters and digits) upper
/// case, the rest as it is.
fn go_title(text: &str) -> String {
    use unicode_general_category::{get_general_category, GeneralCategory::*};
    let separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            !matches!(
                get_general_category(c),
                UppercaseLetter
                    | LowercaseLetter
                    | TitlecaseLetter
                    | ModifierLetter
                    | OtherLetter
                    | DecimalNumber
            ) && c.is_whitespace()
        }
    };
    let mut previous = ' ';
    text.chars()
        .map(|c| {
            let title = if separator(previous) {
                // Go maps one rune to one rune; a longer upper case stays as is.
                let mut upper = c.to_uppercase();
                match (upper.next(), upper.next()) {
                    (Some(single), None) => single,
                    _ => c,
                }
            } else {
                c
            };
            previous = c;
            title
        })
        .collect()
}

/// Istio's `mergeMaps`: the maps merged, later keys winning; nil when
/// given none.
fn merge_maps(maps: &[Json]) -> Json {
    if maps.is_empty() {
        return Json::Null;
    }
    let mut merged = Map::new();
    for map in maps.iter().filter_map(Json::as_object) {
        for (key, value) in map {
            merged.insert(key.clone(), value.clone());
        }
    }
    Json::Object(merged)
}

/// JSON text with `<`, `>` and `&` escaped as Go's encoder writes them
/// (they only occur inside strings).
fn go_html_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}
