#!/bin/bash
# `bazel run //testing/bench:storage`: the storage benchmark of issue 5.
# Boots Tessera (tessera.test=storage) with a fresh copy of a 512 MiB ext2
# disk as the root; init runs `benchsuite --disk-mib 256 disk_`: sequential
# write (1 MiB writes, then fsync) and read MB/s, and 4 KiB random reads,
# on a 256 MiB file. Prints the figures and the random-read IOPS. Figures,
# not a test: nothing is judged.
set -uo pipefail
runfiles="${RUNFILES_DIR:-$0.runfiles}/tessera"
[ -d "$runfiles" ] || runfiles="$PWD"
iso="$runfiles/testing/bench/storage_iso.iso"
disk="$runfiles/testing/bench/storage_disk.img"
runner="$runfiles/platform/qemu-q35/run_qemu.sh"
log="$(mktemp /tmp/tessera-storage.XXXXXX.log)"
echo "storage: booting Tessera with a 512 MiB ext2 root disk (serial log $log)"
"$runner" --iso "$iso" --timeout 900 --serial-log "$log" --image "$disk" "$@" >/dev/null 2>&1
status=$?
lines="$(tr -d '\r' < "$log" | grep -E '^bench: (disk_|summary|done)|KERNEL PANIC')"
echo "$lines"
median="$(sed -n 's/^bench: disk_rand_read_4KiB unit=ns median=\([0-9.]*\).*/\1/p' <<< "$lines")"
if [ -n "$median" ]; then
  awk -v ns="$median" 'BEGIN { printf "storage: 4 KiB random reads: %.0f IOPS (one at a time, from the median latency)\n", 1e9 / ns }'
fi
# QEMU ends through isa-debug-exit: status 1 means init exited 0.
[ "$status" -eq 1 ] || { echo "storage: QEMU ended with status $status (see $log)"; exit 1; }
