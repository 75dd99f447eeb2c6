#!/usr/bin/env python3
"""Generate a large, realistic, deterministic Istio mesh for benchmarking `mesh`.

Usage:
    gen-corpus.py --services N --out DIR [--seed S] [--files-per-namespace K]
    gen-corpus.py --resources R --out DIR [--seed S] [--files-per-namespace K]

Shape of the mesh (every choice comes from a RNG seeded by (seed, namespace,
service), so a given service looks the same whatever the total size, and the
same arguments always give byte-identical output):

  * namespaces of 6-14 services (about 10), each with a Namespace
    (istio-injection: enabled), a PeerAuthentication `default` (STRICT or
    PERMISSIVE), a Sidecar `default` scoping egress to the namespace and
    istio-system (as large meshes do; --no-sidecars leaves it out, so every
    client sees every service), and in about 1 of 3 namespaces 1-2 ServiceEntries for external
    hosts (MESH_EXTERNAL, DNS, exportTo ".");
  * per service: a ServiceAccount, a Service (ports named `grpc` / `http`),
    1-3 Deployments `<svc>-v1..v3` (labels app/version); about 40% of services
    are proxyless gRPC: their pods carry `inject.istio.io/templates: grpc-agent`
    and serve a single `grpc` port; the others are plain sidecar workloads;
  * a DestinationRule with one subset per version and a trafficPolicy (some of
    tls ISTIO_MUTUAL, connectionPool, outlierDetection, loadBalancer);
  * a VirtualService splitting traffic by weight across the subsets (summing to
    100), sometimes with a header-matched canary route, a timeout and retries;
  * for about 1 service in 3, an AuthorizationPolicy (ALLOW) naming caller
    service accounts (from.source.principals; callers are services listed
    earlier in the same namespace) and methods/paths (to.operation).

--resources R adds whole services until the count is as close to R as a
service boundary allows (within 5% for R >= 100). Every cross-reference holds:
VirtualService subsets exist, subsets select Deployments, principals name
existing ServiceAccounts. Files in DIR are overwritten, never deleted.

Output: one multi-document YAML file per namespace (or K files per namespace
with --files-per-namespace K) in DIR. YAML is written by a tiny emitter below;
only the Python 3 standard library is used.
"""
import argparse
import json
import os
import random
import re
import sys

TEAMS = ["payments", "catalog", "checkout", "identity", "search", "shipping", "billing",
         "inventory", "media", "notify", "ledger", "pricing", "reviews", "accounts"]
NOUNS = ["api", "gateway", "store", "indexer", "worker", "cache", "router", "auth",
         "profile", "orders", "quotes", "events", "ledger", "images", "tokens",
         "sessions", "audit", "reports", "feeds", "rates", "carts", "offers"]
EXTERNAL = ["api.stripe.com", "storage.googleapis.com", "sqs.us-east-1.amazonaws.com",
            "api.github.com", "hooks.slack.com", "api.sendgrid.com", "login.microsoftonline.com",
            "pypi.org", "registry.npmjs.org", "api.twilio.com"]
PLAIN_WORD = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*\Z")
DURATION = re.compile(r"[0-9]+(ms|s|m|h|Mi|Gi)\Z")
YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if (PLAIN_WORD.match(v) or DURATION.match(v)) and v.lower() not in YAML_WORDS:
        return v
    return json.dumps(v)  # a JSON string is a valid YAML double-quoted scalar


def emit(v, indent=0):
    """Block-style YAML lines for a dict or list of dicts/lists/scalars, in order."""
    pad, lines = " " * indent, []
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, (dict, list)) and not x:
                lines.append(f"{pad}{k}: {'{}' if isinstance(x, dict) else '[]'}")
            elif isinstance(x, (dict, list)):
                lines.append(f"{pad}{k}:")
                lines += emit(x, indent + 2 if isinstance(x, dict) else indent)
            else:
                lines.append(f"{pad}{k}: {scalar(x)}")
    else:
        for x in v:
            sub = emit(x, indent + 2) if isinstance(x, (dict, list)) else [pad + "  " + scalar(x)]
            lines.append(f"{pad}- {sub[0].lstrip()}")
            lines += sub[1:]
    return lines


def obj(api, kind, name, ns, spec=None, labels=None, **top):
    meta = {"name": name}
    if ns:
        meta["namespace"] = ns
    if labels:
        meta["labels"] = labels
    doc = {"apiVersion": api, "kind": kind, "metadata": meta}
    if spec is not None:
        doc["spec"] = spec
    doc.update(top)
    return doc


def split_weights(rng, n):
    """n positive weights, multiples of 5, summing to 100."""
    if n == 1:
        return [100]
    cuts = sorted(rng.sample(range(1, 20), n - 1))
    return [5 * (b - a) for a, b in zip([0] + cuts, cuts + [20])]


def service_docs(seed, ns, idx, name, peers):
    rng = random.Random(f"{seed}/{ns}/{idx}")
    fqdn = f"{name}.{ns}.svc.cluster.local"
    proxyless = rng.random() < 0.4
    versions = [f"v{i}" for i in range(1, rng.choice([1, 2, 2, 3]) + 1)]
    ports = [{"name": "grpc", "port": 7070, "targetPort": 7070}] if proxyless else \
        [{"name": "http", "port": 8080, "targetPort": 8080}] + \
        ([{"name": "grpc", "port": 9090, "targetPort": 9090}] if rng.random() < 0.3 else [])
    docs = [obj("v1", "ServiceAccount", name, ns),
            obj("v1", "Service", name, ns, {"selector": {"app": name}, "ports": ports}, {"app": name})]
    for v in versions:
        labels = {"app": name, "version": v}
        pod_meta = {"labels": labels}
        if proxyless:
            pod_meta["annotations"] = {"inject.istio.io/templates": "grpc-agent",
                                       "proxy.istio.io/config": '{"holdApplicationUntilProxyStarts": true}'}
            args = ["--grpc", "7070", "--xds-grpc-server=7070", "--version", v]
        else:
            args = ["--port", "8080", "--version", v] + (["--grpc", "9090"] if len(ports) > 1 else [])
        container = {"name": "app", "image": f"registry.example.com/{ns}/{name}:1.{rng.randint(0, 40)}.{rng.randint(0, 9)}",
                     "args": args, "ports": [{"containerPort": p["targetPort"], "protocol": "TCP"} for p in ports],
                     "readinessProbe": {"tcpSocket": {"port": ports[0]["targetPort"]}, "periodSeconds": 5},
                     "resources": {"requests": {"cpu": f"{rng.choice([50, 100, 250])}m", "memory": f"{rng.choice([64, 128, 256])}Mi"}}}
        docs.append(obj("apps/v1", "Deployment", f"{name}-{v}", ns, {
            "replicas": rng.randint(1, 4), "selector": {"matchLabels": labels},
            "template": {"metadata": pod_meta, "spec": {"serviceAccountName": name, "containers": [container]}}}, labels))

    policy = {}
    if rng.random() < 0.5:
        policy["tls"] = {"mode": "ISTIO_MUTUAL"}
    if rng.random() < 0.3:
        policy["connectionPool"] = {"tcp": {"maxConnections": rng.choice([100, 500, 1000]), "connectTimeout": "2s"},
                                    "http": {"http2MaxRequests": rng.choice([1000, 5000]), "maxRetries": 3}}
    if rng.random() < 0.3:
        policy["outlierDetection"] = {"consecutive5xxErrors": rng.choice([3, 5, 7]), "interval": "10s",
                                      "baseEjectionTime": "30s", "maxEjectionPercent": rng.choice([10, 50, 100])}
    if rng.random() < 0.4 or not policy:
        policy["loadBalancer"] = {"consistentHash": {"httpHeaderName": "x-user-id"}} if rng.random() < 0.25 \
            else {"simple": rng.choice(["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM"])}
    docs.append(obj("networking.istio.io/v1", "DestinationRule", name, ns, {
        "host": fqdn, "trafficPolicy": policy,
        "subsets": [{"name": v, "labels": {"version": v}} for v in versions]}))

    http = []
    if len(versions) > 1 and rng.random() < 0.3:
        http.append({"name": "canary", "match": [{"headers": {"x-canary": {"exact": "true"}}}],
                     "route": [{"destination": {"host": fqdn, "subset": versions[-1]}}]})
    default = {"name": "default", "route": [{"destination": {"host": fqdn, "subset": v}, "weight": w}
                                            for v, w in zip(versions, split_weights(rng, len(versions)))]}
    if rng.random() < 0.4:
        default["timeout"] = rng.choice(["1s", "3s", "10s"])
    if rng.random() < 0.3:
        default["retries"] = {"attempts": rng.choice([2, 3]), "perTryTimeout": "500ms",
                              "retryOn": "unavailable,cancelled" if proxyless else "5xx,reset,connect-failure"}
    http.append(default)
    docs.append(obj("networking.istio.io/v1", "VirtualService", name, ns, {"hosts": [fqdn], "http": http}))

    if peers and rng.random() < 0.35:  # callers: services listed before this one
        callers = rng.sample(peers, min(len(peers), rng.randint(1, 3)))
        grpc_svc = name.split("-", 1)[1].title() + "Service"
        op = {"methods": ["POST"], "paths": [f"/{ns.split('-')[0]}.v1.{grpc_svc}/*"]} if proxyless \
            else {"methods": ["GET", "POST"], "paths": ["/api/*", "/healthz"]}
        docs.append(obj("security.istio.io/v1", "AuthorizationPolicy", f"{name}-allow", ns, {
            "selector": {"matchLabels": {"app": name}}, "action": "ALLOW",
            "rules": [{"from": [{"source": {"principals": [f"cluster.local/ns/{ns}/sa/{c}" for c in callers]}}],
                       "to": [{"operation": op}]}]}))
    return docs


def namespaces(seed, sidecars=True):
    """Yields (namespace name, namespace-level docs, [service names]) forever."""
    k = 0
    while True:
        rng = random.Random(f"{seed}/ns/{k}")
        ns = TEAMS[k % len(TEAMS)] + ("" if k < len(TEAMS) else f"-{k // len(TEAMS)}")
        names = sorted(rng.sample(NOUNS, rng.randint(6, 14)))
        docs = [obj("v1", "Namespace", ns, None, labels={"istio-injection": "enabled"}),
                obj("security.istio.io/v1", "PeerAuthentication", "default", ns,
                    {"mtls": {"mode": "STRICT" if rng.random() < 0.7 else "PERMISSIVE"}})]
        if sidecars:
            docs.append(obj("networking.istio.io/v1", "Sidecar", "default", ns,
                            {"egress": [{"hosts": ["./*", "istio-system/*"]}]}))
        if rng.random() < 0.35:
            for host in rng.sample(EXTERNAL, rng.randint(1, 2)):
                se_name = f"ext-{host.split('.')[-2]}-{host.split('.')[0]}"
                docs.append(obj("networking.istio.io/v1", "ServiceEntry", se_name, ns, {
                    "hosts": [host], "exportTo": ["."], "location": "MESH_EXTERNAL", "resolution": "DNS",
                    "ports": [{"number": 443, "name": "tls", "protocol": "TLS"}]}))
        yield ns, docs, [f"{ns}-{n}" for n in names]
        k += 1


def build(seed, services=None, resources=None, sidecars=True):
    """Returns [(namespace, [ns-level docs, svc 1 docs, svc 2 docs, ...])].

    With `resources`, stops at the service boundary closest to that count."""
    out, n_svc, n_res = [], 0, 0
    for ns, ns_docs, names in namespaces(seed, sidecars):
        groups = [ns_docs]
        for i, name in enumerate(names):
            if services is not None and n_svc >= services:
                break
            docs = service_docs(seed, ns, i, name, names[:i])
            cost = len(docs) + (len(ns_docs) if len(groups) == 1 else 0)
            if resources is not None and n_res + cost - resources > resources - n_res:
                break
            groups.append(docs)
            n_svc, n_res = n_svc + 1, n_res + cost
        else:
            out.append((ns, groups))
            continue
        if len(groups) > 1:
            out.append((ns, groups))
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--services", type=int, help="number of services")
    size.add_argument("--resources", type=int, help="generate services until about this many resources")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", default="0", help="RNG seed (default 0)")
    ap.add_argument("--files-per-namespace", type=int, default=1, metavar="K")
    ap.add_argument("--no-sidecars", action="store_true", help="no Sidecar per namespace")
    a = ap.parse_args()
    if a.files_per_namespace < 1:
        ap.error("--files-per-namespace must be at least 1")
    os.makedirs(a.out, exist_ok=True)
    n_res = n_bytes = n_files = 0
    for ns, groups in build(a.seed, a.services, a.resources, not a.no_sidecars):
        k = min(a.files_per_namespace, len(groups))
        for j in range(k):
            chunk = [d for g in groups[j * len(groups) // k:(j + 1) * len(groups) // k] for d in g]
            text = "---\n".join("\n".join(emit(d)) + "\n" for d in chunk).encode()
            fname = f"{ns}.yaml" if k == 1 else f"{ns}-{j + 1:02d}.yaml"
            with open(os.path.join(a.out, fname), "wb") as f:
                f.write(text)
            n_res, n_bytes, n_files = n_res + len(chunk), n_bytes + len(text), n_files + 1
    print(f"wrote {n_res} resources ({n_bytes} bytes) in {n_files} files to {a.out}")


if __name__ == "__main__":
    sys.exit(main())
