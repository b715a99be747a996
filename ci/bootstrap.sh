#!/bin/bash
# Installs what building, booting and testing Tessera needs on Debian 12, and
# nothing else. Idempotent: packages already present are not touched, and a
# machine that has everything runs no apt-get at all. Runs as root or via sudo.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap      # Bazel 4.2.3 (WORKSPACE mode, used offline)
  clang lld llvm       # the bare-metal toolchain: clang-14, ld.lld, llvm-ar/objcopy
  libclang-rt-14-dev   # compiler-rt builtins and crtbegin/crtend for user programs
  g++                  # the host toolchain for unit tests and tools
  googletest           # GoogleTest sources (/usr/src/googletest)
  musl-dev musl-tools  # libc for Tessera's own user programs (static)
  grub-pc-bin grub-common xorriso mtools   # grub-mkrescue for the boot ISO
  qemu-system-x86      # the q35 machine
  busybox-static cpio e2fsprogs            # the shell; the initramfs; the root disk
  python3 clang-format                     # ci/check_layers.py, ci/check_format.sh
)

missing=()
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "bootstrap: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "bootstrap: done"
