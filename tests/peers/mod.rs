//! Shared by the tests that run real peers: Python grpcio, and
//! `mesh xds serve` itself. Each test binary uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The peers virtualenv's python (created by `scripts/peers-venv.sh` with
/// pip from PyPI on first use), or `None` when python3 is not installed.
pub fn python(purpose: &str) -> Option<String> {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: python3 is not installed, so there is no real {purpose} to test with");
        return None;
    }
    let venv = Command::new("sh")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/peers-venv.sh"
        ))
        .output()
        .unwrap();
    assert!(
        venv.status.success(),
        "scripts/peers-venv.sh failed: {}",
        String::from_utf8_lossy(&venv.stderr)
    );
    Some(String::from_utf8_lossy(&venv.stdout).trim().to_string())
}

/// A child process killed (and reaped) when the test ends, however it ends.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How long `mesh xds serve` may take to print its address.
const LISTENING_WITHIN: Duration = Duration::from_secs(20);

/// `mesh xds serve ARGS... --listen 127.0.0.1:0` (run in the repository),
/// killed when dropped; its stderr is collected line by line.
pub struct Server {
    pub child: Killed,
    /// The address it listens on.
    pub address: String,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mesh"))
            .args(["xds", "serve"])
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let child = Killed(child);
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + LISTENING_WITHIN;
        let mut address = None;
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(rest) = line.split("listening on ").nth(1) {
                address = rest.split_whitespace().next().map(str::to_string);
                break;
            }
        }
        // Keep reading the log so the server never blocks on a full pipe.
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(mut log) = sink.lock() {
                    log.push(line);
                }
            }
        });
        Server {
            child,
            address: address.expect("the server printed its address"),
            log,
        }
    }

    /// The log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Waits until some log line after the first `skip` passes `found`;
    /// returns its index.
    pub fn wait_for_line(
        &self,
        skip: usize,
        within: Duration,
        found: impl Fn(&str) -> bool,
    ) -> usize {
        let deadline = Instant::now() + within;
        loop {
            if let Some(at) = self
                .log
                .lock()
                .unwrap()
                .iter()
                .skip(skip)
                .position(|l| found(l))
            {
                return skip + at;
            }
            assert!(
                Instant::now() < deadline,
                "no such log line in {within:?}; server log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits, without blocking a client's runtime, for a log line with `text`.
    pub async fn log_line(&self, text: &str) -> String {
        let deadline = Instant::now() + LISTENING_WITHIN;
        loop {
            let log = self.log.lock().unwrap().clone();
            if let Some(line) = log.iter().find(|l| l.contains(text)) {
                return line.clone();
            }
            assert!(Instant::now() < deadline, "no {text:?} in the log: {log:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
