//! `mesh proxy-config rootca-compare`: one line saying whether two
//! workloads share a root CA, or a record for `-o json|yaml`.

use serde_json::{json, Value as Json};

use crate::proxyconfig::rootca::Root;

/// The roots one workload trusts, and what to call it.
pub struct Side<'a> {
    pub label: &'a str,
    pub roots: &'a [Root],
}

/// The line for stdout when they share a root, else the error for stderr.
pub fn text(first: &Side, second: &Side, common: &[&Root]) -> Result<String, String> {
    if common.is_empty() {
        return Err(format!(
            "{} and {} trust no common root CA ({}: {}; {}: {}): mutual TLS between them cannot verify",
            first.label,
            second.label,
            first.label,
            describe_all(first.roots),
            second.label,
            describe_all(second.roots),
        ));
    }
    let shared: Vec<&Root> = common.to_vec();
    Ok(format!(
        "{} and {} trust the same root CA: {}\n",
        first.label,
        second.label,
        describe_all_refs(&shared)
    ))
}

/// `-o json|yaml`: both sides' roots and the ones they share.
pub fn record(first: &Side, second: &Side, common: &[&Root]) -> Json {
    let side = |side: &Side| {
        json!({
            "source": side.label,
            "roots": side.roots.iter().map(Root::to_json).collect::<Vec<_>>(),
        })
    };
    json!({
        "sharesRoot": !common.is_empty(),
        "common": common.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
        "first": side(first),
        "second": side(second),
    })
}

fn describe_all(roots: &[Root]) -> String {
    describe_all_refs(&roots.iter().collect::<Vec<_>>())
}

fn describe_all_refs(roots: &[&Root]) -> String {
    roots
        .iter()
        .map(|r| r.describe())
        .collect::<Vec<_>>()
        .join(", ")
}
