//! Suppressions: `-S 'CODE=Kind ns/name'` (globs with `*`) and the object
//! annotation `galley.istio.io/analyze-suppress: CODE[,CODE]` (or `*`), both as
//! istioctl reads them. A suppression that hides nothing is itself reported
//! (MESH001), so stale ones do not pile up.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Level};
use crate::index::Index;
use crate::model::Origin;
use crate::source::FieldPath;

/// The annotation istioctl reads for per-object suppressions.
pub const ANNOTATION: &str = "galley.istio.io/analyze-suppress";
/// The code of the "suppression matched nothing" finding.
pub const UNUSED_SUPPRESSION: &str = "MESH001";

/// One `-S` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub code: String,
    pub resource: String,
    pub text: String,
}

impl std::str::FromStr for Suppression {
    type Err = String;
    fn from_str(text: &str) -> Result<Suppression, String> {
        let (code, resource) = text
            .split_once('=')
            .filter(|(code, resource)| !code.trim().is_empty() && !resource.trim().is_empty())
            .ok_or_else(|| {
                format!("expected CODE=RESOURCE such as 'IST0102=Namespace frod', found {text:?}")
            })?;
        Ok(Suppression {
            code: code.trim().to_string(),
            resource: resource.trim().to_string(),
            text: text.to_string(),
        })
    }
}

impl Suppression {
    fn matches(&self, diagnostic: &Diagnostic) -> bool {
        let origin = diagnostic
            .origin
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        glob_match(&self.code, diagnostic.code) && glob_match(&self.resource, &origin)
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(after) => rest = after,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Drops suppressed findings and reports suppressions that matched nothing.
pub fn apply(
    diagnostics: Vec<Diagnostic>,
    flags: &[Suppression],
    index: &Index,
) -> Vec<Diagnostic> {
    // Per-object annotation codes, by the resource name findings carry.
    let mut annotated: HashMap<Origin, (usize, Vec<String>)> = HashMap::new();
    for (id, object) in index.objects.iter().enumerate() {
        if let Some(value) = object.meta.annotations.get(ANNOTATION) {
            let codes = value
                .split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            annotated.insert(object.origin(), (id, codes));
        }
    }
    let mut flag_used = vec![false; flags.len()];
    let mut annotation_used: HashMap<(usize, String), bool> = HashMap::new();
    let mut kept = Vec::new();
    for diagnostic in diagnostics {
        let mut suppressed = false;
        for (flag, used) in flags.iter().zip(flag_used.iter_mut()) {
            if flag.matches(&diagnostic) {
                *used = true;
                suppressed = true;
            }
        }
        if let Some((id, codes)) = diagnostic.origin.as_ref().and_then(|o| annotated.get(o)) {
            for code in codes {
                if code == "*" || code.eq_ignore_ascii_case(diagnostic.code) {
                    annotation_used.insert((*id, code.clone()), true);
                    suppressed = true;
                }
            }
        }
        if !suppressed {
            kept.push(diagnostic);
        }
    }
    for (flag, used) in flags.iter().zip(flag_used) {
        if !used {
            kept.push(Diagnostic::general(
                UNUSED_SUPPRESSION,
                Level::Info,
                format!("Suppression {:?} matched no finding; remove it.", flag.text),
            ));
        }
    }
    let mut unused_annotations: Vec<(usize, &String)> = annotated
        .values()
        .flat_map(|(id, codes)| codes.iter().map(move |code| (*id, code)))
        .filter(|(id, code)| !annotation_used.contains_key(&(*id, (*code).clone())))
        .collect();
    unused_annotations.sort();
    for (id, code) in unused_annotations {
        let object = index.object(id);
        let path = FieldPath::root()
            .field("metadata")
            .field("annotations")
            .field(ANNOTATION);
        kept.push(Diagnostic::at(
            UNUSED_SUPPRESSION,
            Level::Info,
            object,
            &path,
            format!("Suppression of {code} in the {ANNOTATION} annotation matched no finding; remove it."),
        ));
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_istioctl() {
        assert!(glob_match("IST0102", "IST0102"));
        assert!(glob_match("IST01*", "IST0102"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("Namespace *", "Namespace frod"));
        assert!(glob_match("Pod *-v1", "Pod default/reviews-v1"));
        assert!(glob_match("Pod */reviews-*", "Pod default/reviews-v1"));
        assert!(!glob_match("Pod */ratings-*", "Pod default/reviews-v1"));
        assert!(!glob_match("IST0102", "IST0103"));
    }

    #[test]
    fn suppression_flags_parse_or_say_what_is_expected() {
        let s: Suppression = "IST0102=Namespace frod".parse().unwrap();
        assert_eq!(
            (s.code.as_str(), s.resource.as_str()),
            ("IST0102", "Namespace frod")
        );
        assert!("IST0102"
            .parse::<Suppression>()
            .unwrap_err()
            .contains("expected CODE=RESOURCE"));
    }
}
