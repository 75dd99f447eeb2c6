//! `mesh proxy-config channelz` tables: channels, subchannels, sockets and
//! servers, each table only when it has rows, one blank line apart.

use crate::proxyconfig::channelz::{Calls, ChannelzView};
use crate::proxyconfig::table::{cell, render};

/// The four tables of a snapshot.
pub fn tables(view: &ChannelzView) -> String {
    let mut parts = Vec::new();
    if !view.channels.is_empty() {
        // Child channels (those another entity names) show who names them.
        let nested = view.channels.iter().any(|c| !c.parents.is_empty());
        let mut header = vec!["CHANNEL"];
        if nested {
            header.push("PARENT");
        }
        header.extend(["TARGET", "STATE"]);
        header.extend(CALL_COLUMNS);
        let rows: Vec<Vec<String>> = view
            .channels
            .iter()
            .map(|c| {
                let mut row = vec![c.id.to_string()];
                if nested {
                    row.push(cell(&c.parents.join(", ")));
                }
                row.extend([cell(&c.target), c.state.clone()]);
                row.extend(calls(&c.calls));
                row
            })
            .collect();
        parts.push(render(&header, &rows));
    }
    if !view.subchannels.is_empty() {
        let mut header = vec!["SUBCHANNEL", "PARENT", "TARGET", "STATE"];
        header.extend(CALL_COLUMNS);
        let rows: Vec<Vec<String>> = view
            .subchannels
            .iter()
            .map(|s| {
                let mut row = vec![
                    s.id.to_string(),
                    cell(&s.parents.join(", ")),
                    cell(&s.target),
                    s.state.clone(),
                ];
                row.extend(calls(&s.calls));
                row
            })
            .collect();
        parts.push(render(&header, &rows));
    }
    if !view.sockets.is_empty() {
        let header = [
            "SOCKET",
            "OF",
            "LOCAL",
            "REMOTE",
            "STREAMS STARTED",
            "SUCCEEDED",
            "FAILED",
            "MESSAGES SENT",
            "RECEIVED",
            "TLS PEER",
        ];
        let rows: Vec<Vec<String>> = view
            .sockets
            .iter()
            .map(|s| {
                vec![
                    s.id.to_string(),
                    cell(&s.owners.join(", ")),
                    cell(&s.local),
                    cell(&s.remote),
                    s.streams_started.to_string(),
                    s.streams_succeeded.to_string(),
                    s.streams_failed.to_string(),
                    s.messages_sent.to_string(),
                    s.messages_received.to_string(),
                    cell(&s.tls_peer),
                ]
            })
            .collect();
        parts.push(render(&header, &rows));
    }
    if !view.servers.is_empty() {
        let mut header = vec!["SERVER", "LISTEN"];
        header.extend(CALL_COLUMNS);
        let rows: Vec<Vec<String>> = view
            .servers
            .iter()
            .map(|s| {
                let mut row = vec![s.id.to_string(), cell(&s.listening.join(", "))];
                row.extend(calls(&s.calls));
                row
            })
            .collect();
        parts.push(render(&header, &rows));
    }
    parts.join("\n")
}

const CALL_COLUMNS: [&str; 4] = ["CALLS STARTED", "SUCCEEDED", "FAILED", "LAST CALL"];

fn calls(calls: &Calls) -> [String; 4] {
    [
        calls.started.to_string(),
        calls.succeeded.to_string(),
        calls.failed.to_string(),
        cell(&calls.last_started),
    ]
}
