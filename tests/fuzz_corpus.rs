//! Replays every input the fuzzer kept (`fuzz/corpus/loader`) through the same
//! path as the fuzz target, so a crash once found stays fixed.

use std::fs;
use std::path::Path;

use mesh::output::{render, Format, Style};

#[test]
fn fuzz_corpus_loads_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/loader");
    let mut count = 0;
    for entry in fs::read_dir(&dir).expect("fuzz corpus is checked in") {
        let bytes = fs::read(entry.unwrap().path()).unwrap();
        count += 1;
        let Ok(file) = mesh::source::from_bytes("fuzz.yaml", bytes) else {
            continue;
        };
        let loaded = mesh::load::load_files(vec![file]);
        let diagnostics = mesh::validate::validate(&loaded.objects);
        let _ = render(
            Format::Text,
            &diagnostics,
            Style {
                color: false,
                failure_threshold: mesh::diagnostic::Level::Error,
            },
            &Default::default(),
        );
        let _ = mesh::index::Index::build(loaded.objects, Default::default());
    }
    assert!(
        count > 100,
        "only {count} corpus files in {}",
        dir.display()
    );
}
