//! `mesh proxy-config channelz|health`: a gRPC app's channelz and health
//! services, asked at `--addr` or a POD's admin port, or read from a saved
//! `--file`. Glue only: `proxyconfig::{channelz, health}` fetch and read,
//! `output::{channelz, health}` print.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};

use super::proxy_config::{read_limited, structured, OutputChoice};
use super::{print_stdout, Exit};
use crate::proxyconfig::pod::{self, ForwardOptions, PodTarget};
use crate::proxyconfig::{channelz, health};

/// Which service to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Service {
    Channelz,
    Health,
}

/// Where the answer comes from.
pub(super) enum Source<'a> {
    Live(Live<'a>),
    File(&'a Path),
}

/// A running app to ask.
pub(super) enum Live<'a> {
    Addr(&'a str),
    Pod(&'a PodTarget, ForwardOptions),
}

pub(super) struct Request<'a> {
    pub service: Service,
    pub source: Source<'a>,
    pub output: OutputChoice,
    pub timeout: Duration,
    /// `--service`, for health.
    pub services: &'a [String],
}

pub(super) fn run(request: Request) -> Result<Exit> {
    match request.service {
        Service::Channelz => channelz_run(&request),
        Service::Health => health_run(&request),
    }
}

fn channelz_run(request: &Request) -> Result<Exit> {
    let snapshot = match &request.source {
        Source::File(path) => match read_saved(path, channelz::from_json) {
            Ok(snapshot) => snapshot,
            Err(exit) => return Ok(exit),
        },
        Source::Live(live) => {
            let fetched = ask(live, request.timeout, |addr, timeout| {
                channelz::fetch(addr, timeout).map_err(|e| e.to_string())
            });
            match fetched {
                Ok(fetched) => {
                    notes(&fetched.notes);
                    fetched.snapshot
                }
                Err(exit) => return Ok(exit),
            }
        }
    };
    let text = match request.output {
        OutputChoice::Short => {
            let view = channelz::view(&snapshot);
            if view.is_empty() {
                eprintln!("mesh: note: the app has no channels and no servers in channelz");
            }
            crate::output::channelz::tables(&view)
        }
        format => {
            let (json, left_out) = channelz::to_json(&snapshot).map_err(|e| anyhow!(e))?;
            notes(&left_out);
            structured(&json, format)?
        }
    };
    print_stdout(&text)
}

fn health_run(request: &Request) -> Result<Exit> {
    let statuses = match &request.source {
        Source::File(path) => match read_saved(path, health::from_json) {
            Ok(mut statuses) => {
                health::select(&mut statuses, request.services);
                statuses
            }
            Err(exit) => return Ok(exit),
        },
        Source::Live(live) => {
            let fetched = ask(live, request.timeout, |addr, timeout| {
                health::fetch(addr, timeout, request.services).map_err(|e| e.to_string())
            });
            match fetched {
                Ok(fetched) => {
                    notes(&fetched.notes);
                    fetched.statuses
                }
                Err(exit) => return Ok(exit),
            }
        }
    };
    let text = match request.output {
        OutputChoice::Short => {
            let rows = health::view(&statuses);
            if rows.is_empty() {
                eprintln!("mesh: note: the app lists no services");
            }
            crate::output::health::table(&rows)
        }
        format => structured(&health::to_json(&statuses).map_err(|e| anyhow!(e))?, format)?,
    };
    print_stdout(&text)
}

fn notes(notes: &[String]) {
    for note in notes {
        eprintln!("mesh: note: {note}");
    }
}

/// A saved answer read with `parse`, or exit 65 after one located line.
fn read_saved<T>(path: &Path, parse: impl Fn(&str) -> Result<T, String>) -> Result<T, Exit> {
    let shown = path.display();
    let text = read_limited(path).map_err(|e| {
        eprintln!("mesh: error: {shown}: {e}");
        Exit::InputError
    })?;
    parse(&text).map_err(|e| {
        eprintln!("mesh: error: {shown}:{e}");
        Exit::InputError
    })
}

/// Runs `fetch` against `--addr`, or against a local port forwarded to the
/// POD's admin port (failures then name the pod), all within `timeout`;
/// a failure is printed once and becomes exit 1.
fn ask<T>(
    source: &Live,
    timeout: Duration,
    fetch: impl Fn(&str, Duration) -> Result<T, String>,
) -> Result<T, Exit> {
    let failed = |message: String| {
        eprintln!("mesh: error: {message}");
        Exit::Failure
    };
    match source {
        Live::Addr(addr) => fetch(addr, timeout).map_err(failed),
        Live::Pod(target, options) => {
            let start = Instant::now();
            let forward = pod::open(target, options, timeout).map_err(failed)?;
            if forward.envoy_admin {
                return Err(failed(format!(
                    "{} is Envoy's admin port; channelz and health are served by the app's gRPC admin server: give --admin-port",
                    forward.remote
                )));
            }
            let left = timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                return Err(failed(format!(
                    "{}: the time limit was spent finding the pod",
                    forward.remote
                )));
            }
            fetch(&forward.local, left).map_err(|message| failed(forward.explain(&message)))
        }
    }
}
