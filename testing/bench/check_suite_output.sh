#!/bin/bash
# check_suite_output.sh METRICS_TXT LOG [ALLOW_DISK_SKIP]
# Checks benchsuite's output in LOG (CRs already removed): every metric of
# METRICS_TXT has its line with a number for each figure (the values are not
# judged), disk metrics may say "skipped: no disk" when ALLOW_DISK_SKIP is 1,
# net and peer metrics "skipped: no network" (no AF_INET sockets), peer
# metrics also "skipped: no host peer" (no --peer) or, for a user without
# root, "skipped: raw sockets need root",
# no metric reports an error, and the suite printed "bench: done".
set -uo pipefail
metrics="$1"; log="$2"; allow_skip="${3:-1}"
number='[0-9]+(\.[0-9]+)?'
bad=0
while read -r name kind; do
  case "$name" in ''|'#'*) continue ;; esac
  if grep -qE "^bench: $name unit=(ns|MB/s) median=-?$number min=-?$number max=-?$number iterations=[1-9][0-9]*( [a-z_]+=[^ ]+)*\$" "$log"; then
    continue
  fi
  if [ "$kind" = disk ] && [ "$allow_skip" = 1 ] && grep -qE "^bench: $name skipped: no disk" "$log"; then
    continue
  fi
  if [ "$kind" = net ] || [ "$kind" = peer ]; then
    grep -qE "^bench: $name skipped: no network" "$log" && continue
  fi
  if [ "$kind" = peer ] && grep -qE "^bench: $name skipped: (no host peer|raw sockets need root)" "$log"; then
    continue
  fi
  echo "check_suite_output.sh: metric $name missing or malformed:" >&2
  grep -E "^bench: $name " "$log" >&2 || echo "  (no line)" >&2
  bad=$((bad + 1))
done < "$metrics"
if grep -qE '^bench: [a-zA-Z0-9_]+ error: ' "$log"; then
  echo "check_suite_output.sh: errors reported:" >&2
  grep -E '^bench: [a-zA-Z0-9_]+ error: ' "$log" >&2
  bad=$((bad + 1))
fi
grep -qx 'bench: done' "$log" || { echo "check_suite_output.sh: no 'bench: done'" >&2; bad=$((bad + 1)); }
exit $((bad == 0 ? 0 : 1))
