//! How a gRPC client matches an RPC against a route configuration (gRFC
//! A28, with A63's string matchers): the virtual host for the channel's
//! authority, then the first route whose conditions the RPC meets. Only
//! what gRPC itself evaluates; fields gRPC ignores play no part here.

use envoy_types::pb::envoy::config::route::v3::{
    header_matcher::HeaderMatchSpecifier, route_match::PathSpecifier, HeaderMatcher, Route,
    VirtualHost,
};
use envoy_types::pb::envoy::r#type::matcher::v3::{string_matcher::MatchPattern, StringMatcher};

/// One RPC as the client's route matching sees it.
#[derive(Debug, Clone, Default)]
pub struct Rpc {
    /// `/package.Service/Method`.
    pub path: String,
    /// Request metadata, names lower-cased, in the order given; a name may
    /// repeat (its values are then joined with `,`, as gRPC joins them).
    pub headers: Vec<(String, String)>,
}

impl Rpc {
    /// The value a header matcher sees for `name`: gRPC hides binary
    /// (`-bin`) metadata and pseudo-headers from route matching, and shows
    /// `content-type` as `application/grpc`.
    fn header(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        if name.ends_with("-bin") || name.starts_with(':') {
            return None;
        }
        if name == "content-type" {
            return Some("application/grpc".into());
        }
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    }
}

/// Why a route did not take an RPC, or that it did.
#[derive(Debug, Clone, PartialEq)]
pub enum RouteMatch {
    Matched,
    /// Matched for only part of the RPCs (`runtime_fraction`, percent).
    MatchedSometimes(f64),
    /// The path condition does not hold.
    PathDiffers(String),
    /// A header condition does not hold.
    HeaderDiffers(String),
    /// gRPC skips the route whatever the RPC (query parameter conditions).
    Skipped(String),
}

impl RouteMatch {
    pub fn takes_rpc(&self) -> bool {
        matches!(self, RouteMatch::Matched | RouteMatch::MatchedSometimes(_))
    }
}

/// The virtual host gRPC picks for `authority` (the target as dialled,
/// `host:port`): an exact domain first, then the longest `*.suffix`, then
/// the longest `prefix.*`, then `*`; domains compare case-insensitively.
pub fn select_virtual_host<'a>(
    hosts: &'a [VirtualHost],
    authority: &str,
) -> Option<&'a VirtualHost> {
    let authority = authority.to_ascii_lowercase();
    // (kind rank: 0 exact, 1 suffix, 2 prefix, 3 universal; then longer first)
    let mut best: Option<((u8, std::cmp::Reverse<usize>), &VirtualHost)> = None;
    for host in hosts {
        for domain in &host.domains {
            let domain = domain.to_ascii_lowercase();
            let rank = if domain == "*" {
                Some(3)
            } else if let Some(suffix) = domain.strip_prefix('*') {
                (authority.len() > suffix.len() && authority.ends_with(suffix)).then_some(1)
            } else if let Some(prefix) = domain.strip_suffix('*') {
                (authority.len() > prefix.len() && authority.starts_with(prefix)).then_some(2)
            } else {
                (domain == authority).then_some(0)
            };
            if let Some(rank) = rank {
                let key = (rank, std::cmp::Reverse(domain.len()));
                if best.as_ref().is_none_or(|(k, _)| key < *k) {
                    best = Some((key, host));
                }
            }
        }
    }
    best.map(|(_, host)| host)
}

/// Whether a route takes an RPC, and if not, why.
pub fn match_route(route: &Route, rpc: &Rpc) -> RouteMatch {
    let Some(conditions) = &route.r#match else {
        return RouteMatch::PathDiffers("the route has no match".into());
    };
    if !conditions.query_parameters.is_empty() {
        return RouteMatch::Skipped(
            "it has query parameter conditions, which gRPC cannot evaluate: gRPC skips the route"
                .into(),
        );
    }
    let case_sensitive = conditions.case_sensitive.as_ref().is_none_or(|b| b.value);
    let fold = |text: &str| {
        if case_sensitive {
            text.to_string()
        } else {
            text.to_ascii_lowercase()
        }
    };
    let path = fold(&rpc.path);
    let path_holds = match &conditions.path_specifier {
        Some(PathSpecifier::Prefix(prefix)) => path.starts_with(&fold(prefix)),
        Some(PathSpecifier::Path(exact)) => path == fold(exact),
        // `case_sensitive` does not apply to a regex (Envoy's RouteMatch;
        // C-core builds its regex matcher without it; seen with grpcio
        // 1.85: `/echo\.echo/.*` with ignoreUriCase misses /echo.Echo/Call).
        Some(PathSpecifier::SafeRegex(regex)) => full_match(&regex.regex, &rpc.path, false),
        Some(other) => {
            return RouteMatch::Skipped(format!(
                "its path condition ({}) is not one gRPC knows",
                path_kind(other)
            ))
        }
        None => false,
    };
    if !path_holds {
        return RouteMatch::PathDiffers(format!(
            "{} does not match {}",
            rpc.path,
            describe_path(conditions.path_specifier.as_ref(), case_sensitive)
        ));
    }
    for header in &conditions.headers {
        if !header_holds(header, rpc) {
            return RouteMatch::HeaderDiffers(describe_header_miss(header, rpc));
        }
    }
    if let Some(fraction) = &conditions.runtime_fraction {
        if let Some(percent) = &fraction.default_value {
            let share = super::fraction_percent(percent);
            if share < 100.0 {
                return RouteMatch::MatchedSometimes(share);
            }
        }
    }
    RouteMatch::Matched
}

fn path_kind(path: &PathSpecifier) -> &'static str {
    match path {
        PathSpecifier::Prefix(_) => "prefix",
        PathSpecifier::Path(_) => "path",
        PathSpecifier::SafeRegex(_) => "safe_regex",
        PathSpecifier::ConnectMatcher(_) => "connect_matcher",
        PathSpecifier::PathSeparatedPrefix(_) => "path_separated_prefix",
        PathSpecifier::PathMatchPolicy(_) => "path_match_policy",
    }
}

/// `prefix "/pkg.Svc/"`, `path "/pkg.Svc/M" (any case)`.
pub fn describe_path(path: Option<&PathSpecifier>, case_sensitive: bool) -> String {
    let text = match path {
        Some(PathSpecifier::Prefix(p)) => format!("prefix {p:?}"),
        Some(PathSpecifier::Path(p)) => format!("path {p:?}"),
        Some(PathSpecifier::SafeRegex(r)) => format!("regex {:?}", r.regex),
        Some(PathSpecifier::PathSeparatedPrefix(p)) => format!("path_separated_prefix {p:?}"),
        Some(other) => path_kind(other).to_string(),
        None => "no path condition".into(),
    };
    let regex = matches!(path, Some(PathSpecifier::SafeRegex(_)));
    if case_sensitive || regex {
        text
    } else {
        format!("{text} (any case)")
    }
}

/// A whole-string RE2 match (gRPC matches `safe_regex` against all of the
/// value). Rust's `regex` follows RE2's syntax and guarantees; a pattern it
/// cannot compile never matches (the client would have rejected it).
fn full_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .case_insensitive(ignore_case)
        .size_limit(1 << 20)
        .build()
        .is_ok_and(|re| re.is_match(text))
}

fn string_holds(matcher: &StringMatcher, value: &str) -> bool {
    let fold = |text: &str| {
        if matcher.ignore_case {
            text.to_ascii_lowercase()
        } else {
            text.to_string()
        }
    };
    let value_folded = fold(value);
    match &matcher.match_pattern {
        Some(MatchPattern::Exact(e)) => value_folded == fold(e),
        Some(MatchPattern::Prefix(p)) => value_folded.starts_with(&fold(p)),
        Some(MatchPattern::Suffix(s)) => value_folded.ends_with(&fold(s)),
        Some(MatchPattern::Contains(c)) => value_folded.contains(&fold(c)),
        Some(MatchPattern::SafeRegex(r)) => full_match(&r.regex, value, false),
        Some(MatchPattern::Custom(_)) | None => false,
    }
}

/// gRPC's header matcher: an absent header never matches, inverted or not
/// (Envoy's `treat_missing_header_as_empty` is not implemented); a present
/// matcher compares presence, then inversion applies.
// The deprecated matcher forms still reach clients from older control planes.
#[allow(deprecated)]
fn header_holds(header: &HeaderMatcher, rpc: &Rpc) -> bool {
    let value = rpc.header(&header.name);
    if let Some(HeaderMatchSpecifier::PresentMatch(want)) = &header.header_match_specifier {
        return (value.is_some() == *want) != header.invert_match;
    }
    let Some(value) = value else { return false };
    let holds = match &header.header_match_specifier {
        Some(HeaderMatchSpecifier::StringMatch(m)) => string_holds(m, &value),
        Some(HeaderMatchSpecifier::ExactMatch(e)) => value == *e,
        Some(HeaderMatchSpecifier::PrefixMatch(p)) => value.starts_with(p.as_str()),
        Some(HeaderMatchSpecifier::SuffixMatch(s)) => value.ends_with(s.as_str()),
        Some(HeaderMatchSpecifier::ContainsMatch(c)) => value.contains(c.as_str()),
        Some(HeaderMatchSpecifier::SafeRegexMatch(r)) => full_match(&r.regex, &value, false),
        Some(HeaderMatchSpecifier::RangeMatch(range)) => value
            .trim()
            .parse::<i64>()
            .is_ok_and(|n| n >= range.start && n < range.end),
        Some(HeaderMatchSpecifier::PresentMatch(_)) => unreachable!("handled above"),
        None => true,
    };
    holds != header.invert_match
}

fn describe_header_miss(header: &HeaderMatcher, rpc: &Rpc) -> String {
    let name = header.name.as_str();
    let hidden = name.ends_with("-bin") || name.starts_with(':');
    let value = rpc.header(name);
    let condition = describe_header(header);
    match (&value, hidden) {
        (_, true) => format!(
            "it needs {condition}, and gRPC never shows {name} to route matching (pseudo-headers and -bin metadata are hidden)"
        ),
        (None, _) if header.invert_match => format!(
            "it needs {condition}; the RPC has no {name}, and gRPC never matches an absent header, even inverted"
        ),
        (None, _) => format!("it needs {condition}; the RPC has no {name}"),
        (Some(v), _) => format!("it needs {condition}; the RPC has {name}: {v:?}"),
    }
}

/// `x-canary exact "true"`, `NOT x-debug present`.
#[allow(deprecated)]
pub fn describe_header(header: &HeaderMatcher) -> String {
    let condition = match &header.header_match_specifier {
        Some(HeaderMatchSpecifier::PresentMatch(true)) | None => "present".to_string(),
        Some(HeaderMatchSpecifier::PresentMatch(false)) => "absent".to_string(),
        Some(HeaderMatchSpecifier::StringMatch(m)) => match &m.match_pattern {
            Some(MatchPattern::Exact(e)) => format!("exact {e:?}"),
            Some(MatchPattern::Prefix(p)) => format!("prefix {p:?}"),
            Some(MatchPattern::Suffix(s)) => format!("suffix {s:?}"),
            Some(MatchPattern::Contains(c)) => format!("contains {c:?}"),
            Some(MatchPattern::SafeRegex(r)) => format!("regex {:?}", r.regex),
            _ => "a custom matcher".into(),
        },
        Some(HeaderMatchSpecifier::ExactMatch(e)) => format!("exact {e:?}"),
        Some(HeaderMatchSpecifier::PrefixMatch(p)) => format!("prefix {p:?}"),
        Some(HeaderMatchSpecifier::SuffixMatch(s)) => format!("suffix {s:?}"),
        Some(HeaderMatchSpecifier::ContainsMatch(c)) => format!("contains {c:?}"),
        Some(HeaderMatchSpecifier::SafeRegexMatch(r)) => format!("regex {:?}", r.regex),
        Some(HeaderMatchSpecifier::RangeMatch(r)) => format!("in [{}, {})", r.start, r.end),
    };
    let not = if header.invert_match { "NOT " } else { "" };
    format!("{not}{} {condition}", header.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use envoy_types::pb::envoy::config::route::v3::{QueryParameterMatcher, RouteMatch as Match};
    use envoy_types::pb::envoy::r#type::matcher::v3::RegexMatcher;
    use envoy_types::pb::google::protobuf::BoolValue;

    fn host(name: &str, domains: &[&str]) -> VirtualHost {
        VirtualHost {
            name: name.into(),
            domains: domains.iter().map(|d| d.to_string()).collect(),
            ..Default::default()
        }
    }

    fn rpc(path: &str, headers: &[(&str, &str)]) -> Rpc {
        Rpc {
            path: path.into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn route(path: PathSpecifier, headers: Vec<HeaderMatcher>) -> Route {
        Route {
            r#match: Some(Match {
                path_specifier: Some(path),
                headers,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn string_header(name: &str, pattern: MatchPattern, invert: bool) -> HeaderMatcher {
        HeaderMatcher {
            name: name.into(),
            invert_match: invert,
            header_match_specifier: Some(HeaderMatchSpecifier::StringMatch(StringMatcher {
                match_pattern: Some(pattern),
                ignore_case: false,
            })),
            ..Default::default()
        }
    }

    #[test]
    fn exact_domain_beats_wildcards_and_longer_suffix_beats_shorter() {
        let hosts = vec![
            host("any", &["*"]),
            host("suffix-short", &["*.svc:7070"]),
            host("suffix-long", &["*.ns.svc:7070"]),
            host("prefix", &["echo.*"]),
            host("exact", &["ECHO.ns.svc:7070"]),
        ];
        let pick =
            |authority: &str| select_virtual_host(&hosts, authority).map(|h| h.name.as_str());
        assert_eq!(pick("echo.ns.svc:7070"), Some("exact"));
        assert_eq!(pick("other.ns.svc:7070"), Some("suffix-long"));
        assert_eq!(pick("other.x.svc:7070"), Some("suffix-short"));
        assert_eq!(pick("echo.elsewhere:1"), Some("prefix"));
        assert_eq!(pick("unrelated:1"), Some("any"));
        assert_eq!(select_virtual_host(&hosts[4..], "unrelated:1"), None);
    }

    #[test]
    fn path_conditions_follow_case_sensitivity() {
        let mut r = route(PathSpecifier::Prefix("/Pkg.Svc/".into()), vec![]);
        assert!(match_route(&r, &rpc("/Pkg.Svc/Get", &[])).takes_rpc());
        assert!(!match_route(&r, &rpc("/pkg.svc/Get", &[])).takes_rpc());
        r.r#match.as_mut().unwrap().case_sensitive = Some(BoolValue { value: false });
        assert!(match_route(&r, &rpc("/pkg.svc/Get", &[])).takes_rpc());
        let regex = route(
            PathSpecifier::SafeRegex(RegexMatcher {
                regex: "/pkg\\.Svc/(Get|List)".into(),
                ..Default::default()
            }),
            vec![],
        );
        assert!(match_route(&regex, &rpc("/pkg.Svc/List", &[])).takes_rpc());
        // Whole-path match, not a search.
        assert!(!match_route(&regex, &rpc("/pkg.Svc/ListAll", &[])).takes_rpc());
        // case_sensitive false leaves a regex as it is.
        let mut any_case = regex.clone();
        any_case.r#match.as_mut().unwrap().case_sensitive = Some(BoolValue { value: false });
        assert!(match_route(&any_case, &rpc("/pkg.Svc/List", &[])).takes_rpc());
        assert!(!match_route(&any_case, &rpc("/PKG.svc/list", &[])).takes_rpc());
    }

    #[test]
    fn absent_header_never_matches_even_inverted() {
        let inverted = route(
            PathSpecifier::Prefix("/".into()),
            vec![string_header(
                "x-env",
                MatchPattern::Exact("prod".into()),
                true,
            )],
        );
        assert!(match_route(&inverted, &rpc("/a/b", &[("x-env", "dev")])).takes_rpc());
        assert!(!match_route(&inverted, &rpc("/a/b", &[("x-env", "prod")])).takes_rpc());
        let miss = match_route(&inverted, &rpc("/a/b", &[]));
        assert!(matches!(&miss, RouteMatch::HeaderDiffers(why) if why.contains("absent header")));
    }

    #[test]
    fn pseudo_and_binary_headers_are_hidden_and_content_type_is_grpc() {
        let authority = route(
            PathSpecifier::Prefix("/".into()),
            vec![string_header(
                ":authority",
                MatchPattern::Exact("echo".into()),
                false,
            )],
        );
        assert!(!match_route(&authority, &rpc("/a/b", &[(":authority", "echo")])).takes_rpc());
        let content_type = route(
            PathSpecifier::Prefix("/".into()),
            vec![string_header(
                "content-type",
                MatchPattern::Exact("application/grpc".into()),
                false,
            )],
        );
        assert!(match_route(&content_type, &rpc("/a/b", &[])).takes_rpc());
        let repeated = route(
            PathSpecifier::Prefix("/".into()),
            vec![string_header(
                "x-tag",
                MatchPattern::Exact("a,b".into()),
                false,
            )],
        );
        assert!(
            match_route(&repeated, &rpc("/a/b", &[("x-tag", "a"), ("x-tag", "b")])).takes_rpc()
        );
    }

    #[test]
    fn query_parameter_routes_are_skipped() {
        let mut r = route(PathSpecifier::Prefix("/".into()), vec![]);
        r.r#match
            .as_mut()
            .unwrap()
            .query_parameters
            .push(QueryParameterMatcher {
                name: "debug".into(),
                ..Default::default()
            });
        assert!(matches!(
            match_route(&r, &rpc("/a/b", &[])),
            RouteMatch::Skipped(_)
        ));
    }
}
