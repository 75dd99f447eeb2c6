use crate::analyze::{Context, Findings};
use crate::declare_rule;

use super::scope::{clients_text, http_path, mesh_virtual_services};

declare_rule! {
    /// VirtualService retry settings gRPC does not implement (perTryTimeout, retryRemoteLocalities, HTTP retryOn values) are silently ignored.
    ///
    /// ## What it checks
    /// In `http[].retries` with `attempts` above 0, in a VirtualService bound to
    /// `mesh` whose hosts proxyless gRPC clients call: `perTryTimeout`,
    /// `retryRemoteLocalities`, `retryIgnorePreviousHosts`, `retryOn` values
    /// that are not gRPC status conditions (`5xx`, `gateway-error`, `reset`,
    /// `connect-failure`, HTTP status codes...), and `attempts` above 4.
    ///
    /// ## Why it matters
    /// gRPC's retry support (gRFC A44) reads only `num_retries`,
    /// `retry_back_off` and the gRPC conditions `cancelled`,
    /// `deadline-exceeded`, `internal`, `resource-exhausted` and `unavailable`
    /// of `retry_on`; it ignores per-try timeouts, host predicates, priorities
    /// and HTTP conditions, and caps attempts at 5. When no gRPC condition is
    /// left, the client gets no retry policy at all and never retries.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - route: [{destination: {host: echo}}]
    ///   retries: {attempts: 3, perTryTimeout: 1s, retryOn: "5xx,reset"}
    /// ```
    ///
    /// ## How to fix
    /// Use gRPC conditions in `retryOn` (e.g. `unavailable,resource-exhausted`)
    /// and bound the whole call with `timeout` or the client deadline instead
    /// of `perTryTimeout`.
    pub static RULE = { code: "GRPC011", name: "retry-fields-ignored", level: Warning, check: check };
}

/// `retryOn` split into (gRPC conditions, ignored values). Istio's default
/// when `retryOn` is unset keeps `unavailable,cancelled`.
pub fn split_retry_on(retry_on: Option<&str>) -> (Vec<String>, Vec<String>) {
    let text = retry_on
        .filter(|t| !t.trim().is_empty())
        .unwrap_or("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
    let mut kept = Vec::new();
    let mut ignored = Vec::new();
    for value in text.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        if crate::xds::client::grpc_retry_status(value).is_some() {
            kept.push(value.to_string());
        } else if retry_on.is_some() {
            ignored.push(value.to_string());
        }
    }
    (kept, ignored)
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for vs in mesh_virtual_services(context) {
        for (i, route, clients) in vs.routes() {
            let Some(retries) = &route.retries else {
                continue;
            };
            let attempts = retries.attempts.unwrap_or(0);
            if attempts <= 0 {
                continue;
            }
            let who = clients_text(context, &clients);
            let path = http_path(i).field("retries");
            let (kept, ignored) = split_retry_on(retries.retry_on.as_deref());
            if !ignored.is_empty() {
                let effect = if kept.is_empty() {
                    "no gRPC status condition is left, so gRPC drops the retry policy and never retries".to_string()
                } else {
                    format!(
                        "only {} {} a retry",
                        kept.join(", "),
                        if kept.len() == 1 {
                            "triggers"
                        } else {
                            "trigger"
                        }
                    )
                };
                findings
                    .report(
                        vs.object,
                        &path.field("retryOn"),
                        format!(
                            "retryOn {} {} ignored by gRPC, which retries only on gRPC status conditions (gRFC A44): for {who}, {effect}",
                            ignored.join(", "),
                            if ignored.len() == 1 { "is" } else { "are" },
                        ),
                    )
                    .help = Some("use gRPC conditions: cancelled, deadline-exceeded, internal, resource-exhausted, unavailable".into());
            }
            if retries.per_try_timeout.is_some() {
                findings
                    .report(
                        vs.object,
                        &path.field("perTryTimeout"),
                        format!(
                            "perTryTimeout is ignored by gRPC (gRFC A44): retries from {who} share the call's deadline, and one slow attempt uses all of it"
                        ),
                    )
                    .help = Some("bound the call with timeout or the client deadline instead".into());
            }
            if retries.retry_remote_localities == Some(true) {
                findings
                    .report(
                        vs.object,
                        &path.field("retryRemoteLocalities"),
                        format!("retryRemoteLocalities is ignored by gRPC (gRFC A44 has no retry priorities): retries from {who} stay with the normal locality picking"),
                    )
                    .help = Some("remove retryRemoteLocalities for proxyless clients".into());
            }
            if retries.retry_ignore_previous_hosts.is_some() {
                findings
                    .report(
                        vs.object,
                        &path.field("retryIgnorePreviousHosts"),
                        format!("retryIgnorePreviousHosts is ignored by gRPC (gRFC A44 has no host predicates): retries from {who} may go to the same endpoint"),
                    )
                    .help = Some("remove retryIgnorePreviousHosts for proxyless clients".into());
            }
            if attempts > 4 {
                findings
                    .report(
                        vs.object,
                        &path.field("attempts"),
                        format!("attempts {attempts} is capped by gRPC: maxAttempts is at most 5 (gRFC A44), so {who} retry at most 4 times"),
                    )
                    .help = Some("set attempts to 4 or less".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::testing::{mesh, run_rule_as};
    use super::split_retry_on;

    #[test]
    fn retry_on_split() {
        assert_eq!(
            split_retry_on(Some("5xx, unavailable,503")),
            (
                vec!["unavailable".to_string()],
                vec!["5xx".to_string(), "503".to_string()]
            )
        );
        let (kept, ignored) = split_retry_on(None);
        assert_eq!(kept, ["unavailable", "cancelled"]);
        assert!(ignored.is_empty());
    }

    #[test]
    fn http_only_retry_on_drops_the_policy() {
        let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: ns}
spec:
  hosts: [echo]
  http:
  - route: [{destination: {host: echo}}]
    retries: {attempts: 6, retryOn: '5xx,reset', perTryTimeout: 1s}
  - route: [{destination: {host: echo}}]
    retries: {attempts: 0, retryOn: '5xx'}
";
        let found = run_rule_as("GRPC011", "any", &mesh(vs));
        let fields: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spec.http[0].retries.attempts",
                "spec.http[0].retries.perTryTimeout",
                "spec.http[0].retries.retryOn"
            ]
        );
        assert!(
            found[2]
                .2
                .contains("retryOn 5xx, reset are ignored by gRPC"),
            "{}",
            found[2].2
        );
        assert!(found[2]
            .2
            .contains("gRPC drops the retry policy and never retries"));
    }
}
