//! Fixtures of the consistency rules: `testdata/rules/consistency/NAME/`
//! holds `fires.yaml` and `silent.yaml`.

pub(super) use crate::analyze::testing::finding;

/// The findings of rule `name` on its fixture `file` (`fires` or `silent`).
pub(super) fn run_fixture(name: &str, file: &str) -> Vec<(String, String, u32, String, String)> {
    let path = format!(
        "{}/testdata/rules/consistency/{name}/{file}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    crate::analyze::testing::run_rule(name, &format!("{file}.yaml"), &text)
}
