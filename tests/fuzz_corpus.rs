//! Replays every input the fuzzers kept (`fuzz/corpus/TARGET`), their seeds
//! (`fuzz/seeds/TARGET`) and every input that once crashed one
//! (`fuzz/regressions/TARGET`) through the fuzz targets' own bodies
//! (`mesh::fuzzing`), without libFuzzer, so a crash once found stays fixed.

use std::fs;
use std::path::{Path, PathBuf};

/// The files of `fuzz/KIND/TARGET`, sorted; none when it does not exist.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `target` on every kept input; a panic names the input. At least
/// `min_inputs` corpus and seed inputs must be there: an emptied directory
/// would pass without testing anything.
fn replay(target: &str, min_inputs: usize) {
    let (_, body) = mesh::fuzzing::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a fuzz target of that name");
    let corpus = inputs("corpus", target);
    let seeds = inputs("seeds", target);
    for path in corpus
        .iter()
        .chain(&seeds)
        .chain(&inputs("regressions", target))
    {
        let bytes = fs::read(path).unwrap();
        let outcome = std::panic::catch_unwind(|| body(&bytes));
        assert!(
            outcome.is_ok(),
            "fuzz target {target} panicked on {}",
            path.display()
        );
    }
    assert!(
        corpus.len() + seeds.len() >= min_inputs,
        "only {} inputs in fuzz/corpus/{target} and fuzz/seeds/{target}",
        corpus.len() + seeds.len()
    );
}

#[test]
fn loader_corpus() {
    replay("loader", 100);
}

#[test]
fn analyze_corpus() {
    replay("analyze", 100);
}

#[test]
fn xds_render_corpus() {
    replay("xds_render", 100);
}

#[test]
fn kube_inject_corpus() {
    replay("kube_inject", 10);
}

#[test]
fn csds_dump_corpus() {
    replay("csds_dump", 7);
}

#[test]
fn envoy_dump_corpus() {
    replay("envoy_dump", 4);
}
