#!/bin/bash
# System test of dynamically linked programs: boots disk_iso with a copy of
# the root image and runs /bin/dynprobe (testing/dynamic: linked by the
# host's gcc against Debian's glibc, PT_INTERP /lib64/ld-linux-x86-64.so.2)
# at busybox sh. The kernel loads the program and glibc's dynamic linker,
# which maps libc.so.6 from the ext4 root through the fs server, binds the
# program to it, sets up TLS, and starts main: the probe's lines show each
# step worked. Then the probe as a user, the dynamic linker run as a
# program (--list, as ldd; and running the probe itself), and the probe
# without its dynamic linker (ENOENT, as Linux: the shell says "not found").
#   dynamic_test.sh ISO RUNNER ROOT_IMAGE
set -uo pipefail
trap '' PIPE

iso="$1"
runner="$2"
image="$3"
dir="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/console.sh"

need_tools dynamic_test e2fsck
scratch_disk "$image"

start 1 --disk "$disk" --timeout 600
booted=0
if booted_to_disk; then
  booted=1
  printf '%s\n' 'm() { echo "@@$*@@"; }' >&3
  run probe '/bin/dynprobe hello; echo rc=$?'
  run user "su user -c '/bin/dynprobe as-user' | tail -2; echo rc=\$?"
  # The dynamic linker run as a program (as ldd does): it lists what the
  # probe needs, then maps the probe itself with mmap and runs it.
  run list '/lib64/ld-linux-x86-64.so.2 --list /bin/dynprobe; echo rc=$?'
  run direct '/lib64/ld-linux-x86-64.so.2 /bin/dynprobe direct | grep -E "^(arg|dynamic-ok)"'
  # C++ across shared objects: libstdc++, libgcc_s's unwinder, libm.
  run cxx '/bin/cxxprobe thrown; echo rc=$?'
  # Debian's bash (dynamically linked: libtinfo.so.6, libc.so.6).
  run bash 'bash -c '"'"'echo "bash=${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}"; a=(x y z); echo "n=${#a[@]}";
    f() { local v=$1; echo "f=$((v * 6))"; }; f 7; echo "sub=$(echo nested | tr a-z A-Z)";
    [[ abc == a* ]] && echo glob=yes; for i in 1 2 3; do s+=$i; done; echo "loop=$s"'"'"'; echo rc=$?'
  run nolinker 'mv /lib64/ld-linux-x86-64.so.2 /lib64/away; /bin/dynprobe; echo rc=$?;
    mv /lib64/away /lib64/ld-linux-x86-64.so.2; /bin/dynprobe | tail -1'
  run sync 'sync'
  printf '%s\n' 'poweroff' >&3
fi
finish 1

check "the root moved to the disk" test "$booted" -eq 1
check "the probe ran to its end (exit 0)" \
  bash -c 'grep -qx dynamic-ok <<< "$1" && grep -qx rc=0 <<< "$1"' _ "$(section probe)"
check "it is bound to Debian's glibc 2.36 from /lib/x86_64-linux-gnu/libc.so.6" \
  bash -c 'grep -qx libc=2.36 <<< "$1" && grep -qx printf_in=/lib/x86_64-linux-gnu/libc.so.6 <<< "$1"' \
  _ "$(section probe)"
check "AT_BASE is the dynamic linker's address, AT_ENTRY the program's (at 0x555555554000 + entry)" \
  in_section probe '^at_base=0x7f0000000000 at_entry=0x5555555[0-9a-f]{5} main=0x5555555[0-9a-f]{5}$'
check "a thread through libc, TLS of its own and the main thread's" in_section probe '^thread=141 main_tls=42$'
check "dlsym finds libc's strlen; dladdr places main in the program" \
  bash -c 'grep -qx dlsym_strlen=1 <<< "$1" && grep -qx probe_in_main=1 <<< "$1"' _ "$(section probe)"
check "errno from a failed open, the argument copied with strdup" \
  bash -c 'grep -qx "open=-1 errno=No such file or directory" <<< "$1" && grep -qx arg=hello <<< "$1"' \
  _ "$(section probe)"
check "a user runs it too" \
  bash -c 'grep -qx dynamic-ok <<< "$1" && grep -qx rc=0 <<< "$1"' _ "$(section user)"
check "ld.so --list: libc.so.6 from /lib/x86_64-linux-gnu, the linker itself" \
  bash -c 'grep -qE "^\s+libc\.so\.6 => /lib/x86_64-linux-gnu/libc\.so\.6 \(0x[0-9a-f]+\)$" <<< "$1" &&
    grep -qE "^\s+/lib64/ld-linux-x86-64\.so\.2 \(0x[0-9a-f]+\)$" <<< "$1" && grep -qx rc=0 <<< "$1"' \
  _ "$(section list)"
check "ld.so PROGRAM: the linker maps and runs the probe itself" \
  bash -c 'grep -qx arg=direct <<< "$1" && grep -qx dynamic-ok <<< "$1"' _ "$(section direct)"
check "C++: an exception from libstdc++ caught, a thrown one caught with its message" \
  bash -c 'grep -qx caught=out_of_range <<< "$1" && grep -qx caught=thrown <<< "$1"' _ "$(section cxx)"
check "C++: std::thread, a guarded static, libm; exit 0" \
  bash -c 'grep -qx threads=14 <<< "$1" && grep -qx static=2 <<< "$1" && grep -qx cbrt=42 <<< "$1" &&
    grep -qx cxx-ok <<< "$1" && grep -qx rc=0 <<< "$1"' _ "$(section cxx)"
check "Debian's bash 5.2 runs a script: arrays, functions, arithmetic, a pipeline in \$(), [[ ]], a loop" \
  bash -c 'grep -qx bash=5.2 <<< "$1" && grep -qx n=3 <<< "$1" && grep -qx f=42 <<< "$1" &&
    grep -qx sub=NESTED <<< "$1" && grep -qx glob=yes <<< "$1" && grep -qx loop=123 <<< "$1" &&
    grep -qx rc=0 <<< "$1"' _ "$(section bash)"
check "without its dynamic linker the program does not start (ENOENT: not found, 127); back, it runs" \
  bash -c 'grep -q "not found" <<< "$1" && grep -qx rc=127 <<< "$1" && grep -qx dynamic-ok <<< "$1"' \
  _ "$(section nolinker)"
fsck_disk "after the run"
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
