use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::grpc_support::{Feature, Language, Runtime, Version};

use super::scope::RuntimeSource;

/// The release Istio's proxyless gRPC blog requires.
const BLOG_MINIMUM: Version = Version::new(1, 39, 0);

declare_rule! {
    /// A proxyless workload runs a gRPC release older than the 1.39 Istio's proxyless gRPC blog requires.
    ///
    /// ## What it checks
    /// A proxyless gRPC workload whose runtime (its `mesh.dev/grpc-runtime`
    /// annotation, else `--grpc`) speaks xDS v3 but is older than 1.39.0 (C++,
    /// Python, Ruby, PHP, Java, Go; Node's `@grpc/grpc-js-xds` numbers its
    /// releases differently and is not checked). Releases without xDS v3 are
    /// GRPC061's.
    ///
    /// ## Why it matters
    /// Istio's proxyless gRPC blog states that gRPC 1.39.0 or later is
    /// required. Older releases lack features istiod sends as a matter of
    /// course: retries (gRFC A44, 1.40 and later) are ignored, ring hash
    /// (A42) is rejected (NACK), and xDS security (A29, 1.41) is missing, so
    /// ISTIO_MUTUAL and STRICT mTLS cannot work.
    ///
    /// ## Example
    /// ```yaml
    /// template:
    ///   metadata:
    ///     annotations:
    ///       inject.istio.io/templates: grpc-agent
    ///       mesh.dev/grpc-runtime: java@1.37.1
    /// ```
    ///
    /// ## How to fix
    /// Upgrade the application's gRPC library to 1.39 or later (1.41 or later
    /// for mTLS), then update the annotation.
    pub static RULE = { code: "GRPC062", name: "grpc-runtime-below-blog-minimum", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    for workload in context.proxyless_workloads() {
        let source = RuntimeSource::of(context, workload);
        let runtime = source.runtime();
        let Runtime::Exact(language, version) = runtime else {
            continue;
        };
        if language == Language::Node
            || version >= BLOG_MINIMUM
            || !runtime.supports(Feature::XdsV3)
        {
            continue;
        }
        let object = index.object(workload.object);
        findings
            .report(
                object,
                &source.path(object, workload),
                format!(
                    "proxyless workload {}/{} runs gRPC {} {version} ({}), older than the 1.39.0 Istio's proxyless gRPC blog requires: retries are ignored, ring hash is rejected (NACK) and xDS mTLS (added in 1.41) is missing",
                    workload.namespace,
                    workload.name,
                    language.display(),
                    source.origin()
                ),
            )
            .help = Some("upgrade the gRPC library to 1.39 or later (1.41 or later for mTLS)".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::run_rule;

    fn pod(runtime: &str) -> String {
        format!(
            "apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: ns
  annotations: {{inject.istio.io/templates: grpc-agent, mesh.dev/grpc-runtime: \"{runtime}\"}}
spec:
  containers: [{{name: app, image: app}}]
"
        )
    }

    #[test]
    fn only_v3_releases_before_1_39() {
        for (runtime, fires) in [
            ("go@1.36", true),
            ("java@1.38.1", true),
            ("go@1.35", false),
            ("go@1.39", false),
            ("node@1.5", false),
            ("cpp", false),
            ("any", false),
        ] {
            let found = run_rule("GRPC062", "t.yaml", &pod(runtime));
            assert_eq!(found.len(), usize::from(fires), "{runtime}: {found:?}");
        }
        let found = run_rule("GRPC062", "t.yaml", &pod("java@1.38.1"));
        assert_eq!(
            found[0].3,
            "metadata.annotations[\"mesh.dev/grpc-runtime\"]"
        );
    }
}
