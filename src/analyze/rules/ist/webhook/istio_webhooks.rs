//! Which webhook configurations are Istio's, and the paths the rules point at.

use crate::index::Index;
use crate::model::webhook::{self, Webhook};
use crate::model::Object;
use crate::source::FieldPath;

/// The label naming a control-plane revision.
pub(super) const REVISION_LABEL: &str = "istio.io/rev";

/// An Istio injector configuration: a MutatingWebhookConfiguration with a
/// webhook named `*istio.io` or a revision in its labels or selectors.
pub(super) struct Injector<'a> {
    pub object: &'a Object,
    pub webhooks: Vec<Webhook>,
    pub revisions: Vec<String>,
}

pub(super) fn injectors(index: &Index) -> Vec<Injector<'_>> {
    index
        .objects
        .iter()
        .filter(|o| webhook::is_mutating(o))
        .filter_map(|object| {
            let webhooks = webhook::webhooks(object);
            let revisions = revisions(object, &webhooks);
            let istio = webhooks.iter().any(|w| w.name.ends_with("istio.io"));
            (istio || !revisions.is_empty()).then_some(Injector {
                object,
                webhooks,
                revisions,
            })
        })
        .collect()
}

/// The revisions a configuration names: its `istio.io/rev` label, and the
/// values its webhooks' selectors give that label.
fn revisions(object: &Object, webhooks: &[Webhook]) -> Vec<String> {
    let mut found: Vec<String> = object
        .meta
        .labels
        .get(REVISION_LABEL)
        .cloned()
        .into_iter()
        .collect();
    for hook in webhooks {
        for selector in [&hook.namespace_selector, &hook.object_selector]
            .into_iter()
            .flatten()
        {
            found.extend(
                selector
                    .match_labels
                    .iter()
                    .flatten()
                    .filter(|(k, _)| *k == REVISION_LABEL)
                    .map(|(_, v)| v.clone()),
            );
            for expression in selector.match_expressions.iter().flatten() {
                if expression.key == REVISION_LABEL {
                    found.extend(expression.values.iter().flatten().cloned());
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// `webhooks[i]`.
pub(super) fn webhook_path(hook: &Webhook) -> FieldPath {
    FieldPath::root().field("webhooks").index(hook.position)
}

/// `webhooks[i].clientConfig`.
pub(super) fn client_config_path(hook: &Webhook) -> FieldPath {
    webhook_path(hook).field("clientConfig")
}
