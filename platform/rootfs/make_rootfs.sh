#!/bin/bash
# make_rootfs.sh OUT.cpio BUSYBOX [DEST=FILE]...
# Stages Tessera's root file system and packs it as a cpio "newc" archive
# (the initramfs GRUB loads next to the kernel):
#   /bin/busybox and a symbolic link for every applet it has (as Debian's
#   busybox-static installs them: /bin, /sbin, /usr/bin, /usr/sbin),
#   each DEST=FILE program (e.g. bin/posixtest=...; a bin/busybox-NAME is a
#   multi-call binary whose applets get links too; lib/... the glibc
#   dynamic linker, linked from /lib64 as Debian does), /etc (passwd, group,
#   hostname, profile, motd), and the empty mount points /dev /proc /tmp.
# Every file is owned by root except the normal user's home, /home/user
# (uid 1000, /etc/passwd); /etc/shadow is root's only. Fixed timestamps
# (reproducible output).
set -euo pipefail
out="$1"; busybox="$2"; shift 2

# Ownership in the archive comes from the staged files: stage as (fake) root.
# Always fakeroot, also as root, and never a real chown: in Bazel's sandbox
# (a user namespace that maps only root) a chown to another user fails.
if [ -z "${FAKEROOTKEY:-}" ]; then
  command -v fakeroot >/dev/null || { echo "make_rootfs.sh: needs fakeroot; run ci/bootstrap.sh" >&2; exit 1; }
  FAKEROOTDONTTRYCHOWN=1 exec fakeroot -- "$0" "$out" "$busybox" "$@"
fi
here="$(cd "$(dirname "$0")" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,tmp,root,home/user,mnt,var/log}
chmod 1777 "$stage/tmp"
chmod 0700 "$stage/root"
install -m 0755 "$busybox" "$stage/bin/busybox"
"$busybox" --list-full | while read -r applet; do
  [ "$applet" = "bin/busybox" ] && continue
  mkdir -p "$stage/$(dirname "$applet")"
  ln -sf /bin/busybox "$stage/$applet"
done
for spec in "$@"; do
  dest="${spec%%=*}"; src="${spec#*=}"
  mkdir -p "$stage/$(dirname "$dest")"
  install -m 0755 "$src" "$stage/$dest"
done
# Further multi-call binaries (bin/busybox-extra: the applets Debian's busybox
# configuration leaves out, built from its source, third_party/busybox): a
# link per applet, none taking the place of one of Debian's busybox.
for multi in "$stage"/bin/busybox-*; do
  [ -x "$multi" ] || continue
  for applet in $("$multi" --list-full); do
    if [ -e "$stage/$applet" ] || [ -L "$stage/$applet" ]; then
      echo "make_rootfs.sh: /$applet is in two binaries" >&2
      exit 1
    fi
    mkdir -p "$stage/$(dirname "$applet")"
    ln -s "/bin/$(basename "$multi")" "$stage/$applet"
  done
done
# glibc's dynamic linker at the path programs name in PT_INTERP (Debian's
# /lib64 link).
if [ -e "$stage/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ]; then
  mkdir -p "$stage/lib64"
  ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$stage/lib64/ld-linux-x86-64.so.2"
fi
cp "$here"/etc/* "$stage/etc/"
chmod 0644 "$stage"/etc/*
chmod 0600 "$stage/etc/shadow"
chown -R -h 0:0 "$stage"
chown 1000:1000 "$stage/home/user"
chmod 0755 "$stage/home/user"

# Fixed timestamps: 2026-01-01 00:00:00 UTC.
find "$stage" -exec touch -h -d @1767225600 {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) > "$out"
