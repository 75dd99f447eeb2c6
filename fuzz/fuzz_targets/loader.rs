//! Fuzzes the whole loader: bytes → source file → documents → typed objects →
//! validation → text output. Any panic, hang or runaway allocation is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesh::output::{render, Format, Style};

fuzz_target!(|data: &[u8]| {
    let Ok(file) = mesh::source::from_bytes("fuzz.yaml", data.to_vec()) else {
        return;
    };
    let loaded = mesh::load::load_files(vec![file]);
    let diagnostics = mesh::validate::validate(&loaded.objects);
    let _ = render(Format::Text, &diagnostics, Style {
        color: false,
        failure_threshold: mesh::diagnostic::Level::Error,
    }, &Default::default());
    let index = mesh::index::Index::build(loaded.objects, Default::default());
    let _ = index.workloads().len();
});
