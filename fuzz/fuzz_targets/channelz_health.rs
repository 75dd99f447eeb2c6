//! Fuzzes `mesh proxy-config channelz|health`: bytes as a saved answer
//! (`--file`, proto3 JSON) and as a channelz snapshot on the wire → every
//! table and record. The body is `mesh::fuzzing::channelz_health`, which
//! `tests/fuzz_corpus.rs` replays the seeds and corpus through. Any panic,
//! hang or runaway allocation is a bug.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mesh::fuzzing::channelz_health(data));
