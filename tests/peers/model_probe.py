"""One look at what a real proxyless gRPC client (Python grpcio, C-core's
xDS client) makes of the configuration it is served, for
tests/client_model_peers.rs.

  model_probe.py --target xds:///HOST:PORT --plan JSON [--rpcs N]
                 [--deadline S] [--timeout S]

Opens ONE channel to the target (bootstrap from GRPC_XDS_BOOTSTRAP), serves
CSDS in-process and waits until every resource the client asked for has an
answer (ACKED, NACKED or DOES_NOT_EXIST) and the answers stop changing.
Then, for each RPC of --plan (a JSON list of {"method": "/pkg.Svc/M",
"metadata": [[k, v], ...]}), sends N unary RPCs at once (concurrently, so
that a fault delay costs its length once, not N times), each with a
deadline of --deadline seconds. Prints one JSON object:

  {"resources": [{"type", "name", "status", "error"}, ...],
   "rpcs": [{"counts": {BACKEND: n}, "errors": {"StatusCode.X": n},
             "details": {"StatusCode.X": "first details"},
             "elapsed_ms": ...}, ...]}

Exit 0 once printed, 1 if the client's resources never settled within
--timeout seconds (the JSON is printed anyway).
"""
import argparse
import json
import os
import sys
import threading
import time
from concurrent import futures

import grpc
import grpc_admin
from envoy.admin.v3 import config_dump_shared_pb2
from envoy.service.status.v3 import csds_pb2, csds_pb2_grpc

WAITING = {"REQUESTED", "UNKNOWN"}


def identity(data):
    return data


def snapshot(stub):
    response = stub.FetchClientStatus(csds_pb2.ClientStatusRequest(), timeout=5)
    out = []
    for config in response.config:
        for resource in config.generic_xds_configs:
            out.append({
                "type": resource.type_url.rsplit(".", 1)[-1],
                "name": resource.name,
                "status": config_dump_shared_pb2.ClientResourceStatus.Name(resource.client_status),
                "error": resource.error_state.details if resource.HasField("error_state") else "",
            })
    return sorted(out, key=lambda r: (r["type"], r["name"]))


def settled(stub, deadline):
    """The client's resources once all are answered and two looks agree."""
    previous = None
    resources = []
    while time.monotonic() < deadline:
        resources = snapshot(stub)
        answered = resources and all(r["status"] not in WAITING for r in resources)
        if answered and resources == previous:
            return resources, True
        previous = resources if answered else None
        time.sleep(0.1)
    return resources, False


def send(channel, rpc, count, deadline):
    call = channel.unary_unary(
        rpc["method"], request_serializer=identity, response_deserializer=identity
    )
    metadata = [(k.lower(), v) for k, v in rpc.get("metadata", [])]
    counts, errors, details = {}, {}, {}
    started = time.monotonic()
    pending = [call.future(b"probe", metadata=metadata, timeout=deadline) for _ in range(count)]
    for future in pending:
        try:
            name = future.result().decode()
            counts[name] = counts.get(name, 0) + 1
        except grpc.RpcError as error:
            code = str(error.code())
            errors[code] = errors.get(code, 0) + 1
            details.setdefault(code, error.details())
    return {
        "counts": counts,
        "errors": errors,
        "details": details,
        "elapsed_ms": round((time.monotonic() - started) * 1000),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--plan", required=True, help="JSON list of RPCs")
    parser.add_argument("--rpcs", type=int, default=40, help="RPCs sent for each of the plan's")
    parser.add_argument("--deadline", type=float, default=8.0, help="of each RPC, seconds")
    parser.add_argument("--timeout", type=float, default=20.0,
                        help="for the resources to settle, seconds")
    parser.add_argument("--does-not-exist-after", type=float, default=15.0,
                        help="seconds the client waits for a resource it asked for before it "
                             "takes it as absent (gRPC's default: 15)")
    args = parser.parse_args()
    if not os.environ.get("GRPC_XDS_BOOTSTRAP"):
        print("GRPC_XDS_BOOTSTRAP is not set", file=sys.stderr)
        return 2
    plan = json.loads(args.plan)
    # Never outlive the test, whatever grpc does on the way out.
    budget = args.timeout + len(plan) * (args.deadline + 1) + 5
    watchdog = threading.Timer(budget, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()

    admin = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    grpc_admin.add_admin_servicers(admin)
    port = admin.add_insecure_port("127.0.0.1:0")
    admin.start()
    # A resource istiod never sends (a subset no DestinationRule defines)
    # does not exist for the client once this timer fires.
    options = [("grpc.xds_resource_does_not_exist_timeout_ms",
                int(args.does_not_exist_after * 1000))]
    channel = grpc.insecure_channel(args.target, options=options)
    channel.subscribe(lambda state: None, try_to_connect=True)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as csds:
        stub = csds_pb2_grpc.ClientStatusDiscoveryServiceStub(csds)
        resources, done = settled(stub, time.monotonic() + args.timeout)
        rpcs = [send(channel, rpc, args.rpcs, args.deadline) for rpc in plan] if done else []
    print(json.dumps({"resources": resources, "rpcs": rpcs}), flush=True)
    channel.close()
    admin.stop(0)
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
