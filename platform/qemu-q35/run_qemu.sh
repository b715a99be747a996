#!/bin/bash
# run_qemu.sh --iso PATH [--smp N] [--mem MB] [--timeout S] [--serial-log FILE]
#             [--image PATH] [--disk PATH] [--disk-ro] [--disk-intx]
#             [--disk-slot N] [--disk2 PATH] [--net user|restricted|none]
#             [--hostfwd tcp:HOSTPORT-:GUESTPORT]... [--nic-intx] [-- QEMU ARGS...]
#
# Boots Tessera on QEMU's q35 machine under TCG, headless, with the serial
# console multiplexed on this terminal (Ctrl-A X quits, Ctrl-A C is the QEMU
# monitor). isa-debug-exit is attached: when the guest writes v to port 0xf4,
# QEMU exits with status (v << 1) | 1, which this script passes on.
#   --timeout S       stop QEMU after S seconds (exit status 124)
#   --serial-log F    send the serial console to file F instead of the terminal
#   --disk PATH       the root disk: raw image PATH as a virtio-blk device
#                     (modern, disable-legacy=on); changes persist in PATH.
#                     A missing PATH is first created from the --image
#   --image PATH      the built disk image; without --disk a fresh copy of
#                     it (deleted at exit) is the disk (`bazel run
#                     //platform:qemu` passes the built root image)
#   --disk-ro         attach the disk read-only (the guest sees VIRTIO_BLK_F_RO)
#   --disk-intx       give the disk no MSI-X (vectors=0): its driver must use INTx
#   --disk-slot N     put the disk in slot N (1-30) of the root bus
#                     (default: the first free one, 3)
#   --disk2 PATH      a second virtio-blk disk (raw, read-write, changes persist
#                     in PATH), attached after the root disk: the guest's
#                     /dev/vdb (mount -t ext2 /dev/vdb DIR)
#   --net MODE        the NIC: a modern virtio-net device (disable-legacy=on) in
#                     slot 2 on QEMU's user-mode network (slirp: the guest is
#                     10.0.2.15, the host 10.0.2.2). MODE user (the default),
#                     restricted (user with restrict=on: the guest reaches
#                     slirp's own services and forwarded ports, nothing
#                     beyond this machine; what the tests use), none (no NIC),
#                     stream-listen:PATH (a unix stream socket at PATH that
#                     another guest's stream:PATH connects to: two guests on
#                     one wire, no DHCP: give each an address with ifconfig)
#                     or stream:PATH (connect to it; this NIC's MAC ends in :57)
#   --hostfwd tcp:HOSTPORT-:GUESTPORT
#                     forward a host port to the guest, always bound to
#                     127.0.0.1 (repeatable; udp: too)
#   --nic-intx        give the NIC no MSI-X (vectors=0): its driver must use INTx
set -euo pipefail

iso=""
smp=1
mem=512
timeout_s=0
serial_log=""
disk=""
image=""
disk_ro=0
disk_intx=0
disk_slot=""
disk2=""
net=user
hostfwd=()
nic_intx=0
extra=()

usage() {
  sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    --iso) iso="$2"; shift 2 ;;
    --smp) smp="$2"; shift 2 ;;
    --mem) mem="$2"; shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --serial-log) serial_log="$2"; shift 2 ;;
    --disk) disk="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --disk-ro) disk_ro=1; shift ;;
    --disk-intx) disk_intx=1; shift ;;
    --disk-slot) disk_slot="$2"; shift 2 ;;
    --disk2) disk2="$2"; shift 2 ;;
    --net) net="$2"; shift 2 ;;
    --hostfwd) hostfwd+=("$2"); shift 2 ;;
    --nic-intx) nic_intx=1; shift ;;
    --help|-h) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "run_qemu.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

[ -n "$iso" ] || { echo "run_qemu.sh: --iso is required" >&2; exit 2; }
[ -f "$iso" ] || { echo "run_qemu.sh: no ISO at $iso" >&2; exit 2; }
[[ "$smp" =~ ^[1-9][0-9]*$ ]] || { echo "run_qemu.sh: --smp needs a positive number" >&2; exit 2; }
[[ "$mem" =~ ^[1-9][0-9]*$ ]] || { echo "run_qemu.sh: --mem needs a size in MiB" >&2; exit 2; }
[[ "$timeout_s" =~ ^[0-9]+$ ]] || { echo "run_qemu.sh: --timeout needs seconds" >&2; exit 2; }
[[ -z "$disk_slot" || ( "$disk_slot" =~ ^[1-9][0-9]?$ && "$disk_slot" -le 30 ) ]] || {
  echo "run_qemu.sh: --disk-slot needs a slot number 1-30" >&2; exit 2; }
case "$net" in
  user|restricted|none) ;;
  stream:?*|stream-listen:?*)
    # sun_path holds 108 bytes with its NUL; QEMU 7.2 does not say so.
    path="${net#*:}"
    [ "${#path}" -le 107 ] || {
      echo "run_qemu.sh: the wire's socket path is longer than 107 bytes: $path" >&2; exit 2; } ;;
  *) echo "run_qemu.sh: --net takes user, restricted, none, stream:PATH or stream-listen:PATH" >&2
     exit 2 ;;
esac
fwd_opts=""
for f in "${hostfwd[@]+"${hostfwd[@]}"}"; do
  [[ "$f" =~ ^(tcp|udp):([0-9]{1,5})-:([0-9]{1,5})$ ]] || {
    echo "run_qemu.sh: --hostfwd takes tcp:HOSTPORT-:GUESTPORT (got '$f')" >&2; exit 2; }
  [[ "$net" = user || "$net" = restricted ]] || {
    echo "run_qemu.sh: --hostfwd needs the user network (--net user)" >&2; exit 2; }
  # Always on the loopback address: nothing outside this machine reaches the guest.
  fwd_opts+=",hostfwd=${BASH_REMATCH[1]}:127.0.0.1:${BASH_REMATCH[2]}-:${BASH_REMATCH[3]}"
done
command -v qemu-system-x86_64 >/dev/null || {
  echo "run_qemu.sh: qemu-system-x86_64 not found; run ci/bootstrap.sh" >&2; exit 2; }

args=(
  -machine q35 -accel tcg -cpu max
  -smp "$smp" -m "$mem"
  -display none -no-reboot
  -device isa-debug-exit,iobase=0xf4,iosize=0x04
  -cdrom "$iso" -boot d
)
if [ -n "$serial_log" ]; then
  args+=(-serial "file:$serial_log" -monitor none)
else
  args+=(-serial mon:stdio)
fi
if [ "$net" = none ]; then
  args+=(-nic none)
else
  restrict=""
  [ "$net" = restricted ] && restrict=",restrict=on"
  nic_vectors=""
  [ "$nic_intx" -eq 1 ] && nic_vectors=",vectors=0"
  # Slot 2 (where QEMU's default NIC was), before the disks, so they keep
  # theirs (the first free one is 3).
  case "$net" in
    stream-listen:*)
      netdev="stream,id=n0,server=on,addr.type=unix,addr.path=${net#stream-listen:}" ;;
    stream:*)
      # The other end of a wire keeps QEMU's default MAC; this one differs.
      netdev="stream,id=n0,server=off,addr.type=unix,addr.path=${net#stream:}"
      nic_vectors+=",mac=52:54:00:12:34:57" ;;
    *) netdev="user,id=n0$restrict$fwd_opts" ;;
  esac
  args+=(-netdev "$netdev"
         -device "virtio-net-pci,netdev=n0,disable-legacy=on,addr=2$nic_vectors")
fi
if [ -n "$image" ] && [ ! -f "$image" ]; then
  echo "run_qemu.sh: no disk image at $image" >&2; exit 2
fi
if [ -n "$disk" ] && [ ! -e "$disk" ]; then
  [ -n "$image" ] || { echo "run_qemu.sh: no disk at $disk and no --image to create it from" >&2; exit 2; }
  cp --sparse=always "$image" "$disk"
  chmod u+w "$disk"
  echo "run_qemu.sh: created $disk from $image" >&2
elif [ -z "$disk" ] && [ -n "$image" ]; then
  disk="$(mktemp "${TMPDIR:-/tmp}/tessera-disk.XXXXXX")"
  trap 'rm -f "$disk"' EXIT
  cp --sparse=always "$image" "$disk"
  chmod u+w "$disk"
fi
if [ -n "$disk" ]; then
  ro=""
  [ "$disk_ro" -eq 1 ] && ro=",readonly=on"
  vectors=""
  [ "$disk_intx" -eq 1 ] && vectors=",vectors=0"
  addr=""
  [ -n "$disk_slot" ] && addr=",addr=$disk_slot"
  args+=(-drive "file=$disk,if=none,format=raw,id=root$ro"
         -device "virtio-blk-pci,drive=root,disable-legacy=on$vectors$addr")
fi
if [ -n "$disk2" ]; then
  [ -f "$disk2" ] || { echo "run_qemu.sh: no second disk at $disk2" >&2; exit 2; }
  args+=(-drive "file=$disk2,if=none,format=raw,id=disk2"
         -device "virtio-blk-pci,drive=disk2,disable-legacy=on")
fi
args+=("${extra[@]}")

status=0
if [ "$timeout_s" -gt 0 ]; then
  timeout --foreground "$timeout_s" qemu-system-x86_64 "${args[@]}" || status=$?
else
  qemu-system-x86_64 "${args[@]}" || status=$?
fi
exit "$status"
