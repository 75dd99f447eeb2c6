//! Fuzzes `mesh xds render --all-proxyless` and `mesh xds bootstrap`: bytes →
//! index → every proxyless workload's LDS/RDS/CDS/EDS as a table and JSON,
//! then again for the assumed proxyless clients and servers.
//! The body is `mesh::fuzzing::xds_render`, which `tests/fuzz_corpus.rs` replays
//! the corpus through. Any panic, hang or runaway allocation is a bug.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mesh::fuzzing::xds_render(data));
