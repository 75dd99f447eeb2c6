//! Persistent (stateful) sessions: what istiod configures for a Service
//! labelled `istio.io/persistent-session` (a cookie, `NAME[:PATH]`) or
//! `istio.io/persistent-session-header` (a header name), and whether a
//! proxyless client gets it (`util.MaybeBuildStatefulSessionFilterConfig`).

use std::collections::BTreeMap;

use super::IstioRelease;

/// The cookie-based persistent-session label (`NAME[:PATH]`).
pub const COOKIE_LABEL: &str = "istio.io/persistent-session";
/// The header-based persistent-session label (a header name).
pub const HEADER_LABEL: &str = "istio.io/persistent-session-header";

/// Where the session's upstream host is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// A cookie; the path is `/` unless the label names one.
    Cookie {
        name: String,
        path: String,
    },
    Header {
        name: String,
    },
}

/// The session state a Service's labels ask for: the cookie label wins
/// over the header label, as in istiod.
pub fn requested(labels: &BTreeMap<String, String>) -> Option<SessionState> {
    if let Some(cookie) = labels.get(COOKIE_LABEL).filter(|v| !v.is_empty()) {
        let (name, path) = cookie.split_once(':').unwrap_or((cookie, "/"));
        return Some(SessionState::Cookie {
            name: name.to_string(),
            path: path.to_string(),
        });
    }
    labels
        .get(HEADER_LABEL)
        .filter(|v| !v.is_empty())
        .map(|name| SessionState::Header { name: name.clone() })
}

/// The session state istiod puts in the listener and routes proxyless
/// clients of the Service get, with `PILOT_ENABLE_PERSISTENT_SESSION_FILTER`
/// at its default (off): only before 1.23, which ignores the flag
/// ([`super::istiod_release::SESSION_FILTER_NEEDS_FLAG`]).
pub fn sent_to_clients(
    release: &IstioRelease,
    labels: &BTreeMap<String, String>,
) -> Option<SessionState> {
    if release.session_filter_needs_flag() {
        return None;
    }
    requested(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn cookie_wins_and_its_path_defaults_to_the_root() {
        let cookie = |name: &str, path: &str| SessionState::Cookie {
            name: name.into(),
            path: path.into(),
        };
        assert_eq!(
            requested(&labels(&[
                (COOKIE_LABEL, "sid:/echo.Echo/"),
                (HEADER_LABEL, "x-s")
            ])),
            Some(cookie("sid", "/echo.Echo/"))
        );
        assert_eq!(
            requested(&labels(&[(COOKIE_LABEL, "sid")])),
            Some(cookie("sid", "/"))
        );
        assert_eq!(
            requested(&labels(&[(COOKIE_LABEL, ""), (HEADER_LABEL, "x-s")])),
            Some(SessionState::Header { name: "x-s".into() })
        );
        assert_eq!(requested(&labels(&[("app", "echo")])), None);
    }

    #[test]
    fn only_1_22_sends_it_without_the_flag() {
        let sid = labels(&[(COOKIE_LABEL, "sid")]);
        let release = |text| IstioRelease::parse(text).unwrap();
        assert!(sent_to_clients(&release("1.22.8"), &sid).is_some());
        assert_eq!(sent_to_clients(&release("1.23"), &sid), None);
    }
}
