//! Live xDS config of a proxyless gRPC workload (CSDS) or an Envoy
//! (`/config_dump`), read into one list of resources and printed as tables.
//!
//! Two sources, one model: [`dump`] reads JSON (a saved CSDS response or an
//! Envoy config dump, in either casing) into [`Resource`]s; [`csds`] fetches
//! a `ClientStatusResponse` over gRPC and reads it into the same
//! [`Resource`]s, each config kept packed ([`packed`]) until printed as JSON,
//! the tables' facts read from the typed protos ([`typed`]); [`table`]
//! prints them. Facts come from `spec/proxy-config.md`.
//!
//! Beside the xDS config, the app's other admin services: [`channelz`] and
//! [`health`], over the protos of [`admin_protos`].

pub mod admin_protos;
pub mod channelz;
pub mod csds;
pub mod diff;
pub mod dump;
pub mod envoy;
pub mod filter;
pub mod health;
pub mod live;
pub mod logging;
pub mod packed;
pub mod pod;
pub mod rootca;
pub mod secrets;
pub mod status;
pub mod table;
pub mod typed;

pub use dump::{Dump, DumpError, Resource, ResourceKind};
