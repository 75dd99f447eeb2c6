use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::mesh_networks::{KIND, NAME};
use crate::model::{Origin, Spec};
use crate::source::FieldPath;

declare_rule! {
    /// A MeshNetworks endpoint names a service registry istiod does not know.
    ///
    /// ## What it checks
    /// With `--mesh-networks FILE`, every `networks.NAME.endpoints[].fromRegistry`
    /// must be `Mock`, `Kubernetes`, `External`, or a cluster a remote secret
    /// in the inputs declares (a key of the `data` or `stringData` of a Secret
    /// labelled `istio/multiCluster: "true"`). The message names the network
    /// by its name: the loop variable istioctl prints ranges over the
    /// `networks` map, whose keys are the names.
    ///
    /// ## Why it matters
    /// istiod assigns the endpoints of a registry to the network that names
    /// it. A registry it does not have (a cluster name misspelt, or whose
    /// remote secret is missing) puts no endpoint in that network, and
    /// cross-network traffic to them does not go through the gateway.
    ///
    /// ## Example
    /// ```yaml
    /// networks:
    ///   network2:
    ///     endpoints: [{fromRegistry: cluster-2}]   # no remote secret has it
    ///     gateways: [{address: 1.2.3.4, port: 15443}]
    /// ```
    ///
    /// ## How to fix
    /// Name the cluster as its remote secret does (`istioctl create-remote-secret
    /// --name`), or add the secret.
    pub static RULE = { code: "IST0126", name: "unknown-mesh-networks-service-registry", level: Error, check: check };
}

/// Registries istiod always has (`provider.Mock`, `Kubernetes`, `External`).
const BUILT_IN_REGISTRIES: [&str; 3] = ["Mock", "Kubernetes", "External"];

/// The label of remote secrets, whose keys are cluster names.
const MULTICLUSTER_SECRET_LABEL: &str = "istio/multiCluster";

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let Some(mesh_networks) = &index.mesh_networks else {
        return;
    };
    let remote_clusters: Vec<&str> = index
        .objects
        .iter()
        .filter(|object| {
            object
                .meta
                .labels
                .get(MULTICLUSTER_SECRET_LABEL)
                .map(String::as_str)
                == Some("true")
        })
        .filter_map(|object| match &object.spec {
            Spec::Secret { keys, .. } => Some(keys),
            _ => None,
        })
        .flatten()
        .map(String::as_str)
        .collect();
    let origin = Origin {
        kind: KIND.to_string(),
        namespace: Some(index.mesh_config.root_namespace.clone()),
        name: NAME.to_string(),
    };
    for network in &mesh_networks.networks {
        for (j, registry) in network.from_registry.iter().enumerate() {
            let Some(registry) = registry else { continue };
            if BUILT_IN_REGISTRIES.contains(&registry.as_str())
                || remote_clusters.contains(&registry.as_str())
            {
                continue;
            }
            findings
                .report_in_document(
                    &mesh_networks.document,
                    origin.clone(),
                    &FieldPath::root()
                        .field("networks")
                        .field(&network.name)
                        .field("endpoints")
                        .index(j)
                        .field("fromRegistry"),
                    format!(
                        "Unknown service registry {registry} in network {}",
                        network.name
                    ),
                )
                .help = Some(format!(
                "known: {}, and the keys of Secrets labelled {MULTICLUSTER_SECRET_LABEL}: \"true\"",
                BUILT_IN_REGISTRIES.join(", ")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::mesh_networks::MeshNetworks;
    use crate::source::SourceFile;

    const NETWORKS: &str = "networks:
  network1:
    endpoints:
    - fromRegistry: Kubernetes
    - fromCidr: 10.0.0.0/8
  network2:
    endpoints:
    - fromRegistry: cluster-2
    - fromRegistry: cluster-3
    gateways:
    - address: 1.2.3.4
      port: 15443
";

    const REMOTE_SECRET: &str = "apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-cluster-2
  namespace: istio-system
  labels: {istio/multiCluster: \"true\"}
stringData:
  cluster-2: kubeconfig
";

    /// (origin, file, line, field, message) of each finding.
    fn run(inputs: &str) -> Vec<(String, String, u32, String, String)> {
        let loaded = crate::load::load_files(vec![SourceFile::new("inputs.yaml", inputs.into())]);
        let mut index = crate::index::Index::build(loaded.objects, Default::default());
        index.mesh_networks = Some(
            MeshNetworks::from_source(SourceFile::new("networks.yaml", NETWORKS.into())).unwrap(),
        );
        let mut found = crate::analyze::analyze(
            &index,
            &crate::analyze::Selection {
                select: vec!["IST0126".into()],
                ignore: vec![],
            },
        );
        crate::diagnostic::locate_all(&mut found);
        found
            .into_iter()
            .map(|d| {
                (
                    d.origin.map(|o| o.to_string()).unwrap_or_default(),
                    d.file.map(|f| f.name.to_string()).unwrap_or_default(),
                    d.pos.map_or(0, |p| p.line),
                    d.field.map(|f| f.to_string()).unwrap_or_default(),
                    d.message,
                )
            })
            .collect()
    }

    #[test]
    fn reports_registries_neither_built_in_nor_from_a_remote_secret() {
        let found = run(REMOTE_SECRET);
        assert_eq!(
            found,
            [(
                "MeshNetworks istio-system/meshnetworks".to_string(),
                "networks.yaml".to_string(),
                9,
                "networks.network2.endpoints[1].fromRegistry".to_string(),
                "Unknown service registry cluster-3 in network network2".to_string(),
            )]
        );
    }

    #[test]
    fn a_secret_without_the_label_declares_no_cluster() {
        let unlabelled =
            REMOTE_SECRET.replace("labels: {istio/multiCluster: \"true\"}", "labels: {}");
        let found = run(&unlabelled);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0].4,
            "Unknown service registry cluster-2 in network network2"
        );
    }
}
