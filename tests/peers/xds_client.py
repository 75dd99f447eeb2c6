"""A real proxyless gRPC client (grpcio's C-core xDS client) for mesh's tests.

Opens one channel per --target (xds:///HOST:PORT) with the bootstrap named by
GRPC_XDS_BOOTSTRAP, serves CSDS in-process, and polls it until every
resource the client asked for has an answer (ACKED, NACKED or
DOES_NOT_EXIST), or --timeout seconds pass. Prints one JSON object per
resource: {"type", "name", "status", "version", "error"}. Exit 0 when every
resource was answered, 1 on timeout.
"""
import argparse
import json
import os
import sys
import time
from concurrent import futures

import grpc
import grpc_admin
from envoy.admin.v3 import config_dump_shared_pb2
from envoy.service.status.v3 import csds_pb2, csds_pb2_grpc

WAITING = {"REQUESTED", "UNKNOWN"}
TYPES = ("Listener", "RouteConfiguration", "Cluster", "ClusterLoadAssignment")


def snapshot(stub):
    response = stub.FetchClientStatus(csds_pb2.ClientStatusRequest(), timeout=5)
    out = []
    for config in response.config:
        for resource in config.generic_xds_configs:
            out.append({
                "type": resource.type_url.rsplit(".", 1)[-1],
                "name": resource.name,
                "status": config_dump_shared_pb2.ClientResourceStatus.Name(resource.client_status),
                "version": resource.version_info,
                "error": resource.error_state.details if resource.HasField("error_state") else "",
            })
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", action="append", required=True)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if not os.environ.get("GRPC_XDS_BOOTSTRAP"):
        print("GRPC_XDS_BOOTSTRAP is not set", file=sys.stderr)
        return 2
    admin = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    grpc_admin.add_admin_servicers(admin)
    port = admin.add_insecure_port("127.0.0.1:0")
    admin.start()
    channels = []
    for target in args.target:
        channel = grpc.insecure_channel(target)
        channel.subscribe(lambda state: None, try_to_connect=True)
        channels.append(channel)
    resources = []
    deadline = time.time() + args.timeout
    done = False
    with grpc.insecure_channel(f"127.0.0.1:{port}") as csds:
        stub = csds_pb2_grpc.ClientStatusDiscoveryServiceStub(csds)
        while time.time() < deadline:
            resources = snapshot(stub)
            seen = {r["type"] for r in resources}
            answered = all(r["status"] not in WAITING for r in resources)
            # Every type appears once the walk LDS → RDS → CDS → EDS completed
            # (a NACK or a missing resource can end it earlier).
            blocked = any(r["status"] != "ACKED" for r in resources)
            if resources and answered and (seen >= set(TYPES) or blocked):
                done = True
                break
            time.sleep(0.3)
    for resource in resources:
        print(json.dumps(resource), flush=True)
    for channel in channels:
        channel.close()
    admin.stop(0)
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
