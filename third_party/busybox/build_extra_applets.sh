#!/bin/bash
# build_extra_applets.sh OUT SOURCE_MAKEFILE
# Builds the busybox applets Debian's own configuration leaves out that
# Tessera's root file system wants — the user and group applets (adduser,
# addgroup, deluser, delgroup) and System V IPC's ipcs and ipcrm — from
# Debian's busybox source tree (the directory of SOURCE_MAKEFILE) as one
# static multi-call binary OUT, linked with musl. The configuration is
# busybox's allnoconfig plus the options below (passwd/group/shadow handled
# by busybox itself, so no NSS), made in a copy of the tree.
set -euo pipefail
out="$(realpath -m "$1")"
src="$(dirname "$(realpath "$2")")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -a "$src/." "$work/"
cd "$work"
export SOURCE_DATE_EPOCH=1767225600 KCONFIG_NOTIMESTAMP=1

enable() {  # the options, then defaults for what they bring in
  for option in "$@"; do
    sed -i "s/^# CONFIG_$option is not set\$/CONFIG_$option=y/" .config
  done
  { yes "" || true; } | make -s oldconfig >/dev/null
}
make -s allnoconfig >/dev/null
# No shell: the choice of what "sh" runs defaults to ash.
sed -i -e 's/^CONFIG_SH_IS_ASH=y$/# CONFIG_SH_IS_ASH is not set/' \
  -e 's/^# CONFIG_SH_IS_NONE is not set$/CONFIG_SH_IS_NONE=y/' .config
enable BUSYBOX FEATURE_INSTALLER STATIC LONG_OPTS FEATURE_SHADOWPASSWDS USE_BB_PWD_GRP USE_BB_SHADOW \
  ADDUSER ADDGROUP DELUSER DELGROUP IPCS IPCRM
enable FEATURE_ADDUSER_TO_GROUP FEATURE_DEL_USER_FROM_GROUP
# Debian's ranges for new ids (its busybox config).
sed -i -e 's/^CONFIG_LAST_ID=.*/CONFIG_LAST_ID=60000/' \
  -e 's/^CONFIG_FIRST_SYSTEM_ID=.*/CONFIG_FIRST_SYSTEM_ID=100/' \
  -e 's/^CONFIG_LAST_SYSTEM_ID=.*/CONFIG_LAST_SYSTEM_ID=999/' .config
{ yes "" || true; } | make -s oldconfig >/dev/null
for option in ADDUSER ADDGROUP DELUSER DELGROUP FEATURE_ADDUSER_TO_GROUP \
  FEATURE_DEL_USER_FROM_GROUP IPCS IPCRM STATIC USE_BB_PWD_GRP; do
  grep -qx "CONFIG_$option=y" .config || { echo "build_extra_applets.sh: CONFIG_$option did not stick" >&2; exit 1; }
done
if grep -qE '^CONFIG_(SHELL_ASH|SHELL_HUSH)=y' .config; then
  echo "build_extra_applets.sh: a shell crept into the configuration" >&2
  exit 1
fi
make -s -j"$(nproc)" CC=musl-gcc HOSTCC=gcc busybox >/dev/null
install -m 0755 busybox "$out"
