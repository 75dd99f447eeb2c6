//! Fuzzes `mesh kube-inject`: bytes → every document injected with the
//! built-in templates (as sidecars and native sidecars) → text and diff.
//! The body is `mesh::fuzzing::kube_inject`, which `tests/fuzz_corpus.rs` replays
//! the corpus through. Any panic, hang or runaway allocation is a bug.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mesh::fuzzing::kube_inject(data));
