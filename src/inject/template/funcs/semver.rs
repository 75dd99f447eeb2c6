//! sprig's `semverCompare CONSTRAINT VERSION`, with the constraint language
//! of Masterminds/semver v3 that sprig uses.
//!
//! Not the `semver` crate: it follows Cargo's rules, which differ where
//! templates notice. A bare `1.2.3` means `^1.2.3` there and exactly 1.2.3
//! here; `~1` and `1.x` are ranges here; prereleases match only when a
//! constraint in the same `,`-group names one; `v1.2` and partial versions
//! are accepted on both sides; and `1.2 - 1.4` and `||` are part of the
//! language.

use std::cmp::Ordering;
use std::sync::OnceLock;

use regex::Regex;

/// Operators, in Masterminds' order of preference (the regex engines of Go
/// and `regex` both take the first alternative that lets the whole match
/// succeed).
const OPERATORS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";
/// Go's `\s`: ASCII whitespace without the vertical tab.
const SPACE: &str = r"[\t\n\x0C\r ]";

/// A constraint's version, with captures when `name` is given: `v`, major,
/// `.minor`, `.patch` (each a number or a wildcard `x`, `X`, `*`; the
/// class admits `|` as Masterminds' does), `-prerelease` and `+build`.
fn version_pattern(name: Option<&str>) -> String {
    let group = |part: &str| match name {
        Some(name) => format!("?P<{name}{part}>"),
        None => "?:".into(),
    };
    let number = r"[0-9|xX*]+";
    let identifiers = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*";
    format!(
        "({whole}v?({major}{number})({minor}\\.{number})?({patch}\\.{number})?({pre}-{identifiers})?(?:\\+{identifiers})?)",
        whole = group(""),
        major = group("_major"),
        minor = group("_minor"),
        patch = group("_patch"),
        pre = group("_pre"),
    )
}

struct Patterns {
    /// `A - B`, rewritten to `>= A, <= B` before anything else.
    hyphen_range: Regex,
    /// A whole `,`- or space-separated group, to reject anything else.
    valid_group: Regex,
    /// Each constraint of a group.
    one_constraint: Regex,
    /// One constraint, with its parts captured.
    constraint_parts: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let any_version = version_pattern(None);
        let ops = format!("(?:{OPERATORS})");
        let compile = |pattern: String| Regex::new(&pattern).expect("semver patterns are fixed");
        Patterns {
            hyphen_range: compile(format!(
                "{SPACE}*{from}{SPACE}+-{SPACE}+{to}{SPACE}*",
                from = version_pattern(Some("from")),
                to = version_pattern(Some("to")),
            )),
            valid_group: compile(format!(
                "^{SPACE}*{ops}{SPACE}*{any_version}{SPACE}*(?:(?:{SPACE}+|,{SPACE}*){ops}{SPACE}*{any_version}{SPACE}*)*$"
            )),
            one_constraint: compile(format!("{ops}{SPACE}*{any_version}")),
            constraint_parts: compile(format!(
                "^{SPACE}*(?P<op>{OPERATORS}){SPACE}*{}{SPACE}*$",
                version_pattern(Some("v"))
            )),
        }
    })
}

/// A parsed version; build metadata is dropped, as comparisons ignore it.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
}

impl Version {
    /// Masterminds' `NewVersion`: an optional `v`, one to three numbers
    /// (missing ones are 0; leading zeros allowed), then `-prerelease` and
    /// `+build`, each dot-separated `[0-9A-Za-z-]` identifiers; numeric
    /// prerelease identifiers without leading zeros.
    pub fn parse(text: &str) -> Result<Version, String> {
        let invalid = || format!("invalid semantic version {text:?}");
        let body = text.strip_prefix('v').unwrap_or(text);
        let (body, build) = match body.split_once('+') {
            Some((body, build)) => (body, Some(build)),
            None => (body, None),
        };
        let (core, pre) = match body.split_once('-') {
            Some((core, pre)) => (core, pre),
            None => (body, ""),
        };
        if build.is_some_and(|b| !valid_identifiers(b))
            || (body.len() != core.len() && !valid_identifiers(pre))
        {
            return Err(invalid());
        }
        let numbers: Vec<&str> = core.split('.').collect();
        if numbers.len() > 3 || numbers.iter().any(|n| !is_numeric(n)) {
            return Err(invalid());
        }
        let mut parts = [0u64; 3];
        for (slot, number) in parts.iter_mut().zip(&numbers) {
            *slot = number
                .parse()
                .map_err(|_| format!("version segment {number:?} of {text:?} is too large"))?;
        }
        if pre
            .split('.')
            .any(|id| is_numeric(id) && id.len() > 1 && id.starts_with('0'))
        {
            return Err(format!(
                "prerelease of {text:?} has a numeric part starting with 0"
            ));
        }
        Ok(Version {
            major: parts[0],
            minor: parts[1],
            patch: parts[2],
            pre: pre.to_string(),
        })
    }

    fn numbers(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }

    /// SemVer precedence: numbers, then a release above its prereleases,
    /// then prerelease identifiers one by one (numbers below words).
    fn compare(&self, other: &Version) -> Ordering {
        self.numbers().cmp(&other.numbers()).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &other.pre),
            }
        })
    }
}

fn is_numeric(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn valid_identifiers(text: &str) -> bool {
    text.split('.')
        .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let a: Vec<&str> = a.split('.').collect();
    let b: Vec<&str> = b.split('.').collect();
    for i in 0..a.len().max(b.len()) {
        let order = compare_identifier(a.get(i).copied(), b.get(i).copied());
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// A missing identifier sorts first; numbers (that fit in u64) below words.
fn compare_identifier(a: Option<&str>, b: Option<&str>) -> Ordering {
    let number = |id: &str| {
        id.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| id.parse::<u64>().ok())
            .flatten()
    };
    match (a, b) {
        (a, b) if a == b => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(a), Some(b)) => match (number(a), number(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => a.cmp(b),
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Operator {
    /// `=` or none: exact, or a tilde range when the version has wildcards.
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterOrEqual,
    LessOrEqual,
    Tilde,
    Caret,
}

/// One constraint: its operator and version, with wildcards (`1.x`, `1`,
/// `*`) recorded as which parts were left open.
#[derive(Debug, Clone)]
struct Constraint {
    operator: Operator,
    version: Version,
    /// Any part was a wildcard or missing.
    open: bool,
    minor_open: bool,
    patch_open: bool,
}

/// Masterminds' `Constraints`: `||`-separated groups of constraints that
/// must all hold.
#[derive(Debug, Clone)]
pub struct Constraints {
    groups: Vec<Vec<Constraint>>,
}

impl Constraints {
    pub fn parse(text: &str) -> Result<Constraints, String> {
        let patterns = patterns();
        let text = rewrite_hyphen_ranges(text);
        let mut groups = Vec::new();
        for group in text.split("||") {
            if !patterns.valid_group.is_match(group) {
                return Err(format!("improper constraint: {group:?}"));
            }
            groups.push(
                patterns
                    .one_constraint
                    .find_iter(group)
                    .map(|found| parse_constraint(found.as_str()))
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        Ok(Constraints { groups })
    }

    /// True when some group's constraints all hold. A prerelease version
    /// matches only in a group where some constraint names a prerelease.
    pub fn check(&self, version: &Version) -> bool {
        self.groups.iter().any(|group| {
            let prereleases = group.iter().any(|c| !c.version.pre.is_empty());
            group.iter().all(|c| c.admits(version, prereleases))
        })
    }
}

/// `A - B` → `>= A, <= B `, each match's first occurrence replaced in turn.
fn rewrite_hyphen_ranges(text: &str) -> String {
    let mut out = text.to_string();
    for found in patterns().hyphen_range.captures_iter(text) {
        let (Some(whole), Some(from), Some(to)) =
            (found.get(0), found.name("from"), found.name("to"))
        else {
            continue;
        };
        let replacement = format!(">= {}, <= {} ", from.as_str(), to.as_str());
        out = out.replacen(whole.as_str(), &replacement, 1);
    }
    out
}

fn parse_constraint(text: &str) -> Result<Constraint, String> {
    let improper = || format!("improper constraint: {text:?}");
    let parts = patterns()
        .constraint_parts
        .captures(text)
        .ok_or_else(improper)?;
    let part = |name: &str| parts.name(name).map_or("", |m| m.as_str());
    let wildcard = |part: &str| matches!(part.trim_start_matches('.'), "x" | "X" | "*");
    let (major, minor, patch, pre) = (
        part("v_major"),
        part("v_minor"),
        part("v_patch"),
        part("v_pre"),
    );
    let (version_text, open, minor_open, patch_open) = if wildcard(major) {
        (format!("0.0.0{pre}"), true, false, false)
    } else if minor.is_empty() || wildcard(minor) {
        (format!("{major}.0.0{pre}"), true, true, false)
    } else if patch.is_empty() || wildcard(patch) {
        (format!("{major}{minor}.0{pre}"), true, false, true)
    } else {
        (part("v").to_string(), false, false, false)
    };
    let operator = match part("op") {
        "" | "=" => Operator::TildeOrEqual,
        "!=" => Operator::NotEqual,
        ">" => Operator::Greater,
        "<" => Operator::Less,
        ">=" | "=>" => Operator::GreaterOrEqual,
        "<=" | "=<" => Operator::LessOrEqual,
        "~" | "~>" => Operator::Tilde,
        "^" => Operator::Caret,
        _ => return Err(improper()),
    };
    Ok(Constraint {
        operator,
        version: Version::parse(&version_text).map_err(|_| improper())?,
        open,
        minor_open,
        patch_open,
    })
}

impl Constraint {
    fn admits(&self, v: &Version, prereleases: bool) -> bool {
        if !v.pre.is_empty() && !prereleases {
            return false;
        }
        let c = &self.version;
        match self.operator {
            Operator::TildeOrEqual if self.open => self.tilde(v),
            Operator::TildeOrEqual => v.compare(c) == Ordering::Equal,
            Operator::Tilde => self.tilde(v),
            Operator::NotEqual => self.not_equal(v),
            Operator::Greater => self.greater(v),
            Operator::Less => v.compare(c) == Ordering::Less,
            Operator::GreaterOrEqual => v.compare(c) != Ordering::Less,
            Operator::LessOrEqual => self.less_or_equal(v),
            Operator::Caret => self.caret(v),
        }
    }

    /// `~1.2.3` is >=1.2.3 <1.3.0; `~1` and `~1.x` are >=1.0.0 <2.0.0;
    /// `~0.0.0` and `~*` admit everything.
    fn tilde(&self, v: &Version) -> bool {
        let c = &self.version;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.numbers() == (0, 0, 0) && !self.minor_open && !self.patch_open {
            return true;
        }
        v.major == c.major && (v.minor == c.minor || self.minor_open)
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.version;
        if self.open {
            if c.major != v.major {
                return true;
            }
            if self.minor_open {
                return false;
            }
            if c.minor != v.minor {
                return true;
            }
            if self.patch_open {
                return (!v.pre.is_empty() || !c.pre.is_empty())
                    && compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
            }
            if c.patch != v.patch {
                return true;
            }
        }
        v.compare(c) != Ordering::Equal
    }

    /// `>1` means 2.0.0 or above and `>1.2` means 1.3.0 or above.
    fn greater(&self, v: &Version) -> bool {
        let c = &self.version;
        if !self.open {
            return v.compare(c) == Ordering::Greater;
        }
        match v.major.cmp(&c.major) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal if self.minor_open => false,
            Ordering::Equal if self.patch_open => v.minor > c.minor,
            Ordering::Equal => v.compare(c) == Ordering::Greater,
        }
    }

    /// `<=1` admits all of 1.x and `<=1.2` all of 1.2.x.
    fn less_or_equal(&self, v: &Version) -> bool {
        let c = &self.version;
        if !self.open {
            return v.compare(c) != Ordering::Greater;
        }
        !(v.major > c.major || (v.major == c.major && v.minor > c.minor && !self.minor_open))
    }

    /// `^1.2.3` is >=1.2.3 <2.0.0; `^0.2.3` is >=0.2.3 <0.3.0; `^0.0.3` is
    /// exactly 0.0.3; `^0` is <1.0.0 and `^0.0` <0.1.0.
    fn caret(&self, v: &Version) -> bool {
        let c = &self.version;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major > 0 || self.minor_open {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_open {
            return v.minor == c.minor;
        }
        v.minor == 0 && v.patch == c.patch
    }
}

/// sprig's `semverCompare`.
pub fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    let constraints = Constraints::parse(constraint)?;
    Ok(constraints.check(&Version::parse(version)?))
}
