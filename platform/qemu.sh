#!/bin/bash
# `bazel run //platform:qemu [-- OPTIONS]`: boots the freshly built Tessera ISO
# in QEMU (q35, TCG) with the serial console on this terminal.
# OPTIONS are run_qemu.sh's: --smp N, --mem MB, --timeout S, --serial-log F,
# --disk PATH (a persistent root disk, created from the built image when
# missing; without it a fresh copy of the built image is used), --disk-ro,
# --net user|restricted|none|stream-listen:PATH|stream:PATH (the virtio-net NIC on QEMU's user network, or a wire to another guest;
# default user), --hostfwd tcp:HOSTPORT-:GUESTPORT (bound to 127.0.0.1),
# --nic-intx, and `-- QEMU ARGS...` passed to QEMU unchanged. Ctrl-A X
# quits QEMU.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runfiles="${RUNFILES_DIR:-$0.runfiles}/tessera"
[ -d "$runfiles" ] || runfiles="$PWD"
runfiles="$(cd "$runfiles" && pwd)"
# Relative paths the user gives (--disk, --serial-log) are theirs: resolve
# them from where `bazel run` was started, not from the runfiles tree.
cd "${BUILD_WORKING_DIRECTORY:-$PWD}"
exec "$runfiles/platform/qemu-q35/run_qemu.sh" --iso "$runfiles/platform/qemu-q35/iso.iso" \
  --image "$runfiles/platform/disk/root.img" "$@"
