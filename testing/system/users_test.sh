#!/bin/bash
# System test of users and permissions (issue 13): boots disk_iso with a copy
# of the root image (its /etc/passwd has root and `user`, uid 1000, whose
# home /home/user it owns). At busybox sh, root becomes the user with `su`
# and the user is refused what Linux refuses (root's files and directories,
# signalling init, mount, sethostname, /proc/1/environ, another
# user's file in sticky /tmp) and allowed the rest (its home, its own
# files, /proc/self); a second user with adduser, groups with addgroup and
# delgroup, deluser, passwd, login -f; the ids show in id and
# /proc/self/status.
# On the host: e2fsck -fn, and the user's file on disk
# belongs to uid 1000.
#   users_test.sh ISO RUNNER ROOT_IMAGE
set -uo pipefail
trap '' PIPE

iso="$1"
runner="$2"
image="$3"
dir="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/console.sh"

need_tools users_test e2fsck debugfs
scratch_disk "$image"

start 1 --disk "$disk" --timeout 900
booted=0
if booted_to_disk; then
  booted=1
  printf '%s\n' 'm() { echo "@@$*@@"; }' >&3
  # su runs its -c command with sh; each check prints its exit status.
  u() { printf '%s' "su user -c '$1' 2>&1; echo rc=\$?"; }
  run ids "id; $(u id)"
  run status "$(u 'grep -E "^(Uid|Gid|CapEff):" /proc/self/status')"
  run shadow "$(u 'cat /etc/shadow')"
  run rootdir "$(u 'ls /root')"
  run kill "$(u 'kill -0 1')"
  run mount "$(u 'mount -t tmpfs none /mnt')"
  run hostname "$(u 'hostname evil'); hostname"
  run environ "$(u 'cat /proc/1/environ')"
  run home "$(u 'cd && echo hello > note && cat note && ls -ln note')"
  run sticky "echo root > /tmp/rootfile; $(u 'rm -f /tmp/rootfile'); cat /tmp/rootfile"
  run own-tmp "$(u 'echo mine > /tmp/userfile && rm /tmp/userfile')"
  # A second user with adduser (busybox's, built from Debian's source), then
  # groups with addgroup/delgroup, then deluser.
  run bob "adduser -D -g Bob bob; echo rc=\$?; grep ^bob: /etc/passwd /etc/group; grep -c '^bob:!:' /etc/shadow;
    ls -ldn /home/bob; su bob -c 'id; cd; touch f; ls -ln f'; $(u 'ls /home/bob; touch /home/bob/x')"
  run groups "addgroup crew && addgroup bob crew && id bob; delgroup bob crew && id bob; delgroup crew; grep -c ^crew: /etc/group"
  run deluser "deluser bob; echo rc=\$?; grep -c ^bob: /etc/passwd /etc/shadow /etc/group; id bob"
  run user-adduser "$(u 'adduser -D eve')"
  run passwd "grep ^user: /etc/shadow | cut -d: -f2 > /tmp/before; printf 'n3w-Secret\\nn3w-Secret\\n' | passwd user;
    echo rc=\$?; grep ^user: /etc/shadow | cut -d: -f2 | cmp -s - /tmp/before; echo changed=\$?"
  # login -f (pre-authenticated, root only) starts the user's login shell on
  # the console; the next line typed goes to that shell.
  printf '%s\n' 'm login; login -f user; m end-login' >&3
  wait_for '^tessera:~\$ ' 60
  printf '%s\n' 'echo "@@in-login@@ $(id -u) $HOME $(pwd)"; exit' >&3
  wait_for '^@@end-login@@$' 120
  run sync 'sync'
  printf '%s\n' 'poweroff' >&3
fi
finish 1

check "the root moved to the disk" test "$booted" -eq 1
check "id: root, then su user gives uid 1000" \
  bash -c 'grep -q "^uid=0(root) gid=0(root)" <<< "$1" &&
    grep -qE "^uid=1000\(user\) gid=1000\(user\) groups=(100\(users\),1000\(user\)|1000\(user\),100\(users\))$" <<< "$1" &&
    grep -qx rc=0 <<< "$1"' _ "$(section ids)"
check "/proc/self/status: the user's ids, no capabilities" \
  bash -c 'grep -qx "Uid:	1000	1000	1000	1000" <<< "$1" && grep -qx "Gid:	1000	1000	1000	1000" <<< "$1" &&
    grep -qx "CapEff:	0000000000000000" <<< "$1"' _ "$(section status)"
check "the user cannot read /etc/shadow" \
  bash -c 'grep -q "Permission denied" <<< "$1" && grep -qx rc=1 <<< "$1"' _ "$(section shadow)"
check "the user cannot list /root (0700)" \
  bash -c 'grep -q "Permission denied" <<< "$1" && ! grep -qx rc=0 <<< "$1"' _ "$(section rootdir)"
check "the user cannot signal init" \
  bash -c 'grep -q "Operation not permitted" <<< "$1" && grep -qx rc=1 <<< "$1"' _ "$(section kill)"
check "the user cannot mount" \
  bash -c '! grep -qx rc=0 <<< "$1" && grep -qiE "permission denied|not permitted" <<< "$1"' _ "$(section mount)"
check "the user cannot set the host name; it stays" \
  bash -c '! grep -qx rc=0 <<< "$1" && ! grep -qx evil <<< "$1"' _ "$(section hostname)"
check "the user cannot read /proc/1/environ" \
  bash -c 'grep -q "Permission denied" <<< "$1" && grep -qx rc=1 <<< "$1"' _ "$(section environ)"
check "the user writes in its home; the file is its own" \
  bash -c 'grep -qx hello <<< "$1" && grep -qE "^-rw-r--r-- +1 1000 +1000 .* note$" <<< "$1" && grep -qx rc=0 <<< "$1"' \
  _ "$(section home)"
check "sticky /tmp: the user cannot remove root's file, and it is still there" \
  bash -c 'grep -qx rc=1 <<< "$1" && grep -qx root <<< "$1"' _ "$(section sticky)"
check "the user makes and removes its own file in /tmp" in_section own-tmp '^rc=0$'
check "adduser -D bob: uid and group 1001, home /home/bob, a locked password" \
  bash -c 'grep -qx rc=0 <<< "$1" && grep -qx "/etc/passwd:bob:x:1001:1001:Bob:/home/bob:/bin/sh" <<< "$1" &&
    grep -qx "/etc/group:bob:x:1001:" <<< "$1" && grep -qx 1 <<< "$1" &&
    grep -qE "^d[rwxs-]{9} +[0-9]+ 1001 +1001 .* /home/bob$" <<< "$1"' _ "$(section bob)"
check "bob works in his home; user cannot write there" \
  bash -c 'grep -qE "^uid=1001\(bob\) gid=1001\(bob\)" <<< "$1" && grep -qE "^-rw-r--r-- +1 1001 +1001 .* f$" <<< "$1" &&
    grep -q "Permission denied" <<< "$1" && grep -qx rc=1 <<< "$1"' _ "$(section bob)"
check "addgroup bob crew puts bob in crew; delgroup bob crew takes him out; delgroup crew" \
  bash -c 'grep -qE "^uid=1001\(bob\) gid=1001\(bob\) groups=1001\(bob\),1002\(crew\)$" <<< "$1" &&
    grep -qE "^uid=1001\(bob\) gid=1001\(bob\) groups=1001\(bob\)$" <<< "$1" && grep -qx 0 <<< "$1"' _ "$(section groups)"
check "deluser bob: gone from passwd, shadow and group" \
  bash -c 'grep -qx rc=0 <<< "$1" && grep -qx "/etc/passwd:0" <<< "$1" && grep -qx "/etc/shadow:0" <<< "$1" &&
    grep -qx "/etc/group:0" <<< "$1" && grep -q "unknown user" <<< "$1"' _ "$(section deluser)"
check "a user's adduser is refused" in_section user-adduser 'rc=1'
check "root sets the user's password with passwd" \
  bash -c 'grep -qx rc=0 <<< "$1" && grep -qx changed=1 <<< "$1"' _ "$(section passwd)"
check "login -f user: a login shell as uid 1000 in /home/user" \
  bash -c 'grep -qx "@@in-login@@ 1000 /home/user /home/user" "$1"' _ "$dir/serial-1.log"
fsck_disk "after the session"
check "host: the user's file on disk belongs to uid 1000" \
  bash -c 'debugfs -R "stat /home/user/note" "$1" 2> /dev/null | grep -qE "User: +1000 +Group: +1000"' _ "$disk"
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
