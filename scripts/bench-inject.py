#!/usr/bin/env python3
"""Benchmark: `mesh kube-inject` over 1,000 Deployments (issue 6: <= 1 s).

    python3 scripts/bench-inject.py [--deployments 1000] [--runs 5]

Writes a deterministic manifest (a third of the Deployments ask for the
grpc-agent template, a tenth for grpc-simple, the rest get the sidecar),
builds the release binary, then prints the median wall time over --runs,
Deployments per second and peak RSS, with the built-in templates and with
--templates sidecar forced on every pod.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, measure  # noqa: E402


def manifest(count):
    docs = []
    for i in range(count):
        template = "grpc-agent" if i % 3 == 0 else "grpc-simple" if i % 10 == 1 else None
        annotations = f"\n      annotations:\n        inject.istio.io/templates: {template}" if template else ""
        docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: ns-{i % 20}
  labels: {{app: app-{i}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app-{i}, version: v{i % 3}}}
  template:
    metadata:
      labels: {{app: app-{i}, version: v{i % 3}}}{annotations}
    spec:
      containers:
      - name: app
        image: example.com/app-{i}:1.{i % 7}
        ports: [{{containerPort: 8080}}, {{containerPort: 7070, name: grpc}}]
        readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}
        env: [{{name: MODE, value: prod}}]
""")
    return "---\n".join(docs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench-out"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"deployments-{args.deployments}.yaml")
    with open(path, "w") as f:
        f.write(manifest(args.deployments))
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    mesh = os.path.join(target, "release", "mesh")
    print(f"{args.deployments} Deployments, {os.path.getsize(path) / 1e6:.1f} MB; {os.cpu_count()} cores; median of {args.runs}")
    print(f"{'case':<32} {'wall':>8} {'deploy/s':>10} {'peak RSS':>10}")
    for name, extra in [("built-in templates", []), ("--templates sidecar", ["--templates", "sidecar"])]:
        wall, rss = measure([mesh, "kube-inject", "-f", path, *extra], args.runs)
        print(f"{name:<32} {wall * 1000:>6.0f}ms {args.deployments / wall:>10.0f} {rss / 2**20:>8.0f}MB")


if __name__ == "__main__":
    main()
