//! istioctl-like tables, plus the STATUS and ERROR columns CSDS adds. A
//! SCOPE column appears when the resources come from scoped xDS clients
//! (gRPC opens one per target).

use super::dump::facts;
use super::{Resource, ResourceKind};

/// The widest cell we print; longer names are cut (`-o json` has them whole).
/// Errors are never cut: the reason is at their end.
const MAX_CELL: usize = 120;

/// Columns padded to the widest cell, three spaces apart (istioctl's tabwriter).
pub(crate) fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 3));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// An ERROR cell: whole, on one line, with the version that was rejected.
fn error_cell(resource: &Resource) -> String {
    let text = resource.error.replace(['\n', '\t'], " ");
    match (text.is_empty(), resource.rejected_version.is_empty()) {
        (true, _) => "-".into(),
        (false, true) => text,
        (false, false) => format!("{} rejected: {text}", resource.rejected_version),
    }
}

pub(crate) fn cell(text: &str) -> String {
    let text = text.replace(['\n', '\t'], " ");
    if text.is_empty() {
        "-".into()
    } else if text.chars().count() > MAX_CELL {
        text.chars().take(MAX_CELL - 3).collect::<String>() + "..."
    } else {
        text
    }
}

fn scoped(resources: &[&Resource]) -> bool {
    resources.iter().any(|r| !r.scope.is_empty())
}

/// Builds a table: the optional SCOPE column, the kind's columns, then STATUS and ERROR.
fn table(
    resources: &[&Resource],
    columns: &[&str],
    cells: impl Fn(&Resource) -> Vec<String>,
) -> String {
    let with_scope = scoped(resources);
    let mut header = Vec::new();
    if with_scope {
        header.push("SCOPE");
    }
    header.extend_from_slice(columns);
    header.extend_from_slice(&["VERSION", "STATUS", "ERROR"]);
    let rows: Vec<Vec<String>> = resources
        .iter()
        .map(|r| {
            let mut row = Vec::new();
            if with_scope {
                row.push(cell(&r.scope));
            }
            row.extend(cells(r).iter().map(|c| cell(c)));
            row.push(cell(&r.version));
            row.push(cell(&r.status));
            row.push(error_cell(r));
            row
        })
        .collect();
    render(&header, &rows)
}

/// One row per resource of any type: what the client asked for and holds.
pub fn status(resources: &[&Resource]) -> String {
    let with_scope = scoped(resources);
    let mut header = Vec::new();
    if with_scope {
        header.push("SCOPE");
    }
    header.extend_from_slice(&["TYPE", "NAME", "STATUS", "VERSION", "LAST UPDATED", "ERROR"]);
    let rows: Vec<Vec<String>> = resources
        .iter()
        .map(|r| {
            let mut row = Vec::new();
            if with_scope {
                row.push(cell(&r.scope));
            }
            for text in [
                r.kind.label(),
                &r.name,
                &r.status,
                &r.version,
                &r.last_updated,
            ] {
                row.push(cell(text));
            }
            row.push(error_cell(r));
            row
        })
        .collect();
    render(&header, &rows)
}

pub fn listeners(resources: &[&Resource]) -> String {
    table(resources, &["NAME", "ADDRESS", "DESTINATION"], |r| {
        let (address, destination) =
            facts::of_listener(r).unwrap_or_else(|| ("-".into(), "-".into()));
        vec![r.name.clone(), address, destination]
    })
}

pub fn routes(resources: &[&Resource]) -> String {
    table(
        resources,
        &["NAME", "VIRTUAL HOSTS", "DOMAINS"],
        |r| match facts::of_route(r) {
            Some((hosts, domains)) => vec![r.name.clone(), hosts.to_string(), domains],
            None => vec![r.name.clone(), "-".into(), "-".into()],
        },
    )
}

pub fn clusters(resources: &[&Resource]) -> String {
    table(
        resources,
        &["SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE"],
        |r| {
            // Istio names clusters DIRECTION|PORT|SUBSET|FQDN.
            let parts: Vec<&str> = r.name.split('|').collect();
            let mut row = match parts.as_slice() {
                [direction, port, subset, fqdn] => vec![
                    fqdn.to_string(),
                    port.to_string(),
                    if subset.is_empty() { "-" } else { subset }.to_string(),
                    direction.to_string(),
                ],
                _ => vec![r.name.clone(), "-".into(), "-".into(), "-".into()],
            };
            row.push(facts::of_cluster(r).unwrap_or_else(|| "-".into()));
            row
        },
    )
}

pub fn endpoints(resources: &[&Resource]) -> String {
    table(resources, &["CLUSTER", "ENDPOINTS"], |r| {
        let endpoints = facts::of_endpoints(r).unwrap_or_default();
        let text = match endpoints.len() {
            0 => "-".into(),
            1..=3 => endpoints.join(", "),
            n => format!("{} + {} more...", endpoints[..3].join(", "), n - 3),
        };
        vec![r.name.clone(), text]
    })
}

/// istioctl's ECDS table: extension configs sorted by type, then name.
pub fn ecds(resources: &[&Resource]) -> String {
    let extension_type = |r: &Resource| facts::of_extension(r).unwrap_or_else(|| "-".into());
    let mut sorted = resources.to_vec();
    sorted.sort_by_cached_key(|r| (extension_type(r), r.name.clone()));
    table(&sorted, &["ECDS NAME", "TYPE"], |r| {
        vec![r.name.clone(), extension_type(r)]
    })
}

/// istioctl's endpoint table, from Envoy's `/clusters` host statuses.
pub fn endpoint_hosts(hosts: &[&super::envoy::HostStatus]) -> String {
    let rows: Vec<Vec<String>> = hosts
        .iter()
        .map(|h| {
            [&h.endpoint, &h.status, &h.outlier_check, &h.cluster]
                .into_iter()
                .map(|c| cell(c))
                .collect()
        })
        .collect();
    render(&["ENDPOINT", "STATUS", "OUTLIER CHECK", "CLUSTER"], &rows)
}

/// istioctl's secret table: certificate metadata, never key material.
pub fn secrets(rows: &[super::secrets::SecretRow]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                cell(&r.name),
                cell(&r.kind),
                cell(&r.status),
                r.valid.to_string(),
                cell(&r.serial),
                cell(&r.not_after),
                cell(&r.not_before),
            ]
        })
        .collect();
    render(
        &[
            "RESOURCE NAME",
            "TYPE",
            "STATUS",
            "VALID CERT",
            "SERIAL NUMBER",
            "NOT AFTER",
            "NOT BEFORE",
        ],
        &rows,
    )
}

/// The table for one kind (secrets and other kinds get the status table).
pub fn for_kind(kind: &ResourceKind, resources: &[&Resource]) -> String {
    match kind {
        ResourceKind::Listener => listeners(resources),
        ResourceKind::Route => routes(resources),
        ResourceKind::Cluster => clusters(resources),
        ResourceKind::Endpoint => endpoints(resources),
        ResourceKind::ExtensionConfig => ecds(resources),
        _ => status(resources),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_long_names_are_cut_and_errors_kept() {
        let long = format!("{}: the reason", "x".repeat(300));
        let resource = Resource {
            scope: String::new(),
            kind: ResourceKind::Cluster,
            name: format!("outbound|7070||{}.ns.svc.cluster.local", "a".repeat(200)),
            version: "v1".into(),
            status: "NACKED".into(),
            last_updated: String::new(),
            error: long,
            rejected_version: "v2".into(),
            config: None.into(),
        };
        let text = clusters(&[&resource]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("SERVICE FQDN"));
        assert_eq!(lines[0].find("PORT"), lines[1].find("7070"));
        assert!(lines[1].ends_with(&format!("NACKED   v2 rejected: {}", resource.error)));
        assert!(lines[1].contains("aaa...   7070"), "{}", lines[1]);
    }
}
