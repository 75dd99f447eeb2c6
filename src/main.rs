//! The `mesh` binary: everything is in the library; this only runs the CLI.

// Loading builds millions of small nodes and strings: mimalloc makes that
// allocation-bound work markedly faster than glibc malloc (see README,
// Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mesh::cli::run()
}
