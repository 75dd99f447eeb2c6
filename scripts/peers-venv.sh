#!/bin/sh
# Creates (once) the virtualenv with the real proxyless gRPC peer: Python
# grpcio with its xDS client, CSDS and admin services, and the xDS protos.
# Prints the venv's python on stdout. The venv lives under target/ (ignored
# by git); set MESH_PEERS_VENV to put it elsewhere.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${MESH_PEERS_VENV:-"$repo/target/peers-venv"}
stamp="$venv/.mesh-peers-ready"
if [ ! -f "$stamp" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --disable-pip-version-check --quiet \
        grpcio grpcio-csds grpcio-admin xds-protos >&2
    touch "$stamp"
fi
echo "$venv/bin/python"
