//! `mesh proxy-config log`: an Envoy's logger levels, read and set over its
//! admin API (`POST /logging[?LOGGER=LEVEL]`) with istioctl's flags
//! (`--level [LOGGER:]LEVEL,...`, `--reset`).

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use serde_json::{Map, Value as Json};

use super::envoy::{self, EnvoyError};

/// Envoy's logger levels; the same words Envoy's `/logging` takes.
pub const LEVELS: [&str; 7] = [
    "trace", "debug", "info", "warning", "error", "critical", "off",
];

/// The level Istio starts sidecars with unless told otherwise
/// (`global.proxy.logLevel`, `sidecar.istio.io/logLevel`).
pub const ISTIO_DEFAULT_LEVEL: &str = "warning";

/// One change: a logger (every logger when `None`) to a level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelChange {
    pub logger: Option<String>,
    pub level: &'static str,
}

/// A level word as Envoy spells it; `warn` is istioctl's alias of `warning`.
fn level(word: &str) -> Option<&'static str> {
    let word = word.trim().to_ascii_lowercase();
    if word == "warn" {
        return Some("warning");
    }
    LEVELS.iter().copied().find(|l| *l == word)
}

/// `--level [LOGGER:]LEVEL,...` (istioctl's syntax; `LOGGER=LEVEL` too).
/// A bare level sets every logger; the last bare level wins.
pub fn parse_levels(spec: &str) -> Result<Vec<LevelChange>, String> {
    let unknown = |word: &str| {
        format!(
            "--level: unknown level {word:?}: expected one of {}",
            LEVELS.join(", ")
        )
    };
    let mut all = None;
    let mut named: Vec<LevelChange> = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        match item.split_once([':', '=']) {
            None => all = Some(level(item).ok_or_else(|| unknown(item))?),
            Some((logger, word)) => {
                let logger = logger.trim();
                if logger.is_empty() {
                    return Err(format!("--level: {item:?} names no logger"));
                }
                let level = level(word).ok_or_else(|| unknown(word))?;
                named.retain(|c| c.logger.as_deref() != Some(logger));
                named.push(LevelChange {
                    logger: Some(logger.to_string()),
                    level,
                });
            }
        }
    }
    if all.is_none() && named.is_empty() {
        return Err("--level: expected [LOGGER:]LEVEL,...".into());
    }
    // Every logger first, so that named loggers keep their own level.
    let mut changes: Vec<LevelChange> = all
        .map(|level| LevelChange {
            logger: None,
            level,
        })
        .into_iter()
        .collect();
    changes.extend(named);
    Ok(changes)
}

/// `--reset`: the levels the pod's sidecar started with (`--proxyLogLevel`
/// and `--proxyComponentLogLevel` of its istio-proxy container, which the
/// injector fills from the mesh's values and the pod's annotations), else
/// Istio's default, `warning`, for every logger.
pub fn reset_levels(pod: Option<&Pod>) -> Vec<LevelChange> {
    let args: Vec<String> = pod
        .and_then(|p| p.spec.as_ref())
        .map(|spec| {
            spec.containers
                .iter()
                .chain(spec.init_containers.iter().flatten())
                .filter(|c| c.name == "istio-proxy")
                .flat_map(|c| c.args.clone().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    let flag = |name: &str| {
        let prefix = format!("--{name}=");
        args.iter()
            .find_map(|a| a.strip_prefix(&prefix).map(str::to_string))
    };
    let all = flag("proxyLogLevel")
        .as_deref()
        .and_then(level)
        .unwrap_or(ISTIO_DEFAULT_LEVEL);
    let mut changes = vec![LevelChange {
        logger: None,
        level: all,
    }];
    if let Some(components) = flag("proxyComponentLogLevel") {
        if let Ok(named) = parse_levels(&components) {
            changes.extend(named.into_iter().filter(|c| c.logger.is_some()));
        }
    }
    changes
}

/// Why the levels could not be read or set; each prints as one line.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Envoy(#[from] EnvoyError),
    #[error("{addr}: Envoy has no logger {name:?}{hint}; nothing was changed")]
    UnknownLogger {
        addr: String,
        name: String,
        /// ` (did you mean "http"?)`, or how to list them.
        hint: String,
    },
}

impl From<super::live::ReachError> for LogError {
    fn from(error: super::live::ReachError) -> LogError {
        LogError::Envoy(error.into())
    }
}

/// Lists the loggers, checks that every named one exists (so nothing
/// changes when one is misspelt), then applies the changes in order, within
/// `timeout` for all. Envoy's reply to the last request: every logger and
/// its level.
pub fn apply(addr: &str, changes: &[LevelChange], timeout: Duration) -> Result<String, LogError> {
    super::live::within(addr, timeout, async {
        let listing = text(envoy::post(addr, "/logging").await?);
        let known: Vec<String> = loggers(&listing).into_iter().map(|(n, _)| n).collect();
        // A reply listing no loggers (a form we do not know) leaves the check to Envoy.
        if !known.is_empty() {
            for name in changes.iter().filter_map(|c| c.logger.as_deref()) {
                if !known.iter().any(|k| k == name) {
                    let names: Vec<&str> = known.iter().map(String::as_str).collect();
                    let hint = match crate::diagnostic::closest(name, &names) {
                        Some(close) => format!(" (did you mean {close:?}?)"),
                        None => " (`mesh proxy-config log` without --level lists them)".into(),
                    };
                    return Err(LogError::UnknownLogger {
                        addr: addr.into(),
                        name: name.into(),
                        hint,
                    });
                }
            }
        }
        let mut reply = listing;
        for change in changes {
            let query = match &change.logger {
                None => format!("level={}", change.level),
                Some(name) => format!("{name}={}", change.level),
            };
            reply = text(envoy::post(addr, &format!("/logging?{query}")).await?);
        }
        Ok(reply)
    })
}

fn text(body: Vec<u8>) -> String {
    String::from_utf8_lossy(&body).into_owned()
}

/// The `NAME: LEVEL` lines of Envoy's reply, in its order.
pub fn loggers(reply: &str) -> Vec<(String, String)> {
    reply
        .lines()
        .filter(|l| l.starts_with(' '))
        .filter_map(|l| l.trim().split_once(": "))
        .map(|(name, level)| (name.to_string(), level.trim().to_string()))
        .collect()
}

/// The record `-o json|yaml` prints for one target: logger to level.
pub fn to_json(reply: &str) -> Json {
    let mut map = Map::new();
    for (name, level) in loggers(reply) {
        map.insert(name, level.into());
    }
    Json::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(logger: Option<&str>, level: &'static str) -> LevelChange {
        LevelChange {
            logger: logger.map(str::to_string),
            level,
        }
    }

    #[test]
    fn levels_as_istioctl_spells_them() {
        assert_eq!(
            parse_levels("http:debug,warn,redis=trace,http:info"),
            Ok(vec![
                change(None, "warning"),
                change(Some("redis"), "trace"),
                change(Some("http"), "info"),
            ])
        );
        assert_eq!(parse_levels("off"), Ok(vec![change(None, "off")]));
        for bad in ["none", "http:loud", ":debug", "", ","] {
            assert!(parse_levels(bad).is_err(), "{bad}");
        }
        assert!(parse_levels("none").unwrap_err().contains("trace, debug"));
    }

    #[test]
    fn reset_follows_the_sidecar_start_flags() {
        assert_eq!(reset_levels(None), vec![change(None, "warning")]);
        let pod: Pod = serde_json::from_value(serde_json::json!({"spec": {"containers": [
            {"name": "app", "args": ["--proxyLogLevel=trace"]},
            {"name": "istio-proxy", "args": ["proxy", "sidecar",
                "--proxyLogLevel=info", "--proxyComponentLogLevel=misc:error,http:debug"]}]}}))
        .unwrap();
        assert_eq!(
            reset_levels(Some(&pod)),
            vec![
                change(None, "info"),
                change(Some("misc"), "error"),
                change(Some("http"), "debug"),
            ]
        );
    }

    #[test]
    fn envoy_reply_lines_become_records() {
        let reply = "active loggers:\n  admin: warning\n  http: debug\n";
        assert_eq!(
            to_json(reply),
            serde_json::json!({"admin": "warning", "http": "debug"})
        );
        assert!(loggers("error: unknown logger name\n").is_empty());
    }
}
