//! Fuzzes `mesh proxy-config`: bytes as a saved Envoy `/config_dump` and as
//! the admin API's answers (`/config_dump`, `/clusters`) → every table and record.
//! The body is `mesh::fuzzing::envoy_dump`, which `tests/fuzz_corpus.rs` replays
//! the corpus through. Any panic, hang or runaway allocation is a bug.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mesh::fuzzing::envoy_dump(data));
