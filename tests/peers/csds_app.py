"""A proxyless gRPC app for mesh's proxy-config tests (Python grpcio).

  csds_app.py TARGET...

Serves the gRPC admin services (CSDS and channelz, grpc_admin) and the
health service (grpcio-health-checking) on 127.0.0.1, prints "admin PORT",
opens one channel per TARGET (xds:/// targets use GRPC_XDS_BOOTSTRAP) and
prints "ready" once every xDS resource it asked for has an answer (at most
40 s). Then it follows commands on stdin, one per line, each answered by a
line "done ..." (or "failed ..."), and exits when stdin closes:

  calls OK FAILED     OK RPCs that succeed, then FAILED that fail
                      (NOT_FOUND), on one channel to its own admin server
                      (target ipv4:127.0.0.1:PORT; over mTLS with
                      MESH_PEER_TLS_DIR)
  health STATUS [SERVICE]
                      sets SERVICE's health status (SERVING, NOT_SERVING,
                      ...; no SERVICE: the overall status)

MESH_PEER_HEALTH_LIST=1 serves the health List method (gRFC A90), which
grpcio's own health servicer does not implement. MESH_PEER_TLS_DIR=DIR
(DIR/server and DIR/client as `traffic.py certs` writes them, with a DNS
name "localhost") adds an mTLS port for the `calls` channel.
"""
import os
import sys
import threading
import time
from concurrent import futures

import grpc
import grpc_admin
from envoy.service.status.v3 import csds_pb2, csds_pb2_grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc


class ListingHealth(health.HealthServicer):
    """grpcio's health servicer, plus List."""

    def __init__(self):
        super().__init__()
        self._statuses = {"": health_pb2.HealthCheckResponse.SERVING}
        self._statuses_lock = threading.Lock()

    def set(self, service, status):
        with self._statuses_lock:
            self._statuses[service] = status
        super().set(service, status)

    def List(self, request, context):
        with self._statuses_lock:
            return health_pb2.HealthListResponse(statuses={
                name: health_pb2.HealthCheckResponse(status=status)
                for name, status in self._statuses.items()
            })


def read(directory, name):
    with open(os.path.join(directory, name), "rb") as f:
        return f.read()


def main():
    listing = os.environ.get("MESH_PEER_HEALTH_LIST") == "1"
    health_servicer = ListingHealth() if listing else health.HealthServicer()
    admin = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    grpc_admin.add_admin_servicers(admin)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, admin)
    port = admin.add_insecure_port("127.0.0.1:0")
    tls_dir = os.environ.get("MESH_PEER_TLS_DIR")
    calls_target, calls_credentials = f"ipv4:127.0.0.1:{port}", None
    if tls_dir:
        server_dir, client_dir = os.path.join(tls_dir, "server"), os.path.join(tls_dir, "client")
        server_credentials = grpc.ssl_server_credentials(
            [(read(server_dir, "key.pem"), read(server_dir, "cert-chain.pem"))],
            root_certificates=read(server_dir, "root-cert.pem"),
            require_client_auth=True,
        )
        tls_port = admin.add_secure_port("127.0.0.1:0", server_credentials)
        calls_target = f"ipv4:127.0.0.1:{tls_port}"
        calls_credentials = grpc.ssl_channel_credentials(
            read(client_dir, "root-cert.pem"),
            read(client_dir, "key.pem"),
            read(client_dir, "cert-chain.pem"),
        )
    admin.start()
    print("admin", port, flush=True)

    channels = [grpc.insecure_channel(t) for t in sys.argv[1:]]
    for c in channels:
        c.subscribe(lambda state: None, try_to_connect=True)
    xds_targets = [t for t in sys.argv[1:] if t.startswith("xds:")]
    stub = csds_pb2_grpc.ClientStatusDiscoveryServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    deadline = time.time() + 40
    while xds_targets and time.time() < deadline:
        configs = stub.FetchClientStatus(csds_pb2.ClientStatusRequest(), timeout=5).config
        statuses = [r.client_status for c in configs for r in c.generic_xds_configs]
        # ClusterLoadAssignment answered means the LDS, RDS, CDS, EDS walk ended;
        # a NACK (4) ends it early.
        types = {r.type_url.rsplit(".", 1)[-1] for c in configs for r in c.generic_xds_configs}
        if statuses and 1 not in statuses and ("ClusterLoadAssignment" in types or 4 in statuses):
            break
        time.sleep(0.3)
    print("ready", flush=True)

    calls_channel = None
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "calls" and len(words) == 3:
            if calls_channel is None:
                if calls_credentials is None:
                    calls_channel = grpc.insecure_channel(calls_target)
                else:
                    calls_channel = grpc.secure_channel(
                        calls_target, calls_credentials,
                        options=[("grpc.ssl_target_name_override", "localhost")])
            check = health_pb2_grpc.HealthStub(calls_channel).Check
            ok, failed = int(words[1]), int(words[2])
            for _ in range(ok):
                check(health_pb2.HealthCheckRequest(service=""), timeout=5)
            for _ in range(failed):
                try:
                    check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
                except grpc.RpcError as error:
                    if error.code() != grpc.StatusCode.NOT_FOUND:
                        raise
            print("done calls", flush=True)
        elif words[0] == "health" and len(words) in (2, 3):
            status = health_pb2.HealthCheckResponse.ServingStatus.Value(words[1])
            health_servicer.set(words[2] if len(words) == 3 else "", status)
            print("done health", flush=True)
        else:
            print("failed: unknown command", line.strip(), flush=True)


if __name__ == "__main__":
    # Never outlive the test: stdin closes when it ends, and at most 120 s.
    watchdog = threading.Timer(120, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    main()
    os._exit(0)
