use std::collections::{BTreeMap, BTreeSet};

use super::istio_webhooks::{injectors, webhook_path, REVISION_LABEL};
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::webhook::selector_matches;

declare_rule! {
    /// Two Istio injector webhooks select the same pods.
    ///
    /// ## What it checks
    /// Istio's injector MutatingWebhookConfigurations (a webhook named
    /// `*istio.io`, or an `istio.io/rev` revision in their labels or
    /// selectors): for every combination of the namespace labels
    /// `istio-injection: enabled|disabled`, the pod labels
    /// `sidecar.istio.io/inject: "true"|"false"` and `istio.io/rev` set to each
    /// revision named (or unset), at most one webhook may match (istioctl's
    /// IST0139). Each webhook that overlaps is reported with the others.
    ///
    /// ## Why it matters
    /// When two injectors match a pod, both mutate it: the pod is injected
    /// twice, with conflicting proxies or a failed admission.
    ///
    /// ## Example
    /// Two configurations (`istio-sidecar-injector` and a leftover
    /// `istio-sidecar-injector-canary`) whose webhooks both select namespaces
    /// labelled `istio-injection: enabled`.
    ///
    /// ## How to fix
    /// Delete the stale injector configuration, or narrow the selectors so that each namespace and pod label combination matches one webhook.
    pub static RULE = { code: "IST0139", name: "injector-webhooks-overlap", level: Error, check: check };
}

const INJECTION_LABEL: &str = "istio-injection";
const INJECT_LABEL: &str = "sidecar.istio.io/inject";

/// The label sets to try: none, `key: on`, `key: off`, each also with every
/// revision.
fn permutations(
    key: &str,
    on: &str,
    off: &str,
    revisions: &[String],
) -> Vec<BTreeMap<String, String>> {
    let base = [
        BTreeMap::new(),
        BTreeMap::from([(key.to_string(), on.to_string())]),
        BTreeMap::from([(key.to_string(), off.to_string())]),
    ];
    let mut all = base.to_vec();
    for revision in revisions {
        for labels in &base {
            let mut labels = labels.clone();
            labels.insert(REVISION_LABEL.to_string(), revision.clone());
            all.push(labels);
        }
    }
    all
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let injectors = injectors(context.index);
    let mut revisions: Vec<String> = injectors
        .iter()
        .flat_map(|i| i.revisions.iter().cloned())
        .collect();
    revisions.sort();
    revisions.dedup();
    // "CONFIG/WEBHOOK" -> (injector, webhook position in the list).
    let mut hooks: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (i, injector) in injectors.iter().enumerate() {
        for (h, hook) in injector.webhooks.iter().enumerate() {
            hooks.insert(
                format!("{}/{}", full_name(injector.object), hook.name),
                (i, h),
            );
        }
    }
    let mut reported: BTreeSet<(String, String)> = BTreeSet::new();
    for namespace_labels in permutations(INJECTION_LABEL, "enabled", "disabled", &revisions) {
        for pod_labels in permutations(INJECT_LABEL, "true", "false", &revisions) {
            let matched: BTreeSet<&String> = hooks
                .iter()
                .filter(|(_, (i, h))| {
                    let hook = &injectors[*i].webhooks[*h];
                    selector_matches(hook.namespace_selector.as_ref(), &namespace_labels)
                        && selector_matches(hook.object_selector.as_ref(), &pod_labels)
                })
                .map(|(key, _)| key)
                .collect();
            if matched.len() < 2 {
                continue;
            }
            for key in &matched {
                let others: Vec<&str> = matched
                    .iter()
                    .filter(|other| other != &key)
                    .map(|other| other.as_str())
                    .collect();
                reported.insert(((*key).clone(), others.join(" ")));
            }
        }
    }
    for (key, others) in reported {
        let (i, h) = hooks[&key];
        let injector = &injectors[i];
        let hook = &injector.webhooks[h];
        findings
            .report(
                injector.object,
                &webhook_path(hook),
                format!("Webhook overlaps with others: [{others}]. This may cause injection to occur twice."),
            )
            .help = Some("each namespace and pod label combination should match one injector webhook; remove the stale configuration or narrow its selectors".into());
    }
}

/// `namespace/name`, or the name of a cluster-scoped object.
fn full_name(object: &crate::model::Object) -> String {
    match object.meta.namespace.as_deref() {
        Some(ns) if !ns.is_empty() => format!("{ns}/{}", object.meta.name),
        _ => object.meta.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/webhooks/injector-webhooks.yaml");

    #[test]
    fn reports_each_overlapping_webhook() {
        let found = run_rule("injector-webhooks-overlap", "webhooks.yaml", FIXTURE);
        let summary: Vec<_> = found
            .iter()
            .map(|f| (f.1.as_str(), f.3.as_str(), f.4.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "MutatingWebhookConfiguration istio-sidecar-injector",
                    "webhooks[0]",
                    "Webhook overlaps with others: [istio-sidecar-injector-stale/sidecar-injector.istio.io]. This may cause injection to occur twice."
                ),
                (
                    "MutatingWebhookConfiguration istio-sidecar-injector-stale",
                    "webhooks[0]",
                    "Webhook overlaps with others: [istio-sidecar-injector/namespace.sidecar-injector.istio.io]. This may cause injection to occur twice."
                ),
            ]
        );
    }
}
