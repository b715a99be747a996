#!/bin/bash
# System test of procfs: boots the procfs ISO (tessera.test=shell: init runs
# busybox sh on the serial console and exits with the shell's status), types
# commands that read /proc at the prompt through QEMU's serial stdin, one at
# a time, and checks what they print: ps, top, free, uptime, kill, pidof, the
# files of /proc/<pid> (status, stat, cmdline, tessera, fd, a zombie's state)
# /proc/tessera/unsupported and busybox sysctl over /proc/sys. Ends with
# `exit 0`, which ends QEMU.
#   procfs_test.sh ISO RUNNER
set -uo pipefail
# If QEMU dies early, writes to its console FIFO must fail (and the checks
# report it), not kill this script with SIGPIPE.
trap '' PIPE

iso="$1"
runner="$2"
dir="${TEST_TMPDIR:-$(mktemp -d)}"
raw="$dir/serial-procfs.raw"
log="$dir/serial-procfs.log"
fifo="$dir/console-in"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

# The console as the test sees it: without the CRs of CR LF.
clean() { tr -d '\r' < "$raw"; }

# QEMU reads the console from a FIFO that this script keeps open for writing.
rm -f "$fifo"
mkfifo "$fifo"
"$runner" --iso "$iso" --timeout 600 < "$fifo" > "$raw" 2>&1 &
qemu=$!
exec 3> "$fifo"

wait_for() {  # wait_for REGEX SECONDS: until a console line matches
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    clean | grep -qE -- "$1" && return 0
    kill -0 "$qemu" 2> /dev/null || return 1
    sleep 0.5
  done
  return 1
}

# Each command runs as `m NAME; COMMAND; m end-NAME`; m prints @@NAME@@. The
# echo of the typed line shows "m NAME", so only the output has "@@NAME@@".
run() {  # run NAME COMMAND
  printf '%s\n' "m $1; $2; m end-$1" >&3
  if ! wait_for "^@@end-$1@@\$" 120; then
    echo "(no end marker for '$1' within 120 s)"
  fi
}

# The lines a command printed (between its markers).
section() { clean | awk -v b="@@$1@@" -v e="@@end-$1@@" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }'; }
in_section() { section "$1" | grep -qE -- "$2"; }  # in_section NAME REGEX

booted=0
if wait_for '^init: starting /bin/sh' 240 && wait_for 'tessera:.*# ' 60; then
  booted=1
  printf '%s\n' 'm() { echo "@@$*@@"; }' >&3
  run pid 'echo "pid=$$"'
  run self-status 'cat /proc/self/status'
  # From a subshell that first sleeps: by then the shell surely sleeps in
  # wait4 (a cat started at once may read it before the shell got there).
  run sh-status '(sleep 1; cat /proc/$$/status)'
  run sh-stat '(sleep 1; cat /proc/$$/stat)'
  run ps 'ps'
  run free 'free'
  run uptime 'uptime'
  run cmdline "cat /proc/1/cmdline | tr '\\0' ' '; echo"
  run ls 'ls /proc'
  # A refused flag (mremap 0x80, from the POSIX suite's mremap_errors case)
  # shows up as a 'refused' line.
  run unsupported 'posixtest mremap_errors >/dev/null; cat /proc/tessera/unsupported'
  run tessera 'cat /proc/$$/tessera'
  run meminfo 'cat /proc/meminfo /proc/loadavg /proc/uptime'
  run top 'top -b -n 1'
  run fd 'ls -l /proc/$$/fd'
  run exe 'readlink /proc/$$/exe; readlink /proc/$$/cwd'
  run maps 'cat /proc/$$/maps'
  # A zombie: `true` exits, and its parent (which became `sleep 20`) does not
  # wait for it.
  run zombie '(true & exec sleep 20) & z=$!; echo "z=$z"; sleep 2; cat /proc/[0-9]*/stat; kill $z'
  run gone 'cat /proc/999999/status; echo "status=$?"'
  # A process that exits while its /proc directory is the shell's cwd.
  run exited 'sleep 1 & p=$!; cd /proc/$p; wait $p; cat stat; echo "cat=$?"; ls; cd /'
  # Readers racing with 50 processes that come and go.
  run race '(for i in $(seq 1 50); do true & done; wait) & for i in 1 2 3 4 5 6; do cat /proc/[0-9]*/stat /proc/[0-9]*/status /proc/[0-9]*/maps /proc/[0-9]*/cmdline /proc/[0-9]*/tessera > /dev/null 2>&1; ls -l /proc/[0-9]*/fd > /dev/null 2>&1; done; wait; echo raced'
  run kill 'sleep 30 & k=$!; echo "k=$k"; pidof sleep; kill $k; wait $k; echo "killed=$?"'
  # busybox sysctl over /proc/sys: read, write an enforced value, refuse a
  # read-only one, walk the whole tree; then the limit goes back.
  run sysctl 'sysctl kernel.hostname kernel.ostype; sysctl -w vm.max_map_count=70000; cat /proc/sys/vm/max_map_count; sysctl -w kernel.ostype=x; echo "ro=$?"; echo "all=$(sysctl -a 2>/dev/null | grep -c " = ")"; sysctl -w vm.max_map_count=65530'
  # A PID namespace (busybox unshare -p -f): the shell in it is pid 1, and
  # a proc mounted there lists only the namespace's processes, by their
  # numbers there. (--mount-proc needs a mount namespace: the mount is on
  # a scratch directory of the one table instead.)
  run pidns 'unshare -p -f sh -c "echo nspid=\$\$; mkdir -p /tmp/nsproc && mount -t proc proc /tmp/nsproc && echo list=\$(ls /tmp/nsproc | grep -E \"^[0-9]+\\\$\"); echo self=\$(readlink /tmp/nsproc/self); grep -E \"^(Pid|PPid|NSpid):\" /tmp/nsproc/self/status; read a b c d e < /proc/loadavg; echo last=\$e; umount /tmp/nsproc"'
  # Mount and PID namespaces together (unshare -m -p -f --mount-proc): the
  # proc mounted on /proc inside shows the namespace's processes only, and
  # the shell's /proc and mount table are as they were.
  run mntpidns 'unshare -m -p -f --mount-proc sh -c "echo in=\$(ls /proc | grep -cE \"^[0-9]+\\\$\"); echo self=\$(readlink /proc/self) in1=\$(cat /proc/1/comm)"; echo out1=$(cat /proc/1/comm) out=$(ls /proc | grep -cE "^[0-9]+$"); echo procs=$(grep -c "^proc /proc " /proc/mounts)'
  printf '%s\n' 'exit 0' >&3
fi

# QEMU's exit status is (guest code << 1) | 1 via isa-debug-exit; 124 = timeout.
wait "$qemu"
status=$?
exec 3>&-
clean > "$log"
echo "---- serial log ($log) ----"
cat "$log"
echo "---- end of serial log; QEMU exit status $status ----"

shpid=$(section pid | sed -nE 's/^pid=([0-9]+)$/\1/p' | head -n 1)
check "booted to the shell prompt" test "$booted" -eq 1
check "procfs mounted at boot" grep -qE '^\[vfs\] mounted .*procfs on /proc' "$log"
check "the shell told its pid (${shpid:-none})" test -n "$shpid"
shpid=${shpid:-none}

# /proc/self/status: the reader's own status (cat, a child of the shell).
check "self/status: Name line" in_section self-status '^Name:	[a-z]+$'
check "self/status: Pid and Tgid agree" \
  test "$(section self-status | sed -nE 's/^Pid:	//p')" = "$(section self-status | sed -nE 's/^Tgid:	//p')"
check "self/status: PPid is the shell" in_section self-status "^PPid:	$shpid\$"
check "self/status: running" in_section self-status '^State:	R \(running\)$'
check "self/status: root's ids" in_section self-status '^Uid:	0	0	0	0$'
check "self/status: VmRSS in kB" in_section self-status '^VmRSS:	 *[1-9][0-9]* kB$'
check "self/status: Threads 1" in_section self-status '^Threads:	1$'
# /proc/<shell>/status: the fields match the shell.
check "sh/status: Name sh" in_section sh-status '^Name:	sh$'
check "sh/status: Pid is \$\$" in_section sh-status "^Pid:	$shpid\$"
check "sh/status: PPid 1 (init)" in_section sh-status '^PPid:	1$'
check "sh/status: sleeping while cat reads" in_section sh-status '^State:	S \(sleeping\)$'
# /proc/<shell>/stat: 52 fields.
stat_line=$(section sh-stat | head -n 1)
check "sh/stat: 52 fields ($(wc -w <<< "$stat_line"))" test "$(wc -w <<< "$stat_line")" -eq 52
check "sh/stat: pid (sh) S ppid=1 pgrp=sid=pid" grep -qE "^$shpid \(sh\) S 1 $shpid $shpid " <<< "$stat_line"

check "ps: header" in_section ps '^ *PID +USER +(TIME +)?COMMAND$'
check "ps: init is pid 1" in_section ps '^ +1 +root +.*init$'
check "ps: the shell with its pid" in_section ps "^ +$shpid +root +.*sh\$"
check "free: a Mem: line with numbers" in_section free '^Mem: +[1-9][0-9]* +[0-9]+ +[1-9][0-9]* +[0-9]+ +[0-9]+ +[0-9]+$'
check "free: no swap" in_section free '^Swap: +0 +0 +0$'
check "uptime: up and load averages" in_section uptime ' up .* load average: [0-9]+\.[0-9]{2}, [0-9]+\.[0-9]{2}, [0-9]+\.[0-9]{2}$'
check "pid 1's cmdline is 'init'" in_section cmdline '^init $'
for entry in 1 "$shpid" self meminfo uptime loadavg stat cpuinfo mounts tessera; do
  check "ls /proc: $entry" in_section ls "(^| )$entry( |\$)"
done
check "tessera/unsupported: 'number name count' and 'refused call what value count' lines" \
  bash -c '! grep -vE "^(([0-9]+ [a-z0-9_]+|[0-9]+ -|>=512 -)|refused [a-z0-9_]+ [a-z_]+ 0x[0-9a-f]+) [1-9][0-9]*\$" <<< "$1"' _ "$(section unsupported)"
check "tessera/unsupported: the refused mremap flag is counted" in_section unsupported '^refused mremap flags 0x80 [1-9][0-9]*$'
check "<shell>/tessera: pid" in_section tessera "^pid: $shpid\$"
check "<shell>/tessera: syscalls counted" in_section tessera '^syscalls: [1-9][0-9]*$'
for key in ipc_messages_sent ipc_bytes_sent ipc_messages_received ipc_bytes_received cpu_time_ns \
           resident_pages threads handles fds pinned_pages pinned_refused system_pinned_pages \
           privilege_refused; do
  check "<shell>/tessera: $key" in_section tessera "^$key: [0-9]+\$"
done
check "<shell>/tessera: the pinned limits (16 MiB, 64 MiB)" \
  bash -c 'grep -q "^pinned_limit_pages: 4096$" <<< "$1" && grep -q "^system_pinned_limit_pages: 16384$" <<< "$1"' _ "$(section tessera)"
check "meminfo: MemTotal" in_section meminfo '^MemTotal: +[1-9][0-9]* kB$'
check "meminfo: MemAvailable" in_section meminfo '^MemAvailable: +[1-9][0-9]* kB$'
check "loadavg line" in_section meminfo '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [1-9][0-9]*/[1-9][0-9]* [1-9][0-9]*$'
check "uptime file" in_section meminfo '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$'
check "top: memory line" in_section top '^Mem: [0-9]+K used, [0-9]+K free'
check "top: load average line" in_section top '^Load average: [0-9]+\.[0-9]{2} '
check "top: the shell listed" in_section top "^ +$shpid +1 +root +S .* sh\$"
check "fd: 0 is the serial tty" in_section fd '0 -> /dev/ttyS0$'
check "exe: the shell runs /bin/busybox (/bin/sh is a link to it)" in_section exe '^/bin/busybox$'
check "cwd: the shell's working directory" in_section exe '^/root$'
check "maps: the stack" in_section maps '^7[0-9a-f]+-7[0-9a-f]+ rw-p 00000000 00:00 0 +\[stack\]$'
check "maps: the program text" in_section maps '^[0-9a-f]{8,}-[0-9a-f]{8,} r-xp '
zparent=$(section zombie | sed -nE 's/^z=([0-9]+)$/\1/p')
check "zombie: the child its parent (${zparent:-none}) does not wait for shows state Z" \
  in_section zombie "^[0-9]+ \\([a-z]+\\) Z ${zparent:-none} "
check "zombie: no memory fields (vsize, rss 0)" \
  bash -c 'grep -E "^[0-9]+ \([a-z]+\) Z " <<< "$1" | awk "BEGIN { bad = 1 } { bad = \$23 != 0 || \$24 != 0 } END { exit bad }"' \
  _ "$(section zombie)"
check "a pid that does not exist: ENOENT, no crash" in_section gone 'No such file or directory'
check "a process that exited: its stat gives ENOENT" in_section exited '^cat: .*stat.*No such file or directory$'
check "a process that exited: cat failed cleanly" in_section exited '^cat=1$'
check "racing readers and exiting processes: no crash" in_section race '^raced$'
killed=$(section kill | sed -nE 's/^k=([0-9]+)$/\1/p')
check "pidof sleep lists the sleep (${killed:-none})" in_section kill "^([0-9]+ )*${killed:-none}( [0-9]+)*\$"
check "kill ended the sleep with SIGTERM (143)" in_section kill '^killed=143$'

check "pid namespace: the shell in it is pid 1" in_section pidns '^nspid=1$'
# Init, the shell, the other processes of the system: none of them is in
# the namespace; its own are a handful numbered from 1.
check "pid namespace: its proc lists 1 and its few processes only" in_section pidns '^list=1( [2-9])*$'
check "pid namespace: its proc's self is the reader's number there" in_section pidns '^self=[2-9][0-9]?$'
check "pid namespace: status shows the numbers there, parent 1" in_section pidns '^PPid:	1$'
check "pid namespace: NSpid has one level in its own proc" in_section pidns '^NSpid:	[2-9][0-9]?$'
check "pid namespace: loadavg's last pid is the namespace's" in_section pidns '^last=[2-9][0-9]?$'
check "unshare -m -p --mount-proc: its /proc lists only its few processes" in_section mntpidns '^in=[1-5]$'
check "unshare -m -p --mount-proc: /proc/self inside is a small number" in_section mntpidns '^self=[2-9] '
check "unshare -m -p --mount-proc: pid 1 inside is the namespace's shell" in_section mntpidns ' in1=sh$'
check "unshare -m -p --mount-proc: the shell's /proc still shows init as 1, and more" \
  in_section mntpidns '^out1=init out=([6-9]|[1-9][0-9]+)$'
check "unshare -m -p --mount-proc: the shell's mount table has one proc on /proc" in_section mntpidns '^procs=1$'
check "sysctl: kernel.hostname" in_section sysctl '^kernel.hostname = tessera$'
check "sysctl: kernel.ostype" in_section sysctl '^kernel.ostype = Linux$'
check "sysctl -w vm.max_map_count" in_section sysctl '^vm.max_map_count = 70000$'
check "sysctl: the new limit in /proc/sys" in_section sysctl '^70000$'
check "sysctl -w of a read-only entry fails" in_section sysctl '^ro=1$'
check "sysctl -a walks /proc/sys ($(section sysctl | sed -nE 's/^all=//p') values)" \
  bash -c '[ "$(sed -nE "s/^all=//p" <<< "$1")" -ge 24 ]' _ "$(section sysctl)"
check "no kernel panic" bash -c '! grep -qE "KERNEL PANIC|KERNEL EXCEPTION" "$1"' _ "$log"
check "the shell exited 0 and init passed the test" grep -q '^\[test\] init test: PASS' "$log"
check "QEMU ended by the kernel with status 0 (exit 1)" test "$status" -eq 1

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
