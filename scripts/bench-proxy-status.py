#!/usr/bin/env python3
"""Benchmark: `mesh proxy-status` over 50 targets.

    python3 scripts/bench-proxy-status.py [--targets 50] [--silent 5] [--runs 5] [--debug]

Builds `mesh` and `examples/csds_server.rs` (release; the dev build with
--debug, honouring CARGO_TARGET_DIR), starts one csds_server process that
serves, on --targets loopback ports, what a real grpcio app held for the
echo-grpc example (testdata/proxy-config/csds-echo-grpc.json), plus
--silent ports that accept connections and never answer. Then prints the
median wall time and peak RSS of:

  * the targets alone (fetch and count);
  * the same judged against testdata/echo-grpc (render and compare, each
    row SYNCED);
  * the same with --parallel 1, for the cost of asking one at a time;
  * the targets plus the silent ones, each silent one spending its own
    --timeout 1s, side by side with the others.

Figures go to stdout as Markdown; it times nothing against a target.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, measure  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--silent", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--debug", action="store_true", help="use the dev build (no --release)")
    args = parser.parse_args()
    profile = [] if args.debug else ["--release"]
    subprocess.run(
        ["cargo", "build", *profile, "--quiet", "--bin", "mesh", "--example", "csds_server"], cwd=ROOT, check=True
    )
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    build = os.path.join(target, "debug" if args.debug else "release")
    mesh = os.path.join(build, "mesh")
    server = subprocess.Popen(
        [os.path.join(build, "examples", "csds_server"), "--template",
         "--listeners", str(args.targets), "--silent", str(args.silent)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        answering, silent = [], []
        while True:
            line = server.stdout.readline()
            if not line:
                sys.exit("csds_server ended before it listened")
            if line.startswith("listening on "):
                answering.append(line.split()[-1])
            elif line.startswith("silent on "):
                silent.append(line.split()[-1])
            elif line.startswith("resources "):
                resources = int(line.split()[1])
                break
        addrs = [a for i, addr in enumerate(answering) for a in ("--addr", f"app-{i}={addr}")]
        quiet = [a for i, addr in enumerate(silent) for a in ("--addr", f"silent-{i}={addr}")]
        base = [mesh, "proxy-status"]
        print(f"{len(answering)} CSDS servers in one process ({resources} resources each), "
              f"{len(silent)} silent ports; {'dev' if args.debug else 'release'} build, "
              f"median of {args.runs} runs, {os.cpu_count()} cores\n")
        print("| command | targets | wall | peak RSS |")
        print("|---|---:|---:|---:|")
        cases = [
            ("proxy-status --addr ×N", len(answering), base + addrs),
            ("proxy-status testdata/echo-grpc --addr ×N", len(answering), base + [os.path.join(ROOT, "testdata", "echo-grpc")] + addrs),
            ("proxy-status --addr ×N --parallel 1", len(answering), base + addrs + ["--parallel", "1"]),
            (f"proxy-status --addr ×N (+{len(silent)} silent) --timeout 1s", len(answering) + len(silent),
             base + addrs + quiet + ["--timeout", "1s"]),
        ]
        for label, count, argv in cases:
            wall, rss = measure(argv, args.runs, ok_codes=(0,))
            print(f"| mesh {label} | {count} | {wall * 1000:.0f} ms | {rss / 2**20:.0f} MB |")
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
