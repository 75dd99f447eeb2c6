//! The documents of a file: which kinds carry a pod template and where, the
//! skip rules, and how Kubernetes' typed round trip reshapes an object
//! (`status: {}`, `resources: {}`, canonical quantities, no nulls).

use serde_json::{json, Map, Value as Json};

use super::pod::{self, object_entry, Context, PodError};
use super::{goyaml, quantity, InjectError, Injector};
use crate::model;
use crate::source::{self, FieldPath, Pos};

/// Namespaces Istio never injects into.
const IGNORED_NAMESPACES: [&str; 4] = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "local-path-storage",
];

/// The result for one file.
#[derive(Debug, Default)]
pub struct InjectedFile {
    pub text: String,
    /// Notes for stderr (skipped objects).
    pub notes: Vec<String>,
    /// Objects injected.
    pub injected: usize,
    /// Fields Kubernetes does not define in the objects written anew, kept
    /// as they were (`StatefulSet "web" at spec.template...`), in input order.
    pub unknown_fields: Vec<String>,
}

/// One document of the input and the marker line that ends it.
struct Chunk<'a> {
    /// The document, up to the marker.
    text: &'a str,
    /// The `---` or `...` line that ends the document, as written; empty for
    /// the last document when the file does not end with a marker.
    end: &'a str,
    /// 0-based line of its first line in the file.
    first_line: usize,
}

/// Cuts a file at its `---` and `...` lines. The pieces, with their markers,
/// add up to the whole file, so a document left alone is copied exactly.
fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 0usize;
    let mut offset = 0usize;
    for (line_number, line) in text.split_inclusive('\n').enumerate() {
        if is_document_marker(line) {
            chunks.push(Chunk {
                text: &text[start..offset],
                end: line,
                first_line: start_line,
            });
            start = offset + line.len();
            start_line = line_number + 1;
        }
        offset += line.len();
    }
    chunks.push(Chunk {
        text: &text[start..],
        end: "",
        first_line: start_line,
    });
    chunks
}

/// `---` (a document starts) or `...` (one ends), alone on its line or
/// followed by a blank.
fn is_document_marker(line: &str) -> bool {
    let bare = line.trim_end_matches(['\n', '\r']);
    ["---", "..."].iter().any(|marker| {
        bare.strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    })
}

/// Nothing but blank lines, comments and directives (`%YAML`).
fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l.starts_with('%')
    })
}

/// The line break a file uses, judged by its first line: documents written
/// anew use it too.
fn line_break_of(text: &str) -> &'static str {
    match text.find('\n') {
        Some(end) if text[..end].ends_with('\r') => "\r\n",
        _ => "\n",
    }
}
/// Where a kind keeps its pod template: (pod metadata, pod spec) pointers.
fn template_paths(api_version: &str, kind: &str) -> Option<(&'static str, &'static str)> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    match (group, kind) {
        ("", "Pod") => Some(("/metadata", "/spec")),
        ("", "ReplicationController") => Some(("/spec/template/metadata", "/spec/template/spec")),
        ("apps" | "extensions", "Deployment" | "DaemonSet" | "ReplicaSet" | "StatefulSet") => {
            Some(("/spec/template/metadata", "/spec/template/spec"))
        }
        ("batch", "Job") => Some(("/spec/template/metadata", "/spec/template/spec")),
        // Istio's quirk: a CronJob's labels and annotations go on the job template.
        ("batch", "CronJob") => Some((
            "/spec/jobTemplate/metadata",
            "/spec/jobTemplate/spec/template/spec",
        )),
        ("apps.openshift.io" | "", "DeploymentConfig") => {
            Some(("/spec/template/metadata", "/spec/template/spec"))
        }
        _ => None,
    }
}

/// Injects every document of a file. Documents that are not workloads (nor
/// Lists holding one) are copied byte for byte with the markers around them;
/// a document written anew ends with the marker it had, or `---` as
/// istioctl writes it. Documents are independent, so they are injected on
/// all cores and joined in input order (the first error in input order wins).
pub fn inject_text(
    injector: &Injector,
    file: &str,
    text: &str,
) -> Result<InjectedFile, InjectError> {
    let chunks = split_documents(text);
    let line_break = line_break_of(text);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(chunks.len().max(1));
    let per_worker = chunks.len().div_ceil(workers).max(1);
    let parts: Vec<Result<InjectedFile, InjectError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .chunks(per_worker)
            .map(|part| {
                scope.spawn(move || {
                    let mut out = InjectedFile::default();
                    let mut shared = Map::new();
                    for chunk in part {
                        inject_chunk(injector, file, chunk, line_break, &mut out, &mut shared)?;
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(InjectError {
                        file: file.to_string(),
                        pos: None,
                        message: "internal error: an injection worker panicked".into(),
                    })
                })
            })
            .collect()
    });
    let mut out = InjectedFile::default();
    for part in parts {
        let part = part?;
        out.text.push_str(&part.text);
        out.notes.extend(part.notes);
        out.injected += part.injected;
        out.unknown_fields.extend(part.unknown_fields);
    }
    Ok(out)
}

/// Injects one document into `out`.
fn inject_chunk(
    injector: &Injector,
    file: &str,
    chunk: &Chunk<'_>,
    line_break: &str,
    out: &mut InjectedFile,
    shared: &mut Map<String, Json>,
) -> Result<(), InjectError> {
    let copy_as_written = |out: &mut InjectedFile| {
        out.text.push_str(chunk.text);
        out.text.push_str(chunk.end);
    };
    if is_blank(chunk.text) {
        copy_as_written(out);
        return Ok(());
    }
    let located = |pos: Pos| Pos {
        line: pos.line + chunk.first_line as u32,
        column: pos.column,
    };
    let stream = source::yaml::parse_values(chunk.text);
    if let Some(error) = stream.errors.first() {
        return Err(InjectError {
            file: file.to_string(),
            pos: Some(located(error.pos)),
            message: error.message.clone(),
        });
    }
    let Some(mut root) = stream.documents.into_iter().find_map(|d| d.root) else {
        copy_as_written(out);
        return Ok(());
    };
    let (api_version, kind) = type_of(&root);
    let error_at = |path: &str, message: String| -> InjectError {
        let pos = FieldPath::parse(path).ok().and_then(|path| {
            let trees = source::yaml::parse_stream(chunk.text);
            let node = trees.documents.into_iter().find_map(|d| d.root)?;
            Some(node.locate_nearest(&path).value)
        });
        InjectError {
            file: file.to_string(),
            pos: pos.map(located),
            message,
        }
    };
    let is_workload = |object: &Json| {
        let (api_version, kind) = type_of(object);
        template_paths(&api_version, &kind).is_some()
    };
    let handled = if api_version == "v1" && kind == "List" {
        // Istio writes every List anew; one without a workload is left as written.
        let holds_workload = root
            .get("items")
            .and_then(Json::as_array)
            .is_some_and(|items| items.iter().any(is_workload));
        if holds_workload {
            if let Some(Json::Array(items)) = root.get_mut("items") {
                for (i, item) in items.iter_mut().enumerate() {
                    let (item_api, item_kind) = type_of(item);
                    if template_paths(&item_api, &item_kind).is_some() {
                        inject_object(injector, item, &item_api, &item_kind, out, shared)
                            .map_err(|e| error_at(&format!("items[{i}].{}", e.0), e.1))?;
                    }
                }
            }
            if let Json::Object(map) = &mut root {
                map.entry("metadata").or_insert_with(|| json!({}));
            }
        }
        holds_workload
    } else if is_workload(&root) {
        inject_object(injector, &mut root, &api_version, &kind, out, shared)
            .map_err(|e| error_at(&e.0, e.1))?;
        true
    } else {
        false
    };
    if !handled {
        copy_as_written(out);
        return Ok(());
    }
    note_unknown_fields(&root, out);
    let yaml = goyaml::to_yaml(&root);
    if line_break == "\n" {
        out.text.push_str(&yaml);
    } else {
        out.text.push_str(&yaml.replace('\n', line_break));
    }
    if chunk.end.is_empty() {
        out.text.push_str("---");
        out.text.push_str(line_break);
    } else {
        out.text.push_str(chunk.end);
    }
    Ok(())
}

/// An object's `apiVersion` and `kind` (empty when missing).
fn type_of(object: &Json) -> (String, String) {
    let text = |key: &str| {
        object
            .get(key)
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string()
    };
    (text("apiVersion"), text("kind"))
}

/// Records the fields of an object written anew (or of a List's items) that
/// Kubernetes does not define, judged by the schemas `mesh validate` uses.
fn note_unknown_fields(root: &Json, out: &mut InjectedFile) {
    let (api_version, kind) = type_of(root);
    if api_version == "v1" && kind == "List" {
        if let Some(items) = root.get("items").and_then(Json::as_array) {
            for (i, item) in items.iter().enumerate() {
                let at = FieldPath::root().field("items").index(i);
                note_object_unknown_fields(item, &at, out);
            }
        }
    } else {
        note_object_unknown_fields(root, &FieldPath::root(), out);
    }
}

fn note_object_unknown_fields(object: &Json, at: &FieldPath, out: &mut InjectedFile) {
    let (api_version, kind) = type_of(object);
    let (group, version) = model::split_api_version(&api_version);
    let Some(info) = model::find_kind(group, version, &kind) else {
        return;
    };
    let name = object
        .pointer("/metadata/name")
        .and_then(Json::as_str)
        .unwrap_or("");
    for error in model::kinds::check_schema(info, version, object) {
        if error.is_unknown_field() {
            let mut path = at.clone();
            path.0.extend(error.path.0);
            out.unknown_fields
                .push(format!("{kind} {name:?} at {path}"));
        }
    }
}

/// A located failure inside an object: (field path, message).
type ObjectError = (String, String);

fn inject_object(
    injector: &Injector,
    root: &mut Json,
    api_version: &str,
    kind: &str,
    out: &mut InjectedFile,
    shared: &mut Map<String, Json>,
) -> Result<(), ObjectError> {
    let Some((meta_ptr, spec_ptr)) = template_paths(api_version, kind) else {
        return Ok(());
    };
    let deploy_meta = root.get("metadata").cloned().unwrap_or(json!({}));
    let metadata = root.pointer(meta_ptr).cloned().unwrap_or(json!({}));
    let spec = root.pointer(spec_ptr).cloned();
    let Some(spec) = spec.filter(Json::is_object) else {
        return Err((
            pointer_to_path(spec_ptr),
            format!(
                "{kind} has no pod template: expected `{}`",
                pointer_to_path(spec_ptr)
            ),
        ));
    };
    let full_name = deploy_meta
        .get("name")
        .and_then(Json::as_str)
        .filter(|n| !n.is_empty())
        .or_else(|| metadata.get("name").and_then(Json::as_str))
        .unwrap_or("")
        .to_string();
    let namespace = metadata
        .get("namespace")
        .and_then(Json::as_str)
        .filter(|n| !n.is_empty())
        .or_else(|| deploy_meta.get("namespace").and_then(Json::as_str))
        .unwrap_or("");
    let skip = if spec.get("hostNetwork").and_then(Json::as_bool) == Some(true) {
        Some("host networking is enabled".to_string())
    } else if IGNORED_NAMESPACES.contains(&namespace) {
        Some(format!("namespace {namespace} is never injected"))
    } else {
        let label = metadata
            .pointer("/labels/sidecar.istio.io~1inject")
            .and_then(Json::as_str);
        let annotation = metadata
            .pointer("/annotations/sidecar.istio.io~1inject")
            .and_then(Json::as_str);
        match label.or(annotation) {
            Some("false") => Some(
                "sidecar injection is disabled (sidecar.istio.io/inject: \"false\")".to_string(),
            ),
            _ => None,
        }
    };
    if let Some(reason) = skip {
        out.notes
            .push(format!("skipped {kind} {full_name:?}: {reason}"));
        normalize_object(root, kind, meta_ptr, spec_ptr);
        return Ok(());
    }
    let (type_meta, deploy_meta) = if kind == "Pod" {
        pod_workload(&metadata)
    } else {
        (
            json!({"kind": kind, "apiVersion": api_version}),
            deploy_meta,
        )
    };
    let pod = json!({"metadata": metadata, "spec": spec});
    let ctx = Context {
        type_meta,
        deploy_meta,
    };
    let injected = pod::inject(injector, &pod, &ctx, shared).map_err(|e: PodError| {
        let path = match &e.annotation {
            Some(key) => format!("{}.annotations[\"{key}\"]", pointer_to_path(meta_ptr)),
            None => pointer_to_path(meta_ptr),
        };
        (path, e.message)
    })?;
    set_pointer(
        root,
        meta_ptr,
        injected.get("metadata").cloned().unwrap_or(json!({})),
    );
    set_pointer(
        root,
        spec_ptr,
        injected.get("spec").cloned().unwrap_or(json!({})),
    );
    normalize_object(root, kind, meta_ptr, spec_ptr);
    out.injected += 1;
    Ok(())
}

/// Istio's `GetDeployMetaFromPod`: the workload a pod belongs to, as
/// (TypeMeta, DeploymentMeta). Only a pod with a generated name is traced to
/// its controlling owner: a ReplicaSet named after the pod's template hash
/// stands for its Deployment (or Argo Rollout), an OpenShift
/// ReplicationController for its DeploymentConfig, a Job named
/// `<name>-<8 to 10 digits>` for its CronJob, and any other controller for
/// itself. The templates derive the workload name and `ISTIO_META_OWNER`
/// from these.
fn pod_workload(metadata: &Json) -> (Json, Json) {
    let text = |value: Option<&Json>| value.and_then(Json::as_str).unwrap_or("").to_string();
    let label = |key: &str| text(metadata.get("labels").and_then(|labels| labels.get(key)));
    let pod_name = text(metadata.get("name"));
    let namespace = text(metadata.get("namespace"));
    let (mut api_version, mut kind, mut name) =
        ("v1".to_string(), "Pod".to_string(), pod_name.clone());
    let generated = !text(metadata.get("generateName")).is_empty();
    let controller = metadata
        .get("ownerReferences")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .find(|owner| owner.get("controller").and_then(Json::as_bool) == Some(true))
        .filter(|_| generated);
    if let Some(owner) = controller {
        api_version = text(owner.get("apiVersion"));
        kind = text(owner.get("kind"));
        name = text(owner.get("name"));
        let template_hash = label("pod-template-hash");
        let rollout_hash = label("rollouts-pod-template-hash");
        if kind == "ReplicaSet" && !template_hash.is_empty() && name.ends_with(&template_hash) {
            name = trim_suffix(&name, &format!("-{template_hash}"));
            kind = "Deployment".into();
        } else if kind == "ReplicaSet" && !rollout_hash.is_empty() && name.ends_with(&rollout_hash)
        {
            name = trim_suffix(&name, &format!("-{rollout_hash}"));
            kind = "Rollout".into();
            api_version = "v1alpha1".into();
        } else if kind == "ReplicationController" && !label("deploymentconfig").is_empty() {
            name = label("deploymentconfig");
            kind = "DeploymentConfig".into();
        } else if kind == "Job" {
            if let Some(cron_job) = cron_job_name(&name) {
                name = cron_job.to_string();
                kind = "CronJob".into();
                api_version = "batch/v1".into();
            }
        }
    }
    if name.is_empty() {
        name = pod_name;
    }
    (
        json!({"kind": kind, "apiVersion": api_version}),
        json!({"name": name, "namespace": namespace}),
    )
}

fn trim_suffix(text: &str, suffix: &str) -> String {
    text.strip_suffix(suffix).unwrap_or(text).to_string()
}

/// The CronJob that named a Job `<name>-<8 to 10 digit timestamp>`.
fn cron_job_name(job: &str) -> Option<&str> {
    let (name, stamp) = job.rsplit_once('-')?;
    let stamped = (8..=10).contains(&stamp.len()) && stamp.bytes().all(|b| b.is_ascii_digit());
    (stamped && !name.is_empty() && !name.contains('\n')).then_some(name)
}

fn pointer_to_path(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

fn set_pointer(root: &mut Json, pointer: &str, value: Json) {
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut at = root;
    for part in parents {
        at = child(at, part);
    }
    if !at.is_object() {
        *at = Json::Object(Map::new());
    }
    if let Json::Object(map) = at {
        map.insert((*last).to_string(), value);
    }
}

/// `value[key]`, made a map (and `value` too) when it is not one.
fn child<'v>(value: &'v mut Json, key: &str) -> &'v mut Json {
    object_entry(value, key);
    match value {
        Json::Object(map) => map.entry(key).or_insert(Json::Null),
        _ => unreachable!("object_entry made it a map"),
    }
}

/// What Kubernetes' typed round trip does to an object of `kind`.
fn normalize_object(root: &mut Json, kind: &str, meta_ptr: &str, spec_ptr: &str) {
    if let Some(meta) = root.pointer_mut(meta_ptr) {
        normalize_metadata(meta);
    }
    if let Some(spec) = root.pointer_mut(spec_ptr) {
        normalize_pod_spec(spec);
    }
    let Json::Object(map) = root else { return };
    let spec_defaults: &[(&str, Json)] = match kind {
        "Deployment" => &[("strategy", json!({}))],
        "StatefulSet" | "DaemonSet" => &[("updateStrategy", json!({}))],
        _ => &[],
    };
    if let Some(Json::Object(spec)) = map.get_mut("spec") {
        // Zero values of optional fields are omitted.
        if spec.get("minReadySeconds").and_then(Json::as_i64) == Some(0) {
            spec.remove("minReadySeconds");
        }
        if spec.get("paused") == Some(&Json::Bool(false)) {
            spec.remove("paused");
        }
        // The pod template's metadata is a struct: always written.
        if let Some(Json::Object(template)) = spec.get_mut("template") {
            template.entry("metadata").or_insert_with(|| json!({}));
        }
        for (key, value) in spec_defaults {
            spec.entry(*key).or_insert_with(|| value.clone());
        }
        if kind == "DeploymentConfig" {
            let strategy = spec.entry("strategy").or_insert_with(|| json!({}));
            if let Json::Object(strategy) = strategy {
                strategy.entry("resources").or_insert_with(|| json!({}));
            }
            spec.entry("test").or_insert(json!(false));
            if spec.get("triggers").is_none() {
                spec.insert("triggers".into(), Json::Null);
            }
        }
    }
    let status = match kind {
        "StatefulSet" => json!({"availableReplicas": 0, "replicas": 0}),
        "DaemonSet" => {
            json!({"currentNumberScheduled": 0, "desiredNumberScheduled": 0, "numberMisscheduled": 0, "numberReady": 0})
        }
        "ReplicaSet" | "ReplicationController" => json!({"replicas": 0}),
        "DeploymentConfig" => {
            json!({"availableReplicas": 0, "latestVersion": 0, "observedGeneration": 0, "replicas": 0, "unavailableReplicas": 0, "updatedReplicas": 0})
        }
        _ => json!({}),
    };
    match map.get_mut("status") {
        Some(Json::Object(existing)) => {
            if let Json::Object(defaults) = status {
                for (k, v) in defaults {
                    existing.entry(k).or_insert(v);
                }
            }
        }
        _ => {
            map.insert("status".into(), status);
        }
    }
    if kind == "CronJob" {
        // The job template's pod template metadata is a typed struct too.
        if let Some(Json::Object(template)) = root.pointer_mut("/spec/jobTemplate/spec/template") {
            let meta = template.entry("metadata").or_insert_with(|| json!({}));
            normalize_metadata(meta);
        }
    }
}

fn drop_nulls(value: &mut Json) {
    match value {
        Json::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Json::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

fn normalize_metadata(meta: &mut Json) {
    drop_nulls(meta);
    if let Json::Object(map) = meta {
        for key in ["annotations", "labels"] {
            if map
                .get(key)
                .is_some_and(|v| v.as_object().is_some_and(Map::is_empty))
            {
                map.remove(key);
            }
        }
        map.remove("creationTimestamp");
    }
}

/// Empty lists are omitted (`omitempty`) except `containers`.
fn drop_empty_lists(value: &mut Json, top: bool) {
    match value {
        Json::Object(map) => {
            map.retain(|k, v| {
                !(v.as_array().is_some_and(Vec::is_empty) && !(top && k == "containers"))
            });
            map.values_mut().for_each(|v| drop_empty_lists(v, false));
        }
        Json::Array(items) => items.iter_mut().for_each(|v| drop_empty_lists(v, false)),
        _ => {}
    }
}

fn normalize_pod_spec(spec: &mut Json) {
    drop_nulls(spec);
    drop_empty_lists(spec, true);
    let Json::Object(map) = spec else { return };
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        if let Some(Json::Array(items)) = map.get_mut(list) {
            items.iter_mut().for_each(normalize_container);
        }
    }
    if let Some(Json::Object(selector)) = map.get("nodeSelector") {
        if selector.is_empty() {
            map.remove("nodeSelector");
        }
    }
    if let Some(Json::Array(volumes)) = map.get_mut("volumes") {
        for volume in volumes {
            if let Some(Json::Object(dir)) = volume.get_mut("emptyDir") {
                if let Some(Json::String(size)) = dir.get_mut("sizeLimit") {
                    if let Some(canonical) = quantity::canonical(size) {
                        *size = canonical;
                    }
                }
            }
        }
    }
}

/// A container as Go marshals `corev1.Container`: `resources: {}` always,
/// canonical quantities, zero-valued optional numbers and flags omitted.
pub fn normalize_container(container: &mut Json) {
    drop_nulls(container);
    let Json::Object(map) = container else { return };
    let resources = map.entry("resources").or_insert_with(|| json!({}));
    if let Json::Object(resources) = resources {
        for key in ["limits", "requests"] {
            if let Some(Json::Object(amounts)) = resources.get_mut(key) {
                for amount in amounts.values_mut() {
                    let text = match amount {
                        Json::String(s) => s.clone(),
                        Json::Number(n) => n.to_string(),
                        _ => continue,
                    };
                    if let Some(canonical) = quantity::canonical(&text) {
                        *amount = Json::String(canonical);
                    }
                }
                if amounts.is_empty() {
                    resources.remove(key);
                }
            }
        }
    }
    for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
        if let Some(Json::Object(probe)) = map.get_mut(probe) {
            for field in [
                "initialDelaySeconds",
                "timeoutSeconds",
                "periodSeconds",
                "successThreshold",
                "failureThreshold",
            ] {
                if probe.get(field).and_then(Json::as_i64) == Some(0) {
                    probe.remove(field);
                }
            }
        }
    }
    for flag in ["stdin", "stdinOnce", "tty"] {
        if map.get(flag) == Some(&Json::Bool(false)) {
            map.remove(flag);
        }
    }
    for text in [
        "imagePullPolicy",
        "workingDir",
        "image",
        "terminationMessagePath",
        "terminationMessagePolicy",
    ] {
        if map.get(text).and_then(Json::as_str) == Some("") {
            map.remove(text);
        }
    }
    if let Some(Json::Array(env)) = map.get_mut("env") {
        for var in env {
            if let Json::Object(var) = var {
                if var.get("value").and_then(Json::as_str) == Some("") {
                    var.remove("value");
                }
            }
        }
    }
    if let Some(Json::Array(mounts)) = map.get_mut("volumeMounts") {
        for mount in mounts {
            if let Some(Json::Object(mount)) = Some(mount) {
                if mount.get("readOnly") == Some(&Json::Bool(false)) {
                    mount.remove("readOnly");
                }
            }
        }
    }
    if let Some(Json::Array(ports)) = map.get_mut("ports") {
        for port in ports {
            if let Json::Object(port) = port {
                if port.get("hostPort").and_then(Json::as_i64) == Some(0) {
                    port.remove("hostPort");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_split_on_marker_lines_only_and_add_up_to_the_file() {
        let text = "a: 1\n---\nb: '---'\n--- # c\nc: 3\n...\n---word: 4\n";
        let chunks = split_documents(text);
        let pieces: Vec<(&str, &str)> = chunks.iter().map(|c| (c.text, c.end)).collect();
        assert_eq!(
            pieces,
            vec![
                ("a: 1\n", "---\n"),
                ("b: '---'\n", "--- # c\n"),
                ("c: 3\n", "...\n"),
                ("---word: 4\n", ""),
            ]
        );
        assert_eq!(chunks[2].first_line, 4);
        let joined: String = pieces.iter().map(|(t, e)| format!("{t}{e}")).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn a_cron_jobs_name_is_a_jobs_name_less_an_8_to_10_digit_stamp() {
        assert_eq!(cron_job_name("nightly-29012345"), Some("nightly"));
        assert_eq!(cron_job_name("a-b-1234567890"), Some("a-b"));
        assert_eq!(cron_job_name("nightly-1234567"), None);
        assert_eq!(cron_job_name("nightly-12345678901"), None);
        assert_eq!(cron_job_name("nightly-2901234x"), None);
        assert_eq!(cron_job_name("-29012345"), None);
    }

    #[test]
    fn owners_istio_recognises_by_their_labels() {
        let owned = |kind: &str, name: &str, labels: Json| {
            pod_workload(&json!({
                "name": "p", "generateName": "p-", "namespace": "ns", "labels": labels,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": kind, "name": name, "controller": true}],
            }))
        };
        let (type_meta, deploy_meta) = owned(
            "ReplicaSet",
            "api-5f6d",
            json!({"rollouts-pod-template-hash": "5f6d"}),
        );
        assert_eq!(
            type_meta,
            json!({"kind": "Rollout", "apiVersion": "v1alpha1"})
        );
        assert_eq!(deploy_meta, json!({"name": "api", "namespace": "ns"}));
        let (type_meta, deploy_meta) = owned(
            "ReplicationController",
            "legacy-3",
            json!({"deploymentconfig": "legacy"}),
        );
        assert_eq!(type_meta["kind"], "DeploymentConfig");
        assert_eq!(deploy_meta["name"], "legacy");
        // A ReplicaSet whose name does not end in the hash stays itself.
        let (type_meta, deploy_meta) = owned(
            "ReplicaSet",
            "api-other",
            json!({"pod-template-hash": "5f6d"}),
        );
        assert_eq!(type_meta["kind"], "ReplicaSet");
        assert_eq!(deploy_meta["name"], "api-other");
    }

    #[test]
    fn containers_are_normalized_as_go_marshals_them() {
        let mut c = json!({"name": "a", "resources": {"limits": {"cpu": "2000m", "memory": "1024Mi"}}, "readinessProbe": {"initialDelaySeconds": 0, "periodSeconds": 5}, "env": null});
        normalize_container(&mut c);
        assert_eq!(
            c,
            json!({"name": "a", "resources": {"limits": {"cpu": "2", "memory": "1Gi"}}, "readinessProbe": {"periodSeconds": 5}})
        );
    }
}
