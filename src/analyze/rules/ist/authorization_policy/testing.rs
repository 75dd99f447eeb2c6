//! Test helpers shared by this family's rules and the other traffic and
//! policy rules: run one rule over YAML text and print its findings.

use crate::analyze::{analyze, Selection};
use crate::index::Index;
use crate::load::load_files;
use crate::model::MeshConfig;
use crate::source::SourceFile;

/// The findings of rule `name` on `text`, one line each:
/// `CODE origin line field message`, sorted by line.
pub(crate) fn findings(name: &str, text: &str) -> Vec<String> {
    findings_with(name, text, MeshConfig::default())
}

/// As [`findings`], with a mesh config.
pub(crate) fn findings_with(name: &str, text: &str, mesh_config: MeshConfig) -> Vec<String> {
    let loaded = load_files(vec![SourceFile::new("t.yaml", text.to_string())]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let index = Index::build(loaded.objects, mesh_config);
    let selection = Selection {
        select: vec![name.to_string()],
        ignore: vec![],
    };
    let mut found = analyze(&index, &selection);
    found.sort_by(|a, b| a.pos.cmp(&b.pos).then_with(|| a.message.cmp(&b.message)));
    found
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {} {}",
                d.code,
                d.origin
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                d.pos.map_or(0, |p| p.line),
                d.field
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                d.message
            )
        })
        .collect()
}
