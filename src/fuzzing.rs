//! Entry points of the fuzz targets (`fuzz/fuzz_targets/*.rs`): one per
//! reader of untrusted input, each taking the fuzzer's bytes down the path
//! the command takes, through the same library functions, to the text it
//! prints. `tests/fuzz_corpus.rs` replays the checked-in corpora
//! (`fuzz/corpus/TARGET`) through these functions in plain `cargo test`, so
//! an input that once crashed stays fixed.
//!
//! Any panic, hang or runaway allocation on any input is a bug. The results
//! are thrown away: what is tested is that producing them ends well.

use std::sync::OnceLock;

use crate::analyze::{self, Selection};
use crate::diagnostic::{Diagnostic, Level};
use crate::grpc_support::Runtime;
use crate::index::Index;
use crate::output::{self, Format, Style};
use crate::proxyconfig::filter::Filters;
use crate::proxyconfig::{self, secrets, table, Dump, Resource, ResourceKind};
use crate::xds::bootstrap::{self, BootstrapOptions, Flavour};
use crate::xds::render::RenderOptions;
use crate::xds::{json, Proxy, ResourceType};

/// A fuzz target's body: the fuzzer's bytes in, nothing out.
pub type Target = fn(&[u8]);

/// The targets, by the names of their corpus directories.
pub const TARGETS: &[(&str, Target)] = &[
    ("loader", loader),
    ("analyze", analyze),
    ("xds_render", xds_render),
    ("kube_inject", kube_inject),
    ("csds_dump", csds_dump),
    ("envoy_dump", envoy_dump),
    ("channelz_health", channelz_health),
];

/// `mesh validate FILE`: bytes → source file → documents → typed objects →
/// validation → text output, then the index.
pub fn loader(data: &[u8]) {
    let Ok(file) = crate::source::from_bytes("fuzz.yaml", data.to_vec()) else {
        return;
    };
    let loaded = crate::load::load_files(vec![file]);
    let diagnostics = crate::validate::validate(&loaded.objects);
    let _ = output::render(
        Format::Text,
        &diagnostics,
        text_style(),
        &Default::default(),
    );
    let index = Index::build(loaded.objects, Default::default());
    let _ = index.workloads().len();
}

/// `mesh analyze FILE` with every rule, then again with
/// `--assume-proxyless`; findings printed in every output format.
pub fn analyze(data: &[u8]) {
    let Some(index) = index_of(data) else {
        return;
    };
    let selection = Selection::default();
    let _ = analyze::proxyless::nothing_to_check(&index, &selection);
    let found = analyze::analyze_for(&index, &selection, Runtime::Any);
    print_findings(analyze::suppress::apply(found, &[], &index));
    let index = crate::semantics::assumed::with_assumed_proxyless(index);
    let found = analyze::analyze_for(&index, &selection, Runtime::Any);
    print_findings(analyze::suppress::apply(found, &[], &index));
}

/// `mesh xds render FILE --all-proxyless` (as a table and as JSON) and
/// `mesh xds bootstrap` of each workload, then the same for the clients
/// and servers `--assume-proxyless` assumes.
pub fn xds_render(data: &[u8]) {
    let Some(index) = index_of(data) else {
        return;
    };
    render_all_proxyless(&index);
    let index = crate::semantics::assumed::with_assumed_proxyless(index);
    render_all_proxyless(&index);
}

/// `mesh kube-inject -f FILE` (and `--diff`) with the built-in templates
/// and values, as sidecars and as native sidecars.
pub fn kube_inject(data: &[u8]) {
    static INJECTORS: OnceLock<Vec<crate::inject::Injector>> = OnceLock::new();
    let injectors = INJECTORS.get_or_init(|| {
        [false, true]
            .into_iter()
            .map(|native_sidecars| {
                crate::inject::Injector::new(crate::inject::Settings {
                    native_sidecars,
                    ..Default::default()
                })
                .expect("the built-in injector config loads")
            })
            .collect()
    });
    let Ok(file) = crate::source::from_bytes("fuzz.yaml", data.to_vec()) else {
        return;
    };
    for injector in injectors {
        let Ok(injected) = crate::inject::inject_text(injector, &file.name, &file.text) else {
            continue;
        };
        let _ = similar::TextDiff::from_lines(&file.text, &injected.text)
            .unified_diff()
            .context_radius(3)
            .header(&file.name, "injected")
            .to_string();
    }
}

/// `mesh proxy-config WHAT --addr HOST:PORT` of a gRPC app, whose CSDS
/// answer is these bytes (a `ClientStatusResponse` on the wire), and
/// `mesh proxy-config WHAT --file DUMP` of the bytes as a saved dump.
pub fn csds_dump(data: &[u8]) {
    use prost::Message;
    if let Ok(response) =
        envoy_types::pb::envoy::service::status::v3::ClientStatusResponse::decode(data)
    {
        print_dump(&proxyconfig::csds::response_to_dump(&response));
    }
    saved_dump(data);
}

/// `mesh proxy-config WHAT --file DUMP`, and `--addr HOST:PORT` of an Envoy
/// whose `/config_dump` and `/clusters?format=json` both answer these bytes.
pub fn envoy_dump(data: &[u8]) {
    saved_dump(data);
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let hosts = proxyconfig::envoy::host_statuses(&value);
    if let Ok(mut dump) = Dump::from_json(value) {
        dump.hosts = hosts;
        print_dump(&dump);
    }
}

/// `mesh proxy-config channelz|health --file SAVED` of the bytes (every
/// output format), and the tables of a channelz snapshot that arrived as
/// these bytes on the wire.
pub fn channelz_health(data: &[u8]) {
    use crate::proxyconfig::admin_protos::mesh::v1::ChannelzSnapshot;
    use crate::proxyconfig::{channelz, health};
    let print_channelz = |snapshot: &ChannelzSnapshot| {
        let _ = output::channelz::tables(&channelz::view(snapshot));
        if let Ok((json, _)) = channelz::to_json(snapshot) {
            let _ = output::yaml::to_yaml(&json);
        }
    };
    if let Ok(snapshot) = <ChannelzSnapshot as prost::Message>::decode(data) {
        print_channelz(&snapshot);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(snapshot) = channelz::from_json(text) {
        print_channelz(&snapshot);
    }
    if let Ok(mut statuses) = health::from_json(text) {
        let _ = output::health::table(&health::view(&statuses));
        health::select(&mut statuses, &["".into(), "a".into()]);
        if let Ok(json) = health::to_json(&statuses) {
            let _ = output::yaml::to_yaml(&json);
        }
    }
}

fn text_style() -> Style {
    Style {
        color: false,
        failure_threshold: Level::Error,
    }
}

/// The index the commands that read config build: the mesh config from
/// the inputs' `istio` ConfigMap, the default cluster domain.
fn index_of(data: &[u8]) -> Option<Index> {
    let file = crate::source::from_bytes("fuzz.yaml", data.to_vec()).ok()?;
    let loaded = crate::load::load_files(vec![file]);
    let mesh_config = crate::validate::mesh_config_for(&loaded.objects, None);
    Some(Index::build_in_domain(
        loaded.objects,
        mesh_config,
        crate::index::DEFAULT_CLUSTER_DOMAIN,
    ))
}

fn print_findings(mut diagnostics: Vec<Diagnostic>) {
    crate::diagnostic::locate_all(&mut diagnostics);
    crate::diagnostic::sort_and_dedup(&mut diagnostics);
    for format in [
        Format::Text,
        Format::Json,
        Format::Yaml,
        Format::Sarif,
        Format::Junit,
        Format::Github,
    ] {
        let _ = output::render(format, &diagnostics, text_style(), &Default::default());
    }
}

fn render_all_proxyless(index: &Index) {
    let proxies = Proxy::all_proxyless(index);
    let options = RenderOptions {
        targets: Vec::new(),
        server_address: Some("0.0.0.0".into()),
    };
    let rendered = crate::xds::render_each(index, &proxies, &options, |proxy, rendered, _| {
        let resources = rendered.ok()?;
        let sizes = ResourceType::ALL.map(|kind| resources.size_of(kind));
        let packed = resources.packed(&ResourceType::ALL);
        let table: Vec<String> = packed
            .iter()
            .map(|r| format!("{} {} {}", r.kind.short_name(), r.name, r.summary))
            .collect();
        let items = packed
            .iter()
            .map(|r| json::any_to_json(&r.any))
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        let name = format!("{}/{}", proxy.namespace, proxy.pod_name);
        Some((
            sizes,
            table,
            serde_json::json!({"workload": name, "resources": items}),
        ))
    });
    let documents: Vec<serde_json::Value> = rendered.into_iter().flatten().map(|r| r.2).collect();
    let value = serde_json::Value::Array(documents);
    let _ = serde_json::to_string_pretty(&value);
    let _ = output::yaml::to_yaml(&value);
    for proxy in &proxies {
        for flavour in [Flavour::GrpcAgent, Flavour::GrpcSimple] {
            let options = BootstrapOptions {
                flavour,
                xds_address: None,
                cert_dir: bootstrap::DEFAULT_CERT_DIR.into(),
                istio_namespace: index.mesh_config.root_namespace.clone(),
                cluster_domain: index.cluster_domain.clone(),
            };
            let _ = serde_json::to_string_pretty(&bootstrap::bootstrap(proxy, &options));
        }
    }
}

/// A saved dump as `--file` reads it: UTF-8 text, then JSON.
fn saved_dump(data: &[u8]) {
    // `rootca-compare --file` of a PEM bundle.
    let _ = proxyconfig::rootca::of_pem(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `log`: an Envoy whose `/logging` answers this text.
    let _ = proxyconfig::logging::to_json(text);
    if let Ok(dump) = Dump::parse(text) {
        print_dump(&dump);
    }
}

/// Everything `mesh proxy-config` prints of a dump: each table, with and
/// without filters, the JSON and YAML records, the bootstrap, the whole
/// dump, and the live side of `diff`.
fn print_dump(dump: &Dump) {
    let _ = serde_json::to_string_pretty(&*dump.raw);
    if let Some(bootstrap) = &dump.bootstrap {
        let _ = secrets::bootstrap_summary(bootstrap);
        let _ = output::yaml::to_yaml(bootstrap);
    }
    let filters = [
        Filters::default(),
        Filters {
            port: Some(7070),
            address: Some("10.0.0.1".into()),
            ..Filters::default()
        },
        Filters {
            fqdn: Some("svc.cluster.local".into()),
            direction: Some("outbound".into()),
            subset: Some("v1".into()),
            cluster: Some("outbound".into()),
            status: Some("HEALTHY".into()),
            ..Filters::default()
        },
    ];
    for filters in &filters {
        let selected: Vec<&Resource> = dump.resources.iter().filter(|r| filters.keeps(r)).collect();
        let _ = table::status(&selected);
        for kind in [
            ResourceKind::Listener,
            ResourceKind::Route,
            ResourceKind::Cluster,
            ResourceKind::Endpoint,
            ResourceKind::ExtensionConfig,
        ] {
            let of: Vec<&Resource> = selected
                .iter()
                .copied()
                .filter(|r| r.kind == kind)
                .collect();
            let _ = table::for_kind(&kind, &of);
        }
        let secret: Vec<&Resource> = selected
            .iter()
            .copied()
            .filter(|r| r.kind == ResourceKind::Secret)
            .collect();
        let rows = secrets::secret_rows(&secret);
        let _ = table::secrets(&rows);
        let hosts: Vec<&proxyconfig::envoy::HostStatus> = dump
            .hosts
            .iter()
            .filter(|h| filters.keeps_host(h))
            .collect();
        let _ = table::endpoint_hosts(&hosts);
        let mut records: Vec<serde_json::Value> = selected.iter().map(|r| r.to_json()).collect();
        records.extend(rows.iter().map(secrets::SecretRow::to_json));
        records.extend(hosts.iter().map(|h| h.to_json()));
        let records = serde_json::Value::Array(records);
        let _ = serde_json::to_string_pretty(&records);
        let _ = output::yaml::to_yaml(&records);
    }
    if let Ok(roots) = proxyconfig::rootca::of_dump(dump) {
        let _ = proxyconfig::rootca::common(&roots, &roots);
    }
    let _ = proxyconfig::diff::render_targets(dump);
    let live: Vec<&Resource> = dump.resources.iter().collect();
    let _ = proxyconfig::diff::compare(&live, &[]);
}
