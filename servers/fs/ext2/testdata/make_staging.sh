#!/bin/sh
# Builds the staging tree the ext2 test images are made from (mke2fs -d):
# regular files of sizes that cross the direct / indirect / double-indirect
# boundaries, an empty file, sparse files (one reaching into the
# triple-indirect range of 1 KiB blocks), fast and slow symlinks (also
# dangling, and to a directory), hard links, a fifo, a directory of many
# entries, a deep directory, odd names and modes. Deterministic contents.
#
# usage: make_staging.sh DIR
set -eu
d="$1"
rm -rf "$d"
mkdir -p "$d"
export LC_ALL=C

# Deterministic pseudo-random bytes: N bytes from seed S.
bytes() { awk -v n="$1" -v s="$2" 'BEGIN { x = s; for (i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2147483648; printf "%c", int(x / 65536) % 256 } }'; }

printf 'Hello, Tessera!\n' > "$d/hello.txt"
: > "$d/empty"
bytes 1000 1 > "$d/small.bin"
bytes 12288 2 > "$d/twelve_k.bin"          # exactly 12 KiB: direct blocks only at 1 KiB
bytes 12289 3 > "$d/twelve_k_plus.bin"     # one byte into the indirect block at 1 KiB
bytes 307200 4 > "$d/medium.bin"           # 300 KiB: into double-indirect at 1 KiB
seq 1 20000 > "$d/numbers.txt"
chmod 0755 "$d/small.bin"
chmod 0600 "$d/numbers.txt"

# Sparse files: holes at the start, the middle and the end.
bytes 4096 5 > "$d/sparse.bin"
bytes 4096 6 | dd of="$d/sparse.bin" bs=1024 seek=1024 conv=notrunc status=none
truncate -s 3M "$d/sparse.bin"
truncate -s 1M "$d/hole_only.bin"
# 70 MiB in: the triple-indirect range for 1 KiB blocks.
bytes 3000 7 | dd of="$d/far_sparse.bin" bs=1024 seek=71680 status=none

# Symlinks: fast (< 60 bytes), slow (>= 60), dangling, to a directory.
ln -s hello.txt "$d/link_fast"
ln -s "dir/sub/../../a_rather_long_path_component_to_make_a_slow_symlink/target.txt" "$d/link_slow"
ln -s does/not/exist "$d/link_dangling"

mkdir -p "$d/dir/sub" "$d/emptydir"
printf 'inner\n' > "$d/dir/sub/inner.txt"
ln -s ../.. "$d/dir/sub/up"
ln -s dir "$d/link_dir"

# Hard links: one inode under three names in two directories.
bytes 5000 8 > "$d/hard_a"
ln "$d/hard_a" "$d/hard_b"
ln "$d/hard_a" "$d/dir/hard_c"

mkfifo "$d/fifo"

# Many entries: several directory blocks.
mkdir "$d/many"
i=0
while [ $i -lt 300 ]; do
  printf '%s\n' "$i" > "$d/many/entry_with_a_longish_name_$i"
  i=$((i + 1))
done

# A deep directory.
p="$d/deep"
i=0
while [ $i -lt 40 ]; do
  p="$p/level$i"
  i=$((i + 1))
done
mkdir -p "$p"
printf 'bottom\n' > "$p/bottom.txt"

printf 'spaces\n' > "$d/name with spaces"
printf 'utf8\n' > "$d/caf$(printf '\303\251')"
n=$(printf 'n%.0s' $(seq 1 255))
printf 'long name\n' > "$d/$n"

# Fixed times, so that timestamps can be compared exactly.
find "$d" -exec touch -h -d '2020-02-29 12:34:56 UTC' {} +
touch -h -d '2001-09-09 01:46:40 UTC' "$d/hello.txt"
