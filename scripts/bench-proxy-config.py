#!/usr/bin/env python3
"""Benchmark: fetch, decode and tabulate a CSDS response of 5,000 resources
(issue 7: <= 300 ms).

    python3 scripts/bench-proxy-config.py [--resources 5000] [--runs 7]

Builds the release binaries (honouring CARGO_TARGET_DIR), starts
`examples/csds_server.rs` on 127.0.0.1 (what a real grpcio app held for one
target, copied per service up to --resources, one ClientConfig per target),
then prints the median wall time and peak RSS of `mesh proxy-config all` and
`status` against it over --runs, and the verdict against the target.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, measure  # noqa: E402

TARGET_MS = 300


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--bin", "mesh", "--example", "csds_server"], cwd=ROOT, check=True
    )
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    mesh = os.path.join(target, "release", "mesh")
    server = subprocess.Popen(
        [os.path.join(target, "release", "examples", "csds_server"), str(args.resources)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        addr = server.stdout.readline().split("listening on ", 1)[1].strip()
        resources = int(server.stdout.readline().split()[1])
        dump = subprocess.run([mesh, "proxy-config", "dump", "--addr", addr], check=True, capture_output=True).stdout
        print(f"CSDS response: {resources} resources, {len(dump) / 1e6:.1f} MB as JSON, served on {addr}")
        print(f"median of {args.runs} runs, {os.cpu_count()} cores\n")
        print("| command | wall | peak RSS |")
        print("|---|---:|---:|")
        worst = 0.0
        for what in ["all", "status"]:
            wall, rss = measure([mesh, "proxy-config", what, "--addr", addr], args.runs, ok_codes=(0,))
            worst = max(worst, wall)
            print(f"| mesh proxy-config {what} --addr | {wall * 1000:.0f} ms | {rss / 2**20:.0f} MB |")
        verdict = "met" if worst * 1000 <= TARGET_MS else "MISSED"
        print(f"\nTarget (<= {TARGET_MS} ms for {args.resources} resources): {verdict} ({worst * 1000:.0f} ms)")
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
