#!/bin/bash
# System test of init's supervision of the storage stack (issue 5): boots
# supervise_iso (the disk ISO; init runs with --restart-window=3600 so that
# the give-up below does not race the clock) with a copy of the root image.
#
# Boot 1: writes /data/before and syncs, opens it on fd 5 and /data/held.log
# on fd 6, cds into /data/keep. Then `kill -9` of fs_server (its pid from
# /proc/*/comm): init must log the crash and restart the stack, the new
# server taking the same mount over; the file must read back by path and
# through the descriptor opened before the crash, the cwd must still be
# there (pwd -P asks the kernel), new files can be written and synced. Then
# `kill -9` of virtio_blk: init restarts it and hands it to the living
# server, which reconnects when its next block request finds the old driver
# gone; a new file written and synced goes through the new driver. Power
# off (the restarted server unmounts cleanly).
# On the host: e2fsck -fn exits 0 and debugfs reads every file with the
# guest's checksums. The root disk is ext3: the restarted server replays
# whatever its killed predecessor committed to the journal, so the disk is
# consistent and, after the clean power-off, marked clean with an empty
# journal, as Linux leaves it.
#
# Boot 2: kills fs_server five times; init restarts it four times and gives
# up at the fifth: the files then fail with EIO, `kill -USR2 1` still powers
# off, and e2fsck -fn still exits 0.
#   supervise_test.sh ISO RUNNER ROOT_IMAGE
set -uo pipefail
trap '' PIPE  # a write to QEMU's console FIFO after it died fails, not kills

iso="$1"
runner="$2"
image="$3"
dir="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/console.sh"

need_tools supervise_test e2fsck debugfs dumpe2fs
scratch_disk "$image"

# init's and the servers' lines may start right after a prompt on the same
# console line, so their patterns are not anchored at the start.
# Typed once per boot: m prints the markers; pid_of prints "pid=N" for each
# process whose /proc/N/comm is $1 (shell builtins only).
helpers='m() { echo "@@$*@@"; }; pid_of() { for p in /proc/[0-9]*; do read c 2>/dev/null < $p/comm && [ "$c" = "$1" ] && echo "pid=${p#/proc/}"; done; }'

pid_in() { section "$1" | sed -n 's/^pid=\([0-9][0-9]*\)$/\1/p' | head -n 1; }
count_lines() { clean | grep -cE -- "$1"; }
wait_count() {  # wait_count REGEX N SECONDS: until N console lines match
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    (($(count_lines "$1") >= $2)) && return 0
    kill -0 "$qemu" 2> /dev/null || return 1
    sleep 0.5
  done
  return 1
}
took_over='init: fs_server \(pid [0-9]+\) took over the mount on /: the disk works again$'

# ---- Boot 1: crash each process once.
start 1 --disk "$disk" --timeout 900
booted1=0; fs_pid=""; blk_pid=""; fs_back=0; blk_back=0
if booted_to_disk; then
  booted1=1
  printf '%s\n' "$helpers" >&3
  run setup 'mkdir -p /data/keep && cd /data/keep && touch marker &&
    dd if=/dev/urandom of=/data/before bs=1k count=150 2>/dev/null && exec 5< /data/before &&
    exec 6>> /data/held.log && echo one >&6 && sync && echo setup-ok'
  run sum0 'md5sum /data/before'
  run fs-pid 'pid_of fs_server'
  fs_pid="$(pid_in fs-pid)"
  if [ -n "$fs_pid" ]; then
    printf 'kill -9 %s\n' "$fs_pid" >&3
    wait_count "$took_over" 1 180 && fs_back=1
  fi
  run after-fs 'pwd -P; ls; md5sum /data/before; md5sum <&5; echo two >&6 &&
    dd if=/dev/urandom of=/data/new1 bs=1k count=200 2>/dev/null && sync && echo after-fs-ok'
  run blk-pid 'pid_of virtio_blk'
  blk_pid="$(pid_in blk-pid)"
  if [ -n "$blk_pid" ]; then
    printf 'kill -9 %s\n' "$blk_pid" >&3
    wait_for 'init: virtio_blk restarted \(pid [0-9]+\); its channel went to fs_server' 120 && blk_back=1
  fi
  run after-blk 'echo three >&6 && dd if=/dev/urandom of=/data/new2 bs=1k count=300 2>/dev/null &&
    sync && echo after-blk-ok'
  run held 'cat /data/held.log; exec 5<&- 6>&-; cat /proc/mounts'
  run sums 'md5sum /data/before /data/new1 /data/new2 /data/held.log'
  printf '%s\n' 'poweroff' >&3
fi
finish 1
log1="$log"
sum0="$(section sum0 | grep -oE '^[0-9a-f]{32}')"
sums="$(section sums | grep -E '^[0-9a-f]{32}  /')"

check "boot 1: the root moved to the disk" test "$booted1" -eq 1
check "boot 1: init supervises both processes" grep -qE '^init: supervising virtio_blk \(pid [0-9]+\) and fs_server \(pid [0-9]+\)$' "$log1"
check "boot 1: /proc/*/comm named fs_server ($fs_pid) and virtio_blk ($blk_pid)" test -n "$fs_pid" -a -n "$blk_pid"
check "boot 1: init logged the fs_server crash with pid and status" \
  grep -qE "init: fs_server \(pid $fs_pid\) crashed: killed by signal 9$" "$log1"
check "boot 1: init restarted the stack and the new fs_server took the mount over" test "$fs_back" -eq 1
check "boot 1: the restarted server mounted the disk and its journal (ext3: replayed, if the killed one left a transaction)" \
  bash -c 'test "$(grep -cE "fs: ext4 on virtio-blk: .*, mount [0-9]+$" "$1")" -ge 2 &&
    test "$(grep -cE "^fs: ext3 journal in use \(ordered mode\): [0-9]+ transaction\(s\) replayed at mount" "$1")" -ge 2' _ "$log1"
check "boot 1: the kernel kept the held vnodes across the re-attach (none stale)" \
  grep -qE '\[fs\] pid [0-9]+ re-attached a user-space file system on /: [1-9][0-9]* node\(s\) kept, 0 stale' "$log1"
check "boot 1: the cwd survived the restart (pwd -P, ls)" \
  bash -c 'grep -qx /data/keep <<< "$1" && grep -qx marker <<< "$1"' _ "$(section after-fs)"
check "boot 1: /data/before reads back by path after the fs_server restart" \
  bash -c '[ -n "$1" ] && grep -qx "$1  /data/before" <<< "$2"' _ "$sum0" "$(section after-fs)"
check "boot 1: ... and through the descriptor opened before the crash" \
  bash -c '[ -n "$1" ] && grep -qx "$1  -" <<< "$2"' _ "$sum0" "$(section after-fs)"
check "boot 1: writes and sync work after the fs_server restart" in_section after-fs '^after-fs-ok$'
check "boot 1: init logged the virtio_blk crash with pid and status" \
  grep -qE "init: virtio_blk \(pid $blk_pid\) crashed: killed by signal 9$" "$log1"
check "boot 1: init restarted virtio_blk for the living fs_server" test "$blk_back" -eq 1
check "boot 1: fs_server moved to the new driver" grep -qE 'fs: reconnected to the restarted block driver$' "$log1"
check "boot 1: writes and sync work after the virtio_blk restart" in_section after-blk '^after-blk-ok$'
check "boot 1: the append-only descriptor kept working across both restarts" \
  bash -c '[ "$(grep -E "^(one|two|three)$" <<< "$1" | tr "\n" " ")" = "one two three " ]' _ "$(section held)"
check "boot 1: / is still the ext4 mount of fs_server" bash -c 'grep -q "^fs_server / ext4 rw" <<< "$1"' _ "$(section held)"
check "boot 1: a checksum for each of the 4 files" test "$(grep -c . <<< "$sums")" -eq 4
check "boot 1: no kernel panic" bash -c '! grep -qE "KERNEL PANIC|KERNEL EXCEPTION" "$1"' _ "$log1"
check "boot 1: the restarted server unmounted cleanly at power-off" grep -qE 'fs: unmounted cleanly$' "$log1"
check "boot 1: QEMU ended by the kernel's power-off (exit 1)" test "$status" -eq 1

# ---- On the host.
fsck_disk "after boot 1"
check "host: the journal is empty and the file system clean (the journal made the crash harmless)" \
  bash -c 'dumpe2fs -h "$1" 2> /dev/null | grep -qE "^Filesystem state: +clean$" &&
    ! dumpe2fs -h "$1" 2> /dev/null | grep -q needs_recovery' _ "$disk"
debugfs_sums "$sums"

# ---- Boot 2: crash fs_server until init gives up.
start 2 --disk "$disk" --timeout 900
booted2=0; kills=0
if booted_to_disk; then
  booted2=1
  printf '%s\n' "$helpers" >&3
  for i in 1 2 3 4 5; do
    run "pid-$i" 'pid_of fs_server'
    pid="$(pid_in "pid-$i")"
    [ -n "$pid" ] || break
    printf 'kill -9 %s\n' "$pid" >&3
    kills=$i
    if [ "$i" -lt 5 ]; then
      wait_count "$took_over" "$i" 180 || break
    fi
  done
  wait_for 'init: fs_server crashed 5 times within 3600 s: giving up' 60
  run dead 'read line < /data/before; echo "status=$?"'
  printf '%s\n' 'kill -USR2 1' >&3
fi
finish 2
check "boot 2: the root moved to the disk" test "$booted2" -eq 1
check "boot 2: five kills" test "$kills" -eq 5
check "boot 2: four restarts, each taking the mount over" test "$(count_lines "$took_over")" -eq 4
check "boot 2: the restarts backed off (0.5 s, 1 s, 2 s)" \
  bash -c 'for ms in 500 1000 2000; do grep -qE "init: restarting the storage stack .* in $ms ms \(crash [234] within 3600 s\)$" "$1" || exit 1; done' _ "$log"
check "boot 2: init gave up at the fifth crash" \
  grep -qE 'init: fs_server crashed 5 times within 3600 s: giving up; files on the disk fail with EIO until the next boot$' "$log"
check "boot 2: no sixth server" test "$(grep -cE 'init: started fs_server' "$log")" -eq 4
check "boot 2: the files fail with EIO" \
  bash -c 'grep -q "Input/output error" <<< "$1" && grep -qE "^status=[1-9]" <<< "$1"' _ "$(section dead)"
check "boot 2: init still powers off" grep -q 'power off requested by pid 1 (init)' "$log"
check "boot 2: QEMU ended by the kernel's power-off (exit 1)" test "$status" -eq 1
check "boot 2: no kernel panic" bash -c '! grep -qE "KERNEL PANIC|KERNEL EXCEPTION" "$1"' _ "$log"
fsck_disk "after boot 2"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
