//! The typed model and index over the bundled examples, as later consumers
//! (analyze, xds, inject) will use them.

use std::path::PathBuf;

use mesh::index::{Index, WorkloadKind};
use mesh::load::load_paths;
use mesh::model::{MeshConfig, Spec};
use mesh::source::{FieldPath, Pos, SourceFile};

fn examples(dir: &str) -> Index {
    let loaded = load_paths(&[PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir)]);
    // The examples' routing test files are not config, and said so.
    let problems: Vec<_> = loaded
        .errors
        .iter()
        .filter(|e| e.severity != mesh::source::InputSeverity::NotConfig)
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
    Index::build(loaded.objects, MeshConfig::default())
}

#[test]
fn a_field_path_answers_with_its_line_and_column() {
    let index = examples("bookinfo");
    let reviews = index
        .objects
        .iter()
        .find(|o| o.kind() == "VirtualService" && o.meta.name == "reviews")
        .unwrap();
    let path = FieldPath::parse("spec.http[1].route[0].destination.host").unwrap();
    let located = reviews.doc.locate(&path);
    assert!(reviews.doc.file.name.ends_with("virtual-services.yaml"));
    assert_eq!(
        located.key,
        Some(Pos {
            line: 22,
            column: 9
        })
    );
    assert_eq!(
        located.value,
        Pos {
            line: 22,
            column: 15
        }
    );
    // A path that does not exist lands on its nearest existing parent.
    let missing = FieldPath::parse("spec.http[1].route[0].destination.port.number").unwrap();
    assert_eq!(
        reviews.doc.locate(&missing).key,
        Some(Pos {
            line: 21,
            column: 7
        })
    );
}

#[test]
fn echo_grpc_is_typed_and_indexed() {
    let index = examples("echo-grpc");
    let host = "echo.echo-grpc.svc.cluster.local";
    let service = &index.services(host)[0];
    assert_eq!(
        (service.ports[0].port, service.ports[0].protocol.declared()),
        (7070, Some("GRPC"))
    );
    assert_eq!(index.destination_rules_for(host).len(), 2);
    assert_eq!(index.virtual_services_for(host).len(), 1);
    let proxyless: Vec<_> = index
        .workloads_in("echo-grpc")
        .filter(|w| {
            w.annotations
                .get("inject.istio.io/templates")
                .map(String::as_str)
                == Some("grpc-agent")
        })
        .map(|w| (w.name.as_str(), w.kind))
        .collect();
    assert_eq!(
        proxyless,
        [
            ("echo-v1", WorkloadKind::PodTemplate),
            ("echo-v2", WorkloadKind::PodTemplate)
        ]
    );
    let workload = index.workloads_in("echo-grpc").next().unwrap();
    let policies: Vec<_> = index
        .policies_for(workload)
        .into_iter()
        .map(|id| index.object(id).kind().to_string())
        .collect();
    assert_eq!(policies, ["PeerAuthentication"]);
    let vs = index.object(index.virtual_services_for(host)[0]);
    let Spec::VirtualService(spec) = &vs.spec else {
        panic!("typed")
    };
    let weights: Vec<_> = spec.http[0].route.iter().map(|r| r.weight).collect();
    assert_eq!(weights, [Some(20), Some(80)]);
}

#[test]
fn unknown_kinds_are_kept_whole_and_list_kinds_unwrapped() {
    let text = "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: t, namespace: ns}\nspec:\n  tracing: [{randomSamplingPercentage: 10}]\n---\napiVersion: v1\nkind: ServiceList\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a, namespace: ns}\n  spec: {ports: [{port: 80}]}\n";
    let loaded = mesh::load::load_files(vec![SourceFile::new("t.yaml", text.to_string())]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let telemetry = &loaded.objects[0];
    assert!(matches!(telemetry.spec, Spec::Raw));
    assert_eq!(
        telemetry.doc.raw["spec"]["tracing"][0]["randomSamplingPercentage"],
        10
    );
    let service = &loaded.objects[1];
    assert!(matches!(service.spec, Spec::Service(_)));
    assert_eq!((service.doc.item, service.doc.pos.line), (Some(0), 10));
}

#[test]
fn explicit_nulls_are_unset_fields_as_in_kubernetes() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: x\n    args:\n";
    let loaded = mesh::load::load_files(vec![SourceFile::new("t.yaml", text.to_string())]);
    let pod = &loaded.objects[0];
    assert!(pod.schema_errors.is_empty(), "{:?}", pod.schema_errors);
    let Spec::Pod(pod) = &pod.spec else {
        panic!("typed")
    };
    assert_eq!(pod.spec.as_ref().unwrap().containers[0].args, None);
}
