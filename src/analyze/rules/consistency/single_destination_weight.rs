use crate::analyze::{Context, Findings};
use crate::declare_rule;
use crate::model::Spec;
use crate::source::FieldPath;

declare_rule! {
    /// A VirtualService route with one destination gives it a weight other than 100.
    ///
    /// ## What it checks
    /// Every `http`, `tcp` and `tls` route of a VirtualService with exactly
    /// one destination whose `weight` is set to anything but 100.
    ///
    /// ## Why it matters
    /// With a single destination istiod sends all traffic to it, whatever the
    /// weight: a `weight: 10` meant as a 10% canary sends 100%.
    ///
    /// ## Example
    /// ```yaml
    /// route:
    /// - destination: {host: reviews, subset: v2}
    ///   weight: 10          # the only destination: it gets everything
    /// ```
    ///
    /// ## How to fix
    /// Add the destination that should get the rest of the traffic, or drop
    /// the weight.
    pub static RULE = { code: "MESH103", name: "single-destination-weight", level: Info, check: check };
}

fn check(context: &Context<'_>, findings: &mut Findings) {
    for object in &context.index.objects {
        let Spec::VirtualService(vs) = &object.spec else {
            continue;
        };
        let weights = vs
            .http
            .iter()
            .map(|r| r.route.iter().map(|d| d.weight).collect::<Vec<_>>())
            .map(|w| ("http", w))
            .enumerate()
            .chain(
                vs.tcp
                    .iter()
                    .map(|r| ("tcp", r.route.iter().map(|d| d.weight).collect()))
                    .enumerate(),
            )
            .chain(
                vs.tls
                    .iter()
                    .map(|r| ("tls", r.route.iter().map(|d| d.weight).collect()))
                    .enumerate(),
            );
        for (i, (section, route)) in weights {
            let [Some(weight)] = route[..] else {
                continue;
            };
            if weight == 100 {
                continue;
            }
            findings
                .report(
                    object,
                    &FieldPath::root()
                        .field("spec")
                        .field(section)
                        .index(i)
                        .field("route")
                        .index(0)
                        .field("weight"),
                    format!("The only destination of this route has weight {weight}: it gets all the traffic"),
                )
                .help = Some("add the destination meant to get the rest, or remove the weight".to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{finding, run_fixture};

    const NAME: &str = "single-destination-weight";

    #[test]
    fn reports_single_destinations_weighted_below_100() {
        assert_eq!(
            run_fixture(NAME, "fires"),
            [
                finding(
                    "MESH103",
                    "VirtualService shop/reviews",
                    10,
                    "spec.http[0].route[0].weight",
                    "The only destination of this route has weight 10: it gets all the traffic",
                ),
                finding(
                    "MESH103",
                    "VirtualService shop/reviews",
                    14,
                    "spec.tcp[0].route[0].weight",
                    "The only destination of this route has weight 0: it gets all the traffic",
                ),
            ]
        );
    }

    #[test]
    fn silent_for_splits_full_weights_and_no_weight() {
        assert!(run_fixture(NAME, "silent").is_empty());
    }
}
