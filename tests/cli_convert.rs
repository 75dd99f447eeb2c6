//! `mesh convert gateway-api`: what a user sees on stdout, stderr and in the exit code.

use std::process::Command;

fn mesh(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mesh"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("mesh runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_mesh_grpc_route_prints_its_virtual_service_and_reports_the_disabled_pool() {
    let (code, stdout, stderr) = mesh(&[
        "convert",
        "gateway-api",
        "tests/fixtures/convert/grpc-mesh.yaml",
        "--domain-suffix",
        "example.local",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("default~7070~echo.default.svc.example.local"),
        "{stdout}"
    );
    assert!(stdout.contains("exact: /echo.Echo/Ping"), "{stdout}");
    assert!(
        stdout.contains("internal.istio.io/route-semantics: gateway"),
        "{stdout}"
    );
    assert!(
        stderr.contains("InferencePool default/pool")
            && stderr.contains("ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true"),
        "{stderr}"
    );
    let (code, stdout, _) = mesh(&[
        "convert",
        "gateway-api",
        "tests/fixtures/convert/grpc-mesh.yaml",
        "-o",
        "json",
        "--istiod-env",
        "ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true",
    ]);
    assert_eq!(code, 0);
    let documents: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(documents[0]["kind"], "VirtualService");
}

#[test]
fn bad_settings_are_usage_errors_and_unreadable_inputs_exit_65() {
    let (code, _, stderr) = mesh(&[
        "convert",
        "gateway-api",
        "tests/fixtures/convert/grpc-mesh.yaml",
        "--istiod-env",
        "NOT_A_SETTING=1",
    ]);
    assert_eq!(code, 64);
    assert!(stderr.contains("unknown istiod setting"), "{stderr}");
    let (code, _, _) = mesh(&[
        "convert",
        "gateway-api",
        "tests/fixtures/convert/missing.yaml",
    ]);
    assert_eq!(code, 65);
}
