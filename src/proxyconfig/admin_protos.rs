//! The gRPC admin protos of `proto/` (channelz, health and our channelz
//! snapshot), compiled by `build.rs`: prost types, tonic clients, and their
//! proto3 JSON mapping through the descriptor set built beside them.
//!
//! Only [`super::channelz`] and [`super::health`] use these types; they turn
//! them into plain structs before anything prints.

use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage, SerializeOptions};
use serde_json::Value as Json;

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod grpc {
    pub mod channelz {
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/grpc.channelz.v1.rs"));
        }
    }
    pub mod health {
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/grpc.health.v1.rs"));
        }
    }
}

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod mesh {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/mesh.v1.rs"));
    }
}

const DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/admin_descriptors.bin"));

/// The descriptors of `proto/` and the well-known types they import.
pub fn pool() -> Result<&'static DescriptorPool, String> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(DESCRIPTORS)
            .map_err(|e| format!("the built-in admin descriptors do not load: {e}"))
    })
    .as_ref()
    .map_err(String::clone)
}

/// `message` (of the proto type `full_name`) as proto3 JSON: lowerCamelCase
/// names, enums by name, 64-bit integers as strings, default values left
/// out, map keys sorted.
pub fn to_json<M: prost::Message>(message: &M, full_name: &str) -> Result<Json, String> {
    let pool = pool()?;
    let descriptor = pool
        .get_message_by_name(full_name)
        .ok_or_else(|| format!("no descriptor for {full_name}"))?;
    let dynamic = DynamicMessage::decode(descriptor.clone(), message.encode_to_vec().as_slice())
        .map_err(|e| format!("cannot read {full_name}: {e}"))?;
    let mut json = dynamic
        .serialize_with_options(serde_json::value::Serializer, &SerializeOptions::new())
        .map_err(|e| format!("cannot write {full_name} as JSON: {e}"))?;
    crate::xds::json::sort_maps(pool, &mut json, Some(descriptor));
    Ok(json)
}

/// Proto3 JSON text (either field casing; unknown fields are errors) as a
/// message of the proto type `full_name`. Errors carry `line:column`.
pub fn from_json<M: prost::Message + Default>(text: &str, full_name: &str) -> Result<M, String> {
    let pool = pool()?;
    let descriptor = pool
        .get_message_by_name(full_name)
        .ok_or_else(|| format!("no descriptor for {full_name}"))?;
    let mut reader = serde_json::Deserializer::from_str(text);
    let dynamic = DynamicMessage::deserialize_with_options(
        descriptor,
        &mut reader,
        &DeserializeOptions::new(),
    )
    .and_then(|message| reader.end().map(|()| message))
    .map_err(|e| {
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(text, _)| text);
        format!("{}:{}: {message}", e.line(), e.column())
    })?;
    dynamic
        .transcode_to::<M>()
        .map_err(|e| format!("cannot read {full_name}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::grpc::health::v1::{health_check_response::ServingStatus, HealthCheckResponse};
    use super::*;

    #[test]
    fn every_vendored_message_is_in_the_descriptors() {
        let pool = pool().unwrap();
        for name in [
            "grpc.channelz.v1.Channel",
            "grpc.channelz.v1.Socket",
            "grpc.health.v1.HealthListResponse",
            "mesh.v1.ChannelzSnapshot",
            "google.protobuf.Timestamp",
        ] {
            assert!(pool.get_message_by_name(name).is_some(), "{name}");
        }
    }

    #[test]
    fn json_reads_back_and_names_the_place_of_an_error() {
        let response = HealthCheckResponse {
            status: ServingStatus::NotServing as i32,
        };
        let json = to_json(&response, "grpc.health.v1.HealthCheckResponse").unwrap();
        assert_eq!(json, serde_json::json!({ "status": "NOT_SERVING" }));
        let back: HealthCheckResponse =
            from_json(&json.to_string(), "grpc.health.v1.HealthCheckResponse").unwrap();
        assert_eq!(back, response);
        let error = from_json::<HealthCheckResponse>(
            "{\n  \"stauts\": 1\n}",
            "grpc.health.v1.HealthCheckResponse",
        )
        .unwrap_err();
        assert!(error.starts_with("2:"), "{error}");
        assert!(error.contains("stauts"), "{error}");
    }
}
