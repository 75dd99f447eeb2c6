#!/usr/bin/env python3
"""Builds the `istio-sidecar-injector` ConfigMap of Istio releases from an Istio git checkout.

A cluster installed with the `istiod` Helm chart of a release holds this
ConfigMap: `data.config` is the injector config (policy, selectors, default
templates and every injection template under `templates`) and `data.values`
the chart values as JSON. `mesh kube-inject --inject-config FILE` reads it
whole, so these files let you inject exactly as a cluster of that release
would, without the cluster.

The script reads the chart files of each release straight from the Istio
repository (`git show TAG:PATH`), so nothing of Istio's needs to be copied
into this repository:

    scripts/gen-istio-injector-configs.py --istio-git ~/src/istio [--out DIR] [VERSION...]

writes DIR/VERSION/istio-sidecar-injector.yaml (DIR defaults to
testdata/inject/istio-releases, where git ignores them) for each release in
RELEASES, all of them when no VERSION is given. tests/cli_inject_releases.rs
runs it when ISTIO_GIT_DIR names such a checkout.

What it reproduces, and how:
- The chart's values are `_internal_defaults_do_not_set`, flattened as the
  chart's `zzz_profile.yaml` does (no profile, no user values), after the
  hub and tag stamping Istio's release tooling applies to published charts
  (`hub: docker.io/istio`, `tag: VERSION`).
- `data.values` is what `templates/istiod-injector-configmap.yaml` picks
  (`global`, `sidecarInjectorWebhook`, `revision`, `pilot.cni`, `pilot.env`,
  `gateways.securityContext`, `gateways.seccompProfile`), as Helm's
  `toPrettyJson` writes it: two-space indent, sorted keys, `<`, `>` and `&`
  escaped.
- `data.config` is laid out as that template renders it for default values;
  the script stops if the values ask for anything else (default templates,
  selectors, injected annotations, extra templates).
- The release name is `istiod` in namespace `istio-system`, as Istio's
  install docs use.

Needs Python 3.8+ and git; stdlib only, so the values are read with a small
YAML reader for the block style the chart uses, which refuses anything else.
"""

import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CHART = "manifests/charts/istio-control/istio-discovery"

# The newest patch of the newest three minor releases when this was written:
# version -> (commit the tag points at, templates the ConfigMap embeds as
# (name, chart file)).
TEMPLATES_1_28 = [
    ("sidecar", "files/injection-template.yaml"),
    ("gateway", "files/gateway-injection-template.yaml"),
    ("grpc-simple", "files/grpc-simple.yaml"),
    ("grpc-agent", "files/grpc-agent.yaml"),
    ("waypoint", "files/waypoint.yaml"),
    ("kube-gateway", "files/kube-gateway.yaml"),
]
TEMPLATES_1_29 = TEMPLATES_1_28 + [("agentgateway", "files/agentgateway.yaml")]
RELEASES = {
    "1.28.10": ("ff49c1889ebad8d444b8f82425a2fd326c039e54", TEMPLATES_1_28),
    "1.29.6": ("7019d6d3608e4995e9a36d2977cfec3a341431cd", TEMPLATES_1_29),
    "1.30.3": ("56df41f63e513f834c9a3af33d8aed82d1d961f2", TEMPLATES_1_29),
}

# Istio's release tooling (istio/release-builder, pkg/build/helm.go) points
# published charts at the release images.
DEV_HUBS = ("gcr.io/istio-testing", "gcr.io/istio-release", "registry.istio.io/testing")
DEV_TAGS = re.compile(r"tag: (?:.*-latest-daily|latest|1\..-dev)\b")
RELEASE_HUB = "docker.io/istio"

RELEASE_NAME = "istiod"
RELEASE_NAMESPACE = "istio-system"


class Unsupported(Exception):
    """The input uses something this script does not reproduce."""


# ------------------------------------------------------------------ git


def git_show(istio_git, commit, path):
    try:
        out = subprocess.run(
            ["git", "-C", istio_git, "show", f"{commit}:{path}"],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as error:
        raise SystemExit(
            f"error: cannot read {path} at {commit} from {istio_git}: "
            f"{error.stderr.decode(errors='replace').strip()}"
        )
    return out.stdout.decode("utf-8")


def check_tag(istio_git, version, commit):
    """The tag, when the checkout has it, must be the commit recorded here."""
    out = subprocess.run(
        ["git", "-C", istio_git, "rev-parse", "--verify", "--quiet", f"refs/tags/{version}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    tagged = out.stdout.strip()
    if tagged and tagged != commit:
        raise SystemExit(f"error: tag {version} is {tagged} in {istio_git}, not {commit} as RELEASES says")


# ------------------------------------------------------------------ YAML subset

BOOL_WORDS_V11 = {"y", "yes", "n", "no", "on", "off"}
INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)$")
FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")


def strip_comment(line):
    """The line without a trailing `# comment` (outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"" and (i == 0 or line[i - 1] in " \t:[{,-"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def scalar(text, where):
    if text.startswith('"'):
        if not text.endswith('"') or len(text) < 2:
            raise Unsupported(f"{where}: unterminated string {text}")
        return json.loads(text)
    if text.startswith("'"):
        if not text.endswith("'") or len(text) < 2:
            raise Unsupported(f"{where}: unterminated string {text}")
        return text[1:-1].replace("''", "'")
    if text in ("[]", "{}"):
        return [] if text == "[]" else {}
    if text[0] in "[{&*!|>@`%":
        raise Unsupported(f"{where}: {text!r} (flow collections, anchors, tags and block scalars are not read)")
    if text in ("~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text.lower() in BOOL_WORDS_V11:
        raise Unsupported(f"{where}: {text!r} is a boolean to some YAML readers and a string to others")
    if INT.match(text):
        return int(text)
    if FLOAT.match(text):
        number = float(text)
        # Helm reads numbers as float64, which JSON writes without a fraction when whole.
        return int(number) if number.is_integer() else number
    return text


def read_yaml(text, name):
    """Block mappings and sequences of scalars; `[]` and `{}`; comments."""
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise Unsupported(f"{name}:{number}: tab in indentation")
        content = strip_comment(raw)
        if content.strip() in ("---", "..."):
            raise Unsupported(f"{name}:{number}: more than one document")
        if content.strip():
            lines.append((number, len(content) - len(content.lstrip()), content.strip()))
    value, end = read_block(lines, 0, 0, name)
    if end != len(lines):
        number = lines[end][0]
        raise Unsupported(f"{name}:{number}: unexpected indentation")
    return value


def read_block(lines, i, indent, name):
    if i >= len(lines) or lines[i][1] < indent:
        return None, i
    indent = lines[i][1]
    if lines[i][2] == "-" or lines[i][2].startswith("- "):
        items = []
        while i < len(lines) and lines[i][1] == indent and (lines[i][2] == "-" or lines[i][2].startswith("- ")):
            number, _, content = lines[i]
            rest = content[1:].strip()
            if not rest or re.match(r"[^'\"]*:( |$)", rest):
                raise Unsupported(f"{name}:{number}: only sequences of plain values are read")
            items.append(scalar(rest, f"{name}:{number}"))
            i += 1
        return items, i
    mapping = {}
    while i < len(lines) and lines[i][1] == indent:
        number, _, content = lines[i]
        where = f"{name}:{number}"
        match = re.match(r"""("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^'"][^:]*?)\s*:(?:\s+(.*))?$""", content)
        if not match:
            raise Unsupported(f"{where}: expected `key: value`, found {content!r}")
        key = scalar(match.group(1), where) if match.group(1)[0] in "'\"" else match.group(1)
        if key in mapping:
            raise Unsupported(f"{where}: duplicate key {key!r}")
        i += 1
        if match.group(2):
            mapping[key] = scalar(match.group(2), where)
            if i < len(lines) and lines[i][1] > indent:
                raise Unsupported(f"{name}:{lines[i][0]}: multi-line values are not read")
        elif i < len(lines) and (
            lines[i][1] > indent or (lines[i][1] == indent and lines[i][2].startswith("- "))
        ):
            mapping[key], i = read_block(lines, i, lines[i][1], name)
        else:
            mapping[key] = None
    return mapping, i


# ------------------------------------------------------------------ Helm


def merge_overwrite(base, override):
    """sprig's mustMergeOverwrite: maps merge, anything else from `override` wins."""
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_overwrite(base[key], value)
        else:
            base[key] = value
    return base


def pick(mapping, *keys):
    return {key: mapping[key] for key in keys if key in mapping}


def to_pretty_json(value):
    """Go's json.MarshalIndent(value, "", "  ") for decoded JSON values."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    # Go escapes these inside strings; outside strings JSON has none of them.
    for ch, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, escaped)
    return text


def indent(text, spaces):
    """sprig's indent: every line, empty ones too."""
    pad = " " * spaces
    return pad + text.replace("\n", "\n" + pad)


def chart_values(values_text, version):
    for hub in DEV_HUBS:
        values_text = values_text.replace(f"hub: {hub}", f"hub: {RELEASE_HUB}")
    values_text = DEV_TAGS.sub(f"tag: {version}", values_text)
    raw = read_yaml(values_text, f"{CHART}/values.yaml@{version}")
    defaults = raw.pop("_internal_defaults_do_not_set", None) or {}
    if raw.get("profile") or (raw.get("global") or {}).get("profile"):
        raise Unsupported("the chart's values select a profile")
    return merge_overwrite(defaults, raw)


def injector_values(values):
    picked = pick(values, "global", "sidecarInjectorWebhook", "revision")
    picked["pilot"] = pick(values, "cni", "env")
    picked["gateways"] = pick(values.get("gateways") or {}, "securityContext", "seccompProfile")
    return picked


def injector_config(values, templates):
    webhook = values.get("sidecarInjectorWebhook") or {}
    for key in ("defaultTemplates", "alwaysInjectSelector", "neverInjectSelector", "injectedAnnotations", "templates"):
        if webhook.get(key):
            raise Unsupported(f"sidecarInjectorWebhook.{key} is set; only default values are laid out")
    policy = values["global"]["proxy"]["autoInject"]
    lines = [
        "# defaultTemplates defines the default template to use for pods that do not explicitly specify a template",
        "defaultTemplates: [sidecar]",
        f"policy: {policy}",
        "alwaysInjectSelector:",
        "  []",
        "neverInjectSelector:",
        "  []",
        "injectedAnnotations:",
        'template: "{{ Template_Version_And_Istio_Version_Mismatched_Check_Installation }}"',
        "templates:",
    ]
    text = "\n".join(lines)
    for name, body in templates:
        text += f"\n  {name}: |\n" + indent(body.strip(), 4)
    return text


def config_map(version, commit, values, templates):
    revision = values.get("revision") or ""
    name = "istio-sidecar-injector" + (f"-{revision}" if revision else "")
    header = f"""# The istio-sidecar-injector ConfigMap of Istio {version} (tag {version}, commit {commit}),
# as `helm install {RELEASE_NAME} istio/istiod -n {RELEASE_NAMESPACE} --version {version}` writes it.
# Generated by scripts/gen-istio-injector-configs.py from Istio's istio-discovery chart
# (Apache License 2.0, Copyright Istio Authors); do not edit.
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  namespace: {RELEASE_NAMESPACE}
  labels:
    istio.io/rev: {json.dumps(revision or "default")}
    install.operator.istio.io/owning-resource: unknown
    operator.istio.io/component: "Pilot"
    release: {RELEASE_NAME}
    app.kubernetes.io/name: "istiod"
    app.kubernetes.io/managed-by: "Helm"
    app.kubernetes.io/instance: "{RELEASE_NAME}"
    app.kubernetes.io/part-of: "istio"
    app.kubernetes.io/version: "{version}"
    helm.sh/chart: istiod-{version}
data:

  values: |-
"""
    body = indent(to_pretty_json(injector_values(values)), 4) + "\n\n"
    body += "  config: |-\n" + indent(injector_config(values, templates), 4) + "\n"
    return header + body


def generate(istio_git, version):
    commit, template_files = RELEASES[version]
    check_tag(istio_git, version, commit)
    values = chart_values(git_show(istio_git, commit, f"{CHART}/values.yaml"), version)
    templates = [(name, git_show(istio_git, commit, f"{CHART}/{path}")) for name, path in template_files]
    return config_map(version, commit, values, templates)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--istio-git", required=True, metavar="DIR", help="an Istio clone (or bare git directory) holding the release commits")
    parser.add_argument(
        "--out",
        default=os.path.join(ROOT, "testdata", "inject", "istio-releases"),
        metavar="DIR",
        help="write DIR/VERSION/istio-sidecar-injector.yaml (default: testdata/inject/istio-releases)",
    )
    parser.add_argument("versions", nargs="*", metavar="VERSION", help=f"releases to build (default: {', '.join(RELEASES)})")
    args = parser.parse_args(argv)
    for version in args.versions or RELEASES:
        if version not in RELEASES:
            raise SystemExit(f"error: unknown release {version}; known: {', '.join(RELEASES)}")
        try:
            text = generate(args.istio_git, version)
        except Unsupported as error:
            raise SystemExit(f"error: Istio {version}: {error}")
        folder = os.path.join(args.out, version)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "istio-sidecar-injector.yaml"), "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
