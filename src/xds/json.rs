//! Proto3 canonical JSON for the Envoy resources we emit, with `@type`.
//!
//! `envoy-types` has no serde support, so the JSON mapping comes from
//! `prost-reflect`: a resource is packed in an `Any`, decoded as a dynamic
//! message against the Envoy descriptors, and serialised by prost-reflect's
//! implementation of the standard mapping (lowerCamelCase names, enums by
//! name, 64-bit integers as strings, `Duration` as `"1.5s"`, nested `Any`
//! with `@type`). The same path parses JSON back into the protos, strictly
//! (unknown fields are errors).
//!
//! The descriptors are `envoy_descriptors.bin`: the file descriptors of the
//! message types we emit and their imports, cut from the `types.bin` that
//! `envoy-types` ships (the crate does not export it), with options dropped.
//! Regenerate with `ENVOY_TYPES_DESCRIPTORS=<path to types.bin>
//! UPDATE_GENERATED=1 cargo test --lib xds::json`.

use std::sync::OnceLock;

use envoy_types::pb::google::protobuf::Any;
use prost_reflect::{DescriptorPool, DynamicMessage, Kind, MessageDescriptor, SerializeOptions};
use serde_json::Value as Json;

const DESCRIPTORS: &[u8] = include_bytes!("envoy_descriptors.bin");

/// Message types whose JSON we write or read, each with everything it nests.
pub const ROOT_TYPES: &[&str] = &[
    "envoy.config.listener.v3.Listener",
    "envoy.config.route.v3.RouteConfiguration",
    "envoy.config.cluster.v3.Cluster",
    "envoy.config.endpoint.v3.ClusterLoadAssignment",
    "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
    "envoy.extensions.filters.http.fault.v3.HTTPFault",
    "envoy.extensions.filters.http.router.v3.Router",
    "envoy.extensions.filters.http.rbac.v3.RBAC",
    "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
    "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
    "envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate",
    "envoy.extensions.filters.http.cors.v3.CorsPolicy",
    "envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig",
    "envoy.extensions.filters.http.stateful_session.v3.StatefulSession",
    "envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute",
    "envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState",
    "envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState",
    "google.protobuf.Any",
];

/// A resource that cannot be turned into JSON, or JSON that is not a resource.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The built-in descriptors do not load (a build problem, not user input).
    #[error("the built-in Envoy descriptors do not load: {0}")]
    Descriptors(String),
    /// A type we were asked to print is not in the built-in descriptors.
    #[error("no descriptor for {0}")]
    UnknownType(String),
    /// The bytes of a resource do not decode as its type.
    #[error("cannot decode {type_url}: {reason}")]
    Decode { type_url: String, reason: String },
    /// JSON that does not follow the proto3 mapping of the resource type.
    #[error("not a valid resource: {0}")]
    Parse(String),
}

/// The descriptor pool, decoded once per process.
pub fn pool() -> Result<&'static DescriptorPool, JsonError> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| DescriptorPool::decode(DESCRIPTORS).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| JsonError::Descriptors(e.clone()))
}

/// A packed resource as canonical JSON, `@type` first.
pub fn any_to_json(any: &Any) -> Result<Json, JsonError> {
    let pool = pool()?;
    let descriptor = pool
        .get_message_by_name("google.protobuf.Any")
        .ok_or_else(|| JsonError::UnknownType("google.protobuf.Any".into()))?;
    let full_name = any.type_url.rsplit('/').next().unwrap_or_default();
    if pool.get_message_by_name(full_name).is_none() {
        return Err(JsonError::UnknownType(any.type_url.clone()));
    }
    let bytes = prost::Message::encode_to_vec(any);
    let message =
        DynamicMessage::decode(descriptor, bytes.as_slice()).map_err(|e| JsonError::Decode {
            type_url: any.type_url.clone(),
            reason: e.to_string(),
        })?;
    let mut json = message
        .serialize_with_options(serde_json::value::Serializer, &SerializeOptions::new())
        .map_err(|e| JsonError::Decode {
            type_url: any.type_url.clone(),
            reason: e.to_string(),
        })?;
    sort_maps(pool, &mut json, None);
    Ok(json)
}

/// Proto maps decode into hash maps, so their JSON keys come out in a
/// random order: sort them, so that output (and diffs) are stable. Walks the
/// JSON beside the descriptors to tell map fields from messages.
pub(crate) fn sort_maps(
    pool: &DescriptorPool,
    json: &mut Json,
    message: Option<MessageDescriptor>,
) {
    let Json::Object(object) = json else {
        return;
    };
    let message = match object.get("@type").and_then(Json::as_str) {
        Some(url) => pool.get_message_by_name(url.rsplit('/').next().unwrap_or_default()),
        None => message,
    };
    let Some(message) = message else {
        return;
    };
    if matches!(
        message.full_name(),
        "google.protobuf.Struct" | "google.protobuf.Value" | "google.protobuf.ListValue"
    ) {
        sort_all_keys(json);
        return;
    }
    for (key, value) in object.iter_mut() {
        let Some(field) = message.get_field_by_json_name(key) else {
            continue;
        };
        let Kind::Message(inner) = field.kind() else {
            continue;
        };
        if field.is_map() {
            let value_kind = inner.map_entry_value_field().kind();
            if let Json::Object(map) = value {
                map.sort_keys();
                if let Kind::Message(value_message) = value_kind {
                    for item in map.values_mut() {
                        sort_maps(pool, item, Some(value_message.clone()));
                    }
                }
            }
        } else if let Json::Array(items) = value {
            for item in items {
                sort_maps(pool, item, Some(inner.clone()));
            }
        } else {
            sort_maps(pool, value, Some(inner));
        }
    }
}

fn sort_all_keys(json: &mut Json) {
    match json {
        Json::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort_all_keys);
        }
        Json::Array(items) => items.iter_mut().for_each(sort_all_keys),
        _ => {}
    }
}

/// Canonical JSON (with `@type`) back into a packed resource.
pub fn json_to_any(json: &Json) -> Result<Any, JsonError> {
    let pool = pool()?;
    let descriptor = pool
        .get_message_by_name("google.protobuf.Any")
        .ok_or_else(|| JsonError::UnknownType("google.protobuf.Any".into()))?;
    let message = DynamicMessage::deserialize(descriptor, json.clone())
        .map_err(|e| JsonError::Parse(e.to_string()))?;
    message
        .transcode_to::<Any>()
        .map_err(|e| JsonError::Parse(e.to_string()))
}

/// Packs a message in an `Any`.
pub fn pack<M: prost::Message + prost::Name>(message: &M) -> Any {
    Any {
        type_url: M::type_url(),
        value: message.encode_to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use envoy_types::pb::envoy::config::cluster::v3::Cluster;
    use envoy_types::pb::google::protobuf::Duration;

    #[test]
    fn every_root_type_is_in_the_descriptors() {
        let pool = pool().unwrap();
        for name in ROOT_TYPES {
            assert!(pool.get_message_by_name(name).is_some(), "{name}");
        }
    }

    #[test]
    fn json_uses_the_canonical_mapping_and_parses_back() {
        let cluster = Cluster {
            name: "outbound|7070||echo.ns.svc.cluster.local".into(),
            connect_timeout: Some(Duration {
                seconds: 0,
                nanos: 100_000_000,
            }),
            ..Default::default()
        };
        let json = any_to_json(&pack(&cluster)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
                "name": "outbound|7070||echo.ns.svc.cluster.local",
                "connectTimeout": "0.100s"
            })
        );
        let back = json_to_any(&json).unwrap();
        let decoded: Cluster = prost::Message::decode(back.value.as_slice()).unwrap();
        assert_eq!(decoded, cluster);
    }

    #[test]
    fn maps_are_json_objects_with_sorted_keys() {
        use envoy_types::pb::envoy::config::core::v3::Metadata;
        use envoy_types::pb::envoy::config::route::v3::{Route, RouteConfiguration, VirtualHost};
        use envoy_types::pb::google::protobuf::Struct;
        let metadata = Metadata {
            filter_metadata: ["zeta", "alpha", "mid"]
                .into_iter()
                .map(|k| (k.to_string(), Struct::default()))
                .collect(),
            ..Default::default()
        };
        let config = RouteConfiguration {
            virtual_hosts: vec![VirtualHost {
                routes: vec![Route {
                    metadata: Some(metadata),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let json = any_to_json(&pack(&config)).unwrap();
        let map = json
            .pointer("/virtualHosts/0/routes/0/metadata/filterMetadata")
            .and_then(Json::as_object)
            .expect("a JSON object");
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        assert_eq!(keys, ["alpha", "mid", "zeta"]);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let json = serde_json::json!({
            "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            "nmae": "x"
        });
        assert!(matches!(json_to_any(&json), Err(JsonError::Parse(_))));
    }

    /// Rewrites `envoy_descriptors.bin` from envoy-types' `types.bin`.
    #[test]
    fn regenerate_descriptors() {
        let (Ok(_), Ok(path)) = (
            std::env::var("UPDATE_GENERATED"),
            std::env::var("ENVOY_TYPES_DESCRIPTORS"),
        ) else {
            return;
        };
        let bytes = std::fs::read(&path).unwrap();
        let full = DescriptorPool::decode(bytes.as_slice()).unwrap();
        let mut wanted = std::collections::BTreeSet::new();
        let mut stack: Vec<_> = ROOT_TYPES
            .iter()
            .map(|name| full.get_message_by_name(name).unwrap().parent_file())
            .collect();
        while let Some(file) = stack.pop() {
            if wanted.insert(file.name().to_string()) {
                stack.extend(file.dependencies());
            }
        }
        let mut set = prost_reflect::prost_types::FileDescriptorSet::default();
        for file in full.files() {
            if wanted.contains(file.name()) {
                let mut proto = file.file_descriptor_proto().clone();
                strip_options(&mut proto);
                set.file.push(proto);
            }
        }
        let out = concat!(env!("CARGO_MANIFEST_DIR"), "/src/xds/envoy_descriptors.bin");
        std::fs::write(out, prost::Message::encode_to_vec(&set)).unwrap();
    }

    /// Options (validation rules, annotations) are not needed for JSON;
    /// `map_entry` is, as it makes a repeated entry message a map.
    fn strip_options(file: &mut prost_reflect::prost_types::FileDescriptorProto) {
        fn message(m: &mut prost_reflect::prost_types::DescriptorProto) {
            m.options = m.options.take().filter(|o| o.map_entry()).map(|_| {
                prost_reflect::prost_types::MessageOptions {
                    map_entry: Some(true),
                    ..Default::default()
                }
            });
            for f in &mut m.field {
                f.options = None;
            }
            for o in &mut m.oneof_decl {
                o.options = None;
            }
            for e in &mut m.enum_type {
                e.options = None;
                for v in &mut e.value {
                    v.options = None;
                }
            }
            m.nested_type.iter_mut().for_each(message);
        }
        file.options = None;
        file.source_code_info = None;
        file.message_type.iter_mut().for_each(message);
        for e in &mut file.enum_type {
            e.options = None;
            for v in &mut e.value {
                v.options = None;
            }
        }
        file.service.clear();
        file.extension.clear();
    }
}
