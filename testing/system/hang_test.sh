#!/bin/bash
# System test of init's hang detection (issue 14): boots hang_iso (the disk
# ISO; init runs with --debug-hang, so signal 40 sent to init makes it tell
# virtio_blk, signal 41 fs_server, to spin without answering its pings, and
# --restart-window=3600) with a copy of the root image.
#
# A workload runs in the background at the shell: file after file of 32 KiB
# written with fsync (dd conv=fsync) and read back, each logged in
# /tmp/work.log (the tmpfs, not the disk) with its md5 when it succeeded,
# retried after a failure. Then:
#   - kill -40 1: the driver spins. init must log "virtio_blk (pid N) did not
#     answer for 5 s: killed, restarting" within the ping interval and the
#     deadline (plus TCG slack), restart the driver and hand it to the living
#     fs server (which answered its pings all along: it is never killed);
#   - kill -41 1: the fs server spins. init must log the same for fs_server,
#     restart the stack and the new server take the mount over;
#   - the workload goes on after each restart;
#   - a long heavy load (40 s of a 16 MiB random file written with fsync and
#     read back) with nobody hung: no "did not answer" line (a busy server answers
#     its pings; so did the server that waited for the hung driver above);
#   - every file the workload logged as written reads back with its md5 in
#     the guest, and on the host (debugfs); e2fsck -fn exits 0.
#   hang_test.sh ISO RUNNER ROOT_IMAGE
set -uo pipefail
trap '' PIPE  # a write to QEMU's console FIFO after it died fails, not kills

iso="$1"
runner="$2"
image="$3"
dir="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/console.sh"

need_tools hang_test e2fsck debugfs
scratch_disk "$image"

helpers='m() { echo "@@$*@@"; }'
# The workload: f$i are written once each; "ok PATH MD5" after the fsync and
# the read-back, "fail N" otherwise (the next file is tried a second later).
work='work() { i=0; while [ ! -e /tmp/stop ]; do i=$((i+1)); f=/data/w/f$i; if dd if=/dev/urandom of=$f bs=1k count=32 conv=fsync 2>/dev/null && s=$(md5sum < $f) && [ -n "$s" ]; then echo "ok $f ${s%% *}" >> /tmp/work.log; else echo "fail $i" >> /tmp/work.log; sleep 1; fi; done; echo done >> /tmp/work.log; }'
ok_count() {  # ok_count NAME: the number of ok lines the workload logged so far
  run "$1" 'echo "oks=$(grep -c ^ok /tmp/work.log)"'
  section "$1" | sed -n 's/^oks=\([0-9][0-9]*\)$/\1/p' | tail -n 1
}
wait_more() {  # wait_more NAME BEFORE SECONDS: until more than BEFORE ok lines
  local deadline=$((SECONDS + $3)) n=0 k=0
  while ((SECONDS < deadline)); do
    k=$((k + 1))
    n="$(ok_count "$1-$k")"
    [ -n "$n" ] && ((n > $2)) && { echo "$n"; return 0; }
    sleep 3
  done
  echo "${n:-0}"
  return 1
}
hung_line() { echo "init: $1 \\(pid [0-9]+\\) did not answer for 5 s: killed, restarting\$"; }
# hang SIGNAL NAME RESTARTED_REGEX SECONDS: asks init (kill -SIGNAL 1) to hang
# NAME; sets hang_secs (until init's "did not answer" line) and hang_back (1
# when RESTARTED_REGEX then showed within SECONDS).
hang() {
  local t0=$SECONDS
  hang_secs=999; hang_back=0
  printf 'kill -%s 1\n' "$1" >&3
  if wait_for "$(hung_line "$2")" 120; then
    hang_secs=$((SECONDS - t0))
    wait_for "$3" "$4" && hang_back=1
  fi
}
took_over='init: fs_server \(pid [0-9]+\) took over the mount on /: the disk works again$'

start 1 --disk "$disk" --timeout 1500
booted=0; ok0=0; ok1=0; ok2=0; blk_secs=999; fs_secs=999; blk_back=0; fs_back=0
heavy_ok=0; hung_before_heavy=0; hung_after_heavy=0
if booted_to_disk; then
  booted=1
  printf '%s\n' "$helpers" >&3
  printf '%s\n' "$work" >&3
  run setup 'mkdir -p /data/w && rm -f /tmp/stop /tmp/work.log && touch /tmp/work.log && echo setup-ok'
  printf '%s\n' 'work &' >&3
  ok0="$(wait_more go 2 300)"

  # The driver hangs, then the fs server.
  hang 40 virtio_blk 'init: virtio_blk restarted \(pid [0-9]+\); its channel went to fs_server' 120
  blk_secs=$hang_secs; blk_back=$hang_back
  ok1="$(wait_more after-blk "$ok0" 300)"
  hang 41 fs_server "$took_over" 180
  fs_secs=$hang_secs; fs_back=$hang_back
  ok2="$(wait_more after-fs "$ok1" 300)"

  # Stop the workload; then a long heavy write with nobody hung.
  run stop 'touch /tmp/stop; while ! grep -q ^done /tmp/work.log; do sleep 1; done; echo stopped'
  hung_before_heavy="$(clean | grep -cE 'did not answer for')"
  t0=$SECONDS
  run heavy 'dd if=/dev/urandom of=/tmp/rnd bs=1M count=16 2>/dev/null; r=$(md5sum < /tmp/rnd); t0=$(date +%s); n=0; while [ $n -lt 1000 ] && [ $(( $(date +%s) - t0 )) -lt 40 ]; do n=$((n+1)); dd if=/tmp/rnd of=/data/big bs=1M conv=fsync 2>/dev/null || echo heavy-fail; [ "$(md5sum < /data/big)" = "$r" ] || echo heavy-fail; done; echo "heavy-rounds=$n"; rm /data/big /tmp/rnd; echo heavy-done'
  heavy_secs=$((SECONDS - t0))
  heavy_rounds="$(section heavy | sed -n 's/^heavy-rounds=\([0-9][0-9]*\)$/\1/p')"
  in_section heavy '^heavy-done$' && ! in_section heavy 'heavy-fail' && heavy_ok=1
  hung_after_heavy="$(clean | grep -cE 'did not answer for')"

  # Every file logged as written, read back now.
  run verify 'grep -c ^ok /tmp/work.log; grep -c ^fail /tmp/work.log; bad=0; while read st f s; do [ "$st" = ok ] || continue; t=$(md5sum < $f); [ "${t%% *}" = "$s" ] || { echo "BAD $f"; bad=$((bad+1)); }; done < /tmp/work.log; echo "bad=$bad"'
  run sums 'grep ^ok /tmp/work.log | while read st f s; do echo "$s  $f"; done'
  printf '%s\n' 'poweroff' >&3
fi
finish 1
sums="$(section sums | grep -E '^[0-9a-f]{32}  /')"

check "the root moved to the disk" test "$booted" -eq 1
check "init was started with the debug hang signals" grep -qE '^init: debug: signal 40 hangs virtio_blk, signal 41 fs_server$' "$log"
check "the workload wrote files before the hangs ($ok0)" test "${ok0:-0}" -gt 2
check "the driver was told to hang" grep -qE 'virtio_blk: debug: told to hang by init; spinning$' "$log"
check "init found the driver hung and killed it (log line)" grep -qE "$(hung_line virtio_blk)" "$log"
check "... within 2 s + 5 s plus TCG slack (took ~$blk_secs s)" test "$blk_secs" -le 30
check "... and restarted it like a crash" grep -qE 'init: virtio_blk \(pid [0-9]+\) ended with killed by signal 9 \(killed: it did not answer\)$' "$log"
check "... handing it to the living fs server" test "$blk_back" -eq 1
check "the fs server moved to the new driver" grep -qE 'fs: reconnected to the restarted block driver$' "$log"
check "the workload went on after the driver restart ($ok0 -> $ok1)" test "${ok1:-0}" -gt "${ok0:-0}"
check "the fs server was told to hang" grep -qE 'fs: debug: told to hang by init; spinning$' "$log"
check "init found the fs server hung and killed it (log line)" grep -qE "$(hung_line fs_server)" "$log"
check "... within 2 s + 5 s plus TCG slack (took ~$fs_secs s)" test "$fs_secs" -le 30
check "... restarted the stack and the new server took the mount over" test "$fs_back" -eq 1
check "the workload went on after the fs server restart ($ok1 -> $ok2)" test "${ok2:-0}" -gt "${ok1:-0}"
check "the fs server waited for the hung driver inside a block request" \
  grep -qE 'fs: the block driver is gone; waiting for init to restart it$' "$log"
check "... and, answering its pings meanwhile, was not killed with it (first hang line: virtio_blk)" \
  bash -c 'grep -m1 -E "did not answer for" "$1" | grep -q "init: virtio_blk"' _ "$log"
check "exactly the two hangs were reported" test "$hung_before_heavy" -eq 2
check "the heavy load (${heavy_rounds:-?} x 16 MiB of random bytes written with fsync and read back) succeeded" test "$heavy_ok" -eq 1
check "... and kept the server busy for a long run (~$heavy_secs s)" test "$heavy_secs" -ge 30
check "no 'did not answer' during the heavy write" test "$hung_after_heavy" -eq 2
check "every file the workload wrote reads back with its md5" in_section verify '^bad=0$'
check "the workload's files have checksums ($(grep -c . <<< "$sums"))" test "$(grep -c . <<< "$sums")" -gt 2
check "no kernel panic" bash -c '! grep -qE "KERNEL PANIC|KERNEL EXCEPTION" "$1"' _ "$log"
check "QEMU ended by the kernel's power-off (exit 1)" test "$status" -eq 1

fsck_disk "after the hangs"
mismatch=0
while read -r sum path; do
  [ -n "$path" ] || continue
  got="$(debugfs -R "cat $path" "$disk" 2> /dev/null | md5sum | cut -d' ' -f1)"
  [ "$got" = "$sum" ] || { echo "host: $path has md5 $got, the guest wrote $sum"; mismatch=$((mismatch + 1)); }
done <<< "$sums"
check "host: debugfs reads every workload file with the guest's md5 ($mismatch mismatches)" test "$mismatch" -eq 0

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
