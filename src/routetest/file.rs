//! The routing test file `mesh test` reads: requests, and what must happen
//! to them. Its JSON Schema (`schemas/mesh-test.json`) is generated from
//! these types so editors complete and check the files.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// A file of routing tests.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mesh test file")]
pub struct TestFile {
    /// Config files or directories the tests run against, relative to this
    /// file; added to the ones given with `-f`.
    #[serde(default)]
    pub config: Vec<String>,
    /// The test cases, run in order.
    pub tests: Vec<TestCase>,
}

/// One RPC and what must happen to it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// Shown in results; defaults to `METHOD to TARGET`.
    #[serde(default)]
    pub name: Option<String>,
    /// Who sends the RPC.
    pub client: Client,
    /// What the client dials, HOST:PORT as in xds:///HOST:PORT.
    pub target: String,
    /// The method path, /package.Service/Method.
    pub method: String,
    /// Request metadata.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The client's gRPC runtime, LANG@VERSION, LANG or `any` (default).
    #[serde(default)]
    pub grpc: Option<String>,
    /// What must happen; every field given is checked.
    pub expect: Expectation,
}

/// The client: a workload or pod of the config, or a proxyless client
/// assumed in a namespace (for configuration-only inputs).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// NAMESPACE/NAME of a Deployment (or other workload), Pod or WorkloadEntry.
    #[serde(default)]
    pub workload: Option<String>,
    /// NAMESPACE/NAME of a Pod.
    #[serde(default)]
    pub pod: Option<String>,
    /// A proxyless client assumed in this namespace, with no labels.
    #[serde(default)]
    pub namespace: Option<String>,
}

/// What must happen to the RPC.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// `OK` when the RPC must reach a backend, else the gRPC status it must
    /// fail with (`UNAVAILABLE` for no route or a rejected resource).
    #[serde(default)]
    pub status: Option<String>,
    /// The name of the route that must take the RPC (VirtualService
    /// `http[].name`, or the name istiod gives a Gateway API rule).
    #[serde(default)]
    pub route: Option<String>,
    /// Where the route must come from: the start of `ORIGIN FIELD`, e.g.
    /// `VirtualService prod/echo`, `VirtualService prod/echo spec.http[1]`,
    /// `GRPCRoute prod/echo spec.rules[0]`.
    #[serde(default)]
    pub source: Option<String>,
    /// Every cluster the route sends to, with its share.
    #[serde(default)]
    pub destinations: Option<Vec<ExpectedDestination>>,
    /// The deadline gRPC applies from the route (`2s`, `500ms`), or `none`
    /// for the application's own.
    #[serde(default)]
    pub timeout: Option<String>,
    /// Retries gRPC makes.
    #[serde(default)]
    pub retries: Option<ExpectedRetries>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedDestination {
    /// The host: its full name, or its first label (`echo`).
    pub host: String,
    /// The subset; none when left out.
    #[serde(default)]
    pub subset: Option<String>,
    /// The share of RPCs in percent (default 100 for a single destination).
    #[serde(default)]
    pub weight: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRetries {
    /// Attempts in all (the first and the retries); 0 or 1 for none.
    pub attempts: u32,
    /// The gRPC statuses retried.
    #[serde(default)]
    pub on: Option<Vec<String>>,
}

/// The JSON Schema of a test file, as checked in under `schemas/`.
pub fn schema() -> serde_json::Value {
    schemars::schema_for!(TestFile).to_value()
}
