//! The parse floors for the benchmark: read the same files as `mesh validate`
//! and only parse them with the YAML crate, on the same number of threads.
//! `scripts/bench.py` runs it beside `mesh validate`.
//!
//!     parse_only PATH...          saphyr-parser events, nothing built
//!     parse_only --tree PATH...   saphyr's own loader: a MarkedYaml tree
//!                                 (a span on every node) per document

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use saphyr::{LoadableYamlNode, MarkedYaml};

fn main() {
    let mut args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let build_trees = args.first().is_some_and(|arg| arg.as_os_str() == "--tree");
    if build_trees {
        args.remove(0);
    }
    let inputs = mesh::source::read_paths(&args);
    let workers = thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let parsed = AtomicUsize::new(0);
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(file) = inputs.files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let count = if build_trees {
                        // Dropped here, as `mesh validate` drops each file's documents.
                        MarkedYaml::load_from_str(&file.text).map_or(0, |documents| documents.len())
                    } else {
                        count_events(&file.text)
                    };
                    parsed.fetch_add(count, Ordering::Relaxed);
                }
            });
        }
    });
    let unit = if build_trees { "documents" } else { "events" };
    println!(
        "{} {unit} in {} files",
        parsed.into_inner(),
        inputs.files.len()
    );
}

fn count_events(text: &str) -> usize {
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut count = 0;
    while let Some(Ok(_)) = parser.next_event() {
        count += 1;
    }
    count
}
