//! Fuzzes the whole loader: bytes → source file → documents → typed objects →
//! validation → text output → index.
//! The body is `mesh::fuzzing::loader`, which `tests/fuzz_corpus.rs` replays
//! the corpus through. Any panic, hang or runaway allocation is a bug.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mesh::fuzzing::loader(data));
