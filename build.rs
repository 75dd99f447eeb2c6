//! Compiles the vendored gRPC admin protos (`proto/`: channelz, health, and
//! the snapshot `mesh proxy-config channelz` saves) without `protoc`:
//! protox parses them, tonic-prost-build writes the prost types and tonic
//! clients, and the descriptor set goes beside them for the proto3 JSON
//! mapping (prost-reflect).

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "proto/grpc/channelz/v1/channelz.proto",
    "proto/grpc/health/v1/health.proto",
    "proto/mesh/v1/channelz_snapshot.proto",
];

fn main() {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = match protox::compile(PROTOS, ["proto"]) {
        Ok(descriptors) => descriptors,
        Err(error) => panic!("cannot compile the protos in proto/: {error}"),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(
        out.join("admin_descriptors.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )
    .expect("cannot write the descriptor set into OUT_DIR");
    tonic_prost_build::configure()
        .build_server(false)
        .build_transport(false)
        .emit_rerun_if_changed(false)
        .compile_fds(descriptors)
        .expect("cannot generate the channelz and health clients");
}
