import sys, threading, time
from concurrent import futures
import grpc, grpc_admin
from envoy.service.status.v3 import csds_pb2, csds_pb2_grpc
admin = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
grpc_admin.add_admin_servicers(admin)
port = admin.add_insecure_port("127.0.0.1:0")
admin.start()
print("admin", port, flush=True)
channels = [grpc.insecure_channel(t) for t in sys.argv[1:]]
for c in channels:
    c.subscribe(lambda state: None, try_to_connect=True)
stub = csds_pb2_grpc.ClientStatusDiscoveryServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
deadline = time.time() + 40
while time.time() < deadline:
    configs = stub.FetchClientStatus(csds_pb2.ClientStatusRequest(), timeout=5).config
    statuses = [r.client_status for c in configs for r in c.generic_xds_configs]
    # ClusterLoadAssignment answered means the LDS, RDS, CDS, EDS walk ended;
    # a NACK (4) ends it early.
    types = {r.type_url.rsplit(".", 1)[-1] for c in configs for r in c.generic_xds_configs}
    if statuses and 1 not in statuses and ("ClusterLoadAssignment" in types or 4 in statuses):
        break
    time.sleep(0.3)
print("ready", flush=True)
threading.Thread(target=sys.stdin.read, daemon=True).start()
end = time.time() + 60
while time.time() < end and threading.active_count() > 1:
    time.sleep(0.2)
