use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// istiod fetches JWKS for RequestAuthentications without a CIDR block list.
    ///
    /// ## What it checks
    /// With RequestAuthentications among the inputs whose JWT rules make istiod
    /// fetch keys (a rule without inline `jwks`: from `jwksUri`, or by OIDC
    /// discovery from the issuer), istiod Deployments (label `app: istiod`)
    /// none of whose containers sets the `BLOCKED_CIDRS_IN_JWKS_URIS`
    /// environment variable (istioctl's IST0175). A value from `valueFrom`
    /// counts as set.
    ///
    /// ## Why it matters
    /// Whoever can write a RequestAuthentication chooses the URL istiod
    /// fetches: without a block list, istiod can be made to request internal
    /// addresses (cloud metadata endpoints, cluster services) for them.
    ///
    /// ## Example
    /// A `RequestAuthentication` with `jwksUri: https://example.com/jwks.json`
    /// beside an istiod Deployment whose `discovery` container has no
    /// `BLOCKED_CIDRS_IN_JWKS_URIS`.
    ///
    /// ## How to fix
    /// Set `BLOCKED_CIDRS_IN_JWKS_URIS` on istiod to the ranges it must not fetch from (for example `169.254.169.254/32,10.0.0.0/8`), e.g. with `pilot.env` in the Helm values.
    pub static RULE = { code: "IST0175", name: "jwks-fetch-unrestricted", level: Warning, check: check };
}

const BLOCKED_CIDRS: &str = "BLOCKED_CIDRS_IN_JWKS_URIS";
/// Names listed before "and N more".
const SHOWN: usize = 5;

fn check(context: &Context<'_>, findings: &mut Findings) {
    let index = context.index;
    let fetching: Vec<String> = index
        .objects
        .iter()
        .filter(|object| match &object.spec {
            Spec::RequestAuthentication(spec) => spec
                .jwt_rules
                .iter()
                .any(|rule| rule.jwks.as_deref().is_none_or(str::is_empty)),
            _ => false,
        })
        .map(|object| match object.meta.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => format!("{ns}/{}", object.meta.name),
            _ => object.meta.name.clone(),
        })
        .collect();
    if fetching.is_empty() {
        return;
    }
    let mut names = fetching[..fetching.len().min(SHOWN)].join(", ");
    if fetching.len() > SHOWN {
        names.push_str(&format!(", and {} more", fetching.len() - SHOWN));
    }
    for object in &index.objects {
        let Spec::Deployment(deployment) = &object.spec else {
            continue;
        };
        if object.meta.labels.get("app").map(String::as_str) != Some("istiod") {
            continue;
        }
        let Some(pod) = deployment
            .spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
        else {
            continue;
        };
        let configured = pod
            .containers
            .iter()
            .flat_map(|c| c.env.iter().flatten())
            .any(|e| {
                e.name == BLOCKED_CIDRS
                    && (e.value.as_deref().is_some_and(|v| !v.is_empty()) || e.value_from.is_some())
            });
        if configured {
            continue;
        }
        let container = pod
            .containers
            .iter()
            .position(|c| c.name == "discovery")
            .unwrap_or(0);
        let mut path = FieldPath::root()
            .field("spec")
            .field("template")
            .field("spec")
            .field("containers");
        if !pod.containers.is_empty() {
            path = path.index(container);
        }
        findings
            .report(
                object,
                &path,
                format!(
                    "{BLOCKED_CIDRS} is not set on istiod, but {} RequestAuthentication resource(s) make it fetch JWKS ({names}): restrict the networks those fetches may reach.",
                    fetching.len()
                ),
            )
            .help = Some(format!(
            "add env {BLOCKED_CIDRS} (comma-separated CIDRs istiod must not fetch from) to the istiod container"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_rule;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/jwks-fetch-unrestricted.yaml"
    );

    #[test]
    fn reports_istiod_without_a_block_list() {
        let found = run_rule("jwks-fetch-unrestricted", "istiod.yaml", FIXTURE);
        let summary: Vec<_> = found
            .iter()
            .map(|f| (f.1.as_str(), f.3.as_str(), f.4.as_str()))
            .collect();
        assert_eq!(
            summary,
            [(
                "Deployment istio-system/istiod",
                "spec.template.spec.containers[0]",
                "BLOCKED_CIDRS_IN_JWKS_URIS is not set on istiod, but 1 RequestAuthentication resource(s) make it fetch JWKS (shop/jwt): restrict the networks those fetches may reach."
            )]
        );
    }

    #[test]
    fn nothing_without_fetching_policies() {
        let fixture = FIXTURE.split("# policies-end\n").nth(1).unwrap();
        assert!(run_rule("jwks-fetch-unrestricted", "istiod.yaml", fixture).is_empty());
    }
}
