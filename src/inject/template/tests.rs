use serde_json::json;

use super::*;

pub(super) fn run(text: &str, data: Json) -> String {
    match render("t", text, &data) {
        Ok(out) => out,
        Err(error) => panic!("{error}"),
    }
}

pub(super) fn fails(text: &str, data: Json) -> String {
    match render("t", text, &data) {
        Ok(out) => panic!("expected an error, got {out:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn text_and_fields_by_go_name() {
    let data = json!({"ObjectMeta": {"annotations": {"a": "b"}, "name": "x"}, "TypeMeta": {"apiVersion": "v1"}});
    assert_eq!(
        run("n={{ .ObjectMeta.Name }} v={{.TypeMeta.APIVersion}}", data),
        "n=x v=v1"
    );
}

#[test]
fn trim_markers_remove_whitespace_on_their_side_only() {
    assert_eq!(run("a  \n {{- 1 }}  b", json!({})), "a1  b");
    assert_eq!(run("a {{ 1 -}} \n  b", json!({})), "a 1b");
    assert_eq!(run("a {{- /* note */ -}} b", json!({})), "ab");
    // A dash without a space is a negative number, not a trim marker.
    assert_eq!(run("a {{-3}}", json!({})), "a -3");
}

#[test]
fn if_else_if_else_chains() {
    let t = "{{ if eq .x 1 }}one{{ else if eq .x 2 }}two{{ else }}many{{ end }}";
    assert_eq!(run(t, json!({"x": 1})), "one");
    assert_eq!(run(t, json!({"x": 2})), "two");
    assert_eq!(run(t, json!({"x": 3})), "many");
}

#[test]
fn range_over_lists_and_sorted_maps_with_variables() {
    assert_eq!(
        run(
            "{{ range $i, $v := .l }}{{$i}}={{$v}};{{ end }}",
            json!({"l": ["a", "b"]})
        ),
        "0=a;1=b;"
    );
    assert_eq!(
        run(
            "{{ range $k, $v := .m }}{{$k}}={{$v}};{{ end }}",
            json!({"m": {"z": 1, "a": 2}})
        ),
        "a=2;z=1;"
    );
    assert_eq!(
        run("{{ range .l }}x{{ else }}empty{{ end }}", json!({"l": []})),
        "empty"
    );
    assert_eq!(
        run(
            "{{ range .l }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }}",
            json!({"l": [1, 2, 3]})
        ),
        "1"
    );
}

#[test]
fn variables_are_assigned_across_scopes() {
    let t = "{{- $c := list }}{{ range .l }}{{ if ne . \"skip\" }}{{ $c = append $c . }}{{ end }}{{ end }}{{ $c | join \",\" }}";
    assert_eq!(run(t, json!({"l": ["a", "skip", "b"]})), "a,b");
    assert!(fails("{{ $x = 1 }}", json!({})).contains("undefined variable"));
}

#[test]
fn with_rebinds_dot_and_dollar_keeps_the_root() {
    assert_eq!(
        run(
            "{{ with .a }}{{ .b }}{{ $.c }}{{ end }}",
            json!({"a": {"b": 1}, "c": 2})
        ),
        "12"
    );
    assert_eq!(
        run("{{ with .missing }}x{{ else }}y{{ end }}", json!({})),
        "y"
    );
}

#[test]
fn define_and_template_call_with_data() {
    let t = "{{ define \"r\" }}[{{ .v }}]{{ end }}{{ template \"r\" . }}{{ block \"b\" . }}b{{ .v }}{{ end }}";
    assert_eq!(run(t, json!({"v": 7})), "[7]b7");
}

#[test]
fn parenthesised_pipelines_and_field_chains() {
    assert_eq!(
        run(
            "{{ (.Values.pilot.env).X }}",
            json!({"Values": {"pilot": {"env": {"X": "y"}}}})
        ),
        "y"
    );
    assert_eq!(run("{{ .a | default \"d\" | quote }}", json!({})), "\"d\"");
}

#[test]
fn and_or_short_circuit_and_return_operands() {
    assert_eq!(run("{{ or .a .b }}", json!({"a": "", "b": "B"})), "B");
    assert_eq!(run("{{ and .a (index .a 0) }}", json!({"a": []})), "[]");
}

#[test]
fn printf_verbs_as_go_writes_them() {
    assert_eq!(
        run(
            "{{ printf \"%s-%d-%t-%v-%q\" \"a\" 3 true 1.5 \"x\" }}",
            json!({})
        ),
        "a-3-true-1.5-\"x\""
    );
    assert_eq!(run("{{ printf \"%t\" .n }}", json!({"n": false})), "false");
}

#[test]
fn istio_indent_leaves_the_first_line_and_nindent_does_not() {
    assert_eq!(run("{{ \"a\\nb\" | indent 2 }}", json!({})), "a\n  b");
    assert_eq!(run("{{ \"a\\nb\" | nindent 2 }}", json!({})), "\n  a\n  b");
}

#[test]
fn istio_functions() {
    let data = json!({"ObjectMeta": {"annotations": {"k": "v"}}, "d": "def"});
    assert_eq!(
        run(
            "{{ annotation .ObjectMeta `k` .d }} {{ annotation .ObjectMeta `x` .d }}",
            data.clone()
        ),
        "v def"
    );
    assert_eq!(
        run(
            "{{ isset .ObjectMeta.Annotations `k` }} {{ isset .ObjectMeta.Annotations `x` }}",
            data
        ),
        "true false"
    );
    assert_eq!(run("{{ valueOrDefault \"\" `K` }}", json!({})), "K");
    assert_eq!(
        run(
            "{{ excludeInboundPort 15020 \"\" }}|{{ excludeInboundPort 15020 \"1,15020\" }}",
            json!({})
        ),
        "15020|1,15020"
    );
    assert_eq!(
        run(
            "{{ toYaml .r | indent 2 }}",
            json!({"r": {"b": 1, "a": {"c": "x"}}})
        ),
        "a:\n    c: x\n  b: 1\n  "
    );
    assert_eq!(
        run("{{ \"abcdef-\" | trunc 7 | trimAll \"-\" }}", json!({})),
        "abcdef"
    );
    assert_eq!(
        run(
            "{{ structToJSON .p }}",
            json!({"p": {"containerPort": 80, "name": "http"}})
        ),
        "{\"name\":\"http\",\"containerPort\":80}"
    );
}

#[test]
fn comparison_of_missing_values_with_zero_values() {
    assert_eq!(
        run(
            "{{ eq .missing \"\" }} {{ eq .missing 0 }} {{ ne .missing \"x\" }}",
            json!({})
        ),
        "true true true"
    );
    assert_eq!(run("{{ ge (len .l) 1 }}", json!({"l": [1]})), "true");
}

#[test]
fn errors_name_the_template_and_line() {
    let error = fails("ok\n{{ nosuchfunc 1 }}", json!({}));
    assert!(
        error.contains("\"t\":2") && error.contains("nosuchfunc"),
        "{error}"
    );
    assert!(fails("{{ if .a }}", json!({})).contains("without {{end}}"));
    assert!(fails("{{ template \"none\" }}", json!({})).contains("no such template"));
    assert!(fails("{{ \"unterminated }}", json!({})).contains("unterminated"));
}

#[test]
fn hostile_templates_are_bounded() {
    let recursive = "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}";
    assert!(fails(recursive, json!({})).contains("nest deeper"));
    let wide = "{{ range .l }}{{ range $.l }}{{ range $.l }}{{ range $.l }}xxxxxxxxxx{{ end }}{{ end }}{{ end }}{{ end }}";
    let list: Vec<u32> = (0..200).collect();
    let error = fails(wide, json!({ "l": list }));
    assert!(
        error.contains("steps") || error.contains("exceeds"),
        "{error}"
    );
    let deep = format!("{}{}", "{{ if 1 }}".repeat(500), "{{ end }}".repeat(500));
    assert!(fails(&deep, json!({})).contains("nesting"));
}

#[test]
fn hostile_numbers_are_bounded() {
    // Integer edges wrap as Go's do, or saturate as sub and mul do, rather
    // than overflowing.
    assert_eq!(
        run("{{ add 9223372036854775807 1 }}", json!({})),
        "9223372036854775807"
    );
    let min = "(sub -9223372036854775807 1)";
    assert_eq!(
        run(&format!("{{{{ div {min} -1 }}}}"), json!({})),
        "-9223372036854775808"
    );
    assert_eq!(run(&format!("{{{{ mod {min} -1 }}}}"), json!({})), "0");
    // Counts of spaces are capped, as repeat's is.
    for text in [
        "{{ indent 99999999999999 .t }}",
        "{{ nindent 99999999999999 \"a\" }}",
        "{{ printf \"%99999999999999d\" 1 }}",
        "{{ printf \"%.99999999999999f\" 1.5 }}",
        "{{ repeat 99999999999999 \"a\" }}",
    ] {
        assert!(run(text, json!({"t": "a\nb"})).len() <= 10_010, "{text}");
    }
}

#[test]
fn set_changes_a_map_held_in_a_variable() {
    let t = "{{ $d := dict \"a\" 1 }}{{ $_ := set $d \"b\" 2 }}{{ $d.b }}";
    assert_eq!(run(t, json!({})), "2");
    let nested = "{{ $n := dict \"in\" (dict) }}{{ $_ := set $n.in \"k\" \"v\" }}{{ $n.in.k }}";
    assert_eq!(run(nested, json!({})), "v");
    // It also returns the map, as sprig's does.
    assert_eq!(
        run("{{ set (dict \"a\" 1) \"b\" 2 | toJson }}", json!({})),
        r#"{"a":1,"b":2}"#
    );
}
