//! Istio's own template functions (`pkg/kube/inject/template.go`) whose
//! work is more than a line.

use serde_json::{Map, Value as Json};

use super::print;

/// Istio's `indent`: every line but the first gets the spaces (`% Ns` of
/// an empty string, so a negative count pads as its absolute value).
pub fn indent(spaces: usize, text: &str) -> String {
    let pad = " ".repeat(spaces);
    text.split('\n')
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                line.to_string()
            } else {
                format!("{pad}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `excludeInboundPort`: adds the status port to the excluded inbound ports.
pub fn exclude_inbound_port(port: &Json, excluded: &str) -> String {
    let port = print(port).trim().to_string();
    if port.is_empty() || port == "0" {
        return excluded.to_string();
    }
    let mut out = Vec::new();
    for item in excluded.split(',') {
        if item == port {
            return excluded.to_string();
        }
        let item = item.trim();
        if !item.is_empty() {
            out.push(item.to_string());
        }
    }
    out.push(port);
    out.join(",")
}

/// `includeInboundPorts` (every container) and `applicationPorts` (all but
/// `istio-proxy`): the TCP container ports, comma-separated; UDP and SCTP
/// ports are left out.
pub fn container_ports(containers: &Json, skip_proxy: bool) -> String {
    let mut ports = Vec::new();
    for container in containers.as_array().into_iter().flatten() {
        if skip_proxy && container.get("name").and_then(Json::as_str) == Some("istio-proxy") {
            continue;
        }
        for port in container
            .get("ports")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let protocol = port.get("protocol").and_then(Json::as_str);
            if matches!(protocol, Some("UDP" | "SCTP")) {
                continue;
            }
            ports.push(print(port.get("containerPort").unwrap_or(&Json::from(0))));
        }
    }
    ports.join(",")
}

/// `directory`: Go's `path.Split` directory, up to and including the last
/// `/` (`/etc/certs/ca.pem` → `/etc/certs/`; no slash → empty).
pub fn directory(path: &str) -> String {
    path.rfind('/')
        .map_or(String::new(), |slash| path[..=slash].to_string())
}

/// `env KEY DEFAULT`: the injector's environment variable, or the default
/// when it is unset or empty.
pub fn env_or_default(key: &str, default: &Json, lookup: impl Fn(&str) -> Option<String>) -> Json {
    match lookup(key) {
        Some(value) if !value.is_empty() => Json::String(value),
        _ => default.clone(),
    }
}

/// The injecting process's environment, as `env` reads it.
pub fn process_env(key: &str) -> Option<String> {
    std::env::var_os(key).map(|value| value.to_string_lossy().into_owned())
}

/// `appendMultusNetwork`: adds Istio's CNI network (`[NAMESPACE/]NAME`) to a
/// pod's `k8s.v1.cni.cncf.io/networks`, either comma-separated names or a
/// JSON list of objects. The JSON is edited as text, before its last `]`,
/// so the user's formatting stays; text that is not a JSON list of objects
/// is returned as it is.
pub fn append_multus_network(existing: &str, network: &str) -> String {
    if existing.is_empty() {
        return network.to_string();
    }
    let Some(close) = existing.rfind(']') else {
        if existing.split(',').any(|name| name.trim() == network) {
            return existing.to_string();
        }
        return format!("{existing}, {network}");
    };
    let Some(entries) = json_object_list(existing) else {
        return existing.to_string();
    };
    // Kubernetes' SplitQualifiedName: the parts around the first `/`, up to
    // a second one.
    let (namespace, name) = match network.split('/').collect::<Vec<_>>()[..] {
        [namespace, name, ..] => (namespace, name),
        _ => ("", network),
    };
    let present = entries.iter().any(|entry| {
        entry.get("name").and_then(Json::as_str) == Some(name)
            && match entry.get("namespace") {
                None | Some(Json::Null) => namespace.is_empty(),
                Some(Json::String(s)) => s == namespace,
                Some(_) => false,
            }
    });
    if present {
        return existing.to_string();
    }
    let entry = if namespace.is_empty() {
        format!(r#", {{"name": "{name}"}}"#)
    } else {
        format!(r#", {{"name": "{name}", "namespace": "{namespace}"}}"#)
    };
    format!("{}{entry}{}", &existing[..close], &existing[close..])
}

/// A JSON list whose items are objects or null (Go reads null as an empty
/// map), or JSON `null` itself (an empty list).
fn json_object_list(text: &str) -> Option<Vec<Map<String, Json>>> {
    match serde_json::from_str::<Json>(text).ok()? {
        Json::Null => Some(Vec::new()),
        Json::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Json::Object(map) => Some(map),
                Json::Null => Some(Map::new()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// `otelResourceAttributes MESHCONFIG ANNOTATIONS LABELS NAMESPACE
/// CONTAINERS`: the `OTEL_RESOURCE_ATTRIBUTES` value (OpenTelemetry's
/// Kubernetes service attributes) when some OpenTelemetry tracing provider
/// asks for `OTEL_SEMANTIC_CONVENTIONS`; empty otherwise.
pub fn otel_resource_attributes(
    mesh: &Json,
    annotations: &Json,
    labels: &Json,
    namespace: &str,
    containers: &Json,
) -> String {
    if !wants_otel_semantic_conventions(mesh) {
        return String::new();
    }
    let non_empty = |map: &Json, key: &str| {
        map.get(key)
            .and_then(Json::as_str)
            .filter(|value| !value.is_empty())
            .map(str::to_string)
    };
    let containers = containers.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut attributes = Vec::new();

    let service_namespace = non_empty(annotations, "resource.opentelemetry.io/service.namespace")
        .or_else(|| (!namespace.is_empty()).then(|| namespace.to_string()));
    if let Some(value) = service_namespace {
        attributes.push(format!("service.namespace={value}"));
    }

    let service_version = non_empty(annotations, "resource.opentelemetry.io/service.version")
        .or_else(|| non_empty(labels, "app.kubernetes.io/version"))
        .or_else(|| match containers {
            [only] => image_version(only.get("image").and_then(Json::as_str).unwrap_or("")),
            _ => None,
        });
    if let Some(value) = service_version {
        attributes.push(format!("service.version={value}"));
    }

    // The pod's name is not known when a controller's template is injected:
    // Kubernetes substitutes `$(POD_NAME)` from the proxy's environment.
    let instance =
        non_empty(annotations, "resource.opentelemetry.io/service.instance.id").or_else(|| {
            containers.first().map(|first| {
                let name = first.get("name").map(print).unwrap_or_default();
                format!("{namespace}.$(POD_NAME).{name}")
            })
        });
    if let Some(value) = instance {
        attributes.push(format!("service.instance.id={value}"));
    }
    attributes.join(",")
}

/// Whether an `extensionProviders[].opentelemetry` sets
/// `serviceAttributeEnrichment: OTEL_SEMANTIC_CONVENTIONS` (protojson also
/// reads the snake_case field names and the enum's number, 1).
fn wants_otel_semantic_conventions(mesh: &Json) -> bool {
    let field = |value: &Json, camel: &str, snake: &str| {
        value.get(camel).or_else(|| value.get(snake)).cloned()
    };
    let providers = field(mesh, "extensionProviders", "extension_providers");
    providers
        .as_ref()
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|provider| provider.get("opentelemetry"))
        .any(|otel| {
            match field(
                otel,
                "serviceAttributeEnrichment",
                "service_attribute_enrichment",
            ) {
                Some(Json::String(name)) => name == "OTEL_SEMANTIC_CONVENTIONS",
                Some(Json::Number(n)) => n.as_i64() == Some(1),
                _ => false,
            }
        })
}

/// `service.version` from an image reference `[registry[:port]/]name[:tag][@digest]`:
/// `TAG@DIGEST`, or whichever of the two is there.
fn image_version(image: &str) -> Option<String> {
    let (reference, digest) = match image.split_once('@') {
        Some((reference, digest)) => (reference, digest),
        None => (image, ""),
    };
    let last_slash = reference.rfind('/');
    let tag = match reference.rfind(':') {
        Some(colon) if last_slash.is_none_or(|slash| colon > slash) => &reference[colon + 1..],
        _ => "",
    };
    match (tag.is_empty(), digest.is_empty()) {
        (false, false) => Some(format!("{tag}@{digest}")),
        (true, false) => Some(digest.to_string()),
        (false, true) => Some(tag.to_string()),
        (true, true) => None,
    }
}
