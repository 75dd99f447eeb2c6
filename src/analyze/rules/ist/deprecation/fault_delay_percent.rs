use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A VirtualService uses the deprecated `fault.delay.percent`.
    ///
    /// ## What it checks
    /// `spec.http[].fault.delay.percent` set above zero (istioctl's IST0002).
    ///
    /// ## Why it matters
    /// The integer `percent` field is deprecated in favour of `percentage`,
    /// which takes fractions, and may be removed from the API.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    /// - fault:
    ///     delay:
    ///       percent: 50
    ///       fixedDelay: 5s
    /// ```
    ///
    /// ## How to fix
    /// Write `percentage: {value: 50}` instead of `percent: 50`.
    pub static RULE = { code: "IST0002", name: "virtual-service-fault-delay-percent", level: Warning, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::VirtualService(service) = &object.spec else {
            continue;
        };
        for (i, route) in service.http.iter().enumerate() {
            let percent = route
                .fault
                .as_ref()
                .and_then(|f| f.delay.as_ref())
                .and_then(|d| d.percent);
            if percent.is_none_or(|p| p <= 0) {
                continue;
            }
            let path = FieldPath::root()
                .field("spec")
                .field("http")
                .index(i)
                .field("fault")
                .field("delay")
                .field("percent");
            findings
                .report(
                    object,
                    &path,
                    "Deprecated: HTTPRoute.fault.delay.percent is deprecated; use HTTPRoute.fault.delay.percentage",
                )
                .help = Some("write `percentage: {value: N}` instead".to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::rules::ist::authorization_policy::testing::findings;

    const FIXTURE: &str = include_str!(
        "../../../../../testdata/rules/traffic-and-policy/virtual-service-fault-delay-percent.yaml"
    );

    #[test]
    fn reports_delay_percent() {
        assert_eq!(findings("virtual-service-fault-delay-percent", FIXTURE), [
                "IST0002 VirtualService default/ratings 11 spec.http[0].fault.delay.percent Deprecated: HTTPRoute.fault.delay.percent is deprecated; use HTTPRoute.fault.delay.percentage",
            ]);
    }
}
