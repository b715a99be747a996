#!/bin/bash
# Bazel entry point of the console system test (see console_test.py):
#   console_test.sh DRIVER.py ISO RUN_QEMU.SH
set -uo pipefail
command -v python3 >/dev/null || { echo "console_test: python3 not found (Debian: bazel-bootstrap depends on it)"; exit 1; }
exec python3 "$1" --iso "$2" --runner "$3" --timeout 800
