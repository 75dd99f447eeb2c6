//! Fuzzes `mesh proxy-config`: bytes as a gRPC app's CSDS answer on the wire
//! (`ClientStatusResponse`) and as a saved dump → every table and record.
//! The body is `mesh::fuzzing::csds_dump`, which `tests/fuzz_corpus.rs` replays
//! the corpus through. Any panic, hang or runaway allocation is a bug.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mesh::fuzzing::csds_dump(data));
