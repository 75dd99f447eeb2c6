//! `mesh validate` end to end on good and bad input: the located message a user
//! reads and the exit code CI sees.

mod runner;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use runner::{assert_contains, mesh, mesh_in};

#[test]
fn bundled_examples_are_valid() {
    let run = mesh(&["validate", "testdata/echo-grpc/", "testdata/bookinfo/"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    assert_contains(
        &run.stderr,
        "No validation issues found in 30 objects from 14 files",
    );
}

#[test]
fn malformed_yaml_names_line_and_column() {
    let run = mesh(&["validate", "testdata/invalid/input/malformed.yaml"]);
    assert_eq!(run.code, 65);
    assert_contains(&run.stdout, "[MESH002] (testdata/invalid/input/malformed.yaml:7:1) while parsing a flow sequence, expected ',' or ']'");
}

#[test]
fn a_broken_document_is_one_located_error_and_the_next_one_is_still_checked() {
    let run = mesh(&["validate", "testdata/invalid/input/broken-document.yaml"]);
    assert_eq!(run.code, 65, "{}", run.stderr);
    assert_contains(
        &run.stdout,
        "Error [MESH002] (testdata/invalid/input/broken-document.yaml:12:1) while parsing a flow sequence, expected ',' or ']'",
    );
    assert_eq!(run.stdout.matches("[MESH002]").count(), 1, "{}", run.stdout);
    // The third document, after the broken second one, is read and checked.
    assert_contains(
        &run.stdout,
        "(VirtualService default/after-the-broken-one testdata/invalid/input/broken-document.yaml:24:7) Schema validation error: expected integer, found string \"eighty\"",
    );
}

#[test]
fn yaml_kubectl_reads_loads_with_a_warning_at_the_non_standard_spot() {
    let run = mesh(&["validate", "testdata/yaml-leniency/"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for warning in [
        "testdata/yaml-leniency/flow-under-indented.yaml:21:11) not standard YAML: lines inside this flow collection",
        "testdata/yaml-leniency/quoted-continuation.yaml:7:9) not standard YAML: continuation lines of this quoted string",
        "testdata/yaml-leniency/ipv6-addresses.yaml:8:27) not standard YAML: `2001:db8::` is read as one string, as kubectl (go-yaml) reads it; YAML 1.2 tools read the `:` before `]` as a key separator",
        "testdata/yaml-leniency/ipv6-addresses.yaml:11:25) not standard YAML: `2001:db8::` is read as one string",
    ] {
        assert_contains(&run.stdout, &format!("Warning [MESH006] ({warning}"));
    }
    // Every object was read and checked.
    assert_contains(
        &run.stderr,
        "Checked 3 of 3 objects from 3 files: 4 warnings.",
    );
    // Read as values, not as `{"2001:db8:": null}`: a wrong one is still caught.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("se.yaml"),
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a.example.com]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  addresses: [2001:db8::, [nested]]\n",
    )
    .unwrap();
    let run = mesh_in(dir.path(), &["validate", "se.yaml"], None);
    assert_eq!(run.code, 79, "{}{}", run.stdout, run.stderr);
    assert_contains(
        &run.stdout,
        "se.yaml:7:27) Schema validation error: expected string, found an array",
    );
}

#[test]
fn utf16_with_a_byte_order_mark_is_read_and_utf32_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = |name: &str| format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n");
    let mut little = vec![0xff, 0xfe];
    let mut big = vec![0xfe, 0xff];
    for unit in text("utf16-le").encode_utf16() {
        little.extend(unit.to_le_bytes());
    }
    for unit in text("utf16-be").encode_utf16() {
        big.extend(unit.to_be_bytes());
    }
    fs::write(dir.path().join("le.yaml"), little).unwrap();
    fs::write(dir.path().join("be.yaml"), big).unwrap();
    let run = mesh_in(dir.path(), &["validate", "le.yaml", "be.yaml"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_contains(
        &run.stderr,
        "No validation issues found in 2 objects from 2 files",
    );
    fs::write(
        dir.path().join("utf32.yaml"),
        [0xff, 0xfe, 0, 0, b'a', 0, 0, 0],
    )
    .unwrap();
    let run = mesh_in(dir.path(), &["validate", "utf32.yaml"], None);
    assert_eq!(run.code, 65);
    assert_contains(
        &run.stdout,
        "Error [MESH002] (utf32.yaml) UTF-32 text is not supported; convert the file to UTF-8",
    );
}

#[test]
fn a_trailing_comma_is_an_error_in_json_not_in_yaml() {
    let run = mesh(&["validate", "testdata/invalid/input/trailing-comma.json"]);
    assert_eq!(run.code, 65);
    assert_contains(
        &run.stdout,
        "Error [MESH002] (testdata/invalid/input/trailing-comma.json:6:30) trailing comma before `}` or `]`: not valid JSON",
    );
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("flow.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: mesh,},}\n",
    )
    .unwrap();
    let run = mesh_in(dir.path(), &["validate", "flow.yaml"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_contains(
        &run.stderr,
        "No validation issues found in 1 object from 1 file",
    );
}

#[test]
fn tab_indentation_says_so() {
    let run = mesh(&["validate", "testdata/invalid/input/tabs.yaml"]);
    assert_eq!(run.code, 65);
    assert_contains(
        &run.stdout,
        "[MESH002] (testdata/invalid/input/tabs.yaml:4:",
    );
    assert_contains(&run.stdout, "YAML indentation must use spaces, not tabs");
}

#[test]
fn duplicate_key_points_at_the_second_key() {
    let run = mesh(&["validate", "testdata/invalid/input/duplicate-key.yaml"]);
    assert_eq!(run.code, 65);
    assert_contains(
        &run.stdout,
        "duplicate-key.yaml:8:3) duplicate key \"host\" (first defined at line 7)",
    );
}

#[test]
fn documents_without_api_version_or_kind_are_located_and_the_rest_still_loads() {
    let run = mesh(&["validate", "testdata/invalid/input/missing-kind.yaml"]);
    assert_eq!(run.code, 65);
    assert_contains(&run.stdout, "missing-kind.yaml:1:1) document has no `kind`");
    assert_contains(
        &run.stdout,
        "missing-kind.yaml:5:1) document has no `apiVersion`",
    );
    // The third document is still read and counted.
    assert_contains(&run.stderr, "Checked 1 of 1 object from 1 file");
}

#[test]
fn wrong_types_are_schema_findings_at_the_field() {
    let run = mesh(&["validate", "testdata/invalid/input/wrong-type.yaml"]);
    assert_eq!(run.code, 79, "{}", run.stderr);
    assert_contains(
        &run.stdout,
        "Error [IST0106] (VirtualService default/reviews testdata/invalid/input/wrong-type.yaml:7:3) Schema validation error: expected array, found string \"reviews\"",
    );
    assert_contains(
        &run.stdout,
        "wrong-type.yaml:12:7) Schema validation error: expected integer, found string \"eighty\"",
    );
    assert_contains(&run.stdout, "^^^^^^ spec.http[0].route[0].weight");
}

#[test]
fn out_of_range_numbers_are_located_and_the_rest_is_still_checked() {
    let run = mesh(&["validate", "testdata/invalid/input/out-of-range.yaml"]);
    assert_eq!(run.code, 79, "{}", run.stderr);
    let file = "testdata/invalid/input/out-of-range.yaml";
    for expected in [
        format!("(ServiceEntry default/big-ports {file}:13:5) Schema validation error: port number 10000000000 must be in the range 1..65535"),
        format!("(ServiceEntry default/big-ports {file}:16:5) Schema validation error: port number 99999999999 must be in the range 1..65535"),
        // The same document's field rules still run.
        format!("(ServiceEntry default/big-ports {file}:17:5) Schema validation error: invalid port name: \"Bad_Name\""),
        format!("(VirtualService default/many-retries {file}:33:7) Schema validation error: value 1e23 does not fit: the field is a 32-bit integer (-2147483648..2147483647)"),
        format!("(VirtualService default/many-retries {file}:34:7) Schema validation error: invalid duration \"soon\""),
    ] {
        assert_contains(&run.stdout, &expected);
    }
    // One finding per bad number: no "expected u32" at the document's first
    // line, no second finding about the substituted value.
    assert_eq!(
        run.stdout.matches("Error [IST0106]").count(),
        5,
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("4294967295"), "{}", run.stdout);
}

#[test]
fn telemetry_wasm_plugin_and_proxy_config_are_checked_against_their_crd() {
    let run = mesh(&["validate", "testdata/invalid/input/crd-kinds.yaml"]);
    assert_eq!(run.code, 79, "{}", run.stderr);
    assert_contains(
        &run.stdout,
        "Error [IST0106] (ProxyConfig default/workers testdata/invalid/input/crd-kinds.yaml:11:3) Schema validation error: expected integer, found string \"abc\"",
    );
    assert_contains(
        &run.stdout,
        "Error [IST0106] (Telemetry default/tags testdata/invalid/input/crd-kinds.yaml:24:9) Schema validation error: tag \"request_host\": value must be set when operation is UPSERT",
    );
    assert!(!run.stdout.contains("WasmPlugin"), "{}", run.stdout);
}

#[test]
fn exit_codes_are_the_same_for_every_format() {
    for format in ["text", "json", "yaml"] {
        let run = mesh(&[
            "validate",
            "-o",
            format,
            "testdata/invalid/input/wrong-type.yaml",
        ]);
        assert_eq!(run.code, 79, "{format}");
        let run = mesh(&[
            "validate",
            "-o",
            format,
            "testdata/invalid/input/malformed.yaml",
        ]);
        assert_eq!(run.code, 65, "{format}");
        let run = mesh(&["validate", "-o", format, "testdata/echo-grpc"]);
        assert_eq!(run.code, 0, "{format}");
    }
    let run = mesh(&[
        "validate",
        "--failure-threshold",
        "bogus",
        "testdata/echo-grpc",
    ]);
    assert_eq!(run.code, 64);
    let run = mesh(&["validate"]);
    assert_eq!(run.code, 64);
    assert_contains(&run.stderr, "no input");
}

#[test]
fn json_output_carries_istioctl_keys_and_exact_location() {
    let run = mesh(&[
        "validate",
        "-o",
        "json",
        "testdata/invalid/input/wrong-type.yaml",
    ]);
    let findings: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let first = &findings[0];
    assert_eq!(first["code"], "IST0106");
    assert_eq!(first["level"], "Error");
    assert_eq!(first["origin"], "VirtualService default/reviews");
    assert_eq!(
        first["reference"],
        "testdata/invalid/input/wrong-type.yaml:7"
    );
    assert_eq!(first["line"], 7);
    assert_eq!(first["column"], 3);
    assert_eq!(first["field"], "spec.hosts");
}

#[test]
fn stdin_is_read_with_dash() {
    let text = fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/invalid/input/wrong-type.yaml"),
    )
    .unwrap();
    let run = mesh_in(Path::new("."), &["validate", "-"], Some(&text));
    assert_eq!(run.code, 79);
    assert_contains(&run.stdout, "(VirtualService default/reviews <stdin>:7:3)");
}

#[test]
fn binary_and_non_utf8_files_are_refused_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("binary.yaml"),
        b"apiVersion: v1\n\x7fELF\x00\x01\x02",
    )
    .unwrap();
    fs::write(
        dir.path().join("latin1.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n",
    )
    .unwrap();
    let run = mesh_in(
        dir.path(),
        &["validate", "binary.yaml", "latin1.yaml"],
        None,
    );
    assert_eq!(run.code, 65);
    assert_contains(
        &run.stdout,
        "(binary.yaml:2:5) binary file (contains a NUL byte); expected YAML or JSON text",
    );
    assert_contains(&run.stdout, "(latin1.yaml:3:21) invalid UTF-8 (byte 0xe9)");
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    fs::write(dir.path().join("bomb.yaml"), text).unwrap();
    let run = mesh_in(dir.path(), &["validate", "bomb.yaml"], None);
    assert_eq!(run.code, 65);
    assert_contains(&run.stdout, "[MESH002] (bomb.yaml:");
    assert_contains(
        &run.stdout,
        "YAML aliases expand to more than 100000 nodes (an alias bomb?)",
    );
    eprintln!("alias bomb refused in {:?}", run.elapsed);
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let flow = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    fs::write(dir.path().join("flow.yaml"), flow).unwrap();
    let block: String = (0..10_000)
        .map(|depth| format!("{}k{depth}:\n", " ".repeat(depth)))
        .collect();
    fs::write(dir.path().join("block.yaml"), block).unwrap();
    let run = mesh_in(dir.path(), &["validate", "flow.yaml", "block.yaml"], None);
    assert_eq!(run.code, 65, "{}", run.stderr);
    assert_contains(&run.stdout, "(flow.yaml:4:");
    assert_contains(&run.stdout, "(block.yaml:");
    assert_contains(&run.stdout, "nesting is deeper than 256 levels");
}

#[test]
fn huge_files_are_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    // Sparse: 200 MB on paper, nothing on disk.
    let file = fs::File::create(dir.path().join("huge.yaml")).unwrap();
    file.set_len(200 * 1024 * 1024).unwrap();
    fs::write(
        dir.path().join("ok.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n",
    )
    .unwrap();
    let run = mesh_in(dir.path(), &["validate", "."], None);
    assert_eq!(run.code, 65);
    assert_contains(
        &run.stdout,
        "(./huge.yaml) file is larger than the 64 MiB limit; split it into smaller files",
    );
    assert_contains(&run.stderr, "1 input could not be read");
}

/// `DIR/config/ns.yaml`, one Namespace: a directory to walk.
fn config_with_a_namespace(dir: &Path) -> std::path::PathBuf {
    let config = dir.join("config");
    fs::create_dir(&config).unwrap();
    fs::write(
        config.join("ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
    )
    .unwrap();
    config
}

#[test]
fn symlink_loops_are_skipped_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_a_namespace(dir.path());
    std::os::unix::fs::symlink("..", config.join("parent")).unwrap();
    std::os::unix::fs::symlink("self.yaml", config.join("self.yaml")).unwrap();
    let run = mesh_in(dir.path(), &["validate", "config"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_contains(
        &run.stderr,
        "config/parent/config: skipped: symbolic link loop (back to ",
    );
    assert_contains(&run.stderr, "config/self.yaml: skipped: symbolic link loop");
    assert_contains(
        &run.stderr,
        "No validation issues found in 1 object from 1 file",
    );
}

#[test]
fn a_fifo_in_a_directory_is_skipped_with_a_note_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_a_namespace(dir.path());
    let made = Command::new("mkfifo")
        .arg(config.join("pipe.yaml"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let run = mesh_in(dir.path(), &["validate", "config"], None);
    assert!(run.elapsed < Duration::from_secs(20), "{:?}", run.elapsed);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_contains(
        &run.stderr,
        "config/pipe.yaml: skipped: not a regular file (a FIFO, socket or device)",
    );
    assert_contains(
        &run.stderr,
        "No validation issues found in 1 object from 1 file",
    );
}

#[test]
fn unreadable_and_missing_paths_are_errors_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("ok.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/nonexistent/target.yaml", dir.path().join("dangling.yaml"))
        .unwrap();
    // /proc/self/mem cannot be read at offset 0, even by root.
    let run = mesh_in(
        dir.path(),
        &["validate", ".", "/proc/self/mem", "missing.yaml"],
        None,
    );
    assert_eq!(run.code, 65);
    assert_contains(
        &run.stdout,
        "dangling.yaml) cannot read: No such file or directory",
    );
    assert_contains(
        &run.stdout,
        "(/proc/self/mem) cannot read: Input/output error",
    );
    assert_contains(&run.stdout, "(missing.yaml) no such file or directory");
    assert_contains(&run.stderr, "3 inputs could not be read");
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for command in [
        "analyze",
        "validate",
        "explain",
        "schema",
        "completions",
        "version",
    ] {
        let run = mesh(&[command, "--help"]);
        assert_eq!(run.code, 0);
        assert_contains(&run.stdout, "Example");
    }
    let run = mesh(&["version"]);
    assert_eq!(run.stdout, format!("mesh {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn schema_command_prints_the_checked_in_file() {
    let run = mesh(&["schema", "VirtualService"]);
    assert_eq!(run.code, 0);
    let file = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/virtualservice-networking-v1.json"),
    )
    .unwrap();
    assert_eq!(run.stdout, file);
    let run = mesh(&["schema", "Nonsense"]);
    assert_eq!(run.code, 64);
    assert_contains(&run.stderr, "kinds: VirtualService, DestinationRule");
}

#[test]
fn completions_command_prints_the_checked_in_file() {
    let run = mesh(&["completions", "bash"]);
    let file =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/mesh.bash"))
            .unwrap();
    assert_eq!(run.stdout, file);
}

#[test]
fn secret_values_never_reach_the_output() {
    for format in ["text", "json", "yaml"] {
        let run = mesh(&[
            "validate",
            "-o",
            format,
            "testdata/invalid/input/secret.yaml",
        ]);
        assert_eq!(run.code, 79);
        assert_contains(&run.stdout, "Secret default/db");
        assert!(!run.stdout.contains("12345678"), "{format}: {}", run.stdout);
    }
}

#[test]
fn mesh_config_from_the_istio_config_map_or_the_flag_is_checked() {
    let run = mesh(&["validate", "testdata/invalid/input/mesh-configmap.yaml"]);
    assert_eq!(run.code, 79);
    assert_contains(&run.stdout, "(ConfigMap istio-system/istio testdata/invalid/input/mesh-configmap.yaml:7:3) Schema validation error: invalid mesh config");
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("mesh.yaml"), "trustDomain: example.org\n").unwrap();
    fs::write(dir.path().join("bad-mesh.yaml"), "trustDomain: [a]\n").unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/echo-grpc");
    let examples = examples.to_str().unwrap();
    let run = mesh_in(
        dir.path(),
        &["validate", "--meshConfigFile", "mesh.yaml", examples],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = mesh_in(
        dir.path(),
        &["validate", "--mesh-config", "bad-mesh.yaml", examples],
        None,
    );
    assert_eq!(run.code, 65);
    assert_contains(
        &run.stderr,
        "mesh: error: bad-mesh.yaml: invalid mesh config",
    );
}
