#!/bin/bash
# Builds a small staging tree, packs it with GNU cpio (-H newc), and writes a
# manifest of the tree made independently of cpio (find + od), so the test
# can check the unpacked ramfs against the tree itself.
#
# Usage: make_archive.sh OUT.cpio OUT.manifest
# Manifest lines (tab-separated):
#   path  type(f/d/l/p)  mode(octal, 4 digits)  size  mtime  nlink  inode  target-or-hex
# Regular files carry their bytes as hex (empty for empty files), symlinks
# their target; `inode` groups hard links.
set -euo pipefail

if ! command -v cpio >/dev/null; then
  echo "make_archive.sh: GNU cpio is missing: install Debian's cpio package (ci/bootstrap.sh lists it)" >&2
  exit 1
fi

out_cpio="$(realpath -m "$1")"
out_manifest="$(realpath -m "$2")"
work="$(mktemp -d "${TMPDIR:-/tmp}/vfs_cpio.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"
cd "$root"

mkdir -p bin etc data/sub deep/a/b/c/d/e/f/g tmp empty-dir
# 70000 bytes of a fixed pattern: spans 18 ramfs blocks, not a multiple of 4.
awk 'BEGIN { for (i = 0; i < 70000; i++) printf "%c", 33 + (i * 7 + i / 251) % 90 }' > bin/busybox
chmod 0755 bin/busybox
ln -s busybox bin/sh
ln -s /bin/busybox bin/ls
printf 'root:x:0:0:root:/root:/bin/sh\n' > etc/passwd
printf 'root:*:19000:0:99999:7:::\n' > etc/shadow
chmod 0600 etc/shadow
: > etc/motd
ln -s ../nowhere etc/dangling
printf 'hard link data\n' > data/hard1
ln data/hard1 data/hard2
ln data/hard1 data/sub/hard3
printf '#!/bin/sh\necho setuid\n' > data/setuid
chmod 04755 data/setuid
printf 'deep\n' > deep/a/b/c/d/e/f/g/file
printf 'x' > data/x
printf 'xy' > data/xy
printf 'xyz' > data/xyz
printf 'wxyz' > data/wxyz
printf 'spaces and \303\274mlaut\n' > $'data/odd name \303\274'
mkfifo data/fifo
chmod 0640 data/fifo
chmod 01777 tmp
chmod 0700 empty-dir

# Fixed times; directories last (creating entries changes their mtime).
find . -not -type d -exec touch -h -d @1600000000 {} +
touch -d @1700000000 data/x
find . -depth -type d -exec touch -d @1500000000 {} +

LC_ALL=C find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible -R 0:0 > "$out_cpio"

LC_ALL=C find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r path; do
  type="$(stat -c %F "$path")"
  mode="$(stat -c %a "$path")"
  mode="$(printf '%04o' "$((8#$mode))")"
  size="$(stat -c %s "$path")"
  mtime="$(stat -c %Y "$path")"
  nlink="$(stat -c %h "$path")"
  inode="$(stat -c %i "$path")"
  case "$type" in
    "regular file"|"regular empty file")
      t=f; extra="$(od -An -v -tx1 "$path" | tr -d ' \n')" ;;
    directory) t=d; extra="" ;;
    "symbolic link") t=l; extra="$(readlink "$path")" ;;
    fifo) t=p; extra="" ;;
    *) echo "unexpected type $type for $path" >&2; exit 1 ;;
  esac
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${path#./}" "$t" "$mode" "$size" "$mtime" "$nlink" "$inode" "$extra"
done > "$out_manifest"
