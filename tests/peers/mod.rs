//! Shared by the tests that run real gRPC peers (Python grpcio).

use std::process::Command;

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
