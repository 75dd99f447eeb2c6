#!/usr/bin/env python3
"""Compares the negative conditions `mesh convert gateway-api` reports with
the `negative_conditions` of the istio-gateway-api conformance kit (taken
from the status goldens of Istio's conversion test).

Run by hand; `cargo test` does not need the kit (a few cases are vendored
under testdata/gateway-api/conditions/ for the unit test).

    scripts/check-gateway-api-conditions.py --mesh target/debug/mesh \
        [--kit ../shared/conformance/istio-gateway-api] [--only NAME] [-v]

mesh prints each condition on stderr as
`mesh: KIND NS/NAME WHERE: TYPE=STATUS REASON: MESSAGE`; the kit's entries
are `{object, where, type, status, reason, message}`. Prints per case the
matched count and, with -v, the missing and unexpected conditions; the last
line is `X of N matched`. Exit 1 when anything differs.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys

LINE = re.compile(
    r"^mesh: (?P<object>\S+ \S+) (?P<where>.*?): (?P<type>\w+)=(?P<status>True|False) "
    r"(?P<reason>\w+): (?P<message>.*)$"
)


# The istiod settings of Istio's conversion test, as the kit's run.py passes
# them to every case.
ISTIOD_ENV = ["PILOT_ENABLE_ALPHA_GATEWAY_API=true", "ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true",
              "PILOT_ENABLE_AMBIENT=true", "AMBIENT_ENABLE_MULTI_NETWORK=true",
              "PILOT_ENABLE_GATEWAY_API_GATEWAYCLASS_CONTROLLER=false"]


def key(c):
    return (c["object"], c["where"], c["type"], c["status"], c["reason"], c["message"])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_kit = os.path.join(here, "..", "..", "shared", "conformance", "istio-gateway-api")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mesh", default="mesh")
    parser.add_argument("--kit", default=default_kit)
    parser.add_argument("--only", default="")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    kit = os.path.abspath(args.kit)
    with open(os.path.join(kit, "cases.json")) as f:
        cases = json.load(f)
    matched_total = expected_total = unexpected_total = 0
    for case in cases:
        if args.only and args.only not in case["name"]:
            continue
        command = [os.path.abspath(args.mesh) if os.sep in args.mesh else args.mesh,
                   "convert", "gateway-api", "-o", "yaml", "--domain-suffix", "domain.suffix"]
        for setting in ISTIOD_ENV:
            command += ["--istiod-env", setting]
        command += [case["input"]] + case["world"]
        run = subprocess.run(command, cwd=kit, capture_output=True, text=True, timeout=60)
        got = collections.Counter()
        for line in run.stderr.splitlines():
            m = LINE.match(line)
            if m:
                got[key(m.groupdict())] += 1
        want = collections.Counter(key(c) for c in case["negative_conditions"])
        matched = sum((got & want).values())
        missing = want - got
        unexpected = got - want
        matched_total += matched
        expected_total += sum(want.values())
        unexpected_total += sum(unexpected.values())
        status = "OK  " if not missing and not unexpected else "DIFF"
        print(f"{status} {case['name']}: {matched} of {sum(want.values())} matched,"
              f" {sum(unexpected.values())} unexpected")
        if args.verbose:
            for k in sorted(missing.elements()):
                print("    missing    ", " | ".join(k))
            for k in sorted(unexpected.elements()):
                print("    unexpected ", " | ".join(k))
    print(f"{matched_total} of {expected_total} matched, {unexpected_total} unexpected")
    return 0 if matched_total == expected_total and unexpected_total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
