//! RequestAuthentication rules (Istio's `ValidateRequestAuthentication` and the CRD's CEL rules).
use super::common::{self, spec_path, Errors};
use crate::model::security::{JWTRule, RequestAuthenticationSpec};
use crate::source::FieldPath;

pub(super) fn check(spec: &RequestAuthenticationSpec, out: &mut Errors) {
    let root = spec_path();
    common::policy_targets(
        out,
        &root,
        spec.selector.as_ref(),
        spec.target_ref.as_ref(),
        &spec.target_refs,
    );
    for (i, rule) in spec.jwt_rules.iter().enumerate() {
        jwt_rule(out, &root.field("jwtRules").index(i), rule);
    }
}

/// A JWKS URI: an `http://` or `https://` URL with a host.
fn jwks_uri(uri: &str) -> Result<(), String> {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Err(format!(
            "url must have scheme http:// or https://, found {uri:?}"
        ));
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(format!("URI scheme {scheme:?} is not supported"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => return Err(format!("invalid jwksUri {uri:?}")),
        }
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err(format!("jwksUri {uri:?} has no host"));
    }
    if let Some(port) = port.filter(|p| !p.is_empty()) {
        if port.parse::<u16>().is_err() {
            return Err(format!("jwksUri {uri:?} has an invalid port {port:?}"));
        }
    }
    Ok(())
}

fn jwt_rule(out: &mut Errors, path: &FieldPath, rule: &JWTRule) {
    if rule.issuer.as_deref().unwrap_or("").is_empty() {
        out.error(&path.field("issuer"), "issuer must be set");
    }
    for (k, audience) in rule.audiences.iter().enumerate() {
        if audience.is_empty() {
            out.error(
                &path.field("audiences").index(k),
                "audience must be non-empty string",
            );
        }
    }
    let uris = [
        ("jwksUri", rule.jwks_uri.as_deref()),
        ("jwks_uri", rule.jwks_uri_snake.as_deref()),
    ];
    for (field, uri) in uris {
        if let Some(uri) = uri.filter(|u| !u.is_empty()) {
            out.check(&path.field(field), jwks_uri(uri));
        }
    }
    let sources =
        uris.iter().filter(|(_, uri)| uri.is_some()).count() + usize::from(rule.jwks.is_some());
    if sources > 1 {
        out.error(path, "only one of jwks or jwksUri can be set");
    }
    if let Some(jwks) = rule.jwks.as_deref() {
        match serde_json::from_str::<serde_json::Value>(jwks) {
            // A key set (`{"keys": [...]}`) or a single key.
            Ok(value) if value.is_object() => {}
            Ok(_) => out.error(
                &path.field("jwks"),
                "jwks parse error: expected a JSON Web Key or Key Set object",
            ),
            Err(error) => out.error(&path.field("jwks"), format!("jwks parse error: {error}")),
        }
    }
    for (k, header) in rule.from_headers.iter().enumerate() {
        let at = path.field("fromHeaders").index(k).field("name");
        match header.name.as_deref() {
            None | Some("") => out.error(&at, "location header name must be set"),
            Some(name) => out.check(&at, common::header_name(name)),
        }
    }
    for (k, param) in rule.from_params.iter().enumerate() {
        if param.is_empty() {
            out.error(
                &path.field("fromParams").index(k),
                "location query must be set",
            );
        }
    }
    for (k, cookie) in rule.from_cookies.iter().enumerate() {
        if cookie.is_empty() {
            out.error(
                &path.field("fromCookies").index(k),
                "cookie name must be set",
            );
        }
    }
    if let Some(header) = rule.output_payload_to_header.as_deref() {
        out.check(
            &path.field("outputPayloadToHeader"),
            common::header_name(header),
        );
    }
    for (k, claim) in rule.output_claim_to_headers.iter().enumerate() {
        let at = path.field("outputClaimToHeaders").index(k);
        let header = claim.header.as_deref().unwrap_or("");
        if header.is_empty() || claim.claim.as_deref().unwrap_or("").is_empty() {
            out.error(
                &at,
                "outputClaimToHeaders header and claim value must be non-empty string",
            );
            continue;
        }
        // Stricter than HTTP allows: letters, digits, `-` and `_` only.
        let strict = header
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !strict {
            out.error(
                &at.field("header"),
                format!("header name {header:?} is not a valid header name: only letters, digits, '-' and '_' are allowed"),
            );
        }
    }
    for (k, claim) in rule.space_delimited_claims.iter().enumerate() {
        if claim.is_empty() {
            out.error(
                &path.field("spaceDelimitedClaims").index(k),
                "space-delimited claim name must not be empty",
            );
        }
    }
    if rule.space_delimited_claims.len() > 64 {
        out.error(
            &path.field("spaceDelimitedClaims"),
            format!(
                "at most 64 space-delimited claims are allowed, found {}",
                rule.space_delimited_claims.len()
            ),
        );
    }
    common::opt_duration(
        out,
        &path.field("timeout"),
        rule.timeout.as_ref(),
        common::duration_min_1ms,
    );
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::FieldError;

    fn ra(spec: &str) -> Vec<FieldError> {
        check_spec("RequestAuthentication", spec)
    }

    #[test]
    fn realistic_request_authentication_is_clean() {
        assert_clean(&ra(r#"
selector:
  matchLabels: {app: httpbin}
jwtRules:
- issuer: issuer-foo
  audiences: [bookstore_android.apps.example.com]
  jwksUri: https://example.com/.well-known/jwks.json
  fromHeaders: [{name: x-jwt-assertion, prefix: "Bearer "}]
  fromParams: [my_token]
  fromCookies: [session]
  outputPayloadToHeader: x-jwt-payload
  forwardOriginalToken: true
  outputClaimToHeaders: [{header: x-jwt-sub, claim: sub}]
  timeout: 5s
  presence: REQUIRED
- issuer: issuer-bar
  jwks_uri: "http://bar.example.com:8080/jwks.json"
- issuer: issuer-inline
  jwks: '{"keys":[]}'
"#));
    }

    #[test]
    fn selector_and_target_refs_are_exclusive() {
        let errors = ra("selector: {matchLabels: {app: a}}\ntargetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]\njwtRules: [{issuer: a}]\n");
        assert_error(
            &errors,
            "spec",
            "only one of targetRefs or selector can be set",
        );
    }

    #[test]
    fn issuer_required() {
        let errors = ra("jwtRules: [{jwksUri: \"https://a.com/jwks\"}]");
        assert_error(&errors, "spec.jwtRules[0].issuer", "issuer must be set");
    }

    #[test]
    fn jwks_uri_is_an_http_url() {
        let errors = ra("jwtRules:\n- {issuer: a, jwksUri: \"ftp://a.com/jwks\"}\n- {issuer: b, jwksUri: a.com/jwks}\n- {issuer: c, jwksUri: \"https:///jwks\"}\n");
        assert_error(
            &errors,
            "spec.jwtRules[0].jwksUri",
            "URI scheme \"ftp\" is not supported",
        );
        assert_error(
            &errors,
            "spec.jwtRules[1].jwksUri",
            "url must have scheme http:// or https://",
        );
        assert_error(&errors, "spec.jwtRules[2].jwksUri", "has no host");
    }

    #[test]
    fn jwks_and_jwks_uri_exclusive() {
        let errors =
            ra("jwtRules: [{issuer: a, jwksUri: \"https://a.com/jwks\", jwks: '{\"keys\":[]}'}]");
        assert_error(
            &errors,
            "spec.jwtRules[0]",
            "only one of jwks or jwksUri can be set",
        );
    }

    #[test]
    fn jwks_must_parse() {
        let errors = ra("jwtRules: [{issuer: a, jwks: 'not json'}]");
        assert_error(&errors, "spec.jwtRules[0].jwks", "jwks parse error");
    }

    #[test]
    fn from_headers_need_a_name() {
        let errors = ra(
            "jwtRules: [{issuer: a, fromHeaders: [{prefix: \"Bearer \"}, {name: \"bad header\"}]}]",
        );
        assert_error(
            &errors,
            "spec.jwtRules[0].fromHeaders[0].name",
            "location header name must be set",
        );
        assert_error(
            &errors,
            "spec.jwtRules[0].fromHeaders[1].name",
            "not a valid header name",
        );
    }

    #[test]
    fn output_headers_are_valid() {
        let errors = ra("jwtRules: [{issuer: a, outputPayloadToHeader: \"x payload\", outputClaimToHeaders: [{header: x-sub}, {header: \"x:y\", claim: sub}]}]");
        assert_error(
            &errors,
            "spec.jwtRules[0].outputPayloadToHeader",
            "not a valid header name",
        );
        assert_error(
            &errors,
            "spec.jwtRules[0].outputClaimToHeaders[0]",
            "header and claim value must be non-empty",
        );
        assert_error(
            &errors,
            "spec.jwtRules[0].outputClaimToHeaders[1].header",
            "not a valid header name",
        );
    }

    #[test]
    fn claim_headers_are_strict_names() {
        // `:authority` and `x.y` are HTTP header names, but Istio allows
        // only letters, digits, `-` and `_` here.
        let errors = ra("jwtRules: [{issuer: a, outputClaimToHeaders: [{header: \":authority\", claim: x}, {header: x.y, claim: x}, {header: X-Sub_1, claim: sub}]}]");
        assert_error(
            &errors,
            "spec.jwtRules[0].outputClaimToHeaders[0].header",
            "\":authority\" is not a valid header name",
        );
        assert_error(
            &errors,
            "spec.jwtRules[0].outputClaimToHeaders[1].header",
            "not a valid header name",
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn space_delimited_claims_are_named() {
        assert_clean(&ra(
            "jwtRules: [{issuer: a, spaceDelimitedClaims: [scope, permissions]}]",
        ));
        let errors = ra("jwtRules: [{issuer: a, spaceDelimitedClaims: [scope, \"\"]}]");
        assert_error(
            &errors,
            "spec.jwtRules[0].spaceDelimitedClaims[1]",
            "space-delimited claim name must not be empty",
        );
    }

    #[test]
    fn timeout_at_least_1ms() {
        let errors = ra("jwtRules: [{issuer: a, timeout: 0s}]");
        assert_error(&errors, "spec.jwtRules[0].timeout", "greater than 1ms");
    }
}
