#!/bin/bash
# Installs what building, booting and testing Tessera needs on Debian 12, and
# nothing else. Idempotent: packages already present are not touched, and a
# machine that has everything runs no apt-get at all. Runs as root or via sudo.
# Then unpacks Debian's source packages of lwIP and busybox into /opt/tessera
# (see fetch_source below), again only when they are not there already,
# verified.
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
  e2fsck-static                            # /sbin/e2fsck in Tessera's root file system
  fakeroot                                 # file owners in the initramfs and disk images
  python3 clang-format                     # ci/check_layers.py, ci/check_format.sh
  dpkg-dev debian-archive-keyring          # dpkg-source and the archive key for the source packages
  xz-utils                                 # lwIP's source tarballs
)

sudo=""
sudo_missing=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else sudo_missing=1; fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
else
  if [ -n "$sudo_missing" ]; then
    echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "bootstrap: packages installed"
fi

# Source packages from Debian, unpacked with their Debian patches applied by
# dpkg-source into /opt/tessera/<name>-<version>, which the WORKSPACE names as
# local repositories; no file of theirs is kept in this repository:
#   lwIP 2.1.3 (lwip_2.1.3+dfsg1-2): the network server's protocol engine,
#     @lwip (third_party/lwip/README.md);
#   busybox 1.35.0 (busybox_1.35.0-4+deb12u1, the source of the busybox-static
#     the root file system runs): its adduser, addgroup, deluser and delgroup,
#     which Debian's configuration leaves out, built as @busybox_src
#     (third_party/busybox/README.md).
# apt's own source machinery fetches each with a private list directory and a
# deb-src line derived from the machine's configured Debian archive (the URI
# its main component comes from), so the system's apt configuration is read,
# never changed. Pinned: the .dsc by its SHA-256 here, the tarballs by the
# .dsc's Checksums-Sha256, and the unpacked tree by its tree hash (sha256 of
# the sorted `sha256sum` list of its files), which is also how a present tree
# is judged.
LWIP_VERSION=2.1.3+dfsg1-2
LWIP_DSC_SHA256=8d8f944db8e6d542fc2d6f01559078fb1b5dda71651c67ee5fa3571ed1342c50
LWIP_TREE_SHA256=adb9ccefe78e44df7daa0845d7709ace0b149bee1733df30707e6edb3978d47c
BUSYBOX_VERSION=1.35.0-4+deb12u1
BUSYBOX_DSC_SHA256=9c01fe128b0eeded371c70e37d474fdb5055f71b5d0a778db44c6b0c62d3a7fa
BUSYBOX_TREE_SHA256=4da0d8c7a2ecec985102fe661a6e4468c6a46d572d391cb5a530240dc57034f4

source_fail() {
  echo "bootstrap: $SOURCE_NAME: $*" >&2
  exit 1
}

# The hash of every file under $1 (names and contents), order-independent.
tree_sha256() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
    sha256sum | cut -d' ' -f1
}

# fetch_source NAME EPOCH VERSION DSC_SHA256 TREE_SHA256: Debian's source
# package NAME=[EPOCH:]VERSION, unpacked into /opt/tessera/NAME-VERSION.
fetch_source() {
  SOURCE_NAME=$1
  local epoch=$2 version=$3 dsc_sha256=$4 tree_sha256=$5
  local dsc="${SOURCE_NAME}_${version}.dsc" dir="/opt/tessera/${SOURCE_NAME}-${version}"
  if [ -d "$dir" ]; then
    if [ "$(tree_sha256 "$dir")" = "$tree_sha256" ]; then
      echo "bootstrap: $SOURCE_NAME $version present in $dir"
      return 0
    fi
    echo "bootstrap: $SOURCE_NAME: $dir does not match its pinned hash; unpacking it again" >&2
  fi
  local codename uri work
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || source_fail "no VERSION_CODENAME in /etc/os-release"
  # The archive this machine's apt uses for <codename>: the URI before
  # "/dists/<codename>/InRelease" in what `apt-get update` would fetch
  # (printed, not fetched; needs no lists), else apt-cache policy's
  # "500 <uri> <codename>/main amd64 Packages".
  uri=$(apt-get update --print-uris 2>/dev/null |
    sed -n "s|^'\(.*\)/dists/$codename/InRelease'.*|\1|p" | head -n 1)
  if [ -z "$uri" ]; then
    uri=$(apt-cache policy | awk -v s="$codename/main" '$3 == s && $NF == "Packages" { print $2; exit }')
  fi
  [ -n "$uri" ] || source_fail "apt has no '$codename' Debian archive configured"
  work=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  mkdir -p "$work/lists/partial" "$work/dl"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $codename main" \
    >"$work/sources.list"
  local apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$work/lists" -o "APT::Sandbox::User=root")
  local wanted="$SOURCE_NAME=${epoch:+$epoch:}$version"
  echo "bootstrap: fetching $wanted (deb-src $uri $codename main)"
  apt-get "${apt_opts[@]}" -qq update || source_fail "apt-get update of the deb-src list failed"
  (cd "$work/dl" && apt-get "${apt_opts[@]}" -qq source --download-only "$wanted") ||
    source_fail "apt-get source --download-only $wanted failed"
  [ -f "$work/dl/$dsc" ] || source_fail "$dsc was not downloaded"
  echo "$dsc_sha256  $work/dl/$dsc" | sha256sum --quiet -c - ||
    source_fail "$dsc does not match its pinned SHA-256 $dsc_sha256"
  # Every file of the .dsc's Checksums-Sha256 section: " <sha256> <size> <name>".
  local files
  files=$(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3 { print $1 "  " $3 }' \
    "$work/dl/$dsc")
  [ "$(echo "$files" | grep -c .)" -ge 2 ] || source_fail "$dsc lists no Checksums-Sha256 files"
  (cd "$work/dl" && echo "$files" | sha256sum --quiet -c -) ||
    source_fail "a file of $dsc does not match its Checksums-Sha256"
  # --no-check: the checksums are verified above; the maintainer's signature
  # would need debian-keyring, and the .dsc's own pin covers it.
  dpkg-source --no-check -x "$work/dl/$dsc" "$work/tree" >/dev/null ||
    source_fail "dpkg-source -x $dsc failed"
  local got
  got=$(tree_sha256 "$work/tree")
  [ "$got" = "$tree_sha256" ] ||
    source_fail "the unpacked tree hashes to $got, not the pinned $tree_sha256"
  $sudo mkdir -p "$(dirname "$dir")" || source_fail "cannot create $(dirname "$dir")"
  $sudo rm -rf "$dir.new" "$dir" &&
    $sudo cp -a "$work/tree" "$dir.new" &&
    $sudo chmod -R a+rX "$dir.new" &&
    $sudo mv "$dir.new" "$dir" || source_fail "cannot install $dir"
  rm -rf "$work"
  trap - EXIT
  echo "bootstrap: $SOURCE_NAME $version unpacked in $dir"
}

fetch_source lwip "" "$LWIP_VERSION" "$LWIP_DSC_SHA256" "$LWIP_TREE_SHA256"
fetch_source busybox 1 "$BUSYBOX_VERSION" "$BUSYBOX_DSC_SHA256" "$BUSYBOX_TREE_SHA256"
echo "bootstrap: done"
