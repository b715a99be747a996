#!/bin/bash
# `bazel run //testing/bench:tessera [-- OPTIONS]` and
# `bazel run //testing/bench:compare [-- OPTIONS]`: finds the runfiles (the
# ISOs, the Linux initramfs, the launcher) and hands over to bench_runner.py.
# `--help` after `--` lists the options.
set -euo pipefail
runfiles="${RUNFILES_DIR:-$0.runfiles}/tessera"
[ -d "$runfiles" ] || runfiles="$PWD"
python="$(command -v /usr/bin/python3 || command -v python3)"
exec "$python" "$runfiles/testing/bench/bench_runner.py" --runfiles "$runfiles" "$@"
