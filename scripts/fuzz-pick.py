#!/usr/bin/env python3
"""Pick a small fuzz corpus: the inputs that add the most edges, greedily.

Usage (from fuzz/, after a run; BIN is the target's binary, e.g.
target/x86_64-unknown-linux-gnu/release/analyze):

    mkdir /tmp/merged && BIN -merge=1 -use_counters=0 \\
        -merge_control_file=/tmp/analyze.cf /tmp/merged corpus/analyze seeds/analyze
    scripts/fuzz-pick.py /tmp/analyze.cf 500 --seeds seeds/analyze --out corpus.new/analyze

libFuzzer's merge control file lists every input and, per input, the edges
it covers (`COV i e1 e2 ...`). Inputs are taken one by one, each time the one
adding the most edges not yet covered (the smaller on a tie), until LIMIT are
taken or none adds any. Inputs equal to a seed are left out of OUT (the seeds
are checked in and replayed on their own); the others are copied into OUT
named by their SHA-1, as libFuzzer names them. Prints the share of edges kept.
"""

import argparse
import hashlib
import os
import shutil
import sys


def read_control_file(path):
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    count = int(lines[0])
    files = lines[2 : 2 + count]
    edges = {}
    for line in lines[2 + count :]:
        parts = line.split()
        if parts and parts[0] == "COV":
            edges[int(parts[1])] = set(parts[2:])
    return files, edges


def sha1(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("control_file")
    parser.add_argument("limit", type=int)
    parser.add_argument("--seeds", help="directory of the target's seeds")
    parser.add_argument("--out", required=True, help="directory to fill")
    args = parser.parse_args()

    files, edges = read_control_file(args.control_file)
    every_edge = set().union(*edges.values()) if edges else set()
    size = {i: os.path.getsize(files[i]) for i in edges}
    taken, covered = [], set()
    while len(taken) < args.limit and edges:
        best = max(edges, key=lambda i: (len(edges[i] - covered), -size[i]))
        if not edges[best] - covered:
            break
        taken.append(best)
        covered |= edges[best]

    seeds = set()
    if args.seeds:
        seeds = {sha1(os.path.join(args.seeds, name)) for name in os.listdir(args.seeds)}
    os.makedirs(args.out, exist_ok=True)
    kept = 0
    for i in taken:
        digest = sha1(files[i])
        if digest not in seeds:
            shutil.copyfile(files[i], os.path.join(args.out, digest))
            kept += 1
    share = 100 * len(covered) / len(every_edge) if every_edge else 100
    print(
        f"{len(taken)} inputs cover {len(covered)} of {len(every_edge)} edges ({share:.1f}%); "
        f"{kept} copied to {args.out}, {len(taken) - kept} equal to a seed",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
