//! Offline sidecar injection, as `istioctl kube-inject` does it: Istio's
//! injection templates rendered with our Go-template engine, applied to each
//! pod template as strategic merge patches, then Istio's post-processing
//! (overrides, Prometheus merge, probe rewrite, status annotation, container
//! order). Documents are worked on as whole JSON values, so fields we do not
//! know are kept; documents of other kinds pass through as written.
//!
//! **Values.** The chart's default values lie under whatever values are given
//! (`--values`, or the ConfigMap's `data.values`), merged map by map, as Helm
//! renders the cluster's ConfigMap from the chart's defaults: a partial file
//! such as `{"global": {"hub": "example.com/istio"}}` changes the hub and keeps
//! every other default. A value set to `null` stays null. Where a template
//! then prints a null value (Go prints `<nil>`), or the proxy image would be
//! built from an empty `global.hub` or `global.tag`, injection fails (exit 65)
//! naming the value to set, where Istio would write the broken pod.

mod builtin;
pub mod gojson;
pub mod goyaml;
mod kinds;
pub mod merge;
mod pod;
pub mod quantity;
pub mod template;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_json::Value as Json;

use crate::model::MeshConfig;
use crate::source::{self, Pos};
use template::Template;

pub use kinds::{inject_text, InjectedFile};

/// Names `inject.istio.io/templates` may use: the built-in set, or every
/// template of the injector config given.
#[derive(Debug, Clone)]
pub struct Injector {
    /// Each template, or why it does not parse (reported only when selected).
    templates: BTreeMap<String, Result<Template, String>>,
    aliases: BTreeMap<String, Vec<String>>,
    values: Json,
    /// Where the values came from, for messages about them.
    values_source: String,
    mesh: Json,
    mesh_config: MeshConfig,
    /// `--revision`; `default` means none.
    revision: String,
    native_sidecars: bool,
    /// `--templates`: overrides the pod's annotation.
    forced_templates: Option<Vec<String>>,
}

/// Where the injector's inputs come from; `None` means the built-in defaults.
#[derive(Debug, Default, Clone)]
pub struct Settings {
    pub inject_config: Option<(String, String)>,
    pub values: Option<(String, String)>,
    pub mesh_config: Option<MeshConfig>,
    pub revision: Option<String>,
    pub native_sidecars: bool,
    pub templates: Option<Vec<String>>,
}

/// A user error, located in a file where possible.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectError {
    pub file: String,
    pub pos: Option<Pos>,
    pub message: String,
}

impl fmt::Display for InjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(pos) => write!(f, "{}:{}: {}", self.file, pos, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for InjectError {}

fn config_error(file: &str, pos: Option<Pos>, message: impl Into<String>) -> InjectError {
    InjectError {
        file: file.to_string(),
        pos,
        message: message.into(),
    }
}

/// Reads a YAML or JSON file's first document as JSON.
fn parse_document(name: &str, text: &str) -> Result<Json, InjectError> {
    let stream = source::yaml::parse_values(text);
    if let Some(error) = stream.errors.first() {
        return Err(config_error(name, Some(error.pos), error.message.clone()));
    }
    Ok(stream
        .documents
        .into_iter()
        .find_map(|d| d.root)
        .unwrap_or(Json::Null))
}

impl Injector {
    pub fn new(settings: Settings) -> Result<Injector, InjectError> {
        let mut values_from_config_map = None;
        let (config_name, config) = match &settings.inject_config {
            Some((name, text)) => {
                let mut root = parse_document(name, text)?;
                // The whole `istio-sidecar-injector` ConfigMap: its `config`
                // key holds the injector config and `values` the values.
                if root.get("kind").and_then(Json::as_str) == Some("ConfigMap") {
                    let data = root.get("data").cloned().unwrap_or(Json::Null);
                    let config = data.get("config").and_then(Json::as_str).ok_or_else(|| {
                        config_error(
                            name,
                            None,
                            "ConfigMap has no `data.config` key holding the injector config",
                        )
                    })?;
                    if let Some(values) = data.get("values").and_then(Json::as_str) {
                        values_from_config_map =
                            Some((format!("{name} (data.values)"), values.to_string()));
                    }
                    root = parse_document(&format!("{name} (data.config)"), config)?;
                }
                (name.clone(), root)
            }
            None => ("<built-in>".to_string(), builtin::config()),
        };
        let mut sources: BTreeMap<String, String> = BTreeMap::new();
        match config.get("templates") {
            Some(Json::Object(map)) => {
                for (key, value) in map {
                    let text = value.as_str().ok_or_else(|| {
                        config_error(
                            &config_name,
                            None,
                            format!("templates.{key}: expected the template text as a string"),
                        )
                    })?;
                    sources.insert(key.clone(), text.to_string());
                }
            }
            Some(Json::Null) | None => {}
            Some(_) => {
                return Err(config_error(
                    &config_name,
                    None,
                    "`templates`: expected a map of name to template text",
                ))
            }
        }
        if sources.is_empty() {
            // A bare template (or the old `template` key) is the sidecar template.
            let text = match &config {
                Json::String(text) => Some(text.clone()),
                other => other
                    .get("template")
                    .and_then(Json::as_str)
                    .map(str::to_string),
            };
            match text {
                Some(text) => {
                    sources.insert("sidecar".into(), text);
                }
                None => {
                    return Err(config_error(
                        &config_name,
                        None,
                        "no injection templates found: expected `templates`",
                    ))
                }
            }
        }
        let mut templates = BTreeMap::new();
        for (name, text) in &sources {
            let parsed = Template::parse(name, text)
                .map_err(|e| format!("{config_name}: cannot parse template: {e}"));
            templates.insert(name.clone(), parsed);
        }
        let mut aliases = BTreeMap::new();
        if let Some(Json::Object(map)) = config.get("aliases") {
            for (alias, targets) in map {
                let names: Vec<String> = targets
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Json::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                aliases.insert(alias.clone(), names);
            }
        }
        let mut values = builtin::values();
        let values_source = match settings.values.as_ref().or(values_from_config_map.as_ref()) {
            Some((name, text)) => {
                match parse_document(name, text)? {
                    given @ Json::Object(_) => pod::deep_merge(&mut values, &given),
                    Json::Null => {}
                    _ => {
                        return Err(config_error(
                            name,
                            None,
                            "expected the injector values as a JSON or YAML object",
                        ))
                    }
                }
                name.clone()
            }
            None => "the built-in values".to_string(),
        };
        let mesh_config = settings.mesh_config.clone().unwrap_or_default();
        let mesh = serde_json::to_value(&mesh_config).unwrap_or(Json::Null);
        let revision = match settings.revision.as_deref() {
            Some("default") | None => String::new(),
            Some(other) => other.to_string(),
        };
        Ok(Injector {
            templates,
            aliases,
            values,
            values_source,
            mesh,
            mesh_config,
            revision,
            native_sidecars: settings.native_sidecars,
            forced_templates: settings.templates.clone(),
        })
    }

    /// The template names a pod may select.
    pub fn template_names(&self) -> Vec<String> {
        self.templates
            .keys()
            .cloned()
            .chain(self.aliases.keys().cloned())
            .collect()
    }

    /// Reads `--inject-config`, `--values` and `--mesh-config` files.
    pub fn from_files(
        inject_config: Option<&Path>,
        values: Option<&Path>,
        mesh_config: Option<&Path>,
        revision: Option<String>,
        native_sidecars: bool,
        templates: Option<Vec<String>>,
    ) -> Result<Injector, InjectError> {
        let read = |path: &Path| -> Result<(String, String), InjectError> {
            let name = path.display().to_string();
            let inputs = source::read_paths(&[path.to_path_buf()]);
            if let Some(error) = inputs.errors.into_iter().next() {
                return Err(config_error(&name, error.pos, error.message));
            }
            let file = inputs
                .files
                .into_iter()
                .next()
                .ok_or_else(|| config_error(&name, None, "nothing read"))?;
            Ok((name, file.text.clone()))
        };
        let mesh_config = match mesh_config {
            Some(path) => Some(
                MeshConfig::from_file(path)
                    .map_err(|e| config_error(&e.location, None, e.message))?,
            ),
            None => None,
        };
        Injector::new(Settings {
            inject_config: inject_config.map(read).transpose()?,
            values: values.map(read).transpose()?,
            mesh_config,
            revision,
            native_sidecars,
            templates,
        })
    }
}

/// Istio's default ProxyConfig fields; `protoToJSON` leaves these out.
fn default_proxy_config() -> Json {
    serde_json::json!({
        "configPath": "./etc/istio/proxy",
        "binaryPath": "/usr/local/bin/envoy",
        "serviceCluster": "istio-proxy",
        "drainDuration": "45s",
        "terminationDrainDuration": "5s",
        "discoveryAddress": "istiod.istio-system.svc:15012",
        "proxyAdminPort": 15000,
        "controlPlaneAuthPolicy": "MUTUAL_TLS",
        "statusPort": 15020,
        "interceptionMode": "REDIRECT",
        "holdApplicationUntilProxyStarts": false,
        "proxyMetadata": {},
        "tracing": {"zipkin": {"address": "zipkin.istio-system:9411"}},
    })
}

/// `protoToJSON .ProxyConfig`: the fields that differ from Istio's defaults.
pub(crate) fn proxy_config_json(config: &Json) -> String {
    let defaults = default_proxy_config();
    let Json::Object(map) = config else {
        return "{}".into();
    };
    let mut out = serde_json::Map::new();
    for (key, value) in map {
        let empty = match value {
            Json::Null => true,
            Json::Object(m) => m.is_empty(),
            Json::Array(a) => a.is_empty(),
            Json::String(s) => s.is_empty(),
            Json::Number(n) => n.as_f64() == Some(0.0),
            Json::Bool(b) => !b,
        };
        if empty || defaults.get(key) == Some(value) {
            continue;
        }
        out.insert(key.clone(), value.clone());
    }
    serde_json::to_string(&Json::Object(out)).unwrap_or_else(|_| "{}".into())
}
