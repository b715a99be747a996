#!/bin/bash
# Builds the libFuzzer target over lwIP's frame input path
# (//servers/net/lwip_port:frame_input_fuzz, clang 14 with ASan and UBSan)
# and runs it for a fixed time, starting from its corpus
# (servers/net/lwip_port/testdata/frame_input_corpus, read only) and from what
# earlier runs on this machine found ($FUZZ_LWIP_CORPUS, default
# ~/.cache/tessera/fuzz_lwip_corpus, where this run's new inputs go too; delete
# it to start afresh). Fails on any crash, lwIP assertion, sanitizer report,
# leak or timeout; the input that caused it is left in the artifact directory
# ($FUZZ_ARTIFACTS, default /tmp/tessera-fuzz-lwip) and printed as hex.
#
#   ci/fuzz_lwip.sh [SECONDS] [extra libFuzzer flags...]    (default 60 s)
#
# A reproducer belongs in the corpus once its cause is understood: the
# replay test (frame_input_replay_test) then runs it on every `bazel test`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
artifacts=${FUZZ_ARTIFACTS:-/tmp/tessera-fuzz-lwip}
cache=${FUZZ_LWIP_CORPUS:-$HOME/.cache/tessera/fuzz_lwip_corpus}

bazel build //servers/net/lwip_port:frame_input_fuzz
fuzzer=bazel-bin/servers/net/lwip_port/frame_input_fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seeds" "$artifacts" "$cache"
touch "$work/seeds"
cp servers/net/lwip_port/testdata/frame_input_corpus/* "$work/seeds/"

echo "fuzz_lwip: running $fuzzer for ${seconds}s (corpus $cache, artifacts in $artifacts)" >&2
rc=0
"$fuzzer" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$cache" "$work/seeds" \
  >"$work/log" 2>&1 || rc=$?
tail -n 25 "$work/log" >&2
if [ "$rc" -ne 0 ]; then
  echo "fuzz_lwip: FAILED (exit $rc); the first report:" >&2
  grep -m1 -A30 -E "ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error|lwIP assertion" \
    "$work/log" >&2 || true
  # This run's reproducers (the directory may hold older ones).
  find "$artifacts" -maxdepth 1 -type f -newer "$work/seeds" \
    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
    while read -r f; do
      echo "fuzz_lwip: reproducer $f:" >&2
      od -An -tx1 -v "$f" | head -n 40 >&2
    done
  exit "$rc"
fi
echo "fuzz_lwip: no crash (at most ${seconds}s; the run's figures are above)" >&2
