//! Fuzzes `mesh analyze`: bytes → index → every rule, then again with the
//! assumed proxyless workloads → findings in every output format.
//! The body is `mesh::fuzzing::analyze`, which `tests/fuzz_corpus.rs` replays
//! the corpus through. Any panic, hang or runaway allocation is a bug.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mesh::fuzzing::analyze(data));
