//! Runs the `mesh` binary as a user would, with a watchdog: a hang fails the
//! test instead of stalling CI. Shared by the end-to-end test files.

#![allow(dead_code)] // each test file uses its own part

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const MESH: &str = env!("CARGO_BIN_EXE_mesh");

/// What a run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs mesh in `dir`, feeding `stdin` when given; killed after 30 s.
pub fn mesh_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let started = Instant::now();
    let mut child = Command::new(MESH)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mesh runs");
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    let pid = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(30));
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    });
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    drop(watchdog);
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// Runs mesh from the repository's root.
pub fn mesh(args: &[&str]) -> Run {
    mesh_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, None)
}

#[track_caller]
pub fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected {needle:?} in:\n{haystack}"
    );
}

/// The documents of YAML output, parsed (empty ones left out).
pub fn documents(text: &str) -> Vec<serde_json::Value> {
    mesh::source::yaml::parse_values(text)
        .documents
        .into_iter()
        .filter_map(|d| d.root)
        .filter(|root| !root.is_null())
        .collect()
}
