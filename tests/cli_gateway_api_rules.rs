//! The Gateway API CRDs' CEL validation rules end to end: `mesh validate`
//! reports each violated rule as IST0106 at the rule's field, with the CRD's
//! message, and nothing for the valid counterparts.

use std::process::Command;

const MESH: &str = env!("CARGO_BIN_EXE_mesh");

/// `name line:column field message` of each finding, sorted, and the exit code.
fn validate(file: &str) -> (i32, Vec<String>) {
    let out = Command::new(MESH)
        .args(["validate", "-o", "json", file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut lines: Vec<String> = findings
        .iter()
        .map(|f| {
            assert_eq!(f["code"], "IST0106", "{f}");
            let origin = f["origin"].as_str().unwrap();
            let message = f["message"].as_str().unwrap();
            format!(
                "{} {}:{} {} {}",
                origin.rsplit('/').next().unwrap(),
                f["line"],
                f["column"],
                f["field"].as_str().unwrap(),
                message
                    .strip_prefix("Schema validation error: ")
                    .unwrap_or(message)
            )
        })
        .collect();
    lines.sort();
    (out.status.code().unwrap_or(-1), lines)
}

fn sorted(lines: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    lines.sort();
    lines
}

#[test]
fn rules_both_route_kinds_share() {
    let (code, found) = validate("testdata/gateway-api/invalid/both-kinds.yaml");
    assert_eq!(code, 79);
    assert_eq!(found, sorted(&[
        "header-modifier-twice 67:5 spec.rules[0].filters RequestHeaderModifier filter cannot be repeated",
        "mirror-fraction-above-one 100:9 spec.rules[0].filters[0].requestMirror.fraction numerator must be less than or equal to denominator",
        "same-parent-same-port 20:3 spec.parentRefs sectionName or port must be unique when parentRefs includes 2 or more references to the same parent",
        "service-without-port 48:7 spec.rules[0].backendRefs[0] Must have port for Service reference",
        "duplicate-rule-names 36:3 spec.rules Rule name must be unique within the route",
        "filter-without-its-field 58:7 spec.rules[0].filters[0] filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type",
        "mirror-percent-and-fraction 84:7 spec.rules[0].filters[0].requestMirror Only one of percent or fraction may be specified in HTTPRequestMirrorFilter",
        "permanent-cookie-without-timeout 109:5 spec.rules[0].sessionPersistence AbsoluteTimeout must be specified when cookie lifetimeType is Permanent",
        "same-parent-twice 9:3 spec.parentRefs sectionName or port must be specified when parentRefs includes 2 or more references to the same parent",
    ]));
}

#[test]
fn httproute_rules() {
    let (code, found) = validate("testdata/gateway-api/invalid/httproute.yaml");
    assert_eq!(code, 79);
    assert_eq!(found, sorted(&[
        "backend-timeout-too-long 82:5 spec.rules[0].timeouts backendRequest timeout cannot be longer than request timeout",
        "cors-wildcard-among-origins 96:9 spec.rules[0].filters[0].cors.allowOrigins AllowOrigins cannot contain '*' alongside other origins",
        "dot-segment-path-match 73:7 spec.rules[0].matches[0].path must not contain '/../' when type one of ['Exact', 'PathPrefix']",
        "external-auth-protocol-mismatch 107:7 spec.rules[0].filters[0].externalAuth http must be specified when protocol is set to 'HTTP'",
        "full-path-type-without-value 53:9 spec.rules[0].filters[0].urlRewrite.path replaceFullPath must be specified when type is set to 'ReplaceFullPath'",
        "prefix-rewrite-without-prefix-match 36:5 spec.rules[0] When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
        "redirect-and-rewrite 9:5 spec.rules[0].filters May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both",
        "redirect-with-backends 22:5 spec.rules[0] RequestRedirect filter must not be used together with backendRefs",
        "relative-path-match 63:7 spec.rules[0].matches[0].path value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
    ]));
}

#[test]
fn grpcroute_rules() {
    let (code, found) = validate("testdata/gateway-api/invalid/grpcroute.yaml");
    assert_eq!(code, 79);
    assert_eq!(found, sorted(&[
        "method-match-without-names 10:7 spec.rules[0].matches[0].method One or both of 'service' or 'method' must be specified",
        "method-with-dot 30:7 spec.rules[0].matches[0].method method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)",
        "mirror-type-with-header-field 40:7 spec.rules[0].filters[0] filter.requestHeaderModifier must be nil if the filter.type is not RequestHeaderModifier",
        "service-with-slash 20:7 spec.rules[0].matches[0].method service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)",
    ]));
}

#[test]
fn valid_counterparts_have_no_findings() {
    let (_, found) = validate("testdata/gateway-api/valid/routes.yaml");
    assert_eq!(found, Vec::<String>::new());
}

/// `code line field` of each finding of `mesh analyze -o json` with `prefix`
/// (but GRPC083, which is about the client Deployment itself).
fn analyze(file: &str, prefix: &str) -> Vec<String> {
    let out = Command::new(MESH)
        .args(["analyze", "-o", "json", "--ignore", "GRPC083", file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    findings
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with(prefix))
        .map(|f| {
            assert_eq!(f["origin"], "HTTPRoute ns/echo", "{f}");
            format!(
                "{} {} {}",
                f["code"].as_str().unwrap(),
                f["line"],
                f["field"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn grpc_rules_judge_the_fields_of_a_mesh_route_at_the_route() {
    // The route reaches proxyless clients as the VirtualService istiod
    // generates: its filters are what the GRPC rules judge, where written.
    let mut found = analyze("testdata/gateway-api/grpc/httproute-filters.yaml", "GRPC");
    found.sort();
    assert_eq!(
        found,
        [
            "GRPC001 38 spec.rules[1].filters",
            "GRPC002 38 spec.rules[1].filters",
            "GRPC003 31 spec.rules[0].filters",
            "GRPC004 31 spec.rules[0].filters",
        ]
    );
}
