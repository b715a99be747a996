#!/bin/sh
# Makes the ext2 test fixtures with the real tools (e2fsprogs' mke2fs):
#   staging.tar      the staging tree (make_staging.sh), for comparisons
#   tree_1k.img      mke2fs -t ext2 -b 1024 -d staging, 4 MiB
#   tree_4k.img      mke2fs -t ext2 -b 4096 -d staging, 4 MiB
#   empty_1k.img     an empty 8 MiB file system, 1 KiB blocks
#   empty_4k.img     an empty 16 MiB file system, 4 KiB blocks
#   empty_2k.img     an empty 8 MiB file system, 2 KiB blocks
#   empty_64k.img    an empty 64 MiB file system, 64 KiB blocks
#   tree_64k.img     mke2fs -t ext2 -b 65536 -d staging, 64 MiB
#   large_1k.img     an empty 80 MiB file system, 1 KiB blocks (room for a
#                    file dense into the triple-indirect range)
#   multi_1k.img     an empty 24 MiB file system, 1 KiB blocks and 2048
#                    blocks per group (12 groups: sparse_super backups)
#   ext3_1k.img      mke2fs -t ext3 (a journal), 4 MiB
#   ext3_4k.img      mke2fs -t ext3 -b 4096, 16 MiB
#   ext3_csum_1k.img mke2fs -t ext3 -O metadata_csum, 4 MiB (debugfs then
#                    writes CSUM_V3 journals into it)
#   ext4_1k.img      mke2fs -t ext4 -b 1024 (extent, 64bit, flex_bg,
#                    metadata_csum, ... as Debian's mke2fs.conf says), 8 MiB
#   ext4_4k.img      mke2fs -t ext4 -b 4096, 32 MiB
#   tree_e4_1k.img   mke2fs -t ext4 -b 1024 -d staging, 8 MiB (for fuzzing)
#   tree_e4n_1k.img  the same without metadata_csum (damage meets the
#                    structural checks rather than a checksum)
#   tree_1k_htree.img  tree_1k.img after e2fsck -fyD: large directories
#                    indexed (htree, dir_index), as ext3/ext4 drivers leave them
#
# usage: make_images.sh MAKE_STAGING_SH OUTDIR
set -eu
staging_script="$1"
out="$2"
PATH="$PATH:/sbin:/usr/sbin"
command -v mke2fs >/dev/null || { echo "make_images.sh: mke2fs (e2fsprogs) not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Reproducible images: fixed UUID, hash seed and time.
export E2FSPROGS_FAKE_TIME=1600000000
mk() { mke2fs -q -F -U 6b1f3e2a-5c4d-4e8f-9a0b-1c2d3e4f5a6b -E hash_seed=0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9 "$@"; }

sh "$staging_script" "$tmp/staging"
tar -C "$tmp/staging" --sparse --numeric-owner -cf "$out/staging.tar" .
mk -t ext2 -b 1024 -d "$tmp/staging" "$out/tree_1k.img" 4M
mk -t ext2 -b 4096 -d "$tmp/staging" "$out/tree_4k.img" 4M
mk -t ext2 -b 1024 "$out/empty_1k.img" 8M
mk -t ext2 -b 4096 "$out/empty_4k.img" 16M
mk -t ext2 -b 2048 "$out/empty_2k.img" 8M
# (mke2fs warns that 64 KiB blocks are larger than the host's pages.)
mk -t ext2 -b 65536 "$out/empty_64k.img" 64M 2>/dev/null
mk -t ext2 -b 65536 -d "$tmp/staging" "$out/tree_64k.img" 64M 2>/dev/null
mk -t ext2 -b 1024 -N 512 "$out/large_1k.img" 80M
mk -t ext2 -b 1024 -g 2048 -N 1536 "$out/multi_1k.img" 24M
mk -t ext3 -b 1024 "$out/ext3_1k.img" 4M
mk -t ext3 -b 4096 "$out/ext3_4k.img" 16M
mk -t ext3 -b 1024 -O metadata_csum "$out/ext3_csum_1k.img" 4M
mk -t ext4 -b 1024 "$out/ext4_1k.img" 8M
mk -t ext4 -b 4096 "$out/ext4_4k.img" 32M
mk -t ext4 -b 1024 -d "$tmp/staging" "$out/tree_e4_1k.img" 8M
mk -t ext4 -b 1024 -O ^metadata_csum -d "$tmp/staging" "$out/tree_e4n_1k.img" 8M
cp "$out/tree_1k.img" "$out/tree_1k_htree.img"
status=0
e2fsck -fyD "$out/tree_1k_htree.img" >/dev/null 2>&1 || status=$?
# 0: nothing to do, 1: "errors corrected" (the directories were rewritten).
[ "$status" -le 1 ] || { echo "make_images.sh: e2fsck -fyD failed ($status)" >&2; exit 1; }
