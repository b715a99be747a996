# Shared by the system tests that boot the disk ISO one or more times and
# type at busybox sh on the serial console (source it after checks.sh, with
# $iso, $runner and $dir set):
#   start NAME [RUNNER ARGS...]  boots; QEMU reads the console from a FIFO
#                                this script keeps open as fd 3
#   wait_for REGEX SECONDS       until a console line matches (1: timeout or QEMU gone)
#   run NAME COMMAND             types `m NAME; COMMAND; m end-NAME` and waits
#                                for the end marker (m is defined by the test)
#   section NAME / in_section NAME REGEX   the lines COMMAND printed
#   finish NAME                  waits for QEMU to end, saves and prints the
#                                log; sets $status and $log
#   booted_to_disk               the root moved to the disk and the prompt is up
#   need_tools TEST TOOL...      exits with a message unless every TOOL is found
#                                (also in /sbin, /usr/sbin)
#   scratch_disk IMAGE           a writable sparse copy of IMAGE as $disk
#   fsck_disk WHEN               prints e2fsck -fn of $disk; checks it exits 0
#   debugfs_sums SUMS            for each "MD5  PATH" line of SUMS, checks that
#                                debugfs cat PATH of $disk has that MD5
raw=""; fifo=""; qemu=0

need_tools() {
  local test="$1" tool; shift
  for tool in "$@"; do
    command -v "$tool" > /dev/null || PATH="$PATH:/sbin:/usr/sbin"
    command -v "$tool" > /dev/null || { echo "$test: $tool not found (e2fsprogs; run ci/bootstrap.sh)"; exit 1; }
  done
}

scratch_disk() {
  disk="$dir/disk.img"
  cp --sparse=always "$1" "$disk"
  chmod u+w "$disk"
}

clean() { tr -d '\r' < "$raw"; }

start() {
  local name="$1"; shift
  raw="$dir/serial-$name.raw"
  fifo="$dir/console-in-$name"
  rm -f "$fifo"
  mkfifo "$fifo"
  "$runner" --iso "$iso" "$@" < "$fifo" > "$raw" 2>&1 &
  qemu=$!
  exec 3> "$fifo"
}

wait_for() {
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    clean | grep -qE -- "$1" && return 0
    kill -0 "$qemu" 2> /dev/null || return 1
    sleep 0.5
  done
  return 1
}

# The echo of the typed line shows "m NAME", so only the output has "@@NAME@@".
run() {
  printf '%s\n' "m $1; $2; m end-$1" >&3
  if ! wait_for "^@@end-$1@@\$" 300; then
    echo "(no end marker for '$1' within 300 s)"
  fi
}

section() { clean | awk -v b="@@$1@@" -v e="@@end-$1@@" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }'; }
in_section() { section "$1" | grep -qE -- "$2"; }

finish() {
  wait "$qemu"
  status=$?
  exec 3>&-
  log="$dir/serial-$1.log"
  clean > "$log"
  echo "---- serial log of boot $1 ($log) ----"
  cat "$log"
  echo "---- end of serial log; QEMU exit status $status ----"
}

booted_to_disk() {
  wait_for '^init: the root is now the ext2 disk$' 300 && wait_for '^init: starting /bin/sh' 60 &&
    wait_for 'tessera:.*# ' 60
}

fsck_disk() {
  local out rc
  out="$(e2fsck -fn "$disk" 2>&1)"
  rc=$?
  echo "$out"
  check "host: e2fsck -fn exits 0 $1" test "$rc" -eq 0
}

debugfs_sums() {
  local sum path got
  while read -r sum path; do
    [ -n "$path" ] || continue
    got="$(debugfs -R "cat $path" "$disk" 2> /dev/null | md5sum | cut -d' ' -f1)"
    check "host: debugfs cat $path has the guest's md5 $sum" test "$got" = "$sum"
  done <<< "$1"
}
