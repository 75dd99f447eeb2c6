//! A saved CSDS `ClientStatusResponse` or Envoy `/config_dump`, as JSON in
//! either casing (lowerCamelCase from proto3 JSON / Python `json_format`,
//! snake_case from Envoy admin), read into one list of [`Resource`]s.

use envoy_types::pb::envoy::admin::v3::ClientResourceStatus;
use serde_json::{Map, Value as Json};

/// The largest dump we read; Envoy bootstraps are ~80 KB, full dumps a few MB.
pub const MAX_DUMP_BYTES: usize = 64 * 1024 * 1024;

/// What kind of xDS resource a row is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResourceKind {
    Listener,
    Route,
    Cluster,
    Endpoint,
    Secret,
    /// An extension config Envoy takes over ECDS (`TypedExtensionConfig`).
    ExtensionConfig,
    /// Any other type URL, kept as its message name.
    Other(String),
}

impl ResourceKind {
    pub fn from_type_url(url: &str) -> ResourceKind {
        match url.rsplit('/').next().unwrap_or_default() {
            "envoy.config.listener.v3.Listener" => ResourceKind::Listener,
            "envoy.config.route.v3.RouteConfiguration" => ResourceKind::Route,
            "envoy.config.cluster.v3.Cluster" => ResourceKind::Cluster,
            "envoy.config.endpoint.v3.ClusterLoadAssignment" => ResourceKind::Endpoint,
            "envoy.extensions.transport_sockets.tls.v3.Secret" => ResourceKind::Secret,
            "envoy.config.core.v3.TypedExtensionConfig" => ResourceKind::ExtensionConfig,
            other => ResourceKind::Other(other.to_string()),
        }
    }

    /// The word used in tables and JSON records.
    pub fn label(&self) -> &str {
        match self {
            ResourceKind::Listener => "listener",
            ResourceKind::Route => "route",
            ResourceKind::Cluster => "cluster",
            ResourceKind::Endpoint => "endpoint",
            ResourceKind::Secret => "secret",
            ResourceKind::ExtensionConfig => "ecds",
            ResourceKind::Other(name) => name,
        }
    }
}

/// One resource as a client holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// CSDS `client_scope` (gRPC: `xds:/TARGET`); empty for Envoy.
    pub scope: String,
    pub kind: ResourceKind,
    pub name: String,
    pub version: String,
    /// `ACKED`, `NACKED`, `REQUESTED`, `DOES_NOT_EXIST`…; for Envoy dumps
    /// without a client status: `STATIC`, `ACTIVE`, `WARMING`, `DRAINING`.
    pub status: String,
    pub last_updated: String,
    /// Why the last update was rejected (`error_state.details`).
    pub error: String,
    /// The version that was rejected (`error_state.version_info`).
    pub rejected_version: String,
    /// The accepted resource (proto3 JSON with `@type`), if the dump has it;
    /// reads as an `Option<Json>`.
    pub config: super::packed::Config,
}

impl Resource {
    /// The record printed by `-o json|yaml`.
    pub fn to_json(&self) -> Json {
        let mut map = Map::new();
        map.insert("scope".into(), self.scope.clone().into());
        map.insert("type".into(), self.kind.label().into());
        map.insert("name".into(), self.name.clone().into());
        map.insert("version".into(), self.version.clone().into());
        map.insert("status".into(), self.status.clone().into());
        map.insert("lastUpdated".into(), self.last_updated.clone().into());
        map.insert("error".into(), self.error.clone().into());
        map.insert(
            "rejectedVersion".into(),
            self.rejected_version.clone().into(),
        );
        if let Some(config) = &*self.config {
            map.insert("config".into(), config.clone());
        }
        Json::Object(map)
    }
}

/// A dump read from a file or fetched over CSDS.
#[derive(Debug, Clone)]
pub struct Dump {
    pub resources: Vec<Resource>,
    /// The whole document, for `mesh proxy-config dump`; reads as a `Json`.
    pub raw: super::packed::Raw,
    /// Whether it is a CSDS response (gRPC: no secrets, no bootstrap).
    pub from_csds: bool,
    /// An Envoy dump's `BootstrapConfigDump`.
    pub bootstrap: Option<Json>,
    /// Envoy's `/clusters` host statuses (admin API only), for the endpoint table.
    pub hosts: Vec<super::envoy::HostStatus>,
}

/// A dump that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("{line}:{column}: not JSON: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("larger than {MAX_DUMP_BYTES} bytes")]
    TooLarge,
    #[error(
        "expected a CSDS ClientStatusResponse (a \"config\" list) or an Envoy config dump (a \"configs\" list)"
    )]
    UnknownShape,
    #[error("{path}: {message}")]
    Shape { path: String, message: String },
}

impl Dump {
    /// Parses dump text; errors carry line:column.
    pub fn parse(text: &str) -> Result<Dump, DumpError> {
        if text.len() > MAX_DUMP_BYTES {
            return Err(DumpError::TooLarge);
        }
        let raw: Json = serde_json::from_str(text).map_err(|e| DumpError::Syntax {
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        })?;
        Dump::from_json(raw)
    }

    /// Reads a CSDS response or an Envoy config dump, private keys redacted.
    pub fn from_json(mut raw: Json) -> Result<Dump, DumpError> {
        super::secrets::redact_private_keys(&mut raw);
        let from_csds = field(&raw, "config").is_some();
        let mut resources = if let Some(configs) = field(&raw, "config") {
            read_csds(configs)?
        } else if let Some(configs) = field(&raw, "configs") {
            read_envoy(configs)?
        } else {
            return Err(DumpError::UnknownShape);
        };
        resources.sort_by(|a, b| (&a.scope, &a.kind, &a.name).cmp(&(&b.scope, &b.kind, &b.name)));
        let bootstrap = field(&raw, "configs")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .find(|c| text(c, "@type").ends_with(".BootstrapConfigDump"))
            .cloned();
        Ok(Dump {
            resources,
            raw: raw.into(),
            from_csds,
            bootstrap,
            hosts: Vec::new(),
        })
    }
}

/// serde_json appends " at line L column C"; we print the position first.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// A field by its snake_case name, or its lowerCamelCase JSON name.
pub(crate) fn field<'a>(value: &'a Json, snake: &str) -> Option<&'a Json> {
    let object = value.as_object()?;
    object
        .get(snake)
        .or_else(|| object.get(&lower_camel(snake)))
        .filter(|v| !v.is_null())
}

pub(crate) fn text(value: &Json, snake: &str) -> String {
    match field(value, snake) {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn lower_camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn list<'a>(value: &'a Json, path: &str) -> Result<&'a [Json], DumpError> {
    value
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| DumpError::Shape {
            path: path.to_string(),
            message: "expected a list".into(),
        })
}

/// `client_status` as a name; proto3 JSON may also carry the number.
fn status_name(value: Option<&Json>) -> Option<String> {
    match value? {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(
            n.as_i64()
                .and_then(|i| i32::try_from(i).ok())
                .and_then(|i| ClientResourceStatus::try_from(i).ok())
                .map_or_else(|| n.to_string(), |s| s.as_str_name().to_string()),
        ),
        _ => None,
    }
}

fn read_csds(configs: &Json) -> Result<Vec<Resource>, DumpError> {
    let mut out = Vec::new();
    for (i, config) in list(configs, "config")?.iter().enumerate() {
        let scope = text(config, "client_scope");
        let Some(generic) = field(config, "generic_xds_configs") else {
            continue;
        };
        for (j, item) in list(generic, &format!("config[{i}].generic_xds_configs"))?
            .iter()
            .enumerate()
        {
            if !item.is_object() {
                return Err(DumpError::Shape {
                    path: format!("config[{i}].generic_xds_configs[{j}]"),
                    message: "expected an object".into(),
                });
            }
            let type_url = text(item, "type_url");
            let error_state = field(item, "error_state");
            out.push(Resource {
                scope: scope.clone(),
                kind: ResourceKind::from_type_url(&type_url),
                name: text(item, "name"),
                version: text(item, "version_info"),
                status: status_name(field(item, "client_status"))
                    .unwrap_or_else(|| "UNKNOWN".into()),
                last_updated: text(item, "last_updated"),
                error: error_state.map(|e| text(e, "details")).unwrap_or_default(),
                rejected_version: error_state
                    .map(|e| text(e, "version_info"))
                    .unwrap_or_default(),
                config: field(item, "xds_config").cloned().into(),
            });
        }
    }
    Ok(out)
}

/// Where each Envoy `*ConfigDump` keeps its resources: list field, the field
/// holding the resource, and the status of rows without a `client_status`.
const ENVOY_LISTS: &[(&str, &str, &str)] = &[
    ("static_clusters", "cluster", "STATIC"),
    ("dynamic_active_clusters", "cluster", "ACTIVE"),
    ("dynamic_warming_clusters", "cluster", "WARMING"),
    ("static_route_configs", "route_config", "STATIC"),
    ("dynamic_route_configs", "route_config", "ACTIVE"),
    ("static_endpoint_configs", "endpoint_config", "STATIC"),
    ("dynamic_endpoint_configs", "endpoint_config", "ACTIVE"),
    ("static_secrets", "secret", "STATIC"),
    ("dynamic_active_secrets", "secret", "ACTIVE"),
    ("dynamic_warming_secrets", "secret", "WARMING"),
    // One EcdsConfigDump per kind of extension (HTTP, network, listener filters).
    ("ecds_filters", "ecds_filter", "ACTIVE"),
];

fn read_envoy(configs: &Json) -> Result<Vec<Resource>, DumpError> {
    let mut out = Vec::new();
    for (i, config) in list(configs, "configs")?.iter().enumerate() {
        let kind = match text(config, "@type").rsplit('/').next() {
            Some("envoy.admin.v3.ClustersConfigDump") => ResourceKind::Cluster,
            Some("envoy.admin.v3.RoutesConfigDump") => ResourceKind::Route,
            Some("envoy.admin.v3.EndpointsConfigDump") => ResourceKind::Endpoint,
            Some("envoy.admin.v3.SecretsConfigDump") => ResourceKind::Secret,
            Some("envoy.admin.v3.EcdsConfigDump") => ResourceKind::ExtensionConfig,
            Some("envoy.admin.v3.ListenersConfigDump") => {
                read_envoy_listeners(config, i, &mut out)?;
                continue;
            }
            // Bootstrap, scoped routes: not resources we list.
            _ => continue,
        };
        for (list_name, resource_field, default_status) in ENVOY_LISTS {
            let Some(items) = field(config, list_name) else {
                continue;
            };
            for item in list(items, &format!("configs[{i}].{list_name}"))? {
                let resource = field(item, resource_field);
                out.push(envoy_row(
                    kind.clone(),
                    item,
                    item,
                    resource,
                    default_status,
                ));
            }
        }
    }
    Ok(out)
}

fn read_envoy_listeners(
    config: &Json,
    index: usize,
    out: &mut Vec<Resource>,
) -> Result<(), DumpError> {
    if let Some(items) = field(config, "static_listeners") {
        for item in list(items, &format!("configs[{index}].static_listeners"))? {
            out.push(envoy_row(
                ResourceKind::Listener,
                item,
                item,
                field(item, "listener"),
                "STATIC",
            ));
        }
    }
    if let Some(items) = field(config, "dynamic_listeners") {
        for item in list(items, &format!("configs[{index}].dynamic_listeners"))? {
            // The state Envoy serves with: active, else warming, else draining.
            let (state, status) = [
                ("active_state", "ACTIVE"),
                ("warming_state", "WARMING"),
                ("draining_state", "DRAINING"),
            ]
            .into_iter()
            .find_map(|(name, status)| field(item, name).map(|s| (s, status)))
            .unwrap_or((item, "NACKED"));
            let mut row = envoy_row(
                ResourceKind::Listener,
                item,
                state,
                field(state, "listener"),
                status,
            );
            if row.name.is_empty() {
                row.name = text(item, "name");
            }
            out.push(row);
        }
    }
    Ok(())
}

/// A row of an Envoy dump; `item` carries status and error, `state` the
/// version and timestamps (they differ only for dynamic listeners).
fn envoy_row(
    kind: ResourceKind,
    item: &Json,
    state: &Json,
    resource: Option<&Json>,
    default_status: &str,
) -> Resource {
    let name = resource
        .map(|r| text(r, "name"))
        .filter(|n| !n.is_empty())
        .or_else(|| resource.map(|r| text(r, "cluster_name")))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| text(item, "name"));
    Resource {
        scope: String::new(),
        kind,
        name,
        version: text(state, "version_info"),
        status: status_name(field(item, "client_status"))
            .filter(|s| s != "UNKNOWN")
            .unwrap_or_else(|| default_status.to_string()),
        last_updated: text(state, "last_updated"),
        error: field(item, "error_state")
            .map(|e| text(e, "details"))
            .unwrap_or_default(),
        rejected_version: field(item, "error_state")
            .map(|e| text(e, "version_info"))
            .unwrap_or_default(),
        config: resource.cloned().into(),
    }
}

/// Short facts about a resource for the tables, read from its JSON in either casing.
pub mod facts {
    use super::{domains_cell, field, text, Resource};
    use crate::proxyconfig::typed;
    use envoy_types::pb::google::protobuf::Any;
    use serde_json::Value as Json;

    /// A fact from the typed proto where it can tell, else from the JSON;
    /// `None` without a config.
    fn typed_or_json<T>(
        resource: &Resource,
        typed: fn(&Any) -> Option<T>,
        json: impl Fn(&Json) -> T,
    ) -> Option<T> {
        if let Some(fact) = resource.config.any().and_then(typed) {
            return Some(fact);
        }
        resource.config.as_ref().map(json)
    }

    /// Listener (ADDRESS, DESTINATION).
    pub fn of_listener(resource: &Resource) -> Option<(String, String)> {
        typed_or_json(resource, typed::listener, |config| {
            (listener_address(config), listener_destination(config))
        })
    }

    /// Route (VIRTUAL HOSTS, DOMAINS).
    pub fn of_route(resource: &Resource) -> Option<(usize, String)> {
        typed_or_json(resource, typed::route, route_domains)
    }

    /// Cluster TYPE.
    pub fn of_cluster(resource: &Resource) -> Option<String> {
        typed_or_json(resource, typed::cluster_type, cluster_type)
    }

    /// ECDS TYPE: the extension's config type, `type.googleapis.com/` left out.
    pub fn of_extension(resource: &Resource) -> Option<String> {
        let config = resource.config.as_ref()?;
        let url = field(config, "typed_config").map(|t| text(t, "@type"))?;
        Some(url.trim_start_matches("type.googleapis.com/").to_string())
    }

    /// Endpoint addresses.
    pub fn of_endpoints(resource: &Resource) -> Option<Vec<String>> {
        typed_or_json(resource, typed::endpoints, endpoints)
    }

    /// `ip:port` of a socket address.
    fn socket(address: &Json) -> Option<String> {
        let socket = field(address, "socket_address")?;
        let port = text(socket, "port_value");
        Some(format!("{}:{}", text(socket, "address"), port))
    }

    /// Listener ADDRESS: its socket, or `-` for a gRPC API listener.
    pub fn listener_address(listener: &Json) -> String {
        field(listener, "address")
            .and_then(socket)
            .unwrap_or_else(|| "-".into())
    }

    /// Listener DESTINATION: `Route: NAME` (RDS), `Inline Route: NAME`, or `-`.
    pub fn listener_destination(listener: &Json) -> String {
        let mut managers = Vec::new();
        if let Some(api) = field(listener, "api_listener").and_then(|a| field(a, "api_listener")) {
            managers.push(api);
        }
        for chain in field(listener, "filter_chains")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            for filter in field(chain, "filters")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(typed) = field(filter, "typed_config") {
                    managers.push(typed);
                }
            }
        }
        let mut out = Vec::new();
        for manager in managers {
            if let Some(rds) = field(manager, "rds") {
                out.push(format!("Route: {}", text(rds, "route_config_name")));
            } else if let Some(inline) = field(manager, "route_config") {
                out.push(format!("Inline Route: {}", text(inline, "name")));
            } else if field(manager, "cluster").is_some() {
                out.push(format!("Cluster: {}", text(manager, "cluster")));
            }
        }
        if out.is_empty() {
            "-".into()
        } else {
            out.join("; ")
        }
    }

    /// Route DOMAINS of every virtual host, and the number of hosts.
    pub fn route_domains(route: &Json) -> (usize, String) {
        let hosts = field(route, "virtual_hosts")
            .and_then(Json::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let domains: Vec<String> = hosts
            .iter()
            .flat_map(|h| {
                field(h, "domains")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .map(str::to_string)
            })
            .collect();
        (hosts.len(), domains_cell(domains))
    }

    /// Cluster TYPE (`EDS`, `STATIC`…; proto3 JSON omits the default `STATIC`).
    pub fn cluster_type(cluster: &Json) -> String {
        match text(cluster, "type") {
            t if !t.is_empty() => t,
            _ if field(cluster, "cluster_type").is_some() => "CUSTOM".into(),
            _ => "STATIC".into(),
        }
    }

    /// The `ip:port` of every endpoint of a ClusterLoadAssignment.
    pub fn endpoints(assignment: &Json) -> Vec<String> {
        let mut out = Vec::new();
        for locality in field(assignment, "endpoints")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            for lb in field(locality, "lb_endpoints")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(address) = field(lb, "endpoint").and_then(|e| field(e, "address")) {
                    out.extend(socket(address));
                }
            }
        }
        out
    }
}

/// The DOMAINS cell: the first two, then how many more.
pub(super) fn domains_cell(mut domains: Vec<String>) -> String {
    let total = domains.len();
    if total > 2 {
        domains.truncate(2);
        domains.push(format!("+ {} more...", total - 2));
    }
    if domains.is_empty() {
        "-".into()
    } else {
        domains.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_casings_read_the_same() {
        let camel = json!({"config": [{"clientScope": "xds:/a:1", "genericXdsConfigs": [{
            "typeUrl": "type.googleapis.com/envoy.config.listener.v3.Listener",
            "name": "a:1", "versionInfo": "v2", "clientStatus": "NACKED",
            "lastUpdated": "2026-01-01T00:00:00Z",
            "errorState": {"details": "bad", "versionInfo": "v3"}}]}]});
        let snake = json!({"config": [{"client_scope": "xds:/a:1", "generic_xds_configs": [{
            "type_url": "type.googleapis.com/envoy.config.listener.v3.Listener",
            "name": "a:1", "version_info": "v2", "client_status": 4,
            "last_updated": "2026-01-01T00:00:00Z",
            "error_state": {"details": "bad", "version_info": "v3"}}]}]});
        let a = Dump::from_json(camel).unwrap().resources;
        let b = Dump::from_json(snake).unwrap().resources;
        assert_eq!(a, b);
        assert_eq!(a[0].status, "NACKED");
        assert_eq!(a[0].error, "bad");
        assert_eq!(a[0].rejected_version, "v3");
        assert_eq!(a[0].kind, ResourceKind::Listener);
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let error = Dump::parse("{\n  \"config\": [,]\n}")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("2:14: not JSON"), "{error}");
    }

    #[test]
    fn other_json_is_rejected() {
        assert!(matches!(
            Dump::parse("{\"items\": []}"),
            Err(DumpError::UnknownShape)
        ));
        assert!(matches!(
            Dump::parse("{\"config\": 3}"),
            Err(DumpError::Shape { .. })
        ));
    }

    #[test]
    fn envoy_dynamic_listener_uses_its_active_state() {
        let dump = json!({"configs": [{
            "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
            "dynamic_listeners": [{"name": "l1",
                "active_state": {"version_info": "7", "listener": {"name": "l1"}},
                "error_state": {"details": "rejected v8"}}]}]});
        let rows = Dump::from_json(dump).unwrap().resources;
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (
                rows[0].status.as_str(),
                rows[0].version.as_str(),
                rows[0].error.as_str()
            ),
            ("ACTIVE", "7", "rejected v8")
        );
    }
}
