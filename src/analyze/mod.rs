//! `mesh analyze`: rules over the index, producing findings.
//!
//! Each rule is a function in its own file under [`rules`], declared with
//! [`declare_rule!`](crate::declare_rule) and listed in its family's table.
//! Rules only read the [`Index`]; they run on all cores and the output is
//! sorted afterwards, so it never depends on scheduling.

pub mod cluster_model;
pub mod proxyless;
pub mod registry;
pub mod rendered;
pub mod route_model;
pub mod rules;
pub mod server_model;
pub mod suppress;
#[cfg(test)]
pub(crate) mod testing;
pub mod unresolved;

use std::sync::OnceLock;

use crate::diagnostic::Diagnostic;
use crate::grpc_support::Runtime;
use crate::index::Index;
use crate::model::Object;
use crate::source::FieldPath;

pub use registry::Rule;
pub use suppress::Suppression;

/// What rules see: the index, and results shared between rules.
pub struct Context<'a> {
    pub index: &'a Index,
    /// `--grpc`: the runtime of proxyless workloads without their own
    /// annotation (see [`proxyless`]).
    pub grpc: Runtime,
    validation: OnceLock<Vec<Diagnostic>>,
    /// [`Context::proxyless_clients`] answers, by (namespace, exportTo, host).
    clients_cache: proxyless::ClientsCache<'a>,
    /// [`Context::clients_seeing`] answers narrowed by Sidecars, by (list, host).
    sidecar_cache: proxyless::SidecarCache<'a>,
    proxyless: proxyless::Proxyless<'a>,
    /// [`Context::workload_names`] answers for long lists.
    names_memo: proxyless::NamesMemo<'a>,
    /// [`Context::namespace_runs`] answers.
    runs_memo: proxyless::RunsMemo<'a>,
    grpc_services: OnceLock<Vec<rules::grpc::traffic_policy::scope::GrpcService<'a>>>,
    reached_destination_rules: OnceLock<Vec<rules::grpc::traffic_policy::scope::ReachedRule<'a>>>,
    proxyless_authorization_policies: OnceLock<Vec<rules::grpc::security::scope::Authz<'a>>>,
    virtual_service_scopes: OnceLock<Vec<rules::grpc::routing::scope::Scoped<'a>>>,
    /// [`rendered::label_keys_read`], gathered by the first rule that renders.
    label_keys_read: OnceLock<std::collections::BTreeSet<String>>,
    /// Clusters rendered for the cluster model, by (host, client view).
    cluster_renders: cluster_model::ClusterRenders<'a>,
    /// [`Context::cluster_model`] answers.
    cluster_models: cluster_model::ClusterModels<'a>,
    /// Inbound listeners rendered for the server model, by workload.
    server_renders: server_model::ServerRenders,
}

impl<'a> Context<'a> {
    pub fn new(index: &'a Index, grpc: Runtime) -> Context<'a> {
        Context {
            index,
            grpc,
            validation: OnceLock::new(),
            clients_cache: Default::default(),
            sidecar_cache: Default::default(),
            proxyless: proxyless::Proxyless::gather(index),
            names_memo: Default::default(),
            runs_memo: Default::default(),
            grpc_services: OnceLock::new(),
            reached_destination_rules: OnceLock::new(),
            proxyless_authorization_policies: OnceLock::new(),
            virtual_service_scopes: OnceLock::new(),
            label_keys_read: OnceLock::new(),
            cluster_renders: Default::default(),
            cluster_models: Default::default(),
            server_renders: Default::default(),
        }
    }

    /// The VirtualServices with their hosts and proxyless clients, gathered
    /// by the first routing rule that asks (most do).
    pub(crate) fn virtual_service_scopes(
        &self,
        gather: impl FnOnce() -> Vec<rules::grpc::routing::scope::Scoped<'a>>,
    ) -> &[rules::grpc::routing::scope::Scoped<'a>] {
        self.virtual_service_scopes.get_or_init(gather)
    }

    /// The Kubernetes Services with the proxyless workloads around them,
    /// gathered by the first rule that asks (several do).
    pub(crate) fn grpc_services(
        &self,
        gather: impl FnOnce() -> Vec<rules::grpc::traffic_policy::scope::GrpcService<'a>>,
    ) -> &[rules::grpc::traffic_policy::scope::GrpcService<'a>] {
        self.grpc_services.get_or_init(gather)
    }

    /// The DestinationRules that reach proxyless clients, with their traffic
    /// policies, gathered by the first traffic-policy rule that asks.
    pub(crate) fn reached_destination_rules(
        &self,
        gather: impl FnOnce() -> Vec<rules::grpc::traffic_policy::scope::ReachedRule<'a>>,
    ) -> &[rules::grpc::traffic_policy::scope::ReachedRule<'a>] {
        self.reached_destination_rules.get_or_init(gather)
    }

    /// The AuthorizationPolicies that select proxyless servers, gathered by
    /// the first security rule that asks.
    pub(crate) fn proxyless_authorization_policies(
        &self,
        gather: impl FnOnce() -> Vec<rules::grpc::security::scope::Authz<'a>>,
    ) -> &[rules::grpc::security::scope::Authz<'a>] {
        self.proxyless_authorization_policies.get_or_init(gather)
    }

    /// Schema and field validation of every object, computed once for the
    /// rules that report it (IST0106, IST0133).
    pub fn validation(&self) -> &[Diagnostic] {
        self.validation
            .get_or_init(|| crate::validate::validate(&self.index.objects))
    }
}

/// Where a rule reports: findings carry the rule's code and level.
pub struct Findings {
    rule: &'static Rule,
    found: Vec<Diagnostic>,
    /// Findings of istioctl's rules on objects istiod generates: dropped.
    not_istioctls: Vec<Diagnostic>,
}

impl Findings {
    fn new(rule: &'static Rule) -> Findings {
        Findings {
            rule,
            found: Vec::new(),
            not_istioctls: Vec::new(),
        }
    }

    /// A finding on the field at `path` of `object` (the object itself for
    /// the root path); returns it so a help line can be added.
    pub fn report(
        &mut self,
        object: &Object,
        path: &FieldPath,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let diagnostic = Diagnostic::at(
            self.rule.code,
            self.rule.level,
            object,
            path,
            message.into(),
        );
        // istioctl analyzes what users apply, never what istiod generates
        // from it (VirtualServices converted from Gateway API routes): its
        // rules keep silent there, the GRPC and MESH rules do not.
        let found = if object.generated.is_some() && self.rule.code.starts_with("IST") {
            &mut self.not_istioctls
        } else {
            &mut self.found
        };
        found.push(diagnostic);
        let last = found.len() - 1;
        &mut found[last]
    }

    /// A finding on a reference to an object of kind `referenced` that the
    /// inputs do not hold (see [`unresolved`]).
    pub fn report_unresolved(
        &mut self,
        object: &Object,
        path: &FieldPath,
        message: impl Into<String>,
        referenced: unresolved::Referenced,
    ) -> &mut Diagnostic {
        let diagnostic = self.report(object, path, message);
        diagnostic.unresolved = Some(unresolved::Unresolved {
            referenced,
            stands_without_the_kind: false,
        });
        diagnostic
    }

    /// A finding on `path` of a located document that holds no object,
    /// such as the `--mesh-networks` file, told as `origin`.
    pub fn report_in_document(
        &mut self,
        document: &crate::source::Document,
        origin: crate::model::Origin,
        path: &FieldPath,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.found.push(Diagnostic::in_document(
            self.rule.code,
            self.rule.level,
            document,
            origin,
            path,
            message.into(),
            false,
        ));
        let last = self.found.len() - 1;
        &mut self.found[last]
    }

    /// Passes on a finding made elsewhere (validation) unchanged.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.found.push(diagnostic);
    }

    pub fn rule(&self) -> &'static Rule {
        self.rule
    }
}

/// Which rules run: `--select` and `--ignore` take codes or rule names.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    fn matches(key: &str, rule: &Rule) -> bool {
        rule.code.eq_ignore_ascii_case(key) || rule.name == key
    }

    /// Whether `rule` runs: selected (every rule when `--select` is not
    /// given, except opt-in rules, which run only when named) and not ignored.
    pub fn includes(&self, rule: &Rule) -> bool {
        let named = self.select.iter().any(|k| Self::matches(k, rule));
        let selected = named || (self.select.is_empty() && !rule.opt_in);
        selected && !self.ignore.iter().any(|k| Self::matches(k, rule))
    }

    /// Keys that name no rule, for a usage error.
    pub fn unknown_keys(&self) -> Vec<&str> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|key| registry::find(key).is_empty())
            .map(String::as_str)
            .collect()
    }
}

/// Runs the selected rules over the index, for proxyless workloads on any
/// gRPC runtime. Findings come back unsorted; suppressions are applied by
/// [`suppress::apply`].
pub fn analyze(index: &Index, selection: &Selection) -> Vec<Diagnostic> {
    analyze_for(index, selection, Runtime::Any)
}

/// As [`analyze`], with proxyless workloads on the gRPC runtime `grpc`
/// unless their annotation says otherwise.
pub fn analyze_for(index: &Index, selection: &Selection, grpc: Runtime) -> Vec<Diagnostic> {
    let rules: Vec<&'static Rule> = registry::rules()
        .filter(|r| selection.includes(r))
        .collect();
    let context = Context::new(index, grpc);
    // Rules differ a hundredfold in cost: map_in_order hands each idle
    // worker the next rule.
    let mut found: Vec<Diagnostic> = crate::parallel::map_in_order(&rules, |rule| {
        let mut findings = Findings::new(rule);
        (rule.check)(&context, &mut findings);
        findings.found
    })
    .into_iter()
    .flatten()
    // Assumed workloads (`--assume-proxyless`) stand for unseen ones: a
    // finding on one of them points at nothing the user wrote.
    .filter(|d| {
        d.file
            .as_ref()
            .is_none_or(|f| &*f.name != crate::semantics::assumed::SOURCE_NAME)
    })
    .collect();
    crate::diagnostic::locate_all(&mut found);
    found
}
