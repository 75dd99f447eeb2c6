//! The functions the Kubernetes API server adds to CEL that the vendored
//! CRDs call (k8s.io/apiserver `pkg/cel/library`): only those, each as the
//! API server defines it. A rule calling anything else is reported as not
//! checked, never passed (see `Rule::compile`).
use std::net::IpAddr;
use std::sync::Arc;

use cel::extractors::This;
use cel::objects::{Opaque, OptionalValue};
use cel::{Context, ExecutionError, ResolveResult, Value};

/// The names this module adds, for the check that every function a rule
/// calls is defined.
pub(super) const FUNCTIONS: &[&str] = &["isIP", "format.dns1123Label", "validate"];

/// Adds the functions to a root context.
pub(super) fn register(context: &mut Context<'_, '_>) {
    // The names are not the standard library's: adding them cannot fail.
    let added = [
        context.add_function("isIP", is_ip),
        context.add_function("format.dns1123Label", || -> Value {
            Value::Opaque(Arc::new(Format::Dns1123Label))
        }),
        context.add_function("validate", validate),
    ];
    debug_assert!(added.iter().all(Result::is_ok), "{added:?}");
}

/// `isIP(string)`: an IPv4 or IPv6 address as Go's `netip.ParseAddr` reads
/// it, without a zone and not IPv4-mapped (library/ip.go).
fn is_ip(text: Arc<String>) -> bool {
    match text.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => true,
        Ok(IpAddr::V6(v6)) => v6.to_ipv4_mapped().is_none(),
        Err(_) => false,
    }
}

/// A named format of `format.<name>()` (library/format.go).
#[derive(Debug, PartialEq, Eq)]
enum Format {
    Dns1123Label,
}

impl Opaque for Format {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.NamedFormat"
    }
}

impl Format {
    /// The reasons `text` is not of this format; none when it is.
    fn errors(&self, text: &str) -> Vec<String> {
        match self {
            Format::Dns1123Label => {
                let mut errors = Vec::new();
                if text.len() > 63 {
                    errors.push("must be no more than 63 characters".to_string());
                }
                let bytes = text.as_bytes();
                let inner = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
                let edge = |b: Option<&u8>| b.is_some_and(|b| *b != b'-' && inner(b));
                if !(bytes.iter().all(inner) && edge(bytes.first()) && edge(bytes.last())) {
                    errors.push(
                        "a lowercase RFC 1123 label must consist of lower case alphanumeric \
                         characters or '-', and must start and end with an alphanumeric character"
                            .to_string(),
                    );
                }
                errors
            }
        }
    }
}

/// `<format>.validate(string)`: `optional.none()` when the text is of the
/// format, else the optional list of reasons. (A rule comparing the result
/// with `null` is therefore always false, in the API server too.)
fn validate(This(format): This<Value>, text: Arc<String>) -> ResolveResult {
    let format = match &format {
        Value::Opaque(opaque) => opaque.downcast_ref::<Format>(),
        _ => None,
    }
    .ok_or_else(|| {
        ExecutionError::function_error("validate", "expects a format, from format.<name>()")
    })?;
    let errors = format.errors(&text);
    let optional = if errors.is_empty() {
        OptionalValue::none()
    } else {
        OptionalValue::of(errors.into())
    };
    Ok(Value::Opaque(Arc::new(optional)))
}
