use super::*;
use rules::Compiled;

/// The findings for a document of `kind` (a vendored CRD's title) as `path: message`.
fn findings(title: &str, document: Json) -> Vec<String> {
    let crd = CRDS.iter().find(|crd| crd.title == title).expect(title);
    check_document(crd.root(), &document)
        .into_iter()
        .map(|f| format!("{} {}: {}", f.level, f.path, f.message))
        .collect()
}

fn httproute(spec: Json) -> Json {
    serde_json::json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "r", "namespace": "default"}, "spec": spec,
    })
}

const HTTPROUTE: &str = "HTTPRoute gateway.networking.k8s.io/v1";

#[test]
fn every_vendored_rule_compiles_and_calls_only_defined_functions() {
    let mut checked = 0;
    let mut transition = Vec::new();
    for crd in CRDS.iter() {
        assert!(!crd.title.is_empty(), "a vendored schema has no title");
        crd.root().visit(&mut |node| {
            for rule in &node.rules {
                match &rule.compiled {
                    Compiled::Program(_) => checked += 1,
                    Compiled::Transition => transition.push(rule.source.clone()),
                    Compiled::Unsupported(why) => {
                        panic!("{}: rule {:?} {why}", crd.title, rule.source)
                    }
                }
            }
        });
    }
    assert_eq!(CRDS.len(), VENDORED.len());
    // GatewayClass's immutable controllerName, in v1 and v1beta1: the only
    // transition rules, not evaluated offline.
    assert_eq!(transition, ["self == oldSelf", "self == oldSelf"]);
    assert!(checked > 300, "{checked} rules");
}

#[test]
fn an_undefined_function_is_not_checked_never_passed() {
    let rule = Rule::compile(
        &serde_json::json!({"rule": "self.isFancy()", "message": "m"}),
        &ENV,
        &defined_function,
    );
    assert!(matches!(rule.compiled, Compiled::Unsupported(ref why) if why.contains("isFancy")));
    let node = Node {
        rules: vec![rule],
        ..Node::default()
    };
    let found = check_document(&node, &serde_json::json!("x"));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].level, Level::Warning);
    assert!(
        found[0].message.starts_with("validation rule not checked"),
        "{found:?}"
    );
}

#[test]
fn a_valid_route_has_no_findings() {
    let route = httproute(serde_json::json!({
        "parentRefs": [{"name": "gw", "sectionName": "http"}, {"name": "gw", "sectionName": "https"}],
        "hostnames": ["example.com"],
        "rules": [{
            "matches": [{"path": {"type": "PathPrefix", "value": "/api"}}],
            "filters": [{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/v2"}}}],
            "backendRefs": [{"name": "svc", "port": 8080}],
            "timeouts": {"request": "10s", "backendRequest": "5s"},
        }],
    }));
    assert_eq!(findings(HTTPROUTE, route), Vec::<String>::new());
}

#[test]
fn defaults_apply_before_the_rules() {
    // kind defaults to Service, so the port is required.
    let route = httproute(serde_json::json!({"rules": [{"backendRefs": [{"name": "svc"}]}]}));
    assert_eq!(
        findings(HTTPROUTE, route),
        ["Error spec.rules[0].backendRefs[0]: Must have port for Service reference"]
    );
}

#[test]
fn reserved_property_names_are_escaped() {
    // Same parent twice, told apart only by namespace: `__namespace__` in the rule.
    let route = httproute(serde_json::json!({
        "parentRefs": [{"name": "gw", "namespace": "a"}, {"name": "gw", "namespace": "b"}],
    }));
    assert_eq!(findings(HTTPROUTE, route), Vec::<String>::new());
    let route = httproute(serde_json::json!({
        "parentRefs": [{"name": "gw", "namespace": "a"}, {"name": "gw", "namespace": "a"}],
    }));
    assert_eq!(
        findings(HTTPROUTE, route),
        ["Error spec.parentRefs: sectionName or port must be unique when parentRefs includes 2 or more references to the same parent"]
    );
}

#[test]
fn durations_are_compared() {
    let route = httproute(
        serde_json::json!({"rules": [{"timeouts": {"request": "1s", "backendRequest": "1m"}}]}),
    );
    assert_eq!(
        findings(HTTPROUTE, route),
        ["Error spec.rules[0].timeouts: backendRequest timeout cannot be longer than request timeout"]
    );
}

#[test]
fn is_ip_and_substring_read_tls_hostnames() {
    let route = serde_json::json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "TLSRoute",
        "metadata": {"name": "r"},
        "spec": {"hostnames": ["10.0.0.1"], "rules": [{"backendRefs": [{"name": "s", "port": 443}]}]},
    });
    let found = findings("TLSRoute gateway.networking.k8s.io/v1", route);
    assert_eq!(
        found,
        ["Error spec.hostnames: Hostnames cannot contain an IP"]
    );
    assert!(
        kubernetes_is_ip("::1")
            && !kubernetes_is_ip("::ffff:1.2.3.4")
            && !kubernetes_is_ip("01.2.3.4")
    );
}

fn kubernetes_is_ip(text: &str) -> bool {
    let program = ENV.compile(&format!("isIP('{text}')")).unwrap();
    let mut context = Context::with_env(Arc::clone(&ENV));
    kubernetes::register(&mut context);
    program.execute(&context) == Ok(Value::Bool(true))
}

#[test]
fn wrong_types_leave_the_rules_unevaluated_and_say_so() {
    let route = httproute(serde_json::json!({"rules": [{"matches": "all"}]}));
    assert_eq!(
        findings(HTTPROUTE, route),
        ["Error spec.rules[0].matches: Invalid type: expected array, found string; the CRD's validation rules were not evaluated"]
    );
}

#[test]
fn lists_past_their_limit_are_not_iterated() {
    let parents: Vec<Json> = (0..10_000)
        .map(|_| serde_json::json!({"name": "gw"}))
        .collect();
    let route = httproute(serde_json::json!({"parentRefs": parents}));
    assert_eq!(
        findings(HTTPROUTE, route),
        ["Error spec.parentRefs: Too many: 10000: must have at most 32 items; the CRD's validation rules were not evaluated"]
    );
}

#[test]
fn a_runtime_error_is_reported() {
    let node = Node {
        rules: vec![Rule::compile(
            &serde_json::json!({"rule": "self.missing == 1"}),
            &ENV,
            &defined_function,
        )],
        ..Node::default()
    };
    let found = check_document(&node, &serde_json::json!({}));
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .message
            .contains("evaluating rule: self.missing == 1"),
        "{found:?}"
    );
}

#[test]
fn message_expression_and_field_path_are_honoured() {
    let node = Node {
        rules: vec![Rule::compile(
            &serde_json::json!({
                "rule": "self.a < 3", "message": "static",
                "messageExpression": "'a is ' + string(self.a)", "fieldPath": ".a",
            }),
            &ENV,
            &defined_function,
        )],
        preserve_unknown: true,
        ..Node::default()
    };
    let found = check_document(&node, &serde_json::json!({"a": 5}));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path.to_string(), "a");
    assert_eq!(found[0].message, "a is 5");
}

#[test]
fn escaping_follows_the_api_server() {
    assert_eq!(escape("namespace").as_deref(), Some("__namespace__"));
    assert_eq!(
        escape("a-b.c/d").as_deref(),
        Some("a__dash__b__dot__c__slash__d")
    );
    assert_eq!(escape("a__b").as_deref(), Some("a__underscores__b"));
    assert_eq!(escape("a b"), None);
}
