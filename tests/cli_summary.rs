//! Nothing passes green that was not checked: what could not be read is a
//! finding in every output format, what was read but not checked is counted
//! and named, and the closing summary says both (issue 20).

mod runner;

use std::fs;
use std::path::Path;

use serde_json::Value as Json;

use runner::{assert_contains, mesh, mesh_in};

const TABS: &str = "testdata/invalid/input/tabs.yaml";

#[test]
fn an_unreadable_file_is_a_located_finding_in_every_format() {
    for command in ["validate", "analyze"] {
        let run = |format: &str| {
            let run = mesh(&[command, "-o", format, TABS]);
            assert_eq!(run.code, 65, "{command} -o {format}: {}", run.stderr);
            run.stdout
        };
        let text = run("text");
        assert_contains(
            &text,
            "Error [MESH002] (testdata/invalid/input/tabs.yaml:4:",
        );
        assert_contains(&text, "YAML indentation must use spaces, not tabs");

        for format in ["json", "yaml"] {
            let out = run(format);
            let findings: Json = if format == "json" {
                serde_json::from_str(&out).unwrap()
            } else {
                // The YAML output is the JSON records, one per `- ` item.
                assert_contains(&out, "code: MESH002");
                assert_contains(&out, "file: testdata/invalid/input/tabs.yaml");
                continue;
            };
            let finding = &findings[0];
            assert_eq!(finding["code"], "MESH002");
            assert_eq!(finding["level"], "Error");
            assert_eq!(finding["file"], TABS);
            assert_eq!(finding["line"], 4);
        }

        let sarif: Json = serde_json::from_str(&run("sarif")).unwrap();
        let sarif_run = &sarif["runs"][0];
        assert_eq!(sarif_run["results"][0]["ruleId"], "MESH002");
        assert_eq!(
            sarif_run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            4
        );
        let invocation = &sarif_run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        assert_eq!(
            invocation["toolExecutionNotifications"][0]["descriptor"]["id"],
            "MESH002"
        );
        assert_eq!(invocation["properties"]["unreadable"], 1);

        let junit = run("junit");
        assert_contains(&junit, "failures=\"1\"");
        assert_contains(
            &junit,
            "<testcase name=\"MESH002 testdata/invalid/input/tabs.yaml\"",
        );
        assert_contains(&junit, "<failure message=");
        assert_contains(&junit, "<property name=\"unreadable\" value=\"1\"/>");

        let github = run("github");
        assert_contains(
            &github,
            "::error file=testdata/invalid/input/tabs.yaml,line=4,",
        );
    }
}

#[test]
fn unreadable_inputs_win_over_findings_and_are_annotated() {
    let run = mesh(&["analyze", "-o", "github", "testdata/invalid/"]);
    assert_eq!(run.code, 65, "{}", run.stderr);
    for file in [
        "malformed.yaml",
        "tabs.yaml",
        "duplicate-key.yaml",
        "missing-kind.yaml",
    ] {
        assert_contains(
            &run.stdout,
            &format!("::error file=testdata/invalid/input/{file},line="),
        );
    }
    assert_contains(&run.stderr, "inputs could not be read");
}

#[test]
fn unknown_kinds_and_versions_are_named_and_never_counted_as_checked() {
    let run = mesh(&["validate", "testdata/honest/unknown-kinds.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_contains(
        &run.stdout,
        "Warning [MESH003] (VirtualServce shop/reviews testdata/honest/unknown-kinds.yaml:2:1) \
         VirtualServce is not a kind of networking.istio.io; did you mean VirtualService?",
    );
    assert_contains(
        &run.stdout,
        "networking.istio.io/v9 is not a version of VirtualService (known: v1, v1beta1, v1alpha3); \
         did you mean apiVersion: networking.istio.io/v1?",
    );
    assert!(
        !run.stderr.contains("No validation issues"),
        "{}",
        run.stderr
    );
    assert_contains(
        &run.stderr,
        "Checked 1 of 5 objects from 1 file: 2 warnings; 4 objects not checked.",
    );
    assert_contains(
        &run.stderr,
        "not checked: 1 Deployment (extensions/v1beta1): unknown version",
    );
    assert_contains(
        &run.stderr,
        "not checked: 1 Certificate (cert-manager.io/v1): unknown kind",
    );

    // --strict: each of them is an Error.
    let run = mesh(&[
        "analyze",
        "--strict",
        "-o",
        "json",
        "testdata/honest/unknown-kinds.yaml",
    ]);
    assert_eq!(run.code, 79, "{}", run.stderr);
    let findings: Json = serde_json::from_str(&run.stdout).unwrap();
    let strict: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "MESH004")
        .map(|f| f["origin"].as_str().unwrap())
        .collect();
    assert_eq!(
        strict,
        [
            "Certificate shop/tls",
            "Deployment shop/legacy",
            "VirtualServce shop/reviews",
            "VirtualService shop/ratings"
        ]
    );
}

#[test]
fn the_summary_is_in_sarif_and_junit() {
    let run = mesh(&[
        "analyze",
        "-o",
        "sarif",
        "testdata/honest/unknown-kinds.yaml",
    ]);
    let sarif: Json = serde_json::from_str(&run.stdout).unwrap();
    let properties = &sarif["runs"][0]["invocations"][0]["properties"];
    assert_eq!(properties["objects"], 5);
    assert_eq!(properties["checked"], 1);
    assert_eq!(properties["notChecked"].as_array().unwrap().len(), 4);
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );

    let run = mesh(&[
        "analyze",
        "-o",
        "junit",
        "testdata/honest/unknown-kinds.yaml",
    ]);
    assert_contains(&run.stdout, "<property name=\"not-checked\" value=\"4\"/>");
    assert_contains(
        &run.stdout,
        "<property name=\"not-checked extensions/v1beta1 Deployment\" value=\"1: unknown version\"/>",
    );
}

#[test]
fn a_nameless_object_is_an_error_and_a_second_definition_a_warning() {
    for command in ["validate", "analyze"] {
        let run = mesh(&[command, "testdata/honest/nameless-and-twice.yaml"]);
        assert_eq!(run.code, 79, "{command}: {}", run.stderr);
        assert_contains(
            &run.stdout,
            "Error [IST0106] (DestinationRule shop/(no name) testdata/honest/nameless-and-twice.yaml:3:1) \
             Schema validation error: metadata.name is required",
        );
        assert_contains(
            &run.stdout,
            "Warning [MESH005] (Deployment shop/echo testdata/honest/nameless-and-twice.yaml:27:1) \
             Deployment shop/echo is also defined at testdata/honest/nameless-and-twice.yaml:8",
        );
    }
    // The mesh is built from the definition the cluster keeps: one workload.
    let run = mesh(&[
        "xds",
        "render",
        "--all-proxyless",
        "-o",
        "table",
        "testdata/honest/nameless-and-twice.yaml",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches("shop/echo").count(), 1, "{}", run.stdout);
}

#[test]
fn a_broken_document_hides_neither_the_one_before_nor_the_one_after() {
    let run = mesh(&["validate", "testdata/honest/broken-middle.yaml"]);
    assert_eq!(run.code, 65, "{}", run.stderr);
    assert_contains(
        &run.stdout,
        "Error [MESH002] (testdata/honest/broken-middle.yaml:10:1)",
    );
    assert_contains(&run.stderr, "Checked 2 of 2 objects from 1 file");
}

#[test]
fn hidden_findings_are_counted_in_the_summary() {
    let run = mesh(&[
        "validate",
        "--output-threshold",
        "error",
        "--failure-threshold",
        "warning",
        "testdata/honest/unknown-kinds.yaml",
    ]);
    assert_eq!(run.code, 79, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_contains(
        &run.stderr,
        "2 warnings; 2 findings below --output-threshold error not shown",
    );
}

#[test]
fn empty_stdin_is_zero_objects_and_fails_only_when_strict() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = mesh_in(here, &["validate", "-"], Some(b""));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_contains(
        &run.stderr,
        "Checked 0 of 0 objects from 1 file: no findings.",
    );
    let run = mesh_in(here, &["analyze", "--strict", "-"], Some(b""));
    assert_eq!(run.code, 65, "{}", run.stderr);
    assert_contains(&run.stderr, "--strict: the inputs hold no object to check");
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

const NAMESPACE: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n";

#[test]
fn exclude_and_gitignore_leave_files_out_and_say_how_many() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "k8s/ns.yaml", NAMESPACE);
    write(root, "k8s/chart/values.yaml", "replicas: 3\n");
    write(
        root,
        "docker-compose.yml",
        "services: {web: {image: nginx}}\n",
    );
    write(root, "k8s/generated/out.yaml", "not: [valid\n");
    write(root, ".gitignore", "generated/\n");

    let run = mesh_in(root, &["validate", "."], None);
    assert_eq!(
        run.code, 65,
        "values.yaml and docker-compose.yml are not objects"
    );
    assert!(!run.stdout.contains("generated/out.yaml"), "{}", run.stdout);
    assert_contains(&run.stderr, "1 path left out by --exclude or .gitignore");

    let run = mesh_in(
        root,
        &[
            "validate",
            "--exclude",
            "values.yaml",
            "--exclude",
            "docker-compose.yml",
            ".",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_contains(&run.stderr, "3 paths left out by --exclude or .gitignore");
    assert_contains(
        &run.stderr,
        "No validation issues found in 1 object from 1 file",
    );

    // --no-ignore reads what .gitignore lists; an explicit path is excluded too.
    let run = mesh_in(
        root,
        &[
            "validate",
            "--no-ignore",
            "--exclude",
            "values.yaml",
            "--exclude",
            "*.yml",
            ".",
        ],
        None,
    );
    assert_eq!(run.code, 65);
    assert_contains(&run.stdout, "generated/out.yaml");
    let run = mesh_in(
        root,
        &[
            "validate",
            "--exclude",
            "k8s/chart/",
            "k8s/chart/values.yaml",
            "k8s/ns.yaml",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn namespace_flag_places_namespaceless_objects_and_filters_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "config.yaml",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\nspec: {hosts: [a], http: [{route: [{destination: {host: a}, weight: x}]}]}\n\
         ---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: b, namespace: other}\nspec: {hosts: [b], http: [{route: [{destination: {host: b}, weight: x}]}]}\n",
    );
    let run = mesh_in(dir.path(), &["validate", "-n", "prod", "config.yaml"], None);
    assert_eq!(run.code, 79, "{}", run.stderr);
    assert_contains(&run.stdout, "(VirtualService prod/a config.yaml:4:");
    assert!(!run.stdout.contains("other/b"), "{}", run.stdout);
    let run = mesh_in(dir.path(), &["validate", "-A", "config.yaml"], None);
    assert_contains(&run.stdout, "(VirtualService a config.yaml:4:");
    assert_contains(&run.stdout, "(VirtualService other/b config.yaml:");
}
