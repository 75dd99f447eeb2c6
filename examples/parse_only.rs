//! The parse floor for the benchmark: read the same files as `mesh validate`
//! and only run the YAML parser over them (every event, nothing built), on the
//! same number of threads. `scripts/bench.py` runs it beside `mesh validate`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let inputs = mesh::source::read_paths(&paths);
    let workers = thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let events = AtomicUsize::new(0);
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(file) = inputs.files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let mut parser = saphyr_parser::Parser::new_from_str(&file.text);
                    let mut count = 0;
                    while let Some(Ok(_)) = parser.next_event() {
                        count += 1;
                    }
                    events.fetch_add(count, Ordering::Relaxed);
                }
            });
        }
    });
    println!(
        "{} events in {} files",
        events.into_inner(),
        inputs.files.len()
    );
}
