#!/usr/bin/env python3
"""Benchmark: load + validate and analyze vs. the YAML parse floor.

    python3 scripts/bench.py [--resources 10000] [--runs 5] [--scale 40000]

Generates a deterministic corpus with scripts/gen-corpus.py, builds the
release binaries, then runs, on the same files in the same run:
  * parse-only: examples/parse_only.rs, saphyr-parser events and nothing else;
  * mesh validate: read, parse, type, schema-check and field-check everything;
  * mesh analyze: the same plus every rule.
With --scale N, the analyze row is measured again on an N-resource corpus and
the growth factor printed (issue 3: 40k must take <= 4.5x the 10k time).
Each row: median wall time over --runs, resources per second, peak RSS (from
wait4, per run), and the ratio to parse-only. Targets (issue 2): validate
<= 1.5x parse-only, peak RSS <= 3x input + 50 MB.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_once(argv):
    """Wall seconds and peak RSS (bytes) of one run of argv."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    # analyze exits 79 when it finds something: that is a result, not a failure.
    if code not in (0, 79):
        sys.exit(f"{' '.join(argv)} exited {code}:\n{stderr}")
    return wall, usage.ru_maxrss * 1024


def measure(argv, runs):
    results = [run_once(argv) for _ in range(runs)]
    return statistics.median(w for w, _ in results), max(r for _, r in results)


def generate(out, count):
    """Writes (once) and returns a corpus of about `count` resources."""
    corpus = os.path.join(out, f"corpus-{count}")
    summary = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "gen-corpus.py"), "--resources", str(count), "--out", corpus],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    print(summary)
    return corpus, int(summary.split()[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench-out"))
    parser.add_argument("--scale", type=int, default=0, help="also time analyze on this many resources")
    args = parser.parse_args()

    corpus, resources = generate(args.out, args.resources)
    input_bytes = sum(os.path.getsize(os.path.join(corpus, f)) for f in os.listdir(corpus))

    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mesh", "--example", "parse_only"], cwd=ROOT, check=True)
    release = os.path.join(ROOT, "target", "release")
    rows = [
        ("parse only (saphyr-parser events)", [os.path.join(release, "examples", "parse_only"), corpus]),
        ("mesh validate", [os.path.join(release, "mesh"), "validate", corpus]),
        ("mesh analyze (all rules)", [os.path.join(release, "mesh"), "analyze", "--failure-threshold", "error", "-o", "json", corpus]),
    ]
    measured = [(name, *measure(argv, args.runs)) for name, argv in rows]
    floor = measured[0][1]
    cores = os.cpu_count()
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"\n{resources} resources, {input_bytes / 1e6:.1f} MB in {len(os.listdir(corpus))} files; "
          f"{cores} cores, {mem_gib:.0f} GiB; median of {args.runs} runs\n")
    print(f"| {'step':<34} | {'wall':>8} | {'resources/s':>11} | {'peak RSS':>9} | {'vs parse':>8} |")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 13}|{'-' * 11}|{'-' * 10}|")
    for name, wall, rss in measured:
        print(f"| {name:<34} | {wall * 1000:>6.0f}ms | {resources / wall:>11,.0f} | {rss / 2**20:>7.1f}MB | {wall / floor:>7.2f}x |")
    budget = 3 * input_bytes + 50 * 2**20
    validate_wall, validate_rss = measured[1][1], measured[1][2]
    print(f"\ntargets: validate/parse {validate_wall / floor:.2f}x (<= 1.5x: {'met' if validate_wall <= 1.5 * floor else 'MISSED'}); "
          f"peak RSS {validate_rss / 2**20:.1f}MB vs budget {budget / 2**20:.1f}MB "
          f"({'met' if validate_rss <= budget else 'MISSED'})")
    analyze_wall = measured[2][1]
    print(f"analyze/parse {analyze_wall / floor:.2f}x (issue 3: <= 2x: {'met' if analyze_wall <= 2 * floor else 'MISSED'})")
    if args.scale:
        scale(args, release, analyze_wall, resources)




def scale(args, release, base_wall, base_resources):
    corpus, resources = generate(args.out, args.scale)
    wall, rss = measure([os.path.join(release, "mesh"), "analyze", "-o", "json", corpus], args.runs)
    growth = wall / base_wall
    print(f"\nscaling: analyze on {resources} resources: {wall * 1000:.0f}ms, peak RSS {rss / 2**20:.1f}MB; "
          f"{growth:.2f}x the {base_resources}-resource time for {resources / base_resources:.1f}x the resources "
          f"(<= 4.5x: {'met' if growth <= 4.5 else 'MISSED'})")


if __name__ == "__main__":
    main()
