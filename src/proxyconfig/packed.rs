//! A CSDS resource kept packed (`Any`) until something reads it as JSON.
//!
//! Turning every `Any` of a 5,000-resource response into proto3 JSON took
//! most of `mesh proxy-config status|all --addr`, which print none of it:
//! the tables read their few facts from the typed protos ([`super::typed`])
//! and only `-o json|yaml`, `dump`, `diff` and secrets build the JSON.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use envoy_types::pb::google::protobuf::Any;
use serde_json::{json, Value as Json};

/// A resource's config as proto3 JSON (`@type` first, private keys
/// redacted), from a dump's JSON or built from its `Any` on first read.
/// Reads as the `Option<Json>` it stands for.
#[derive(Clone)]
pub struct Config(Arc<Inner>);

struct Inner {
    packed: Option<Any>,
    json: OnceLock<Option<Json>>,
}

impl Config {
    /// A config packed in an `Any`, turned into JSON when first read.
    pub fn packed(any: Option<Any>) -> Config {
        Config(Arc::new(Inner {
            packed: any,
            json: OnceLock::new(),
        }))
    }

    /// The `Any` it came from, for reading facts without the JSON.
    pub fn any(&self) -> Option<&Any> {
        self.0.packed.as_ref()
    }

    /// The JSON if it was read already.
    pub fn built(&self) -> Option<&Option<Json>> {
        self.0.json.get()
    }
}

impl From<Option<Json>> for Config {
    fn from(json: Option<Json>) -> Config {
        Config(Arc::new(Inner {
            packed: None,
            json: OnceLock::from(json),
        }))
    }
}

impl Deref for Config {
    type Target = Option<Json>;

    fn deref(&self) -> &Option<Json> {
        self.0
            .json
            .get_or_init(|| self.0.packed.as_ref().map(any_to_json))
    }
}

impl PartialEq for Config {
    fn eq(&self, other: &Config) -> bool {
        **self == **other
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// A packed resource as proto3 JSON; types outside the built-in
/// descriptors keep only their type URL. Private keys not yet redacted.
pub fn unredacted_json(any: &Any) -> Json {
    crate::xds::json::any_to_json(any).unwrap_or_else(|_| json!({ "@type": any.type_url }))
}

/// A packed resource as the dump holds it.
fn any_to_json(any: &Any) -> Json {
    let mut value = unredacted_json(any);
    super::secrets::redact_private_keys(&mut value);
    value
}

/// A whole dump as JSON (`mesh proxy-config dump`, the node of `diff`),
/// given or built on first read.
#[derive(Clone)]
pub struct Raw(Arc<RawInner>);

type Build = Box<dyn Fn() -> Json + Send + Sync>;

struct RawInner {
    build: Option<Build>,
    json: OnceLock<Json>,
}

impl Raw {
    /// JSON built by `build` when first read.
    pub fn lazy(build: impl Fn() -> Json + Send + Sync + 'static) -> Raw {
        Raw(Arc::new(RawInner {
            build: Some(Box::new(build)),
            json: OnceLock::new(),
        }))
    }
}

impl From<Json> for Raw {
    fn from(json: Json) -> Raw {
        Raw(Arc::new(RawInner {
            build: None,
            json: OnceLock::from(json),
        }))
    }
}

impl Deref for Raw {
    type Target = Json;

    fn deref(&self) -> &Json {
        self.0
            .json
            .get_or_init(|| self.0.build.as_ref().map_or(Json::Null, |build| build()))
    }
}

impl serde::Serialize for Raw {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl fmt::Debug for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}
