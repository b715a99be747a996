#!/bin/bash
# make_iso.sh ISO GRUB_CFG KERNEL [NAME MODULE]...
# Lays out an ISO tree (/boot/grub/grub.cfg, /boot/tessera.elf, /boot/<NAME>) and
# makes a BIOS-bootable image with grub-mkrescue (needs grub-pc-bin, xorriso, mtools).
set -euo pipefail
iso="$1"; cfg="$2"; kernel="$3"; shift 3
tree="$(mktemp -d)"
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/boot/grub"
cp "$cfg" "$tree/boot/grub/grub.cfg"
cp "$kernel" "$tree/boot/tessera.elf"
while [ "$#" -gt 0 ]; do
  cp "$2" "$tree/boot/$1"
  shift 2
done
if ! grub-mkrescue -o "$iso" "$tree" >"$tree.log" 2>&1; then
  cat "$tree.log" >&2
  rm -f "$tree.log"
  exit 1
fi
rm -f "$tree.log"
