#!/usr/bin/env python3
"""Writes compile_commands.json at the repository root for editors (clangd).

    ci/compile_commands.py [TARGETS...]      (default: //...)

It asks `bazel aquery` for every C/C++ compile action in the targets and
their dependencies, in every configuration they are built in: the host (unit
tests, tools: gcc), the kernel and the user programs (the q35 clang
toolchains, reached through the board transitions). A file compiled in
several configurations gets one entry, the most specific: kernel, then user
programs, then host (core/ code is edited as kernel code; its tests only
build for the host). Paths into Bazel's output and external trees are made
absolute, so the commands work from the repository root. Run
`bazel build //...` first for generated headers to exist.
"""

import json
import os
import subprocess
import sys

# Lower is preferred when a source is compiled in several configurations.
_KERNEL, _USER, _HOST = 0, 1, 2


def _kind(args):
    if "-mcmodel=kernel" in args:
        return _KERNEL
    if "--target=x86_64-unknown-elf" in args:
        return _USER
    return _HOST


def _absolute(arg, execroot):
    """`arg` with any bazel-out/ or external/ path in it made absolute."""
    for prefix in ("bazel-out/", "external/"):
        if arg.startswith(prefix):
            return os.path.join(execroot, arg)
        for flag in ("-I", "-iquote", "-isystem", "-o", "-MF"):
            if arg.startswith(flag + prefix):
                return flag + os.path.join(execroot, arg[len(flag):])
    return arg


def _source(args):
    """The file after -c, or None."""
    for i, arg in enumerate(args[:-1]):
        if arg == "-c":
            return args[i + 1]
    return None


def main():
    root = subprocess.run(["bazel", "info", "workspace"], check=True, capture_output=True,
                          text=True).stdout.strip()
    os.chdir(root)
    execroot = subprocess.run(["bazel", "info", "execution_root"], check=True,
                              capture_output=True, text=True).stdout.strip()
    targets = " + ".join(sys.argv[1:]) or "//..."
    query = 'mnemonic("CppCompile", deps(%s))' % targets
    out = subprocess.run(["bazel", "aquery", query, "--output=jsonproto"], check=True,
                         capture_output=True, text=True).stdout
    actions = json.loads(out).get("actions", [])

    best = {}  # source -> (kind, entry)
    for action in actions:
        args = action["arguments"]
        source = _source(args)
        if source is None:
            continue
        kind = _kind(args)
        if source in best and best[source][0] <= kind:
            continue
        if source.startswith(("bazel-out/", "external/")):
            source = os.path.join(execroot, source)
        compiler = args[0] if os.path.isabs(args[0]) else os.path.join(execroot, args[0])
        entry = {
            "directory": root,
            "file": source,
            "arguments": [compiler] + [_absolute(a, execroot) for a in args[1:]],
        }
        best[_source(args)] = (kind, entry)

    entries = [entry for _, (_, entry) in sorted(best.items())]
    with open(os.path.join(root, "compile_commands.json"), "w") as f:
        json.dump(entries, f, indent=1)
        f.write("\n")
    counts = [sum(1 for k, _ in best.values() if k == kind) for kind in (_KERNEL, _USER, _HOST)]
    print("compile_commands.json: %d files (kernel %d, user %d, host %d)" % (len(entries), *counts))


if __name__ == "__main__":
    main()
