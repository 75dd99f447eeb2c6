//! Injection of one pod template: Istio's `RunTemplate`,
//! `reapplyOverwrittenContainers` and `postProcessPod`.

use serde_json::{json, Map, Value as Json};

use super::gojson::{self, GoType};
use super::kinds::normalize_container;
use super::template::Template;
use super::{default_proxy_config, merge, Injector};

pub const PROXY: &str = "istio-proxy";
const INIT: &str = "istio-init";
const VALIDATION: &str = "istio-validation";
const STATUS_ANNOTATION: &str = "sidecar.istio.io/status";
const OVERRIDES_ANNOTATION: &str = "proxy.istio.io/overrides";
const PROXY_CONFIG_ANNOTATION: &str = "proxy.istio.io/config";
pub const TEMPLATES_ANNOTATION: &str = "inject.istio.io/templates";
const SCRAPE: &str = "prometheus.io/scrape";
const PORT: &str = "prometheus.io/port";
const PATH: &str = "prometheus.io/path";
const SCRAPE_TARGETS: &str = "prometheus.istio.io/scrape-targets";
const ENABLE_CORE_DUMP: &str = "enable-core-dump";
/// The uid and gid the proxy runs as unless the pod says otherwise.
const DEFAULT_PROXY_ID: i64 = 1337;

/// What a pod's injection needs besides the pod.
pub struct Context {
    pub type_meta: Json,
    pub deploy_meta: Json,
}

/// Why a pod could not be injected, with the annotation to point at.
#[derive(Debug)]
pub struct PodError {
    pub annotation: Option<String>,
    pub message: String,
}

fn pod_error(annotation: Option<&str>, message: impl Into<String>) -> PodError {
    PodError {
        annotation: annotation.map(str::to_string),
        message: message.into(),
    }
}

fn annotations(pod: &Json) -> Option<&Map<String, Json>> {
    pod.get("metadata")?.get("annotations")?.as_object()
}

fn annotation<'p>(pod: &'p Json, key: &str) -> Option<&'p str> {
    annotations(pod)?.get(key)?.as_str()
}

fn annotations_mut(pod: &mut Json) -> &mut Map<String, Json> {
    let metadata = object_entry(pod, "metadata");
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| Json::Object(Map::new()));
    if !annotations.is_object() {
        *annotations = Json::Object(Map::new());
    }
    match annotations {
        Json::Object(map) => map,
        _ => unreachable!("just made an object"),
    }
}

/// `value[key]` as a map, created (or replaced if not a map) when needed.
pub fn object_entry<'v>(value: &'v mut Json, key: &str) -> &'v mut Map<String, Json> {
    if !value.is_object() {
        *value = Json::Object(Map::new());
    }
    let Json::Object(map) = value else {
        unreachable!("just made an object")
    };
    let entry = map.entry(key).or_insert_with(|| Json::Object(Map::new()));
    if !entry.is_object() {
        *entry = Json::Object(Map::new());
    }
    match entry {
        Json::Object(map) => map,
        _ => unreachable!("just made an object"),
    }
}

fn containers<'p>(pod: &'p Json, list: &str) -> &'p [Json] {
    pod.get("spec")
        .and_then(|s| s.get(list))
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice)
}

fn containers_mut<'p>(pod: &'p mut Json, list: &str) -> Option<&'p mut Vec<Json>> {
    pod.get_mut("spec")?.get_mut(list)?.as_array_mut()
}

fn name_of(container: &Json) -> &str {
    container.get("name").and_then(Json::as_str).unwrap_or("")
}

/// Names listed in the status annotation of a previous injection.
fn status_names(pod: &Json, list: &str) -> Vec<String> {
    annotation(pod, STATUS_ANNOTATION)
        .and_then(|s| serde_json::from_str::<Json>(s).ok())
        .and_then(|status| status.get(list).cloned())
        .and_then(|l| l.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

fn overrides_of(pod: &Json) -> Result<Json, PodError> {
    match annotation(pod, OVERRIDES_ANNOTATION) {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| pod_error(Some(OVERRIDES_ANNOTATION), format!("invalid JSON: {e}"))),
        None => Ok(json!({})),
    }
}

/// The ProxyConfig for a pod: defaults, the mesh's `defaultConfig`, then
/// the pod's `proxy.istio.io/config` annotation.
fn proxy_config(injector: &Injector, pod: &Json) -> Result<Json, PodError> {
    let mut config = default_proxy_config();
    if let Some(mesh_default) = injector.mesh.get("defaultConfig") {
        deep_merge(&mut config, mesh_default);
    }
    if let Some(text) = annotation(pod, PROXY_CONFIG_ANNOTATION) {
        let stream = crate::source::yaml::parse_values(text);
        if let Some(error) = stream.errors.first() {
            return Err(pod_error(
                Some(PROXY_CONFIG_ANNOTATION),
                format!("invalid ProxyConfig at {}: {}", error.pos, error.message),
            ));
        }
        match stream.documents.into_iter().find_map(|d| d.root) {
            Some(overlay @ Json::Object(_)) => deep_merge(&mut config, &overlay),
            Some(Json::Null) | None => {}
            Some(_) => {
                return Err(pod_error(
                    Some(PROXY_CONFIG_ANNOTATION),
                    "expected a ProxyConfig mapping",
                ))
            }
        }
    }
    Ok(config)
}

/// Merges `overlay` into `target` map by map; anything else in `overlay`
/// (lists, scalars, null) replaces what was there.
pub(super) fn deep_merge(target: &mut Json, overlay: &Json) {
    match (target, overlay) {
        (Json::Object(t), Json::Object(o)) => {
            for (k, v) in o {
                match t.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        deep_merge(existing, v)
                    }
                    _ => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (t, o) => *t = o.clone(),
    }
}

fn image_url(values: &Json, image_key: &str, pod: &Json) -> String {
    let global = values.get("global").cloned().unwrap_or(Json::Null);
    let hub = global
        .get("hub")
        .map(super::template::funcs::print)
        .unwrap_or_default();
    let tag = global
        .get("tag")
        .map(super::template::funcs::print)
        .unwrap_or_default();
    let mut image_type = global
        .get("variant")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    let name = global
        .get(image_key)
        .and_then(|p| p.get("image"))
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("proxyv2");
    if let Some(kind) = annotation(pod, "sidecar.istio.io/proxyImageType") {
        image_type = kind.to_string();
    }
    let mut tag = tag;
    if !image_type.is_empty() {
        for ending in ["-distroless", "-debug"] {
            if let Some(stripped) = tag.strip_suffix(ending) {
                tag = stripped.to_string();
            }
        }
        if image_type != "default" {
            tag = format!("{tag}-{image_type}");
        }
    }
    format!("{hub}/{name}:{tag}")
}

/// Istio's `stripPod` + `reinsertOverrides`: the pod as the templates see it,
/// without what a previous injection added.
fn stripped(pod: &Json, status_port: &str) -> Result<Json, PodError> {
    let mut stripped = pod.clone();
    for list in ["containers", "initContainers"] {
        let names = status_names(pod, list);
        if let Some(items) = containers_mut(&mut stripped, list) {
            items.retain(|c| !names.iter().any(|n| n == name_of(c)));
        }
    }
    if annotation(pod, PORT) == Some(status_port) {
        let map = annotations_mut(&mut stripped);
        map.remove(SCRAPE);
        map.remove(PORT);
        map.remove(PATH);
    }
    if let Some(Json::Object(map)) = stripped
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    {
        map.remove(STATUS_ANNOTATION);
    }
    let overrides = overrides_of(pod)?;
    for list in ["containers", "initContainers"] {
        for container in overrides
            .get(list)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let present = containers(&stripped, list)
                .iter()
                .any(|c| name_of(c) == name_of(container));
            if !present {
                let spec = object_entry(&mut stripped, "spec");
                let items = spec.entry(list).or_insert_with(|| Json::Array(Vec::new()));
                if let Json::Array(items) = items {
                    items.push(container.clone());
                }
            }
        }
    }
    Ok(stripped)
}

/// The template names a pod selects, aliases expanded.
pub fn selected_templates(injector: &Injector, pod: &Json) -> Vec<String> {
    let names: Vec<String> = match (
        &injector.forced_templates,
        annotation(pod, TEMPLATES_ANNOTATION),
    ) {
        (Some(forced), _) => forced.clone(),
        (None, Some(text)) => text.split(',').map(|n| n.trim().to_string()).collect(),
        (None, None) => vec!["sidecar".to_string()],
    };
    let mut out = Vec::new();
    for name in names {
        match injector.aliases.get(&name) {
            Some(targets) => out.extend(targets.iter().cloned()),
            None => out.push(name),
        }
    }
    out
}

/// Injects one pod (`{"metadata": ..., "spec": ...}`); returns the new pod.
/// `shared` carries the template data from pod to pod, so the values and
/// mesh config are copied once per file rather than once per pod.
pub fn inject(
    injector: &Injector,
    pod: &Json,
    ctx: &Context,
    shared: &mut Map<String, Json>,
) -> Result<Json, PodError> {
    validate_annotations(pod)?;
    let proxy_config = proxy_config(injector, pod)?;
    let status_port = proxy_config
        .get("statusPort")
        .map(super::template::funcs::print)
        .unwrap_or_else(|| "15020".into());
    let stripped = stripped(pod, &status_port)?;
    let values = &injector.values;
    let mut data = std::mem::take(shared);
    if !data.contains_key("Values") {
        data.insert("MeshConfig".into(), injector.mesh.clone());
        data.insert("Values".into(), values.clone());
    }
    data.insert("TypeMeta".into(), ctx.type_meta.clone());
    data.insert("DeploymentMeta".into(), ctx.deploy_meta.clone());
    data.insert(
        "ObjectMeta".into(),
        stripped.get("metadata").cloned().unwrap_or(json!({})),
    );
    data.insert(
        "Spec".into(),
        stripped.get("spec").cloned().unwrap_or(json!({})),
    );
    data.insert("ProxyConfig".into(), proxy_config.clone());
    data.insert("Revision".into(), Json::String(injector.revision.clone()));
    data.insert(
        "ProxyImage".into(),
        Json::String(image_url(values, "proxy", pod)),
    );
    data.insert(
        "ProxyInitImage".into(),
        Json::String(image_url(values, "proxy_init", pod)),
    );
    // Istio takes these from an OpenShift namespace's annotations, which only
    // the webhook reads; offline they are the default. A user's istio-proxy
    // `runAsUser` reaches the iptables rules later (`adjust_init_container_user`).
    data.insert("ProxyUID".into(), json!(DEFAULT_PROXY_ID));
    data.insert("ProxyGID".into(), json!(DEFAULT_PROXY_ID));
    data.insert(
        "NativeSidecars".into(),
        Json::Bool(injector.native_sidecars),
    );
    let inbound = injector
        .mesh
        .get("inboundTrafficPolicy")
        .and_then(|p| p.get("mode"))
        .and_then(Json::as_str)
        .unwrap_or("PASSTHROUGH")
        .to_lowercase();
    data.insert("InboundTrafficPolicyMode".into(), Json::String(inbound));
    data.insert("CompliancePolicy".into(), Json::String(String::new()));
    let data = Json::Object(data);
    let overlays = render_templates(injector, pod, &data);
    if let Json::Object(map) = data {
        *shared = map;
    }
    let mut merged = pod.clone();
    let mut template_pod = json!({});
    for overlay in overlays? {
        merge::apply(&mut template_pod, &overlay);
        merge::apply(&mut merged, &overlay);
    }
    reapply_overwritten_containers(&mut merged, pod, &template_pod)?;
    adjust_init_container_user(&mut merged, pod, &proxy_config);
    post_process(
        injector,
        &mut merged,
        &template_pod,
        &proxy_config,
        &status_port,
    );
    Ok(merged)
}

/// Each selected template rendered and read as YAML, in order.
fn render_templates(injector: &Injector, pod: &Json, data: &Json) -> Result<Vec<Json>, PodError> {
    let mut overlays = Vec::new();
    for name in selected_templates(injector, pod) {
        let Some(template) = injector.templates.get(&name) else {
            let mut known: Vec<String> = injector.template_names();
            known.sort();
            return Err(pod_error(
                Some(TEMPLATES_ANNOTATION),
                format!(
                    "unknown injection template {name:?}; expected one of: {}",
                    known.join(", ")
                ),
            ));
        };
        let template = template.as_ref().map_err(|e| pod_error(None, e.clone()))?;
        let text = template
            .render(data)
            .map_err(|e| pod_error(None, format!("cannot render injection template: {e}")))?;
        check_values_used(injector, &name, template, data, &text)?;
        let stream = crate::source::yaml::parse_values(&text);
        if let Some(error) = stream.errors.first() {
            let line = text
                .lines()
                .nth((error.pos.line as usize).saturating_sub(1))
                .unwrap_or("");
            return Err(pod_error(
                None,
                format!(
                    "template {name:?} rendered invalid YAML at line {}: {} (near {:?})",
                    error.pos.line,
                    error.message,
                    line.trim()
                ),
            ));
        }
        let overlay = stream
            .documents
            .into_iter()
            .find_map(|d| d.root)
            .unwrap_or(Json::Null);
        if overlay.is_null() {
            continue;
        }
        if !overlay.is_object() {
            return Err(pod_error(
                None,
                format!(
                    "template {name:?} rendered a {} instead of a pod",
                    crate::source::json_type_name(&overlay)
                ),
            ));
        }
        overlays.push(overlay);
    }
    Ok(overlays)
}

/// Go prints a null as `<nil>`.
const GO_NIL: &str = "<nil>";

/// Refuses a rendering that used values the user's values file left null
/// or empty: `<nil>` in the output, or a proxy image with no hub or tag.
/// Istio would write such a pod; it would never start.
fn check_values_used(
    injector: &Injector,
    name: &str,
    template: &Template,
    data: &Json,
    text: &str,
) -> Result<(), PodError> {
    let source = &injector.values_source;
    let global = injector.values.get("global");
    let unset_image_parts: Vec<String> = ["hub", "tag"]
        .iter()
        .filter(|key| {
            global
                .and_then(|g| g.get(**key))
                .map(super::template::funcs::print)
                .unwrap_or_default()
                .is_empty()
        })
        .map(|key| format!("global.{key}"))
        .collect();
    if !unset_image_parts.is_empty() {
        let used_image = ["ProxyImage", "ProxyInitImage"]
            .iter()
            .filter_map(|key| data.get(*key).and_then(Json::as_str))
            .find(|image| text.contains(*image));
        if let Some(image) = used_image {
            let (subject, plural) = listed(&unset_image_parts);
            let (verb, them) = if plural {
                ("are", "them")
            } else {
                ("is", "it")
            };
            return Err(pod_error(
                None,
                format!(
                    "{source}: {subject} {verb} null or empty, so template {name:?} would use the image {image:?}; set {them}"
                ),
            ));
        }
    }
    if !text.contains(GO_NIL) || pod_mentions_nil(data) {
        return Ok(());
    }
    let printed = text.matches(GO_NIL).count();
    let mut nulls = Vec::new();
    if let Some(values) = data.get("Values") {
        null_paths(values, &[], &mut nulls);
    }
    // A null the template prints is one whose replacement by "" (as falsy
    // as null, so the same branches run) removes a `<nil>`.
    let culprits: Vec<String> = nulls
        .into_iter()
        .filter(|path| {
            let mut probe = data.clone();
            if let Some(slot) = probe
                .get_mut("Values")
                .and_then(|values| values.pointer_mut(&to_pointer(path)))
            {
                *slot = json!("");
            }
            template
                .render(&probe)
                .is_ok_and(|again| again.matches(GO_NIL).count() < printed)
        })
        .map(|path| path.join("."))
        .collect();
    let message = if culprits.is_empty() {
        let line = text.lines().find(|l| l.contains(GO_NIL)).unwrap_or("");
        format!(
            "template {name:?} printed a null value ({:?}); check {source} for a null or missing value",
            line.trim()
        )
    } else {
        let (subject, plural) = listed(&culprits);
        let (verb, them, default) = if plural {
            ("are", "them", "defaults")
        } else {
            ("is", "it", "default")
        };
        format!(
            "{source}: {subject} {verb} null, but template {name:?} needs {them}; set {them}, or leave {them} out to take the {default}"
        )
    };
    Err(pod_error(None, message))
}

/// `a`, `a and b`, `a, b and c`; and whether that is more than one.
fn listed(items: &[String]) -> (String, bool) {
    let text = match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    (text, items.len() > 1)
}

/// Whether the pod itself holds the text `<nil>` (then it proves nothing).
fn pod_mentions_nil(data: &Json) -> bool {
    ["ObjectMeta", "Spec"].iter().any(|key| {
        data.get(*key)
            .is_some_and(|part| part.to_string().contains(GO_NIL))
    })
}

/// The key paths of the nulls inside maps.
fn null_paths(value: &Json, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let Json::Object(map) = value else { return };
    for (key, child) in map {
        let mut path = prefix.to_vec();
        path.push(key.clone());
        match child {
            Json::Null => out.push(path),
            Json::Object(_) => null_paths(child, &path, out),
            _ => {}
        }
    }
}

fn to_pointer(path: &[String]) -> String {
    path.iter()
        .map(|key| format!("/{}", key.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Lays the user's containers that share a name with template containers
/// back on top, and records them in `proxy.istio.io/overrides`.
fn reapply_overwritten_containers(
    merged: &mut Json,
    original: &Json,
    template_pod: &Json,
) -> Result<(), PodError> {
    let existing = overrides_of(original)?;
    let mut overrides = Map::new();
    for list in ["containers", "initContainers"] {
        let injected = status_names(original, list);
        let mut applied = Vec::new();
        for template_container in containers(template_pod, list) {
            let name = name_of(template_container);
            let from_overrides = existing
                .get(list)
                .and_then(Json::as_array)
                .and_then(|l| l.iter().find(|c| name_of(c) == name));
            let found = match from_overrides {
                Some(c) => Some(c.clone()),
                None if injected.iter().any(|n| n == name) => None,
                None => containers(original, "containers")
                    .iter()
                    .chain(containers(original, "initContainers"))
                    .find(|c| name_of(c) == name)
                    .cloned(),
            };
            let Some(mut overlay) = found else { continue };
            if overlay.get("image").and_then(Json::as_str) == Some("auto") {
                if let Some(map) = overlay.as_object_mut() {
                    map.remove("image");
                }
            }
            normalize_container(&mut overlay);
            // A container the template moved to the other list (the proxy as
            // a native sidecar) leaves the list the user had it in.
            let other = if list == "containers" {
                "initContainers"
            } else {
                "containers"
            };
            let moved = containers(original, other)
                .iter()
                .any(|c| name_of(c) == name)
                && !containers(original, list)
                    .iter()
                    .any(|c| name_of(c) == name);
            if let Some(items) = containers_mut(merged, other) {
                items.retain(|c| name_of(c) != name);
            }
            if moved {
                // As if the user's container had been in this list all along:
                // the template merged onto it, keeping its list items' places.
                if let Some(slot) = containers_mut(merged, list)
                    .and_then(|items| items.iter_mut().find(|c| name_of(c) == name))
                {
                    let mut base = overlay.clone();
                    merge::apply(&mut base, slot);
                    *slot = base;
                }
            }
            let patch = json!({ "spec": { list: [overlay.clone()] } });
            merge::apply(merged, &patch);
            applied.push(overlay);
        }
        if !applied.is_empty() {
            overrides.insert(list.to_string(), Json::Array(applied));
        }
    }
    if !overrides.is_empty() {
        let mut text = String::from("{");
        for (i, list) in ["containers", "initContainers"]
            .iter()
            .filter(|l| overrides.contains_key(**l))
            .enumerate()
        {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!(
                "\"{list}\":{}",
                gojson::to_string(&overrides[*list], GoType::Container)
            ));
        }
        text.push('}');
        annotations_mut(merged).insert(OVERRIDES_ANNOTATION.into(), Json::String(text));
    }
    Ok(())
}

/// Istio's `adjustInitContainerUser`: a user's `istio-proxy` that sets
/// `runAsUser` (or `runAsGroup`) moves the iptables rules' `-u` owner to that
/// uid, and the CNI validation container to that uid and gid. With TPROXY
/// interception the proxy itself must stay root.
fn adjust_init_container_user(merged: &mut Json, original: &Json, proxy_config: &Json) {
    let Some(user) = containers(original, "containers")
        .iter()
        .chain(containers(original, "initContainers"))
        .find(|c| name_of(c) == PROXY)
    else {
        return;
    };
    let id_of = |key: &str| {
        user.get("securityContext")
            .and_then(|context| context.get(key))
            .and_then(Json::as_i64)
    };
    let (run_as_user, run_as_group) = (id_of("runAsUser"), id_of("runAsGroup"));
    if run_as_user.is_none() && run_as_group.is_none() {
        return;
    }
    let tproxy = proxy_config.get("interceptionMode").and_then(Json::as_str) == Some("TPROXY")
        || annotation(merged, "sidecar.istio.io/interceptionMode") == Some("TPROXY");
    if tproxy && run_as_user.is_some() {
        if let Some(sidecar) = find_sidecar_mut(merged) {
            object_entry(sidecar, "securityContext").insert("runAsUser".into(), json!(0));
        }
    }
    let Some(init) = containers_mut(merged, "initContainers").and_then(|items| {
        let position = [INIT, VALIDATION]
            .iter()
            .find_map(|name| items.iter().position(|c| name_of(c) == *name))?;
        items.get_mut(position)
    }) else {
        return;
    };
    if !tproxy && name_of(init) == VALIDATION {
        let context = object_entry(init, "securityContext");
        for (key, id) in [("runAsUser", run_as_user), ("runAsGroup", run_as_group)] {
            if let Some(id) = id {
                context.insert(key.into(), json!(id));
            }
        }
    }
    // Root is never written as the exempt owner; the template's uid stays.
    let Some(uid) = run_as_user.filter(|uid| *uid != 0) else {
        return;
    };
    if let Some(args) = init.get_mut("args").and_then(Json::as_array_mut) {
        if let Some(i) = args.iter().position(|a| a.as_str() == Some("-u")) {
            if let Some(owner) = args.get_mut(i + 1) {
                *owner = json!(uid.to_string());
            }
        }
    }
}

fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn find_sidecar_mut(pod: &mut Json) -> Option<&mut Json> {
    let in_containers = containers(pod, "containers")
        .iter()
        .any(|c| name_of(c) == PROXY);
    let list = if in_containers {
        "containers"
    } else {
        "initContainers"
    };
    containers_mut(pod, list)?
        .iter_mut()
        .find(|c| name_of(c) == PROXY)
}

fn push_env(container: &mut Json, name: &str, value: String) {
    if let Some(map) = container.as_object_mut() {
        let env = map.entry("env").or_insert_with(|| Json::Array(Vec::new()));
        if let Json::Array(env) = env {
            env.push(json!({"name": name, "value": value}));
        }
    }
}

fn post_process(
    injector: &Injector,
    pod: &mut Json,
    template_pod: &Json,
    proxy_config: &Json,
    status_port: &str,
) {
    apply_prometheus_merge(injector, pod, status_port);
    apply_probe_rewrite(injector, pod, status_port);
    // The status annotation lists what the templates added.
    let names = |list: &str| -> Json {
        let names: Vec<Json> = containers(template_pod, list)
            .iter()
            .map(|c| json!(name_of(c)))
            .collect();
        if names.is_empty() {
            Json::Null
        } else {
            Json::Array(names)
        }
    };
    let revision = if injector.revision.is_empty() {
        "default"
    } else {
        injector.revision.as_str()
    };
    let status = format!(
        "{{\"initContainers\":{},\"containers\":{},\"volumes\":{},\"imagePullSecrets\":{},\"revision\":{}}}",
        names("initContainers"),
        names("containers"),
        names("volumes"),
        names("imagePullSecrets"),
        gojson::go_json_string(revision)
    );
    annotations_mut(pod).insert(STATUS_ANNOTATION.into(), Json::String(status));
    // Container order: the proxy last unless the app must wait for it.
    let hold = proxy_config
        .get("holdApplicationUntilProxyStarts")
        .and_then(Json::as_bool)
        .unwrap_or(false)
        || injector
            .values
            .pointer("/global/proxy/holdApplicationUntilProxyStarts")
            .and_then(Json::as_bool)
            .unwrap_or(false);
    if let Some(list) = containers_mut(pod, "containers") {
        move_container(list, PROXY, !hold);
    }
    let native = containers(pod, "initContainers")
        .iter()
        .any(|c| name_of(c) == PROXY);
    if let Some(list) = containers_mut(pod, "initContainers") {
        if native {
            // Init containers run inside the mesh: iptables setup, then the
            // proxy, then everything else.
            for name in [ENABLE_CORE_DUMP, PROXY, VALIDATION, INIT] {
                move_container(list, name, false);
            }
        } else {
            // The CNI check blocks everything; the iptables setup comes last
            // so the user's init containers (restartPolicy: Always ones too)
            // reach the network before capture starts.
            move_container(list, VALIDATION, false);
            move_container(list, INIT, true);
            move_container(list, ENABLE_CORE_DUMP, true);
        }
    }
}

/// Istio's `modifyContainers`: puts the container called `name` first or
/// last, the others keeping their order (of duplicates, only the last stays).
fn move_container(list: &mut Vec<Json>, name: &str, last: bool) {
    let Some(found) = list.iter().rposition(|c| name_of(c) == name) else {
        return;
    };
    let item = list.remove(found);
    list.retain(|c| name_of(c) != name);
    if last {
        list.push(item);
    } else {
        list.insert(0, item);
    }
}

fn apply_prometheus_merge(injector: &Injector, pod: &mut Json, status_port: &str) {
    let enabled = match annotation(pod, "prometheus.istio.io/merge-metrics").and_then(parse_go_bool)
    {
        Some(value) => value,
        None => injector.mesh_config.enable_prometheus_merge,
    };
    if !enabled || annotation(pod, PORT) == Some(status_port) {
        return;
    }
    // Either spelling of the scrape annotation turns scraping off.
    let scrape = annotation(pod, SCRAPE)
        .or_else(|| annotation(pod, "prometheus.io.scrape"))
        .and_then(parse_go_bool)
        .unwrap_or(true);
    if !scrape {
        return;
    }
    let targets: Vec<(String, String)> = annotation(pod, SCRAPE_TARGETS)
        .unwrap_or("")
        .split(',')
        .filter_map(|t| {
            let t = t.trim();
            if t.is_empty() {
                return None;
            }
            let (port, path) = t.split_once(':').unwrap_or((t, ""));
            Some((port.trim().to_string(), path.trim().to_string()))
        })
        .collect();
    let (mut port, mut path) = (
        annotation(pod, PORT).unwrap_or("").to_string(),
        annotation(pod, PATH).unwrap_or("").to_string(),
    );
    if let Some((first_port, first_path)) = targets.first() {
        port = first_port.clone();
        path = first_path.clone();
    }
    let mut config = String::new();
    let mut put = |key: &str, value: &str| {
        if !value.is_empty() {
            config.push_str(if config.is_empty() { "{" } else { "," });
            config.push_str(&format!("\"{key}\":{}", gojson::go_json_string(value)));
        }
    };
    put("scrape", annotation(pod, SCRAPE).unwrap_or(""));
    put("path", &path);
    put("port", &port);
    let targets: Vec<String> = targets
        .iter()
        .map(|(port, path)| {
            let mut entry = format!("{{\"port\":{}", gojson::go_json_string(port));
            if !path.is_empty() {
                entry.push_str(&format!(",\"path\":{}", gojson::go_json_string(path)));
            }
            entry.push('}');
            entry
        })
        .collect();
    if !targets.is_empty() {
        config.push_str(if config.is_empty() { "{" } else { "," });
        config.push_str(&format!("\"targets\":[{}]", targets.join(",")));
    }
    if !config.is_empty() {
        config.push('}');
        if let Some(sidecar) = find_sidecar_mut(pod) {
            push_env(sidecar, "ISTIO_PROMETHEUS_ANNOTATIONS", config);
        }
    }
    let map = annotations_mut(pod);
    map.remove(SCRAPE_TARGETS);
    map.insert(SCRAPE.into(), json!("true"));
    map.insert(PORT.into(), json!(status_port));
    map.insert(PATH.into(), json!("/stats/prometheus"));
}

/// Istio's `applyRewrite`: app probes go through the agent's status port,
/// and the agent learns the originals from `ISTIO_KUBE_APP_PROBERS`.
fn apply_probe_rewrite(injector: &Injector, pod: &mut Json, default_port: &str) {
    let has_sidecar = containers(pod, "containers")
        .iter()
        .chain(containers(pod, "initContainers"))
        .any(|c| name_of(c) == PROXY);
    if !has_sidecar {
        return;
    }
    let spec_setting = injector
        .values
        .pointer("/sidecarInjectorWebhook/rewriteAppHTTPProbe")
        .and_then(Json::as_bool)
        .unwrap_or(true);
    let rewrite = annotation(pod, "sidecar.istio.io/rewriteAppHTTPProbers")
        .and_then(parse_go_bool)
        .unwrap_or(spec_setting);
    if !rewrite {
        return;
    }
    let status_port: i64 = match annotation(pod, "status.sidecar.istio.io/port") {
        Some(text) => match text.trim().parse() {
            Ok(port) => port,
            Err(_) => return,
        },
        None => default_port.parse().unwrap_or(15020),
    };
    let target_port: i64 = default_port.parse().unwrap_or(15020);
    // Dump the original checks first, init containers before the others
    // as Istio lists them (a later name wins).
    let mut probers: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for list in ["initContainers", "containers"] {
        for container in containers(pod, list) {
            let name = name_of(container);
            if name == PROXY {
                continue;
            }
            let named_ports: Vec<(String, Json)> = container
                .get("ports")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| {
                    Some((
                        p.get("name")?.as_str()?.to_string(),
                        p.get("containerPort")?.clone(),
                    ))
                })
                .filter(|(n, _)| !n.is_empty())
                .collect();
            for check in agent_checks(name) {
                let Some(handler) = container.pointer(check.pointer).filter(|h| h.is_object())
                else {
                    continue;
                };
                if let Some(dumped) = dump_prober(handler, &named_ports, target_port, check.probe) {
                    probers.insert(check.url, dumped);
                }
            }
        }
    }
    if !probers.is_empty() {
        let body: Vec<String> = probers
            .iter()
            .map(|(k, v)| format!("{}:{v}", gojson::go_json_string(k)))
            .collect();
        let value = format!("{{{}}}", body.join(","));
        if let Some(sidecar) = find_sidecar_mut(pod) {
            push_env(sidecar, "ISTIO_KUBE_APP_PROBERS", value);
        }
    }
    for list in ["containers", "initContainers"] {
        let Some(items) = containers_mut(pod, list) else {
            continue;
        };
        for container in items.iter_mut() {
            let name = name_of(container).to_string();
            if name == PROXY {
                continue;
            }
            for check in agent_checks(&name) {
                let Some(handler) = container
                    .pointer_mut(check.pointer)
                    .and_then(Json::as_object_mut)
                else {
                    continue;
                };
                if let Some(Json::Object(http)) = handler.get_mut("httpGet") {
                    http.insert("port".into(), json!(status_port));
                    http.insert("path".into(), json!(check.url));
                    if http.get("scheme").and_then(Json::as_str) == Some("HTTPS") {
                        http.insert("scheme".into(), json!("HTTP"));
                    }
                } else if handler.get("tcpSocket").is_some_and(Json::is_object)
                    || (check.probe && handler.get("grpc").is_some_and(Json::is_object))
                {
                    handler.remove("tcpSocket");
                    if check.probe {
                        handler.remove("grpc");
                    }
                    handler.insert(
                        "httpGet".into(),
                        json!({"path": check.url, "port": status_port}),
                    );
                }
            }
        }
    }
}

/// A container's probe or lifecycle hook that the agent can take over.
struct AgentCheck {
    /// Where it sits in the container.
    pointer: &'static str,
    /// The agent's status-port path that stands in for it.
    url: String,
    /// A probe (may be gRPC, has a timeout) rather than a lifecycle hook.
    probe: bool,
}

/// The checks of container `name`, with the URLs Istio's agent serves them on.
fn agent_checks(name: &str) -> [AgentCheck; 5] {
    let probe = |pointer, suffix| AgentCheck {
        pointer,
        url: format!("/app-health/{name}/{suffix}"),
        probe: true,
    };
    let hook = |pointer, suffix| AgentCheck {
        pointer,
        url: format!("/app-lifecycle/{name}/{suffix}"),
        probe: false,
    };
    [
        probe("/readinessProbe", "readyz"),
        probe("/livenessProbe", "livez"),
        probe("/startupProbe", "startupz"),
        hook("/lifecycle/preStop", "prestopz"),
        hook("/lifecycle/postStart", "poststartz"),
    ]
}

/// One entry of `ISTIO_KUBE_APP_PROBERS` (Istio's `Prober`), or `None`
/// when the check needs no rewrite. Lifecycle hooks carry neither a gRPC
/// action nor a timeout.
fn dump_prober(
    handler: &Json,
    named_ports: &[(String, Json)],
    target_port: i64,
    probe: bool,
) -> Option<String> {
    let timeout = handler
        .get("timeoutSeconds")
        .and_then(Json::as_i64)
        .filter(|t| probe && *t != 0);
    let action = |field| handler.get(field).filter(|a| a.is_object());
    let mut out = String::from("{");
    if let Some((field, ty, found)) = [
        ("httpGet", GoType::HttpGet),
        ("tcpSocket", GoType::TcpSocket),
    ]
    .into_iter()
    .find_map(|(field, ty)| Some((field, ty, action(field)?)))
    {
        let mut found = found.clone();
        match found.get("port") {
            Some(Json::String(name)) => {
                let number = named_ports.iter().find(|(n, _)| n == name)?.1.clone();
                found.as_object_mut()?.insert("port".into(), number);
            }
            Some(Json::Number(n)) if n.as_i64() == Some(target_port) => return None,
            _ => {}
        }
        out.push_str(&format!("\"{field}\":{}", gojson::to_string(&found, ty)));
    } else if let Some(grpc) = action("grpc").filter(|_| probe) {
        out.push_str(&format!(
            "\"grpc\":{}",
            gojson::to_string(grpc, GoType::Grpc)
        ));
    } else {
        return None;
    }
    if let Some(timeout) = timeout {
        out.push_str(&format!(",\"timeoutSeconds\":{timeout}"));
    }
    out.push('}');
    Some(out)
}

/// Istio's `validateAnnotations`: traffic and status annotations must parse.
fn validate_annotations(pod: &Json) -> Result<(), PodError> {
    let Some(map) = annotations(pod) else {
        return Ok(());
    };
    for (key, value) in map {
        let text = super::template::funcs::print(value);
        let result = match key.as_str() {
            "sidecar.istio.io/interceptionMode" => match text.as_str() {
                "REDIRECT" | "TPROXY" | "NONE" => Ok(()),
                _ => Err("expected one of: REDIRECT, TPROXY, NONE".to_string()),
            },
            "traffic.sidecar.istio.io/includeOutboundIPRanges" => {
                if text == "*" {
                    Ok(())
                } else {
                    validate_cidrs(&text)
                }
            }
            "traffic.sidecar.istio.io/excludeOutboundIPRanges" => validate_cidrs(&text),
            "traffic.sidecar.istio.io/includeInboundPorts" => {
                if text == "*" {
                    Ok(())
                } else {
                    validate_ports(&text)
                }
            }
            "traffic.sidecar.istio.io/excludeInboundPorts"
            | "traffic.sidecar.istio.io/includeOutboundPorts"
            | "traffic.sidecar.istio.io/excludeOutboundPorts" => validate_ports(&text),
            "status.sidecar.istio.io/port" => match text.trim().parse::<u32>() {
                Ok(port) if port <= 65535 => Ok(()),
                _ => Err("expected a port number from 0 to 65535".to_string()),
            },
            "readiness.status.sidecar.istio.io/initialDelaySeconds"
            | "readiness.status.sidecar.istio.io/periodSeconds"
            | "readiness.status.sidecar.istio.io/failureThreshold" => {
                match text.trim().parse::<u32>() {
                    Ok(_) => Ok(()),
                    Err(_) => Err("expected a non-negative whole number".to_string()),
                }
            }
            "sidecar.istio.io/inject"
            | "sidecar.istio.io/rewriteAppHTTPProbers"
            | "sidecar.istio.io/nativeSidecar" => {
                if text.is_empty() || parse_go_bool(&text).is_some() {
                    Ok(())
                } else {
                    Err("expected \"true\" or \"false\"".to_string())
                }
            }
            _ => Ok(()),
        };
        if let Err(expected) = result {
            return Err(pod_error(
                Some(key),
                format!("invalid value {text:?} for annotation {key}: {expected}"),
            ));
        }
    }
    Ok(())
}

fn validate_ports(text: &str) -> Result<(), String> {
    for part in text.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        match part.parse::<u32>() {
            Ok(port) if (1..=65535).contains(&port) => {}
            _ => {
                return Err(format!(
                    "{part:?} is not a port; expected comma-separated ports from 1 to 65535"
                ))
            }
        }
    }
    Ok(())
}

fn validate_cidrs(text: &str) -> Result<(), String> {
    for part in text.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (address, bits) = part.split_once('/').unwrap_or((part, ""));
        let max = if address.parse::<std::net::Ipv4Addr>().is_ok() {
            32
        } else if address.parse::<std::net::Ipv6Addr>().is_ok() {
            128
        } else {
            return Err(format!(
                "{part:?} is not a CIDR; expected comma-separated CIDRs such as 10.0.0.0/8, or *"
            ));
        };
        match bits.parse::<u32>() {
            Ok(b) if b <= max => {}
            _ => {
                return Err(format!(
                "{part:?} is not a CIDR; expected comma-separated CIDRs such as 10.0.0.0/8, or *"
            ))
            }
        }
    }
    Ok(())
}
