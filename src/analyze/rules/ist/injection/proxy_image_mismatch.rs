use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::lookup::{INJECTION_LABEL, REVISION_LABEL};
use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::index::{Index, DEFAULT_NAMESPACE};
use crate::model::{Object, Spec};
use crate::source::FieldPath;

declare_rule! {
    /// Pods in an injected namespace run a proxy image other than the injector's.
    ///
    /// ## What it checks
    /// With the injector ConfigMaps (`istio-sidecar-injector`, and
    /// `istio-sidecar-injector-REV` for revisions) among the inputs: pods in
    /// namespaces labelled `istio-injection: enabled` or `istio.io/rev` whose
    /// `istio-proxy` container (or init container) has an image other than the
    /// one that namespace's injector would add (istioctl's IST0158, reported on
    /// the Namespace with the pods' names). The injector's image is
    /// `global.proxy.image` of the ConfigMap's `values` when it contains a `/`,
    /// else `HUB/IMAGE:TAG` from `global.hub` and `global.tag`; an image with the
    /// pod's image type appended (`-distroless`, from the mesh config's
    /// `defaultConfig.image.imageType`, ProxyConfig resources or the pod's
    /// `proxy.istio.io/config`) matches too. Pods naming their own image with
    /// `sidecar.istio.io/proxyImage` are not reported.
    ///
    /// ## Why it matters
    /// After a control-plane upgrade, pods keep the proxy they were injected
    /// with until they are recreated: their proxies are older than istiod and
    /// may miss fixes or mis-handle its configuration.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Pod
    /// metadata: {name: details, namespace: shop}   # istio-injection: enabled
    /// spec:
    ///   containers:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.20.0      # the injector's is 1.21.0
    /// ```
    ///
    /// ## How to fix
    /// Restart the workloads in the namespace (for example `kubectl rollout restart deployment -n NAMESPACE`) so they are injected with the current proxy.
    pub static RULE = { code: "IST0158", name: "proxy-image-mismatch", level: Warning, check: check };
}

const INJECTOR_CONFIG_MAP: &str = "istio-sidecar-injector";
const PROXY_IMAGE_ANNOTATION: &str = "sidecar.istio.io/proxyImage";
const PROXY_CONFIG_ANNOTATION: &str = "proxy.istio.io/config";

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let images = injector_images(index);
    if images.is_empty() {
        return;
    }
    let image_types = ImageTypes::new(index);
    // Namespace name -> the injector ConfigMap its label names.
    let mut injected: BTreeMap<&str, (&Object, String)> = BTreeMap::new();
    for object in &index.objects {
        if !matches!(object.spec, Spec::Namespace(_)) {
            continue;
        }
        let labels = &object.meta.labels;
        let revision = match labels.get(REVISION_LABEL) {
            Some(revision) => revision.as_str(),
            None if labels.get(INJECTION_LABEL).is_some_and(|v| v == "enabled") => "default",
            None => continue,
        };
        let config_map = if revision.is_empty() || revision == "default" {
            INJECTOR_CONFIG_MAP.to_string()
        } else {
            format!("{INJECTOR_CONFIG_MAP}-{revision}")
        };
        injected.insert(&object.meta.name, (object, config_map));
    }
    let mut mismatched: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for object in &index.objects {
        let Spec::Pod(pod) = &object.spec else {
            continue;
        };
        let Some(spec) = &pod.spec else { continue };
        let namespace = object.namespace_or(DEFAULT_NAMESPACE);
        let Some((_, config_map)) = injected.get(namespace) else {
            continue;
        };
        if object
            .meta
            .annotations
            .get(PROXY_IMAGE_ANNOTATION)
            .is_some_and(|v| !v.is_empty())
        {
            continue;
        }
        let Some(Some(expected)) = images.get(config_map.as_str()) else {
            continue;
        };
        let image_type = image_types.for_pod(object);
        let with_type = format!("{expected}-{image_type}");
        let stale = crate::model::pod::all_containers(spec)
            .filter(|c| c.name == "istio-proxy")
            .any(|c| {
                let image = c.image.as_deref().unwrap_or("");
                image != expected && image != with_type
            });
        if stale {
            mismatched
                .entry(namespace)
                .or_default()
                .insert(&object.meta.name);
        }
    }
    for (namespace, pods) in mismatched {
        let (object, config_map) = &injected[namespace];
        let names: Vec<&str> = pods.into_iter().collect();
        findings
            .report(
                object,
                &FieldPath::root().field("metadata").field("labels"),
                format!(
                    "The Istio proxy images of the pods running in the namespace do not match the image defined in the injection configuration (pod names: [{}]). This often happens after upgrading the Istio control-plane and can be fixed by redeploying the pods.",
                    names.join(" ")
                ),
            )
            .help = Some(format!(
            "ConfigMap {config_map} injects {}; restart the workloads so their pods get it",
            images[config_map.as_str()].as_deref().unwrap_or_default()
        ));
    }
}

/// The proxy image of each injector ConfigMap (`istio-sidecar-injector*`),
/// by name; `None` when its `values` do not read.
fn injector_images(index: &Index) -> BTreeMap<&str, Option<String>> {
    let mut images = BTreeMap::new();
    for object in &index.objects {
        let Spec::ConfigMap(map) = &object.spec else {
            continue;
        };
        if !object.meta.name.starts_with(INJECTOR_CONFIG_MAP) {
            continue;
        }
        let values = map.data.as_ref().and_then(|d| d.get("values"));
        let image = values
            .and_then(|v| serde_json::from_str::<Json>(v).ok())
            .and_then(|v| proxy_image(&v));
        images.insert(object.meta.name.as_str(), image);
    }
    images
}

/// `global.proxy.image` when it is a full reference, else `HUB/IMAGE:TAG`.
fn proxy_image(values: &Json) -> Option<String> {
    let global = values.get("global")?;
    let text = |v: Option<&Json>| -> Option<String> {
        match v {
            None | Some(Json::Null) => Some(String::new()),
            Some(Json::String(s)) => Some(s.clone()),
            // Istio reads these as strings: any other type fails the read.
            Some(_) => None,
        }
    };
    let image = text(global.get("proxy").and_then(|p| p.get("image")))?;
    if image.contains('/') {
        return Some(image);
    }
    let hub = text(global.get("hub"))?;
    let tag = text(global.get("tag"))?;
    Some(format!("{hub}/{image}:{tag}"))
}

/// The proxy image type (`distroless`, `debug`...) of pods, as the
/// ProxyConfig layers set it: mesh config, root-namespace ProxyConfig,
/// namespace ProxyConfig, workload ProxyConfig, pod annotation.
struct ImageTypes<'a> {
    mesh: String,
    root: Option<&'a Json>,
    namespaces: BTreeMap<&'a str, &'a Json>,
    workloads: Vec<(&'a str, &'a Json)>,
}

fn image_type(config: &Json) -> Option<&str> {
    config
        .get("image")?
        .get("imageType")?
        .as_str()
        .filter(|t| !t.is_empty())
}

impl<'a> ImageTypes<'a> {
    fn new(index: &'a Index) -> ImageTypes<'a> {
        let mesh = index
            .mesh_config
            .default_config
            .other
            .get("image")
            .and_then(|i| i.get("imageType"))
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let root_namespace = index.mesh_config.root_namespace.as_str();
        let mut types = ImageTypes {
            mesh,
            root: None,
            namespaces: BTreeMap::new(),
            workloads: Vec::new(),
        };
        for object in &index.objects {
            if object.group() != "networking.istio.io" || object.kind() != "ProxyConfig" {
                continue;
            }
            let Some(spec) = object.doc.raw.get("spec") else {
                continue;
            };
            let namespace = object.namespace_or(DEFAULT_NAMESPACE);
            if namespace == root_namespace {
                types.root = Some(spec);
            } else if spec.get("selector").is_none_or(Json::is_null) {
                types.namespaces.insert(namespace, spec);
            } else {
                types.workloads.push((namespace, spec));
            }
        }
        types
    }

    fn for_pod(&self, pod: &Object) -> String {
        let namespace = pod.namespace_or(DEFAULT_NAMESPACE);
        let mut found = self.mesh.as_str();
        let layers = self
            .root
            .into_iter()
            .chain(self.namespaces.get(namespace).copied())
            .chain(
                self.workloads
                    .iter()
                    .filter(|(ns, spec)| *ns == namespace && selects(spec, &pod.meta.labels))
                    .map(|(_, spec)| *spec),
            );
        for layer in layers {
            if let Some(t) = image_type(layer) {
                found = t;
            }
        }
        let annotated = pod
            .meta
            .annotations
            .get(PROXY_CONFIG_ANNOTATION)
            .and_then(|text| {
                crate::source::yaml::parse_values(text)
                    .documents
                    .into_iter()
                    .next()
                    .and_then(|d| d.root)
            });
        let annotated = annotated.as_ref().and_then(image_type);
        let found = annotated.unwrap_or(found);
        if found == "default" {
            String::new()
        } else {
            found.to_string()
        }
    }
}

fn selects(spec: &Json, labels: &BTreeMap<String, String>) -> bool {
    spec.get("selector")
        .and_then(|s| s.get("matchLabels"))
        .and_then(Json::as_object)
        .is_none_or(|wanted| {
            wanted
                .iter()
                .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str())
        })
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str =
        include_str!("../../../../../testdata/rules/workloads/proxy-image-mismatch.yaml");

    #[test]
    fn reports_namespaces_with_stale_proxies() {
        let found = run_rule("proxy-image-mismatch", "pods.yaml", FIXTURE);
        let summary: Vec<_> = found.iter().map(|f| (f.1.as_str(), f.4.as_str())).collect();
        assert_eq!(
            summary,
            [(
                "Namespace shop",
                "The Istio proxy images of the pods running in the namespace do not match the image defined in the injection configuration (pod names: [old]). This often happens after upgrading the Istio control-plane and can be fixed by redeploying the pods."
            )]
        );
    }
}
