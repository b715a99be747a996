#!/bin/bash
# Installs what building, booting and testing Tessera needs on Debian 12, and
# nothing else. Idempotent: packages already present are not touched, and a
# machine that has everything runs no apt-get at all. Runs as root or via sudo.
# Then unpacks lwIP's Debian source package into $LWIP_DIR (see fetch_lwip
# below), again only when it is not there already, verified.
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
  dpkg-dev debian-archive-keyring          # dpkg-source and the key for lwIP's source
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

# lwIP 2.1.3 from Debian's source package lwip_2.1.3+dfsg1-2, unpacked with
# its Debian patches applied by dpkg-source into $LWIP_DIR, which the WORKSPACE
# names as the local repository @lwip (third_party/lwip/README.md). No lwIP
# file is kept in this repository. apt's own source machinery fetches it with
# a private list directory and a deb-src line derived from the machine's
# configured Debian archive (the URI its main component comes from), so the
# system's apt configuration is read, never changed. Pinned: the .dsc by its
# SHA-256 here, the tarballs by the .dsc's Checksums-Sha256, and the unpacked
# tree by LWIP_TREE_SHA256 (sha256 of the sorted `sha256sum` list of its
# files), which is also how a present tree is judged.
LWIP_VERSION=2.1.3+dfsg1-2
LWIP_DSC=lwip_${LWIP_VERSION}.dsc
LWIP_DSC_SHA256=8d8f944db8e6d542fc2d6f01559078fb1b5dda71651c67ee5fa3571ed1342c50
LWIP_TREE_SHA256=adb9ccefe78e44df7daa0845d7709ace0b149bee1733df30707e6edb3978d47c
LWIP_DIR=/opt/tessera/lwip-${LWIP_VERSION}

lwip_fail() {
  echo "bootstrap: lwIP: $*" >&2
  exit 1
}

# The hash of every file under $1 (names and contents), order-independent.
tree_sha256() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
    sha256sum | cut -d' ' -f1
}

fetch_lwip() {
  if [ -d "$LWIP_DIR" ]; then
    if [ "$(tree_sha256 "$LWIP_DIR")" = "$LWIP_TREE_SHA256" ]; then
      echo "bootstrap: lwIP $LWIP_VERSION present in $LWIP_DIR"
      return 0
    fi
    echo "bootstrap: lwIP: $LWIP_DIR does not match its pinned hash; unpacking it again" >&2
  fi
  local codename uri work
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || lwip_fail "no VERSION_CODENAME in /etc/os-release"
  # The archive this machine's apt uses for <codename>: the URI before
  # "/dists/<codename>/InRelease" in what `apt-get update` would fetch
  # (printed, not fetched; needs no lists), else apt-cache policy's
  # "500 <uri> <codename>/main amd64 Packages".
  uri=$(apt-get update --print-uris 2>/dev/null |
    sed -n "s|^'\(.*\)/dists/$codename/InRelease'.*|\1|p" | head -n 1)
  if [ -z "$uri" ]; then
    uri=$(apt-cache policy | awk -v s="$codename/main" '$3 == s && $NF == "Packages" { print $2; exit }')
  fi
  [ -n "$uri" ] || lwip_fail "apt has no '$codename' Debian archive configured"
  work=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  mkdir -p "$work/lists/partial" "$work/dl"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $codename main" \
    >"$work/sources.list"
  local apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$work/lists" -o "APT::Sandbox::User=root")
  echo "bootstrap: fetching lwip=$LWIP_VERSION (deb-src $uri $codename main)"
  apt-get "${apt_opts[@]}" -qq update || lwip_fail "apt-get update of the deb-src list failed"
  (cd "$work/dl" && apt-get "${apt_opts[@]}" -qq source --download-only "lwip=$LWIP_VERSION") ||
    lwip_fail "apt-get source --download-only lwip=$LWIP_VERSION failed"
  [ -f "$work/dl/$LWIP_DSC" ] || lwip_fail "$LWIP_DSC was not downloaded"
  echo "$LWIP_DSC_SHA256  $work/dl/$LWIP_DSC" | sha256sum --quiet -c - ||
    lwip_fail "$LWIP_DSC does not match its pinned SHA-256 $LWIP_DSC_SHA256"
  # Every file of the .dsc's Checksums-Sha256 section: " <sha256> <size> <name>".
  local files
  files=$(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3 { print $1 "  " $3 }' \
    "$work/dl/$LWIP_DSC")
  [ "$(echo "$files" | grep -c .)" -ge 2 ] || lwip_fail "$LWIP_DSC lists no Checksums-Sha256 files"
  (cd "$work/dl" && echo "$files" | sha256sum --quiet -c -) ||
    lwip_fail "a file of $LWIP_DSC does not match its Checksums-Sha256"
  # --no-check: the checksums are verified above; the maintainer's signature
  # would need debian-keyring, and the .dsc's own pin covers it.
  dpkg-source --no-check -x "$work/dl/$LWIP_DSC" "$work/lwip" >/dev/null ||
    lwip_fail "dpkg-source -x $LWIP_DSC failed"
  local got
  got=$(tree_sha256 "$work/lwip")
  [ "$got" = "$LWIP_TREE_SHA256" ] ||
    lwip_fail "the unpacked tree hashes to $got, not the pinned $LWIP_TREE_SHA256"
  $sudo mkdir -p "$(dirname "$LWIP_DIR")" || lwip_fail "cannot create $(dirname "$LWIP_DIR")"
  $sudo rm -rf "$LWIP_DIR.new" "$LWIP_DIR" &&
    $sudo cp -a "$work/lwip" "$LWIP_DIR.new" &&
    $sudo chmod -R a+rX "$LWIP_DIR.new" &&
    $sudo mv "$LWIP_DIR.new" "$LWIP_DIR" || lwip_fail "cannot install $LWIP_DIR"
  echo "bootstrap: lwIP $LWIP_VERSION unpacked in $LWIP_DIR"
}

fetch_lwip
echo "bootstrap: done"
