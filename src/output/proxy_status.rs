//! `mesh proxy-status` rows as a table (istioctl's padding) or as records
//! for `-o json|yaml`.

use serde_json::{Map, Value as Json};

use crate::proxyconfig::status::{human_age, Row};
use crate::proxyconfig::table::{cell, render};
use crate::proxyconfig::ResourceKind;

/// The types with a column of their own; `-o json` has every type.
const COLUMNS: [(&str, ResourceKind); 4] = [
    ("LDS", ResourceKind::Listener),
    ("RDS", ResourceKind::Route),
    ("CDS", ResourceKind::Cluster),
    ("EDS", ResourceKind::Endpoint),
];

/// One line per row: NAME, PROXY, a cell per type (how many ACKED, then
/// any other status in parentheses: `1 (1 NACKED)`), VERSION, AGE, SYNC and
/// DETAIL (never cut: the reason is at its end).
pub fn table(rows: &[Row]) -> String {
    let mut header = vec!["NAME", "PROXY"];
    header.extend(COLUMNS.iter().map(|(title, _)| *title));
    header.extend(["VERSION", "AGE", "SYNC", "DETAIL"]);
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let mut line = vec![cell(&row.name), cell(row.proxy.map_or("", |p| p.word()))];
            for (_, kind) in &COLUMNS {
                line.push(count_cell(row, kind));
            }
            line.push(cell(&row.version));
            line.push(row.age.map_or_else(|| "-".into(), human_age));
            line.push(row.sync.word().into());
            let detail = row.detail.replace(['\n', '\t'], " ");
            line.push(if detail.is_empty() {
                "-".into()
            } else {
                detail
            });
            line
        })
        .collect();
    render(&header, &lines)
}

fn count_cell(row: &Row, kind: &ResourceKind) -> String {
    let Some(counts) = row.counts.get(kind) else {
        return "-".into();
    };
    let acked = counts.get("ACKED").copied().unwrap_or(0);
    let others: Vec<String> = counts
        .iter()
        .filter(|(status, _)| status.as_str() != "ACKED")
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    if others.is_empty() {
        acked.to_string()
    } else {
        format!("{acked} ({})", others.join(", "))
    }
}

/// The record of a row for `-o json|yaml`.
pub fn record(row: &Row) -> Json {
    let mut map = Map::new();
    map.insert("name".into(), row.name.clone().into());
    map.insert("address".into(), row.address.clone().into());
    map.insert(
        "proxy".into(),
        row.proxy.map_or(Json::Null, |p| p.word().into()),
    );
    map.insert(
        "node".into(),
        row.node.clone().map_or(Json::Null, Json::String),
    );
    let mut types = Map::new();
    for (kind, counts) in &row.counts {
        let counts: Map<String, Json> = counts
            .iter()
            .map(|(status, n)| (status.clone(), (*n).into()))
            .collect();
        types.insert(kind.label().to_string(), Json::Object(counts));
    }
    map.insert("resources".into(), Json::Object(types));
    map.insert("version".into(), row.version.clone().into());
    map.insert("lastUpdated".into(), row.last_updated.clone().into());
    map.insert(
        "ageSeconds".into(),
        row.age.map_or(Json::Null, |age| age.as_secs().into()),
    );
    map.insert("sync".into(), row.sync.word().into());
    map.insert("detail".into(), row.detail.clone().into());
    if let Some((compared, differences)) = row.compared {
        map.insert("compared".into(), compared.into());
        map.insert("differences".into(), differences.into());
    }
    Json::Object(map)
}

/// Every row's record, in order.
pub fn records(rows: &[Row]) -> Json {
    Json::Array(rows.iter().map(record).collect())
}
