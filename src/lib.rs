//! `mesh`: Istio service-mesh configuration for proxyless gRPC workloads.
//!
//! Data flows one way: [`source`] (bytes → documents with positions) →
//! [`model`] (typed kinds) → [`index`] (read-only lookups) → consumers such as
//! [`validate`] → [`output`].
#![forbid(unsafe_code)]

pub mod analyze;
pub mod cli;
pub mod diagnostic;
pub mod fuzzing;
pub mod grpc_support;
pub mod index;
pub mod inject;
pub mod load;
pub mod model;
pub mod output;
pub mod parallel;
pub mod proxyconfig;
pub mod routetest;
pub mod semantics;
pub mod source;
pub mod validate;
pub mod xds;
