//! Test-only helper comparing our generated JSON Schemas with Istio's published
//! CRD schemas: property names (both ways, recursively through objects, array
//! `items` and map `additionalProperties`), JSON types, integer/number formats
//! and string `enum` values. The CRD's `status` is not compared.
#![cfg(test)]

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde_json::Value;

/// Directory holding the Istio CRD JSON Schemas (`KIND-GROUP-VERSION.json`).
pub(crate) const CRD_SCHEMA_DIR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/istio-crd-schemas");

/// Paths (e.g. `spec.configPatches[]`) not compared, each with the reason why.
pub(crate) type AllowList = [(&'static str, &'static str)];

/// Panics, listing every difference, unless the `spec` schema of the CRD file
/// `file` (in [`CRD_SCHEMA_DIR`]) matches the schema generated for `T`.
pub(crate) fn assert_matches_crd<T: JsonSchema>(file: &str, allow: &AllowList) {
    assert_matches_crd_at::<T>(CRD_SCHEMA_DIR, file, allow);
}

/// Directory holding the vendored Gateway API CRD schemas (`experimental/`,
/// `inference-extension/`).
const GATEWAY_API_CRD_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/gateway-api-crds");

/// [`assert_matches_crd`] for a CRD schema file under `dir`.
fn assert_matches_crd_at<T: JsonSchema>(dir: &str, file: &str, allow: &AllowList) {
    let path = format!("{dir}/{file}");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => panic!("cannot read CRD schema {path}: {e}"),
    };
    let crd: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => panic!("cannot parse CRD schema {path}: {e}"),
    };
    let Some(crd_spec) = crd.pointer("/properties/spec") else {
        panic!("{path} has no properties.spec");
    };
    let ours = schemars::schema_for!(T).to_value();
    let mut cmp = Comparer {
        defs: ours.get("$defs").cloned().unwrap_or(Value::Null),
        allow,
        used: BTreeSet::new(),
        errors: Vec::new(),
    };
    cmp.compare(crd_spec, &ours, "spec");
    for (allowed, _) in allow {
        if !cmp.used.contains(*allowed) {
            cmp.errors
                .push(format!("{allowed}: allow-list entry matches no CRD path"));
        }
    }
    assert!(
        cmp.errors.is_empty(),
        "{file}: {} difference(s) with {}:\n  {}",
        cmp.errors.len(),
        std::any::type_name::<T>(),
        cmp.errors.join("\n  ")
    );
}

struct Comparer<'a> {
    defs: Value,
    allow: &'a AllowList,
    used: BTreeSet<&'static str>,
    errors: Vec<String>,
}

impl Comparer<'_> {
    fn allowed(&mut self, path: &str) -> bool {
        match self.allow.iter().find(|(p, _)| *p == path) {
            Some((p, _)) => {
                self.used.insert(p);
                true
            }
            None => false,
        }
    }

    /// Follows `$ref`s into `$defs` and strips the `null` branch of `Option`s.
    fn resolve(&self, mut schema: Value) -> Value {
        for _ in 0..32 {
            if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                let name = r.trim_start_matches("#/$defs/");
                schema = self.defs.get(name).cloned().unwrap_or(Value::Null);
                continue;
            }
            let branches = schema
                .get("anyOf")
                .or_else(|| schema.get("oneOf"))
                .and_then(Value::as_array);
            if let Some(branches) = branches {
                let non_null: Vec<&Value> =
                    branches.iter().filter(|b| !is_null_schema(b)).collect();
                if non_null.len() == 1 && branches.len() == 2 {
                    schema = non_null[0].clone();
                    continue;
                }
            }
            break;
        }
        schema
    }

    fn compare(&mut self, crd: &Value, ours: &Value, path: &str) {
        if self.allowed(path) {
            return;
        }
        let ours = self.resolve(ours.clone());
        if ours == Value::Bool(true) || ours.as_object().is_some_and(|o| o.is_empty()) {
            self.errors
                .push(format!("{path}: our schema is untyped (any value)"));
            return;
        }
        self.compare_type(crd, &ours, path);
        self.compare_enum(crd, &ours, path);

        if let Some(crd_props) = crd.get("properties").and_then(Value::as_object) {
            let empty = serde_json::Map::new();
            let our_props = ours
                .get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            if our_props.is_empty() {
                self.errors
                    .push(format!("{path}: CRD has properties, ours has none"));
            }
            if ours.get("additionalProperties") != Some(&Value::Bool(false)) {
                self.errors.push(format!(
                    "{path}: our schema does not reject unknown fields (additionalProperties != false)"
                ));
            }
            for (name, crd_prop) in crd_props {
                let child = format!("{path}.{name}");
                match our_props.get(name) {
                    Some(our_prop) => self.compare(crd_prop, our_prop, &child),
                    None if self.allowed(&child) => {}
                    None => self.errors.push(format!("{child}: missing in our schema")),
                }
            }
            for name in our_props.keys() {
                if !crd_props.contains_key(name) {
                    self.errors
                        .push(format!("{path}.{name}: not in the CRD schema"));
                }
            }
        } else if ours.get("properties").is_some() {
            self.errors
                .push(format!("{path}: ours has properties, the CRD has none"));
        }

        if let Some(crd_items) = crd.get("items") {
            match ours.get("items") {
                Some(our_items) => self.compare(crd_items, our_items, &format!("{path}[]")),
                None => self.errors.push(format!(
                    "{path}: CRD is an array with items, ours has no items"
                )),
            }
        }

        if let Some(crd_values) = crd.get("additionalProperties").filter(|v| v.is_object()) {
            match ours.get("additionalProperties").filter(|v| v.is_object()) {
                Some(our_values) => self.compare(crd_values, our_values, &format!("{path}{{}}")),
                None => self
                    .errors
                    .push(format!("{path}: CRD is a map, ours is not")),
            }
        }
    }

    fn compare_type(&mut self, crd: &Value, ours: &Value, path: &str) {
        let Some(crd_type) = crd.get("type").and_then(Value::as_str) else {
            return;
        };
        let our_types = types_of(ours);
        if !our_types.iter().any(|t| t == crd_type) {
            self.errors
                .push(format!("{path}: CRD type {crd_type}, ours {our_types:?}"));
            return;
        }
        let our_format = ours.get("format").and_then(Value::as_str);
        let expected = match (crd_type, crd.get("format").and_then(Value::as_str)) {
            ("integer", Some(f)) => Some(f),
            ("integer", None)
                if crd.get("maximum").and_then(Value::as_u64) == Some(u32::MAX.into()) =>
            {
                Some("uint32")
            }
            ("integer", None)
                if crd.get("maximum").is_none()
                    && crd.get("minimum").and_then(Value::as_u64) == Some(0) =>
            {
                Some("uint64")
            }
            ("number", Some(f)) => Some(f),
            ("string", Some("byte")) => None, // base64 kept as a plain String
            ("string", Some(f)) => Some(f),
            _ => None,
        };
        if let Some(expected) = expected {
            if our_format != Some(expected) {
                self.errors.push(format!(
                    "{path}: CRD {crd_type} format {expected}, ours {our_format:?}"
                ));
            }
        }
    }

    fn compare_enum(&mut self, crd: &Value, ours: &Value, path: &str) {
        let crd_values = crd.get("enum").and_then(Value::as_array).map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect::<BTreeSet<_>>()
        });
        let our_values = enum_values(ours);
        match (crd_values, our_values) {
            (None, None) => {}
            (Some(c), Some(o)) if c == o => {}
            (c, o) => self
                .errors
                .push(format!("{path}: enum values differ: CRD {c:?}, ours {o:?}")),
        }
    }
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

fn types_of(schema: &Value) -> Vec<String> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .map(str::to_owned)
            .collect(),
        _ if schema.get("enum").is_some() || schema.get("oneOf").is_some() => {
            vec!["string".to_owned()]
        }
        _ => Vec::new(),
    }
}

/// String values of an enum schema, either as `enum: [...]` or `oneOf` of `const`s.
fn enum_values(schema: &Value) -> Option<BTreeSet<String>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(
            values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        );
    }
    let branches = schema.get("oneOf").and_then(Value::as_array)?;
    let mut out = BTreeSet::new();
    for branch in branches {
        if let Some(c) = branch.get("const").and_then(Value::as_str) {
            out.insert(c.to_owned());
        } else if let Some(values) = branch.get("enum").and_then(Value::as_array) {
            out.extend(values.iter().filter_map(Value::as_str).map(str::to_owned));
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod gateway_api_tests {
    use super::*;
    use crate::model::gateway_api as gw;

    /// Every served version of every Gateway API kind `mesh` types matches
    /// its vendored CRD schema (the v1beta1 schemas equal the v1 ones).
    #[test]
    fn gateway_api_types_match_the_crds() {
        fn check<T: JsonSchema>(file: &str) {
            assert_matches_crd_at::<T>(GATEWAY_API_CRD_DIR, file, &[]);
        }
        check::<gw::GatewayClassSpec>("experimental/gatewayclass-gateway-v1.json");
        check::<gw::GatewayClassSpec>("experimental/gatewayclass-gateway-v1beta1.json");
        check::<gw::GatewaySpec>("experimental/gateway-gateway-v1.json");
        check::<gw::GatewaySpec>("experimental/gateway-gateway-v1beta1.json");
        check::<gw::HTTPRouteSpec>("experimental/httproute-gateway-v1.json");
        check::<gw::HTTPRouteSpec>("experimental/httproute-gateway-v1beta1.json");
        check::<gw::GRPCRouteSpec>("experimental/grpcroute-gateway-v1.json");
        check::<gw::TCPRouteSpec>("experimental/tcproute-gateway-v1.json");
        check::<gw::TLSRouteSpec>("experimental/tlsroute-gateway-v1.json");
        check::<gw::ReferenceGrantSpec>("experimental/referencegrant-gateway-v1.json");
        check::<gw::ReferenceGrantSpec>("experimental/referencegrant-gateway-v1beta1.json");
        check::<gw::BackendTLSPolicySpec>("experimental/backendtlspolicy-gateway-v1.json");
        check::<gw::ListenerSetSpec>("experimental/listenerset-gateway-v1.json");
        check::<gw::XBackendSpec>("experimental/xbackend-gateway-v1alpha1.json");
        check::<gw::XBackendTrafficPolicySpec>(
            "experimental/xbackendtrafficpolicy-gateway-v1alpha1.json",
        );
        check::<gw::InferencePoolSpec>("inference-extension/inferencepool-inference-v1.json");
    }
}
