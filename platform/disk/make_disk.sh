#!/bin/bash
# make_disk.sh OUT IMAGE_MIB FS_MIB ARCHIVE|- [DEST=FILE]...
# Makes a raw disk image of IMAGE_MIB MiB holding an ext2 (revision 1) file
# system of FS_MIB MiB at its start (the rest stays zero), made by
# `mke2fs -t ext2 -d` from a staged tree: the cpio "newc" ARCHIVE unpacked
# (the initramfs, for the root disk; "-" for none) plus each DEST=FILE (a
# file at path DEST). MAKE_DISK_FSTYPE=ext3 makes it ext3 (ext2 plus a
# JBD2 journal) instead, MAKE_DISK_FSTYPE=ext4 ext4 (mke2fs.conf's features). Owners come from the archive (root but for the normal
# user's home), the added files are root's; timestamps, UUID and
# directory hash seed are fixed, so the output is reproducible.
set -euo pipefail
out="$1"; image_mib="$2"; fs_mib="$3"; archive="$4"; shift 4

# Ownership in the image comes from the staged files: stage as (fake) root.
# Always fakeroot, also as root, and never a real chown: in Bazel's sandbox
# (a user namespace that maps only root) a chown to another user fails.
if [ -z "${FAKEROOTKEY:-}" ]; then
  command -v fakeroot >/dev/null || { echo "make_disk.sh: needs fakeroot; run ci/bootstrap.sh" >&2; exit 1; }
  FAKEROOTDONTTRYCHOWN=1 exec fakeroot -- "$0" "$out" "$image_mib" "$fs_mib" "$archive" "$@"
fi
mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)
[ -x "$mke2fs" ] || { echo "make_disk.sh: mke2fs not found; run ci/bootstrap.sh (e2fsprogs)" >&2; exit 1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
if [ "$archive" != "-" ]; then
  archive="$(cd "$(dirname "$archive")" && pwd)/$(basename "$archive")"
  (cd "$stage" && cpio --quiet -idm --no-absolute-filenames < "$archive")
fi
for spec in "$@"; do
  dest="${spec%%=*}"; src="${spec#*=}"
  mkdir -p "$stage/$(dirname "$dest")"
  install -m 0644 -o 0 -g 0 "$src" "$stage/$dest"
done
find "$stage" -exec touch -h -d @1767225600 {} +

rm -f "$out"
truncate -s "${image_mib}M" "$out"
E2FSPROGS_FAKE_TIME=1767225600 "$mke2fs" -q -F -t "${MAKE_DISK_FSTYPE:-ext2}" -r 1 -L tessera -m 0 \
  -U 5e55e2a0-7e55-4e2a-9000-000000000001 -E hash_seed=5e55e2a0-7e55-4e2a-9000-000000000002,root_owner=0:0 \
  -d "$stage" "$out" "${fs_mib}M"
