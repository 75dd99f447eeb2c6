#!/usr/bin/env python3
"""Benchmark `mesh` at mesh scale, side by side with a schema-only validator.

    python3 scripts/bench.py [--sizes 1000,10000,40000] [--runs 3]

For each size, generates a deterministic corpus (scripts/gen-corpus.py, seed
0), builds the release binaries once, and measures on the same files in the
same run:

  * parse floors: examples/parse_only.rs on the same threads, (1) saphyr's
    own loader, a MarkedYaml tree with a span on every node: what parsing
    the bytes with the YAML crate yields, the floor the targets are judged
    against; (2) saphyr-parser's events alone, nothing built, shown beside
    it as the strictest possible floor;
  * mesh validate: read, parse, type, schema- and field-check everything;
  * mesh analyze: the same plus every rule (-o json);
  * check-jsonschema (PyPI, installed into target/bench-venv): the Istio
    documents validated against Istio's published CRD schemas
    (../shared/bench/istio-crd-schemas), one run per kind and version, each
    document in its own file (the tool reads one YAML document per file);
    its resources/s counts only the Istio documents it validates;
  * mesh xds render --all-proxyless: LDS, RDS, CDS, EDS for every proxyless
    client, encoded as protobuf;
  * mesh kube-inject over all Deployments (the corpus as one manifest).

Each row: median wall time over --runs (check-jsonschema: --slow-runs),
resources per second, peak RSS (wait4, max over runs) and the ratio to
`mesh analyze`. Then the targets of issues 2, 3 and 8 and a scaling table (wall time
per size, growth factor between sizes). Figures go to stdout as Markdown.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS = os.path.join(os.path.dirname(ROOT), "shared", "bench", "istio-crd-schemas")
VENV = os.path.join(ROOT, "target", "bench-venv")


def run_once(argv, ok_codes=(0, 79)):
    """Wall seconds and peak RSS (bytes) of one run of argv."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Read stderr while waiting, so a chatty tool cannot block on a full pipe.
    stderr = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    # analyze exits 79 when it finds something: that is a result, not a failure.
    if code not in ok_codes:
        sys.exit(f"{' '.join(argv)} exited {code}:\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss * 1024


def measure(argv, runs, ok_codes=(0, 79)):
    results = [run_once(argv, ok_codes) for _ in range(runs)]
    return statistics.median(w for w, _ in results), max(r for _, r in results)


def measure_interleaved(argvs, runs):
    """measure() for several commands, one run of each in turn."""
    results = [[] for _ in argvs]
    for _ in range(runs):
        for argv, runs_of in zip(argvs, results):
            runs_of.append(run_once(argv))
    return [(statistics.median(w for w, _ in r), max(m for _, m in r)) for r in results]


def measure_many(argvs, runs):
    """Several commands counted as one step: summed wall, max RSS."""
    walls, peak = [], 0
    for _ in range(runs):
        total = 0.0
        for argv in argvs:
            wall, rss = run_once(argv)
            total, peak = total + wall, max(peak, rss)
        walls.append(total)
    return statistics.median(walls), peak


def generate(out, count):
    """Writes (once per run) and returns a corpus of about `count` resources."""
    corpus = os.path.join(out, f"corpus-{count}")
    if os.path.isdir(corpus):
        shutil.rmtree(corpus)
    summary = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "gen-corpus.py"), "--resources", str(count), "--out", corpus],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    return corpus, int(summary.split()[1])


def documents(corpus):
    for name in sorted(os.listdir(corpus)):
        with open(os.path.join(corpus, name)) as f:
            for doc in f.read().split("\n---\n"):
                if doc.strip():
                    yield doc


def split_for_jsonschema(corpus, out):
    """One file per Istio document, grouped by schema: {schema path: dir}."""
    if os.path.isdir(out):
        shutil.rmtree(out)
    groups = {}
    for i, doc in enumerate(documents(corpus)):
        api = re.search(r"^apiVersion: (\S+)", doc, re.M)
        kind = re.search(r"^kind: (\S+)", doc, re.M)
        if not api or not kind or "istio.io/" not in api.group(1):
            continue
        group, version = api.group(1).split("/")
        schema = os.path.join(SCHEMAS, f"{kind.group(1).lower()}-{group.split('.')[0]}-{version}.json")
        if not os.path.exists(schema):
            sys.exit(f"no published schema for {kind.group(1)} {api.group(1)}: {schema}")
        directory = groups.setdefault(schema, os.path.join(out, os.path.basename(schema)[:-5]))
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, f"{i}.yaml"), "w") as f:
            f.write(doc + "\n")
    return groups


def one_manifest(corpus, path):
    with open(path, "w") as f:
        f.write("---\n".join(doc + "\n" for doc in documents(corpus)))
    return path


def check_jsonschema():
    """The check-jsonschema executable in the benchmark virtualenv."""
    exe = os.path.join(VENV, "bin", "check-jsonschema")
    if not os.path.exists(exe):
        print("installing check-jsonschema into target/bench-venv ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "--quiet",
                        "--disable-pip-version-check", "check-jsonschema"], check=True)
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    return exe, version


def bench_size(args, release, exe, count):
    corpus, resources = generate(args.out, count)
    input_bytes = sum(os.path.getsize(os.path.join(corpus, f)) for f in os.listdir(corpus))
    groups = split_for_jsonschema(corpus, os.path.join(args.out, f"jsonschema-{count}"))
    istio_docs = sum(len(os.listdir(d)) for d in groups.values())
    manifest = one_manifest(corpus, os.path.join(args.out, f"manifest-{count}.yaml"))
    deployments = sum(1 for doc in documents(corpus) if re.search(r"^kind: Deployment$", doc, re.M))
    clients = subprocess.run(
        [os.path.join(release, "mesh"), "xds", "render", "--all-proxyless", "-o", "table", corpus],
        capture_output=True, text=True).stdout.count("\n") - 1
    mesh = os.path.join(release, "mesh")
    parse_only = os.path.join(release, "examples", "parse_only")
    # The floors and the two commands judged against them run in turn, run
    # after run, so that the machine's drift touches them alike.
    tree_floor, validate, analyze, events_floor = measure_interleaved([
        [parse_only, "--tree", corpus],
        [mesh, "validate", corpus],
        [mesh, "analyze", "-o", "json", corpus],
        [parse_only, corpus],
    ], args.runs)
    rows = [
        ("parse floor (saphyr tree)", resources, tree_floor),
        ("mesh validate", resources, validate),
        ("mesh analyze (all rules)", resources, analyze),
        ("parse floor (saphyr events only)", resources, events_floor),
        (f"check-jsonschema ({istio_docs} Istio docs)", istio_docs,
         measure_many([[exe, "--schemafile", schema, *sorted(os.path.join(d, f) for f in os.listdir(d))]
                       for schema, d in groups.items()], args.slow_runs)),
        (f"mesh xds render ({clients} clients)", resources,
         measure([mesh, "xds", "render", "--all-proxyless", "-o", "table", corpus], args.runs)),
        (f"mesh kube-inject ({deployments} Deployments)", resources,
         measure([mesh, "kube-inject", "-f", manifest], args.runs)),
    ]
    return {"count": count, "resources": resources, "input_bytes": input_bytes, "rows": rows}


def print_size(result, runs):
    rows = result["rows"]
    analyze = rows[2][2][0]
    print(f"\n### {result['resources']:,} resources ({result['input_bytes'] / 1e6:.1f} MB)\n")
    print("| step | wall | resources/s | peak RSS | vs analyze |")
    print("|---|---:|---:|---:|---:|")
    for name, count, (wall, rss) in rows:
        print(f"| {name} | {wall * 1000:,.0f} ms | {count / wall:,.0f} | {rss / 2**20:,.0f} MB | {wall / analyze:.2f}x |")


def targets(results):
    by_count = {r["count"]: r for r in results}
    print("\n### Targets\n")
    print("Judged against the parse floor (saphyr tree); the ratio to the events-only floor is shown beside it.\n")
    print("Issue 2 (foundation): load + validate <= 1.5x parse-only; peak RSS <= 3x input + 50 MB.\n")
    for r in results:
        floor, validate, _, events = (row[2] for row in r["rows"][:4])
        budget = 3 * r["input_bytes"] + 50 * 2**20
        print(f"- {r['resources']:,} resources: validate {validate[0] / floor[0]:.2f}x the parse floor "
              f"({verdict(validate[0] <= 1.5 * floor[0])}; {validate[0] / events[0]:.2f}x the events); "
              f"validate peak RSS {validate[1] / 2**20:.0f} MB "
              f"vs {budget / 2**20:.0f} MB ({verdict(validate[1] <= budget)})")
    print("\nIssue 3 (analyze): 10,000 resources in <= 2x the parse floor; 40,000 in <= 4.5x the 10,000 time.\n")
    for r in results:
        floor, _, analyze, events = (row[2] for row in r["rows"][:4])
        print(f"- {r['resources']:,} resources: analyze {analyze[0] / floor[0]:.2f}x the parse floor "
              f"({verdict(analyze[0] <= 2 * floor[0])}; {analyze[0] / events[0]:.2f}x the events)")
    if 10000 in by_count and 40000 in by_count:
        growth = by_count[40000]["rows"][2][2][0] / by_count[10000]["rows"][2][2][0]
        print(f"- analyze 40k / 10k: {growth:.2f}x (<= 4.5x: {verdict(growth <= 4.5)})")
    print("\nIssue 8 (performance): validate >= 50,000 resources/s; analyze <= 1.5x the parse floor; "
          "check-jsonschema >= 20x slower than analyze; analyze peak RSS <= 3x input + 50 MB.\n")
    for r in results:
        floor, validate, analyze, _, jsonschema = (row[2] for row in r["rows"][:5])
        budget = 3 * r["input_bytes"] + 50 * 2**20
        rate = r["resources"] / validate[0]
        print(f"- {r['resources']:,} resources: validate {rate:,.0f} resources/s ({verdict(rate >= 50000)}); "
              f"analyze {analyze[0] / floor[0]:.2f}x the parse floor ({verdict(analyze[0] <= 1.5 * floor[0])}); "
              f"check-jsonschema / analyze {jsonschema[0] / analyze[0]:.1f}x ({verdict(jsonschema[0] >= 20 * analyze[0])}); "
              f"analyze peak RSS {analyze[1] / 2**20:.0f} MB vs {budget / 2**20:.0f} MB ({verdict(analyze[1] <= budget)})")


def verdict(ok):
    return "met" if ok else "**MISSED**"


def scaling(results):
    if len(results) < 2:
        return
    print("\n### Scaling (wall time; growth factor vs the previous size, and resources ratio)\n")
    head = " | ".join(f"{r['resources']:,}" for r in results)
    print(f"| step | {head} | growth |")
    print("|---|" + "---:|" * (len(results) + 1))
    for i, (name, _, _) in enumerate(results[0]["rows"]):
        walls = [r["rows"][i][2][0] for r in results]
        growth = ", ".join(
            f"{walls[j] / walls[j - 1]:.1f}x for {results[j]['resources'] / results[j - 1]['resources']:.1f}x"
            for j in range(1, len(walls)))
        label = re.sub(r" \(\d+ .*\)$", "", name)
        print(f"| {label} | " + " | ".join(f"{w * 1000:,.0f} ms" for w in walls) + f" | {growth} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,40000", help="corpus sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="runs per mesh step (median)")
    parser.add_argument("--slow-runs", type=int, default=1, help="runs of check-jsonschema")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench-out"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mesh", "--example", "parse_only"],
                   cwd=ROOT, check=True)
    release = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release")
    exe, version = check_jsonschema()
    os.makedirs(args.out, exist_ok=True)
    cores = os.cpu_count()
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"{cores} cores, {mem_gib:.0f} GiB; median of {args.runs} runs ({args.slow_runs} for check-jsonschema, {version})")
    results = []
    for count in sizes:
        result = bench_size(args, release, exe, count)
        print_size(result, args.runs)
        sys.stdout.flush()
        results.append(result)
    targets(results)
    scaling(results)


if __name__ == "__main__":
    main()
