//! Test helper for the virtual-service and gateway rules: run one rule over a
//! YAML text and return its findings in a comparable form.

use crate::analyze::{analyze, Selection};
use crate::index::Index;
use crate::load::load_files;
use crate::model::MeshConfig;
use crate::source::SourceFile;

/// One finding: code, origin, line, field path, message.
pub(crate) type Found = (&'static str, String, u32, String, String);

/// Runs the rule named `rule` over `text` (loaded as `t.yaml`), findings
/// sorted by line then message.
pub(crate) fn run(rule: &str, text: &str) -> Vec<Found> {
    run_with(rule, text, MeshConfig::default())
}

pub(crate) fn run_with(rule: &str, text: &str, mesh_config: MeshConfig) -> Vec<Found> {
    let loaded = load_files(vec![SourceFile::new("t.yaml", text.to_string())]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let index = Index::build(loaded.objects, mesh_config);
    let selection = Selection {
        select: vec![rule.to_string()],
        ignore: vec![],
    };
    let mut found: Vec<Found> = analyze(&index, &selection)
        .into_iter()
        .map(|d| {
            (
                d.code,
                d.origin.map(|o| o.to_string()).unwrap_or_default(),
                d.pos.map_or(0, |p| p.line),
                d.field.map(|f| f.to_string()).unwrap_or_default(),
                d.message,
            )
        })
        .collect();
    found.sort_by(|a, b| (a.2, &a.4).cmp(&(b.2, &b.4)));
    found
}

/// A fixture of this family, by file name.
pub(crate) fn fixture(name: &str) -> String {
    let path = format!(
        "{}/testdata/rules/virtual-service-and-gateway/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
