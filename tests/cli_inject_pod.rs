//! `mesh kube-inject` on pods whose injection Istio adjusts beyond its
//! templates: a user's proxy uid, the owning workload, lifecycle hooks,
//! init container order and values files that leave values out.

use std::path::PathBuf;

use serde_json::Value as Json;

mod runner;

use runner::{assert_contains, Run};

const POD_DATA: &str = "testdata/inject/pod";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `mesh kube-inject -f FILE ARGS...` from the repository root.
fn inject(file: &str, args: &[&str]) -> Run {
    inject_input(file, args, None)
}

fn inject_input(file: &str, args: &[&str], stdin: Option<&str>) -> Run {
    let mut all = vec!["kube-inject", "-f", file];
    all.extend_from_slice(args);
    runner::mesh_in(&repo(), &all, stdin.map(str::as_bytes))
}

fn fixture(name: &str) -> String {
    format!("{POD_DATA}/{name}")
}

/// A fixture's text with each `(from, to)` replaced; each must be there.
#[track_caller]
fn edited(text: &str, edits: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "{from:?} not in:\n{text}");
        text = text.replace(from, to);
    }
    text
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(repo().join(fixture(name))).unwrap()
}

#[track_caller]
fn succeeded(run: &Run) -> Vec<Json> {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    mesh::source::yaml::parse_values(&run.stdout)
        .documents
        .into_iter()
        .filter_map(|d| d.root)
        .filter(|root| !root.is_null())
        .collect()
}

/// The pod spec of a Pod or of a workload's pod template.
fn pod_spec(doc: &Json) -> &Json {
    match doc.pointer("/spec/template/spec") {
        Some(spec) => spec,
        None => &doc["spec"],
    }
}

/// The metadata of a Pod or of a workload's pod template.
fn pod_metadata(doc: &Json) -> &Json {
    match doc.pointer("/spec/template/metadata") {
        Some(meta) => meta,
        None => &doc["metadata"],
    }
}

/// The names in a container list, in order.
fn names(spec: &Json, list: &str) -> Vec<String> {
    spec[list]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[track_caller]
fn container<'d>(spec: &'d Json, name: &str) -> &'d Json {
    ["containers", "initContainers"]
        .iter()
        .filter_map(|list| spec[*list].as_array())
        .flatten()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name} in {spec}"))
}

#[track_caller]
fn env<'d>(container: &'d Json, name: &str) -> &'d str {
    container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
        .unwrap_or_else(|| panic!("no env {name} in {container}"))
}

/// The value after `flag` in a container's args.
#[track_caller]
fn arg_after<'d>(container: &'d Json, flag: &str) -> &'d str {
    let args = container["args"].as_array().expect("args");
    let at = args
        .iter()
        .position(|a| a == flag)
        .unwrap_or_else(|| panic!("no {flag} in {args:?}"));
    args[at + 1].as_str().expect("a string argument")
}

// --- 1. The proxy's user id -------------------------------------------------

#[test]
fn a_users_proxy_uid_is_the_one_iptables_lets_out() {
    for native in ["--native-sidecars=false", "--native-sidecars=true"] {
        let docs = succeeded(&inject(&fixture("proxy-user.yaml"), &[native]));
        let spec = pod_spec(&docs[0]);
        assert_eq!(arg_after(container(spec, "istio-init"), "-u"), "2001");
        let proxy = container(spec, "istio-proxy");
        assert_eq!(proxy["securityContext"]["runAsUser"], 2001, "{native}");
        assert_eq!(proxy["securityContext"]["runAsGroup"], 3001, "{native}");
        // The iptables setup itself still runs as root.
        let init = container(spec, "istio-init");
        assert_eq!(init["securityContext"]["runAsUser"], 0);
        assert_contains(
            pod_metadata(&docs[0])["annotations"]["proxy.istio.io/overrides"]
                .as_str()
                .unwrap(),
            r#""securityContext":{"runAsUser":2001,"runAsGroup":3001}"#,
        );
    }
}

#[test]
fn with_the_cni_the_validation_container_takes_the_proxys_uid_and_gid() {
    let docs = succeeded(&inject(
        &fixture("proxy-user.yaml"),
        &["--values", &fixture("cni-values.json")],
    ));
    let spec = pod_spec(&docs[0]);
    assert_eq!(
        names(spec, "initContainers"),
        vec!["istio-validation".to_string()]
    );
    let validation = container(spec, "istio-validation");
    assert_eq!(arg_after(validation, "-u"), "2001");
    assert_eq!(validation["securityContext"]["runAsUser"], 2001);
    assert_eq!(validation["securityContext"]["runAsGroup"], 3001);
}

#[test]
fn with_tproxy_the_proxy_stays_root_but_its_uid_still_reaches_iptables() {
    // Istio forces the proxy back to uid 0 for TPROXY, yet still writes the
    // user's uid into `-u`; we do the same.
    let input = edited(
        &fixture_text("proxy-user.yaml"),
        &[(
            "      labels:\n        app: payments\n",
            "      labels:\n        app: payments\n      annotations:\n        sidecar.istio.io/interceptionMode: TPROXY\n",
        )],
    );
    let docs = succeeded(&inject_input("-", &[], Some(&input)));
    let spec = pod_spec(&docs[0]);
    assert_eq!(arg_after(container(spec, "istio-init"), "-m"), "TPROXY");
    assert_eq!(arg_after(container(spec, "istio-init"), "-u"), "2001");
    let proxy = container(spec, "istio-proxy");
    assert_eq!(proxy["securityContext"]["runAsUser"], 0);
    assert_eq!(proxy["securityContext"]["runAsGroup"], 3001);
}

#[test]
fn root_or_a_pod_level_uid_leaves_the_default_owner() {
    let input = fixture_text("proxy-user.yaml");
    // A proxy asked to run as root: `-u 0` is never written.
    let as_root = edited(&input, &[("runAsUser: 2001", "runAsUser: 0")]);
    let docs = succeeded(&inject_input("-", &[], Some(&as_root)));
    assert_eq!(
        arg_after(container(pod_spec(&docs[0]), "istio-init"), "-u"),
        "1337"
    );
    // Only the istio-proxy container's own securityContext counts, as in Istio.
    let pod_level = edited(
        &input,
        &[
            (
                "      - name: istio-proxy\n        image: auto\n        securityContext:\n          runAsUser: 2001\n          runAsGroup: 3001\n",
                "",
            ),
            (
                "    spec:\n      containers:\n",
                "    spec:\n      securityContext:\n        runAsUser: 2001\n      containers:\n",
            ),
        ],
    );
    let docs = succeeded(&inject_input("-", &[], Some(&pod_level)));
    let spec = pod_spec(&docs[0]);
    assert_eq!(arg_after(container(spec, "istio-init"), "-u"), "1337");
    assert_eq!(
        container(spec, "istio-proxy")["securityContext"]["runAsUser"],
        1337
    );
}

// --- 2. Owners ----------------------------------------------------------------

#[test]
fn a_generated_pod_takes_its_workload_from_its_controller() {
    let docs = succeeded(&inject(&fixture("owners.yaml"), &[]));
    let identity: Vec<(String, String)> = docs
        .iter()
        .map(|doc| {
            let proxy = container(pod_spec(doc), "istio-proxy");
            (
                env(proxy, "ISTIO_META_WORKLOAD_NAME").to_string(),
                env(proxy, "ISTIO_META_OWNER").to_string(),
            )
        })
        .collect();
    let long = "inventory-reconciliation-worker-for-the-eu-central-region-shar-0007";
    let expected = [
        // A custom controller kind, found past an owner that is not the controller.
        (
            "builder",
            "kubernetes://apis/foo.example.com/v1/namespaces/ci/foos/builder".to_string(),
        ),
        // A ReplicaSet named after the template hash stands for its Deployment.
        (
            "web",
            "kubernetes://apis/apps/v1/namespaces/shop/deployments/web".to_string(),
        ),
        // A Job named <cronjob>-<timestamp> stands for its CronJob.
        (
            "nightly",
            "kubernetes://apis/batch/v1/namespaces/ops/cronjobs/nightly".to_string(),
        ),
        // Not generated: the pod is its own workload.
        (
            "debug-shell",
            "kubernetes://apis/v1/namespaces/ops/pods/debug-shell".to_string(),
        ),
        // No namespace: the owner URL says `default`.
        (
            long,
            format!("kubernetes://apis/foo.example.com/v1/namespaces/default/foos/{long}"),
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .into_iter()
        .map(|(name, owner)| (name.to_string(), owner))
        .collect();
    assert_eq!(identity, expected);
    // The ownerReferences themselves are kept.
    assert_eq!(docs[0]["metadata"]["ownerReferences"][1]["kind"], "Foo");
}

#[test]
fn a_canonical_name_from_a_long_owner_is_cut_to_a_valid_label_value() {
    let docs = succeeded(&inject(&fixture("owners.yaml"), &[]));
    let labels = |i: usize| &docs[i]["metadata"]["labels"];
    assert_eq!(labels(0)["service.istio.io/canonical-name"], "builder");
    assert_eq!(labels(2)["service.istio.io/canonical-name"], "nightly");
    // 63 characters at most, and a label value may not end in a dash.
    let cut = labels(4)["service.istio.io/canonical-name"]
        .as_str()
        .unwrap();
    assert_eq!(
        cut,
        "inventory-reconciliation-worker-for-the-eu-central-region-shar"
    );
    assert!(cut.len() <= 63);
}

// --- 3. Lifecycle hooks -------------------------------------------------------

const HOOKS: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: cache
spec:
  containers:
  - name: cache
    image: registry.example.com/cache:1
    ports:
    - name: admin
      containerPort: 9090
    readinessProbe:
      httpGet:
        path: /ready
        port: admin
      timeoutSeconds: 2
    lifecycle:
      postStart:
        tcpSocket:
          port: 6379
      preStop:
        httpGet:
          path: /drain
          port: admin
          scheme: HTTPS
";

#[test]
fn lifecycle_hooks_go_through_the_agent_like_probes() {
    let docs = succeeded(&inject_input("-", &[], Some(HOOKS)));
    let spec = pod_spec(&docs[0]);
    let cache = container(spec, "cache");
    assert_eq!(
        cache["lifecycle"]["postStart"],
        serde_json::json!({"httpGet": {"path": "/app-lifecycle/cache/poststartz", "port": 15020}})
    );
    assert_eq!(
        cache["lifecycle"]["preStop"],
        serde_json::json!({"httpGet": {"path": "/app-lifecycle/cache/prestopz", "port": 15020, "scheme": "HTTP"}})
    );
    // The agent learns the originals, named ports resolved, keys sorted;
    // hooks carry no timeout.
    assert_eq!(
        env(container(spec, "istio-proxy"), "ISTIO_KUBE_APP_PROBERS"),
        concat!(
            r#"{"/app-health/cache/readyz":{"httpGet":{"path":"/ready","port":9090},"timeoutSeconds":2},"#,
            r#""/app-lifecycle/cache/poststartz":{"tcpSocket":{"port":6379}},"#,
            r#""/app-lifecycle/cache/prestopz":{"httpGet":{"path":"/drain","port":9090,"scheme":"HTTPS"}}}"#
        )
    );
}

#[test]
fn lifecycle_hooks_stay_as_written_when_probe_rewriting_is_off() {
    let input = edited(
        HOOKS,
        &[(
            "  name: cache\n",
            "  name: cache\n  annotations:\n    sidecar.istio.io/rewriteAppHTTPProbers: \"false\"\n",
        )],
    );
    let docs = succeeded(&inject_input("-", &[], Some(&input)));
    let spec = pod_spec(&docs[0]);
    let cache = container(spec, "cache");
    assert_eq!(cache["lifecycle"]["postStart"]["tcpSocket"]["port"], 6379);
    assert_eq!(cache["lifecycle"]["preStop"]["httpGet"]["path"], "/drain");
    let proxy_env = container(spec, "istio-proxy")["env"].to_string();
    assert!(!proxy_env.contains("ISTIO_KUBE_APP_PROBERS"), "{proxy_env}");
}

// --- 4. Init container order --------------------------------------------------

#[test]
fn without_native_sidecars_iptables_setup_runs_after_the_users_init_containers() {
    let docs = succeeded(&inject(&fixture("init-order.yaml"), &[]));
    assert_eq!(
        names(pod_spec(&docs[0]), "initContainers"),
        vec!["migrate", "log-shipper", "istio-init"]
    );
    assert_eq!(
        names(pod_spec(&docs[0]), "containers"),
        vec!["api", "istio-proxy"]
    );
}

#[test]
fn with_native_sidecars_the_mesh_starts_before_the_users_init_containers() {
    let docs = succeeded(&inject(
        &fixture("init-order.yaml"),
        &["--native-sidecars=true"],
    ));
    assert_eq!(
        names(pod_spec(&docs[0]), "initContainers"),
        vec!["istio-init", "istio-proxy", "migrate", "log-shipper"]
    );
}

#[test]
fn the_cni_validation_container_runs_first() {
    let docs = succeeded(&inject(
        &fixture("init-order.yaml"),
        &["--values", &fixture("cni-values.json")],
    ));
    assert_eq!(
        names(pod_spec(&docs[0]), "initContainers"),
        vec!["istio-validation", "migrate", "log-shipper"]
    );
}

// --- 5. Values files ----------------------------------------------------------

fn init_order_with_values(values: &str) -> Run {
    inject(&fixture("init-order.yaml"), &["--values", &fixture(values)])
}

#[test]
fn a_partial_values_file_keeps_the_defaults_it_leaves_out() {
    let run = init_order_with_values("partial-values.json");
    let docs = succeeded(&run);
    assert!(!run.stdout.contains("<nil>"), "{}", run.stdout);
    let spec = pod_spec(&docs[0]);
    let image = container(spec, "istio-proxy")["image"].as_str().unwrap();
    let tag = image
        .strip_prefix("registry.example.com/istio/proxyv2:")
        .unwrap_or_else(|| panic!("the given hub is used: {image}"));
    assert!(!tag.is_empty(), "the default tag is kept: {image}");
    let init = container(spec, "istio-init");
    assert_eq!(init["image"], image);
    assert_eq!(arg_after(init, "-i"), "*");
    assert_eq!(arg_after(init, "-b"), "*");
    assert_eq!(arg_after(init, "-d"), "15090,15021,15020");
    let proxy = container(spec, "istio-proxy");
    assert_eq!(
        proxy["args"][3], "$(POD_NAMESPACE).svc.cluster.local",
        "{proxy}"
    );
    assert_eq!(env(proxy, "CA_ADDR"), "istiod.istio-system.svc:15012");
}

#[test]
fn a_value_set_to_null_that_a_template_prints_is_an_error_naming_it() {
    let run = init_order_with_values("null-value.json");
    assert_eq!(run.code, 65, "stdout: {}", run.stdout);
    assert_eq!(run.stdout, "");
    assert_contains(
        &run.stderr,
        "null-value.json: global.proxy.logLevel is null, but template \"sidecar\" needs it",
    );
}

#[test]
fn a_null_no_template_prints_is_no_error() {
    let run = init_order_with_values("unprinted-nulls.json");
    succeeded(&run);
    assert!(!run.stdout.contains("<nil>"));
}

#[test]
fn an_empty_hub_is_an_error_naming_it() {
    let run = init_order_with_values("empty-hub.json");
    assert_eq!(run.code, 65, "stdout: {}", run.stdout);
    assert_contains(&run.stderr, "empty-hub.json: global.hub is null or empty");
    assert_contains(&run.stderr, "\"/proxyv2:");
}

#[test]
fn an_image_given_in_full_needs_no_hub() {
    let input = edited(
        &fixture_text("init-order.yaml"),
        &[(
            "  name: api\n",
            "  name: api\n  annotations:\n    sidecar.istio.io/proxyImage: registry.example.com/istio/proxyv2:9.9.9\n",
        )],
    );
    let docs = succeeded(&inject_input(
        "-",
        &["--values", &fixture("empty-hub.json")],
        Some(&input),
    ));
    assert_eq!(
        container(pod_spec(&docs[0]), "istio-proxy")["image"],
        "registry.example.com/istio/proxyv2:9.9.9"
    );
}
