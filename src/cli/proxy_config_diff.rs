//! `mesh proxy-config diff`: the live config against `mesh xds render` of
//! the given files. Glue only; the comparison is `proxyconfig::diff`.

use anyhow::{Context, Result};

use super::{print_stdout, Exit};
use crate::proxyconfig::{diff, Dump, Resource};
use crate::xds::WorkloadRef;

/// Compares `live` (the dump's resources, filtered) with the render of
/// `paths` for `workload` (default: the node id the client reports).
pub(super) fn run(
    dump: &Dump,
    live: &[&Resource],
    input: &super::common::InputArgs,
    workload: Option<&str>,
    pod_target: bool,
) -> Result<Exit> {
    let reference = match workload {
        Some(text) => match WorkloadRef::parse_namespaced(text) {
            Ok((namespace, name)) => WorkloadRef::Workload { namespace, name },
            Err(error) => return Ok(super::xds::report_error(&error)),
        },
        None => match diff::node_id(dump) {
            Some(id) => WorkloadRef::NodeId(id),
            None => {
                eprintln!("mesh: error: expected --workload NS/NAME (the dump names no node id)");
                return Ok(Exit::Usage);
            }
        },
    };
    // A POD target took --kubeconfig, --context and -n as its own.
    let load = if pod_target {
        super::common::load_with_cluster_flags
    } else {
        super::common::load
    };
    let inputs = match load(input, "proxy-config diff") {
        Ok(inputs) if !inputs.account.failed => inputs,
        Ok(_) => return Ok(Exit::InputError),
        Err(exit) => return Ok(exit),
    };
    let intended = match diff::intended(&inputs.index, dump, &reference) {
        Ok(resources) => resources,
        Err(error) => return Ok(super::xds::report_error(&error)),
    };
    let found = diff::compare(live, &intended).context("cannot compare")?;
    if found.differences == 0 {
        eprintln!(
            "mesh: the live config matches the intended config ({} resources compared)",
            found.compared
        );
        return Ok(Exit::Ok);
    }
    print_stdout(&found.report)?;
    eprintln!(
        "mesh: {} of {} resources differ from the intended config",
        found.differences, found.compared
    );
    Ok(Exit::Failure)
}
