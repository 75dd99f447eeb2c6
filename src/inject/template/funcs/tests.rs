//! The functions whose behaviour comes from Go, sprig and Istio, each on
//! inputs shaped like the examples in their documentation.

use serde_json::{json, Value as Json};

use super::duration::go_duration_string;
use super::escape::is_print;
use super::istio::env_or_default;
use crate::inject::template::tests::{fails, run};
use crate::inject::template::Template;

fn parse_error(text: &str) -> String {
    match Template::parse("t", text) {
        Ok(_) => panic!("{text}: expected a parse error"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn durations_print_as_go_prints_them() {
    let second = 1_000_000_000i64;
    for (nanos, text) in [
        (0, "0s"),
        (1, "1ns"),
        (1_000, "1µs"),
        (1_100, "1.1µs"),
        (500_000_000, "500ms"),
        (1_500_000, "1.5ms"),
        (second, "1s"),
        (3 * second / 2, "1.5s"),
        (60 * second, "1m0s"),
        (60 * 60 * second, "1h0m0s"),
        ((2 * 3600 + 45 * 60) * second, "2h45m0s"),
        (3600 * second + 2 * 60 * second + 300_000_000, "1h2m0.3s"),
        (-90 * second, "-1m30s"),
        (i64::MIN, "-2562047h47m16.854775808s"),
    ] {
        assert_eq!(go_duration_string(nanos), text, "{nanos}ns");
    }
}

#[test]
fn format_duration_reads_protobuf_durations_from_the_data() {
    let t = "{{ formatDuration .d }}";
    for (duration, text) in [
        (json!("60s"), "1m0s"),
        (json!("1.5s"), "1.5s"),
        (json!("3600s"), "1h0m0s"),
        (json!("0.000001s"), "1µs"),
        (json!("-.5s"), "-500ms"),
        (json!({"seconds": "9900", "nanos": 0}), "2h45m0s"),
        (json!({"seconds": 1, "nanos": 500000000}), "1.5s"),
        // A nil *Duration formats as zero.
        (Json::Null, "0s"),
    ] {
        assert_eq!(run(t, json!({ "d": duration })), text, "{duration}");
    }
    // Go's duration syntax is not protobuf JSON.
    for bad in [json!("1m"), json!("01s"), json!("1.1234567891s"), json!(60)] {
        let error = fails(t, json!({ "d": bad }));
        assert!(error.contains("not a protobuf Duration"), "{error}");
    }
}

#[test]
fn html_escapes_markup_and_nul() {
    assert_eq!(
        run(r#"{{ html "<a href='x'>\"Tom\" & Jerry</a>" }}"#, json!({})),
        "&lt;a href=&#39;x&#39;&gt;&#34;Tom&#34; &amp; Jerry&lt;/a&gt;"
    );
    assert_eq!(run("{{ html .s }}", json!({"s": "a\u{0}b"})), "a\u{FFFD}b");
    assert_eq!(run("{{ .s | html }}", json!({"s": "plain"})), "plain");
}

#[test]
fn js_escapes_as_go_does() {
    assert_eq!(
        run(
            r#"{{ js "<b onclick='f(\"x\")'>a=b & c\\d</b>" }}"#,
            json!({})
        ),
        r#"\u003Cb onclick\u003D\'f(\"x\")\'\u003Ea\u003Db \u0026 c\\d\u003C/b\u003E"#
    );
    // Controls as \u00XX; printable non-ASCII as it is; other runes \uXXXX.
    assert_eq!(
        run("{{ js .s }}", json!({"s": "tab\there\nü\u{2028}\u{ad}"})),
        "tab\\u0009here\\u000Aü\\u2028\\u00AD"
    );
    assert!(is_print('é') && is_print(' ') && is_print('€'));
    assert!(!is_print('\u{a0}') && !is_print('\u{200b}') && !is_print('\u{e000}'));
}

#[test]
fn urlquery_is_go_query_escape() {
    assert_eq!(
        run(r#"{{ urlquery "a b&c=d/é?~_.-" }}"#, json!({})),
        "a+b%26c%3Dd%2F%C3%A9%3F~_.-"
    );
}

#[test]
fn escapers_join_their_arguments_as_sprint_does() {
    // Spaces only between operands that are both non-strings; a missing
    // value is Go's nil, printed `<no value>`.
    assert_eq!(run(r#"{{ html 1 2 "<" 3 }}"#, json!({})), "1 2&lt;3");
    assert_eq!(
        run("{{ urlquery .l }}", json!({"l": [1, "a"]})),
        "%5B1+a%5D"
    );
    assert_eq!(run("{{ html .missing }}", json!({})), "&lt;no value&gt;");
    assert_eq!(
        run("{{ js .missing }}", json!({})),
        "\\u003Cno value\\u003E"
    );
    assert_eq!(
        run("{{ urlquery 1 .missing 2 }}", json!({})),
        "1%3Cno+value%3E2"
    );
}

#[test]
fn semver_compare_with_masterminds_constraints() {
    let cases = [
        // Comparisons; a `v` prefix and partial versions are accepted.
        (">=1.2.3", "1.3.0", true),
        (">= 1.2.3", "1.2.2", false),
        ("=1.2.3", "v1.2.3", true),
        ("1.2.3", "1.2.4", false),
        ("!=1.2.3", "1.2.4", true),
        ("<1.2", "1.1.9", true),
        (">v1.2", "1.2.1", false),
        ("<=2.x", "2.9.9", true),
        ("<=2.x", "3.0.0", false),
        (">1", "1.9.0", false),
        ("*", "4.5.6", true),
        // Ranges: `,` or space is AND, `||` is OR, `A - B` is inclusive.
        (">= 1.2, < 3.0.0", "2.5.0", true),
        (">= 1.2 < 3.0.0", "3.0.0", false),
        ("<1.0 || >=2.0", "1.5.0", false),
        ("<1.0 || >=2.0", "2.0.0", true),
        ("1.2 - 1.4.5", "1.4.5", true),
        ("1.2 - 1.4.5", "1.4.6", false),
        ("2.3.4 - 4.5", "4.5.0", true),
        // Wildcards.
        ("1.2.x", "1.2.9", true),
        ("1.2.x", "1.3.0", false),
        (">= 1.2.x", "1.2.0", true),
        // Tilde: patch-level changes (minor-level with only a major).
        ("~1.2.3", "1.2.9", true),
        ("~1.2.3", "1.3.0", false),
        ("~1", "1.9.0", true),
        ("~2.3", "2.4.0", false),
        ("~1.x", "2.0.0", false),
        // Caret: changes that keep the first non-zero part.
        ("^1.2.3", "1.9.9", true),
        ("^1.2.3", "2.0.0", false),
        ("^2.x", "2.1.0", true),
        ("^0.2.3", "0.2.9", true),
        ("^0.2.3", "0.3.0", false),
        ("^0.0.3", "0.0.4", false),
        ("^0", "0.9.0", true),
        ("^0", "1.0.0", false),
        // Prereleases match only a group that names one.
        (">=1.2.3", "1.3.0-beta.1", false),
        (">=1.2.3-0", "1.3.0-beta.1", true),
        (">=1.2.3-beta.2", "1.2.3-beta.10", true),
        (">=1.2.3-beta.2", "1.2.3-beta.1", false),
        (">=1.2.3-alpha || >=2.0.0", "2.1.0-rc.1", true),
        // Build metadata is ignored.
        ("=1.2.3", "1.2.3+build.5", true),
    ];
    for (constraint, version, want) in cases {
        let t = format!("{{{{ semverCompare {constraint:?} {version:?} }}}}");
        assert_eq!(
            run(&t, json!({})),
            want.to_string(),
            "{constraint} {version}"
        );
    }
}

#[test]
fn semver_compare_rejects_what_masterminds_rejects_naming_it() {
    for constraint in ["", "abc", ">=1.2.3 <", ">=1|2"] {
        let t = format!("{{{{ semverCompare {constraint:?} \"1.2.3\" }}}}");
        let error = fails(&t, json!({}));
        assert!(
            error.contains("improper constraint") && error.contains(&format!("{constraint:?}")),
            "{error}"
        );
    }
    for version in ["1.2.3.4", "1.2.beta", "1.2.3-01", " 1.2.3"] {
        let t = format!("{{{{ semverCompare \">=1.0\" {version:?} }}}}");
        let error = fails(&t, json!({}));
        assert!(error.contains(&format!("{version:?}")), "{error}");
    }
}

#[test]
fn env_reads_the_injector_environment_with_istio_rule() {
    let lookup = |key: &str| match key {
        "SET" => Some("value".to_string()),
        "EMPTY" => Some(String::new()),
        _ => None,
    };
    let default = json!("fallback");
    assert_eq!(env_or_default("SET", &default, lookup), json!("value"));
    assert_eq!(env_or_default("EMPTY", &default, lookup), default);
    assert_eq!(env_or_default("UNSET", &default, lookup), default);

    // Through a template, from this process's own environment.
    let (key, value) = std::env::vars()
        .find(|(key, value)| !value.is_empty() && !key.contains('"'))
        .expect("the test runs with some environment");
    assert_eq!(
        run(&format!("{{{{ env {key:?} \"d\" }}}}"), json!({})),
        value
    );
    let unset = (0..)
        .map(|i| format!("MESH_TEMPLATE_UNSET_{i}"))
        .find(|key| std::env::var_os(key).is_none())
        .unwrap_or_default();
    assert_eq!(
        run(&format!("{{{{ env {unset:?} \"d\" }}}}"), json!({})),
        "d"
    );
}

fn otel_mesh() -> Json {
    json!({"extensionProviders": [
        {"name": "zipkin", "zipkin": {"service": "zipkin.istio-system.svc"}},
        {"name": "otel", "opentelemetry": {
            "service": "otel.observability.svc", "port": 4317,
            "serviceAttributeEnrichment": "OTEL_SEMANTIC_CONVENTIONS"}}
    ]})
}

fn otel(mesh: Json, annotations: Json, labels: Json, containers: Json) -> String {
    let data = json!({"m": mesh, "a": annotations, "l": labels, "c": containers, "ns": "shop"});
    run("{{ otelResourceAttributes .m .a .l .ns .c }}", data)
}

#[test]
fn otel_resource_attributes_follow_the_otel_fallbacks() {
    let app = json!([{"name": "cart", "image": "registry:5000/shop/cart:2.1"}]);
    assert_eq!(
        otel(otel_mesh(), json!({}), json!({}), app.clone()),
        "service.namespace=shop,service.version=2.1,service.instance.id=shop.$(POD_NAME).cart"
    );
    // Annotations first, then the version label, then the only image's tag
    // and digest.
    assert_eq!(
        otel(
            otel_mesh(),
            json!({"resource.opentelemetry.io/service.namespace": "retail",
                   "resource.opentelemetry.io/service.instance.id": "cart-1"}),
            json!({"app.kubernetes.io/version": "v7"}),
            app.clone()
        ),
        "service.namespace=retail,service.version=v7,service.instance.id=cart-1"
    );
    assert_eq!(
        otel(
            otel_mesh(),
            json!({"resource.opentelemetry.io/service.version": ""}),
            json!({}),
            json!([{"name": "cart", "image": "cart:2.1@sha256:ab"}])
        ),
        "service.namespace=shop,service.version=2.1@sha256:ab,service.instance.id=shop.$(POD_NAME).cart"
    );
    // With two containers the image says nothing; the first names the instance.
    assert_eq!(
        otel(
            otel_mesh(),
            json!({}),
            json!({}),
            json!([{"name": "a", "image": "a@sha256:cd"}, {"name": "b", "image": "b:1"}])
        ),
        "service.namespace=shop,service.instance.id=shop.$(POD_NAME).a"
    );
    // Only when a provider asks for the OpenTelemetry conventions (protojson
    // also writes the enum as its number).
    assert_eq!(otel(json!({}), json!({}), json!({}), app.clone()), "");
    let by_number =
        json!({"extension_providers": [{"opentelemetry": {"service_attribute_enrichment": 1}}]});
    assert!(otel(by_number, json!({}), json!({}), app).starts_with("service.namespace=shop"));
}

#[test]
fn otel_and_durations_reach_templates_through_kube_inject() {
    use crate::inject::{inject_text, Injector, Settings};
    use crate::model::MeshConfig;
    let template = r#"
spec:
  containers:
  - name: istio-proxy
    image: proxy
    env:
    - name: OTEL_RESOURCE_ATTRIBUTES
      value: "{{ otelResourceAttributes .MeshConfig .ObjectMeta.Annotations .ObjectMeta.Labels .DeploymentMeta.Namespace .Spec.Containers }}"
    - name: DRAIN
      value: "{{ formatDuration .ProxyConfig.TerminationDrainDuration }}"
"#;
    let mut mesh = otel_mesh();
    mesh["defaultConfig"] = json!({"terminationDrainDuration": "90s"});
    let injector = Injector::new(Settings {
        inject_config: Some((
            "config".into(),
            serde_json::to_string(template).unwrap_or_default(),
        )),
        mesh_config: Some(MeshConfig::from_json(mesh).expect("mesh config")),
        ..Settings::default()
    })
    .expect("injector");
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: cart\n  namespace: shop\nspec:\n  containers:\n  - name: cart\n    image: cart:3.0\n";
    let out = inject_text(&injector, "pod.yaml", pod)
        .expect("injected")
        .text;
    assert!(
        out.contains("value: service.namespace=shop,service.version=3.0,service.instance.id=shop.$(POD_NAME).cart"),
        "{out}"
    );
    assert!(out.contains("value: 1m30s"), "{out}");
}

#[test]
fn istio_helpers_as_istio_writes_them() {
    // path.Split keeps the trailing slash.
    assert_eq!(
        run(
            "{{ directory `/etc/certs/root.pem` }}|{{ directory `ca.pem` }}",
            json!({})
        ),
        "/etc/certs/|"
    );
    // Multus: comma lists gain `, NAME`; JSON lists an object before their
    // last `]`, their own text kept; present networks are left alone.
    let multus = |existing: &str| {
        run(
            "{{ appendMultusNetwork .e `default/istio-cni` }}",
            json!({ "e": existing }),
        )
    };
    assert_eq!(multus(""), "default/istio-cni");
    assert_eq!(multus("macvlan"), "macvlan, default/istio-cni");
    assert_eq!(
        multus("macvlan, default/istio-cni"),
        "macvlan, default/istio-cni"
    );
    assert_eq!(
        multus(r#"[ {"name":"macvlan"} ]"#),
        r#"[ {"name":"macvlan"} , {"name": "istio-cni", "namespace": "default"}]"#
    );
    let present = r#"[{"name": "istio-cni", "namespace": "default"}]"#;
    assert_eq!(multus(present), present);
    assert_eq!(multus("[not json]"), "[not json]");
    // Ports: TCP only; applicationPorts leaves the proxy out.
    let containers = json!({"c": [
        {"name": "app", "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}, {"containerPort": 9000, "protocol": "SCTP"}]},
        {"name": "istio-proxy", "ports": [{"containerPort": 15090, "protocol": "TCP"}]}
    ]});
    assert_eq!(
        run(
            "{{ includeInboundPorts .c }}|{{ applicationPorts .c }}",
            containers
        ),
        "80,15090|80"
    );
    // Istio's indent pads a negative count by its size.
    assert_eq!(run("{{ indent -2 \"a\\nb\" }}", json!({})), "a\n  b");
}

#[test]
fn json_and_yaml_functions_as_go_encodes() {
    let data = json!({"m": {"b": "<x & y>", "a": 1}, "n": {"a": 2}});
    assert_eq!(
        run("{{ toJson .m }}", data.clone()),
        r#"{"a":1,"b":"\u003cx \u0026 y\u003e"}"#
    );
    assert_eq!(
        run("{{ toPrettyJson .m }}", data.clone()),
        "{\n  \"a\": 1,\n  \"b\": \"\\u003cx \\u0026 y\\u003e\"\n}"
    );
    assert_eq!(
        run("{{ toJSON .missing }} {{ toJson .missing }}", json!({})),
        "{} null"
    );
    assert_eq!(
        run("{{ toJsonMap .m .n }}", data.clone()),
        r#"{"a":2,"b":"\u003cx \u0026 y\u003e"}"#
    );
    assert_eq!(run("{{ toJsonMap }}", json!({})), "null");
    assert_eq!(run("{{ (mergeMaps .m .n).a }}", data), "2");
    // Istio's fromJSON gives "{}" for text that is not JSON, sprig's nil.
    assert_eq!(
        run("{{ fromJSON `{oops` }}|{{ fromJson `{oops` }}", json!({})),
        "{}|"
    );
    assert_eq!(run("{{ (fromJSON `{\"a\":[1]}`).a }}", json!({})), "[1]");
    // So ranging over a bad annotation fails, as in Istio.
    let error = fails(
        "{{ range $k, $v := fromJSON .a }}{{ end }}",
        json!({"a": "[oops"}),
    );
    assert!(error.contains("range can't iterate over {}"), "{error}");
    // Istio's toYaml keeps the final newline.
    assert_eq!(run("{{ toYaml .m }}", json!({"m": {"a": 1}})), "a: 1\n");
}

#[test]
fn sprig_lists_and_dicts_as_sprig_builds_them() {
    assert_eq!(
        run("{{ list \"hello\" \"world\" | join \"_\" }}", json!({})),
        "hello_world"
    );
    // strslice: nils are dropped, a lone value is a list of itself.
    assert_eq!(run("{{ join \"+\" (list 1 nil 2 3) }}", json!({})), "1+2+3");
    assert_eq!(run("{{ join \",\" 7 }}", json!({})), "7");
    assert_eq!(
        run("{{ list 1 nil \"b\" | toStrings }}", json!({})),
        "[1 b]"
    );
    assert_eq!(
        run("{{ sortAlpha (list \"b\" \"a\" 10) }}", json!({})),
        "[10 a b]"
    );
    assert_eq!(run("{{ sortAlpha \"solo\" }}", json!({})), "[solo]");
    // A key without a value maps to the empty string.
    assert_eq!(
        run("{{ dict \"a\" 1 \"b\" | toJson }}", json!({})),
        r#"{"a":1,"b":""}"#
    );
    // keys keeps repeats across maps.
    assert_eq!(
        run(
            "{{ keys (dict \"a\" 1) (dict \"a\" 2 \"b\" 3) | sortAlpha }}",
            json!({})
        ),
        "[a a b]"
    );
    // sprig's slice: lists only, indexes checked, nothing from an empty list.
    assert_eq!(run("{{ slice (list 1 2 3 4) 1 3 }}", json!({})), "[2 3]");
    assert_eq!(run("{{ slice (list 1 2 3 4) 2 }}", json!({})), "[3 4]");
    assert_eq!(run("{{ slice (list) }}", json!({})), "");
    assert!(fails("{{ slice \"abc\" 1 }}", json!({})).contains("slice or array but string"));
    assert!(fails("{{ slice (list 1 2) 1 5 }}", json!({})).contains("out of range"));
}

#[test]
fn sprig_strings_and_types_as_sprig_gives_them() {
    assert_eq!(run("{{ title \"hello world\" }}", json!({})), "Hello World");
    assert_eq!(
        run("{{ title \"istio-proxy sidecar_x\" }}", json!({})),
        "Istio-Proxy Sidecar_x"
    );
    assert_eq!(
        run("{{ toString .missing }}|{{ toString 12 }}", json!({})),
        "<nil>|12"
    );
    assert_eq!(
        run(
            "{{ typeOf 1 }} {{ typeOf \"s\" }} {{ typeOf .l }} {{ typeOf .m }} {{ typeOf .missing }}",
            json!({"l": [], "m": {}})
        ),
        "int string []interface {} map[string]interface {} <nil>"
    );
    assert_eq!(
        run(
            r#"{{ regexMatch "^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[A-Za-z]{2,}$" "test@acme.com" }}"#,
            json!({})
        ),
        "true"
    );
    // A pattern that does not compile matches nothing.
    assert_eq!(run("{{ regexMatch \"(\" \"(\" }}", json!({})), "false");
}

#[test]
fn call_and_unimplemented_sprig_functions_are_refused_when_parsed() {
    let error = parse_error("{{ if .x }}{{ call .f 1 }}{{ end }}");
    assert!(
        error.contains("`call` is not supported: injection data holds no functions"),
        "{error}"
    );
    let error = parse_error("{{ sha256sum .x }}");
    assert!(
        error.contains(
            "function \"sha256sum\" not defined (sprig has it; mesh's template engine does not)"
        ),
        "{error}"
    );
    let error = parse_error("{{ toUpper .x }}");
    assert!(
        error.contains("function \"toUpper\" not defined"),
        "{error}"
    );
}

#[test]
fn every_function_the_parser_accepts_runs() {
    // Called without arguments, a function may complain about them, but
    // never that it does not exist.
    for name in super::NAMES {
        let template = Template::parse("t", &format!("{{{{ {name} }}}}"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Err(error) = template.render(&json!({})) {
            let error = error.to_string();
            assert!(!error.contains("not defined"), "{name}: {error}");
        }
    }
}
