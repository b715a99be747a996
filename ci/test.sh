#!/bin/bash
# The one command that runs every Tessera test: installs what is missing
# (ci/bootstrap.sh), then `bazel test //...` — host unit tests and the QEMU
# system tests — and then the host unit tests (every cc_test not tagged qemu)
# again under AddressSanitizer (`--config=asan`) and UndefinedBehaviorSanitizer
# (`--config=ubsan`), and last the lwIP frame-input fuzzer for a fixed
# 200,000 inputs from a fixed seed (ci/fuzz_lwip.sh). Before them, ci/check_format.sh checks the layout and
# ci/check_layers.py the build graph against the layer order of core/README.md. Extra arguments go to each
# `bazel test`. Every run happens even when an earlier one fails; the status
# is the first failure's.
set -uo pipefail
cd "$(dirname "$0")/.."
ci/bootstrap.sh || exit

status=0
run() {
  echo "ci/test.sh: bazel test $*" >&2
  bazel test "$@"
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then status=$rc; fi
}

# The layout of .clang-format, and the layers of core/README.md (no package
# may use one above it: a query, no build). Both take seconds.
if ! ci/check_format.sh; then status=1; fi
if ! ci/check_layers.py; then status=1; fi
run //... "$@"
# Host tests only: wildcards skip targets incompatible with the host, the tag
# filter skips QEMU boots and the language filter the sh_tests (which run the
# unsanitized user programs).
for config in asan ubsan; do
  run --config="$config" --build_tests_only --test_tag_filters=-qemu --test_lang_filters=cc \
    "$@" -- //...
done
# lwIP's frame input path under libFuzzer, ASan and UBSan: a fixed number
# of inputs from a fixed seed and only the repository's corpus, so every run
# of this tree explores the same inputs and a failure is the tree's, not
# luck's (open-ended runs that look for new faults: ci/fuzz_lwip.sh 600).
# The time cap only guards against a machine far slower than this one.
if ! FUZZ_LWIP_CORPUS="$(mktemp -d)" ci/fuzz_lwip.sh "${FUZZ_LWIP_SECONDS:-600}" \
  -seed=1 -runs="${FUZZ_LWIP_RUNS:-200000}"; then
  status=1
fi
exit "$status"
