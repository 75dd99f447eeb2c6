use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::{describe_gaps, Feature, Gap, Language, Runtime};

use super::scope::{annotation_path, templates, RuntimeSource, GRPC_AGENT};
use crate::model::pod::TEMPLATES_ANNOTATION;

declare_rule! {
    /// istio-agent keeps one xDS stream per pod, and this gRPC runtime opens one per target: the streams flap.
    ///
    /// ## What it checks
    /// A proxyless workload injected with the `grpc-agent` template whose
    /// runtime (its `mesh.dev/grpc-runtime` annotation, else `--grpc`) keeps
    /// one xDS client, with its own ADS stream, per channel target and one
    /// more for an xDS-enabled server: gRPC Go 1.66 and later, C-core (C++,
    /// Python, Ruby, PHP) 1.67 and later and Java 1.71 and later (their xDS
    /// fallback releases, gRFC A71, which key xDS clients by target). The
    /// limit is istio-agent's in every release `--istio` knows.
    ///
    /// ## Why it matters
    /// With `grpc-agent` the app's bootstrap points at istio-agent, which
    /// proxies xDS to istiod over one upstream connection and keeps a single
    /// downstream stream: when another opens it closes the previous one
    /// (`registerStream` in `xds_proxy.go`, istio/istio#53532, open; the fix
    /// #58056 was closed unmerged). A process that dials two `xds:///`
    /// targets, or serves over xDS and dials one, opens two streams; each
    /// closes the other as it reconnects, so config flaps and RPCs fail
    /// UNAVAILABLE while a stream is down. One target, or a server that
    /// dials nothing over xDS, is unaffected — mesh cannot see how many
    /// targets an app dials, so this is a warning.
    ///
    /// ## Example
    /// ```yaml
    /// template:
    ///   metadata:
    ///     annotations:
    ///       inject.istio.io/templates: grpc-agent
    ///       mesh.dev/grpc-runtime: go@1.70
    /// ```
    ///
    /// ## How to fix
    /// Inject `grpc-simple` instead (the app talks to istiod's plaintext xDS
    /// port directly: no agent, but no Istio certificates either), or keep
    /// the app to one xDS stream: one `xds:///` target and no xDS server in
    /// the same process. Suppress the finding on workloads known to do so.
    pub static RULE = { code: "GRPC083", name: "agent-closes-extra-xds-streams", level: Warning, check: check };
}

/// The languages of `runtime` that open one ADS stream per target.
fn per_target_languages(runtime: Runtime) -> Vec<Gap> {
    let lacking = runtime.gaps(Feature::XdsClientPerTarget);
    let lacks = |language: Language| lacking.iter().any(|g| g.language == language);
    let version = match runtime {
        Runtime::Exact(_, version) => Some(version),
        _ => None,
    };
    let languages: Vec<Language> = match runtime {
        Runtime::Any => Language::ANY.to_vec(),
        Runtime::Latest(language) | Runtime::Exact(language, _) => vec![language],
    };
    languages
        .into_iter()
        .filter(|&language| !lacks(language))
        .map(|language| Gap {
            language,
            fixed_in: None,
            version,
        })
        .collect()
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    if !context.index.istio_release.agent_single_stream() {
        return;
    }
    let index = context.index;
    for workload in context.proxyless_workloads() {
        if workload.assumed || !templates(workload).contains(&GRPC_AGENT) {
            continue;
        }
        let source = RuntimeSource::of(context, workload);
        let languages = per_target_languages(source.runtime());
        if languages.is_empty() {
            continue;
        }
        // A server already holds one stream (its own xDS client), so a
        // single channel more is enough to flap.
        let streams = match index.services_selecting(workload).next() {
            Some(service) => format!(
                "it serves {} over xDS, so one xds:/// channel more is a second stream and",
                service.host
            ),
            None => "with two xds:/// targets, or an xDS server and one target,".to_string(),
        };
        let object = index.object(workload.object);
        findings
            .report(
                object,
                &annotation_path(object, TEMPLATES_ANNOTATION),
                format!(
                    "proxyless workload {}/{} takes xDS through istio-agent (grpc-agent), which keeps one stream per pod, and {} ({}) opens one stream per xds:/// target and one for an xDS server: {streams} the agent closes all but the newest, so config flaps (istio/istio#53532)",
                    workload.namespace,
                    workload.name,
                    describe_gaps(&languages),
                    source.origin()
                ),
            )
            .help = Some(
            "inject grpc-simple instead, or keep the app to one xDS target and no xDS server in the same process".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    fn pod(templates: &str, runtime: &str) -> String {
        format!(
            "apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: ns
  annotations: {{inject.istio.io/templates: {templates}, mesh.dev/grpc-runtime: \"{runtime}\"}}
spec:
  containers: [{{name: app, image: app}}]
"
        )
    }

    #[test]
    fn runtimes_that_open_a_stream_per_target_under_the_agent() {
        for (templates, runtime, fires) in [
            ("grpc-agent", "go@1.66", true),
            ("grpc-agent", "go@1.65", false),
            ("grpc-agent", "python@1.85", true),
            ("grpc-agent", "cpp@1.66", false),
            ("grpc-agent", "java@1.71", true),
            ("grpc-agent", "java@1.70", false),
            ("grpc-agent", "node@1.12", false),
            ("grpc-agent", "go", true),
            ("grpc-agent", "any", true),
            ("grpc-simple", "go@1.70", false),
        ] {
            let found = run_rule("GRPC083", "t.yaml", &pod(templates, runtime));
            assert_eq!(
                found.len(),
                usize::from(fires),
                "{templates} {runtime}: {found:?}"
            );
        }
        let found = run_rule("GRPC083", "t.yaml", &pod("grpc-agent", "go@1.70"));
        assert_eq!(
            found[0].3,
            "metadata.annotations[\"inject.istio.io/templates\"]"
        );
    }
}
