#!/usr/bin/env python3
"""Writes src/model/gateway_api.rs from the vendored Gateway API CRD schemas.

The types follow the `spec` schema of each kind exactly (property names,
types, integer formats, enums), which `cargo test` checks again field by
field (`model::gateway_api::tests`). Identical sub-schemas (a parentRef in
every route kind, the header filter of requests and responses) become one
type. Names come from the table below, else from the field path.

CRD defaults are recorded in the JSON Schema but not applied when reading:
istiod converts objects as written (its conversion test feeds them without
API-server defaulting), so the conversion applies each default where
istiod does.

Usage: UPDATE_GENERATED=1 cargo test --test generated (runs this script and
rustfmt; without UPDATE_GENERATED the test fails when the file is stale), or
scripts/gen-gateway-api-types.py > src/model/gateway_api.rs && cargo fmt
"""
import json
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CRDS = os.path.join(ROOT, "testdata", "gateway-api-crds")

# (file, spec type name); the first file of a kind is its newest version.
KINDS = [
    ("experimental/gatewayclass-gateway-v1.json", "GatewayClassSpec"),
    ("experimental/gateway-gateway-v1.json", "GatewaySpec"),
    ("experimental/httproute-gateway-v1.json", "HTTPRouteSpec"),
    ("experimental/grpcroute-gateway-v1.json", "GRPCRouteSpec"),
    ("experimental/tcproute-gateway-v1.json", "TCPRouteSpec"),
    ("experimental/tlsroute-gateway-v1.json", "TLSRouteSpec"),
    ("experimental/referencegrant-gateway-v1.json", "ReferenceGrantSpec"),
    ("experimental/backendtlspolicy-gateway-v1.json", "BackendTLSPolicySpec"),
    ("experimental/listenerset-gateway-v1.json", "ListenerSetSpec"),
    ("experimental/xbackend-gateway-v1alpha1.json", "XBackendSpec"),
    ("experimental/xbackendtrafficpolicy-gateway-v1alpha1.json", "XBackendTrafficPolicySpec"),
    ("inference-extension/inferencepool-inference-v1.json", "InferencePoolSpec"),
]

# Field path (from a spec type) -> type name, for the shared Gateway API types.
NAMES = {
    "HTTPRouteSpec.parentRefs[]": "ParentReference",
    "HTTPRouteSpec.rules[].backendRefs[].filters[]": "HTTPRouteFilter",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].requestHeaderModifier": "HTTPHeaderFilter",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].requestHeaderModifier.add[]": "HTTPHeader",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].requestMirror": "HTTPRequestMirrorFilter",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].requestMirror.backendRef": "BackendObjectReference",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].requestMirror.fraction": "Fraction",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].requestRedirect": "HTTPRequestRedirectFilter",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].requestRedirect.path": "HTTPPathModifier",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].urlRewrite": "HTTPURLRewriteFilter",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].extensionRef": "LocalObjectReference",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].cors": "HTTPCORSFilter",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].externalAuth": "HTTPExternalAuthFilter",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].externalAuth.backendRef": "BackendObjectReference",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].externalAuth.forwardBody": "ForwardBodyConfig",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].externalAuth.grpc": "GRPCAuthConfig",
    "HTTPRouteSpec.rules[].backendRefs[].filters[].externalAuth.http": "HTTPAuthConfig",
    "HTTPRouteSpec.rules[].sessionPersistence.cookieConfig": "CookieConfig",
    "GRPCRouteSpec.rules[].backendRefs[].filters[]": "GRPCRouteFilter",
    "GatewaySpec.allowedListeners": "AllowedListeners",
    "GatewaySpec.allowedListeners.namespaces": "ListenerNamespaces",
    "GatewaySpec.allowedListeners.namespaces.selector": "LabelSelector",
    "GatewaySpec.allowedListeners.namespaces.selector.matchExpressions[]": "LabelSelectorRequirement",
    "GatewaySpec.tls": "GatewayTLSConfig",
    "GatewaySpec.tls.backend": "GatewayBackendTLS",
    "GatewaySpec.tls.frontend": "FrontendTLSConfig",
    "GatewaySpec.tls.frontend.default": "TLSConfig",
    "GatewaySpec.tls.frontend.default.validation": "FrontendTLSValidation",
    "GatewaySpec.tls.frontend.perPort[]": "TLSPortConfig",
    "TCPRouteSpec.rules[]": "L4RouteRule",
    "XBackendSpec.externalHostname": "XBackendExternalHostname",
    "HTTPRouteSpec.rules[]": "HTTPRouteRule",
    "HTTPRouteSpec.rules[].matches[]": "HTTPRouteMatch",
    "HTTPRouteSpec.rules[].matches[].path": "HTTPPathMatch",
    "HTTPRouteSpec.rules[].matches[].headers[]": "HTTPHeaderMatch",
    "HTTPRouteSpec.rules[].matches[].queryParams[]": "HTTPQueryParamMatch",
    "HTTPRouteSpec.rules[].filters[]": "HTTPRouteFilter",
    "HTTPRouteSpec.rules[].filters[].requestHeaderModifier": "HTTPHeaderFilter",
    "HTTPRouteSpec.rules[].filters[].requestHeaderModifier.set[]": "HTTPHeader",
    "HTTPRouteSpec.rules[].filters[].requestMirror": "HTTPRequestMirrorFilter",
    "HTTPRouteSpec.rules[].filters[].requestMirror.backendRef": "BackendObjectReference",
    "HTTPRouteSpec.rules[].filters[].requestMirror.fraction": "Fraction",
    "HTTPRouteSpec.rules[].filters[].requestRedirect": "HTTPRequestRedirectFilter",
    "HTTPRouteSpec.rules[].filters[].requestRedirect.path": "HTTPPathModifier",
    "HTTPRouteSpec.rules[].filters[].urlRewrite": "HTTPURLRewriteFilter",
    "HTTPRouteSpec.rules[].filters[].extensionRef": "LocalObjectReference",
    "HTTPRouteSpec.rules[].filters[].cors": "HTTPCORSFilter",
    "HTTPRouteSpec.rules[].filters[].externalAuth": "HTTPExternalAuthFilter",
    "HTTPRouteSpec.rules[].backendRefs[]": "HTTPBackendRef",
    "HTTPRouteSpec.rules[].timeouts": "HTTPRouteTimeouts",
    "HTTPRouteSpec.rules[].retry": "HTTPRouteRetry",
    "HTTPRouteSpec.rules[].sessionPersistence": "SessionPersistence",
    "GRPCRouteSpec.rules[]": "GRPCRouteRule",
    "GRPCRouteSpec.rules[].matches[]": "GRPCRouteMatch",
    "GRPCRouteSpec.rules[].matches[].method": "GRPCMethodMatch",
    "GRPCRouteSpec.rules[].matches[].headers[]": "GRPCHeaderMatch",
    "GRPCRouteSpec.rules[].filters[]": "GRPCRouteFilter",
    "GRPCRouteSpec.rules[].backendRefs[]": "GRPCBackendRef",
    "TCPRouteSpec.rules[].backendRefs[]": "BackendRef",
    "GatewaySpec.listeners[]": "Listener",
    "GatewaySpec.listeners[].allowedRoutes": "AllowedRoutes",
    "GatewaySpec.listeners[].allowedRoutes.namespaces": "RouteNamespaces",
    "GatewaySpec.listeners[].allowedRoutes.namespaces.selector": "LabelSelector",
    "GatewaySpec.listeners[].allowedRoutes.namespaces.selector.matchExpressions[]": "LabelSelectorRequirement",
    "GatewaySpec.listeners[].allowedRoutes.kinds[]": "RouteGroupKind",
    "GatewaySpec.listeners[].tls": "ListenerTLSConfig",
    "GatewaySpec.listeners[].tls.certificateRefs[]": "SecretObjectReference",
    "GatewaySpec.addresses[]": "GatewaySpecAddress",
    "GatewaySpec.infrastructure": "GatewayInfrastructure",
    "GatewaySpec.infrastructure.parametersRef": "LocalParametersReference",
    "GatewayClassSpec.parametersRef": "ParametersReference",
    "ReferenceGrantSpec.from[]": "ReferenceGrantFrom",
    "ReferenceGrantSpec.to[]": "ReferenceGrantTo",
    "BackendTLSPolicySpec.targetRefs[]": "LocalPolicyTargetReferenceWithSectionName",
    "BackendTLSPolicySpec.validation": "BackendTLSPolicyValidation",
    "BackendTLSPolicySpec.validation.caCertificateRefs[]": "CACertificateReference",
    "BackendTLSPolicySpec.validation.subjectAltNames[]": "SubjectAltName",
    "ListenerSetSpec.parentRef": "ParentGatewayReference",
    "ListenerSetSpec.listeners[]": "ListenerEntry",
    "XBackendTrafficPolicySpec.targetRefs[]": "LocalPolicyTargetReference",
}

# Enum value sets -> enum name (a value set shared by several fields is one enum).
ENUM_NAMES = {
    ("Exact", "PathPrefix", "RegularExpression"): "PathMatchType",
    ("Exact", "RegularExpression"): "MatchType",
    ("ReplaceFullPath", "ReplacePrefixMatch"): "HTTPPathModifierType",
    ("RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect",
     "URLRewrite", "ExtensionRef", "CORS", "ExternalAuth"): "HTTPRouteFilterType",
    ("ResponseHeaderModifier", "RequestHeaderModifier", "RequestMirror", "ExtensionRef"): "GRPCRouteFilterType",
    ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"): "HTTPMethod",
    ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "*"): "HTTPMethodWithWildcard",
    ("All", "Selector", "Same"): "FromNamespaces",
    ("All", "Selector", "Same", "None"): "ListenerNamespacesFrom",
    ("All", "None"): "AllowedListenersFrom",
    ("Terminate", "Passthrough"): "TLSModeType",
    ("http", "https"): "RedirectScheme",
    ("Cookie", "Header"): "SessionPersistenceType",
    ("Permanent", "Session"): "CookieLifetimeType",
    ("Hostname", "URI"): "SubjectAltNameType",
    ("None", "ServerOnly", "ClientAndServer"): "BackendTLSMode",
    ("HTTP", "GRPC"): "HTTPRouteExternalAuthProtocol",
    ("TCP", "HTTP", "HTTP2", "HTTP11", "H2C", "MCP"): "XBackendProtocol",
    ("AllowValidOnly", "AllowInsecureFallback"): "FrontendValidationMode",
    ("FailOpen", "FailClose"): "EndpointPickerFailureMode",
    ("ExternalHostname",): "XBackendType",
    ("http", "kubernetes.io/h2c"): "InferencePoolAppProtocol",
}

RUST_KEYWORDS = {"type", "ref", "match", "mod", "use", "in", "for", "loop", "static", "self"}


def strip(schema):
    """The schema without descriptions: the key that finds identical types."""
    if isinstance(schema, dict):
        return {k: strip(v) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [strip(v) for v in schema]
    return schema


def camel(name):
    name = re.sub(r"[^A-Za-z0-9]+", " ", name)
    return "".join(w[:1].upper() + w[1:] for w in name.split())


def singular(name):
    for plural, single in (("ies", "y"), ("ches", "ch"), ("sses", "ss"), ("es", "e"), ("s", "")):
        if name.endswith(plural) and not name.endswith("ss"):
            return name[: len(name) - len(plural)] + single
    return name


def snake(name):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.lower()


def doc(text, indent):
    if not text:
        return ""
    first = text.strip().split("\n\n")[0].replace("\n", " ").strip()
    first = re.sub(r"\s+", " ", first)
    if len(first) > 300:
        cut = first[:300].rfind(". ")
        first = first[: cut + 1] if cut > 40 else first[:300] + "..."
    first = first.replace("<", "`<").replace(">", ">`") if "<" in first else first
    return f"{indent}/// {first}\n"


class Gen:
    def __init__(self):
        self.types = {}  # key -> name
        self.out = []  # rendered items
        self.names = set()
        self.enums = {}  # tuple(values) -> name

    def type_of(self, schema, path, hint):
        t = schema.get("type")
        if t == "string" and "enum" in schema:
            return self.enum(schema["enum"], hint)
        if t == "string":
            return "String"
        if t == "boolean":
            return "bool"
        if t == "integer":
            fmt = schema.get("format")
            if fmt == "int32":
                return "i32"
            if fmt == "int64":
                return "i64"
            return "i64"
        if t == "number":
            return "f64"
        if t == "array":
            return f"Vec<{self.type_of(schema['items'], path + '[]', singular(hint))}>"
        if t == "object" and "properties" in schema:
            return self.struct(schema, path, hint)
        if t == "object" and isinstance(schema.get("additionalProperties"), dict):
            inner = self.type_of(schema["additionalProperties"], path + "{}", hint + "Value")
            return f"BTreeMap<String, {inner}>"
        raise SystemExit(f"unsupported schema at {path}: {json.dumps(schema)[:200]}")

    def enum(self, values, hint):
        key = tuple(values)
        if key in self.enums:
            return self.enums[key]
        name = ENUM_NAMES.get(key) or hint
        assert name not in self.names, f"enum name clash {name} {key}"
        self.names.add(name)
        self.enums[key] = name
        lines = ["#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]", f"pub enum {name} {{"]
        for value in values:
            variant = camel(value) if value != "*" else "Any"
            if variant.isupper() and len(variant) > 1 and value not in ("GET",):
                pass
            if variant != value:
                lines.append(f"    #[serde(rename = {json.dumps(value)})]")
            lines.append(f"    {variant},")
        lines.append("}")
        self.out.append("\n".join(lines) + "\n")
        return name

    def struct(self, schema, path, hint):
        key = json.dumps(strip(schema), sort_keys=True)
        if key in self.types:
            return self.types[key]
        name = NAMES.get(path, hint)
        base, n = name, 2
        while name in self.names:
            name = f"{base}{n}"
            n += 1
        self.names.add(name)
        self.types[key] = name
        fields = []
        for prop, sub in schema["properties"].items():
            rust_type = self.type_of(sub, f"{path}.{prop}", name.removesuffix("Spec") + camel(prop))
            fields.append((prop, sub, rust_type))
        lines = [doc(schema.get("description", ""), "").rstrip("\n")] if schema.get("description") else []
        lines += [
            "#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]",
            '#[serde(rename_all = "camelCase")]',
            "#[schemars(deny_unknown_fields)]",
            f"pub struct {name} {{",
        ]
        for prop, sub, rust_type in fields:
            d = doc(sub.get("description", ""), "    ")
            if d:
                lines.append(d.rstrip("\n"))
            field = snake(prop)
            if field in RUST_KEYWORDS:
                field = "r#" + field
            attrs = []
            if rust_type.startswith("Vec<"):
                attrs.append('default, skip_serializing_if = "Vec::is_empty"')
                ty = rust_type
            elif rust_type.startswith("BTreeMap<"):
                attrs.append('default, skip_serializing_if = "BTreeMap::is_empty"')
                ty = rust_type
            else:
                attrs.append('default, skip_serializing_if = "Option::is_none"')
                ty = f"Option<{rust_type}>"
            if snake_to_camel(field.removeprefix("r#")) != prop:
                attrs.append(f"rename = {json.dumps(prop)}")
            lines.append(f"    #[serde({', '.join(attrs)})]")
            extend = []
            if "default" in sub:
                extend.append(f'"default" = {rust_json(sub["default"])}')
            if sub.get("type") == "integer" and "enum" in sub:
                extend.append(f'"enum" = {rust_json(sub["enum"])}')
            if sub.get("type") == "integer" and "format" not in sub and "minimum" in sub:
                pass
            if extend:
                lines.append(f"    #[schemars(extend({', '.join(extend)}))]")
            lines.append(f"    pub {field}: {ty},")
        lines.append("}")
        self.out.append("\n".join(lines) + "\n")
        return name


def snake_to_camel(s):
    parts = s.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def rust_json(value):
    """A JSON value as a schemars `extend` expression (serde_json's `json!` syntax)."""
    return json.dumps(value)


def main():
    gen = Gen()
    for file, name in KINDS:
        with open(os.path.join(CRDS, file)) as f:
            crd = json.load(f)
        spec = crd["properties"]["spec"]
        NAMES[name] = name
        gen.struct(spec, name, name)
    print(HEADER)
    for item in gen.out:
        print(item)


HEADER = '''//! Typed spec model for the Kubernetes Gateway API kinds istiod reads
//! (`gateway.networking.k8s.io`, the experimental channel of v1.6.0), the
//! XBackend kinds (`gateway.networking.x-k8s.io`) and InferencePool
//! (`inference.networking.k8s.io`).
//!
//! Generated by `scripts/gen-gateway-api-types.py` from the CRD schemas
//! vendored under `testdata/gateway-api-crds/`; edit the script, not this
//! file. Deserialisation is lenient and keeps absence (`Option`, empty
//! `Vec`): CRD defaults appear in the JSON Schema but are not filled in,
//! because istiod converts objects as written and applies each default in
//! its own code (see `semantics::gateway_api`). The generated JSON Schema is
//! strict (`additionalProperties: false`); CEL rules are not part of it.

#![allow(clippy::doc_markdown)]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
'''

if __name__ == "__main__":
    main()
