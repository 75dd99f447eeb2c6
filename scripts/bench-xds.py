#!/usr/bin/env python3
"""Benchmark: `mesh xds render` for every proxyless client of a 1,000-service
mesh (issue 5: <= 1 s), and what a Sidecar egress scope saves each client.

    python3 scripts/bench-xds.py [--services 1000] [--namespaces 10]
                                 [--clients 1] [--runs 5]

Writes a deterministic mesh (seedless: every name follows from its number):
--services gRPC Services spread over --namespaces namespaces, each with a
DestinationRule of three subsets (v1, v2, v3), a VirtualService splitting
70/20/10 over them, and two Pods per subset (the endpoints; 6 per Service).
Each namespace has --clients proxyless client Deployments (grpc-agent).
The same mesh is written a second time with a Sidecar per namespace whose
egress is `./*` and `istio-system/*`, as the Istio docs recommend.

Builds the release binary, then for both meshes prints each client's render
time and xDS bytes (`mesh xds render --all-proxyless -o table --timings`),
the render time of all clients (mesh's own clock, on all cores), the wall
time of the whole command (reading the files included; median of --runs)
and its peak RSS, and how much the Sidecar shrinks what a client receives.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, measure  # noqa: E402

TARGET_SECONDS = 1.0
SUBSETS = ("v1", "v2", "v3")
WEIGHTS = (70, 20, 10)
PODS_PER_SUBSET = 2


def service(i, namespaces):
    ns = f"ns-{i % namespaces}"
    name = f"svc-{i}"
    host = f"{name}.{ns}.svc.cluster.local"
    subsets = "".join(f"\n  - name: {v}\n    labels: {{version: {v}}}" for v in SUBSETS)
    routes = "".join(
        f"\n    - destination: {{host: {host}, subset: {v}}}\n      weight: {w}"
        for v, w in zip(SUBSETS, WEIGHTS)
    )
    docs = [f"""apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{app: {name}}}
  ports:
  - {{name: grpc, port: 7070, targetPort: 7070}}
""", f"""apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: {name}, namespace: {ns}}}
spec:
  host: {host}
  subsets:{subsets}
""", f"""apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {name}, namespace: {ns}}}
spec:
  hosts: [{host}]
  http:
  - route:{routes}
"""]
    for s, version in enumerate(SUBSETS):
        for p in range(PODS_PER_SUBSET):
            n = (i * len(SUBSETS) + s) * PODS_PER_SUBSET + p
            ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            docs.append(f"""apiVersion: v1
kind: Pod
metadata:
  name: {name}-{version}-{p}
  namespace: {ns}
  labels: {{app: {name}, version: {version}}}
spec:
  containers:
  - {{name: app, image: example.com/{name}:1, ports: [{{containerPort: 7070, name: grpc}}]}}
status: {{podIP: {ip}}}
""")
    return docs


def namespace_docs(ns, clients, sidecar):
    docs = [f"""apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
"""]
    for c in range(clients):
        docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: client-{c}, namespace: {ns}}}
spec:
  selector:
    matchLabels: {{app: client-{c}}}
  template:
    metadata:
      labels: {{app: client-{c}}}
      annotations: {{inject.istio.io/templates: grpc-agent}}
    spec:
      containers:
      - {{name: app, image: example.com/client:1}}
""")
    if sidecar:
        docs.append(f"""apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {{name: default, namespace: {ns}}}
spec:
  egress:
  - hosts: ["./*", "istio-system/*"]
""")
    return docs


def write_mesh(path, args, sidecar):
    docs = []
    for n in range(args.namespaces):
        docs += namespace_docs(f"ns-{n}", args.clients, sidecar)
    for i in range(args.services):
        docs += service(i, args.namespaces)
    with open(path, "w") as f:
        f.write("---\n".join(docs))
    return len(docs)


def render_table(mesh, path):
    """The --timings table (rows of cells) and mesh's own total render time."""
    done = subprocess.run(
        [mesh, "xds", "render", path, "--all-proxyless", "-o", "table", "--timings"],
        capture_output=True, text=True, check=True,
    )
    rows = [line.split() for line in done.stdout.splitlines()[1:] if line.strip()]
    total = re.search(r"in ([0-9.]+) ms on", done.stderr)
    if not rows or not total:
        sys.exit(f"unexpected output:\n{done.stdout[:2000]}\n{done.stderr[-2000:]}")
    return rows, float(total.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--namespaces", type=int, default=10)
    parser.add_argument("--clients", type=int, default=1, help="proxyless client Deployments per namespace")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench-out"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mesh"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    mesh = os.path.join(target, "release", "mesh")

    cases = []
    for label, sidecar in (("mesh-wide (no Sidecar)", False), ("Sidecar egress ./* istio-system/*", True)):
        path = os.path.join(args.out, f"xds-{args.services}{'-sidecars' if sidecar else ''}.yaml")
        documents = write_mesh(path, args, sidecar)
        rows, render_ms = render_table(mesh, path)
        wall, rss = measure([mesh, "xds", "render", path, "--all-proxyless", "-o", "table"], args.runs)
        cases.append((label, path, documents, rows, render_ms, wall, rss))

    print(f"{args.services:,} Services x {len(SUBSETS)} subsets x {PODS_PER_SUBSET} endpoints, "
          f"{args.namespaces} namespaces, {args.namespaces * args.clients} proxyless clients; "
          f"{os.cpu_count()} cores; wall: median of {args.runs}")
    for label, path, documents, rows, render_ms, wall, rss in cases:
        print(f"\n### {label}: {documents:,} documents, {os.path.getsize(path) / 1e6:.1f} MB\n")
        print("| client | LDS | RDS | CDS | EDS | xDS bytes | render ms |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, lds, rds, cds, eds, size, ms in rows:
            print(f"| {name} | {lds} | {rds} | {cds} | {eds} | {int(size):,} | {float(ms):.1f} |")
        per_client = [float(r[6]) for r in rows]
        print(f"\nrender, every client: {render_ms:.0f} ms on all cores "
              f"(per client: median {statistics.median(per_client):.1f} ms, max {max(per_client):.1f} ms); "
              f"whole command (read, index, render, print): {wall * 1000:.0f} ms, peak RSS {rss / 2**20:.0f} MB")

    def mean_bytes(rows):
        return statistics.mean(int(r[5]) for r in rows)

    def mean_resources(rows):
        return statistics.mean(sum(int(c) for c in r[1:5]) for r in rows)

    (_, _, _, wide, wide_ms, wide_wall, _), (_, _, _, scoped, scoped_ms, scoped_wall, _) = cases
    print(f"\nA Sidecar egress scope shrinks what each client receives from "
          f"{mean_bytes(wide) / 1e6:.2f} MB to {mean_bytes(scoped) / 1e6:.2f} MB "
          f"({mean_bytes(wide) / mean_bytes(scoped):.1f}x less) and from {mean_resources(wide):,.0f} "
          f"to {mean_resources(scoped):,.0f} resources; rendering every client takes "
          f"{wide_ms:.0f} ms -> {scoped_ms:.0f} ms.")
    met = wide_wall <= TARGET_SECONDS
    print(f"Target: every client of the mesh-wide case in <= {TARGET_SECONDS:.0f} s, the whole command "
          f"included: {wide_wall * 1000:.0f} ms ({'met' if met else '**MISSED**'}).")


if __name__ == "__main__":
    main()
