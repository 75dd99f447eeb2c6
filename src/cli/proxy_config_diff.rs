//! `mesh proxy-config diff`: the live config against `mesh xds render` of
//! the given files. Glue only; the comparison is `proxyconfig::diff`.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde_json::Value as Json;

use super::{print_stdout, Exit};
use crate::proxyconfig::{diff, Dump, Resource};
use crate::xds::render::RenderOptions;
use crate::xds::{Proxy, ResourceType, WorkloadRef};

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
        None => match node(&dump.raw)
            .and_then(|n| n.get("id"))
            .and_then(Json::as_str)
        {
            Some(id) => WorkloadRef::NodeId(id.to_string()),
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
    let index = inputs.index;
    let labels = node_labels(&dump.raw);
    let proxy = match Proxy::find(&index, &reference, labels.as_ref()) {
        Ok(proxy) => proxy,
        Err(error) => return Ok(super::xds::report_error(&error)),
    };
    let (targets, server_address) = diff::render_targets(dump);
    let options = RenderOptions {
        targets,
        server_address,
    };
    let intended = match crate::xds::render(&index, &proxy, &options) {
        Ok(resources) => resources.packed(&ResourceType::ALL),
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

/// The node of the first CSDS client config (gRPC reports the same node
/// for every target).
fn node(raw: &Json) -> Option<&Json> {
    raw.get("config")?.as_array()?.first()?.get("node")
}

/// `node.metadata.LABELS`, for a pod that is in no manifest.
fn node_labels(raw: &Json) -> Option<BTreeMap<String, String>> {
    crate::model::string_map(node(raw)?.get("metadata")?.get("LABELS")?)
}
