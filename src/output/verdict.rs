//! A route verdict as text: what a user reads at a terminal.

use std::fmt::Write;

use crate::xds::client::{Effect, RouteVerdict};

pub fn text(verdict: &RouteVerdict) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "RPC      {} to {}", verdict.method, verdict.target);
    let _ = writeln!(
        out,
        "client   {} (gRPC {})",
        verdict.client, verdict.runtime
    );
    let chain: Vec<String> = [
        verdict.listener.as_ref().map(|l| format!("listener {l}")),
        verdict
            .route_configuration
            .as_ref()
            .map(|r| format!("route configuration {r}")),
        verdict
            .virtual_host
            .as_ref()
            .map(|h| format!("virtual host {h}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !chain.is_empty() {
        let _ = writeln!(out, "via      {}", chain.join(" → "));
    }
    if !verdict.tried.is_empty() {
        let _ = writeln!(out, "\nroutes tried:");
        for tried in &verdict.tried {
            let _ = writeln!(
                out,
                "  #{} {}",
                tried.index,
                route_label(&tried.name, tried.source.as_ref())
            );
            let _ = writeln!(out, "     missed: {}", tried.reason);
        }
    }
    if let Some(matched) = &verdict.matched {
        let _ = writeln!(out, "\nroute taken:");
        let _ = writeln!(
            out,
            "  #{} {}",
            matched.index,
            route_label(&matched.name, matched.source.as_ref())
        );
        if !matched.conditions.is_empty() {
            let _ = writeln!(out, "     when: {}", matched.conditions.join(", "));
        }
        if let Some(percent) = matched.match_percent {
            let _ = writeln!(
                out,
                "     only {percent}% of such RPCs take it; the rest go on to the next route"
            );
        }
    }
    if !verdict.destinations.is_empty() {
        let _ = writeln!(out, "\ndestinations:");
        for d in &verdict.destinations {
            let mut about = Vec::new();
            if let Some(subset) = &d.subset {
                about.push(format!("subset {subset}"));
            }
            if let Some(lb) = &d.lb_policy {
                about.push(lb.clone());
            }
            let _ = writeln!(
                out,
                "  {:>5.1}%  {}{}",
                d.weight_percent,
                d.cluster,
                if about.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", about.join(", "))
                }
            );
            for e in &d.endpoints {
                let locality = if e.locality.is_empty() {
                    "-"
                } else {
                    e.locality.as_str()
                };
                let _ = writeln!(
                    out,
                    "          {}  locality {}  weight {}  {}",
                    e.address, locality, e.weight, e.health
                );
            }
            for e in &d.skipped_endpoints {
                let _ = writeln!(
                    out,
                    "          {}  {}: sent, but gRPC skips it (gRFC A27)",
                    e.address, e.health
                );
            }
            for workload in &d.pods_of {
                let _ = writeln!(
                    out,
                    "          the pods of {workload}, once running (the inputs give no pod addresses)"
                );
            }
            if let Some(failure) = &d.failure {
                let _ = writeln!(out, "          fails: {failure}");
            }
        }
    }
    if !verdict.applied.is_empty() {
        let _ = writeln!(out, "\ngRPC applies:");
        let width = verdict
            .applied
            .iter()
            .map(|a| a.what.len())
            .max()
            .unwrap_or(0);
        for a in &verdict.applied {
            let _ = writeln!(out, "  {:width$}  {}", a.what, a.detail);
        }
    }
    if !verdict.fields.is_empty() {
        let _ = writeln!(out, "\ngRPC ignores or rejects:");
        for f in &verdict.fields {
            let effect = match f.effect {
                Effect::Ignored => "ignored",
                Effect::Rejected => "REJECTED",
            };
            let _ = writeln!(
                out,
                "  {}: {effect} by {} (mesh explain {})",
                f.field, f.runtimes, f.rule
            );
        }
    }
    let _ = writeln!(out);
    match &verdict.outcome.status {
        None => {
            let _ = writeln!(out, "result: {}", verdict.outcome.reason);
        }
        Some(status) => {
            let _ = writeln!(out, "result: fails {status}: {}", verdict.outcome.reason);
        }
    }
    out
}

fn route_label(name: &str, source: Option<&crate::xds::client::RouteSource>) -> String {
    let name = if name.is_empty() { "(unnamed)" } else { name };
    match source {
        Some(source) => format!("{name}  from {source}"),
        None => name.to_string(),
    }
}
