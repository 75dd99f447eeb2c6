//! Typed spec model for the `security.istio.io` CRDs (PeerAuthentication,
//! AuthorizationPolicy, RequestAuthentication).
//!
//! The v1beta1 and v1 CRD schemas of each kind are identical, so one struct per
//! message serves both. Same conventions as [`super::networking`]: lenient
//! deserialisation, strict generated schema, `required` checked elsewhere.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::networking::PolicyTargetReference;
use super::networking::{Duration, WorkloadSelector};

// ---------------------------------------------------------------------------
// PeerAuthentication
// ---------------------------------------------------------------------------

/// Spec of a PeerAuthentication: mutual TLS requirements for inbound traffic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct PeerAuthenticationSpec {
    /// Workloads (by `matchLabels`) the policy applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// Mutual TLS settings for the workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtls: Option<MutualTLS>,
    /// Per-port mutual TLS settings, keyed by port number. Written, it must
    /// name at least one port (the CRD's `minProperties`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("minProperties" = 1))]
    pub port_level_mtls: BTreeMap<String, MutualTLS>,
}

/// Mutual TLS setting of a PeerAuthentication (workload or port level).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct MutualTLS {
    /// Mutual TLS mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<MutualTLSMode>,
}

/// Mutual TLS mode of a PeerAuthentication.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum MutualTLSMode {
    #[default]
    #[serde(rename = "UNSET")]
    Unset,
    #[serde(rename = "DISABLE")]
    Disable,
    #[serde(rename = "PERMISSIVE")]
    Permissive,
    #[serde(rename = "STRICT")]
    Strict,
}

// ---------------------------------------------------------------------------
// AuthorizationPolicy
// ---------------------------------------------------------------------------

/// Spec of an AuthorizationPolicy: access control for workloads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct AuthorizationPolicySpec {
    /// Workloads (by `matchLabels`) the policy applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// Single resource the policy is attached to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<PolicyTargetReference>,
    /// Resources the policy is attached to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    /// Rules matching requests (OR-ed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// Action taken when a rule matches (default ALLOW).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<AuthorizationPolicyAction>,
    /// Extension provider handling a CUSTOM action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ExtensionProvider>,
}

/// Action of an AuthorizationPolicy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AuthorizationPolicyAction {
    #[default]
    #[serde(rename = "ALLOW")]
    Allow,
    #[serde(rename = "DENY")]
    Deny,
    #[serde(rename = "AUDIT")]
    Audit,
    #[serde(rename = "CUSTOM")]
    Custom,
}

/// Extension provider (from mesh config) used by a CUSTOM AuthorizationPolicy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ExtensionProvider {
    /// Name of the extension provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Authorization rule: sources, operations and conditions (AND-ed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Rule {
    /// Request sources (OR-ed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<RuleFrom>,
    /// Request operations (OR-ed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<RuleTo>,
    /// Additional conditions (AND-ed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
}

/// Wrapper of a rule's source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RuleFrom {
    /// Source of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// Wrapper of a rule's operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RuleTo {
    /// Operation of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
}

/// Source identity of a request (fields AND-ed, values OR-ed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Source {
    /// Peer identities (mTLS principals).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<String>,
    /// Negative match of peer identities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_principals: Vec<String>,
    /// Request identities (`iss/sub` of the JWT).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_principals: Vec<String>,
    /// Negative match of request identities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_request_principals: Vec<String>,
    /// Namespaces of the peer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Negative match of namespaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_namespaces: Vec<String>,
    /// Source IP blocks (direct peer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_blocks: Vec<String>,
    /// Negative match of IP blocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ip_blocks: Vec<String>,
    /// Original client IP blocks (X-Forwarded-For / proxy protocol).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remote_ip_blocks: Vec<String>,
    /// Negative match of remote IP blocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_remote_ip_blocks: Vec<String>,
    /// Service accounts (`namespace/name`) of the peer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_accounts: Vec<String>,
    /// Negative match of service accounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_service_accounts: Vec<String>,
    /// Trust domains of the peer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trust_domains: Vec<String>,
    /// Negative match of trust domains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_trust_domains: Vec<String>,
}

/// Operation of a request (fields AND-ed, values OR-ed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Operation {
    /// Hosts (`Host`/`:authority`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Negative match of hosts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_hosts: Vec<String>,
    /// Destination ports (as strings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    /// Negative match of ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ports: Vec<String>,
    /// HTTP methods (or gRPC `POST`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// Negative match of methods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_methods: Vec<String>,
    /// HTTP request paths (or gRPC `/package.service/method`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Negative match of paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_paths: Vec<String>,
}

/// Additional condition on a request attribute.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Condition {
    /// Name of the attribute (required), e.g. `request.headers[x-id]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Allowed values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Negative match of values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_values: Vec<String>,
}

// ---------------------------------------------------------------------------
// RequestAuthentication
// ---------------------------------------------------------------------------

/// Spec of a RequestAuthentication: JWT validation for requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RequestAuthenticationSpec {
    /// Workloads (by `matchLabels`) the policy applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// Single resource the policy is attached to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<PolicyTargetReference>,
    /// Resources the policy is attached to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    /// JWT validation rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jwt_rules: Vec<JWTRule>,
}

/// How to validate a JWT from one issuer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct JWTRule {
    /// Issuer of the JWT (`iss` claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Accepted audiences (`aud` claim).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// URL of the provider's JWKS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// snake_case spelling of `jwksUri` also accepted by the CRD.
    #[serde(rename = "jwks_uri", default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri_snake: Option<String>,
    /// Inline JWKS (JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<String>,
    /// Headers the JWT is read from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_headers: Vec<JWTHeader>,
    /// Query parameters the JWT is read from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_params: Vec<String>,
    /// Cookies the JWT is read from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_cookies: Vec<String>,
    /// Header receiving the base64 JWT payload on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_payload_to_header: Option<String>,
    /// Keep the original token when forwarding the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_original_token: Option<bool>,
    /// Claims copied into request headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_claim_to_headers: Vec<ClaimToHeader>,
    /// Timeout for fetching the JWKS (duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Claims whose values are space-delimited lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub space_delimited_claims: Vec<String>,
    /// Whether the token must be present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<JWTPresence>,
}

/// Header a JWT is extracted from, with an optional value prefix.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct JWTHeader {
    /// Header name (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Prefix to strip before the token, e.g. `Bearer `.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// Copy of a JWT claim into a request header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ClaimToHeader {
    /// Name of the header to set (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Name of the claim to copy (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
}

/// Whether a JWT must be present in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum JWTPresence {
    #[serde(rename = "OPTIONAL")]
    Optional,
    #[serde(rename = "REQUIRED")]
    Required,
}

#[cfg(test)]
mod tests {
    use super::super::crd_compare::assert_matches_crd;
    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::{json, Value};

    fn round_trip<T: DeserializeOwned + Serialize>(input: Value) -> T {
        let parsed: T = match serde_json::from_value(input.clone()) {
            Ok(v) => v,
            Err(e) => panic!("deserialise failed: {e}"),
        };
        let back = match serde_json::to_value(&parsed) {
            Ok(v) => v,
            Err(e) => panic!("serialise failed: {e}"),
        };
        assert_eq!(back, input);
        parsed
    }

    #[test]
    fn peer_authentication_round_trip() {
        let spec: PeerAuthenticationSpec = round_trip(json!({
            "selector": {"matchLabels": {"app": "finance"}},
            "mtls": {"mode": "STRICT"},
            "portLevelMtls": {"8080": {"mode": "DISABLE"}, "9090": {"mode": "PERMISSIVE"}}
        }));
        assert_eq!(spec.mtls.and_then(|m| m.mode), Some(MutualTLSMode::Strict));
        assert_eq!(
            spec.port_level_mtls.get("8080").and_then(|m| m.mode),
            Some(MutualTLSMode::Disable)
        );
    }

    #[test]
    fn authorization_policy_round_trip() {
        let spec: AuthorizationPolicySpec = round_trip(json!({
            "selector": {"matchLabels": {"app": "httpbin", "version": "v1"}},
            "action": "ALLOW",
            "rules": [
                {
                    "from": [
                        {"source": {"principals": ["cluster.local/ns/default/sa/sleep"]}},
                        {"source": {"namespaces": ["test"], "notIpBlocks": ["10.0.0.0/8"]}}
                    ],
                    "to": [
                        {"operation": {"methods": ["GET"], "paths": ["/info*"], "ports": ["8000"]}},
                        {"operation": {"methods": ["POST"], "paths": ["/data"], "notHosts": ["admin.example.com"]}}
                    ],
                    "when": [
                        {"key": "request.auth.claims[iss]", "values": ["https://accounts.google.com"]},
                        {"key": "source.ip", "notValues": ["10.1.2.3"]}
                    ]
                },
                {"from": [{"source": {"serviceAccounts": ["default/sleep"], "remoteIpBlocks": ["1.2.3.4/32"]}}]}
            ]
        }));
        assert_eq!(spec.action, Some(AuthorizationPolicyAction::Allow));
        assert_eq!(spec.rules.len(), 2);

        let custom: AuthorizationPolicySpec = round_trip(json!({
            "targetRefs": [{"kind": "Gateway", "group": "gateway.networking.k8s.io", "name": "waypoint"}],
            "action": "CUSTOM",
            "provider": {"name": "my-ext-authz"},
            "rules": [{"to": [{"operation": {"paths": ["/admin/*"]}}]}]
        }));
        assert_eq!(custom.action, Some(AuthorizationPolicyAction::Custom));

        let deny_all: AuthorizationPolicySpec = round_trip(json!({
            "targetRef": {"kind": "Service", "name": "ratings"},
            "action": "DENY",
            "rules": [{}]
        }));
        assert_eq!(deny_all.rules, vec![Rule::default()]);
    }

    #[test]
    fn request_authentication_round_trip() {
        let spec: RequestAuthenticationSpec = round_trip(json!({
            "selector": {"matchLabels": {"app": "httpbin"}},
            "jwtRules": [
                {
                    "issuer": "issuer-foo",
                    "audiences": ["bookstore_android.apps.example.com"],
                    "jwksUri": "https://example.com/.well-known/jwks.json",
                    "fromHeaders": [{"name": "x-jwt-assertion", "prefix": "Bearer "}],
                    "fromParams": ["my_token"],
                    "fromCookies": ["session"],
                    "outputPayloadToHeader": "x-jwt-payload",
                    "forwardOriginalToken": true,
                    "outputClaimToHeaders": [{"header": "x-jwt-sub", "claim": "sub"}],
                    "timeout": "5s",
                    "spaceDelimitedClaims": ["scope", "permission"],
                    "presence": "REQUIRED"
                },
                {
                    "issuer": "issuer-bar",
                    "jwks_uri": "https://bar.example.com/jwks.json"
                },
                {
                    "issuer": "issuer-inline",
                    "jwks": "{\"keys\":[]}"
                }
            ]
        }));
        assert_eq!(spec.jwt_rules[0].presence, Some(JWTPresence::Required));
        assert_eq!(
            spec.jwt_rules[1].jwks_uri_snake.as_deref(),
            Some("https://bar.example.com/jwks.json")
        );
    }

    const SECURITY_VERSIONS: &[&str] = &["v1beta1", "v1"];

    #[test]
    fn peer_authentication_matches_crd() {
        for v in SECURITY_VERSIONS {
            assert_matches_crd::<PeerAuthenticationSpec>(
                &format!("peerauthentication-security-{v}.json"),
                &[],
            );
        }
    }

    #[test]
    fn authorization_policy_matches_crd() {
        for v in SECURITY_VERSIONS {
            assert_matches_crd::<AuthorizationPolicySpec>(
                &format!("authorizationpolicy-security-{v}.json"),
                &[],
            );
        }
    }

    #[test]
    fn request_authentication_matches_crd() {
        for v in SECURITY_VERSIONS {
            assert_matches_crd::<RequestAuthenticationSpec>(
                &format!("requestauthentication-security-{v}.json"),
                &[],
            );
        }
    }
}
