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

/// One condition line of stderr, `mesh: KIND NS/NAME WHERE: TYPE=STATUS
/// REASON: MESSAGE`, as the vendored `negative_conditions` entries write it.
fn parse_condition(line: &str) -> Option<serde_json::Value> {
    let line = line.strip_prefix("mesh: ")?;
    let (head, status, tail) = ["False", "True"].iter().find_map(|status| {
        let (head, tail) = line.split_once(&format!("={status} "))?;
        Some((head, *status, tail))
    })?;
    let (subject, condition_type) = head.rsplit_once(": ")?;
    let mut words = subject.splitn(3, ' ');
    let object = format!("{} {}", words.next()?, words.next()?);
    let place = words.next()?;
    let (reason, message) = tail.split_once(": ")?;
    Some(serde_json::json!({
        "object": object,
        "where": place,
        "type": condition_type,
        "status": status,
        "reason": reason,
        "message": message,
    }))
}

/// The conditions of five cases of Istio's conversion test, vendored from
/// its status goldens (testdata/gateway-api/conditions/README.md).
#[test]
fn conditions_match_istiods_status_goldens() {
    let dir = "testdata/gateway-api/conditions";
    let text = std::fs::read_to_string(format!("{dir}/expected.json")).expect("expected.json");
    let expected: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let mut settings = vec![
        "--domain-suffix".to_string(),
        expected["domain_suffix"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    ];
    for setting in expected["istiod_env"].as_array().into_iter().flatten() {
        settings.push("--istiod-env".into());
        settings.push(setting.as_str().unwrap_or_default().into());
    }
    let cases = expected["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 5);
    let key = |c: &serde_json::Value| c.to_string();
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let input = format!("{dir}/{name}.yaml");
        let common = format!("{dir}/world/common.yaml");
        let namespaces = format!("{dir}/world/namespaces/{name}.yaml");
        let mut args = vec!["convert", "gateway-api", "-o", "yaml"];
        args.extend(settings.iter().map(String::as_str));
        args.extend([input.as_str(), common.as_str(), namespaces.as_str()]);
        let (code, _, stderr) = mesh(&args);
        assert_eq!(code, 0, "{name}: {stderr}");
        let mut found: Vec<String> = stderr
            .lines()
            .filter_map(parse_condition)
            .map(|c| key(&c))
            .collect();
        let mut want: Vec<String> = case["negative_conditions"]
            .as_array()
            .expect("negative_conditions")
            .iter()
            .map(key)
            .collect();
        found.sort();
        want.sort();
        assert_eq!(found, want, "{name}");
    }
}
