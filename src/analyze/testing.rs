//! Test support shared by the rule families: run one rule over YAML and get
//! its findings as comparable tuples.

/// Runs one rule over a file and returns its findings as
/// (code, origin, line, field path, message), in source order.
pub(crate) fn run_rule(
    rule: &str,
    file: &str,
    text: &str,
) -> Vec<(String, String, u32, String, String)> {
    let loaded =
        crate::load::load_files(vec![crate::source::SourceFile::new(file, text.to_string())]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let index = crate::index::Index::build(loaded.objects, Default::default());
    let mut found: Vec<_> = crate::analyze::analyze(
        &index,
        &crate::analyze::Selection {
            select: vec![rule.into()],
            ignore: vec![],
        },
    )
    .into_iter()
    .map(|d| {
        (
            d.code.to_string(),
            d.origin.map(|o| o.to_string()).unwrap_or_default(),
            d.pos.map_or(0, |p| p.line),
            d.field.map(|f| f.to_string()).unwrap_or_default(),
            d.message,
        )
    })
    .collect();
    found.sort_by(|a, b| (a.2, &a.1, &a.3).cmp(&(b.2, &b.1, &b.3)));
    found
}

/// [`run_rule`] (file `t.yaml`) for an istiod release (`--istio`).
pub(crate) fn run_rule_with(
    rule: &str,
    release: &str,
    text: &str,
) -> Vec<(String, String, u32, String, String)> {
    let loaded = crate::load::load_files(vec![crate::source::SourceFile::new(
        "t.yaml",
        text.to_string(),
    )]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let mut index = crate::index::Index::build(loaded.objects, Default::default());
    index.istio_release = crate::semantics::IstioRelease::parse(release).unwrap();
    let selection = crate::analyze::Selection {
        select: vec![rule.into()],
        ignore: vec![],
    };
    crate::analyze::analyze(&index, &selection)
        .into_iter()
        .map(|d| {
            (
                d.code.to_string(),
                d.origin.map(|o| o.to_string()).unwrap_or_default(),
                d.pos.map_or(0, |p| p.line),
                d.field.map(|f| f.to_string()).unwrap_or_default(),
                d.message,
            )
        })
        .collect()
}

/// The expected finding tuple, for tests.
pub(crate) fn finding(
    code: &str,
    origin: &str,
    line: u32,
    field: &str,
    message: &str,
) -> (String, String, u32, String, String) {
    (
        code.into(),
        origin.into(),
        line,
        field.into(),
        message.into(),
    )
}

/// The proxyless server most GRPC rule tests start from: the `echo` Service
/// in `echo-grpc` and a grpc-agent Deployment behind it. A macro, so tests
/// can `concat!` it with their own documents into a `const`.
#[macro_export]
macro_rules! proxyless_echo_yaml {
    () => {
        "
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {app: echo}
  ports: [{name: grpc, port: 7070}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: echo-grpc}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      annotations: {inject.istio.io/templates: grpc-agent}
    spec:
      containers: [{name: app, image: echo}]
"
    };
}

/// A Service `echo` in namespace `ns` with a gRPC port (no selector): the
/// host the traffic-policy tests' DestinationRules name, so that proxyless
/// clients dial it. A macro, for `concat!`.
#[macro_export]
macro_rules! echo_service_yaml {
    () => {
        "apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ns}
spec:
  ports: [{name: grpc, port: 7070}]
---
"
    };
}
