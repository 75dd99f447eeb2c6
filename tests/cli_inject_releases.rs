//! `mesh kube-inject --inject-config` with the `istio-sidecar-injector`
//! ConfigMaps of real Istio releases. scripts/gen-istio-injector-configs.py
//! builds them from an Istio checkout, which ISTIO_GIT_DIR names; nothing of
//! Istio's is checked in here, so without ISTIO_GIT_DIR this is skipped.
//!
//! For every release, the workloads under testdata/inject (sidecar, gateway,
//! grpc-agent, grpc-simple, and the CronJob and List of mixed.yaml) must
//! inject into well-formed pods, and injecting the result again must change
//! nothing. A release whose sidecar template calls `otelResourceAttributes`
//! must give the proxy OTEL_RESOURCE_ATTRIBUTES when the mesh asks for them.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

mod runner;

use runner::documents;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const WORKLOADS: [&str; 5] = [
    "testdata/inject/sidecar.yaml",
    "testdata/inject/gateway.yaml",
    "testdata/inject/grpc-agent.yaml",
    "testdata/inject/grpc-simple.yaml",
    "testdata/inject/mixed.yaml",
];

/// (version, ConfigMap path) for each release the generator knows, built
/// into `out`; `None` when no Istio checkout is given.
fn release_configs(out: &Path) -> Option<Vec<(String, PathBuf)>> {
    let Some(istio) = std::env::var_os("ISTIO_GIT_DIR") else {
        eprintln!(
            "skipped: set ISTIO_GIT_DIR to an Istio clone with its release tags to check the \
             injector configs of Istio releases"
        );
        return None;
    };
    let status = Command::new("python3")
        .arg(repo().join("scripts/gen-istio-injector-configs.py"))
        .arg("--istio-git")
        .arg(&istio)
        .arg("--out")
        .arg(out)
        .status()
        .expect("python3 runs scripts/gen-istio-injector-configs.py");
    assert!(status.success(), "the generator failed: {status}");
    let mut releases: Vec<(String, PathBuf)> = std::fs::read_dir(out)
        .unwrap()
        .map(|entry| {
            let dir = entry.unwrap().path();
            let version = dir.file_name().unwrap().to_string_lossy().into_owned();
            (version, dir.join("istio-sidecar-injector.yaml"))
        })
        .collect();
    releases.sort();
    assert!(
        releases.len() >= 3,
        "expected at least three releases, got {releases:?}"
    );
    Some(releases)
}

/// Every pod spec in a value: any object with a `containers` list.
fn pod_specs<'a>(value: &'a Json, out: &mut Vec<&'a Json>) {
    match value {
        Json::Object(map) => {
            if map.get("containers").is_some_and(Json::is_array) {
                out.push(value);
            }
            map.values().for_each(|v| pod_specs(v, out));
        }
        Json::Array(items) => items.iter().for_each(|v| pod_specs(v, out)),
        _ => {}
    }
}

fn is_port(text: &str) -> bool {
    text.parse::<u16>().is_ok_and(|port| port > 0)
}

/// `*`, nothing, or a comma-separated list of what `item` accepts.
fn is_list_of(text: &str, item: impl Fn(&str) -> bool) -> bool {
    text.is_empty() || text == "*" || text.split(',').all(|part| item(part.trim()))
}

fn is_cidr(text: &str) -> bool {
    let (address, bits) = match text.split_once('/') {
        Some((address, bits)) => (address, Some(bits)),
        None => (text, None),
    };
    let max_bits = match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => 32,
        Ok(std::net::IpAddr::V6(_)) => 128,
        Err(_) => return false,
    };
    bits.is_none_or(|bits| bits.parse::<u8>().is_ok_and(|b| b <= max_bits))
}

/// The problems in an `istio-iptables` command line (its arguments after
/// the command name).
fn iptables_problems(args: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut at = 0;
    while at < args.len() {
        let flag = args[at];
        at += 1;
        if flag.starts_with("--") {
            // Long flags carry their value after `=`, or are switches.
            if flag.ends_with('=') {
                problems.push(format!("{flag} has no value"));
            }
            continue;
        }
        let Some(value) = args.get(at).copied() else {
            problems.push(format!("{flag} has no value"));
            break;
        };
        at += 1;
        let ok = match flag {
            "-p" | "-z" => is_port(value),
            "-u" | "-g" => value.parse::<u32>().is_ok(),
            "-m" => matches!(value, "REDIRECT" | "TPROXY"),
            "-i" | "-x" => is_list_of(value, is_cidr),
            "-b" | "-d" | "-o" | "-q" => is_list_of(value, is_port),
            "-k" | "-c" => !value.is_empty() && !value.contains(char::is_whitespace),
            _ => {
                problems.push(format!("unknown flag {flag}"));
                continue;
            }
        };
        if !ok {
            problems.push(format!("{flag} {value:?}"));
        }
    }
    problems
}

/// What is wrong with the pods of an injected file; also counts the
/// `istio-iptables` command lines checked.
fn pod_problems(text: &str, version: &str, iptables_checked: &mut usize) -> Vec<String> {
    let mut problems = Vec::new();
    for word in ["<nil>", "<no value>"] {
        if text.contains(word) {
            problems.push(format!("the output holds {word}"));
        }
    }
    let proxy_image = format!("docker.io/istio/proxyv2:{version}");
    let docs = documents(text);
    let mut specs = Vec::new();
    docs.iter().for_each(|doc| pod_specs(doc, &mut specs));
    for spec in specs {
        for list in ["initContainers", "containers"] {
            for container in spec[list].as_array().into_iter().flatten() {
                let name = container["name"].as_str().unwrap_or("?");
                let image = container["image"].as_str().unwrap_or("");
                let last = image.rsplit('/').next().unwrap_or("");
                if !last.contains(':') || last.ends_with(':') {
                    problems.push(format!("{list} {name}: image {image:?} has no tag"));
                }
                if name.starts_with("istio-") && image != proxy_image {
                    problems.push(format!("{list} {name}: image {image:?}, not {proxy_image}"));
                }
                let args: Vec<&str> = container["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| a.as_str().unwrap_or("<not a string>"))
                    .collect();
                if args.first() == Some(&"istio-iptables") {
                    *iptables_checked += 1;
                    for problem in iptables_problems(&args[1..]) {
                        problems.push(format!("{list} {name}: istio-iptables {problem}"));
                    }
                }
            }
        }
    }
    problems
}

#[test]
fn iptables_arguments_are_checked() {
    let good = [
        "-p",
        "15001",
        "-z",
        "15006",
        "-u",
        "1337",
        "-m",
        "REDIRECT",
        "-i",
        "*",
        "-x",
        "",
        "-b",
        "*",
        "-d",
        "15090,15021,15020",
        "--log_output_level=default:info",
    ];
    assert!(iptables_problems(&good).is_empty());
    let bad = ["-u", "", "-d", "15090,<nil>", "-i", "10.0.0.0/33", "-p"];
    assert_eq!(
        iptables_problems(&bad),
        vec![
            "-u \"\"",
            "-d \"15090,<nil>\"",
            "-i \"10.0.0.0/33\"",
            "-p has no value"
        ]
    );
}

#[test]
fn releases_inject_well_formed_pods_and_are_idempotent() {
    let out = tempfile::tempdir().unwrap();
    let Some(releases) = release_configs(out.path()) else {
        return;
    };
    let mut failures = Vec::new();
    for (version, config) in &releases {
        let config = config.to_str().unwrap();
        let mut iptables_checked = 0;
        for native in ["false", "true"] {
            let native_flag = format!("--native-sidecars={native}");
            for workload in WORKLOADS {
                let case = format!("Istio {version}, {workload}, {native_flag}");
                let args = [
                    "kube-inject",
                    "-f",
                    workload,
                    "--inject-config",
                    config,
                    &native_flag,
                ];
                let once = runner::mesh(&args);
                if once.code != 0 {
                    failures.push(format!("{case}: exit {}: {}", once.code, once.stderr));
                    continue;
                }
                for problem in pod_problems(&once.stdout, version, &mut iptables_checked) {
                    failures.push(format!("{case}: {problem}"));
                }
                let mut again_args = args;
                again_args[2] = "-";
                let again = runner::mesh_in(&repo(), &again_args, Some(once.stdout.as_bytes()));
                if again.stdout != once.stdout {
                    failures.push(format!("{case}: injecting the output again changes it"));
                }
            }
        }
        // sidecar.yaml and mixed.yaml get istio-init without native sidecars.
        if iptables_checked < 3 {
            failures.push(format!(
                "Istio {version}: only {iptables_checked} istio-iptables command lines checked"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A mesh config whose OpenTelemetry provider asks for the OTel semantic
/// conventions, which 1.30's sidecar template turns into the proxy's
/// OTEL_RESOURCE_ATTRIBUTES (templates without `otelResourceAttributes`
/// must not set it).
const OTEL_MESH_CONFIG: &str = "extensionProviders:
- name: otel
  opentelemetry:
    service: otel.observability.svc.cluster.local
    port: 4317
    serviceAttributeEnrichment: OTEL_SEMANTIC_CONVENTIONS
";

#[test]
fn releases_that_call_otel_resource_attributes_set_them_on_the_proxy() {
    let out = tempfile::tempdir().unwrap();
    let Some(releases) = release_configs(&out.path().join("releases")) else {
        return;
    };
    let mesh_config = out.path().join("mesh.yaml");
    std::fs::write(&mesh_config, OTEL_MESH_CONFIG).unwrap();
    let mut callers = 0;
    for (version, config) in &releases {
        let calls = std::fs::read_to_string(config)
            .unwrap()
            .contains("otelResourceAttributes");
        callers += usize::from(calls);
        let run = runner::mesh(&[
            "kube-inject",
            "-f",
            "testdata/inject/sidecar.yaml",
            "--inject-config",
            config.to_str().unwrap(),
            "--mesh-config",
            mesh_config.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "Istio {version}: {}", run.stderr);
        let docs = documents(&run.stdout);
        let proxy = docs[0]["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "istio-proxy")
            .unwrap_or_else(|| panic!("Istio {version}: no istio-proxy"));
        let attributes = proxy["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "OTEL_RESOURCE_ATTRIBUTES")
            .map(|e| e["value"].as_str().unwrap_or(""));
        // The StatefulSet names no namespace: no service.namespace, and an
        // empty one leads the instance id; its one container's image tag
        // is the service version.
        let want = calls.then_some("service.version=2.0,service.instance.id=.$(POD_NAME).web");
        assert_eq!(attributes, want, "Istio {version}");
    }
    assert!(callers > 0, "no release calls otelResourceAttributes");
}
