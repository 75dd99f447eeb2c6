//! `mesh proxy-config health`: one row per service.

use crate::proxyconfig::health::ServiceHealth;
use crate::proxyconfig::table::render;

/// How the server's overall status (the empty service name) is shown.
pub const OVERALL: &str = "(overall)";

pub fn table(rows: &[ServiceHealth]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let service = if row.service.is_empty() {
                OVERALL.to_string()
            } else {
                row.service.clone()
            };
            vec![service, row.status.clone()]
        })
        .collect();
    render(&["SERVICE", "STATUS"], &rows)
}
