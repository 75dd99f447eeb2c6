//! A live cluster as a source: lists every kind the model knows through the
//! Kubernetes API (kubeconfig, `--context`) and hands each list on as a
//! YAML file named `cluster:PLURAL.GROUP`, so everything downstream reads
//! cluster objects exactly as it reads files.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _, Result};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::Value as Json;

use super::SourceFile;
use crate::model::kinds::{KindInfo, KINDS};

/// Where the cluster is.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// A kubeconfig file; otherwise `KUBECONFIG`, `~/.kube/config` or the
    /// in-cluster service account, as kubectl finds them.
    pub kubeconfig: Option<PathBuf>,
    /// A kubeconfig context other than the current one.
    pub context: Option<String>,
    /// How long each request may take (default 30s).
    pub timeout: Option<Duration>,
}

/// What a cluster holds, as source files.
#[derive(Debug)]
pub struct ClusterRead {
    pub files: Vec<Arc<SourceFile>>,
    /// The namespace of the kubeconfig context (`default` without one).
    pub default_namespace: String,
    /// Kinds that could not be listed (forbidden, ...), for stderr.
    pub notes: Vec<String>,
}

/// Every request is bounded: a cluster that never answers fails the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Objects per list page, as kubectl asks.
const PAGE_SIZE: u32 = 500;
/// A list that keeps returning `continue` tokens ends here.
const MAX_PAGES: usize = 10_000;

/// Lists every known kind in every namespace.
pub fn read_cluster(options: &ClusterOptions) -> Result<ClusterRead> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the Kubernetes client runtime")?;
    runtime.block_on(read(options))
}

/// A client for the cluster, the server's URL and the context's namespace.
pub(crate) async fn connect(options: &ClusterOptions) -> Result<(Client, String, String)> {
    check_options(options)?;
    let config = client_config(options).await?;
    let server = config.cluster_url.to_string();
    let default_namespace = config.default_namespace.clone();
    let client = Client::try_from(config).context("cannot build the Kubernetes client")?;
    Ok((client, server, default_namespace))
}

async fn read(options: &ClusterOptions) -> Result<ClusterRead> {
    let (client, server, default_namespace) = connect(options).await?;
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for kind in KINDS.iter().filter(|kind| kind.read_from_cluster()) {
        match list_kind(&client, kind).await {
            Ok(Some((name, items))) if !items.is_empty() => {
                files.push(SourceFile::new(&name, to_documents(&items)));
            }
            Ok(_) => {}
            Err(ListError::Skip(note)) => notes.push(note),
            Err(ListError::Fatal(error)) => {
                return Err(error.context(format!("cannot read the cluster at {server}")))
            }
        }
    }
    Ok(ClusterRead {
        files,
        default_namespace,
        notes,
    })
}

async fn client_config(options: &ClusterOptions) -> Result<Config> {
    let kube_options = KubeConfigOptions {
        context: options.context.clone(),
        ..KubeConfigOptions::default()
    };
    let mut config = match &options.kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path)
                .with_context(|| format!("cannot read kubeconfig {}", path.display()))?;
            Config::from_custom_kubeconfig(kubeconfig, &kube_options)
                .await
                .with_context(|| format!("cannot use kubeconfig {}", path.display()))?
        }
        None if options.context.is_some() => Config::from_kubeconfig(&kube_options)
            .await
            .context("cannot use the kubeconfig")?,
        None => Config::infer()
            .await
            .context("no cluster: no kubeconfig and not running in a cluster")?,
    };
    let timeout = options.timeout.unwrap_or(REQUEST_TIMEOUT);
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
    Ok(config)
}

enum ListError {
    /// This kind is left out (a note), the others are still read.
    Skip(String),
    /// The cluster cannot be read at all.
    Fatal(anyhow::Error),
}

/// Lists one kind, newest served version first; `None` when the cluster
/// serves none of its versions (an Istio CRD not installed).
async fn list_kind(
    client: &Client,
    kind: &KindInfo,
) -> Result<Option<(String, Vec<Json>)>, ListError> {
    let plural = plural(kind.kind);
    let name = if kind.group.is_empty() {
        format!("cluster:{plural}")
    } else {
        format!("cluster:{plural}.{}", kind.group)
    };
    for version in kind.versions.iter().rev() {
        let (api_version, base) = if kind.group.is_empty() {
            (version.to_string(), format!("/api/{version}/{plural}"))
        } else {
            (
                format!("{}/{version}", kind.group),
                format!("/apis/{}/{version}/{plural}", kind.group),
            )
        };
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut uri = format!("{base}?limit={PAGE_SIZE}");
            if let Some(token) = &token {
                uri.push_str("&continue=");
                uri.push_str(&percent_encode(token));
            }
            let page = match get(client, &uri).await {
                Ok(page) => page,
                Err(Status::NotFound) => break,
                Err(Status::Refused(reason)) => {
                    return Err(ListError::Skip(format!("cannot list {name}: {reason}")))
                }
                Err(Status::Failed(error)) => return Err(ListError::Fatal(error)),
            };
            let Json::Object(mut page) = page else {
                return Err(ListError::Skip(format!(
                    "cannot list {name}: the answer is not a list"
                )));
            };
            if let Some(Json::Array(page_items)) = page.remove("items") {
                items.extend(
                    page_items
                        .into_iter()
                        .map(|item| tidy(item, &api_version, kind.kind)),
                );
            }
            token = page
                .get("metadata")
                .and_then(|m| m.get("continue"))
                .and_then(Json::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                return Ok(Some((name, items)));
            }
        }
        if token.is_some() {
            return Err(ListError::Skip(format!(
                "cannot list {name}: more than {MAX_PAGES} pages"
            )));
        }
    }
    Ok(None)
}

enum Status {
    NotFound,
    /// Forbidden, unauthorised for this kind, or an unreadable answer.
    Refused(String),
    Failed(anyhow::Error),
}

async fn get(client: &Client, uri: &str) -> Result<Json, Status> {
    let request = http::Request::get(uri)
        .body(Vec::new())
        .map_err(|e| Status::Failed(anyhow!(e)))?;
    match client.request::<Json>(request).await {
        Ok(json) => Ok(json),
        Err(kube::Error::Api(status)) if status.code == 404 => Err(Status::NotFound),
        Err(kube::Error::Api(status)) if status.code == 401 => {
            Err(Status::Failed(anyhow!("unauthorised: {}", status.message)))
        }
        Err(kube::Error::Api(status)) => Err(Status::Refused(format!(
            "{} ({})",
            status.message, status.code
        ))),
        Err(kube::Error::SerdeError(error)) => {
            Err(Status::Refused(format!("the answer is not JSON: {error}")))
        }
        Err(error) => Err(Status::Failed(anyhow!(error))),
    }
}

/// List items carry no `apiVersion`/`kind`; put them back, and drop the
/// bookkeeping that only makes snippets long.
fn tidy(mut item: Json, api_version: &str, kind: &str) -> Json {
    if let Json::Object(map) = &mut item {
        map.insert("apiVersion".into(), Json::String(api_version.into()));
        map.insert("kind".into(), Json::String(kind.into()));
        if let Some(Json::Object(metadata)) = map.get_mut("metadata") {
            metadata.remove("managedFields");
            if let Some(Json::Object(annotations)) = metadata.get_mut("annotations") {
                annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
        }
    }
    item
}

fn to_documents(items: &[Json]) -> String {
    let mut text = String::new();
    for item in items {
        text.push_str("---\n");
        text.push_str(&crate::output::yaml::to_yaml(item));
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

/// The resource name of a kind, as the API server spells it.
fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with("endpoints") {
        lower
    } else if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else if lower.ends_with('s') {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Refuses a kubeconfig path that does not exist, in one plain sentence.
fn check_options(options: &ClusterOptions) -> Result<()> {
    if let Some(path) = &options.kubeconfig {
        if !path.exists() {
            bail!("kubeconfig {} does not exist", path.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_follow_the_api_server() {
        for (kind, expected) in [
            ("VirtualService", "virtualservices"),
            ("ServiceEntry", "serviceentries"),
            ("AuthorizationPolicy", "authorizationpolicies"),
            ("Endpoints", "endpoints"),
            ("EndpointSlice", "endpointslices"),
            ("Ingress", "ingresses"),
            ("Pod", "pods"),
            (
                "MutatingWebhookConfiguration",
                "mutatingwebhookconfigurations",
            ),
        ] {
            assert_eq!(plural(kind), expected);
        }
    }

    #[test]
    fn list_items_get_their_type_back_and_lose_bookkeeping() {
        let item = serde_json::json!({"metadata": {"name": "a", "managedFields": [{}],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "keep": "1"}}});
        let tidied = tidy(item, "v1", "Service");
        assert_eq!(
            tidied,
            serde_json::json!({"metadata": {"name": "a", "annotations": {"keep": "1"}},
                "apiVersion": "v1", "kind": "Service"})
        );
    }
}
