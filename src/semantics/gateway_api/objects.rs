//! The generated objects as everyone else sees them: typed Istio objects
//! in the index beside the inputs, so that `xds render`, `serve`, the
//! routing semantics and the GRPC rules take converted routes as istiod's
//! push context does (spec §3.1: the generated VirtualServices join the
//! same list as the users'). Each remembers, part by part, the Gateway API
//! field it came from, and findings on it are told there.

use serde_json::Value as Json;

use super::{convert, Conversion, Generated, GeneratedSpec, Options};
use crate::model::{find_kind, GeneratedPart, Meta, Object, Provenance, Spec};
use crate::source::{FieldPath, Segment};

/// The conversion of the Gateway API objects among `objects`, with what it
/// generates also as objects for the index.
pub fn convert_to_objects(objects: &[Object], options: &Options) -> (Vec<Object>, Conversion) {
    let conversion = convert(objects, options);
    let generated = conversion
        .generated
        .iter()
        .filter_map(|generated| to_object(objects, generated.clone()))
        .collect();
    (generated, conversion)
}

fn to_object(objects: &[Object], generated: Generated) -> Option<Object> {
    let first = objects.get(generated.sources.first()?.object)?;
    let kind = generated.kind().name();
    let parts = parts(objects, &generated);
    let mut doc = first.doc.clone();
    doc.kind = kind.to_string();
    doc.api_version = "networking.istio.io/v1".to_string();
    doc.raw = Json::Null;
    let spec = match generated.spec {
        GeneratedSpec::Gateway(spec) => Spec::Gateway(Box::new(spec)),
        GeneratedSpec::VirtualService(spec) => Spec::VirtualService(Box::new(spec)),
        GeneratedSpec::DestinationRule(spec) => Spec::DestinationRule(Box::new(spec)),
    };
    Some(Object {
        doc,
        meta: Meta {
            name: generated.name,
            namespace: Some(generated.namespace),
            annotations: generated.annotations,
            // istiod orders generated configs by their route's creation.
            creation_timestamp: first.meta.creation_timestamp.clone(),
            ..Meta::default()
        },
        spec,
        kind_info: find_kind("networking.istio.io", "v1", kind),
        schema_errors: Vec::new(),
        generated: Some(Box::new(Provenance { parts })),
    })
}

/// Where each part of a generated object comes from: the whole of it from
/// its first source; for a VirtualService, `http[i]` from its route rule,
/// its match from the rule's match, its destinations from the rule's
/// backendRefs, its filters' fields from the rule's filters.
fn parts(objects: &[Object], generated: &Generated) -> Vec<GeneratedPart> {
    let mut out = Vec::new();
    let mut part = |field: FieldPath, source: usize, source_field: FieldPath| {
        if let Some(object) = objects.get(source) {
            out.push(GeneratedPart {
                field,
                source: object.doc.clone(),
                source_origin: object.origin(),
                source_field,
            });
        }
    };
    if let Some(first) = generated.sources.first() {
        part(FieldPath::root(), first.object, first.field.clone());
    }
    let GeneratedSpec::VirtualService(spec) = &generated.spec else {
        return out;
    };
    let routes = spec
        .http
        .iter()
        .map(|http| (http.route.len(), "http"))
        .chain(spec.tcp.iter().map(|tcp| (tcp.route.len(), "tcp")))
        .chain(spec.tls.iter().map(|tls| (tls.route.len(), "tls")));
    let mut position = [("http", 0usize), ("tcp", 0), ("tls", 0)];
    for ((destinations, list), source) in routes.zip(&generated.sources) {
        let slot = position.iter_mut().find(|(name, _)| *name == list);
        let Some((_, index)) = slot else { continue };
        let here = FieldPath::root().field("spec").field(list).index(*index);
        *index += 1;
        let rule = rule_of(&source.field);
        part(here.clone(), source.object, rule.clone());
        part(here.field("match"), source.object, source.field.clone());
        for k in 0..destinations {
            part(
                here.field("route").index(k),
                source.object,
                rule.field("backendRefs").index(k),
            );
        }
        for (vs_field, rule_field) in [
            ("headers", "filters"),
            ("mirror", "filters"),
            ("mirrors", "filters"),
            ("rewrite", "filters"),
            ("redirect", "filters"),
            ("corsPolicy", "filters"),
            ("directResponse", "backendRefs"),
            ("timeout", "timeouts"),
            ("retries", "retry"),
        ] {
            part(here.field(vs_field), source.object, rule.field(rule_field));
        }
    }
    out
}

/// `spec.rules[r]` of a source field such as `spec.rules[r].matches[m]`.
fn rule_of(field: &FieldPath) -> FieldPath {
    let rule: Vec<Segment> = field.0.iter().take(3).cloned().collect();
    FieldPath(rule)
}
