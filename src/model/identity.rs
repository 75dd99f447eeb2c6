//! Who an object is to the API server (group, kind, namespace, name):
//! applying two objects with the same identity keeps only the second.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{Object, Origin};
use crate::diagnostic::{codes, Diagnostic, Level};
use crate::source::{Pos, SourceFile};

/// An object's identity, with where it was defined.
#[derive(Debug, Clone)]
pub struct Identity {
    group: String,
    origin: Origin,
    file: Arc<SourceFile>,
    pos: Pos,
}

impl Identity {
    /// `None` for an object with no name (reported by validation).
    pub fn of(object: &Object, default_namespace: &str) -> Option<Identity> {
        if object.meta.name.is_empty() {
            return None;
        }
        let mut origin = object.origin();
        origin.namespace = Some(object.namespace_or(default_namespace).to_string());
        Some(Identity {
            group: object.group().to_string(),
            origin,
            file: object.doc.file.clone(),
            pos: object.doc.pos,
        })
    }
}

/// A finding at each object that has the identity of an earlier one, in
/// input order: the later definition is the one the cluster keeps.
pub fn duplicate_findings(identities: &[Identity]) -> Vec<Diagnostic> {
    let mut first: HashMap<(&str, &Origin), &Identity> = HashMap::new();
    let mut findings = Vec::new();
    for identity in identities {
        match first.entry((&identity.group, &identity.origin)) {
            Entry::Vacant(slot) => {
                slot.insert(identity);
            }
            Entry::Occupied(earlier) => {
                let earlier = earlier.get();
                let mut finding = Diagnostic::general(
                    codes::DUPLICATE_OBJECT,
                    Level::Warning,
                    format!(
                        "{} is also defined at {}:{}; applied after it, this definition replaces it",
                        identity.origin, earlier.file.name, earlier.pos.line
                    ),
                );
                finding.origin = Some(identity.origin.clone());
                finding.file = Some(identity.file.clone());
                finding.pos = Some(identity.pos);
                findings.push(finding);
            }
        }
    }
    findings
}

/// The objects that a later object with the same identity replaces.
pub fn replaced_objects(objects: &[Object]) -> HashSet<usize> {
    let mut last: HashMap<(String, Origin), usize> = HashMap::new();
    let mut replaced = HashSet::new();
    for (id, object) in objects.iter().enumerate() {
        let Some(identity) = Identity::of(object, crate::index::DEFAULT_NAMESPACE) else {
            continue;
        };
        if let Some(earlier) = last.insert((identity.group, identity.origin), id) {
            replaced.insert(earlier);
        }
    }
    replaced
}
