//! Replays every input the fuzzers kept (`fuzz/corpus/TARGET`), their seeds
//! (`fuzz/seeds/TARGET`) and every input that once crashed one
//! (`fuzz/regressions/TARGET`) through the fuzz targets' own bodies
//! (`mesh::fuzzing`), without libFuzzer, so a crash once found stays fixed.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

/// Panics in any thread. libFuzzer counts every panic as a crash, also one
/// the code under test turns into an error (`kube-inject` reports a
/// panicked worker as an internal error), and so does the replay.
static PANICS: AtomicUsize = AtomicUsize::new(0);

/// One target replays at a time, so that a panic is told to the right one.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            default(info);
        }));
    });
}

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

/// Runs `target` on every kept input; a panic names the input.
fn replay(target: &str, min_corpus: usize) {
    let (_, body) = mesh::fuzzing::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a fuzz target of that name");
    count_panics();
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let corpus = inputs("corpus", target);
    for path in corpus
        .iter()
        .chain(&inputs("seeds", target))
        .chain(&inputs("regressions", target))
    {
        let bytes = fs::read(path).unwrap();
        let before = PANICS.load(Ordering::SeqCst);
        let _ = std::panic::catch_unwind(|| body(&bytes));
        assert_eq!(
            PANICS.load(Ordering::SeqCst),
            before,
            "fuzz target {target} panicked on {}",
            path.display()
        );
    }
    assert!(
        corpus.len() >= min_corpus,
        "only {} inputs in fuzz/corpus/{target}",
        corpus.len()
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
    replay("kube_inject", 100);
}

#[test]
fn csds_dump_corpus() {
    replay("csds_dump", 100);
}

#[test]
fn envoy_dump_corpus() {
    replay("envoy_dump", 100);
}

/// Seeds only so far: no fuzzing run has grown its corpus yet.
#[test]
fn channelz_health_corpus() {
    replay("channelz_health", 0);
}
