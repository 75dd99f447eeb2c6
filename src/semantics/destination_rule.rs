//! The DestinationRule a client uses for a host, and the traffic policy of
//! one of its clusters, as istiod decides them:
//!
//! - candidates: rules for the host itself, else for the wildcards covering
//!   it; exported to the client's namespace; a `workloadSelector` selects
//!   clients of its own namespace only;
//! - the first namespace in istiod's order holding one wins: the client's,
//!   the service's, the root namespace;
//! - several rules there merge, oldest first ([`super::creation_order`]): the
//!   first top-level traffic policy wins, subsets are added by name;
//! - a cluster's policy: a matching `portLevelSettings` entry replaces the
//!   top level, and the subset's policy overrides field by field.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::index::{is_exported_to, labels_match, Index, DEFAULT_NAMESPACE};
use crate::model::networking::{
    ClientTLSSettings, ConnectionPoolSettings, DestinationRuleSpec, LoadBalancerSettings,
    OutlierDetection, TrafficPolicy,
};
use crate::model::{Object, Spec};

/// The client asking: its namespace and, when known, its labels (`None`:
/// any client of the namespace, so rules with a `workloadSelector` are left
/// out).
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    pub namespace: &'a str,
    pub labels: Option<&'a BTreeMap<String, String>>,
}

/// The DestinationRule that applies, merged.
#[derive(Debug, Clone)]
pub struct AppliedRule<'a> {
    pub spec: Cow<'a, DestinationRuleSpec>,
    /// The rule whose top-level traffic policy applies, if one has any.
    pub policy_from: Option<&'a Object>,
    /// The rule each subset comes from, by subset name.
    pub subset_from: Vec<(String, &'a Object)>,
}

/// The DestinationRule `client` uses for `host`, whose service lives in
/// `service_namespace` (when a service declares it).
pub fn applied<'a>(
    index: &'a Index,
    client: Client<'_>,
    host: &str,
    service_namespace: Option<&str>,
) -> Option<AppliedRule<'a>> {
    let root = index.mesh_config.root_namespace.as_str();
    let candidates: Vec<(&'a Object, &'a DestinationRuleSpec, &'a str)> = index
        .destination_rules_matching(host)
        .into_iter()
        .filter_map(|id| {
            let object = index.object(id);
            let Spec::DestinationRule(spec) = &object.spec else {
                return None;
            };
            let owner = object.namespace_or(DEFAULT_NAMESPACE);
            let export_to = index.export_to(object);
            let selects = match &spec.workload_selector {
                Some(selector) if !selector.match_labels.is_empty() => {
                    owner == client.namespace
                        && client
                            .labels
                            .is_some_and(|labels| labels_match(&selector.match_labels, labels))
                }
                _ => true,
            };
            (selects && is_exported_to(export_to, owner, client.namespace)).then_some((
                object,
                spec.as_ref(),
                owner,
            ))
        })
        .collect();
    let exact = |(object, spec, _): &&(&Object, &DestinationRuleSpec, &str)| {
        spec.host.as_deref().is_some_and(|h| {
            index.config_host_fqdn(h, object.namespace_or(DEFAULT_NAMESPACE)) == host
        })
    };
    let mut pool: Vec<&(&Object, &DestinationRuleSpec, &str)> =
        if candidates.iter().any(|c| exact(&c)) {
            candidates.iter().filter(exact).collect()
        } else {
            candidates.iter().collect()
        };
    let order = [Some(client.namespace), service_namespace, Some(root)];
    let namespace = order
        .iter()
        .flatten()
        .find(|ns| pool.iter().any(|(_, _, owner)| owner == *ns))
        .copied()
        .or_else(|| pool.first().map(|(_, _, owner)| *owner))?;
    pool.retain(|(_, _, owner)| *owner == namespace);
    pool.sort_by(|a, b| super::creation_order(a.0).cmp(&super::creation_order(b.0)));
    // Borrowed unless rules must merge: the renderer asks for every cluster.
    let mut merged: Option<AppliedRule<'a>> = None;
    for &&(object, spec, _) in &pool {
        match &mut merged {
            None => {
                merged = Some(AppliedRule {
                    spec: Cow::Borrowed(spec),
                    policy_from: spec.traffic_policy.is_some().then_some(object),
                    subset_from: subset_names(spec).map(|name| (name, object)).collect(),
                })
            }
            Some(applied) => {
                if applied.spec.traffic_policy.is_none() && spec.traffic_policy.is_some() {
                    applied.spec.to_mut().traffic_policy = spec.traffic_policy.clone();
                    applied.policy_from = Some(object);
                }
                for subset in &spec.subsets {
                    if !applied.spec.subsets.iter().any(|s| s.name == subset.name) {
                        applied.spec.to_mut().subsets.push(subset.clone());
                        if let Some(name) = &subset.name {
                            applied.subset_from.push((name.clone(), object));
                        }
                    }
                }
            }
        }
    }
    merged
}

fn subset_names(spec: &DestinationRuleSpec) -> impl Iterator<Item = String> + '_ {
    spec.subsets.iter().filter_map(|s| s.name.clone())
}

/// The DestinationRule settings that apply to one cluster, after port-level
/// settings replaced the top level and the subset's overrode both.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EffectivePolicy {
    pub load_balancer: Option<LoadBalancerSettings>,
    pub connection_pool: Option<ConnectionPoolSettings>,
    pub outlier_detection: Option<OutlierDetection>,
    pub tls: Option<ClientTLSSettings>,
}

impl EffectivePolicy {
    /// `GetPortLevelTrafficPolicy`: a matching `portLevelSettings` entry
    /// replaces (does not merge with) the top-level settings.
    fn for_port(policy: Option<&TrafficPolicy>, port: u32) -> EffectivePolicy {
        let Some(policy) = policy else {
            return EffectivePolicy::default();
        };
        if let Some(level) = policy
            .port_level_settings
            .iter()
            .find(|p| p.port.as_ref().and_then(|p| p.number) == Some(port))
        {
            return EffectivePolicy {
                load_balancer: level.load_balancer.as_deref().cloned(),
                connection_pool: level.connection_pool.clone(),
                outlier_detection: level.outlier_detection.clone(),
                tls: level.tls.clone(),
            };
        }
        EffectivePolicy {
            load_balancer: policy.load_balancer.as_deref().cloned(),
            connection_pool: policy.connection_pool.clone(),
            outlier_detection: policy.outlier_detection.clone(),
            tls: policy.tls.clone(),
        }
    }

    /// Whether istiod puts the UNHEALTHY (not-ready) endpoints of the
    /// cluster with this policy in EDS: from 1.31 by default, unless the
    /// policy's `outlierDetection.minHealthPercent` is above 0 (so Envoy's
    /// panic threshold cannot send traffic to them); before, never
    /// ([`super::istiod_release::UNHEALTHY_EDS_DEFAULT`]).
    pub fn sends_unhealthy_endpoints(&self, release: &super::IstioRelease) -> bool {
        let min_health_set = self
            .outlier_detection
            .as_ref()
            .and_then(|o| o.min_health_percent)
            .is_some_and(|percent| percent > 0);
        release.unhealthy_eds_default() && !min_health_set
    }

    /// `MergeSubsetTrafficPolicy`: subset fields override.
    fn merged(self, subset: EffectivePolicy) -> EffectivePolicy {
        EffectivePolicy {
            load_balancer: subset.load_balancer.or(self.load_balancer),
            connection_pool: subset.connection_pool.or(self.connection_pool),
            outlier_detection: subset.outlier_detection.or(self.outlier_detection),
            tls: subset.tls.or(self.tls),
        }
    }
}

/// One setting of a traffic policy, each of which a cluster takes whole
/// from one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    LoadBalancer,
    ConnectionPool,
    OutlierDetection,
    Tls,
}

impl Setting {
    /// The field's name in a traffic policy.
    pub fn key(self) -> &'static str {
        match self {
            Setting::LoadBalancer => "loadBalancer",
            Setting::ConnectionPool => "connectionPool",
            Setting::OutlierDetection => "outlierDetection",
            Setting::Tls => "tls",
        }
    }

    fn set_in(self, policy: &TrafficPolicy) -> bool {
        match self {
            Setting::LoadBalancer => policy.load_balancer.is_some(),
            Setting::ConnectionPool => policy.connection_pool.is_some(),
            Setting::OutlierDetection => policy.outlier_detection.is_some(),
            Setting::Tls => policy.tls.is_some(),
        }
    }

    fn set_in_port_level(self, level: &crate::model::networking::PortTrafficPolicy) -> bool {
        match self {
            Setting::LoadBalancer => level.load_balancer.is_some(),
            Setting::ConnectionPool => level.connection_pool.is_some(),
            Setting::OutlierDetection => level.outlier_detection.is_some(),
            Setting::Tls => level.tls.is_some(),
        }
    }
}

/// Where a cluster's setting comes from: the rule and the field.
#[derive(Debug, Clone)]
pub struct SettingSource<'a> {
    pub object: &'a Object,
    /// `spec.trafficPolicy.tls`, `spec.subsets[1].trafficPolicy.portLevelSettings[0].loadBalancer`...
    pub path: crate::source::FieldPath,
}

/// Where a cluster's TLS settings come from.
pub type TlsSource<'a> = SettingSource<'a>;

impl<'a> AppliedRule<'a> {
    /// The rule and field the `tls` of the cluster for `port` and `subset`
    /// comes from, when some policy sets it.
    pub fn tls_source(&self, port: u32, subset: &str) -> Option<TlsSource<'a>> {
        self.setting_source(port, subset, Setting::Tls)
    }

    /// The rule and field `setting` of the cluster for `port` and `subset`
    /// comes from, when some policy sets it: the order of
    /// [`AppliedRule::effective_policy`].
    pub fn setting_source(
        &self,
        port: u32,
        subset: &str,
        setting: Setting,
    ) -> Option<SettingSource<'a>> {
        use crate::source::FieldPath;
        // The field of `policy` at `path` that sets `setting` for `port`
        // (`None` inside: the policy leaves it unset); a matching port-level
        // entry replaces the whole policy.
        let in_policy = |policy: &TrafficPolicy, path: FieldPath| -> Option<FieldPath> {
            match policy
                .port_level_settings
                .iter()
                .position(|p| p.port.as_ref().and_then(|p| p.number) == Some(port))
            {
                Some(j) => setting
                    .set_in_port_level(&policy.port_level_settings[j])
                    .then(|| {
                        path.field("portLevelSettings")
                            .index(j)
                            .field(setting.key())
                    }),
                None => setting.set_in(policy).then(|| path.field(setting.key())),
            }
        };
        if !subset.is_empty() {
            if let Some((_, object)) = self.subset_from.iter().find(|(name, _)| name == subset) {
                if let Spec::DestinationRule(spec) = &object.spec {
                    if let Some((i, policy)) = spec
                        .subsets
                        .iter()
                        .enumerate()
                        .find(|(_, s)| s.name.as_deref() == Some(subset))
                        .and_then(|(i, s)| Some((i, s.traffic_policy.as_deref()?)))
                    {
                        let path = FieldPath::root()
                            .field("spec")
                            .field("subsets")
                            .index(i)
                            .field("trafficPolicy");
                        if let Some(path) = in_policy(policy, path) {
                            return Some(SettingSource { object, path });
                        }
                    }
                }
            }
        }
        let object = self.policy_from?;
        let Spec::DestinationRule(spec) = &object.spec else {
            return None;
        };
        let policy = spec.traffic_policy.as_deref()?;
        let path = FieldPath::root().field("spec").field("trafficPolicy");
        in_policy(policy, path).map(|path| SettingSource { object, path })
    }

    /// The policy of the cluster for `port` and `subset` (empty: none).
    pub fn effective_policy(&self, port: u32, subset: &str) -> EffectivePolicy {
        let base = EffectivePolicy::for_port(self.spec.traffic_policy.as_deref(), port);
        if subset.is_empty() {
            return base;
        }
        match self
            .spec
            .subsets
            .iter()
            .find(|s| s.name.as_deref() == Some(subset))
            .and_then(|s| s.traffic_policy.as_deref())
        {
            Some(policy) => base.merged(EffectivePolicy::for_port(Some(policy), port)),
            None => base,
        }
    }
}
