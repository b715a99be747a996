#!/bin/bash
# The one command that runs every Tessera test: installs what is missing
# (ci/bootstrap.sh), then `bazel test //...` — host unit tests and the QEMU
# system tests. Extra arguments go to `bazel test`.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/bootstrap.sh
exec bazel test //... "$@"
