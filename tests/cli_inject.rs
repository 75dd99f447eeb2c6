//! `mesh kube-inject` end to end: what a user sees on stdout and stderr, the
//! exit codes, and properties over every manifest under `testdata/`
//! (idempotence, no field lost, no panic on the fuzz corpus).

use std::fs;
use std::path::{Path, PathBuf};

use mesh::inject::{inject_text, Injector, Settings};
use serde_json::Value as Json;

mod runner;

use runner::{documents, Run};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs mesh from the repository root, feeding `stdin` when given.
fn mesh(args: &[&str], stdin: Option<&str>) -> Run {
    runner::mesh_in(&repo(), args, stdin.map(str::as_bytes))
}

fn inject(file: &str) -> Run {
    mesh(&["kube-inject", "-f", file], None)
}

fn container_names(pod_spec: &Json, list: &str) -> Vec<String> {
    pod_spec[list]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|c| c["name"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn grpc_agent_output_with_built_in_templates() {
    let run = inject("testdata/inject/grpc-agent.yaml");
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("grpc_agent", run.stdout);
    let docs = documents(&run.stdout);
    let spec = &docs[0]["spec"]["template"]["spec"];
    // holdApplicationUntilProxyStarts (from proxy.istio.io/config) puts the agent first.
    assert_eq!(
        container_names(spec, "containers"),
        vec!["istio-proxy", "server"]
    );
    let server = &spec["containers"][1];
    assert_eq!(
        server["env"][1]["value"],
        "/etc/istio/proxy/grpc-bootstrap.json"
    );
    // The grpc templates turn probe rewriting off: the gRPC probe is untouched.
    assert_eq!(server["readinessProbe"]["grpc"]["port"], 7070);
}

#[test]
fn grpc_simple_output_with_built_in_templates() {
    let run = inject("testdata/inject/grpc-simple.yaml");
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("grpc_simple", run.stdout);
    let docs = documents(&run.stdout);
    assert_eq!(
        container_names(&docs[0]["spec"], "initContainers"),
        vec!["grpc-bootstrap-init"]
    );
    let env = docs[0]["spec"]["containers"][0]["env"].as_array().unwrap();
    let names: Vec<&str> = env.iter().map(|e| e["name"].as_str().unwrap()).collect();
    // A strategic merge puts the patch's new items first, as Kubernetes does.
    assert_eq!(
        names,
        vec![
            "GRPC_XDS_BOOTSTRAP",
            "GRPC_GO_LOG_VERBOSITY_LEVEL",
            "GRPC_GO_LOG_SEVERITY_LEVEL",
            "TARGET"
        ]
    );
}

#[test]
fn sidecar_rewrites_probes_merges_metrics_and_keeps_unknown_fields() {
    let run = inject("testdata/inject/sidecar.yaml");
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("sidecar", run.stdout);
    let docs = documents(&run.stdout);
    let template = &docs[0]["spec"]["template"];
    let web = &template["spec"]["containers"][0];
    assert_eq!(
        web["livenessProbe"]["httpGet"]["path"],
        "/app-health/web/livez"
    );
    assert_eq!(web["livenessProbe"]["httpGet"]["port"], 15020);
    assert_eq!(web["x-vendor-extension"]["kept"], true);
    // Quantities come back in canonical form, as the API server writes them.
    assert_eq!(web["resources"]["limits"]["memory"], "1Gi");
    let proxy = &template["spec"]["containers"][1];
    let env = proxy["env"].as_array().unwrap();
    let probers = env
        .iter()
        .find(|e| e["name"] == "ISTIO_KUBE_APP_PROBERS")
        .unwrap();
    assert_eq!(
        probers["value"],
        r#"{"/app-health/web/livez":{"httpGet":{"path":"/healthz","port":8080}}}"#
    );
    let prom = env
        .iter()
        .find(|e| e["name"] == "ISTIO_PROMETHEUS_ANNOTATIONS")
        .unwrap();
    assert_eq!(prom["value"], r#"{"scrape":"true","port":"9090"}"#);
    assert_eq!(
        template["metadata"]["annotations"]["prometheus.io/port"],
        "15020"
    );
    assert_eq!(proxy["resources"]["requests"]["cpu"], "50m");
}

#[test]
fn gateway_output_with_built_in_templates() {
    let run = inject("testdata/inject/gateway.yaml");
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("gateway", run.stdout);
    let docs = documents(&run.stdout);
    let proxy = &docs[0]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(proxy["args"][1], "router");
    // `image: auto` is the injector's to fill in.
    assert!(
        proxy["image"].as_str().unwrap().contains("/proxyv2:"),
        "{}",
        proxy["image"]
    );
}

#[test]
fn other_documents_pass_through_byte_for_byte() {
    let run = inject("testdata/inject/mixed.yaml");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let input = fs::read_to_string(repo().join("testdata/inject/mixed.yaml")).unwrap();
    let service = input.split("\n---\n").next().unwrap();
    assert!(run.stdout.starts_with(service), "{}", run.stdout);
    let docs = documents(&run.stdout);
    assert_eq!(docs.len(), 3);
    // CronJob: Istio puts the pod's labels and annotations on the job template.
    assert_eq!(
        docs[1]["spec"]["jobTemplate"]["metadata"]["labels"]["service.istio.io/canonical-name"],
        "report"
    );
    // List: the DaemonSet is injected, the ConfigMap kept.
    assert_eq!(docs[2]["items"][0]["data"]["level"], "debug");
    let daemon = &docs[2]["items"][1]["spec"]["template"]["spec"];
    assert_eq!(
        container_names(daemon, "containers"),
        vec!["agent", "istio-proxy"]
    );
    assert_eq!(run.stdout.matches("\n---\n").count(), 3);
}

#[test]
fn skipped_objects_are_noted_and_left_uninjected() {
    let run = inject("testdata/inject/skipped.yaml");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("skipped Pod \"node-exporter\": host networking is enabled"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("skipped Deployment \"dns\": namespace kube-system"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("skipped Job \"migrate\": sidecar injection is disabled"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("istio-proxy"));
    assert_eq!(documents(&run.stdout).len(), 3);
}

#[test]
fn native_sidecars_and_revision_flags() {
    let run = mesh(
        &[
            "kube-inject",
            "-f",
            "testdata/inject/sidecar.yaml",
            "--native-sidecars=true",
            "--revision",
            "canary",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let docs = documents(&run.stdout);
    let template = &docs[0]["spec"]["template"];
    assert_eq!(
        container_names(&template["spec"], "initContainers"),
        vec!["istio-init", "istio-proxy"]
    );
    assert_eq!(
        template["spec"]["initContainers"][1]["restartPolicy"],
        "Always"
    );
    assert_eq!(
        template["metadata"]["annotations"]["istio.io/rev"],
        "canary"
    );
    let status = template["metadata"]["annotations"]["sidecar.istio.io/status"]
        .as_str()
        .unwrap();
    assert!(status.ends_with(r#""revision":"canary"}"#), "{status}");
}

#[test]
fn invalid_annotation_is_a_located_error_with_the_choices() {
    let run = inject("testdata/inject/invalid-annotation.yaml");
    assert_eq!(run.code, 65);
    assert_eq!(
        run.stderr.trim(),
        "mesh: error: testdata/inject/invalid-annotation.yaml:6:40: invalid value \"REDIRECTED\" for annotation \
         sidecar.istio.io/interceptionMode: expected one of: REDIRECT, TPROXY, NONE"
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn unknown_template_is_a_located_error_listing_templates() {
    let run = inject("testdata/inject/unknown-template.yaml");
    assert_eq!(run.code, 65);
    assert!(
        run.stderr.contains("unknown-template.yaml:6:32: unknown injection template \"grpc-agnet\"; expected one of: gateway, grpc-agent, grpc-simple, sidecar"),
        "{}",
        run.stderr
    );
    let run = mesh(
        &[
            "kube-inject",
            "-f",
            "testdata/inject/grpc-simple.yaml",
            "--templates",
            "nope",
        ],
        None,
    );
    assert_eq!(run.code, 64);
    assert!(
        run.stderr
            .contains("--templates: unknown injection template \"nope\""),
        "{}",
        run.stderr
    );
}

#[test]
fn whole_configmap_as_inject_config_with_its_values() {
    let run = mesh(
        &[
            "kube-inject",
            "-f",
            "testdata/inject/grpc-simple.yaml",
            "--injectConfigFile",
            "testdata/inject/injector-configmap.yaml",
            "--templates",
            "shipper",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let docs = documents(&run.stdout);
    assert_eq!(
        docs[0]["metadata"]["annotations"]["example.com/shipper"],
        "example.com/shipper:2"
    );
    assert_eq!(
        container_names(&docs[0]["spec"], "containers"),
        vec!["log-shipper", "client"]
    );
    let shipper = &docs[0]["spec"]["containers"][0];
    assert_eq!(shipper["args"][0], "--follow=client");
}

#[test]
fn output_file_keeps_its_mode_and_a_link_stays_a_link() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("deploy.yaml");
    fs::write(&target, "old content").unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join("link.yaml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let run = mesh(
        &[
            "kube-inject",
            "-f",
            "testdata/inject/grpc-simple.yaml",
            "-o",
            link.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let written = fs::read_to_string(&target).unwrap();
    assert!(written.contains("grpc-bootstrap-init"), "{written}");
    let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn stdin_output_file_and_diff() {
    let input = fs::read_to_string(repo().join("testdata/inject/grpc-simple.yaml")).unwrap();
    let from_stdin = mesh(&["kube-inject", "-f", "-"], Some(&input));
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.stderr);
    assert_eq!(
        from_stdin.stdout,
        inject("testdata/inject/grpc-simple.yaml").stdout
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.yaml");
    fs::write(&out, "old content").unwrap();
    let run = mesh(
        &["kube-inject", "-f", "-", "-o", out.to_str().unwrap()],
        Some(&input),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert_eq!(fs::read_to_string(&out).unwrap(), from_stdin.stdout);
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");

    let diff = mesh(
        &[
            "kube-inject",
            "-f",
            "testdata/inject/grpc-simple.yaml",
            "--diff",
        ],
        None,
    );
    // Like `git diff --exit-code`: 1 when the injection changes the file.
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    assert!(diff.stdout.starts_with("--- testdata/inject/grpc-simple.yaml\n+++ testdata/inject/grpc-simple.yaml (injected)\n"), "{}", diff.stdout);
    assert!(
        diff.stdout.contains("\n+  - name: grpc-bootstrap-init\n")
            || diff.stdout.contains("+  - command:"),
        "{}",
        diff.stdout
    );
}

/// A file with nothing to inject: a List of non-workloads (comments, key
/// order and flow style that a re-serialisation would lose), a
/// comment-only document, `--- # comment` and `...` markers, a leading `---`
/// and no final newline.
const NOTHING_TO_INJECT: &str = r#"---
# settings for the echo namespace
--- # the list
kind: List   # kind first
apiVersion: v1
items:
- {kind: ConfigMap, apiVersion: v1, metadata: {name: echo-settings}, data: {level: debug}}
- apiVersion: v1
  kind: Service
  metadata:
    name: echo   # the service
...
---
apiVersion: v1
kind: Secret
metadata: {name: token}
stringData: {token: "---"}"#;

#[test]
fn a_file_with_nothing_to_inject_comes_out_byte_for_byte() {
    let run = mesh(&["kube-inject", "-f", "-"], Some(NOTHING_TO_INJECT));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, NOTHING_TO_INJECT);
    assert!(run.stderr.is_empty(), "{}", run.stderr);

    let diff = mesh(
        &["kube-inject", "-f", "-", "--diff"],
        Some(NOTHING_TO_INJECT),
    );
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    assert_eq!(diff.stdout, "");
}

/// A Pod between two documents that stay as written: `kind` + `apiVersion`.
const POD_BETWEEN_OTHERS: &str = r#"# leading comment-only document
--- # the service
kind: Service
apiVersion: v1
metadata: {name: echo}
--- # the pod
apiVersion: v1
kind: Pod
metadata:
  name: echo
spec:
  containers:
  - name: echo
    image: example.com/echo:1
--- # the secret
kind: Secret
apiVersion: v1
metadata: {name: token}
...
"#;

/// The marker lines of a file, in order.
fn markers(text: &str) -> Vec<&str> {
    text.lines()
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| line.starts_with("---") || *line == "...")
        .collect()
}

#[test]
fn injected_documents_keep_the_markers_around_them_and_others_their_bytes() {
    let run = mesh(&["kube-inject", "-f", "-"], Some(POD_BETWEEN_OTHERS));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (head, rest) = POD_BETWEEN_OTHERS
        .split_once("apiVersion: v1\nkind: Pod")
        .unwrap();
    let (_, tail) = rest.split_once("--- # the secret\n").unwrap();
    assert!(run.stdout.starts_with(head), "{}", run.stdout);
    assert!(
        run.stdout.ends_with(&format!("--- # the secret\n{tail}")),
        "{}",
        run.stdout
    );
    assert_eq!(markers(&run.stdout), markers(POD_BETWEEN_OTHERS));
    assert!(run.stdout.contains("name: istio-proxy\n"), "{}", run.stdout);

    // The last document, when injected, is closed with `---` as istioctl does.
    let pod_last = &POD_BETWEEN_OTHERS[..POD_BETWEEN_OTHERS.find("--- # the secret").unwrap()];
    let run = mesh(&["kube-inject", "-f", "-"], Some(pod_last));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.ends_with("status: {}\n---\n"), "{}", run.stdout);
}

#[test]
fn a_list_holding_a_workload_is_written_anew_and_one_without_as_it_was() {
    let input = fs::read_to_string(repo().join("testdata/inject/mixed.yaml")).unwrap();
    let list_at = input.find("apiVersion: v1\nkind: List").unwrap();
    let without_daemon_set: String = input[list_at..]
        .split("\n- ")
        .filter(|item| !item.contains("kind: DaemonSet"))
        .collect::<Vec<_>>()
        .join("\n- ");
    assert!(without_daemon_set.contains("kind: ConfigMap"));
    let run = mesh(&["kube-inject", "-f", "-"], Some(&without_daemon_set));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, without_daemon_set);

    let run = mesh(&["kube-inject", "-f", "-"], Some(&input[list_at..]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_ne!(run.stdout, &input[list_at..]);
    assert!(run.stdout.contains("name: istio-proxy"), "{}", run.stdout);
}

#[test]
fn a_crlf_file_gets_crlf_injected_documents() {
    let input = POD_BETWEEN_OTHERS.replace('\n', "\r\n");
    let run = mesh(&["kube-inject", "-f", "-"], Some(&input));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("istio-proxy"), "{}", run.stdout);
    let bare_newlines = run.stdout.matches('\n').count() - run.stdout.matches("\r\n").count();
    assert_eq!(bare_newlines, 0, "{}", run.stdout);
    assert_eq!(markers(&run.stdout), markers(&input));
}

#[test]
fn fields_kubernetes_does_not_define_are_kept_and_noted_once() {
    let run = inject("testdata/inject/sidecar.yaml");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let notes: Vec<&str> = run.stderr.lines().filter(|l| l.contains("kept")).collect();
    assert_eq!(
        notes,
        vec![
            "mesh: note: testdata/inject/sidecar.yaml: kept 1 field Kubernetes does not define \
             (StatefulSet \"web\" at spec.template.spec.containers[0].x-vendor-extension); a \
             cluster that does not know it rejects it under kubectl's default --validate=strict"
        ]
    );

    // Two documents with unknown fields: still one note, naming the first.
    let input = fs::read_to_string(repo().join("testdata/inject/sidecar.yaml")).unwrap();
    let twice = format!("{input}---\n{}", input.replace("name: web", "name: web2"));
    let run = mesh(&["kube-inject", "-f", "-"], Some(&twice));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let notes: Vec<&str> = run.stderr.lines().filter(|l| l.contains("kept")).collect();
    assert_eq!(notes.len(), 1, "{}", run.stderr);
    assert!(
        notes[0]
            .contains("kept 2 fields Kubernetes does not define (first: StatefulSet \"web\" at"),
        "{}",
        notes[0]
    );
    // Workloads without such fields get no note.
    let run = inject("testdata/inject/grpc-agent.yaml");
    assert!(!run.stderr.contains("kept"), "{}", run.stderr);
}

#[test]
fn hostile_templates_fail_fast_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    fs::write(
        &config,
        "templates:\n  loop: |\n    {{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}\n  \
         wide: |\n    {{ range until 1 }}{{ end }}\n",
    )
    .unwrap();
    let run = mesh(
        &[
            "kube-inject",
            "-f",
            "testdata/inject/grpc-simple.yaml",
            "--inject-config",
            config.to_str().unwrap(),
            "--templates",
            "loop",
        ],
        None,
    );
    assert_eq!(run.code, 65);
    assert!(run.stderr.contains("nest deeper than"), "{}", run.stderr);
    // A template calling an unknown function fails only when selected, and says which.
    let run = mesh(
        &[
            "kube-inject",
            "-f",
            "testdata/inject/grpc-simple.yaml",
            "--inject-config",
            config.to_str().unwrap(),
            "--templates",
            "wide",
        ],
        None,
    );
    assert_eq!(run.code, 65);
    assert!(
        run.stderr.contains("function \"until\" not defined"),
        "{}",
        run.stderr
    );
}

#[test]
fn help_has_an_example_the_exit_codes_and_the_istio_version() {
    let run = mesh(&["kube-inject", "--help"], None);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Example"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("1 with --diff: the injection changes the input"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("86c9f01") && run.stdout.contains("proxyv2:1.28.0"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("--injectConfigFile")
            && run.stdout.contains("--valuesFile")
            && run.stdout.contains("--meshConfigFile")
    );
}

/// Every YAML file under `testdata/`, sorted.
fn manifests() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo().join("testdata"), &mut out);
    out
}

fn injector(native_sidecars: bool) -> Injector {
    Injector::new(Settings {
        native_sidecars,
        ..Settings::default()
    })
    .unwrap()
}

#[test]
fn injecting_an_injected_manifest_changes_nothing() {
    let mut injected = 0;
    for native in [false, true] {
        let injector = injector(native);
        for path in manifests() {
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            let name = path.display().to_string();
            let Ok(once) = inject_text(&injector, &name, &text) else {
                continue;
            };
            let twice = inject_text(&injector, &name, &once.text)
                .unwrap_or_else(|e| panic!("{name}: second pass failed: {e}"));
            assert_eq!(
                once.text, twice.text,
                "{name} (native sidecars {native}) changed on re-injection"
            );
            injected += once.injected;
        }
    }
    assert!(injected > 20, "only {injected} objects injected");
}

/// Paths to every non-zero leaf, list items named by their `name` key when
/// they have one (injection reorders containers).
fn leaf_paths(value: &Json, prefix: String, out: &mut Vec<String>) {
    match value {
        Json::Object(map) => {
            for (k, v) in map {
                leaf_paths(v, format!("{prefix}.{k}"), out);
            }
        }
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let key = item
                    .get("name")
                    .and_then(Json::as_str)
                    .map_or(i.to_string(), str::to_string);
                leaf_paths(item, format!("{prefix}[{key}]"), out);
            }
        }
        // Zero values may be normalised away, as Kubernetes' omitempty does.
        Json::Null | Json::Bool(false) => {}
        Json::Number(n) if n.as_f64() == Some(0.0) => {}
        Json::String(s) if s.is_empty() => {}
        _ => out.push(prefix),
    }
}

#[test]
fn no_field_is_lost_in_any_testdata_manifest() {
    let injector = injector(false);
    let mut checked = 0;
    for path in manifests() {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let name = path.display().to_string();
        let Ok(out) = inject_text(&injector, &name, &text) else {
            continue;
        };
        if out.injected == 0 {
            continue;
        }
        let mut before = Vec::new();
        for doc in documents(&text) {
            leaf_paths(&doc, String::new(), &mut before);
        }
        let mut after = Vec::new();
        for doc in documents(&out.text) {
            leaf_paths(&doc, String::new(), &mut after);
        }
        for path in &before {
            // Istio turns TCP and gRPC probes into HTTP probes of the agent.
            // A user's own istio-proxy is merged into the injected one, which
            // may sit in the other container list.
            if path.contains("Probe.tcpSocket")
                || path.contains("Probe.grpc")
                || path.contains("[istio-proxy]")
            {
                continue;
            }
            assert!(after.contains(path), "{name}: {path} was lost");
        }
        checked += 1;
    }
    assert!(checked > 5, "only {checked} files checked");
}

#[test]
fn fuzz_corpus_injects_without_panicking() {
    let injector = injector(true);
    let dir = repo().join("fuzz/corpus/loader");
    let mut count = 0;
    for entry in fs::read_dir(&dir).expect("fuzz corpus is checked in") {
        let bytes = fs::read(entry.unwrap().path()).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let _ = inject_text(&injector, "fuzz.yaml", &text);
        count += 1;
    }
    assert!(count > 100, "only {count} corpus files");
}
