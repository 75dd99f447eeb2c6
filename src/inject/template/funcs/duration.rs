//! Istio's `formatDuration`: a protobuf Duration printed as Go's
//! `time.Duration.String()` prints it (`1m0s`, `1.5s`, `500ms`, `0s`).

use serde_json::Value as Json;

const NANOS_PER_SECOND: i128 = 1_000_000_000;
/// protojson refuses Durations beyond ten thousand years either way.
const MAX_SECONDS: i64 = 315_576_000_000;

/// `formatDuration D`. Our data holds a Duration as protojson writes it
/// (`"60s"`, `"1.5s"`), or as its fields (`{seconds, nanos}`); a missing one
/// is Go's nil pointer, which formats as `0s`.
pub fn format_duration(value: &Json) -> Result<String, String> {
    Ok(go_duration_string(duration_nanos(value)?))
}

fn duration_nanos(value: &Json) -> Result<i64, String> {
    let (seconds, nanos) = match value {
        Json::Null => (0, 0),
        Json::String(text) => parse_proto_duration(text).ok_or_else(|| {
            format!(
                "{text:?} is not a protobuf Duration (seconds with an `s` suffix, e.g. \"1.5s\")"
            )
        })?,
        Json::Object(fields) => (
            integer_field(fields.get("seconds"), "seconds")?,
            integer_field(fields.get("nanos"), "nanos")?,
        ),
        other => {
            return Err(format!(
                "{} {} is not a protobuf Duration",
                crate::source::json_type_name(other),
                super::print(other)
            ))
        }
    };
    // `AsDuration`: seconds and nanoseconds summed, saturating at the ends
    // of Go's int64 nanosecond range.
    let total = i128::from(seconds) * NANOS_PER_SECOND + i128::from(nanos);
    Ok(total.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// A `seconds` or `nanos` field: a number, or protojson's quoted int64.
fn integer_field(value: Option<&Json>, name: &str) -> Result<i64, String> {
    let parsed = match value {
        None | Some(Json::Null) => Some(0),
        Some(Json::Number(n)) => n.as_i64(),
        Some(Json::String(s)) => s.parse().ok(),
        Some(_) => None,
    };
    parsed.ok_or_else(|| format!("Duration field `{name}` is not an integer"))
}

/// protojson's Duration text: an optional sign, whole seconds without
/// leading zeros, up to nine fractional digits, then `s` (`1s`, `-.5s`,
/// `1.s`). Returns seconds and nanoseconds, both carrying the sign.
pub fn parse_proto_duration(text: &str) -> Option<(i64, i64)> {
    let body = text.strip_suffix('s')?;
    let (negative, body) = match body.as_bytes().first()? {
        b'-' => (true, &body[1..]),
        b'+' => (false, &body[1..]),
        _ => (false, body),
    };
    let (whole, fraction) = match body.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (body, None),
    };
    if whole.is_empty() && fraction.is_none() {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || (whole.len() > 1 && whole.starts_with('0')) {
        return None;
    }
    let seconds: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let nanos: i64 = match fraction {
        Some(digits) if digits.len() > 9 || !all_digits(digits) => return None,
        Some(digits) => format!("{digits:0<9}").parse().ok()?,
        None => 0,
    };
    if seconds > MAX_SECONDS {
        return None;
    }
    Some(if negative {
        (-seconds, -nanos)
    } else {
        (seconds, nanos)
    })
}

/// Go's `time.Duration.String()`: hours, minutes and seconds with a
/// fraction (`2h45m0s`, `1.5s`); under a second, the largest of ms, µs and
/// ns that keeps a non-zero leading digit (`1.5ms`, `1µs`); zero is `0s`.
pub fn go_duration_string(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let magnitude = nanos.unsigned_abs();
    let text = if magnitude == 0 {
        return "0s".into();
    } else if magnitude < 1_000 {
        format!("{magnitude}ns")
    } else if magnitude < 1_000_000 {
        let (whole, fraction) = split_fraction(magnitude, 3);
        format!("{whole}{fraction}µs")
    } else if magnitude < 1_000_000_000 {
        let (whole, fraction) = split_fraction(magnitude, 6);
        format!("{whole}{fraction}ms")
    } else {
        let (seconds, fraction) = split_fraction(magnitude, 9);
        let minutes = seconds / 60;
        let hours = minutes / 60;
        if hours > 0 {
            format!("{hours}h{}m{}{fraction}s", minutes % 60, seconds % 60)
        } else if minutes > 0 {
            format!("{minutes}m{}{fraction}s", seconds % 60)
        } else {
            format!("{seconds}{fraction}s")
        }
    };
    format!("{sign}{text}")
}

/// `value / 10^digits` and its remainder as `.ddd` without trailing zeros
/// (empty when the remainder is zero).
fn split_fraction(value: u64, digits: u32) -> (u64, String) {
    let scale = 10u64.pow(digits);
    let remainder = value % scale;
    if remainder == 0 {
        return (value / scale, String::new());
    }
    let padded = format!("{remainder:0width$}", width = digits as usize);
    (value / scale, format!(".{}", padded.trim_end_matches('0')))
}
