#!/usr/bin/env python3
"""Checks that the build graph obeys Tessera's layers.

The layer order lives in core/README.md, in the fenced block tagged
`layers`: one layer a line, bottom first; the words of a line are package
prefixes (`core/vfs` covers `core/vfs/testdata` too). A package may depend on
its own layer and the layers below it, never on one above. User programs
(drivers, servers, init, testing/guest, testing/bench) may use only `kstd`,
`abi` and `lib`, each other, and the board constraints in `platform`: never
the kernel or the HAL.

Reads direct dependencies with `bazel query` (no build), prints every upward
edge with a target that causes it, and exits 1 if there is any.

  ci/check_layers.py          check (CI runs this from ci/test.sh)
  ci/check_layers.py --print  also print the package graph
"""

import collections
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "core", "README.md")
USER_SPACE = ["drivers", "servers", "init", "testing/guest", "testing/bench"]
USER_MAY_USE = ["kstd", "abi", "lib", "platform"] + USER_SPACE


def read_layers():
    text = open(README, encoding="utf-8").read()
    m = re.search(r"```layers\n(.*?)```", text, re.S)
    if not m:
        sys.exit("check_layers: no ```layers block in core/README.md")
    layers = []
    for line in m.group(1).splitlines():
        line = line.split("#", 1)[0].split()
        if line:
            layers.append(line)
    return layers


def owner(package, prefixes):
    """The longest prefix in `prefixes` that covers `package`, or None."""
    best = None
    for p in prefixes:
        if package == p or package.startswith(p + "/"):
            if best is None or len(p) > len(best):
                best = p
    return best


def query_edges():
    out = subprocess.run(
        ["bazel", "query", "--noimplicit_deps", "--notool_deps", "--output=graph",
         # One node a target: factored nodes mix packages and repositories
         # and cut long lists to "...and N more items".
         "--nograph:factored",
         "deps(//... - //platform/... - //testing/system/... - //third_party/..., 1)"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    edges = collections.defaultdict(set)  # (from package, to package) -> targets
    for line in out.splitlines():
        m = re.match(r'\s*"(//[^"]*)"\s*->\s*"(//[^"]*)"', line)
        if not m:
            continue
        # One graph node may name several targets ("//a:x\n//a:y").
        for src in m.group(1).split("\\n"):
            for dst in m.group(2).split("\\n"):
                # External repositories (@lwip//...) are no layer of ours.
                if not src.startswith("//") or not dst.startswith("//"):
                    continue
                a, b = src[2:].split(":")[0], dst[2:].split(":")[0]
                if a != b:
                    edges[(a, b)].add(f"//{src[2:]} -> //{dst[2:]}")
    return edges


def main():
    layers = read_layers()
    rank = {}
    for i, line in enumerate(layers):
        for p in line:
            if p in rank:
                sys.exit(f"check_layers: {p} is listed twice")
            rank[p] = i
    edges = query_edges()
    problems = []
    graph = collections.defaultdict(set)
    for (a, b), why in sorted(edges.items()):
        ua, ub = owner(a, USER_SPACE), owner(b, rank)
        if ua is not None:
            if owner(b, USER_MAY_USE) is None:
                problems.append(f"{a} -> {b}: user programs use only kstd, abi and lib ({min(why)})")
            continue
        la, lb = owner(a, rank), ub
        if la is None or lb is None or la == lb:
            continue
        graph[la].add(lb)
        if rank[lb] > rank[la]:
            problems.append(f"{a} -> {b}: {la} (layer {rank[la]}) uses {lb} (layer {rank[lb]}) ({min(why)})")
    unlisted = sorted({a for a, _ in edges if a.startswith("core/") and owner(a, rank) is None})
    for p in unlisted:
        problems.append(f"{p}: not in the layers of core/README.md")
    if "--print" in sys.argv:
        for p in sorted(graph, key=lambda p: (rank[p], p)):
            print(f"{rank[p]:2} {p} -> {' '.join(sorted(graph[p]))}")
    for line in problems:
        print("check_layers:", line)
    if problems:
        print(f"check_layers: {len(problems)} upward edge(s); the order is in core/README.md")
        return 1
    print(f"check_layers: {len(rank)} packages in {len(layers)} layers, no upward edge")
    return 0


if __name__ == "__main__":
    sys.exit(main())
